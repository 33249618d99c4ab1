//! The rules a stamp document must keep (spec `mrv-stamp/v2` §4.1, rules S1–S13), each checked
//! purely from the document — and, for S6's column kinds and S12, from the profile's schema.
//! A signature only proves who signed; these rules catch a document that whoever signed it
//! could never have produced by approving a batch (a high flag left unjustified, lists out of
//! order, a malformed time, a column read under another kind).

use crate::document::{parse_key, Stamp, SPEC, SPECS, SPEC_V1};
use crate::rows::{RowSchema, ValueKind};
use serde::Serialize;

/// One broken rule: its number in the spec and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleBreach {
    /// `S1` … `S13`, as numbered in `docs/stamp-spec.md` §4.1.
    pub rule: &'static str,
    pub detail: String,
}

impl std::fmt::Display for RuleBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.detail)
    }
}

/// The largest integer a stamp may hold (§1: integers below 2^53).
const MAX_INT: i64 = (1 << 53) - 1;

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A real calendar date written `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .is_ok_and(|d| d.format("%Y-%m-%d").to_string() == s)
}

/// A real UTC time written `YYYY-MM-DDTHH:MM:SSZ`.
pub fn is_utc_time(s: &str) -> bool {
    const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";
    chrono::NaiveDateTime::parse_from_str(s, FORMAT)
        .is_ok_and(|t| t.format(FORMAT).to_string() == s)
}

/// Every rule of §4.1 a document can be checked against on its own (S1–S11, S13); the breaches
/// found, in rule order (empty: the document keeps them all).
pub fn check_rules(stamp: &Stamp) -> Vec<RuleBreach> {
    let mut out = Vec::new();
    let mut breach = |rule: &'static str, detail: String| out.push(RuleBreach { rule, detail });

    // S1: the spec, and the members it has.
    let v1 = stamp.spec == SPEC_V1;
    if !SPECS.contains(&stamp.spec.as_str()) {
        breach(
            "S1",
            format!("spec is {:?}, not {SPEC:?} or {SPEC_V1:?}", stamp.spec),
        );
    } else if v1 && stamp.claimed.is_some() {
        breach(
            "S1",
            format!("a {SPEC_V1} document has no `claimed` member"),
        );
    } else if !v1 && stamp.claimed.is_none() {
        breach(
            "S1",
            format!("a {SPEC} document needs its `claimed` member"),
        );
    }

    // S2: every hash is 64 lower-case hex digits.
    let mut hashes: Vec<(String, &str)> = vec![
        (
            "project.boundary_sha256".into(),
            stamp.project.boundary_sha256.as_str(),
        ),
        (
            "methodology.profile_sha256".into(),
            stamp.methodology.profile_sha256.as_str(),
        ),
        ("source.sha256".into(), stamp.source.sha256.as_str()),
        ("rows.root".into(), stamp.rows.root.as_str()),
    ];
    for (i, l) in stamp.layers.iter().enumerate() {
        hashes.push((format!("layers[{i}].sha256"), l.sha256.as_str()));
    }
    for (i, e) in stamp.evidence.iter().enumerate() {
        hashes.push((format!("evidence[{i}].sha256"), e.sha256.as_str()));
    }
    for (what, h) in hashes {
        if !is_sha256_hex(h) {
            breach(
                "S2",
                format!("{what} {h:?} is not 64 lower-case hex digits"),
            );
        }
    }

    // S3: ids and versions.
    let b = &stamp.batch;
    for (what, n) in [
        ("batch.id", b.id),
        ("batch.version", b.version),
        ("project.id", stamp.project.id),
    ] {
        if !(1..=MAX_INT).contains(&n) {
            breach(
                "S3",
                format!("{what} {n} is not an integer from 1 to 2^53 - 1"),
            );
        }
    }
    match b.supersedes {
        None if b.version != 1 => breach(
            "S3",
            format!(
                "batch.version is {} but batch.supersedes is null: only version 1 corrects nothing",
                b.version
            ),
        ),
        Some(s) if b.version == 1 => breach(
            "S3",
            format!("batch.supersedes is {s} but batch.version is 1: a correction is version 2 or later"),
        ),
        Some(s) if !(1..=MAX_INT).contains(&s) || s == b.id => breach(
            "S3",
            format!("batch.supersedes {s} is not another batch's id"),
        ),
        _ => {}
    }

    // S4: the monitoring period.
    let p = &stamp.period;
    for (what, d) in [("period.start", &p.start), ("period.end", &p.end)] {
        if !is_date(d) {
            breach("S4", format!("{what} {d:?} is not a date YYYY-MM-DD"));
        }
    }
    if is_date(&p.start) && is_date(&p.end) && p.start > p.end {
        breach(
            "S4",
            format!("period.start {} is after period.end {}", p.start, p.end),
        );
    }

    // S5: the source.
    if !matches!(stamp.source.format.as_str(), "csv" | "geojson") {
        breach(
            "S5",
            format!(
                "source.format {:?} is not csv or geojson",
                stamp.source.format
            ),
        );
    }
    if stamp.source.crs.trim().is_empty() {
        breach("S5", "source.crs is empty".into());
    }

    // S6: the columns (their kinds against the profile: S12).
    let mut names = std::collections::BTreeSet::new();
    for (i, c) in stamp.rows.columns.iter().enumerate() {
        if c.name.is_empty() {
            breach("S6", format!("rows.columns[{i}] has an empty name"));
        }
        if !names.insert(c.name.as_str()) {
            breach("S6", format!("rows.columns names {:?} twice", c.name));
        }
        if !matches!(c.kind.as_str(), "text" | "number" | "date") {
            breach(
                "S6",
                format!(
                    "rows.columns[{i}] ({:?}) has kind {:?}, not text, number or date",
                    c.name, c.kind
                ),
            );
        }
    }
    if stamp.rows.count > MAX_INT as u64 {
        breach(
            "S6",
            format!("rows.count {} is 2^53 or more", stamp.rows.count),
        );
    }

    // S7: layers, sorted by name.
    for (i, l) in stamp.layers.iter().enumerate() {
        if !(1..=MAX_INT).contains(&l.band) {
            breach(
                "S7",
                format!(
                    "layers[{i}] ({:?}) has band {}, not 1 or more",
                    l.name, l.band
                ),
            );
        }
        if let Some(d) = &l.acquired_on {
            if !is_date(d) {
                breach(
                    "S7",
                    format!(
                        "layers[{i}] ({:?}) acquired_on {d:?} is not a date YYYY-MM-DD",
                        l.name
                    ),
                );
            }
        }
    }
    for (i, w) in stamp.layers.windows(2).enumerate() {
        if w[0].name > w[1].name {
            breach(
                "S7",
                format!(
                    "layers are not sorted by name: {:?} (layers[{i}]) comes before {:?}",
                    w[0].name, w[1].name
                ),
            );
        }
    }

    // S8: flags, by_check sorted by check, counts adding up.
    let f = &stamp.flags;
    for (i, w) in f.by_check.windows(2).enumerate() {
        if w[0].check >= w[1].check {
            breach(
                "S8",
                format!(
                    "flags.by_check is not sorted by check without repeats: {:?} (by_check[{i}]) comes before {:?}",
                    w[0].check, w[1].check
                ),
            );
        }
    }
    for c in &f.by_check {
        if c.count == 0 {
            breach(
                "S8",
                format!("flags.by_check counts 0 flags of {:?}", c.check),
            );
        }
    }
    let by_check: u64 = f.by_check.iter().map(|c| c.count).sum();
    let by_severity = f.high.saturating_add(f.medium).saturating_add(f.low);
    if by_check != by_severity {
        breach(
            "S8",
            format!(
                "flags.by_check counts {by_check} flags but high + medium + low is {by_severity}"
            ),
        );
    }

    // S9: evidence, sorted by SHA-256 (a file is attached once).
    for (i, w) in stamp.evidence.windows(2).enumerate() {
        if w[0].sha256 >= w[1].sha256 {
            breach(
                "S9",
                format!(
                    "evidence is not sorted by sha256 without repeats: {} (evidence[{i}]) comes before {}",
                    w[0].sha256, w[1].sha256
                ),
            );
        }
    }

    // S10: the decision's who and when.
    let d = &stamp.decision;
    if d.verifier.trim().is_empty() {
        breach("S10", "decision.verifier is empty".into());
    }
    let key_hex = d.verifier_key.strip_prefix("ed25519:").unwrap_or("");
    if !is_sha256_hex(key_hex) || parse_key(&d.verifier_key).is_err() {
        breach(
            "S10",
            format!(
                "decision.verifier_key {:?} is not `ed25519:` and 64 lower-case hex digits of a valid key",
                d.verifier_key
            ),
        );
    }
    if !is_utc_time(&d.approved_at) {
        breach(
            "S10",
            format!(
                "decision.approved_at {:?} is not a UTC time YYYY-MM-DDTHH:MM:SSZ",
                d.approved_at
            ),
        );
    }

    // S11: one justification per open high flag (v2: each names its flag's severity, and a
    // flag below high is justified only on a material row), sorted by row then check.
    let j = &d.justifications;
    let high_justified = if v1 {
        j.len() as u64
    } else {
        j.iter()
            .filter(|x| x.severity.as_deref() == Some("high"))
            .count() as u64
    };
    if high_justified != f.high {
        breach(
            "S11",
            format!(
                "flags.high is {} but decision.justifications holds {high_justified}{}: every high-severity flag open at approval needs exactly one justification",
                f.high,
                if v1 { "" } else { " of severity high" }
            ),
        );
    }
    let material_rows: &[i64] = stamp
        .claimed
        .as_ref()
        .map_or(&[], |c| c.material_rows.as_slice());
    for (i, x) in j.iter().enumerate() {
        match (v1, x.severity.as_deref()) {
            (true, None) | (false, Some("high")) => {}
            (false, Some("medium" | "low")) if material_rows.contains(&x.row) => {}
            (false, Some("medium" | "low")) => breach(
                "S11",
                format!(
                    "decision.justifications[{i}] (row {}, {}) justifies a flag below high on a row that is not among claimed.material_rows",
                    x.row, x.check
                ),
            ),
            (true, Some(_)) => breach(
                "S11",
                format!("decision.justifications[{i}] names a severity, which {SPEC_V1} does not"),
            ),
            (false, other) => breach(
                "S11",
                format!(
                    "decision.justifications[{i}] (row {}, {}) has severity {other:?}, not high, medium or low",
                    x.row, x.check
                ),
            ),
        }
    }
    for (i, w) in j.windows(2).enumerate() {
        if (w[0].row, &w[0].check) > (w[1].row, &w[1].check) {
            breach(
                "S11",
                format!(
                    "decision.justifications are not sorted by row then check: row {} {:?} (justifications[{i}]) comes before row {} {:?}",
                    w[0].row, w[0].check, w[1].row, w[1].check
                ),
            );
        }
    }
    for (i, x) in j.iter().enumerate() {
        if x.row < 1 || x.row as u64 > stamp.rows.count {
            breach(
                "S11",
                format!(
                    "decision.justifications[{i}] names row {}, outside rows 1..{}",
                    x.row, stamp.rows.count
                ),
            );
        }
        if x.text.trim().is_empty() || x.text.trim() != x.text {
            breach(
                "S11",
                format!(
                    "decision.justifications[{i}] (row {}, {}) has an empty or untrimmed text",
                    x.row, x.check
                ),
            );
        }
    }
    for c in f.by_check.iter() {
        let justified = j.iter().filter(|x| x.check == c.check).count() as u64;
        if justified > c.count {
            breach(
                "S11",
                format!(
                    "{justified} justifications name {:?}, which flags.by_check counts {} times",
                    c.check, c.count
                ),
            );
        }
    }
    for x in j {
        if !f.by_check.iter().any(|c| c.check == x.check) {
            breach(
                "S11",
                format!(
                    "a justification (row {}) names the check {:?}, which flags.by_check does not count",
                    x.row, x.check
                ),
            );
        }
    }

    // S13 (v2): what the batch claims.
    if let Some(c) = &stamp.claimed {
        match stamp.rows.columns.iter().find(|col| col.name == c.field) {
            None => breach(
                "S13",
                format!("claimed.field {:?} is not among rows.columns", c.field),
            ),
            Some(col) if col.kind != "number" => breach(
                "S13",
                format!(
                    "claimed.field {:?} has kind {:?}, not number",
                    c.field, col.kind
                ),
            ),
            Some(_) => {}
        }
        if crate::normalize::number(&c.total).ok().as_deref() != Some(c.total.as_str()) {
            breach(
                "S13",
                format!(
                    "claimed.total {:?} is not a number in normal form (§2)",
                    c.total
                ),
            );
        }
        let percent_ok = crate::normalize::number(&c.materiality_percent)
            .ok()
            .filter(|n| *n == c.materiality_percent.as_str())
            .is_some_and(|n| {
                !n.starts_with('-') && n != "0" && {
                    let whole = n.split('.').next().unwrap_or("");
                    whole.len() < 3 || n == "100"
                }
            });
        if !percent_ok {
            breach(
                "S13",
                format!(
                    "claimed.materiality_percent {:?} is not a number in normal form in (0, 100]",
                    c.materiality_percent
                ),
            );
        }
        for (i, w) in c.material_rows.windows(2).enumerate() {
            if w[0] >= w[1] {
                breach(
                    "S13",
                    format!(
                        "claimed.material_rows are not ascending without repeats: {} (material_rows[{i}]) comes before {}",
                        w[0], w[1]
                    ),
                );
            }
        }
        for &row in &c.material_rows {
            if row < 1 || row as u64 > stamp.rows.count {
                breach(
                    "S13",
                    format!(
                        "claimed.material_rows names row {row}, outside rows 1..{}",
                        stamp.rows.count
                    ),
                );
            } else if !j.iter().any(|x| x.row == row) {
                breach(
                    "S13",
                    format!("material row {row} has no justification in decision.justifications"),
                );
            }
        }
    }
    out
}

/// How §4 spells a column's kind.
pub fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text => "text",
        ValueKind::Number => "number",
        ValueKind::Date => "date",
    }
}

/// S12: the kind of each column is the one the methodology profile gives it (`schema`: the
/// profile's kinds for the stamp's own column names, in order).
pub fn check_column_kinds(stamp: &Stamp, schema: &RowSchema) -> Vec<RuleBreach> {
    let mut out = Vec::new();
    for (c, (name, kind)) in stamp.rows.columns.iter().zip(schema.columns()) {
        let expected = kind_name(*kind);
        if c.name != *name {
            out.push(RuleBreach {
                rule: "S12",
                detail: format!("column {:?} is not the profile's column {name:?}", c.name),
            });
        } else if c.kind != expected {
            out.push(RuleBreach {
                rule: "S12",
                detail: format!(
                    "column {:?} has kind {:?} but the methodology profile makes it {expected:?}",
                    c.name, c.kind
                ),
            });
        }
    }
    if stamp.rows.columns.len() != schema.columns().len() {
        out.push(RuleBreach {
            rule: "S12",
            detail: format!(
                "the stamp has {} columns, the profile's schema {}",
                stamp.rows.columns.len(),
                schema.columns().len()
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::example;
    use crate::document::JustificationPart;

    fn rules_of(stamp: &Stamp) -> Vec<&'static str> {
        check_rules(stamp).into_iter().map(|b| b.rule).collect()
    }

    #[test]
    fn the_worked_example_keeps_every_rule() {
        assert_eq!(check_rules(&example()), vec![]);
        assert_eq!(check_rules(&crate::document::tests::example_v1()), vec![]);
    }

    #[test]
    fn what_a_v2_stamp_claims_is_checked() {
        use crate::document::tests::example_v1;
        type Change = Box<dyn Fn(&mut Stamp)>;
        let cases: Vec<(&str, Change)> = vec![
            ("S1", Box::new(|s| s.claimed = None)),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().field = "dbh".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().field = "plot_id".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().total = "2.150".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().total = "2e1".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().materiality_percent = "0".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().materiality_percent = "100.5".into()),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().material_rows = vec![1]),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().material_rows = vec![2, 2]),
            ),
            (
                "S13",
                Box::new(|s| s.claimed.as_mut().unwrap().material_rows = vec![3]),
            ),
            ("S11", Box::new(|s| s.decision.justifications.clear())),
        ];
        for (rule, change) in cases {
            let mut s = example();
            assert_eq!(check_rules(&s), vec![]);
            change(&mut s);
            assert!(
                rules_of(&s).contains(&rule),
                "{rule}: {:?}",
                check_rules(&s)
            );
        }
        // v1 documents claim nothing; v2 justifications may cover more than the high flags.
        let mut s = example_v1();
        s.claimed = example().claimed;
        assert_eq!(rules_of(&s), ["S1"], "{:?}", check_rules(&s));
        let mut s = example();
        s.flags.low = 1;
        s.flags.by_check.push(crate::document::CheckCount {
            check: "robust_outlier".into(),
            count: 1,
        });
        s.decision.justifications.push(JustificationPart {
            row: 2,
            check: "robust_outlier".into(),
            severity: Some("low".into()),
            text: "a 22 % outlier: re-measured".into(),
        });
        assert_eq!(check_rules(&s), vec![]);
        // Not on a material row: refused.
        let mut other = s.clone();
        other.claimed.as_mut().unwrap().material_rows = vec![];
        assert_eq!(rules_of(&other), ["S11"], "{:?}", check_rules(&other));
        // A high flag's justification passed off as a low one's leaves the high flag bare.
        let mut relabelled = s.clone();
        relabelled.decision.justifications[0].severity = Some("low".into());
        assert_eq!(
            rules_of(&relabelled),
            ["S11"],
            "{:?}",
            check_rules(&relabelled)
        );
        let mut v1 = s.clone();
        v1.spec = SPEC_V1.into();
        v1.claimed = None;
        assert!(
            rules_of(&v1).iter().all(|r| *r == "S11"),
            "{:?}",
            check_rules(&v1)
        );
    }

    #[test]
    fn each_broken_rule_is_named() {
        type Change = Box<dyn Fn(&mut Stamp)>;
        let cases: Vec<(&str, Change)> = vec![
            ("S2", Box::new(|s| s.source.sha256 = "ABC".into())),
            ("S3", Box::new(|s| s.batch.supersedes = None)),
            ("S3", Box::new(|s| s.batch.supersedes = Some(2))),
            ("S4", Box::new(|s| s.period.end = "2024-12-31".into())),
            ("S4", Box::new(|s| s.period.start = "2025-02-30".into())),
            ("S5", Box::new(|s| s.source.format = "xlsx".into())),
            (
                "S6",
                Box::new(|s| s.rows.columns[0].kind = "integer".into()),
            ),
            ("S13", Box::new(|s| s.rows.columns[3].kind = "text".into())),
            ("S8", Box::new(|s| s.flags.high = 2)),
            (
                "S10",
                Box::new(|s| s.decision.approved_at = "2026-11-27 12:00:00".into()),
            ),
            (
                "S10",
                Box::new(|s| s.decision.approved_at = "2026-13-27T12:00:00Z".into()),
            ),
            (
                "S10",
                Box::new(|s| s.decision.verifier_key = "ed25519:00".into()),
            ),
            ("S11", Box::new(|s| s.decision.justifications.clear())),
            (
                "S11",
                Box::new(|s| s.decision.justifications[0].text = " ".into()),
            ),
        ];
        for (rule, change) in cases {
            let mut s = example();
            change(&mut s);
            let found = rules_of(&s);
            assert!(found.contains(&rule), "{rule}: {:?}", check_rules(&s));
        }
    }

    #[test]
    fn lists_out_of_order_are_refused() {
        let mut s = example();
        s.flags.by_check.insert(
            0,
            crate::document::CheckCount {
                check: "zz_last".into(),
                count: 1,
            },
        );
        s.flags.medium = 1;
        assert_eq!(rules_of(&s), ["S8"], "{:?}", check_rules(&s));
        let mut s = example();
        s.flags.high = 2;
        s.flags.by_check[0].count = 2;
        s.decision.justifications.insert(
            0,
            JustificationPart {
                row: 2,
                check: "outside_boundary".into(),
                severity: Some("high".into()),
                text: "x".into(),
            },
        );
        s.decision.justifications[1].row = 1;
        assert_eq!(rules_of(&s), ["S11"], "{:?}", check_rules(&s));
    }

    #[test]
    fn dates_and_times_are_strict() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2025-3-01"));
        assert!(is_utc_time("2026-11-27T12:00:00Z"));
        assert!(!is_utc_time("2026-11-27T24:00:00Z"));
        assert!(!is_utc_time("2026-11-27T12:00:00+00:00"));
        assert!(!is_utc_time("2026-11-27T12:00:00.5Z"));
    }
}

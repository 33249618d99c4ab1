//! A batch's quantities on a real workspace: gross claimed summed exactly from the rows' texts
//! (checked against an independent integer sum of the file), buffer and net, material rows, and
//! the approval rule that a material row — a 22 % outlier flagged only `low` — needs a written
//! justification; the v2 stamp then commits to the claimed total.

use mrv_app::{ErrorCode, ImportRequest, Mrv, Progress, Session, DEMO_PASSWORD};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
    mrv.sign_in(name, DEMO_PASSWORD).unwrap()
}

/// The demo file's header and rows, split into cells (the demo CSV has no quoted commas).
fn demo_rows(ws: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(ws.join("demo").join("tree-plots-2025.csv")).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) {
    let mut text = header.join(",") + "\n";
    for r in rows {
        text += &(r.join(",") + "\n");
    }
    std::fs::write(path, text).unwrap();
}

/// A plain decimal text as an integer number of `10^-scale` units, by string arithmetic only.
fn scaled(text: &str, scale: usize) -> i128 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= scale, "{text} has more than {scale} decimals");
    format!("{int}{frac:0<scale$}").parse().unwrap()
}

/// `units × 10^-scale` as plain decimal text without trailing zeros.
fn spelled(units: i128, scale: usize) -> String {
    let digits = format!("{:0>width$}", units, width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

fn import(mrv: &mut Mrv, session: &Session, file: PathBuf) -> i64 {
    mrv.import(
        session,
        &ImportRequest {
            file,
            project_id: 1,
            period: "2025-01-01..2025-12-31".into(),
            crs: None,
            mapping: vec![],
        },
        &mut |_| Progress::Continue,
    )
    .unwrap()
    .id
}

#[test]
fn the_demo_batch_quantities_are_the_exact_sum_of_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut mrv = Mrv::init(&ws, true).unwrap();
    let vera = sign_in(&mut mrv, "vera");
    let q = mrv.quantities(&vera, 1).unwrap();

    // Independently: the claimed column's texts summed as integers of thousandths.
    let (header, rows) = demo_rows(&ws);
    let column = header.iter().position(|h| h == "claimed_tco2e").unwrap();
    let thousandths: i128 = rows.iter().map(|r| scaled(&r[column], 3)).sum();
    assert_eq!(q.gross.to_string(), spelled(thousandths, 3));
    assert_eq!(q.rows, rows.len() as u64);
    assert_eq!(q.claimed_field, "claimed_tco2e");
    // The demo methodology withholds 20 %: buffer = gross × 20 / 100 in units of 10^-5.
    assert_eq!(q.buffer_percent.to_string(), "20");
    let buffer = thousandths * 20;
    assert_eq!(q.buffer.to_string(), spelled(buffer, 5));
    assert_eq!(q.net.to_string(), spelled(thousandths * 100 - buffer, 5));
    assert!(
        q.derivation[0].contains(&format!("{} rows", rows.len())),
        "{:?}",
        q.derivation
    );

    // Material: the flagged rows claiming more than 5 % of the total alone.
    assert_eq!(q.materiality_percent.to_string(), "5");
    let flags = mrv.flags(&vera, 1).unwrap();
    for f in &flags {
        let claim = scaled(&rows[f.row as usize - 1][column], 3);
        let alone = claim * 100 > thousandths * 5;
        if alone {
            assert!(q.is_material(f.row), "row {} claims {claim}", f.row);
        }
    }
    assert!(q.material.iter().all(|m| !m.flag_ids.is_empty()));
    assert!(
        q.material.iter().any(|m| m.id == "SDM-0011"),
        "{:#?}",
        q.material
    );
}

#[test]
fn sums_are_exact_where_the_float_column_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut mrv = Mrv::init(&ws, true).unwrap();
    let ana = sign_in(&mut mrv, "ana");
    let (header, mut rows) = demo_rows(&ws);
    let column = header.iter().position(|h| h == "claimed_tco2e").unwrap();
    // 0.1 and 0.2 have no exact binary float; their float sum drifts.
    for (i, r) in rows.iter_mut().enumerate() {
        r[column] = if i % 2 == 0 { "0.1" } else { "0.20" }.into();
    }
    rows[7][column] = "1e-3".into();
    let file = dir.path().join("tenths.csv");
    write_csv(&file, &header, &rows);
    let batch = import(&mut mrv, &ana, file);
    let q = mrv.quantities(&ana, batch).unwrap();
    let expected: i128 = rows
        .iter()
        .map(|r| match r[column].as_str() {
            "1e-3" => 1,
            other => scaled(other, 3),
        })
        .sum();
    assert_eq!(q.gross.to_string(), spelled(expected, 3));
    let float: f64 = mrv.batch(&ana, batch).unwrap().claimed_tco2e_total;
    assert_ne!(
        format!("{float}"),
        q.gross.to_string(),
        "the float column would have been exact here"
    );
}

#[test]
fn a_22_percent_outlier_flagged_low_is_material_and_approval_needs_its_justification() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut mrv = Mrv::init(&ws, true).unwrap();
    let ana = sign_in(&mut mrv, "ana");
    let vera = sign_in(&mut mrv, "vera");

    // The first 40 demo rows, without the demo's own outliers; row 5 then claims 22 % of the
    // batch total: V = 0.22 × (S + V), so V = 22 S / 78 for the others' sum S.
    let (header, rows) = demo_rows(&ws);
    let column = header.iter().position(|h| h == "claimed_tco2e").unwrap();
    let mut rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| scaled(&r[column], 3) < 10_000)
        .take(40)
        .collect();
    let others: i128 = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, r)| scaled(&r[column], 3))
        .sum();
    let outlier = others * 22 / 78;
    rows[4][column] = spelled(outlier, 3);
    let total = others + outlier;
    assert!(
        outlier * 100 >= total * 21 && outlier * 100 <= total * 22,
        "{outlier} of {total}"
    );
    let file = dir.path().join("outlier.csv");
    write_csv(&file, &header, &rows);
    let batch = import(&mut mrv, &ana, file);

    let flags = mrv.flags(&vera, batch).unwrap();
    let on_row_5: Vec<_> = flags.iter().filter(|f| f.row == 5).collect();
    assert!(
        !on_row_5.is_empty() && on_row_5.iter().all(|f| f.severity == "low"),
        "row 5 should be flagged low only: {on_row_5:#?}"
    );
    let q = mrv.quantities(&vera, batch).unwrap();
    assert_eq!(q.gross.to_string(), spelled(total, 3));
    let material = q
        .material
        .iter()
        .find(|m| m.row == 5)
        .expect("row 5 material");
    assert_eq!(material.reason, mrv_app::MaterialReason::Alone);
    assert!(material.why.contains("more than 5 %"), "{}", material.why);

    // The existing rule alone (a text per high flag) no longer approves it.
    mrv.start_review(&vera, batch).unwrap();
    let high: BTreeMap<i64, String> = flags
        .iter()
        .filter(|f| f.severity == "high")
        .map(|f| (f.flag_id, "checked in the field".to_owned()))
        .collect();
    let err = mrv.approve(&vera, batch, &high).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let text = err.to_string();
    assert!(text.contains("material row 5"), "{text}");
    assert!(text.contains(&rows[4][0]), "the record id is named: {text}");
    assert_eq!(mrv.batch(&vera, batch).unwrap().state, "in_review");
    // Nor does an empty text.
    let mut blank = high.clone();
    blank.insert(on_row_5[0].flag_id, "   ".into());
    let err = mrv.approve(&vera, batch, &blank).unwrap_err();
    assert!(err.to_string().contains("material row 5"), "{err}");
    // A justification for a flag that needs none is refused as before.
    if let Some(other) = flags
        .iter()
        .find(|f| f.severity != "high" && !q.is_material(f.row))
    {
        let mut extra = mrv_app::justify_everything(&mrv, &vera, batch, "ok").unwrap();
        extra.insert(other.flag_id, "not needed".into());
        let err = mrv.approve(&vera, batch, &extra).unwrap_err();
        assert!(
            err.to_string().contains(&format!("flag {}", other.flag_id)),
            "{err}"
        );
    }

    // With its justification the batch is approved; the v2 stamp commits to the total and
    // the material row, and the justification is in it.
    let mut justified = high.clone();
    justified.insert(on_row_5[0].flag_id, "re-measured: a veteran tree".into());
    for m in &q.material {
        if m.row != 5 && !m.flag_ids.iter().any(|id| justified.contains_key(id)) {
            justified.insert(m.flag_ids[0], "checked".into());
        }
    }
    let stamp = mrv.approve(&vera, batch, &justified).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stamp.document).unwrap();
    assert_eq!(doc["spec"], "mrv-stamp/v2");
    assert_eq!(doc["claimed"]["total"], spelled(total, 3));
    assert_eq!(doc["claimed"]["field"], "claimed_tco2e");
    assert!(doc["claimed"]["material_rows"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(5)));
    assert!(stamp.document.contains("re-measured: a veteran tree"));
}

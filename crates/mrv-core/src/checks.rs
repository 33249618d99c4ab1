//! Checks that turn evidence into flags (DESIGN.md §4). Which checks run and their thresholds
//! come from the methodology profile; each flag carries a severity and a plain explanation.
//!
//! Per-row checks look at one layer's reading at one point ([`check_sample`]) or at the point
//! and the project boundary; batch-level checks look at all rows together
//! ([`robust_outliers`], [`duplicate_positions`]).

use crate::{CalendarDate, LayerKind, MethodologyProfile, Sample};
use serde::{Deserialize, Serialize};

/// How much a flag matters to the verifier. Approving with open `high` flags needs a written
/// justification per flag (issue 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// The severity a stored name spells.
    pub fn parse(name: &str) -> Option<Severity> {
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A flag before it is tied to a row and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The check's name, as listed in profiles (`outside_boundary`, …).
    pub check: &'static str,
    pub severity: Severity,
    pub explanation: String,
}

impl MethodologyProfile {
    pub fn runs(&self, check: &str) -> bool {
        self.checks.iter().any(|c| c == check)
    }
}

/// A number for people: at most three decimals, no trailing zeros (`1.5895` → `1.59`,
/// `0.7200000286` → `0.72`, `40.0` → `40`).
fn short(x: f64) -> String {
    let mut text = String::new();
    push_short(&mut text, x);
    text
}

/// Appends [`short`]`(x)` to `out`.
fn push_short(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    let start = out.len();
    write!(out, "{x:.3}").expect("writing to a String");
    if out[start..].contains('.') {
        let kept = out[start..]
            .trim_end_matches('0')
            .trim_end_matches('.')
            .len();
        out.truncate(start + kept);
    }
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// How far a point outside the boundary lies from its nearest edge, and in which direction
/// (degrees clockwise from north, from the nearest boundary point to the measurement point).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundaryGap {
    pub metres: f64,
    pub bearing_deg: f64,
}

/// The eight-point compass direction of a bearing.
pub fn compass_point(bearing_deg: f64) -> &'static str {
    const POINTS: [&str; 8] = [
        "north",
        "north-east",
        "east",
        "south-east",
        "south",
        "south-west",
        "west",
        "north-west",
    ];
    let b = bearing_deg.rem_euclid(360.0);
    POINTS[((b + 22.5) / 45.0) as usize % 8]
}

/// A distance for people: metres below 10 km (whole metres, or one decimal below 10 m), km
/// above.
pub fn format_distance(metres: f64) -> String {
    if metres < 10.0 {
        format!("{metres:.1} m")
    } else if metres < 10_000.0 {
        format!("{metres:.0} m")
    } else {
        format!("{:.1} km", metres / 1000.0)
    }
}

/// A point outside the project boundary (`outside` says how far, `None` means inside).
pub fn outside_boundary(
    profile: &MethodologyProfile,
    outside: Option<BoundaryGap>,
) -> Option<Finding> {
    let gap = outside.filter(|_| profile.runs("outside_boundary"))?;
    Some(Finding {
        check: "outside_boundary",
        severity: Severity::High,
        explanation: format!(
            "the measurement point lies outside the project boundary, {} {} of its nearest edge",
            format_distance(gap.metres),
            compass_point(gap.bearing_deg)
        ),
    })
}

/// Checks one layer's reading at one point.
pub fn check_sample(
    profile: &MethodologyProfile,
    baseline: Option<CalendarDate>,
    layer_name: &str,
    kind: LayerKind,
    sample: Sample,
) -> Option<Finding> {
    SampleChecks::new(profile, baseline, layer_name, kind).check(sample)
}

/// [`check_sample`] for many readings of one layer: which checks apply and what their
/// explanations say whatever the value are worked out once, so that a reading costs a few
/// comparisons and a flag one string.
pub struct SampleChecks<'a> {
    profile: &'a MethodologyProfile,
    baseline: Option<CalendarDate>,
    layer_name: &'a str,
    kind: LayerKind,
    /// The `nodata` explanation, when that check runs.
    nodata: Option<String>,
    land_cover: bool,
    loss: bool,
    /// The plausible range and the `implausible_value` explanation before and after the value,
    /// when that check applies.
    range: Option<(f64, f64, String, String)>,
}

impl<'a> SampleChecks<'a> {
    pub fn new(
        profile: &'a MethodologyProfile,
        baseline: Option<CalendarDate>,
        layer_name: &'a str,
        kind: LayerKind,
    ) -> SampleChecks<'a> {
        let range = profile
            .layer_ranges
            .get(kind.as_str())
            .copied()
            .filter(|_| profile.runs("implausible_value"))
            .map(|(min, max)| {
                (
                    min,
                    max,
                    format!("layer `{layer_name}` reads "),
                    format!(
                        ", outside the plausible range {}..{} for {}",
                        short(min),
                        short(max),
                        kind.as_str()
                    ),
                )
            });
        SampleChecks {
            profile,
            baseline,
            layer_name,
            kind,
            nodata: profile.runs("nodata").then(|| {
                format!(
                    "layer `{layer_name}` has no data at this point (cloud, gap or masked pixel)"
                )
            }),
            land_cover: profile.runs("land_cover_mismatch")
                && !profile.allowed_land_cover.is_empty(),
            loss: profile.runs("loss_after_baseline"),
            range,
        }
    }

    /// The finding on one reading, if any.
    pub fn check(&self, sample: Sample) -> Option<Finding> {
        let layer_name = self.layer_name;
        let value = match sample {
            Sample::NoData => {
                return self.nodata.as_ref().map(|explanation| Finding {
                    check: "nodata",
                    severity: Severity::Medium,
                    explanation: explanation.clone(),
                })
            }
            // Off the raster: no evidence either way; the boundary check covers misplaced
            // points.
            Sample::Outside => return None,
            Sample::Value(v) => v,
        };
        match self.kind {
            LayerKind::LandCover if self.land_cover => {
                let allowed = &self.profile.allowed_land_cover;
                let class = value.round() as i64;
                (!allowed.contains(&class)).then(|| Finding {
                    check: "land_cover_mismatch",
                    severity: Severity::High,
                    explanation: format!(
                        "layer `{layer_name}` shows land-cover class {}, not one the methodology allows ({})",
                        crate::overlay::land_cover_label(class),
                        allowed.iter().map(|&c| crate::overlay::land_cover_label(c)).collect::<Vec<_>>().join(", ")
                    ),
                })
            }
            // Hansen Global Forest Change: 0 = no loss, N = loss in year 2000 + N.
            LayerKind::ForestLossYear if self.loss => {
                let baseline = self.baseline?;
                let code = value.round() as i64;
                let year = 2000 + code;
                (code > 0 && year > i64::from(baseline.year())).then(|| Finding {
                    check: "loss_after_baseline",
                    severity: Severity::High,
                    explanation: format!("layer `{layer_name}` records forest loss in {year}, after the baseline date {baseline}"),
                })
            }
            _ => {
                let (min, max, before, after) = self.range.as_ref()?;
                (value < *min || value > *max).then(|| {
                    let mut explanation = String::with_capacity(before.len() + after.len() + 8);
                    explanation.push_str(before);
                    push_short(&mut explanation, value);
                    explanation.push_str(after);
                    Finding {
                        check: "implausible_value",
                        severity: Severity::Medium,
                        explanation,
                    }
                })
            }
        }
    }
}

/// Rows whose value is a robust outlier: |modified z-score| = |0.6745 (x − median) / MAD| above
/// 3.5 (Iglewicz & Hoaglin). Returns (index, z, median, MAD). No flags when MAD is 0.
pub fn robust_outliers(values: &[f64]) -> Vec<(usize, f64, f64, f64)> {
    if values.len() < 3 {
        return Vec::new();
    }
    // The middle order statistics, by selection rather than a full sort: the same values a
    // sort by `total_cmp` puts in the middle, in linear time.
    let median_of = |v: &mut Vec<f64>| {
        let n = v.len();
        let (below, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
        if n % 2 == 1 {
            upper
        } else {
            let lower = *below
                .iter()
                .max_by(|a, b| a.total_cmp(b))
                .expect("n >= 3, so the lower half is not empty");
            (lower + upper) / 2.0
        }
    };
    let median = median_of(&mut values.to_vec());
    let mad = median_of(&mut values.iter().map(|v| (v - median).abs()).collect());
    if mad == 0.0 {
        return Vec::new();
    }
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let z = 0.6745 * (v - median) / mad;
            (z.abs() > 3.5).then_some((i, z, median, mad))
        })
        .collect()
}

/// The robust-outlier finding for one row's claimed tCO2e.
pub fn outlier_finding(
    profile: &MethodologyProfile,
    value: f64,
    z: f64,
    median: f64,
    mad: f64,
) -> Option<Finding> {
    profile.runs("robust_outlier").then(|| Finding {
        check: "robust_outlier",
        severity: Severity::Low,
        explanation: format!(
            "claimed {} tCO2e is far from the rest of the batch (modified z-score {z:.1}; median {}, MAD {})",
            short(value),
            short(median),
            short(mad)
        ),
    })
}

/// Rows at the same position (to 1e-6°, about 0.1 m) as an earlier row: (index, first index).
pub fn duplicate_positions(points: &[(f64, f64)]) -> Vec<(usize, usize)> {
    let key = |(lon, lat): (f64, f64)| ((lon * 1e6).round() as i64, (lat * 1e6).round() as i64);
    // Keys computed once and sorted with the row index as tie-breaker: the first of equal keys
    // is the earliest row. Given the sorted (key, index) pairs, each row after the first of its
    // key is a duplicate of that first.
    fn duplicates<K: PartialEq>(sorted: impl Iterator<Item = (K, usize)>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut previous: Option<(K, usize)> = None;
        for (key, index) in sorted {
            match &previous {
                Some((k, first)) if *k == key => out.push((index, *first)),
                _ => previous = Some((key, index)),
            }
        }
        out.sort_unstable();
        out
    }
    let keys: Vec<(i64, i64)> = points.iter().map(|&p| key(p)).collect();
    // Real positions fit 32 bits a coordinate: then key and index pack into one u128, whose
    // order is the (key, index) order and which sorts much faster than the tuples.
    let narrow = |k: i64| {
        i32::try_from(k)
            .ok()
            .map(|k| u128::from(k as u32 ^ 0x8000_0000))
    };
    let packed: Option<Vec<u128>> = (points.len() <= u32::MAX as usize)
        .then(|| {
            keys.iter()
                .enumerate()
                .map(|(i, &(lon, lat))| Some(narrow(lon)? << 96 | narrow(lat)? << 64 | i as u128))
                .collect()
        })
        .flatten();
    match packed {
        Some(mut packed) => {
            packed.sort_unstable();
            duplicates(packed.into_iter().map(|v| (v >> 64, v as u64 as usize)))
        }
        None => {
            let mut order: Vec<((i64, i64), usize)> =
                keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
            order.sort_unstable();
            duplicates(order.into_iter())
        }
    }
}

/// The duplicate-plot finding for a row at the same place as an earlier one.
pub fn duplicate_finding(
    profile: &MethodologyProfile,
    first_row: i64,
    first_id: &str,
) -> Option<Finding> {
    profile.runs("duplicate_plot").then(|| Finding {
        check: "duplicate_plot",
        severity: Severity::High,
        explanation: format!("same position as row {first_row} (`{first_id}`): the same plot measured twice under different ids?"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> MethodologyProfile {
        let text = include_str!("../../../assets/methodologies/arr-tree-plots.toml");
        MethodologyProfile::from_toml(text).unwrap()
    }

    fn check(kind: LayerKind, sample: Sample, expected: Option<&str>) {
        let baseline = CalendarDate::parse("2020-12-31");
        let got = check_sample(&profile(), baseline, "L", kind, sample)
            .map(|f| format!("{} {}: {}", f.severity.as_str(), f.check, f.explanation));
        assert_eq!(got.as_deref(), expected, "{kind:?} {sample:?}");
    }

    #[test]
    fn each_per_point_rule_triggers_and_stays_quiet() {
        check(
            LayerKind::Ndvi,
            Sample::NoData,
            Some("medium nodata: layer `L` has no data at this point (cloud, gap or masked pixel)"),
        );
        check(LayerKind::Ndvi, Sample::Outside, None);
        check(LayerKind::LandCover, Sample::Value(40.0), Some("high land_cover_mismatch: layer `L` shows land-cover class 40 · Cropland, not one the methodology allows (10 · Tree cover, 20 · Shrubland, 30 · Grassland, 95 · Mangroves)"));
        check(LayerKind::LandCover, Sample::Value(10.0), None);
        check(LayerKind::ForestLossYear, Sample::Value(22.0), Some("high loss_after_baseline: layer `L` records forest loss in 2022, after the baseline date 2020-12-31"));
        check(LayerKind::ForestLossYear, Sample::Value(15.0), None);
        check(LayerKind::ForestLossYear, Sample::Value(0.0), None);
        check(LayerKind::Ndvi, Sample::Value(0.05), Some("medium implausible_value: layer `L` reads 0.05, outside the plausible range 0.2..1 for ndvi"));
        check(LayerKind::Ndvi, Sample::Value(0.7), None);
        check(LayerKind::Elevation, Sample::Value(-400.0), None); // no range in the profile
        let gap = BoundaryGap {
            metres: 212.4,
            bearing_deg: 50.0,
        };
        assert_eq!(
            outside_boundary(&profile(), Some(gap)).unwrap().explanation,
            "the measurement point lies outside the project boundary, 212 m north-east of its nearest edge"
        );
        assert!(outside_boundary(&profile(), None).is_none());
        assert_eq!(compass_point(359.0), "north");
        assert_eq!(compass_point(-90.0), "west");
        assert_eq!(compass_point(180.0), "south");
        assert_eq!(format_distance(3.25), "3.2 m");
        assert_eq!(format_distance(12_345.0), "12.3 km");
    }

    #[test]
    fn loss_is_not_judged_without_a_baseline() {
        assert_eq!(
            check_sample(
                &profile(),
                None,
                "L",
                LayerKind::ForestLossYear,
                Sample::Value(22.0)
            ),
            None
        );
    }

    #[test]
    fn checks_left_out_of_the_profile_do_not_run() {
        let mut p = profile();
        p.checks.clear();
        let baseline = CalendarDate::parse("2020-12-31");
        assert_eq!(
            check_sample(&p, baseline, "L", LayerKind::LandCover, Sample::Value(40.0)),
            None
        );
        assert_eq!(
            check_sample(&p, baseline, "L", LayerKind::Ndvi, Sample::NoData),
            None
        );
        assert!(outside_boundary(
            &p,
            Some(BoundaryGap {
                metres: 1.0,
                bearing_deg: 0.0
            })
        )
        .is_none());
        assert!(duplicate_finding(&p, 1, "A").is_none());
    }

    #[test]
    fn numbers_in_explanations_are_short() {
        assert_eq!(short(1.5895000000000001), "1.59");
        assert_eq!(short(0.7200000286102295), "0.72");
        assert_eq!(short(40.0), "40");
        assert_eq!(short(-0.0001), "0");
        let f = outlier_finding(&profile(), 49.0, 31.1, 1.5895000000000001, 1.0275).unwrap();
        assert_eq!(f.explanation, "claimed 49 tCO2e is far from the rest of the batch (modified z-score 31.1; median 1.59, MAD 1.028)");
    }

    /// The explanations [`SampleChecks`] builds from parts read exactly as the whole sentences
    /// written out in full, for values of every sign and size, and after texts already there.
    #[test]
    fn layer_checks_explain_as_the_sentences_in_full() {
        let profile = profile();
        let checks = SampleChecks::new(&profile, None, "ndvi 2025", LayerKind::Ndvi);
        let mut values = vec![
            0.0, -0.0, -0.0004, -0.0005, 0.19999, 1.0000001, -9999.0, 1e300, -1e-300,
        ];
        values.extend((0..2000).map(|k| -3.0 + k as f64 * 0.0031));
        values.extend((1..60).map(|k| 1.7f64.powi(k) * if k % 2 == 0 { -1.0 } else { 1.0 }));
        let mut flagged = 0;
        for v in values {
            let text = format!("{v:.3}");
            let text = if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                text
            };
            let text = if text == "-0" { "0".to_owned() } else { text };
            let mut prefixed = String::from("x = ");
            push_short(&mut prefixed, v);
            assert_eq!(prefixed, format!("x = {text}"), "{v}");
            let expected = (!(0.2..=1.0).contains(&v)).then(|| {
                format!(
                    "layer `ndvi 2025` reads {text}, outside the plausible range 0.2..1 for ndvi"
                )
            });
            let got = checks.check(Sample::Value(v));
            assert_eq!(got.as_ref().map(|f| f.explanation.clone()), expected, "{v}");
            if let Some(f) = got {
                assert_eq!(
                    (f.check, f.severity),
                    ("implausible_value", Severity::Medium)
                );
                flagged += 1;
            }
        }
        assert!(flagged > 1000, "{flagged}");
        let nodata = checks.check(Sample::NoData).unwrap();
        assert_eq!(
            nodata.explanation,
            "layer `ndvi 2025` has no data at this point (cloud, gap or masked pixel)"
        );
        assert_eq!(checks.check(Sample::Outside), None);
    }

    /// Medians by selection and duplicates by packed keys give what full sorts of the values and
    /// of the (key, index) tuples give, on odd and even counts, ties, signed zeros and positions
    /// too far out for 32 bits.
    #[test]
    fn batch_checks_agree_with_full_sorts() {
        fn reference_outliers(values: &[f64]) -> Vec<(usize, f64, f64, f64)> {
            let median_of = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                let n = v.len();
                if n % 2 == 1 {
                    v[n / 2]
                } else {
                    (v[n / 2 - 1] + v[n / 2]) / 2.0
                }
            };
            let median = median_of(&mut values.to_vec());
            let mad = median_of(&mut values.iter().map(|v| (v - median).abs()).collect());
            if mad == 0.0 {
                return Vec::new();
            }
            values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let z = 0.6745 * (v - median) / mad;
                    (z.abs() > 3.5).then_some((i, z, median, mad))
                })
                .collect()
        }
        fn reference_duplicates(points: &[(f64, f64)]) -> Vec<(usize, usize)> {
            let key =
                |(lon, lat): (f64, f64)| ((lon * 1e6).round() as i64, (lat * 1e6).round() as i64);
            let mut order: Vec<_> = points
                .iter()
                .enumerate()
                .map(|(i, &p)| (key(p), i))
                .collect();
            order.sort_unstable();
            let mut out = Vec::new();
            let mut first = 0;
            for w in 0..order.len() {
                if w == 0 || order[w].0 != order[w - 1].0 {
                    first = order[w].1;
                } else {
                    out.push((order[w].1, first));
                }
            }
            out.sort_unstable();
            out
        }
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [3usize, 4, 5, 10, 11, 100, 1001, 5000] {
            let mut values: Vec<f64> = (0..n)
                .map(|_| (next() * 20.0 * 1000.0).round() / 1000.0)
                .collect();
            values[0] = 0.0;
            values[1] = -0.0;
            values[n - 1] = 49.0;
            if n > 10 {
                values[5] = values[6];
            }
            assert_eq!(robust_outliers(&values), reference_outliers(&values), "{n}");
            let mut points: Vec<(f64, f64)> = (0..n)
                .map(|_| (-48.0 + next() * 0.01, -24.0 + next() * 0.01))
                .collect();
            for k in (0..n).step_by(3) {
                points[k] = points[k / 2];
            }
            points[1] = (-0.0, 0.0);
            points[2] = (0.0, -0.0);
            assert_eq!(
                duplicate_positions(&points),
                reference_duplicates(&points),
                "{n}"
            );
            points[n / 2] = (1e300, f64::NAN);
            points[n - 1] = (1e300, f64::NAN);
            assert_eq!(
                duplicate_positions(&points),
                reference_duplicates(&points),
                "{n} wide"
            );
        }
        assert_eq!(
            robust_outliers(&[1.0, 1.0, 1.0, 1.0, 9.0]),
            reference_outliers(&[1.0, 1.0, 1.0, 1.0, 9.0])
        );
    }

    #[test]
    fn robust_outliers_use_median_and_mad() {
        let values = [1.0, 1.2, 0.9, 1.1, 1.0, 9.0, 1.05];
        let found = robust_outliers(&values);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 5);
        assert!(found[0].1 > 3.5);
        assert!(
            robust_outliers(&[1.0, 1.0, 1.0, 5.0]).is_empty(),
            "MAD 0 flags nothing"
        );
        assert!(robust_outliers(&[1.0, 1.1, 0.9, 1.05]).is_empty());
    }

    #[test]
    fn duplicate_positions_point_to_the_first_row() {
        let points = [
            (-47.5, -24.5),
            (-47.6, -24.5),
            (-47.5, -24.5000000001),
            (-47.6, -24.5),
        ];
        assert_eq!(duplicate_positions(&points), vec![(2, 0), (3, 1)]);
        assert!(duplicate_positions(&[(0.0, 0.0), (0.0, 0.00001)]).is_empty());
    }
}

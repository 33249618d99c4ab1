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
    let text = format!("{x:.3}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        "0".into()
    } else {
        text.to_owned()
    }
}

/// A point outside the project boundary.
pub fn outside_boundary(profile: &MethodologyProfile, inside: bool) -> Option<Finding> {
    (profile.runs("outside_boundary") && !inside).then(|| Finding {
        check: "outside_boundary",
        severity: Severity::High,
        explanation: "the measurement point lies outside the project boundary".into(),
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
    let value = match sample {
        Sample::NoData => {
            return profile.runs("nodata").then(|| Finding {
                check: "nodata",
                severity: Severity::Medium,
                explanation: format!(
                    "layer `{layer_name}` has no data at this point (cloud, gap or masked pixel)"
                ),
            })
        }
        // Off the raster: no evidence either way; the boundary check covers misplaced points.
        Sample::Outside => return None,
        Sample::Value(v) => v,
    };
    match kind {
        LayerKind::LandCover
            if profile.runs("land_cover_mismatch") && !profile.allowed_land_cover.is_empty() =>
        {
            let class = value.round() as i64;
            (!profile.allowed_land_cover.contains(&class)).then(|| Finding {
                check: "land_cover_mismatch",
                severity: Severity::High,
                explanation: format!(
                    "layer `{layer_name}` shows land-cover class {class}, not one the methodology allows ({})",
                    profile.allowed_land_cover.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ),
            })
        }
        // Hansen Global Forest Change: 0 = no loss, N = loss in year 2000 + N.
        LayerKind::ForestLossYear if profile.runs("loss_after_baseline") => {
            let baseline = baseline?;
            let code = value.round() as i64;
            let year = 2000 + code;
            (code > 0 && year > i64::from(baseline.year())).then(|| Finding {
                check: "loss_after_baseline",
                severity: Severity::High,
                explanation: format!("layer `{layer_name}` records forest loss in {year}, after the baseline date {baseline}"),
            })
        }
        _ => {
            let (min, max) = profile.layer_ranges.get(kind.as_str()).copied()?;
            (profile.runs("implausible_value") && (value < min || value > max)).then(|| Finding {
                check: "implausible_value",
                severity: Severity::Medium,
                explanation: format!(
                    "layer `{layer_name}` reads {}, outside the plausible range {}..{} for {}",
                    short(value),
                    short(min),
                    short(max),
                    kind.as_str()
                ),
            })
        }
    }
}

/// Rows whose value is a robust outlier: |modified z-score| = |0.6745 (x − median) / MAD| above
/// 3.5 (Iglewicz & Hoaglin). Returns (index, z, median, MAD). No flags when MAD is 0.
pub fn robust_outliers(values: &[f64]) -> Vec<(usize, f64, f64, f64)> {
    if values.len() < 3 {
        return Vec::new();
    }
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
    // is the earliest row.
    let mut order: Vec<((i64, i64), usize)> = points
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
        check(LayerKind::LandCover, Sample::Value(40.0), Some("high land_cover_mismatch: layer `L` shows land-cover class 40, not one the methodology allows (10, 20, 30, 95)"));
        check(LayerKind::LandCover, Sample::Value(10.0), None);
        check(LayerKind::ForestLossYear, Sample::Value(22.0), Some("high loss_after_baseline: layer `L` records forest loss in 2022, after the baseline date 2020-12-31"));
        check(LayerKind::ForestLossYear, Sample::Value(15.0), None);
        check(LayerKind::ForestLossYear, Sample::Value(0.0), None);
        check(LayerKind::Ndvi, Sample::Value(0.05), Some("medium implausible_value: layer `L` reads 0.05, outside the plausible range 0.2..1 for ndvi"));
        check(LayerKind::Ndvi, Sample::Value(0.7), None);
        check(LayerKind::Elevation, Sample::Value(-400.0), None); // no range in the profile
        assert!(outside_boundary(&profile(), false).is_some());
        assert!(outside_boundary(&profile(), true).is_none());
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
        assert!(outside_boundary(&p, false).is_none());
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

//! Validation of one raw field value against its [`FieldSpec`], and of coordinates.

use crate::date::CalendarDate;
use crate::decimal::ExactDecimal;
use crate::methodology::{FieldKind, FieldSpec};
use std::fmt;

/// Why a raw value does not fit its field. `Display` is the rule shown to the user.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueProblem {
    Missing,
    NotANumber,
    NotFinite,
    NotAnInteger,
    NotADate,
    BelowMin { min: f64, unit: Option<String> },
    AboveMax { max: f64, unit: Option<String> },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = |u: &Option<String>| u.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        match self {
            ValueProblem::Missing => write!(f, "a value is required"),
            ValueProblem::NotANumber => {
                write!(f, "must be a number (use `.` as decimal separator)")
            }
            ValueProblem::NotFinite => write!(
                f,
                "must be a finite number (NaN and infinity are not measurements)"
            ),
            ValueProblem::NotAnInteger => write!(f, "must be a whole number"),
            ValueProblem::NotADate => write!(f, "must be a date written YYYY-MM-DD"),
            ValueProblem::BelowMin { min, unit: u } => {
                write!(f, "below the plausible minimum of {min}{}", unit(u))
            }
            ValueProblem::AboveMax { max, unit: u } => {
                write!(f, "above the plausible maximum of {max}{}", unit(u))
            }
        }
    }
}

/// A value that passed validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CheckedValue {
    Empty,
    Text,
    Number(f64),
    Date(CalendarDate),
}

/// Parses a finite decimal number. Rejects `NaN`, `inf`, empty strings and thousands separators.
pub fn parse_number(raw: &str) -> Result<f64, ValueProblem> {
    let value: f64 = raw.trim().parse().map_err(|_| ValueProblem::NotANumber)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ValueProblem::NotFinite)
    }
}

/// Checks `raw` against `spec`. Surrounding whitespace is ignored; an empty value is `Missing`
/// when the field is required and `Empty` otherwise.
pub fn validate_value(spec: &FieldSpec, raw: &str) -> Result<CheckedValue, ValueProblem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return if spec.required {
            Err(ValueProblem::Missing)
        } else {
            Ok(CheckedValue::Empty)
        };
    }
    let number = match spec.kind {
        FieldKind::Text => return Ok(CheckedValue::Text),
        FieldKind::Date => {
            return CalendarDate::parse(raw)
                .map(CheckedValue::Date)
                .ok_or(ValueProblem::NotADate)
        }
        FieldKind::Number => parse_number(raw)?,
        FieldKind::Integer => {
            let n = parse_number(raw)?;
            let whole = ExactDecimal::parse(raw).is_some_and(|d| d.is_integer());
            if !whole || n.abs() > 9.0e15 {
                return Err(ValueProblem::NotAnInteger);
            }
            n
        }
    };
    // The range is checked on the number the text spells, not on its nearest float. Rounding
    // to the nearest float is monotonic and a bound is its own shortest spelling's nearest
    // float, so a float strictly beyond (or within) a bound is decided; only a float equal to
    // the bound needs the exact decimal comparison.
    let beyond = |bound: f64, side: std::cmp::Ordering| match number.partial_cmp(&bound) {
        Some(std::cmp::Ordering::Equal) => ExactDecimal::parse(raw)
            .zip(ExactDecimal::from_f64(bound))
            .is_some_and(|(exact, b)| exact.cmp(&b) == side),
        Some(order) => order == side,
        None => false,
    };
    if let Some(min) = spec.min {
        if beyond(min, std::cmp::Ordering::Less) {
            return Err(ValueProblem::BelowMin {
                min,
                unit: spec.unit.clone(),
            });
        }
    }
    if let Some(max) = spec.max {
        if beyond(max, std::cmp::Ordering::Greater) {
            return Err(ValueProblem::AboveMax {
                max,
                unit: spec.unit.clone(),
            });
        }
    }
    Ok(CheckedValue::Number(number))
}

/// WGS84 longitude in degrees.
pub fn check_longitude(lon: f64) -> Result<(), String> {
    if !lon.is_finite() {
        return Err("longitude must be a finite number".into());
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err("longitude must be within -180..180 degrees (are the coordinates in another CRS? pass --crs)".into());
    }
    Ok(())
}

/// WGS84 latitude in degrees.
pub fn check_latitude(lat: f64) -> Result<(), String> {
    if !lat.is_finite() {
        return Err("latitude must be a finite number".into());
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err("latitude must be within -90..90 degrees (are the coordinates in another CRS? pass --crs)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FieldKind, required: bool, min: Option<f64>, max: Option<f64>) -> FieldSpec {
        FieldSpec {
            name: "f".into(),
            kind,
            required,
            unit: Some("cm".into()),
            min,
            max,
            description: String::new(),
        }
    }

    fn check(spec: &FieldSpec, raw: &str, expected: Result<&str, &str>) {
        let got = validate_value(spec, raw)
            .map(|v| format!("{v:?}"))
            .map_err(|p| p.to_string());
        match expected {
            Ok(ok) => assert_eq!(got.as_deref(), Ok(ok), "{raw:?}"),
            Err(rule) => assert_eq!(got.unwrap_err(), rule, "{raw:?}"),
        }
    }

    #[test]
    fn values_are_checked_against_their_field() {
        let dbh = spec(FieldKind::Number, true, Some(1.0), Some(300.0));
        check(&dbh, "12.5", Ok("Number(12.5)"));
        check(&dbh, " 12.5 ", Ok("Number(12.5)"));
        check(&dbh, "", Err("a value is required"));
        check(
            &dbh,
            "NaN",
            Err("must be a finite number (NaN and infinity are not measurements)"),
        );
        check(
            &dbh,
            "inf",
            Err("must be a finite number (NaN and infinity are not measurements)"),
        );
        check(
            &dbh,
            "12,5",
            Err("must be a number (use `.` as decimal separator)"),
        );
        check(&dbh, "0.5", Err("below the plausible minimum of 1 cm"));
        check(&dbh, "301", Err("above the plausible maximum of 300 cm"));
        // The number the text spells, not its nearest float (which is exactly the bound).
        check(
            &dbh,
            "300.00000000000000000001",
            Err("above the plausible maximum of 300 cm"),
        );
        check(
            &dbh,
            "0.99999999999999999999",
            Err("below the plausible minimum of 1 cm"),
        );
        check(&dbh, "300.000", Ok("Number(300.0)"));
        let optional = spec(FieldKind::Number, false, None, None);
        check(&optional, "  ", Ok("Empty"));
        let count = spec(FieldKind::Integer, true, None, None);
        check(&count, "3", Ok("Number(3.0)"));
        check(&count, "3.5", Err("must be a whole number"));
        check(
            &count,
            "3.0000000000000000001",
            Err("must be a whole number"),
        );
        check(&count, "3.000", Ok("Number(3.0)"));
        let date = spec(FieldKind::Date, true, None, None);
        check(
            &date,
            "2025-06-30",
            Ok("Date(CalendarDate { year: 2025, month: 6, day: 30 })"),
        );
        check(
            &date,
            "30/06/2025",
            Err("must be a date written YYYY-MM-DD"),
        );
    }

    #[test]
    fn coordinates_must_be_wgs84_degrees() {
        assert!(check_longitude(-47.1).is_ok());
        assert!(check_latitude(-23.5).is_ok());
        assert!(check_longitude(500_000.0).unwrap_err().contains("--crs"));
        assert!(check_latitude(f64::NAN).unwrap_err().contains("finite"));
    }

    /// The range decided on floats first must be the range decided on the exact decimal the
    /// text spells, for every text: texts at, just inside and just beyond each bound (beyond
    /// any float's precision) and arbitrary numbers.
    mod range_fast_path {
        use super::*;
        use proptest::prelude::*;

        fn exact_only(spec: &FieldSpec, raw: &str) -> Option<std::cmp::Ordering> {
            let exact = ExactDecimal::parse(raw)?;
            if let Some(min) = spec.min {
                if exact < ExactDecimal::from_f64(min)? {
                    return Some(std::cmp::Ordering::Less);
                }
            }
            if let Some(max) = spec.max {
                if exact > ExactDecimal::from_f64(max)? {
                    return Some(std::cmp::Ordering::Greater);
                }
            }
            Some(std::cmp::Ordering::Equal)
        }

        fn decided(spec: &FieldSpec, raw: &str) -> Option<std::cmp::Ordering> {
            match validate_value(spec, raw) {
                Ok(CheckedValue::Number(_)) => Some(std::cmp::Ordering::Equal),
                Err(ValueProblem::BelowMin { .. }) => Some(std::cmp::Ordering::Less),
                Err(ValueProblem::AboveMax { .. }) => Some(std::cmp::Ordering::Greater),
                _ => None,
            }
        }

        #[test]
        fn texts_beyond_float_precision_at_each_bound() {
            let s = spec(FieldKind::Number, true, Some(0.1), Some(50.0));
            for raw in [
                "0.1",
                "0.1000000000000000000000001",
                "0.0999999999999999999999999",
                "0.1000000000000000055511151231257827",
                "50",
                "50.000",
                "5e1",
                "49.99999999999999999999",
                "50.00000000000000000001",
                "-0",
                "1e-400",
            ] {
                assert_eq!(decided(&s, raw), exact_only(&s, raw), "{raw}");
            }
            assert_eq!(
                decided(&s, "50.00000000000000000001"),
                Some(std::cmp::Ordering::Greater)
            );
            assert_eq!(
                decided(&s, "0.0999999999999999999999999"),
                Some(std::cmp::Ordering::Less)
            );
        }

        proptest! {
            #[test]
            fn floats_first_agree_with_exact_decimals(
                min in -1.0e3f64..1.0e3,
                width in 0.0f64..1.0e3,
                int in -2000i64..2000,
                frac in "[0-9]{0,25}",
                exp in proptest::option::of(-3i32..3),
            ) {
                let s = spec(FieldKind::Number, true, Some(min), Some(min + width));
                let mut raw = format!("{int}.{frac}");
                if let Some(e) = exp {
                    raw.push_str(&format!("e{e}"));
                }
                prop_assert_eq!(decided(&s, &raw), exact_only(&s, &raw), "{}", raw);
                // The bounds spelt out, and one digit beyond them.
                for bound in [min, min + width] {
                    for text in [format!("{bound}"), format!("{bound}0000000000000000000001")] {
                        if text.contains('.') || !text.contains("e") {
                            prop_assert_eq!(decided(&s, &text), exact_only(&s, &text), "{}", text);
                        }
                    }
                }
            }
        }
    }
}

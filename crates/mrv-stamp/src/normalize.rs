//! Normalisation of measurement values before they are hashed (spec `mrv-stamp/v2` §2,
//! unchanged since v1): the same measurement always gives the same text, however the source
//! file wrote it.

use std::borrow::Cow;
use thiserror::Error;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

#[derive(Debug, Clone, PartialEq, Error)]
pub enum NormalizeError {
    #[error("`{0}` is not a decimal number")]
    NotANumber(String),
    #[error("`{0}` is not a YYYY-MM-DD date")]
    NotADate(String),
    #[error("coordinate {0} is not finite")]
    Coordinate(f64),
}

/// A decimal number as its shortest exact plain decimal text: no exponent, no leading zeros, no
/// trailing fractional zeros, no `+`, and `0` for any zero. The text's own digits are kept
/// exactly (never through binary floating point): `012.50` → `12.5`, `-0.0` → `0`, `1.5e3` →
/// `1500`, `2E-3` → `0.002`.
pub fn number(text: &str) -> Result<Cow<'_, str>, NormalizeError> {
    let t = text.trim();
    if is_plain_decimal(t) {
        return Ok(Cow::Borrowed(t));
    }
    slow_number(text).map(Cow::Owned)
}

/// Already in normal form: `-`? digits without a leading zero (or a lone `0`), then
/// optionally `.` and digits not ending in `0`; and not a negative zero.
fn is_plain_decimal(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let (whole, fraction) = match digits.iter().position(|&c| c == b'.') {
        Some(p) => (&digits[..p], Some(&digits[p + 1..])),
        None => (digits, None),
    };
    let whole_ok = !whole.is_empty()
        && whole.iter().all(u8::is_ascii_digit)
        && (whole.len() == 1 || whole[0] != b'0');
    let fraction_ok = match fraction {
        None => true,
        Some(f) => !f.is_empty() && f.iter().all(u8::is_ascii_digit) && f[f.len() - 1] != b'0',
    };
    let negative_zero = b.first() == Some(&b'-') && whole == b"0" && fraction.is_none();
    whole_ok && fraction_ok && !negative_zero
}

fn slow_number(text: &str) -> Result<String, NormalizeError> {
    let bad = || NormalizeError::NotANumber(text.to_owned());
    let t = text.trim();
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => {
            let exp: i64 = rest[at + 1..].parse().map_err(|_| bad())?;
            (&rest[..at], exp)
        }
        None => (rest, 0),
    };
    if exponent.abs() > 400 {
        return Err(bad());
    }
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // digits × 10^(exponent - fraction length)
    let digits: String = whole.chars().chain(fraction.chars()).collect();
    let scale = exponent - fraction.len() as i64;
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok("0".into());
    }
    let (int_part, frac_part) = if scale >= 0 {
        (
            format!("{digits}{}", "0".repeat(scale as usize)),
            String::new(),
        )
    } else {
        let point = digits.len() as i64 + scale;
        if point > 0 {
            let (a, b) = digits.split_at(point as usize);
            (a.to_owned(), b.to_owned())
        } else {
            (
                "0".to_owned(),
                format!("{}{digits}", "0".repeat((-point) as usize)),
            )
        }
    };
    let frac_part = frac_part.trim_end_matches('0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&int_part);
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Ok(out)
}

/// A date as `YYYY-MM-DD` (the only form imports accept; checked again here).
pub fn date(text: &str) -> Result<&str, NormalizeError> {
    let t = text.trim();
    let b = t.as_bytes();
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if ok {
        Ok(t)
    } else {
        Err(NormalizeError::NotADate(text.to_owned()))
    }
}

/// Text: surrounding white space removed, Unicode NFC (so `é` typed either way is one thing).
pub fn text(value: &str) -> Cow<'_, str> {
    let t = value.trim();
    if t.is_ascii() || is_nfc_quick(t.chars()) == IsNormalized::Yes {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(t.nfc().collect())
    }
}

/// A WGS84 longitude or latitude as a decimal with exactly 7 places (about 1 cm), the IEEE
/// double rounded half-to-even on its exact binary value (as Rust's and C's `%.7f` do).
pub fn coordinate(value: f64) -> Result<String, NormalizeError> {
    let mut out = String::with_capacity(16);
    write_coordinate(value, &mut out)?;
    Ok(out)
}

/// [`coordinate`] into a reused buffer (cleared first).
pub fn write_coordinate(value: f64, out: &mut String) -> Result<(), NormalizeError> {
    use std::fmt::Write;
    if !value.is_finite() {
        return Err(NormalizeError::Coordinate(value));
    }
    out.clear();
    match scaled_round_half_even(value) {
        Some(n) => {
            // n = value × 10^7 rounded half-to-even on the exact binary value.
            if n != 0 && value.is_sign_negative() {
                out.push('-');
            }
            let digits = n.to_string();
            if digits.len() <= 7 {
                out.push_str("0.");
                out.push_str(&"0".repeat(7 - digits.len()));
                out.push_str(&digits);
            } else {
                let (whole, fraction) = digits.split_at(digits.len() - 7);
                out.push_str(whole);
                out.push('.');
                out.push_str(fraction);
            }
        }
        None => {
            write!(out, "{value:.7}").expect("writing to a String");
            if out == "-0.0000000" {
                out.remove(0);
            }
        }
    }
    Ok(())
}

/// |value| × 10^7 rounded half-to-even, computed exactly in integers from the double's
/// mantissa and exponent; `None` outside the range where that is quick (|value| ≥ 2^31).
fn scaled_round_half_even(value: f64) -> Option<u128> {
    let bits = value.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, shift) = if exponent == 0 {
        (fraction, 1 - 1075)
    } else {
        (fraction | (1 << 52), exponent - 1075)
    };
    if mantissa == 0 {
        return Some(0);
    }
    if !(-120..0).contains(&shift) || value.abs() >= 2f64.powi(31) {
        return if shift < -120 { Some(0) } else { None };
    }
    // value × 10^7 = mantissa × 10^7 / 2^-shift, exactly.
    let scaled = mantissa as u128 * 10_000_000u128;
    let k = (-shift) as u32;
    let quotient = scaled >> k;
    let remainder = scaled & ((1u128 << k) - 1);
    let half = 1u128 << (k - 1);
    Some(
        if remainder > half || (remainder == half && quotient & 1 == 1) {
            quotient + 1
        } else {
            quotient
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_keep_their_digits_in_one_form() {
        for (input, want) in [
            ("12.5", "12.5"),
            ("012.50", "12.5"),
            (" +7 ", "7"),
            ("-0.0", "0"),
            ("0", "0"),
            ("000", "0"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.5e3", "1500"),
            ("2E-3", "0.002"),
            ("-1.25E+2", "-125"),
            ("123.456e-1", "12.3456"),
            ("0.1000", "0.1"),
            ("100", "100"),
            ("1e0", "1"),
            ("-00.00100", "-0.001"),
        ] {
            assert_eq!(number(input).unwrap(), want, "{input}");
            assert_eq!(slow_number(input).unwrap(), want, "{input} (slow path)");
        }
        for bad in [
            "", ".", "1,5", "1.2.3", "NaN", "inf", "1e", "e5", "--1", "1e999",
        ] {
            assert!(number(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Normalising is idempotent and keeps the value.
        #[test]
        fn number_normalisation_is_stable(int in -1_000_000i64..1_000_000, frac in 0u32..10_000, exp in -5i32..5) {
            let text = format!("{int}.{frac:04}e{exp}");
            let once = number(&text).unwrap().into_owned();
            prop_assert_eq!(number(&once).unwrap().into_owned(), once.clone());
            prop_assert_eq!(slow_number(&once).unwrap(), once.clone());
            let a: f64 = text.parse().unwrap();
            let b: f64 = once.parse().unwrap();
            prop_assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0));
        }
    }

    proptest! {
        /// The integer path prints exactly what `%.7f` (Rust's exact formatting) prints.
        #[test]
        fn coordinates_match_exact_formatting(v in -400.0f64..400.0, small in -1e-6f64..1e-6, bits in any::<u64>()) {
            for x in [v, small, f64::from_bits(bits)] {
                if x.is_finite() {
                    let mut want = format!("{x:.7}");
                    if want == "-0.0000000" {
                        want.remove(0);
                    }
                    prop_assert_eq!(coordinate(x).unwrap(), want, "{:e}", x);
                }
            }
        }
    }

    #[test]
    fn coordinate_ties_round_to_even() {
        // 2^-8 × 10^7 = 39062.5 exactly: a true tie.
        for x in [
            0.00390625,
            -0.00390625,
            0.01171875,
            2.0f64.powi(-30),
            5e-324,
            1e-8,
            179.99999995,
        ] {
            let mut want = format!("{x:.7}");
            if want == "-0.0000000" {
                want.remove(0);
            }
            assert_eq!(coordinate(x).unwrap(), want, "{x:e}");
        }
        assert_eq!(coordinate(0.00390625).unwrap(), "0.0039062");
        assert_eq!(coordinate(0.01171875).unwrap(), "0.0117188");
    }

    #[test]
    fn dates_texts_and_coordinates() {
        assert_eq!(date(" 2025-03-01 ").unwrap(), "2025-03-01");
        assert!(date("2025-3-1").is_err());
        assert_eq!(text("  Cafe\u{301} "), "Café");
        assert_eq!(text("Café"), "Café");
        assert_eq!(coordinate(-47.85).unwrap(), "-47.8500000");
        assert_eq!(coordinate(-0.00000001).unwrap(), "0.0000000");
        assert_eq!(coordinate(12.345678951).unwrap(), "12.3456790");
        assert!(coordinate(f64::NAN).is_err());
    }
}

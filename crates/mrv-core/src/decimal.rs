//! Exact comparison of decimal text: a measurement is checked against its plausible range as the
//! number its text spells, not as the nearest binary float (`300.00000000000000000001` is above
//! a maximum of 300 even though it parses to the float 300).

use std::cmp::Ordering;

/// A finite decimal number: `(-1)^negative × digits × 10^exponent`, with no leading or trailing
/// zero digits (zero has no digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactDecimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl ExactDecimal {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit before the exponent).
    /// Anything else — `inf`, `NaN`, hex, separators — is `None`.
    pub fn parse(text: &str) -> Option<ExactDecimal> {
        let text = text.trim();
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp_text) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut exponent: i64 = match exp_text {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                // Beyond this the value is not finite or is zero for any float; clamp.
                let magnitude: i64 = digits.parse().unwrap_or(i64::MAX / 4).min(1 << 40);
                if e.starts_with('-') {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };
        exponent -= frac_part.len() as i64;
        let mut digits: Vec<u8> = int_part
            .bytes()
            .chain(frac_part.bytes())
            .map(|b| b - b'0')
            .skip_while(|&d| d == 0)
            .collect();
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            exponent = 0;
        }
        Some(ExactDecimal {
            negative: negative && !digits.is_empty(),
            digits,
            exponent,
        })
    }

    /// The exact value of a finite float (its shortest round-trip spelling, which is what a
    /// profile's `min = 0.1` means).
    pub fn from_f64(value: f64) -> Option<ExactDecimal> {
        value
            .is_finite()
            .then(|| ExactDecimal::parse(&format!("{value:e}")))
            .flatten()
    }

    /// The parts of the value: sign, significant digits (no leading or trailing zero; none for
    /// zero) and the power of ten of the last digit. `quantity` builds exact sums on them.
    pub(crate) fn parts(&self) -> (bool, &[u8], i64) {
        (self.negative, &self.digits, self.exponent)
    }

    /// Whether the value is a whole number.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    fn cmp_magnitude(&self, other: &ExactDecimal) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // The position of the leading digit decides first, then the digits themselves.
        let lead = |d: &ExactDecimal| d.exponent + d.digits.len() as i64;
        lead(self).cmp(&lead(other)).then_with(|| {
            let n = self.digits.len().max(other.digits.len());
            let at = |d: &ExactDecimal, i: usize| d.digits.get(i).copied().unwrap_or(0);
            (0..n)
                .map(|i| at(self, i).cmp(&at(other, i)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    }
}

impl PartialOrd for ExactDecimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ExactDecimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> ExactDecimal {
        ExactDecimal::parse(s).unwrap()
    }

    #[test]
    fn compares_the_number_the_text_spells() {
        let max = ExactDecimal::from_f64(300.0).unwrap();
        assert!(d("300.00000000000000000001") > max);
        assert_eq!(d("300.000").cmp(&max), Ordering::Equal);
        assert_eq!(d("3e2").cmp(&max), Ordering::Equal);
        assert!(d("299.99999999999999999999") < max);
        let min = ExactDecimal::from_f64(1.0).unwrap();
        assert!(d("0.99999999999999999999") < min);
        assert!(d("-0.00000000000000000001") < ExactDecimal::from_f64(0.0).unwrap());
        assert_eq!(d("-0").cmp(&d("0.0")), Ordering::Equal);
        assert!(d("-2") < d("-1.5"));
        assert!(d(".5") > d("0.4999"));
        assert_eq!(
            d("0.1").cmp(&ExactDecimal::from_f64(0.1).unwrap()),
            Ordering::Equal
        );
        assert!(d("1e-400") > d("0"));
    }

    #[test]
    fn knows_whole_numbers_and_refuses_what_is_not_a_decimal() {
        assert!(d("12.000").is_integer());
        assert!(d("1.2e1").is_integer());
        assert!(!d("1.0000000000000000001").is_integer());
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "inf", "NaN", "0x10", "1,000", "1..2",
        ] {
            assert!(ExactDecimal::parse(bad).is_none(), "{bad}");
        }
    }
}

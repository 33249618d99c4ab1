//! Quantities you can trust: exact sums of the claimed tCO2e *texts* as imported (never `f64`),
//! the units an export issues, a batch's buffer and net issuable amount, and which flagged rows
//! are material. Every number comes with the lines that derive it (`docs/quantities.md`).
//!
//! Amounts are arbitrary-precision scaled integers (`magnitude × 10^-scale`): a claimed value
//! may have at most [`MAX_DECIMALS`] decimal places and [`MAX_DIGITS`] digits (a text such as
//! `1e-1000000` is refused with an error, never rounded).

use crate::decimal::ExactDecimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use thiserror::Error;

/// The most decimal places a claimed value may have to be summed exactly.
pub const MAX_DECIMALS: u32 = 400;

/// Why a quantity cannot be computed exactly.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("`{text}` is not a decimal number")]
    NotADecimal { text: String },
    #[error("`{text}` has more than {MAX_DECIMALS} decimal places and cannot be summed exactly")]
    TooPrecise { text: String },
    #[error("`{text}` is too large to be summed exactly")]
    TooLarge { text: String },
    /// A claimed value of a batch, at 0-based position `index` in row order.
    #[error("claimed tCO2e of row {row}: {problem}", row = .index + 1)]
    Row {
        index: usize,
        problem: Box<QuantityError>,
    },
    #[error("{what} has too many digits for exact arithmetic")]
    Overflow { what: &'static str },
    #[error("{what} {value} must be a finite percentage {range}")]
    Percent {
        what: &'static str,
        value: String,
        range: &'static str,
    },
    #[error("gross claimed {gross} tCO2e is negative: no units can be issued")]
    NegativeGross { gross: String },
    #[error("gross claimed {gross} tCO2e is more units than can be counted")]
    TooManyUnits { gross: String },
}

/// Base of the magnitude's limbs: nine decimal digits each.
const BASE: u64 = 1_000_000_000;

/// The most significant digits a value may have (before or after the point); beyond this a text
/// is refused rather than summed.
pub const MAX_DIGITS: usize = 1000;

/// Magnitudes: little-endian limbs in base 10^9, no zero limb at the top (zero is empty).
mod mag {
    use super::BASE;
    use std::cmp::Ordering;

    pub(super) fn trim(mut v: Vec<u32>) -> Vec<u32> {
        while v.last() == Some(&0) {
            v.pop();
        }
        v
    }

    pub(super) fn from_u128(mut n: u128) -> Vec<u32> {
        let mut v = Vec::new();
        while n > 0 {
            v.push((n % BASE as u128) as u32);
            n /= BASE as u128;
        }
        v
    }

    pub(super) fn to_u128(a: &[u32]) -> Option<u128> {
        a.iter().rev().try_fold(0u128, |acc, &l| {
            acc.checked_mul(BASE as u128)?.checked_add(l as u128)
        })
    }

    pub(super) fn cmp(a: &[u32], b: &[u32]) -> Ordering {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }

    pub(super) fn add(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
        let mut carry = 0u64;
        for i in 0..a.len().max(b.len()) {
            let s = *a.get(i).unwrap_or(&0) as u64 + *b.get(i).unwrap_or(&0) as u64 + carry;
            out.push((s % BASE) as u32);
            carry = s / BASE;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        out
    }

    /// `a − b` for `a ≥ b`.
    pub(super) fn sub(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len());
        let mut borrow = 0i64;
        for (i, &x) in a.iter().enumerate() {
            let mut d = x as i64 - *b.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = 0;
            if d < 0 {
                d += BASE as i64;
                borrow = 1;
            }
            out.push(d as u32);
        }
        trim(out)
    }

    pub(super) fn mul_small(a: &[u32], m: u32) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len() + 1);
        let mut carry = 0u64;
        for &x in a {
            let p = x as u64 * m as u64 + carry;
            out.push((p % BASE) as u32);
            carry = p / BASE;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        trim(out)
    }

    pub(super) fn mul(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = vec![0u64; a.len() + b.len() + 1];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &y) in b.iter().enumerate() {
                let t = out[i + j] + x as u64 * y as u64 + carry;
                out[i + j] = t % BASE;
                carry = t / BASE;
            }
            let mut k = i + b.len();
            while carry > 0 {
                let t = out[k] + carry;
                out[k] = t % BASE;
                carry = t / BASE;
                k += 1;
            }
        }
        trim(out.into_iter().map(|l| l as u32).collect())
    }

    /// `(a / d, a % d)`.
    pub(super) fn divrem_small(a: &[u32], d: u32) -> (Vec<u32>, u32) {
        let mut q = vec![0u32; a.len()];
        let mut r = 0u64;
        for i in (0..a.len()).rev() {
            let cur = r * BASE + a[i] as u64;
            q[i] = (cur / d as u64) as u32;
            r = cur % d as u64;
        }
        (trim(q), r as u32)
    }

    pub(super) fn mul_pow10(a: &[u32], mut k: u32) -> Vec<u32> {
        let mut v = a.to_vec();
        while k > 0 {
            let step = k.min(9);
            v = mul_small(&v, 10u32.pow(step));
            k -= step;
        }
        v
    }

    /// `(a / 10^k, whether the remainder is zero)`.
    pub(super) fn div_pow10(a: &[u32], mut k: u32) -> (Vec<u32>, bool) {
        let mut v = a.to_vec();
        let mut exact = true;
        while k > 0 && !v.is_empty() {
            let step = k.min(9);
            let (q, r) = divrem_small(&v, 10u32.pow(step));
            exact &= r == 0;
            v = q;
            k -= step;
        }
        (v, exact)
    }

    pub(super) fn to_decimal(a: &[u32]) -> String {
        match a.split_last() {
            None => "0".into(),
            Some((top, rest)) => {
                let mut s = top.to_string();
                for l in rest.iter().rev() {
                    s.push_str(&format!("{l:09}"));
                }
                s
            }
        }
    }
}

/// An exact decimal `(-1)^negative × magnitude × 10^-scale` of any size (arbitrary-precision
/// limbs), kept normalised — no trailing zero after the point, zero not negative — so equal
/// values have equal parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Scaled {
    negative: bool,
    mag: Vec<u32>,
    scale: u32,
}

impl Scaled {
    const ZERO: Scaled = Scaled {
        negative: false,
        mag: Vec::new(),
        scale: 0,
    };

    fn from_parts(negative: bool, mut mag: Vec<u32>, mut scale: u32) -> Scaled {
        // Strip whole limbs of zeros first, then single digits.
        while scale >= 9 && mag.first() == Some(&0) && mag.len() > 1 {
            mag.remove(0);
            scale -= 9;
        }
        while scale > 0 && !mag.is_empty() {
            let (q, r) = mag::divrem_small(&mag, 10);
            if r != 0 {
                break;
            }
            mag = q;
            scale -= 1;
        }
        if mag.is_empty() {
            return Scaled::ZERO;
        }
        Scaled {
            negative,
            mag,
            scale,
        }
    }

    fn new(mantissa: i128, scale: u32) -> Scaled {
        Scaled::from_parts(mantissa < 0, mag::from_u128(mantissa.unsigned_abs()), scale)
    }

    fn from_integer(n: i128) -> Scaled {
        Scaled::new(n, 0)
    }

    /// The exact value of a decimal text, refused when it has more than `max_decimals` places
    /// or more than [`MAX_DIGITS`] digits.
    fn parse(text: &str, max_decimals: u32) -> Result<Scaled, QuantityError> {
        let exact = ExactDecimal::parse(text).ok_or_else(|| QuantityError::NotADecimal {
            text: text.to_owned(),
        })?;
        Scaled::from_exact(&exact, text, max_decimals)
    }

    fn from_exact(
        exact: &ExactDecimal,
        text: &str,
        max_decimals: u32,
    ) -> Result<Scaled, QuantityError> {
        let (negative, digits, exponent) = exact.parts();
        if exponent < -(max_decimals as i64) {
            return Err(QuantityError::TooPrecise {
                text: text.to_owned(),
            });
        }
        if digits.len() as i64 + exponent.max(0) > MAX_DIGITS as i64 {
            return Err(QuantityError::TooLarge {
                text: text.to_owned(),
            });
        }
        let mut mag = Vec::new();
        for chunk in digits.chunks(9) {
            let value = chunk.iter().fold(0u32, |acc, &d| acc * 10 + d as u32);
            mag = mag::add(
                &mag::mul_small(&mag, 10u32.pow(chunk.len() as u32)),
                &[value],
            );
        }
        let mag = mag::trim(mag);
        Ok(if exponent < 0 {
            Scaled::from_parts(negative, mag, (-exponent) as u32)
        } else {
            Scaled::from_parts(negative, mag::mul_pow10(&mag, exponent as u32), 0)
        })
    }

    /// Both magnitudes at the larger scale.
    fn aligned(&self, other: &Scaled) -> (Vec<u32>, Vec<u32>, u32) {
        let scale = self.scale.max(other.scale);
        (
            mag::mul_pow10(&self.mag, scale - self.scale),
            mag::mul_pow10(&other.mag, scale - other.scale),
            scale,
        )
    }

    fn checked_add(&self, other: &Scaled) -> Option<Scaled> {
        let (a, b, scale) = self.aligned(other);
        let sum = if self.negative == other.negative {
            Scaled::from_parts(self.negative, mag::add(&a, &b), scale)
        } else if mag::cmp(&a, &b).is_ge() {
            Scaled::from_parts(self.negative, mag::sub(&a, &b), scale)
        } else {
            Scaled::from_parts(other.negative, mag::sub(&b, &a), scale)
        };
        (sum.digits() <= 2 * MAX_DIGITS).then_some(sum)
    }

    fn neg(&self) -> Scaled {
        Scaled::from_parts(!self.negative, self.mag.clone(), self.scale)
    }

    fn checked_sub(&self, other: &Scaled) -> Option<Scaled> {
        self.checked_add(&other.neg())
    }

    fn checked_mul(&self, other: &Scaled) -> Option<Scaled> {
        let product = Scaled::from_parts(
            self.negative != other.negative,
            mag::mul(&self.mag, &other.mag),
            self.scale + other.scale,
        );
        (product.digits() <= 2 * MAX_DIGITS).then_some(product)
    }

    /// `self / 100`, exactly.
    fn percent_of(&self) -> Option<Scaled> {
        Some(Scaled::from_parts(
            self.negative,
            self.mag.clone(),
            self.scale + 2,
        ))
    }

    fn abs(&self) -> Option<Scaled> {
        Some(Scaled::from_parts(false, self.mag.clone(), self.scale))
    }

    /// How many digits the magnitude has, roughly (whole limbs).
    fn digits(&self) -> usize {
        self.mag.len() * 9
    }

    /// `(|self| / 10^scale, whether it divides exactly)`, as an `i128`, saturating.
    fn whole(&self) -> (i128, bool) {
        let (q, exact) = mag::div_pow10(&self.mag, self.scale);
        let q = mag::to_u128(&q)
            .and_then(|q| i128::try_from(q).ok())
            .unwrap_or(i128::MAX - 1);
        (q, exact)
    }

    fn floor(&self) -> i128 {
        let (q, exact) = self.whole();
        if self.negative {
            -q - i128::from(!exact)
        } else {
            q
        }
    }

    fn ceil(&self) -> i128 {
        let (q, exact) = self.whole();
        if self.negative {
            -q
        } else {
            q + i128::from(!exact)
        }
    }
}

impl Ord for Scaled {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (negative, _) => {
                let (a, b, _) = self.aligned(other);
                let o = mag::cmp(&a, &b);
                if negative {
                    o.reverse()
                } else {
                    o
                }
            }
        }
    }
}

impl PartialOrd for Scaled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Scaled {
    /// Plain decimal text: no exponent, no trailing zero after the point, `0` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        let digits = mag::to_decimal(&self.mag);
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let digits = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

/// An exact amount of tonnes of CO2 equivalent. `Display` and serde spell it as plain decimal
/// text (`"404.666"`), the canonical spelling a stamp commits to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tonnes(Scaled);

impl Tonnes {
    pub const ZERO: Tonnes = Tonnes(Scaled::ZERO);

    /// The exact amount a claimed tCO2e text spells (`1.158`, `2e1`, `-0.5`).
    pub fn parse(text: &str) -> Result<Tonnes, QuantityError> {
        Scaled::parse(text, MAX_DECIMALS).map(Tonnes)
    }

    /// A whole number of tonnes.
    pub fn from_units(units: u64) -> Tonnes {
        Tonnes(Scaled::from_integer(units as i128))
    }

    pub fn checked_add(&self, other: &Tonnes) -> Result<Tonnes, QuantityError> {
        self.0
            .checked_add(&other.0)
            .map(Tonnes)
            .ok_or(QuantityError::Overflow { what: "a sum" })
    }

    pub fn checked_sub(&self, other: &Tonnes) -> Result<Tonnes, QuantityError> {
        self.0
            .checked_sub(&other.0)
            .map(Tonnes)
            .ok_or(QuantityError::Overflow {
                what: "a difference",
            })
    }

    /// `self × percent / 100`, exactly.
    pub fn share(&self, percent: &Percent) -> Result<Tonnes, QuantityError> {
        self.0
            .checked_mul(&percent.0)
            .and_then(|p| p.percent_of())
            .map(Tonnes)
            .ok_or(QuantityError::Overflow { what: "a share" })
    }

    /// The magnitude of the amount.
    pub fn abs(&self) -> Tonnes {
        Tonnes(self.0.abs().unwrap_or_else(|| self.0.clone()))
    }

    pub fn is_negative(&self) -> bool {
        self.0.negative
    }

    pub fn is_zero(&self) -> bool {
        self.0.mag.is_empty()
    }

    /// The largest whole number not above the amount (saturating beyond `i128`).
    pub fn floor(&self) -> i128 {
        self.0.floor()
    }

    /// The smallest whole number not below the amount (saturating beyond `i128`).
    pub fn ceil(&self) -> i128 {
        self.0.ceil()
    }
}

impl fmt::Display for Tonnes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Tonnes {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Tonnes, QuantityError> {
        Tonnes::parse(s)
    }
}

impl Serialize for Tonnes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Tonnes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tonnes, D::Error> {
        let text = String::deserialize(deserializer)?;
        Tonnes::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An exact percentage in [0, 100]: a profile's `buffer_percent` or `materiality_percent`,
/// taken as its shortest decimal spelling (`20.0` → `20`, `0.1` → `0.1`), exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Percent(Scaled);

impl Percent {
    /// `value` (a profile's TOML float) exactly as its shortest spelling; `what` names it in the
    /// error (`buffer_percent`).
    pub fn from_f64(value: f64, what: &'static str) -> Result<Percent, QuantityError> {
        let refused = || QuantityError::Percent {
            what,
            value: value.to_string(),
            range: "in [0, 100]",
        };
        let exact = ExactDecimal::from_f64(value).ok_or_else(refused)?;
        let scaled =
            Scaled::from_exact(&exact, &value.to_string(), MAX_DECIMALS).map_err(|_| refused())?;
        if scaled.negative || scaled > Scaled::from_integer(100) {
            return Err(refused());
        }
        Ok(Percent(scaled))
    }

    pub fn is_zero(&self) -> bool {
        self.0.mag.is_empty()
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The exact sum of a batch's claimed tCO2e texts, in row order. An error names the row
/// (1-based) whose text cannot be summed exactly.
pub fn gross_claimed<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Tonnes, QuantityError> {
    let mut sum = Tonnes::ZERO;
    for (index, text) in values.into_iter().enumerate() {
        let row = |problem| QuantityError::Row {
            index,
            problem: Box::new(problem),
        };
        let value = Tonnes::parse(text).map_err(row)?;
        sum = sum.checked_add(&value).map_err(row)?;
    }
    Ok(sum)
}

/// The units an export issues from the gross claimed tCO2e of its batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportUnits {
    /// `floor(gross claimed)`.
    pub issued: u64,
    /// `ceil(issued × buffer_percent / 100)`, withheld in the buffer pool.
    pub buffer: u64,
    /// `issued − buffer`.
    pub tradable: u64,
    /// One line per number: its name, formula and the values put in.
    pub derivation: Vec<String>,
}

impl ExportUnits {
    /// The units of an export whose batches claim `sum` tCO2e in total under a methodology
    /// withholding `buffer_percent` (the profile's float, taken as its shortest spelling).
    pub fn from_gross(sum: &Tonnes, buffer_percent: f64) -> Result<ExportUnits, QuantityError> {
        let percent = Percent::from_f64(buffer_percent, "buffer_percent")?;
        if sum.is_negative() {
            return Err(QuantityError::NegativeGross {
                gross: sum.to_string(),
            });
        }
        let issued = u64::try_from(sum.floor()).map_err(|_| QuantityError::TooManyUnits {
            gross: sum.to_string(),
        })?;
        let product = Tonnes::from_units(issued).share(&percent)?;
        // 0 ≤ product ≤ issued because the percentage is at most 100.
        let buffer = u64::try_from(product.ceil())
            .map_err(|_| QuantityError::Overflow { what: "the buffer" })?;
        let tradable = issued - buffer;
        Ok(ExportUnits {
            issued,
            buffer,
            tradable,
            derivation: vec![
                format!("gross claimed = {sum} tCO2e (sum of the claimed tCO2e of every row of the export's batches, as written)"),
                format!("issued units = floor(gross claimed {sum}) = {issued}"),
                format!(
                    "buffer units = ceil(issued {issued} × buffer {percent} % / 100) = ceil({product}) = {buffer}"
                ),
                format!("tradable units = issued {issued} − buffer {buffer} = {tradable}"),
            ],
        })
    }
}

/// A batch's quantities for display: the gross it claims, the share the buffer withholds and
/// what remains issuable, exactly (no rounding: units are only rounded for an export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchQuantities {
    /// Sum of the claimed tCO2e of every row.
    pub gross: Tonnes,
    /// Rows counted in `gross`.
    pub rows: u64,
    pub buffer_percent: Percent,
    /// `gross × buffer_percent / 100`.
    pub buffer: Tonnes,
    /// `gross − buffer`.
    pub net: Tonnes,
    /// One line per number: its name, formula and the values put in.
    pub derivation: Vec<String>,
}

impl BatchQuantities {
    pub fn new(
        gross: Tonnes,
        rows: u64,
        buffer_percent: f64,
    ) -> Result<BatchQuantities, QuantityError> {
        let percent = Percent::from_f64(buffer_percent, "buffer_percent")?;
        let buffer = gross.share(&percent)?;
        let net = gross.checked_sub(&buffer)?;
        let derivation = vec![
            format!(
                "gross claimed = {gross} tCO2e: the sum of the claimed tCO2e of {rows} row{}, as written in the imported file",
                if rows == 1 { "" } else { "s" }
            ),
            format!("buffer = gross {gross} × {percent} % / 100 = {buffer} tCO2e"),
            format!("net issuable = gross {gross} − buffer {buffer} = {net} tCO2e"),
        ];
        Ok(BatchQuantities {
            gross,
            rows,
            buffer_percent: percent,
            buffer,
            net,
            derivation,
        })
    }
}

/// A flagged row's claim, as [`material_rows`] reads it. A row with several flags is given
/// once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedClaim {
    /// The row's 1-based position in the batch.
    pub row: i64,
    pub claimed: Tonnes,
}

/// Why a flagged row is material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialReason {
    /// Its own claim exceeds the threshold.
    Alone,
    /// It belongs to the flagged rows that, not material alone, together claim more than the
    /// threshold.
    Together,
}

impl MaterialReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MaterialReason::Alone => "alone",
            MaterialReason::Together => "together",
        }
    }
}

/// A material row and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialRow {
    pub row: i64,
    pub claimed: Tonnes,
    pub reason: MaterialReason,
    /// The comparison that made it material, in words.
    pub why: String,
}

/// The materiality of a batch's flagged rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Materiality {
    pub percent: Percent,
    /// `|batch total| × percent / 100`: a claim (or a set of claims) above it is material.
    pub threshold: Tonnes,
    /// Sum of the magnitudes of the flagged claims that are not material alone.
    pub together: Tonnes,
    /// Material rows in row order.
    pub rows: Vec<MaterialRow>,
}

impl Materiality {
    pub fn is_material(&self, row: i64) -> bool {
        self.rows.iter().any(|m| m.row == row)
    }
}

/// Which flagged rows are material (`docs/quantities.md`). With `t = |total| × percent / 100`:
/// 1. a flagged row whose claim's magnitude exceeds `t` is material *alone*;
/// 2. the flagged rows not material alone, with a non-zero claim, are all material *together*
///    when the magnitudes of their claims sum to more than `t`.
///
/// Rows with several flags count once; a zero claim is never material. `percent` must be in
/// (0, 100].
pub fn material_rows(
    total: &Tonnes,
    flagged: &[FlaggedClaim],
    materiality_percent: f64,
) -> Result<Materiality, QuantityError> {
    let percent = Percent::from_f64(materiality_percent, "materiality_percent")
        .ok()
        .filter(|p| !p.is_zero())
        .ok_or_else(|| QuantityError::Percent {
            what: "materiality_percent",
            value: materiality_percent.to_string(),
            range: "in (0, 100]",
        })?;
    let threshold = total.abs().share(&percent)?;
    let mut claims: Vec<&FlaggedClaim> = flagged.iter().collect();
    claims.sort_by_key(|c| c.row);
    claims.dedup_by_key(|c| c.row);
    let mut rows = Vec::new();
    let mut rest = Vec::new();
    let mut together = Tonnes::ZERO;
    for c in claims {
        let magnitude = c.claimed.abs();
        if magnitude > threshold {
            rows.push(MaterialRow {
                row: c.row,
                claimed: c.claimed.clone(),
                reason: MaterialReason::Alone,
                why: format!(
                    "row {} claims {} tCO2e, more than {percent} % of the batch total {total} tCO2e ({threshold} tCO2e)",
                    c.row, c.claimed
                ),
            });
        } else if !magnitude.is_zero() {
            together = together.checked_add(&magnitude)?;
            rest.push(c);
        }
    }
    if together > threshold {
        let count = rest.len();
        rows.extend(rest.into_iter().map(|c| MaterialRow {
            row: c.row,
            claimed: c.claimed.clone(),
            reason: MaterialReason::Together,
            why: format!(
                "row {} claims {} tCO2e; with the other {} flagged row{} not material alone it claims {together} tCO2e, more than {percent} % of the batch total {total} tCO2e ({threshold} tCO2e)",
                c.row,
                c.claimed,
                count - 1,
                if count == 2 { "" } else { "s" }
            ),
        }));
        rows.sort_by_key(|m| m.row);
    }
    Ok(Materiality {
        percent,
        threshold,
        together,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Tonnes {
        Tonnes::parse(s).unwrap()
    }

    fn units(sum: &str, buffer: f64) -> (u64, u64, u64) {
        let u = ExportUnits::from_gross(&t(sum), buffer).unwrap();
        (u.issued, u.buffer, u.tradable)
    }

    #[test]
    fn amounts_are_the_numbers_their_texts_spell() {
        for (text, shown) in [
            ("1.158", "1.158"),
            ("1.1580", "1.158"),
            ("2e1", "20"),
            ("2.5E-3", "0.0025"),
            ("-0.5", "-0.5"),
            ("-0", "0"),
            ("000.000", "0"),
            (".5", "0.5"),
            ("+7", "7"),
            ("0.000000000000000001", "0.000000000000000001"),
            (
                "12345678901234567890.123456789012345678",
                "12345678901234567890.123456789012345678",
            ),
        ] {
            assert_eq!(t(text).to_string(), shown, "{text}");
        }
        // What imports accept (hardening_positions: `49.99999999999999999999` is not 50).
        assert_eq!(
            t("49.99999999999999999999").to_string(),
            "49.99999999999999999999"
        );
        assert_eq!(
            t("0.1000000000000000055511151231257827").to_string(),
            "0.1000000000000000055511151231257827"
        );
        let too_fine = format!("0.{}1", "0".repeat(400));
        assert_eq!(
            Tonnes::parse(&too_fine).unwrap_err(),
            QuantityError::TooPrecise { text: too_fine }
        );
        assert!(matches!(
            Tonnes::parse("1e1000"),
            Err(QuantityError::TooLarge { .. })
        ));
        assert_eq!(t("1e40").to_string(), format!("1{}", "0".repeat(40)));
        assert!(matches!(
            Tonnes::parse("NaN"),
            Err(QuantityError::NotADecimal { .. })
        ));
        assert!(t("0.1") < t("0.10000000000000001"));
        assert!(t("-2") < t("-1.5"));
        assert_eq!(t("1.50"), t("1.5"));
    }

    #[test]
    fn sums_are_exact_where_floats_are_not() {
        let sum = gross_claimed(["0.1", "0.2"]).unwrap();
        assert_eq!(sum.to_string(), "0.3");
        assert_ne!(0.1f64 + 0.2, 0.3);
        let many = gross_claimed(std::iter::repeat_n("0.001", 1000)).unwrap();
        assert_eq!(many, t("1"));
        assert_eq!(gross_claimed([]).unwrap(), Tonnes::ZERO);
        let err = gross_claimed(["1", "2", "x"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "claimed tCO2e of row 3: `x` is not a decimal number"
        );
        // Beyond i128: still exact.
        let big = gross_claimed(["99999999999999999999e18", "99999999999999999999e18"]).unwrap();
        assert_eq!(
            big.to_string(),
            format!("199999999999999999998{}", "0".repeat(18))
        );
        assert!(matches!(
            gross_claimed(["1", "1e-401"]),
            Err(QuantityError::Row { index: 1, .. })
        ));
    }

    #[test]
    fn export_units_round_at_their_edges() {
        // floor just below a whole number; exact integers; zero.
        assert_eq!(units("100.999999999999999999", 20.0), (100, 20, 80));
        assert_eq!(units("101", 20.0), (101, 21, 80));
        assert_eq!(units("0", 20.0), (0, 0, 0));
        assert_eq!(units("0.999", 20.0), (0, 0, 0));
        // ceil rounds the buffer up by one as soon as the product is not whole.
        assert_eq!(units("100", 20.0), (100, 20, 80));
        assert_eq!(units("101.5", 20.0), (101, 21, 80));
        assert_eq!(units("1", 0.1), (1, 1, 0));
        assert_eq!(units("1000", 0.1), (1000, 1, 999));
        assert_eq!(units("1001", 0.1), (1001, 2, 999));
        // 0.1 is the decimal 0.1, not the float 0.1000000000000000055…: 10 × 0.1 % is 0.01.
        assert_eq!(units("10", 0.1), (10, 1, 9));
        // 0 % and 100 %.
        assert_eq!(units("404.666", 0.0), (404, 0, 404));
        assert_eq!(units("404.666", 100.0), (404, 404, 0));
        // A float spelling taken exactly: 12.5 % of 8 is exactly 1.
        assert_eq!(units("8", 12.5), (8, 1, 7));
        assert_eq!(units("9", 12.5), (9, 2, 7));
        assert!(matches!(
            ExportUnits::from_gross(&t("-1"), 20.0),
            Err(QuantityError::NegativeGross { .. })
        ));
        assert!(matches!(
            ExportUnits::from_gross(&t("1"), 100.5),
            Err(QuantityError::Percent { .. })
        ));
        assert!(matches!(
            ExportUnits::from_gross(&t("1"), f64::NAN),
            Err(QuantityError::Percent { .. })
        ));
        assert!(matches!(
            ExportUnits::from_gross(&t("1e30"), 20.0),
            Err(QuantityError::TooManyUnits { .. })
        ));
        let u = ExportUnits::from_gross(&t("404.666"), 20.0).unwrap();
        assert_eq!(
            u.derivation[1..],
            [
                "issued units = floor(gross claimed 404.666) = 404",
                "buffer units = ceil(issued 404 × buffer 20 % / 100) = ceil(80.8) = 81",
                "tradable units = issued 404 − buffer 81 = 323",
            ]
        );
    }

    #[test]
    fn a_batch_keeps_its_exact_net() {
        let q = BatchQuantities::new(t("404.666"), 240, 20.0).unwrap();
        assert_eq!(q.buffer.to_string(), "80.9332");
        assert_eq!(q.net.to_string(), "323.7328");
        assert_eq!(
            q.derivation,
            [
                "gross claimed = 404.666 tCO2e: the sum of the claimed tCO2e of 240 rows, as written in the imported file",
                "buffer = gross 404.666 × 20 % / 100 = 80.9332 tCO2e",
                "net issuable = gross 404.666 − buffer 80.9332 = 323.7328 tCO2e",
            ]
        );
        let q = BatchQuantities::new(t("0.3"), 1, 0.1).unwrap();
        assert_eq!(
            (q.buffer.to_string(), q.net.to_string()),
            ("0.0003".into(), "0.2997".into())
        );
        let full = BatchQuantities::new(t("7.5"), 2, 100.0).unwrap();
        assert_eq!((full.buffer, full.net), (t("7.5"), Tonnes::ZERO));
        assert_eq!(
            serde_json::to_value(&q).unwrap()["gross"],
            serde_json::json!("0.3")
        );
    }

    fn flagged(rows: &[(i64, &str)]) -> Vec<FlaggedClaim> {
        rows.iter()
            .map(|(row, c)| FlaggedClaim {
                row: *row,
                claimed: t(c),
            })
            .collect()
    }

    fn material(total: &str, rows: &[(i64, &str)], percent: f64) -> Vec<(i64, MaterialReason)> {
        material_rows(&t(total), &flagged(rows), percent)
            .unwrap()
            .rows
            .into_iter()
            .map(|m| (m.row, m.reason))
            .collect()
    }

    #[test]
    fn a_large_flagged_claim_is_material_alone() {
        use MaterialReason::*;
        // 22 of 100: a 22 % outlier, whatever its flag's severity.
        assert_eq!(material("100", &[(7, "22"), (9, "1")], 5.0), [(7, Alone)]);
        // Exactly the threshold is not above it; a hair more is.
        assert_eq!(material("100", &[(7, "5")], 5.0), []);
        assert_eq!(
            material("100", &[(7, "5.000000000000000001")], 5.0),
            [(7, Alone)]
        );
        // A negative claim misstates by its magnitude.
        assert_eq!(material("100", &[(3, "-6")], 5.0), [(3, Alone)]);
        // A zero claim never matters; a zero total makes every non-zero claim material.
        assert_eq!(material("100", &[(3, "0")], 5.0), []);
        assert_eq!(material("0", &[(3, "0.001"), (4, "0")], 5.0), [(3, Alone)]);
        // 100 %: nothing exceeds the whole batch unless claims are negative elsewhere.
        assert_eq!(material("100", &[(1, "60"), (2, "40")], 100.0), []);
        let m = material_rows(&t("100"), &flagged(&[(7, "22")]), 5.0).unwrap();
        assert_eq!(
            m.rows[0].why,
            "row 7 claims 22 tCO2e, more than 5 % of the batch total 100 tCO2e (5 tCO2e)"
        );
    }

    #[test]
    fn flagged_claims_that_together_exceed_the_share_are_all_material() {
        use MaterialReason::*;
        assert_eq!(
            material("100", &[(1, "3"), (2, "2.5"), (5, "0")], 5.0),
            [(1, Together), (2, Together)]
        );
        assert_eq!(material("100", &[(1, "3"), (2, "2")], 5.0), []);
        // The rows material alone are not counted again in the set.
        assert_eq!(
            material("100", &[(1, "3"), (2, "1"), (4, "40")], 5.0),
            [(4, Alone)]
        );
        // A row with two flags counts once.
        assert_eq!(material("100", &[(1, "3"), (1, "3")], 5.0), []);
        let m = material_rows(&t("100"), &flagged(&[(1, "3"), (2, "2.5")]), 5.0).unwrap();
        assert_eq!(m.together, t("5.5"));
        assert_eq!(m.rows[1].why, "row 2 claims 2.5 tCO2e; with the other 1 flagged row not material alone it claims 5.5 tCO2e, more than 5 % of the batch total 100 tCO2e (5 tCO2e)");
        for bad in [0.0, -1.0, 100.5, f64::INFINITY] {
            assert!(matches!(
                material_rows(&t("1"), &[], bad),
                Err(QuantityError::Percent { .. })
            ));
        }
    }

    proptest! {
        /// Sums of millesimal texts equal the integer sum of their thousandths.
        #[test]
        fn sums_equal_integer_arithmetic(values in proptest::collection::vec(-1_000_000i64..1_000_000, 0..50)) {
            let texts: Vec<String> = values.iter().map(|v| {
                let sign = if *v < 0 { "-" } else { "" };
                format!("{sign}{}.{:03}", v.unsigned_abs() / 1000, v.unsigned_abs() % 1000)
            }).collect();
            let sum = gross_claimed(texts.iter().map(String::as_str)).unwrap();
            let thousandths: i64 = values.iter().sum();
            prop_assert_eq!(&sum, &Tonnes(Scaled::new(thousandths as i128, 3)));
            prop_assert_eq!(Tonnes::parse(&sum.to_string()).unwrap(), sum);
        }

        /// The arbitrary-precision arithmetic agrees with `i128` wherever `i128` reaches.
        #[test]
        fn big_arithmetic_agrees_with_i128(a in any::<i64>(), sa in 0u32..12, b in any::<i64>(), sb in 0u32..12, m in 0i64..1_000_000) {
            let (x, y) = (Scaled::new(a as i128, sa), Scaled::new(b as i128, sb));
            let scale = sa.max(sb);
            let ax = a as i128 * 10i128.pow(scale - sa);
            let by = b as i128 * 10i128.pow(scale - sb);
            prop_assert_eq!(x.checked_add(&y).unwrap(), Scaled::new(ax + by, scale));
            prop_assert_eq!(x.checked_sub(&y).unwrap(), Scaled::new(ax - by, scale));
            prop_assert_eq!(x.cmp(&y), ax.cmp(&by));
            prop_assert_eq!(x.checked_mul(&Scaled::new(m as i128, 2)).unwrap(), Scaled::new(a as i128 * m as i128, sa + 2));
            let unit = 10i128.pow(sa);
            prop_assert_eq!(x.floor(), (a as i128).div_euclid(unit));
            prop_assert_eq!(x.ceil(), -((-(a as i128)).div_euclid(unit)));
            prop_assert_eq!(Scaled::parse(&x.to_string(), MAX_DECIMALS).unwrap(), x);
        }

        /// issued = buffer + tradable; buffer is the smallest whole number of units not below
        /// the exact share, and never more than issued.
        #[test]
        fn units_add_up(thousandths in 0u64..10_000_000_000, tenths in 0u32..=1000) {
            let sum = Tonnes(Scaled::new(thousandths as i128, 3));
            let percent = tenths as f64 / 10.0;
            let u = ExportUnits::from_gross(&sum, percent).unwrap();
            prop_assert_eq!(u.issued, thousandths / 1000);
            prop_assert_eq!(u.issued, u.buffer + u.tradable);
            // buffer × 1000 ≥ issued × tenths > (buffer − 1) × 1000
            let exact = u.issued as u128 * tenths as u128;
            prop_assert!(u.buffer as u128 * 1000 >= exact);
            prop_assert!(u.buffer == 0 || (u.buffer as u128 - 1) * 1000 < exact);
        }

        /// Every flagged row is either material, or claims no more than the threshold and sits
        /// among rows not material alone whose total is within it.
        #[test]
        fn materiality_is_what_the_rules_say(claims in proptest::collection::vec(0u32..5000, 1..30), pct in 1u32..=100) {
            let total: u32 = claims.iter().sum::<u32>() + 10_000;
            let rows: Vec<FlaggedClaim> = claims.iter().enumerate().map(|(i, c)| FlaggedClaim {
                row: i as i64 + 1, claimed: Tonnes::from_units(*c as u64) }).collect();
            let m = material_rows(&Tonnes::from_units(total as u64), &rows, pct as f64).unwrap();
            let threshold = total as u64 * pct as u64; // × 100
            let alone: Vec<i64> = rows.iter().filter(|r| (r.claimed.floor() as u64) * 100 > threshold).map(|r| r.row).collect();
            let rest: u64 = rows.iter().filter(|r| (r.claimed.floor() as u64) * 100 <= threshold).map(|r| r.claimed.floor() as u64).sum();
            for r in &rows {
                let expected = alone.contains(&r.row) || (rest * 100 > threshold && !r.claimed.is_zero());
                prop_assert_eq!(m.is_material(r.row), expected);
            }
        }
    }
}

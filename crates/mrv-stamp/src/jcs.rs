//! RFC 8785 JSON Canonicalization Scheme: the one byte sequence a JSON value has, so that
//! anyone can re-serialise a stamp and get the bytes that were hashed and signed.
//!
//! Objects' members sorted by the UTF-16 code units of their names, no whitespace, strings
//! escaped as ECMAScript's `JSON.stringify` does, numbers as ECMAScript's `Number.prototype.
//! toString` prints IEEE 754 doubles (via `ryu-js`).

use serde_json::Value;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JcsError {
    #[error("{0} cannot be represented in canonical JSON (not a finite IEEE 754 double)")]
    Number(String),
    #[error("the integer {0} is beyond ±2^53 and would not survive as an IEEE 754 double")]
    Integer(String),
}

/// The canonical bytes of `value`.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, JcsError> {
    let mut out = Vec::new();
    write(value, &mut out)?;
    Ok(out)
}

/// The canonical text of `value`.
pub fn canonical_string(value: &Value) -> Result<String, JcsError> {
    Ok(String::from_utf8(canonicalize(value)?).expect("JSON text is UTF-8"))
}

const MAX_SAFE: u64 = 1 << 53;

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), JcsError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let double = if let Some(i) = n.as_i64() {
                let double = i as f64;
                if i.unsigned_abs() > MAX_SAFE {
                    check_large_integer(double, n)?;
                }
                double
            } else if let Some(u) = n.as_u64() {
                let double = u as f64;
                if u > MAX_SAFE {
                    check_large_integer(double, n)?;
                }
                double
            } else {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| JcsError::Number(n.to_string()))?
            };
            write_number(double, out);
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(name, out);
                out.push(b':');
                write(member, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// An integer beyond ±2^53 is kept only when it is exactly how the double nearest to it prints
/// (`10000000000000000000` is how 1e19 canonicalises), so that canonical text always reads back
/// as itself; any other would change on its way through a double and is refused.
fn check_large_integer(double: f64, n: &serde_json::Number) -> Result<(), JcsError> {
    let mut printed = Vec::new();
    write_number(double, &mut printed);
    if printed == n.to_string().as_bytes() {
        Ok(())
    } else {
        Err(JcsError::Integer(n.to_string()))
    }
}

/// ECMAScript's shortest round-trip form; -0 prints as 0.
fn write_number(v: f64, out: &mut Vec<u8>) {
    if v == 0.0 {
        out.push(b'0');
        return;
    }
    let mut buffer = ryu_js::Buffer::new();
    out.extend_from_slice(buffer.format_finite(v).as_bytes());
}

pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    // Most strings need no escape: copy them whole.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8785 §3.2.2 / Appendix B: IEEE 754 bit patterns and the text they canonicalise to.
    #[test]
    fn rfc8785_number_vectors() {
        let vectors: [(u64, &str); 24] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in vectors {
            let v = f64::from_bits(bits);
            assert_eq!(canonical_string(&json!(v)).unwrap(), want, "{bits:#018x}");
        }
    }

    /// RFC 8785 §3.2.4's example.
    #[test]
    fn rfc8785_example() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        let value: Value = serde_json::from_str(input).unwrap();
        assert_eq!(
            canonical_string(&value).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: members sorted by UTF-16 code units, not by code points or bytes.
    #[test]
    fn rfc8785_sorting_example() {
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let value: Value = serde_json::from_str(input).unwrap();
        let text = canonical_string(&value).unwrap();
        let order: Vec<&str> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ]
        .to_vec();
        let mut at = 0;
        for name in order {
            let found = text[at..]
                .find(name)
                .unwrap_or_else(|| panic!("{name} out of order in {text}"));
            at += found;
        }
    }

    #[test]
    fn unsafe_integers_are_refused() {
        assert!(canonical_string(&json!(9007199254740993u64)).is_err());
        assert!(canonical_string(&json!(-9007199254740993i64)).is_err());
        assert!(canonical_string(&json!(u64::MAX)).is_err());
        assert!(canonical_string(&json!(i64::MIN)).is_err());
        assert_eq!(
            canonical_string(&json!(9007199254740992u64)).unwrap(),
            "9007199254740992"
        );
        assert_eq!(canonical_string(&json!(-42)).unwrap(), "-42");
    }

    /// Found by the `stamp_document` fuzz target: 1e19 canonicalised to `10000000000000000000`,
    /// which, read again, was refused as an integer beyond 2^53. Canonical text is a fixed point.
    #[test]
    fn large_doubles_canonicalise_to_text_that_canonicalises_to_itself() {
        for (double, text) in [
            (1e19, "10000000000000000000"),
            (-1e18, "-1000000000000000000"),
            (2f64.powi(60), "1152921504606847000"),
            (9007199254740994.0, "9007199254740994"),
        ] {
            assert_eq!(canonical_string(&json!(double)).unwrap(), text);
            let again: Value = serde_json::from_str(text).unwrap();
            assert!(
                again.is_i64() || again.is_u64(),
                "{text} reads as an integer"
            );
            assert_eq!(canonical_string(&again).unwrap(), text);
        }
        // Integers that are not how a double prints still lose digits: refused.
        for text in [
            "1152921504606846976",
            "10000000000000000001",
            "-9223372036854775807",
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                canonical_string(&value),
                Err(JcsError::Integer(text.to_owned()))
            );
        }
    }
}

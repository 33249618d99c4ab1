//! A measurement's values as stored: `measurement.values_json`, a JSON array of strings aligned
//! with the batch's columns (`["P001","2025-03-01","12.5"]`).
//!
//! Writing and reading live here together. Stamping, verification and the quantities read every
//! row of a batch, so the reader borrows each value from the stored text when it holds no
//! escape (the common case) and lets `serde_json` decode only a value that does; any text that
//! is not exactly an array of strings is refused.

use std::borrow::Cow;

/// Appends `value` as a JSON string literal.
pub fn push_json_string(out: &mut String, value: &str) {
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(value).expect("a string always serialises"));
    }
}

/// Why stored values could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored values are not a JSON array of strings: {0}")]
pub struct ValuesError(String);

/// Decodes a stored values array into `out` (cleared first), borrowing from `json` wherever a
/// value holds no escape.
pub fn decode_values_into<'a>(
    json: &'a str,
    out: &mut Vec<Cow<'a, str>>,
) -> Result<(), ValuesError> {
    out.clear();
    let bytes = json.as_bytes();
    let err = |at: usize, what: &str| ValuesError(format!("{what} at byte {at}"));
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    if bytes.get(i) != Some(&b'[') {
        return Err(err(i, "expected `[`"));
    }
    i = skip_ws(i + 1);
    if bytes.get(i) == Some(&b']') {
        return match skip_ws(i + 1) == bytes.len() {
            true => Ok(()),
            false => Err(err(i + 1, "text after the array")),
        };
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return Err(err(i, "expected a string"));
        }
        let start = i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            match bytes.get(j) {
                None => return Err(err(j, "unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    j += 2;
                }
                Some(&b) if b < 0x20 => return Err(err(j, "control character in a string")),
                Some(_) => j += 1,
            }
        }
        // `j` is at the closing quote (a `\"` was stepped over above).
        if escaped {
            let value: String = serde_json::from_str(&json[i..=j])
                .map_err(|e| err(i, &format!("bad string ({e})")))?;
            out.push(Cow::Owned(value));
        } else {
            out.push(Cow::Borrowed(&json[start..j]));
        }
        i = skip_ws(j + 1);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(i + 1),
            Some(b']') => {
                return match skip_ws(i + 1) == bytes.len() {
                    true => Ok(()),
                    false => Err(err(i + 1, "text after the array")),
                }
            }
            _ => return Err(err(i, "expected `,` or `]`")),
        }
    }
}

/// [`decode_values_into`] into a new vector.
pub fn decode_values(json: &str) -> Result<Vec<Cow<'_, str>>, ValuesError> {
    let mut out = Vec::new();
    decode_values_into(json, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(values: &[String]) -> String {
        let mut out = String::from("[");
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            push_json_string(&mut out, v);
        }
        out.push(']');
        out
    }

    #[test]
    fn plain_values_are_borrowed_and_escaped_ones_decoded() {
        let json = r#"["P001","say \"hi\"","a\\b","tab\there","é"]"#;
        let values = decode_values(json).unwrap();
        assert_eq!(values, ["P001", "say \"hi\"", "a\\b", "tab\there", "é"]);
        assert!(matches!(values[0], Cow::Borrowed(_)));
        assert!(matches!(values[1], Cow::Owned(_)));
        assert_eq!(decode_values("[]").unwrap(), Vec::<Cow<str>>::new());
        assert_eq!(decode_values(" [ \"a\" , \"\" ] ").unwrap(), ["a", ""]);
    }

    #[test]
    fn anything_but_an_array_of_strings_is_refused() {
        for bad in [
            "",
            "[",
            "]",
            "[1]",
            "[\"a\",]",
            "[\"a\" \"b\"]",
            "[\"a\"] x",
            "{}",
            "[\"a",
            "[\"a\\\"]",
            "[\"\u{1}\"]",
            "[\"\\x\"]",
            "[null]",
            "[\"a\"],",
        ] {
            assert!(decode_values(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn decoding_what_was_encoded_gives_the_values_back(values in proptest::collection::vec(".{0,12}", 0..8)) {
            let json = encode(&values);
            let decoded = decode_values(&json).unwrap();
            prop_assert_eq!(&decoded, &values);
            // And it agrees with a general JSON reader.
            let general: Vec<String> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(decoded, general);
        }

        #[test]
        fn any_text_decodes_as_a_general_reader_does_or_is_refused(text in "[\\[\\]\",\\\\a-c ]{0,16}") {
            let general: Result<Vec<String>, _> = serde_json::from_str(&text);
            match decode_values(&text) {
                Ok(values) => prop_assert_eq!(Ok(values.into_iter().map(Cow::into_owned).collect::<Vec<_>>()), general.map_err(|_| ())),
                Err(_) => prop_assert!(general.is_err(), "{:?} refused but JSON reads it", text),
            }
        }
    }
}

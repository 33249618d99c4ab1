//! Names people give things — user names, project and layer names, record ids — made comparable:
//! one Unicode spelling (NFC) and no characters that cannot be seen.
//!
//! Two names that look the same must be the same name. Text is normalised to NFC, and
//! invisible characters are refused: controls (Cc), format characters (Cf: zero-width spaces
//! and joiners, bidirectional controls, the BOM, soft hyphen, tags…), line and paragraph
//! separators, blank letters that render as nothing (Hangul fillers, the combining grapheme
//! joiner) and every space but the plain one (U+0020).

use thiserror::Error;
use unicode_normalization::{is_nfc, UnicodeNormalization};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameProblem {
    #[error("must not be empty")]
    Empty,
    #[error("contains an invisible character, U+{:04X}, at character {position}", u32::from(*.character))]
    Invisible { character: char, position: usize },
    #[error("is not in Unicode NFC form (re-save the text, or type the name again)")]
    NotNfc,
    #[error("mixes {first} and {then} letters (`{character}` is {then}); a name is written in one script so it cannot pass for another")]
    MixedScripts {
        first: &'static str,
        then: &'static str,
        character: char,
    },
}

/// Whether `c` cannot be seen, or changes how the text around it is shown, without being text.
pub fn is_invisible(c: char) -> bool {
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        return true;
    }
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E | 0x3164 | 0xFFA0
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFE00..=0xFE0F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xE0100..=0xE01EF
        // Braille blank, object replacement, and code points with no agreed glyph: private use
        // and noncharacters.
        | 0x2800 | 0xFFFC | 0xE000..=0xF8FF | 0xFDD0..=0xFDEF | 0xF0000..=0x10FFFF)
        || (u32::from(c) & 0xFFFE) == 0xFFFE
}

/// The script family of a letter, for the letters that have look-alikes in another family
/// (Latin `a`, Cyrillic `а`, Greek `α`…); other characters have none.
fn confusable_script(c: char) -> Option<&'static str> {
    match u32::from(c) {
        _ if c.is_ascii_alphabetic() => Some("Latin"),
        0x00C0..=0x024F | 0x1E00..=0x1EFF => Some("Latin"),
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Some("Greek"),
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Some("Cyrillic"),
        _ => None,
    }
}

/// Refuses a name mixing Latin, Greek and Cyrillic letters: `аna` with a Cyrillic `а` looks
/// like `ana` and must not pass for another user.
pub fn check_single_script(text: &str) -> Result<(), NameProblem> {
    let mut first: Option<&'static str> = None;
    for c in text.chars() {
        if let Some(script) = confusable_script(c) {
            match first {
                None => first = Some(script),
                Some(f) if f != script => {
                    return Err(NameProblem::MixedScripts {
                        first: f,
                        then: script,
                        character: c,
                    })
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// The first invisible character of `text` and its 1-based position in characters.
pub fn first_invisible(text: &str) -> Option<(char, usize)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| is_invisible(*c))
        .map(|(i, c)| (c, i + 1))
}

/// A name as it is stored and compared: surrounding spaces trimmed, NFC; refused when empty or
/// holding an invisible character.
pub fn normalize_name(text: &str) -> Result<String, NameProblem> {
    if let Some((character, position)) = first_invisible(text) {
        return Err(NameProblem::Invisible {
            character,
            position,
        });
    }
    let name: String = text.trim().nfc().collect();
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    Ok(name)
}

/// Checks an identifier that is stored exactly as given (a record id: it is stamped as read):
/// no invisible character, and already NFC so that no two spellings of one id can coexist.
pub fn check_identifier(text: &str) -> Result<(), NameProblem> {
    if let Some((character, position)) = first_invisible(text) {
        return Err(NameProblem::Invisible {
            character,
            position,
        });
    }
    if !is_nfc(text) {
        return Err(NameProblem::NotNfc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_glyphs_private_use_and_mixed_scripts_are_refused() {
        for c in [
            '\u{2800}',
            '\u{E000}',
            '\u{F8FF}',
            '\u{FDD0}',
            '\u{FFFE}',
            '\u{10FFFD}',
        ] {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
        }
        assert!(!is_invisible('a') && !is_invisible('é') && !is_invisible('а'));
        let problem = check_single_script("\u{0430}na").unwrap_err();
        assert!(problem.to_string().contains("Cyrillic"), "{problem}");
        assert!(check_single_script("ana").is_ok());
        assert!(check_single_script("анна").is_ok());
        assert!(check_single_script("josé-2").is_ok());
        assert!(check_single_script("αβγ_Δ").is_ok());
        assert!(check_single_script("Δelta").is_err());
    }

    #[test]
    fn look_alike_names_are_refused_or_made_equal() {
        for sneaky in [
            "ana\u{200B}",
            "\u{FEFF}ana",
            "a\u{202E}na",
            "an\u{2066}a",
            "a\u{00AD}na",
            "ana\u{E0041}",
            "ana\n",
            "ana\u{00A0}x",
            "ana\u{1B}[2J",
        ] {
            assert!(
                matches!(normalize_name(sneaky), Err(NameProblem::Invisible { .. })),
                "{sneaky:?}"
            );
            assert!(check_identifier(sneaky).is_err(), "{sneaky:?}");
        }
        // Composed and decomposed é are one name.
        assert_eq!(
            normalize_name(" Jos\u{0065}\u{0301} ").unwrap(),
            normalize_name("Jos\u{00E9}").unwrap()
        );
        assert_eq!(
            check_identifier("P\u{0065}\u{0301}"),
            Err(NameProblem::NotNfc)
        );
        assert_eq!(normalize_name("  "), Err(NameProblem::Empty));
        assert_eq!(
            normalize_name("Serra do Mar ARR").unwrap(),
            "Serra do Mar ARR"
        );
        assert_eq!(
            normalize_name("x\u{200D}y").unwrap_err().to_string(),
            "contains an invisible character, U+200D, at character 2"
        );
    }
}

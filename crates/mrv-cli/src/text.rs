//! Text from data (file names, column names, values, user and project names, what a log server
//! said) made safe to print: nothing it holds can move the cursor, start a new line, colour the
//! terminal or reorder what is shown.
//!
//! [`shown`] is the one helper every human-readable output uses for such text; [`cell`] is the
//! same for a field of tab-separated output, which a spreadsheet may also open.

use std::borrow::Cow;

/// The lines of a verification: one `ok`/`FAIL` line per check (its name padded to `width`)
/// and one `NOTE` line per note, every text escaped.
pub(crate) fn check_lines(checks: &[mrv_app::Check], notes: &[String], width: usize) -> String {
    let mut s = String::new();
    for k in checks {
        s += &format!(
            "{} {:<width$} {}\n",
            if k.ok { "ok  " } else { "FAIL" },
            shown(&k.what),
            shown(&k.detail)
        );
    }
    for n in notes {
        s += &format!("NOTE {}\n", shown(n));
    }
    s
}

/// `text` with every control character (escape sequences, line breaks, tabs…) and every
/// invisible or direction-changing character written as a visible escape (`\n`, `\u{202e}`).
pub(crate) fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c != ' ' && mrv_app::is_invisible(c)
}

/// A field of tab-separated output: [`shown`], and a text a spreadsheet would run as a formula
/// prefixed with `'` so it stays text (`mrv_app::runs_as_formula`, the rule the problem-report
/// CSV follows too).
pub(crate) fn cell(text: &str) -> Cow<'_, str> {
    if mrv_app::runs_as_formula(text) {
        Cow::Owned(format!("'{}", shown(text)))
    } else {
        shown(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_forge_lines_or_formulas() {
        assert_eq!(shown("plain name, café"), "plain name, café");
        assert_eq!(shown("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(shown("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(shown("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-47.5"), "-47.5");
        assert_eq!(cell("+1"), "+1");
        assert_eq!(cell("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
        assert_eq!(cell("\tx"), "'\\tx");
    }
}

//! A rejected import's problem report as a CSV file, for a spreadsheet or a ticket: what the
//! desktop's "Save as CSV…" and `mrv import --problems-csv` write. One row per problem under a
//! header (File, Row, Record, Column, Value, Problem), CRLF line ends, a UTF-8 byte-order mark
//! (spreadsheets then read accents right), rules without their code marks, and a last row
//! saying how many problems the report leaves out. Values come from the imported file, so a
//! cell a spreadsheet would run as a formula is prefixed with `'` and stays text.

use crate::files::{write_atomic, Overwrite};
use crate::AppError;
use mrv_core::ImportReport;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

const HEADER: [&str; 6] = ["File", "Row", "Record", "Column", "Value", "Problem"];

/// Whether a spreadsheet would run `text` as a formula: it starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return and is not a number. The one rule for every table MRV Desk hands to a
/// spreadsheet (this CSV, the CLI's tab-separated output), which prefix such a text with `'`.
pub fn runs_as_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.trim().parse::<f64>().is_err()
}

/// `text`, prefixed with `'` if a spreadsheet would run it as a formula.
fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if runs_as_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The report as CSV text (without the byte-order mark).
pub fn import_report_csv(report: &ImportReport) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut row = |cells: [String; 6]| {
        out.write_record(cells.iter().map(|c| spreadsheet_text(c).into_owned()))
            .expect("writing CSV to memory cannot fail");
    };
    row(HEADER.map(str::to_owned));
    for p in &report.problems {
        row([
            p.file.clone(),
            p.row.map(|r| r.to_string()).unwrap_or_default(),
            p.record_id.clone().unwrap_or_default(),
            p.column.clone().unwrap_or_default(),
            p.value.clone().unwrap_or_default(),
            p.rule.replace('`', ""),
        ]);
    }
    let omitted = report.total.saturating_sub(report.problems.len() as u64);
    if omitted > 0 {
        let mut last: [String; 6] = Default::default();
        last[5] = format!("and {omitted} more problems not listed in the report");
        row(last);
    }
    let bytes = out.into_inner().expect("an in-memory CSV writer flushes");
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

/// Writes the report's CSV to `path` (atomically; never through a link; an existing file only
/// with [`Overwrite::Replace`]).
pub fn write_import_report(
    report: &ImportReport,
    path: &Path,
    overwrite: Overwrite,
) -> Result<(), AppError> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(import_report_csv(report).as_bytes());
    write_atomic(path, &bytes, overwrite)
}

/// Where the problems of `source` are proposed to go: beside it, `<name>-problems.csv`
/// ("plots 2025.csv" → "plots-2025-problems.csv"; "import-problems.csv" without a name).
pub fn import_report_default_path(source: &Path) -> PathBuf {
    let stem: String = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    let name = if stem.is_empty() {
        "import-problems.csv".to_owned()
    } else {
        format!("{stem}-problems.csv")
    };
    match source.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrv_core::ImportProblem;

    fn problem(row: Option<u64>, value: &str, rule: &str) -> ImportProblem {
        let mut p = ImportProblem::at(
            "plots.csv",
            row.unwrap_or(1),
            Some("dbh_cm"),
            Some(value),
            rule,
        );
        p.row = row;
        p
    }

    #[test]
    fn one_row_per_problem_with_quoting_plain_rules_and_the_count_left_out() {
        let mut with_id = problem(
            Some(7),
            "abc",
            "must be a number (use `.` as decimal separator)",
        );
        with_id.set_record_id("P-0042");
        let mut no_column = problem(None, "say \"hi\", then", "missing column `plot_id`");
        no_column.column = None;
        let report = ImportReport {
            problems: vec![with_id, no_column],
            total: 120,
        };
        assert_eq!(
            import_report_csv(&report),
            "File,Row,Record,Column,Value,Problem\r\n\
             plots.csv,7,P-0042,dbh_cm,abc,must be a number (use . as decimal separator)\r\n\
             plots.csv,,,,\"say \"\"hi\"\", then\",missing column plot_id\r\n\
             ,,,,,and 118 more problems not listed in the report\r\n"
        );
    }

    #[test]
    fn values_a_spreadsheet_would_run_stay_text() {
        let report = ImportReport {
            problems: vec![
                problem(Some(1), "=HYPERLINK(\"x\")", "r"),
                problem(Some(2), "-47.5", "r"),
                problem(Some(3), "-cmd|' /C calc'!A0", "r"),
                problem(Some(4), "@SUM(A1)", "r"),
            ],
            total: 4,
        };
        let csv = import_report_csv(&report);
        let values: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(4).unwrap())
            .collect();
        assert_eq!(
            values,
            [
                "\"'=HYPERLINK(\"\"x\"\")\"",
                "-47.5",
                "'-cmd|' /C calc'!A0",
                "'@SUM(A1)"
            ]
        );
    }

    #[test]
    fn the_file_is_written_once_and_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plots-problems.csv");
        let report = ImportReport {
            problems: vec![problem(Some(3), "x", "must be a number")],
            total: 1,
        };
        write_import_report(&report, &path, Overwrite::Refuse).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with("\u{feff}File,Row,"), "{written}");
        let again = write_import_report(&report, &path, Overwrite::Refuse).unwrap_err();
        assert!(matches!(again, AppError::Conflict(_)), "{again}");
        write_import_report(&report, &path, Overwrite::Replace).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let through = write_import_report(&report, &link, Overwrite::Replace).unwrap_err();
        assert!(through.to_string().contains("symbolic link"), "{through}");
    }

    #[test]
    fn the_proposed_file_sits_beside_the_imported_one() {
        assert_eq!(
            import_report_default_path(Path::new("/data/plots 2025.csv")),
            PathBuf::from("/data/plots-2025-problems.csv")
        );
        assert_eq!(
            import_report_default_path(Path::new("trees.geojson")),
            PathBuf::from("trees-problems.csv")
        );
        assert_eq!(
            import_report_default_path(Path::new("")),
            PathBuf::from("import-problems.csv")
        );
    }
}

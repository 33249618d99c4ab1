//! What is wrong with an input file, precisely enough to fix it: file, row, column, value, rule.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How many problems a report keeps in full; the rest are only counted.
pub const REPORT_CAP: usize = 200;

/// One thing wrong with an input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based data row (the header is not counted); `None` for whole-file problems.
    pub row: Option<u64>,
    /// The column (source header) the problem is in, if any.
    pub column: Option<String>,
    /// The offending value, shortened to at most 80 characters.
    pub value: Option<String>,
    /// The rule that was broken, in plain words.
    pub rule: String,
    /// The row's record id (the methodology's id field), when the row has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

impl ImportProblem {
    pub fn file_level(file: &str, rule: impl Into<String>) -> ImportProblem {
        ImportProblem {
            file: file.to_owned(),
            row: None,
            column: None,
            value: None,
            rule: rule.into(),
            record_id: None,
        }
    }

    /// Names the row's record id (shortened like a value).
    pub fn set_record_id(&mut self, id: &str) {
        self.record_id = Some(shorten(id));
    }

    pub fn at(
        file: &str,
        row: u64,
        column: Option<&str>,
        value: Option<&str>,
        rule: impl Into<String>,
    ) -> ImportProblem {
        ImportProblem {
            file: file.to_owned(),
            row: Some(row),
            column: column.map(str::to_owned),
            value: value.map(shorten),
            rule: rule.into(),
            record_id: None,
        }
    }
}

fn shorten(value: &str) -> String {
    if value.chars().count() <= 80 {
        value.to_owned()
    } else {
        let mut short: String = value.chars().take(77).collect();
        short.push_str("...");
        short
    }
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }

        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value `{value}`")?;
        }
        write!(f, ": {}", self.rule)
    }
}

/// Every problem found in one file: the first [`REPORT_CAP`] in full plus the total count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub problems: Vec<ImportProblem>,
    pub total: u64,
}

impl ImportReport {
    pub fn push(&mut self, problem: ImportProblem) {
        self.total += 1;
        if self.problems.len() < REPORT_CAP {
            self.problems.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Combines two reports of the same file into one: problems ordered by row (whole-file
    /// problems first, the order within a row kept), capped, with both totals added.
    pub fn merge(self, other: ImportReport) -> ImportReport {
        let mut problems = self.problems;
        problems.extend(other.problems);
        problems.sort_by_key(|p| p.row);
        problems.truncate(REPORT_CAP);
        ImportReport {
            problems,
            total: self.total + other.total,
        }
    }

    pub fn single(problem: ImportProblem) -> ImportReport {
        let mut report = ImportReport::default();
        report.push(problem);
        report
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        let hidden = self.total - self.problems.len() as u64;
        if hidden > 0 {
            writeln!(f, "  … and {hidden} more problems")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_keeps_a_capped_list_and_the_true_total() {
        let mut report = ImportReport::default();
        for row in 0..(REPORT_CAP as u64 + 5) {
            report.push(ImportProblem::at(
                "f.csv",
                row + 1,
                Some("dbh_cm"),
                Some("x"),
                "not a number",
            ));
        }
        assert_eq!(report.problems.len(), REPORT_CAP);
        assert_eq!(report.total, REPORT_CAP as u64 + 5);
        assert!(report.to_string().ends_with("… and 5 more problems\n"));
    }

    #[test]
    fn merged_reports_are_in_row_order_with_both_totals() {
        let at = |row: u64, rule: &str| ImportProblem::at("f.csv", row, None, None, rule);
        let mut validation = ImportReport::default();
        validation.push(at(2, "a"));
        validation.push(at(2, "b"));
        validation.push(at(9, "c"));
        let mut storage = ImportReport::default();
        storage.push(at(5, "dup"));
        storage.push(ImportProblem::file_level("f.csv", "whole"));
        let merged = validation.merge(storage);
        let rules: Vec<&str> = merged.problems.iter().map(|p| p.rule.as_str()).collect();
        assert_eq!(rules, ["whole", "a", "b", "dup", "c"]);
        assert_eq!(merged.total, 5);
    }

    #[test]
    fn problem_names_file_row_column_value_and_rule() {
        let p = ImportProblem::at(
            "plots.csv",
            7,
            Some("dbh_cm"),
            Some("abc"),
            "must be a number",
        );
        assert_eq!(
            p.to_string(),
            "plots.csv, row 7, column `dbh_cm`, value `abc`: must be a number"
        );
        let long = "x".repeat(200);
        let p = ImportProblem::at("plots.csv", 1, None, Some(&long), "too long");
        assert_eq!(p.value.unwrap().chars().count(), 80);
    }
}

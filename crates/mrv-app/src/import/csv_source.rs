//! CSV reading: delimiter detection, optional UTF-8 BOM, quoted fields, strict UTF-8 per field.

use super::csv_guard::{CsvGuard, CsvRefusal};
use super::layout::{self, Layout};
use super::sink::{Coords, Sink};
use super::ColumnMapping;
use crate::AppError;
use mrv_core::{ImportProblem, MethodologyProfile};
use std::io::{BufRead, BufReader, Read};

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Picks the candidate delimiter that occurs most often, outside quotes, in the first line.
pub(crate) fn detect_delimiter(prefix: &[u8]) -> u8 {
    let line_end = prefix
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(prefix.len());
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in &prefix[..line_end] {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        DELIMITERS[best]
    }
}

pub(crate) fn delimiter_name(d: u8) -> &'static str {
    match d {
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "pipe",
        _ => "comma",
    }
}

/// A CSV file opened past its BOM, with its delimiter and header.
pub(crate) struct CsvFile<R: Read> {
    pub reader: csv::Reader<CsvGuard<BufReader<R>>>,
    pub delimiter: u8,
    pub headers: Vec<String>,
}

// Refused once per file, before any row: the size of the error does not matter here.
#[allow(clippy::result_large_err)]
pub(crate) fn open<R: Read>(source: R, file: &str) -> Result<CsvFile<R>, ImportProblem> {
    let mut buffered = BufReader::with_capacity(1 << 18, source);
    let prefix = buffered
        .fill_buf()
        .map_err(|e| ImportProblem::file_level(file, format!("cannot read: {e}")))?;
    let bom = prefix.starts_with(&[0xEF, 0xBB, 0xBF]);
    let delimiter = detect_delimiter(if bom { &prefix[3..] } else { prefix });
    if bom {
        buffered.consume(3);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(CsvGuard::new(buffered, delimiter));
    let mut header = csv::ByteRecord::new();
    let has_header = reader
        .read_byte_record(&mut header)
        .map_err(|e| ImportProblem::file_level(file, format!("cannot read the header: {e}")))?;
    if !has_header {
        return Err(ImportProblem::file_level(
            file,
            "the file is empty (no header row)",
        ));
    }
    let mut headers = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let text = std::str::from_utf8(h).map_err(|_| {
            ImportProblem::file_level(
                file,
                format!(
                    "header column {} is not valid UTF-8 text; save the file as UTF-8",
                    i + 1
                ),
            )
        })?;
        headers.push(text.trim().to_owned());
    }
    Ok(CsvFile {
        reader,
        delimiter,
        headers,
    })
}

/// Streams every data row into the sink. Returns the stored column names (profile fields, then
/// extra columns in file order).
pub(crate) fn read_rows<R: Read>(
    mut csv_file: CsvFile<R>,
    file: &str,
    profile: &MethodologyProfile,
    mapping: &[ColumnMapping],
    crs_given: bool,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(&Sink<'_>) -> bool,
) -> Result<Vec<String>, AppError> {
    let headers = csv_file.headers.clone();
    let Layout {
        field_cols,
        coord_cols,
        extras,
    } = match layout::resolve(&headers, mapping, profile, crs_given) {
        Ok(layout) => layout,
        Err(problems) => {
            for p in problems {
                sink.problem(ImportProblem::file_level(file, p));
            }
            return Ok(Vec::new());
        }
    };
    let (x_col, y_col) = coord_cols.expect("resolve returns coordinates when it succeeds");
    sink.set_names(
        field_cols
            .iter()
            .zip(&profile.fields)
            .map(|(c, f)| c.map_or_else(|| f.name.clone(), |c| headers[c].clone()))
            .collect(),
        (headers[x_col].clone(), headers[y_col].clone()),
    );
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match csv_file.reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let problem = match CsvRefusal::of(&e) {
                    // The guard counts records from the header (0), so its count is the row.
                    Some(refusal) => ImportProblem::at(
                        file,
                        refusal.record().max(row + 1),
                        refusal
                            .field()
                            .and_then(|f| headers.get(f))
                            .map(String::as_str),
                        None,
                        refusal.to_string(),
                    ),
                    None => {
                        ImportProblem::at(file, row + 1, None, None, format!("unreadable CSV: {e}"))
                    }
                };
                sink.problem(problem);
                break;
            }
        }
        row += 1;
        if record.len() != headers.len() {
            let rule = format!(
                "has {} field(s) but the header has {} (is the file cut short, or the delimiter not {} throughout?)",
                record.len(),
                headers.len(),
                delimiter_name(csv_file.delimiter)
            );
            sink.problem(ImportProblem::at(file, row, None, None, rule));
            continue;
        }
        let mut texts: Vec<&str> = Vec::with_capacity(headers.len());
        let mut utf8_ok = true;
        for (i, bytes) in record.iter().enumerate() {
            match std::str::from_utf8(bytes) {
                Ok(t) => texts.push(t),
                Err(e) => {
                    let rule = format!(
                        "not valid UTF-8 text (bad byte at offset {}); save the file as UTF-8",
                        e.valid_up_to()
                    );
                    sink.problem(ImportProblem::at(
                        file,
                        row,
                        Some(&headers[i]),
                        Some(&String::from_utf8_lossy(bytes)),
                        rule,
                    ));
                    utf8_ok = false;
                    texts.push("");
                }
            }
        }
        if !utf8_ok {
            continue;
        }
        let fields: Vec<Option<&str>> = field_cols.iter().map(|c| c.map(|c| texts[c])).collect();
        let extra_values: Vec<(usize, &str)> = extras
            .iter()
            .enumerate()
            .map(|(slot, (c, _))| (slot, texts[*c].trim()))
            .collect();
        sink.accept(
            row,
            &fields,
            &extra_values,
            Coords::Text {
                x: texts[x_col],
                y: texts[y_col],
            },
            None,
        )?;
        if row.is_multiple_of(16_384) && !progress(sink) {
            return Err(AppError::Cancelled);
        }
    }
    Ok(profile
        .fields
        .iter()
        .map(|f| f.name.clone())
        .chain(extras.into_iter().map(|(_, n)| n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_the_most_frequent_outside_quotes() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2,5;3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d"), b',');
        assert_eq!(detect_delimiter(b"single"), b',');
    }
}

//! Bounds on what one CSV record may hold, enforced on the bytes before the `csv` crate buffers
//! them, so memory follows what the file really holds and a cut file is refused.
//!
//! [`CsvGuard`] sits between the source and the CSV parser and follows the same quoting rules
//! (RFC 4180 as the `csv` crate reads it: a quote opens a quoted field only at the start of a
//! field, `""` inside one is a quote). It refuses, as an I/O error carrying a [`CsvRefusal`], a
//! record longer than [`MAX_RECORD_BYTES`], a field longer than [`MAX_FIELD_BYTES`], a record
//! with more than [`MAX_COLUMNS`] fields, and a quoted field still open at the end of the file
//! (the file was cut inside its last field, which the parser would otherwise accept shortened).

use std::io::Read;

/// The longest record (header or row, quoted line breaks included) accepted, in bytes.
pub(crate) const MAX_RECORD_BYTES: u64 = 4 << 20;
/// The longest field accepted, in bytes.
pub(crate) const MAX_FIELD_BYTES: u64 = 64 << 10;
/// The most fields a record may have.
pub(crate) const MAX_COLUMNS: usize = 16_384;

/// Why the guard stopped reading. `record` counts records from 0 (the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvRefusal {
    RecordTooLong { record: u64 },
    FieldTooLong { record: u64, field: usize },
    TooManyFields { record: u64 },
    UnterminatedQuote { record: u64 },
}

impl CsvRefusal {
    pub(crate) fn record(&self) -> u64 {
        match *self {
            CsvRefusal::RecordTooLong { record }
            | CsvRefusal::FieldTooLong { record, .. }
            | CsvRefusal::TooManyFields { record }
            | CsvRefusal::UnterminatedQuote { record } => record,
        }
    }

    /// The 0-based field the refusal is about, if one.
    pub(crate) fn field(&self) -> Option<usize> {
        match *self {
            CsvRefusal::FieldTooLong { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The refusal carried by a `csv` error, if that is what stopped it.
    pub(crate) fn of(error: &csv::Error) -> Option<&CsvRefusal> {
        match error.kind() {
            csv::ErrorKind::Io(e) => e.get_ref()?.downcast_ref::<CsvRefusal>(),
            _ => None,
        }
    }
}

impl std::fmt::Display for CsvRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CsvRefusal::RecordTooLong { .. } => write!(
                f,
                "the record is longer than {MAX_RECORD_BYTES} bytes (is this a CSV file? is a quote left open?)"
            ),
            CsvRefusal::FieldTooLong { .. } => {
                write!(f, "the value is longer than {MAX_FIELD_BYTES} bytes")
            }
            CsvRefusal::TooManyFields { .. } => {
                write!(f, "the record has more than {MAX_COLUMNS} fields")
            }
            CsvRefusal::UnterminatedQuote { .. } => write!(
                f,
                "a quoted value is never closed: the file ends inside it (is the file cut short?)"
            ),
        }
    }
}

impl std::error::Error for CsvRefusal {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (after a delimiter, a line break or at the start of the file).
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: its end, or the first half of `""`.
    QuoteInQuoted,
}

/// Wraps the CSV source; see the module comment.
pub(crate) struct CsvGuard<R> {
    inner: R,
    delimiter: u8,
    state: State,
    record: u64,
    record_bytes: u64,
    field: usize,
    field_bytes: u64,
}

impl<R: Read> CsvGuard<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> CsvGuard<R> {
        CsvGuard {
            inner,
            delimiter,
            state: State::FieldStart,
            record: 0,
            record_bytes: 0,
            field: 0,
            field_bytes: 0,
        }
    }

    fn scan(&mut self, bytes: &[u8]) -> Result<(), CsvRefusal> {
        for &b in bytes {
            let line_break = b == b'\n' || b == b'\r';
            let quoted =
                self.state == State::Quoted || (self.state == State::QuoteInQuoted && b == b'"');
            if line_break && !quoted {
                // A record ends; blank lines are skipped by the parser and not counted.
                if self.record_bytes > 0 {
                    self.record += 1;
                }
                (self.state, self.record_bytes, self.field, self.field_bytes) =
                    (State::FieldStart, 0, 0, 0);
                continue;
            }
            self.record_bytes += 1;
            if b == self.delimiter && !quoted {
                self.state = State::FieldStart;
                self.field += 1;
                self.field_bytes = 0;
                if self.field >= MAX_COLUMNS {
                    return Err(CsvRefusal::TooManyFields {
                        record: self.record,
                    });
                }
            } else {
                self.field_bytes += 1;
                self.state = match (self.state, b) {
                    (State::FieldStart, b'"') => State::Quoted,
                    (State::Quoted, b'"') => State::QuoteInQuoted,
                    (State::QuoteInQuoted, b'"') => State::Quoted,
                    (State::Quoted, _) => State::Quoted,
                    _ => State::Unquoted,
                };
            }
            if self.record_bytes > MAX_RECORD_BYTES {
                return Err(CsvRefusal::RecordTooLong {
                    record: self.record,
                });
            }
            if self.field_bytes > MAX_FIELD_BYTES {
                return Err(CsvRefusal::FieldTooLong {
                    record: self.record,
                    field: self.field,
                });
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.state == State::Quoted {
            let refusal = CsvRefusal::UnterminatedQuote {
                record: self.record,
            };
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                refusal,
            ));
        }
        self.scan(&buf[..n])
            .map_err(|r| std::io::Error::new(std::io::ErrorKind::InvalidData, r))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Result<(), CsvRefusal> {
        let mut guard = CsvGuard::new(bytes, b',');
        let mut sink = Vec::new();
        match guard.read_to_end(&mut sink) {
            Ok(_) => Ok(()),
            Err(e) => Err(e
                .get_ref()
                .and_then(|i| i.downcast_ref::<CsvRefusal>())
                .expect("a refusal")
                .clone()),
        }
    }

    #[test]
    fn quotes_follow_the_parsers_rules() {
        assert_eq!(read_all(b"a,b\n\"x\ny\",\"say \"\"hi\"\"\"\n"), Ok(()));
        // A quote inside an unquoted field is a plain character.
        assert_eq!(read_all(b"a,b\nfive 5\"3,x\n"), Ok(()));
        assert_eq!(
            read_all(b"a,b\n1,2\n3,\"cut inside"),
            Err(CsvRefusal::UnterminatedQuote { record: 2 })
        );
        // A closed quote at the end of the file without a line break is complete.
        assert_eq!(read_all(b"a,b\n1,\"2\""), Ok(()));
    }

    #[test]
    fn long_fields_records_and_wide_records_are_refused_with_their_place() {
        let mut long = b"a,b\n1,".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES as usize + 1));
        assert_eq!(
            read_all(&long),
            Err(CsvRefusal::FieldTooLong {
                record: 1,
                field: 1
            })
        );
        let wide = ",".repeat(MAX_COLUMNS);
        assert_eq!(
            read_all(wide.as_bytes()),
            Err(CsvRefusal::TooManyFields { record: 0 })
        );
        let mut many_fields = b"a\n".to_vec();
        let field = format!("{},", "x".repeat(1000));
        many_fields.extend(field.repeat(MAX_RECORD_BYTES as usize / 1000).as_bytes());
        assert_eq!(
            read_all(&many_fields),
            Err(CsvRefusal::RecordTooLong { record: 1 })
        );
    }
}

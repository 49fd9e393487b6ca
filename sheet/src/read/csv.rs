//! CSV (RFC 4180, ragged rows allowed): line 1 the headers, line 2 the field
//! codes with the marker `#qibao:<kind>:v<version>` in the cell after the
//! last code, data from line 3. Records are streamed and counted; a record
//! is the row the clerk sees in Excel (a quoted cell may span lines).

use std::borrow::Cow;

use super::{
    Builder, Format, Limits, Marker, Sheet, check_codes, check_headers, check_identity,
    extra_columns_notice,
};
use crate::cell::{self, Raw};
use crate::refusal::Refusal;
use crate::template::TemplateKind;

/// Prefix of the marker cell in line 2.
pub const CSV_MARKER_PREFIX: &str = "#qibao:";

/// The marker cell for a kind, e.g. `#qibao:enrolment:v1`.
pub fn csv_marker(kind: TemplateKind) -> String {
    format!("{CSV_MARKER_PREFIX}{}:v{}", kind.code(), kind.version())
}

fn parse_marker(cell: &str) -> Option<Marker> {
    let rest = cell.trim().strip_prefix(CSV_MARKER_PREFIX)?;
    let (kind, version) = match rest.rsplit_once(':') {
        Some((k, v)) => (k, v.trim().trim_start_matches(['v', 'V']).parse().ok()),
        None => (rest, None),
    };
    Some(Marker {
        kind: kind.trim().to_string(),
        version,
    })
}

pub(crate) fn read_csv(
    kind: TemplateKind,
    text: &str,
    limits: &Limits,
    allow_empty: bool,
) -> Result<Sheet, Refusal> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    check_row_count(text, limits)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Rows::new(text);

    if !rows.next(&mut reader, &mut record)? {
        return Err(Refusal::Empty);
    }
    check_width(&record, limits, rows.row)?;
    let headers: Vec<String> = record.iter().map(unquote_formula).collect();

    let mut codes: Vec<String> = Vec::new();
    if rows.next(&mut reader, &mut record)? {
        check_width(&record, limits, rows.row)?;
        codes = record.iter().map(unquote_formula).collect();
    }
    let marker = codes.iter().find_map(|c| parse_marker(c));
    let version = check_identity(kind, marker)?;
    let has_error_column = check_headers(kind, &headers)?;
    let codes: Vec<String> = codes
        .into_iter()
        .map(|c| {
            if c.trim().starts_with(CSV_MARKER_PREFIX) {
                String::new()
            } else {
                c
            }
        })
        .collect();
    check_codes(kind, &codes)?;

    let sheet_name = kind.label_zh().to_string();
    let mut builder = Builder::new(kind, Format::Csv, sheet_name, limits);
    let ncols = kind.columns().len();
    let mut extra_column: Option<usize> = None;
    while rows.next(&mut reader, &mut record)? {
        check_width(&record, limits, rows.row)?;
        let mut cells = Vec::with_capacity(ncols);
        for (i, field) in record.iter().enumerate() {
            if i < ncols {
                let value = match unquote_formula_ref(field) {
                    Some(inner) => inner,
                    None => field,
                };
                cells.push((i, Raw::Text(Cow::Borrowed(value))));
            } else if !(cell::is_blank_text(field) || i == ncols && has_error_column) {
                extra_column = Some(extra_column.map_or(i, |c| c.min(i)));
            }
        }
        builder.push_row(rows.row, cells, Vec::new())?;
    }
    let mut notices = Vec::new();
    if let Some(first) = extra_column {
        notices.push(extra_columns_notice(first));
    }
    builder.finish(Some(version), notices, allow_empty)
}

/// Tracks the spreadsheet row of each record: 1 + the line breaks before
/// the record's first byte − the line breaks inside quoted cells of earlier
/// records. (The csv crate skips blank lines; its own line count and start
/// offsets do not match spreadsheet rows with CRLF endings: the offset it
/// reports may sit before the rest of a CRLF and before skipped blank lines,
/// so the true start is found by skipping CR/LF bytes from it.)
struct Rows<'t> {
    text: &'t [u8],
    /// Spreadsheet row (1-based) of the current record.
    row: u32,
    /// True start byte of the current record.
    start: usize,
    /// Line breaks in `text[..start]`.
    breaks: u64,
    /// Line breaks inside quoted cells of the records read so far.
    quoted: u64,
}

impl<'t> Rows<'t> {
    fn new(text: &'t str) -> Rows<'t> {
        Rows {
            text: text.as_bytes(),
            row: 0,
            start: 0,
            breaks: 0,
            quoted: 0,
        }
    }

    fn next(
        &mut self,
        reader: &mut csv::Reader<&[u8]>,
        record: &mut csv::StringRecord,
    ) -> Result<bool, Refusal> {
        if !reader
            .read_record(record)
            .map_err(|_| Refusal::NotAWorkbook)?
        {
            return Ok(false);
        }
        let reported = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.start)
            .clamp(self.start, self.text.len());
        let skip = self.text[reported..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let start = reported + skip;
        self.breaks += newlines(&self.text[self.start..start]);
        self.start = start;
        let row = (self.breaks + 1).saturating_sub(self.quoted);
        self.row = u32::try_from(row).unwrap_or(u32::MAX);
        self.quoted += record.iter().map(|f| newlines(f.as_bytes())).sum::<u64>();
        Ok(true)
    }
}

/// Counts the non-blank records first, keeping none (one reused buffer):
/// a file over the row limit is refused before any row is built, so its
/// size, not its rows, bounds the memory it takes.
fn check_row_count(text: &str, limits: &Limits) -> Result<(), Refusal> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    // The header and code lines are not data rows.
    let allowed = limits.max_rows.saturating_add(2);
    let mut count = 0usize;
    while reader
        .read_byte_record(&mut record)
        .map_err(|_| Refusal::NotAWorkbook)?
    {
        if record.iter().any(|f| !f.trim_ascii().is_empty()) {
            count += 1;
            if count > allowed {
                return Err(Refusal::TooManyRows {
                    max: limits.max_rows,
                });
            }
        }
    }
    Ok(())
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

/// Refuses a record whose last non-empty cell is past the column limit.
fn check_width(record: &csv::StringRecord, limits: &Limits, row: u32) -> Result<(), Refusal> {
    if record.len() <= limits.max_columns {
        return Ok(());
    }
    let used = (0..record.len())
        .rev()
        .find(|&i| record.get(i).is_some_and(|f| !cell::is_blank_text(f)))
        .map_or(0, |i| i + 1);
    if used > limits.max_columns {
        return Err(Refusal::TooManyColumns {
            max: limits.max_columns,
            row,
        });
    }
    Ok(())
}

/// Excel's `="00123"` trick (a formula yielding text, to keep leading zeros
/// and long numbers): the inner text.
fn unquote_formula_ref(field: &str) -> Option<&str> {
    field
        .trim()
        .strip_prefix("=\"")
        .and_then(|s| s.strip_suffix('"'))
}

fn unquote_formula(field: &str) -> String {
    unquote_formula_ref(field).unwrap_or(field).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(csv_marker(TemplateKind::Enrolment), "#qibao:enrolment:v1");
        assert_eq!(
            parse_marker(" #qibao:wage_declaration:v0 "),
            Some(Marker {
                kind: "wage_declaration".into(),
                version: Some(0)
            })
        );
        assert_eq!(parse_marker("AAC001"), None);
        assert_eq!(
            parse_marker("#qibao:suspension"),
            Some(Marker {
                kind: "suspension".into(),
                version: None
            })
        );
    }

    fn rows_of(text: &str) -> Vec<(u32, String)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut rows = Rows::new(text);
        let mut out = Vec::new();
        while rows.next(&mut reader, &mut record).unwrap() {
            out.push((rows.row, record.get(0).unwrap_or("").to_string()));
        }
        out
    }

    #[test]
    fn records_are_numbered_as_spreadsheet_rows() {
        let want: Vec<(u32, String)> = [(1, "a"), (2, "1"), (4, "3"), (5, ""), (6, "5")]
            .iter()
            .map(|(r, s)| (*r, s.to_string()))
            .collect();
        for eol in ["\n", "\r\n"] {
            let text = ["a,b", "1,\"x\ny\"", "", "3,4", ",", "5,6", ""].join(eol);
            assert_eq!(rows_of(&text), want, "{eol:?}");
            let quoted_crlf = text.replace("x\ny", "x\r\ny\r\nz");
            assert_eq!(rows_of(&quoted_crlf), want, "{eol:?}");
        }
        assert_eq!(rows_of("\n\na\n")[0].0, 3);
        assert_eq!(rows_of("a\n\"b\"")[1].0, 2);
    }

    #[test]
    fn formula_trick() {
        assert_eq!(
            unquote_formula_ref("=\"420102199001011236\""),
            Some("420102199001011236")
        );
        assert_eq!(unquote_formula_ref("420102199001011236"), None);
    }
}

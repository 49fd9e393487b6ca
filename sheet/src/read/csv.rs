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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Rows::default();

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
            } else if !(i == ncols && has_error_column) && !cell::is_blank_text(field) {
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

/// Tracks the spreadsheet row of each record: one more than the previous
/// record's, plus any blank lines the CSV reader skipped between them.
#[derive(Default)]
struct Rows {
    /// Spreadsheet row (1-based) of the current record.
    row: u32,
    /// Text line (1-based) on which the previous record ended.
    last_line: u64,
}

impl Rows {
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
        let start = record.position().map_or(self.last_line + 1, |p| p.line());
        let skipped = start.saturating_sub(self.last_line + 1);
        let inner_lines: u64 = record
            .iter()
            .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
            .sum();
        self.last_line = start + inner_lines;
        let step = u32::try_from(skipped.saturating_add(1)).unwrap_or(u32::MAX);
        self.row = self.row.saturating_add(step);
        Ok(true)
    }
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

    #[test]
    fn formula_trick() {
        assert_eq!(
            unquote_formula_ref("=\"420102199001011236\""),
            Some("420102199001011236")
        );
        assert_eq!(unquote_formula_ref("420102199001011236"), None);
    }
}

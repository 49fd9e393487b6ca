//! Reading an upload: size, content sniffing, template identity, then rows of
//! normalised text with per-cell problems.
//!
//! The steps, in order (the first that fails refuses the file):
//! 1. size (`Limits::max_bytes`);
//! 2. a declared macro-enabled type (`.xlsm`, the macro-enabled content type);
//! 3. the content: `PK\x03\x04` is a zip (XLSX), `D0 CF 11 E0 …` an OLE
//!    compound file (an encrypted XLSX or a legacy .xls), text is CSV (or JSON
//!    when declared so); a declared type that contradicts the content is
//!    refused;
//! 4. for XLSX, the archive is inspected before calamine opens it (sizes,
//!    ratios, macro parts);
//! 5. the template marker (kind and version), headers and the code row;
//! 6. the rows, streamed and counted.

pub(crate) mod csv;
mod json;
mod sniff;
pub(crate) mod xlsx;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cell::{self, Issue, Raw};
use crate::refusal::{Mismatch, Refusal};
use crate::template::TemplateKind;

pub use json::read_json;

/// The name of the (very hidden) sheet that carries the template identity.
pub const MARKER_SHEET: &str = "_qibao";
/// The name of the guidance sheet of a template.
pub const GUIDE_SHEET: &str = "填写说明";
/// The header of the error column the report adds (accepted, and ignored,
/// when a corrected report is uploaded again).
pub const ERROR_HEADER: &str = "错误信息";
/// Spreadsheet row (1-based) of the first data row in XLSX and CSV files.
pub const FIRST_DATA_ROW: u32 = 3;

/// Bounds on what an upload may cost to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest upload in bytes.
    pub max_bytes: usize,
    /// Most non-blank data rows.
    pub max_rows: usize,
    /// Most columns a row may use (any non-empty cell further right refuses the file).
    pub max_columns: usize,
    /// Largest sum of the declared uncompressed sizes of an XLSX's parts.
    pub max_uncompressed_bytes: u64,
    /// Largest uncompressed/compressed ratio of a part over 1 MiB.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 20 MiB, 100,000 rows, 64 columns, 256 MiB uncompressed, ratio 200.
    fn default() -> Limits {
        Limits {
            max_bytes: 20 * 1024 * 1024,
            max_rows: 100_000,
            max_columns: 64,
            max_uncompressed_bytes: 256 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// The format a sheet was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

/// An uploaded file as the HTTP layer received it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub bytes: &'a [u8],
    /// The client's file name, if it sent one (only its extension is used).
    pub file_name: Option<&'a str>,
    /// The part's declared content type, if any.
    pub content_type: Option<&'a str>,
}

/// What was read from an accepted file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sheet {
    pub kind: TemplateKind,
    pub format: Format,
    /// The data sheet's name (for CSV and JSON: the template's label).
    pub sheet_name: String,
    /// The template version of the file; `None` for JSON.
    pub template_version: Option<u32>,
    /// Non-blank data rows, in file order.
    pub rows: Vec<Row>,
    /// Cell-level problems found while reading.
    pub problems: Vec<Problem>,
    /// Chinese notices about what was not read (hidden or extra sheets …).
    pub notices: Vec<String>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The spreadsheet row number the user sees (1-based, header rows
    /// included: the first data row is 3); for JSON the 1-based index in
    /// the array.
    pub number: u32,
    /// Normalised text by column key; only non-empty, accepted cells.
    pub values: BTreeMap<&'static str, String>,
}

/// One problem with a cell or a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub sheet: String,
    pub row: u32,
    /// The column letter (`"B"`) for XLSX/CSV, the key for JSON.
    pub column: Option<String>,
    /// The column key.
    pub field: Option<String>,
    /// SCREAMING_SNAKE code, e.g. `DATE_INVALID`.
    pub code: String,
    /// Chinese message naming the header.
    pub message: String,
}

impl Problem {
    /// A problem on a row (and optionally a field) in the same shape as the
    /// ones this crate finds: `column` is the template column's letter for
    /// XLSX/CSV, the key for JSON.
    pub fn new(
        sheet: impl Into<String>,
        row: u32,
        field: Option<&str>,
        kind: TemplateKind,
        format: Format,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        let column = field.and_then(|f| match format {
            Format::Json => Some(f.to_string()),
            Format::Xlsx | Format::Csv => kind.column_index(f).map(column_letter),
        });
        Problem {
            sheet: sheet.into(),
            row,
            column,
            field: field.map(str::to_string),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// `0 → "A"`, `25 → "Z"`, `26 → "AA"`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Reads an uploaded XLSX or CSV (or JSON, when declared as such) made from
/// the template of `kind`. A file without data rows is refused
/// (`Refusal::Empty`).
pub fn read(kind: TemplateKind, upload: &Upload<'_>, limits: &Limits) -> Result<Sheet, Refusal> {
    read_file(kind, upload, limits, false)
}

/// Like [`read`], but a file without data rows (e.g. a blank template) is
/// accepted with zero rows: for checking a template or a file before it is
/// filled.
pub fn read_allowing_empty(
    kind: TemplateKind,
    upload: &Upload<'_>,
    limits: &Limits,
) -> Result<Sheet, Refusal> {
    read_file(kind, upload, limits, true)
}

fn read_file(
    kind: TemplateKind,
    upload: &Upload<'_>,
    limits: &Limits,
    allow_empty: bool,
) -> Result<Sheet, Refusal> {
    let bytes = upload.bytes;
    if bytes.len() > limits.max_bytes {
        return Err(Refusal::TooLarge {
            actual: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let declared = sniff::declared(upload);
    if declared.iter().any(|d| d.kind == sniff::Claim::Macro) {
        return Err(Refusal::MacroEnabled);
    }
    let (content, text) = sniff::sniff(bytes);
    match (content, text) {
        (sniff::Content::Cfb, _) => Err(if sniff::is_encrypted_package(bytes) {
            Refusal::Encrypted
        } else {
            Refusal::LegacyXls
        }),
        (sniff::Content::Zip, _) => {
            sniff::check_claims(&declared, content)?;
            xlsx::read_xlsx(kind, bytes, limits, allow_empty)
        }
        (sniff::Content::Text, Some(text)) => {
            sniff::check_claims(&declared, content)?;
            if declared.iter().any(|d| d.kind == sniff::Claim::Json) {
                let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    Refusal::BadJson(format!(
                        "JSON 格式错误（第{}行第{}列）：{e}",
                        e.line(),
                        e.column()
                    ))
                })?;
                json::read_json_value(kind, &value, limits, allow_empty)
            } else {
                csv::read_csv(kind, &text, limits, allow_empty)
            }
        }
        _ => Err(Refusal::NotAWorkbook),
    }
}

// ---------------------------------------------------------------------------
// Shared by the formats
// ---------------------------------------------------------------------------

/// The identity a file claims: template kind code and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub kind: String,
    pub version: Option<u32>,
}

/// Checks the marker against the expected kind; returns the file's version.
pub(crate) fn check_identity(kind: TemplateKind, marker: Option<Marker>) -> Result<u32, Refusal> {
    let wrong = |reason| Refusal::WrongTemplate {
        expected: kind,
        reason,
    };
    let Some(marker) = marker else {
        return Err(wrong(Mismatch::NotFromSystem));
    };
    let Some(found) = TemplateKind::parse(&marker.kind) else {
        return Err(wrong(Mismatch::NotFromSystem));
    };
    if found != kind {
        return Err(wrong(Mismatch::OtherTemplate {
            found,
            expected: kind,
        }));
    }
    let Some(version) = marker.version else {
        return Err(wrong(Mismatch::NotFromSystem));
    };
    if version < kind.version() {
        return Err(Refusal::TemplateOutdated {
            kind,
            found: version,
        });
    }
    if version > kind.version() {
        return Err(wrong(Mismatch::UnknownVersion(version)));
    }
    Ok(version)
}

/// Checks row 1 against the template's headers (ignoring spaces and `*`).
/// Returns whether the file has the report's error column after the
/// template's columns.
pub(crate) fn check_headers(kind: TemplateKind, headers: &[String]) -> Result<bool, Refusal> {
    let wrong = |reason| Refusal::WrongTemplate {
        expected: kind,
        reason,
    };
    let columns = kind.columns();
    for (i, col) in columns.iter().enumerate() {
        let found = headers
            .get(i)
            .map(|h| cell::normalise(h))
            .unwrap_or_default();
        if found.is_empty() {
            return Err(wrong(Mismatch::MissingHeader {
                column: column_letter(i),
                expected: col.header_zh.to_string(),
            }));
        }
        if cell::header_key(&found) != cell::header_key(col.header_zh) {
            return Err(wrong(Mismatch::UnexpectedHeader {
                column: column_letter(i),
                found,
                expected: col.header_zh.to_string(),
            }));
        }
    }
    let mut has_error_column = false;
    for (i, h) in headers.iter().enumerate().skip(columns.len()) {
        let found = cell::normalise(h);
        if found.is_empty() {
            continue;
        }
        if i == columns.len() && cell::header_key(&found) == ERROR_HEADER {
            has_error_column = true;
            continue;
        }
        return Err(wrong(Mismatch::ExtraHeader {
            column: column_letter(i),
            found,
        }));
    }
    Ok(has_error_column)
}

/// Checks the field-code row (row 2): each template column is blank or its code.
pub(crate) fn check_codes(kind: TemplateKind, codes: &[String]) -> Result<(), Refusal> {
    for (i, col) in kind.columns().iter().enumerate() {
        let found = codes.get(i).map(|c| cell::normalise(c)).unwrap_or_default();
        if !found.is_empty() && !found.eq_ignore_ascii_case(col.code) {
            return Err(Refusal::WrongTemplate {
                expected: kind,
                reason: Mismatch::CodeRowChanged {
                    column: column_letter(i),
                },
            });
        }
    }
    Ok(())
}

/// Collects rows and problems, counting rows against the limit.
pub(crate) struct Builder {
    kind: TemplateKind,
    format: Format,
    sheet_name: String,
    max_rows: usize,
    rows: Vec<Row>,
    problems: Vec<Problem>,
}

impl Builder {
    pub(crate) fn new(
        kind: TemplateKind,
        format: Format,
        sheet_name: String,
        limits: &Limits,
    ) -> Builder {
        Builder {
            kind,
            format,
            sheet_name,
            max_rows: limits.max_rows,
            rows: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds a row from its cells by template column index (later cells of the
    /// same column win; columns not given are empty). `extra` are problems
    /// already found on the row (JSON's unknown keys); a row with none and
    /// only empty cells is skipped.
    pub(crate) fn push_row(
        &mut self,
        number: u32,
        cells: Vec<(usize, Raw<'_>)>,
        extra: Vec<Problem>,
    ) -> Result<(), Refusal> {
        let columns = self.kind.columns();
        let mut raw: Vec<Raw<'_>> = vec![Raw::Empty; columns.len()];
        for (i, r) in cells {
            if let Some(slot) = raw.get_mut(i) {
                *slot = r;
            }
        }
        let converted: Vec<Result<Option<String>, Issue>> = columns
            .iter()
            .zip(raw)
            .map(|(col, r)| cell::convert(col, r))
            .collect();
        if extra.is_empty() && converted.iter().all(|c| matches!(c, Ok(None))) {
            return Ok(());
        }
        if self.rows.len() >= self.max_rows {
            return Err(Refusal::TooManyRows { max: self.max_rows });
        }
        let mut values = BTreeMap::new();
        for (col, result) in columns.iter().zip(converted) {
            match result {
                Ok(Some(v)) => {
                    values.insert(col.key, v);
                }
                Ok(None) if col.required => self.problem(
                    number,
                    col.key,
                    "REQUIRED",
                    format!("“{}”为必填项，不能为空", col.header_zh),
                ),
                Ok(None) => {}
                Err(issue) => self.problem(number, col.key, issue.code, issue.message),
            }
        }
        self.problems.extend(extra);
        self.rows.push(Row { number, values });
        Ok(())
    }

    fn problem(&mut self, row: u32, key: &str, code: &str, message: String) {
        self.problems.push(Problem::new(
            self.sheet_name.as_str(),
            row,
            Some(key),
            self.kind,
            self.format,
            code,
            message,
        ));
    }

    pub(crate) fn sheet_name(&self) -> &str {
        &self.sheet_name
    }

    pub(crate) fn finish(
        self,
        template_version: Option<u32>,
        notices: Vec<String>,
        allow_empty: bool,
    ) -> Result<Sheet, Refusal> {
        if self.rows.is_empty() && !allow_empty {
            return Err(Refusal::Empty);
        }
        Ok(Sheet {
            kind: self.kind,
            format: self.format,
            sheet_name: self.sheet_name,
            template_version,
            rows: self.rows,
            problems: self.problems,
            notices,
        })
    }
}

/// The notice for content right of the template's columns.
pub(crate) fn extra_columns_notice(first: usize) -> String {
    format!(
        "第{}列及其右侧不是模板的列，其中的内容未读取",
        column_letter(first)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn problem_new_fills_the_column() {
        let p = Problem::new(
            "职工停保",
            7,
            Some("stop_date"),
            TemplateKind::Suspension,
            Format::Xlsx,
            "STOP_BEFORE_START",
            "停保时间早于参保时间",
        );
        assert_eq!(p.column.as_deref(), Some("C"));
        assert_eq!(p.field.as_deref(), Some("stop_date"));
        let p = Problem::new(
            "x",
            1,
            Some("stop_date"),
            TemplateKind::Suspension,
            Format::Json,
            "X",
            "m",
        );
        assert_eq!(p.column.as_deref(), Some("stop_date"));
        let p = Problem::new(
            "x",
            1,
            None,
            TemplateKind::Suspension,
            Format::Csv,
            "X",
            "m",
        );
        assert_eq!(p.column, None);
    }

    #[test]
    fn identity() {
        let k = TemplateKind::Enrolment;
        let m = |kind: &str, version| {
            Some(Marker {
                kind: kind.into(),
                version,
            })
        };
        assert_eq!(check_identity(k, m("enrolment", Some(1))), Ok(1));
        assert_eq!(
            check_identity(k, m("enrolment", Some(0)))
                .unwrap_err()
                .code(),
            "IMPORT_TEMPLATE_OUTDATED"
        );
        assert!(matches!(
            check_identity(k, m("suspension", Some(1))),
            Err(Refusal::WrongTemplate {
                reason: Mismatch::OtherTemplate { .. },
                ..
            })
        ));
        assert!(matches!(
            check_identity(k, None),
            Err(Refusal::WrongTemplate {
                reason: Mismatch::NotFromSystem,
                ..
            })
        ));
        assert!(matches!(
            check_identity(k, m("enrolment", Some(9))),
            Err(Refusal::WrongTemplate {
                reason: Mismatch::UnknownVersion(9),
                ..
            })
        ));
    }

    #[test]
    fn headers() {
        let k = TemplateKind::Suspension;
        let mut h: Vec<String> = k
            .columns()
            .iter()
            .map(|c| format!(" *{} ", c.header_zh))
            .collect();
        assert_eq!(check_headers(k, &h), Ok(false));
        h.push("错误信息".into());
        assert_eq!(check_headers(k, &h), Ok(true));
        h.push("备注".into());
        let e = check_headers(k, &h).unwrap_err();
        assert!(e.to_string().contains("“备注”"), "{e}");
        h.truncate(2);
        let e = check_headers(k, &h).unwrap_err();
        assert!(e.to_string().contains("缺少表头“停保时间”"), "{e}");
        h[1] = "名字".into();
        let e = check_headers(k, &h).unwrap_err();
        assert!(e.to_string().contains("“名字”"), "{e}");
    }
}

//! XLSX: the archive is inspected with `zip` before calamine opens it, then
//! the data sheet is streamed cell by cell (calamine's cells reader), so
//! memory is bounded by the row limit, not by the sheet.
//!
//! Declared sizes are checked up front; while calamine reads, the `zip`
//! crate (9.x) refuses to inflate an entry past its declared size, and what
//! this module inflates itself goes through `Read::take`.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use zip::ZipArchive;

use super::{
    Builder, Format, GUIDE_SHEET, Limits, MARKER_SHEET, Marker, Sheet, check_codes, check_headers,
    check_identity, extra_columns_notice,
};
use crate::cell::{self, Raw};
use crate::refusal::{Mismatch, Refusal};
use crate::template::TemplateKind;

/// Entries larger than this are checked for their compression ratio.
const RATIO_CHECK_FLOOR: u64 = 1024 * 1024;
/// Most bytes of `[Content_Types].xml` read for the macro check.
const CONTENT_TYPES_CAP: u64 = 1024 * 1024;

/// Custom document properties that repeat the marker (a fallback when the
/// marker sheet is missing).
pub(crate) const PROPERTY_KIND: &str = "qibao_template";
pub(crate) const PROPERTY_VERSION: &str = "qibao_template_version";

pub(crate) fn read_xlsx(
    kind: TemplateKind,
    bytes: &[u8],
    limits: &Limits,
    allow_empty: bool,
) -> Result<Sheet, Refusal> {
    inspect_zip(bytes, limits)?;
    let mut wb: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes)).map_err(refusal)?;
    let sheets: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();

    let marker = if sheets.iter().any(|s| s.name == MARKER_SHEET) {
        read_marker_sheet(&mut wb)?
    } else {
        None
    };
    let marker = match marker {
        Some(m) => Some(m),
        None => marker_from_properties(&mut wb),
    };
    let version = check_identity(kind, marker)?;

    let Some(data) = sheets.iter().find(|s| {
        s.typ == SheetType::WorkSheet
            && s.visible == SheetVisible::Visible
            && s.name != GUIDE_SHEET
            && s.name != MARKER_SHEET
    }) else {
        return Err(Refusal::WrongTemplate {
            expected: kind,
            reason: Mismatch::MissingHeader {
                column: "A".into(),
                expected: kind.columns()[0].header_zh.to_string(),
            },
        });
    };
    let data_name = data.name.clone();
    let mut notices = sheet_notices(&sheets, &data_name);

    let mut builder = Builder::new(kind, Format::Xlsx, data_name.clone(), limits);
    let mut reader = wb.worksheet_cells_reader(&data_name).map_err(refusal)?;
    let mut rows = RowStream::new(kind);
    while let Some(c) = reader.next_cell().map_err(refusal)? {
        let (r, col) = c.get_position();
        let raw = raw_of(c.get_value());
        if is_blank(&raw) {
            continue;
        }
        if col as usize >= limits.max_columns {
            return Err(Refusal::TooManyColumns {
                max: limits.max_columns,
                row: r.saturating_add(1),
            });
        }
        if rows.current != Some(r) {
            rows.flush(&mut builder)?;
            rows.current = Some(r);
        }
        rows.cells.push((col as usize, raw));
    }
    rows.flush(&mut builder)?;
    if !rows.header_seen {
        check_headers(kind, &[])?;
    }
    if let Some(first) = rows.extra_column {
        notices.push(extra_columns_notice(first));
    }
    builder.finish(Some(version), notices, allow_empty)
}

/// Groups the streamed cells into rows and hands them on: row 1 to the
/// header check, row 2 to the code check, rows 3… to the builder.
struct RowStream<'a> {
    kind: TemplateKind,
    current: Option<u32>,
    cells: Vec<(usize, Raw<'a>)>,
    header_seen: bool,
    has_error_column: bool,
    extra_column: Option<usize>,
}

impl<'a> RowStream<'a> {
    fn new(kind: TemplateKind) -> RowStream<'a> {
        RowStream {
            kind,
            current: None,
            cells: Vec::new(),
            header_seen: false,
            has_error_column: false,
            extra_column: None,
        }
    }

    fn flush(&mut self, builder: &mut Builder) -> Result<(), Refusal> {
        let Some(r) = self.current.take() else {
            return Ok(());
        };
        let cells = std::mem::take(&mut self.cells);
        let ncols = self.kind.columns().len();
        match r {
            0 => {
                self.has_error_column = check_headers(self.kind, &texts(&cells))?;
                self.header_seen = true;
            }
            _ if !self.header_seen => {
                check_headers(self.kind, &[])?;
            }
            1 => check_codes(self.kind, &texts(&cells))?,
            _ => {
                let mut row = Vec::with_capacity(ncols);
                for (col, raw) in cells {
                    if col < ncols {
                        row.push((col, raw));
                    } else if !(col == ncols && self.has_error_column) {
                        self.extra_column = Some(self.extra_column.map_or(col, |c| c.min(col)));
                    }
                }
                builder.push_row(r.saturating_add(1), row, Vec::new())?;
            }
        }
        Ok(())
    }
}

/// The cells of a header-like row as text, dense by column.
fn texts(cells: &[(usize, Raw<'_>)]) -> Vec<String> {
    let width = cells.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
    let mut out = vec![String::new(); width];
    for (c, raw) in cells {
        out[*c] = raw_text(raw);
    }
    out
}

fn raw_text(raw: &Raw<'_>) -> String {
    match raw {
        Raw::Text(t) => t.to_string(),
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => cell::format_float(*f),
        Raw::Bool(b) => b.to_string().to_uppercase(),
        Raw::Error(e) => e.clone(),
        Raw::Empty | Raw::DateTime { .. } | Raw::Duration(_) => String::new(),
    }
}

fn is_blank(raw: &Raw<'_>) -> bool {
    match raw {
        Raw::Empty => true,
        Raw::Text(t) => cell::is_blank_text(t),
        _ => false,
    }
}

fn raw_of<'a>(d: &DataRef<'a>) -> Raw<'a> {
    match d {
        DataRef::Int(i) => Raw::Int(*i),
        DataRef::Float(f) => Raw::Float(*f),
        DataRef::String(s) => Raw::Text(Cow::Owned(s.clone())),
        DataRef::SharedString(s) => Raw::Text(Cow::Borrowed(s)),
        DataRef::Bool(b) => Raw::Bool(*b),
        DataRef::DateTime(dt) if dt.is_duration() => Raw::Duration(dt.as_f64()),
        DataRef::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            Raw::DateTime {
                y,
                m,
                d,
                hh,
                mm,
                ss,
                ms,
            }
        }
        DataRef::DateTimeIso(s) => Raw::Text(Cow::Owned(s.clone())),
        DataRef::DurationIso(_) => Raw::Duration(0.0),
        DataRef::Error(e) => Raw::Error(e.to_string()),
        DataRef::Empty => Raw::Empty,
    }
}

fn sheet_notices(sheets: &[calamine::Sheet], data: &str) -> Vec<String> {
    let mut notices = Vec::new();
    let mut unread = Vec::new();
    for s in sheets {
        if s.name == data || s.name == MARKER_SHEET {
            continue;
        }
        if s.visible != SheetVisible::Visible {
            notices.push(format!("已忽略隐藏工作表“{}”", s.name));
        } else if s.name != GUIDE_SHEET {
            unread.push(format!("“{}”", s.name));
        }
    }
    if !unread.is_empty() {
        notices.push(format!(
            "只读取了第一个工作表“{data}”，工作表{}未读取",
            unread.join("、")
        ));
    }
    notices
}

/// The marker sheet: `template | <kind code>` and `version | <n>` rows.
fn read_marker_sheet(wb: &mut Xlsx<Cursor<&[u8]>>) -> Result<Option<Marker>, Refusal> {
    let range = wb.worksheet_range(MARKER_SHEET).map_err(refusal)?;
    let mut kind = None;
    let mut version = None;
    for row in range.rows().take(16) {
        let key = row.first().map(data_text).unwrap_or_default();
        let value = row.get(1);
        match key.trim() {
            "template" => kind = value.map(data_text),
            "version" => version = value.and_then(data_version),
            _ => {}
        }
    }
    Ok(kind.map(|kind| Marker {
        kind: kind.trim().to_string(),
        version,
    }))
}

fn data_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => cell::format_float(*f),
        _ => String::new(),
    }
}

fn data_version(d: &Data) -> Option<u32> {
    match d {
        Data::Int(i) => u32::try_from(*i).ok(),
        Data::Float(f) => cell::exact_int(*f).and_then(|i| u32::try_from(i).ok()),
        Data::String(s) => s.trim().trim_start_matches(['v', 'V']).parse().ok(),
        _ => None,
    }
}

fn marker_from_properties(wb: &mut Xlsx<Cursor<&[u8]>>) -> Option<Marker> {
    let props = wb.workbook_properties().ok()?;
    let kind = props
        .custom_properties
        .get(PROPERTY_KIND)?
        .trim()
        .to_string();
    let version = props
        .custom_properties
        .get(PROPERTY_VERSION)
        .and_then(|v| v.trim().parse().ok());
    Some(Marker { kind, version })
}

/// Maps calamine's errors: a password is `Encrypted`; a part that inflates
/// past its declared size (the `zip` crate stops it) is `ZipBomb`; a broken
/// archive or stream `Truncated`; anything else `NotAWorkbook`.
fn refusal(e: XlsxError) -> Refusal {
    // The zip crate's and quick-xml's I/O errors arrive wrapped; their text
    // is the only stable thing to tell them apart by.
    let text = e.to_string();
    match e {
        XlsxError::Password => Refusal::Encrypted,
        _ if text.contains("declared uncompressed size") => Refusal::ZipBomb,
        XlsxError::Io(_) | XlsxError::Zip(_) | XlsxError::XmlEof(_) => Refusal::Truncated,
        XlsxError::Xml(_) if text.contains("I/O error") => Refusal::Truncated,
        _ => Refusal::NotAWorkbook,
    }
}

/// Checks the archive before anything inflates it: it opens, it is an
/// OOXML workbook, its declared sizes and ratios are sane, it has no macros.
fn inspect_zip(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let mut zip = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(_) => {
            let looks_like_xlsx = super::sniff::contains(bytes, b"[Content_Types].xml")
                || super::sniff::contains(bytes, b"xl/workbook.xml");
            return Err(if looks_like_xlsx {
                Refusal::Truncated
            } else {
                Refusal::NotAWorkbook
            });
        }
    };
    let mut total: u64 = 0;
    let mut has_content_types = false;
    let mut has_workbook = false;
    let mut has_vba = false;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| Refusal::Truncated)?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > RATIO_CHECK_FLOOR && size / compressed > limits.max_ratio {
            return Err(Refusal::ZipBomb);
        }
        let name = entry
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        match name.as_str() {
            "[content_types].xml" => has_content_types = true,
            "xl/workbook.xml" => has_workbook = true,
            _ => {}
        }
        if name.ends_with("vbaproject.bin") {
            has_vba = true;
        }
    }
    if total > limits.max_uncompressed_bytes {
        return Err(Refusal::ZipBomb);
    }
    if !has_content_types || !has_workbook {
        return Err(Refusal::NotAWorkbook);
    }
    if has_vba {
        return Err(Refusal::MacroEnabled);
    }
    let mut content_types = Vec::new();
    zip.by_name("[Content_Types].xml")
        .map_err(|_| Refusal::Truncated)?
        .take(CONTENT_TYPES_CAP)
        .read_to_end(&mut content_types)
        .map_err(|_| Refusal::Truncated)?;
    let lower = content_types.to_ascii_lowercase();
    if super::sniff::contains(&lower, b"macroenabled")
        || super::sniff::contains(&lower, b"vbaproject")
    {
        return Err(Refusal::MacroEnabled);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_hidden_and_extra_sheets() {
        let s = |name: &str, visible| calamine::Sheet {
            name: name.into(),
            typ: SheetType::WorkSheet,
            visible,
        };
        let sheets = vec![
            s("职工停保", SheetVisible::Visible),
            s(GUIDE_SHEET, SheetVisible::Visible),
            s("工资表", SheetVisible::Hidden),
            s("草稿", SheetVisible::Visible),
            s("旧数据", SheetVisible::Visible),
            s(MARKER_SHEET, SheetVisible::VeryHidden),
        ];
        let n = sheet_notices(&sheets, "职工停保");
        assert_eq!(
            n,
            vec![
                "已忽略隐藏工作表“工资表”".to_string(),
                "只读取了第一个工作表“职工停保”，工作表“草稿”、“旧数据”未读取".to_string(),
            ]
        );
    }
}

//! Writing the templates (XLSX and CSV) and the error report workbook.
//!
//! Every workbook written here has the template layout, so that any of them
//! (a blank template, a pre-filled one, a corrected error report) can be
//! uploaded again: the data sheet first (row 1 headers, row 2 the hidden
//! field codes, data from row 3), the 填写说明 sheet, and the very hidden
//! marker sheet `_qibao`.

use std::collections::BTreeMap;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError,
};
use thiserror::Error;

use crate::read::csv::csv_marker;
use crate::read::xlsx::{PROPERTY_KIND, PROPERTY_VERSION};
use crate::read::{ERROR_HEADER, FIRST_DATA_ROW, GUIDE_SHEET, MARKER_SHEET, Problem, Row, Sheet};
use crate::template::{CellKind, Column, TemplateKind};

/// Rows (0-based, inclusive) that carry the drop-down lists: rows 3..=100_002.
const VALIDATION_FIRST_ROW: u32 = FIRST_DATA_ROW - 1;
const VALIDATION_LAST_ROW: u32 = 100_001;

const LIGHT_RED: u32 = 0xFFC7CE;
const DARK_RED: u32 = 0x9C0006;
const REQUIRED_RED: u32 = 0xC00000;

/// A workbook could not be written (a bug, not the user's doing).
#[derive(Debug, Error)]
pub enum SheetError {
    #[error("生成表格文件失败：{0}")]
    Xlsx(#[from] XlsxError),
}

/// The XLSX template of `kind`: data sheet (headers with notes, hidden code
/// row, drop-downs, text/date column formats), 填写说明 with one example row,
/// and the very hidden marker sheet.
pub fn template_xlsx(kind: TemplateKind) -> Result<Vec<u8>, SheetError> {
    TemplateBook::new(kind)?.finish()
}

/// The XLSX template of `kind` pre-filled with rows from row 3 on, in the
/// given order (each row's `values` by column key; `number` is not used).
/// For example the unit's employees for a wage declaration.
pub fn template_xlsx_with_rows(kind: TemplateKind, rows: &[Row]) -> Result<Vec<u8>, SheetError> {
    let mut book = TemplateBook::new(kind)?;
    for (i, row) in rows.iter().enumerate() {
        let r = VALIDATION_FIRST_ROW.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        book.write_values(r, &row.values, &[])?;
    }
    book.finish()
}

/// The CSV template: UTF-8 with BOM; line 1 the headers (`*` marks the
/// required ones); line 2 the field codes followed by the marker cell
/// `#qibao:<kind>:v<version>`; no data rows. Lines end with CRLF.
pub fn template_csv(kind: TemplateKind) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice("\u{FEFF}".as_bytes());
    let headers: Vec<String> = kind.columns().iter().map(display_header).collect();
    let mut codes: Vec<String> = kind.columns().iter().map(|c| c.code.to_string()).collect();
    codes.push(csv_marker(kind));
    for line in [headers, codes] {
        let cells: Vec<String> = line.iter().map(|c| csv_cell(c)).collect();
        out.extend_from_slice(cells.join(",").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The error report: the rows that were read, as normalised, in template
/// layout at their own row numbers (JSON rows from row 3 on, by index), with
/// a last column 错误信息 listing each row's problems (one per line, each
/// prefixed by its header). Cells with a problem are filled light red; the
/// error column is red text. `problems` are all problems, this crate's and
/// the application's.
pub fn report_xlsx(
    kind: TemplateKind,
    sheet: &Sheet,
    problems: &[Problem],
) -> Result<Vec<u8>, SheetError> {
    let mut book = TemplateBook::new(kind)?;
    book.add_error_column()?;
    let to_sheet_row = |number: u32| -> u32 {
        match sheet.format {
            crate::read::Format::Json => number.saturating_add(FIRST_DATA_ROW - 1),
            crate::read::Format::Xlsx | crate::read::Format::Csv => number,
        }
    };
    let mut by_row: BTreeMap<u32, Vec<&Problem>> = BTreeMap::new();
    for p in problems {
        by_row.entry(to_sheet_row(p.row)).or_default().push(p);
    }
    let empty = BTreeMap::new();
    let mut rows: BTreeMap<u32, &BTreeMap<&'static str, String>> = BTreeMap::new();
    for row in &sheet.rows {
        rows.insert(to_sheet_row(row.number), &row.values);
    }
    for number in by_row.keys() {
        rows.entry(*number).or_insert(&empty);
    }
    for (number, values) in rows {
        if number < FIRST_DATA_ROW {
            continue;
        }
        let problems: &[&Problem] = by_row.get(&number).map_or(&[], Vec::as_slice);
        book.write_values(number - 1, values, problems)?;
    }
    book.finish()
}

/// The header as shown: `*` before a required column's name.
fn display_header(c: &Column) -> String {
    if c.required {
        format!("*{}", c.header_zh)
    } else {
        c.header_zh.to_string()
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Approximate display width: CJK characters count double.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// One number format per kind of cell.
fn num_format(kind: CellKind) -> &'static str {
    match kind {
        CellKind::Text | CellKind::IdNumber | CellKind::PersonNo | CellKind::Choice => "@",
        CellKind::Date => "yyyy-mm-dd",
        CellKind::Money => "0.00",
        CellKind::Integer => "0",
    }
}

/// A workbook in template layout, being written.
struct TemplateBook {
    kind: TemplateKind,
    workbook: Workbook,
    data: Worksheet,
    /// Per column: the plain cell format and the problem (light red) one.
    formats: Vec<(Format, Format)>,
    error_format: Format,
    error_column: bool,
}

impl TemplateBook {
    fn new(kind: TemplateKind) -> Result<TemplateBook, SheetError> {
        let columns = kind.columns();
        let mut data = Worksheet::new();
        data.set_name(kind.label_zh())?;
        let header = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color(Color::RGB(0xDDEBF7));
        let required = header.clone().set_font_color(Color::RGB(REQUIRED_RED));
        let code = Format::new().set_num_format("@");
        let mut formats = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            let c = u16::try_from(i).unwrap_or(u16::MAX);
            let plain = Format::new().set_num_format(num_format(col.cell));
            let problem = plain
                .clone()
                .set_background_color(Color::RGB(LIGHT_RED))
                .set_font_color(Color::RGB(DARK_RED));
            data.set_column_format(c, &plain)?;
            let width = display_width(col.header_zh)
                .max(display_width(col.example))
                .clamp(8, 40)
                + 4;
            data.set_column_width(c, width as f64)?;
            let fmt = if col.required { &required } else { &header };
            data.write_string_with_format(0, c, display_header(col), fmt)?;
            data.insert_note(0, c, &Note::new(note_text(col)).add_author_prefix(false))?;
            data.write_string_with_format(1, c, col.code, &code)?;
            if !col.choices.is_empty() {
                let labels: Vec<&str> = col.choices.iter().map(|ch| ch.label_zh).collect();
                let validation = DataValidation::new()
                    .allow_list_strings(&labels)?
                    .set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_title("输入有误")?
                    .set_error_message(format!("请从下拉列表中选择：{}", labels.join("、")))?;
                data.add_data_validation(
                    VALIDATION_FIRST_ROW,
                    c,
                    VALIDATION_LAST_ROW,
                    c,
                    &validation,
                )?;
            }
            formats.push((plain, problem));
        }
        data.set_row_height(0, 30)?;
        data.set_row_hidden(1)?;
        data.set_freeze_panes(2, 0)?;
        data.set_active(true);
        let error_format = Format::new()
            .set_font_color(Color::RGB(REQUIRED_RED))
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        Ok(TemplateBook {
            kind,
            workbook: Workbook::new(),
            data,
            formats,
            error_format,
            error_column: false,
        })
    }

    fn add_error_column(&mut self) -> Result<(), SheetError> {
        let c = u16::try_from(self.kind.columns().len()).unwrap_or(u16::MAX);
        let header = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin)
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(REQUIRED_RED));
        self.data
            .write_string_with_format(0, c, ERROR_HEADER, &header)?;
        self.data.set_column_width(c, 60)?;
        self.error_column = true;
        Ok(())
    }

    /// Writes one data row (0-based sheet row `r`) as text, with its problems.
    fn write_values(
        &mut self,
        r: u32,
        values: &BTreeMap<&'static str, String>,
        problems: &[&Problem],
    ) -> Result<(), SheetError> {
        let columns = self.kind.columns();
        for (i, col) in columns.iter().enumerate() {
            let c = u16::try_from(i).unwrap_or(u16::MAX);
            let flagged = problems.iter().any(|p| p.field.as_deref() == Some(col.key));
            let (plain, problem) = &self.formats[i];
            let fmt = if flagged { problem } else { plain };
            match values.get(col.key) {
                Some(v) => {
                    // A choice is shown as the clerk chose it (its label).
                    let shown = col
                        .choices
                        .iter()
                        .find(|ch| ch.value == v.as_str())
                        .map_or(v.as_str(), |ch| ch.label_zh);
                    self.data.write_string_with_format(r, c, shown, fmt)?;
                }
                None if flagged => {
                    self.data.write_blank(r, c, fmt)?;
                }
                None => {}
            }
        }
        if self.error_column && !problems.is_empty() {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| problem_line(self.kind, p))
                .collect();
            let c = u16::try_from(columns.len()).unwrap_or(u16::MAX);
            self.data
                .write_string_with_format(r, c, lines.join("\n"), &self.error_format)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>, SheetError> {
        let TemplateBook {
            kind,
            mut workbook,
            data,
            ..
        } = self;
        workbook.push_worksheet(data);
        workbook.push_worksheet(guide_sheet(kind)?);
        workbook.push_worksheet(marker_sheet(kind)?);
        let properties = DocProperties::new()
            .set_title(kind.title_zh())
            .set_subject(format!("{}（v{}）", kind.label_zh(), kind.version()))
            .set_author("qibao")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2025, 1, 1)?)
            .set_custom_property(PROPERTY_KIND, kind.code())
            .set_custom_property(PROPERTY_VERSION, i32::try_from(kind.version()).unwrap_or(0));
        workbook.set_properties(&properties);
        Ok(workbook.save_to_buffer()?)
    }
}

/// A report line: the message, prefixed by the column's header unless the
/// message already starts with it.
fn problem_line(kind: TemplateKind, p: &Problem) -> String {
    let header = p
        .field
        .as_deref()
        .and_then(|f| kind.column(f))
        .map(|c| c.header_zh);
    match header {
        Some(h) if !p.message.starts_with(&format!("“{h}”")) => format!("{h}：{}", p.message),
        _ => p.message.clone(),
    }
}

fn note_text(col: &Column) -> String {
    let mut text = String::new();
    if col.required {
        text.push_str("【必填】");
    }
    text.push_str(col.note_zh);
    if !col.code.is_empty() {
        text.push_str(&format!("（字段代码 {}）", col.code));
    }
    text
}

fn guide_sheet(kind: TemplateKind) -> Result<Worksheet, SheetError> {
    let mut ws = Worksheet::new();
    ws.set_name(GUIDE_SHEET)?;
    let bold = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7));
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let text = Format::new()
        .set_num_format("@")
        .set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(
        0,
        0,
        format!("《{}》(v{}) 填写说明", kind.title_zh(), kind.version()),
        &title,
    )?;
    ws.write_string(
        1,
        0,
        "请在第一个工作表中从第3行起逐行填写，每行一名职工；不要增删、移动或改名表头，不要修改隐藏的第2行。标*的列为必填。",
    )?;
    let head = ["列", "表头", "字段代码", "是否必填", "填写说明", "可选值"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    let columns = kind.columns();
    for (i, col) in columns.iter().enumerate() {
        let r = 4 + u32::try_from(i).unwrap_or(0);
        let choices: Vec<&str> = col.choices.iter().map(|c| c.label_zh).collect();
        ws.write_string_with_format(r, 0, crate::read::column_letter(i), &wrap)?;
        ws.write_string_with_format(r, 1, col.header_zh, &wrap)?;
        ws.write_string_with_format(r, 2, col.code, &wrap)?;
        ws.write_string_with_format(r, 3, if col.required { "必填" } else { "选填" }, &wrap)?;
        ws.write_string_with_format(r, 4, col.note_zh, &wrap)?;
        ws.write_string_with_format(r, 5, choices.join("、"), &wrap)?;
    }
    let r = 4 + u32::try_from(columns.len()).unwrap_or(0) + 1;
    ws.write_string_with_format(
        r,
        0,
        "填写示例（仅供参考；本工作表的内容不会被导入）",
        &title,
    )?;
    for (i, col) in columns.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(r + 1, c, display_header(col), &bold)?;
        ws.write_string_with_format(r + 2, c, col.example, &text)?;
    }
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 12)?;
    ws.set_column_width(3, 10)?;
    ws.set_column_width(4, 50)?;
    ws.set_column_width(5, 40)?;
    for i in 6..columns.len() {
        ws.set_column_width(u16::try_from(i).unwrap_or(u16::MAX), 16)?;
    }
    Ok(ws)
}

fn marker_sheet(kind: TemplateKind) -> Result<Worksheet, SheetError> {
    let mut ws = Worksheet::new();
    ws.set_name(MARKER_SHEET)?;
    ws.write_string(0, 0, "template")?;
    ws.write_string(0, 1, kind.code())?;
    ws.write_string(1, 0, "version")?;
    ws.write_number(1, 1, kind.version())?;
    ws.write_string(2, 0, "generator")?;
    ws.write_string(2, 1, "qibao-sheet")?;
    ws.set_very_hidden(true);
    Ok(ws)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_template_layout() {
        let bytes = template_csv(TemplateKind::Suspension);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{FEFF}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "*个人编号,*姓名,*停保时间,*停保原因,企业职工基本养老保险,失业保险,工伤保险"
        );
        assert_eq!(
            lines[1],
            "AAC001,AAC003,AAE031,AAC050,AAE140-110,AAE140-210,AAE140-410,#qibao:suspension:v1"
        );
        assert_eq!(lines[2], "");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn report_lines_are_prefixed_once() {
        let k = TemplateKind::Suspension;
        let p = |field: Option<&str>, message: &str| {
            Problem::new("s", 3, field, k, crate::read::Format::Xlsx, "X", message)
        };
        assert_eq!(
            problem_line(k, &p(Some("name"), "“姓名”为必填项，不能为空")),
            "“姓名”为必填项，不能为空"
        );
        assert_eq!(
            problem_line(k, &p(Some("person_no"), "该职工不在本单位")),
            "个人编号：该职工不在本单位"
        );
        assert_eq!(problem_line(k, &p(None, "整行重复")), "整行重复");
    }
}

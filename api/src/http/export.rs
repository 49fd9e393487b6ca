//! Spreadsheet exports (CSV and XLSX) of lists: one format parameter, one
//! way to write cells. Amounts are numbers in XLSX (two decimals), never
//! text; identifiers (ID numbers, person and order numbers) are text, so
//! Excel keeps every digit. In CSV (UTF-8 with BOM, CRLF) an identifier of
//! 12 or more digits is preceded by a tab, which keeps Excel from turning
//! it into 4.2E+17 and which a program trims; a cell starting with =, +, -
//! or @ is neutralised so a spreadsheet never runs it as a formula.

use actix_web::HttpResponse;
use actix_web::http::header;
use qibao_core::Money;

use crate::http::problem::{ApiError, FieldError};

/// What a list answers: a JSON page, or every matching row as a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Format {
    /// The `format` query parameter (blank: JSON); a bad one adds its error.
    pub fn parse(value: Option<&str>, errors: &mut Vec<FieldError>) -> Format {
        match value.map(str::trim) {
            None | Some("" | "json") => Format::Json,
            Some("csv") => Format::Csv,
            Some("xlsx") => Format::Xlsx,
            Some(_) => {
                errors.push(FieldError::new("format", "导出格式应为json、csv或xlsx"));
                Format::Json
            }
        }
    }
}

/// One cell of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// An identifier: always text.
    Id(String),
    Money(Money),
    Int(i64),
}

/// One CSV cell: quoted when needed; a leading =, +, - or @ is neutralised so
/// a spreadsheet never runs it as a formula.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => csv_cell(s),
        Cell::Id(s) if s.len() >= 12 && s.bytes().all(|b| b.is_ascii_digit()) => format!("\t{s}"),
        Cell::Id(s) => csv_cell(s),
        Cell::Money(m) => m.to_string(),
        Cell::Int(i) => i.to_string(),
    }
}

/// The rows as CSV (UTF-8 with BOM, CRLF), a header row first.
pub fn csv(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headers
            .iter()
            .map(|h| csv_cell(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(csv_of).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The rows as one XLSX sheet named `sheet`, a bold header row first.
pub fn xlsx(sheet_name: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal_cause(e);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let amount = rust_xlsxwriter::Format::new().set_num_format("0.00");
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(ApiError::internal_cause)?;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(fail)?;
        let width = h.chars().count().max(8) * 2 + 2;
        sheet
            .set_column_width(col, u32::try_from(width).unwrap_or(20))
            .map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(ApiError::internal_cause)?;
        for (c, cell) in r.iter().enumerate() {
            let col = u16::try_from(c).map_err(ApiError::internal_cause)?;
            match cell {
                Cell::Text(s) | Cell::Id(s) => {
                    sheet.write_string(row, col, s).map_err(fail)?;
                }
                Cell::Money(m) => {
                    // Excel holds numbers as doubles; two decimals print exactly.
                    let v: f64 = m.to_string().parse().map_err(ApiError::internal_cause)?;
                    sheet
                        .write_number_with_format(row, col, v, &amount)
                        .map_err(fail)?;
                }
                Cell::Int(n) => {
                    let v: f64 = n.to_string().parse().map_err(ApiError::internal_cause)?;
                    sheet.write_number(row, col, v).map_err(fail)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// A file to save (`Content-Disposition: attachment`).
pub fn attachment(body: Vec<u8>, content_type: &str, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

/// The rows in `format` (CSV or XLSX) as a file named `stem` + extension.
pub fn file(
    format: Format,
    stem: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<HttpResponse, ApiError> {
    Ok(match format {
        Format::Xlsx => attachment(xlsx(stem, headers, rows)?, XLSX, &format!("{stem}.xlsx")),
        Format::Json | Format::Csv => attachment(
            csv(headers, rows).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_identifiers_and_neutralises_formulas() {
        let out = csv(
            &["身份证号", "姓名", "金额"],
            &[vec![
                Cell::Id("420500198001011234".into()),
                Cell::Text("=SUM(A1)".into()),
                Cell::Money(Money::from_fen(123_456)),
            ]],
        );
        assert_eq!(
            out,
            "\u{feff}身份证号,姓名,金额\r\n\t420500198001011234,'=SUM(A1),1234.56\r\n"
        );
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }

    #[test]
    fn formats_parse() {
        let mut errors = Vec::new();
        assert_eq!(Format::parse(None, &mut errors), Format::Json);
        assert_eq!(Format::parse(Some("xlsx"), &mut errors), Format::Xlsx);
        assert!(errors.is_empty());
        Format::parse(Some("pdf"), &mut errors);
        assert_eq!(errors.len(), 1);
    }
}

/// A file in an answer (XLSX, PDF): raw bytes, as the spec declares them
/// (`type: string, format: binary`), so that generated clients read it as
/// a file, not as a list of numbers.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBody(pub Vec<u8>);

//! qibao-sheet: the files of batch import (导盘, R-IMP-1). It writes the
//! templates the system provides, reads an uploaded XLSX/CSV (or JSON rows
//! from payroll software) into rows of normalised text with per-cell
//! problems, refuses bad files with a Chinese message saying what to do, and
//! writes the error report workbook. No database, no HTTP, no business rule
//! beyond the form of a cell: the application checks the rows (R-ID-1 check
//! digits, dates against the unit's history …) and adds its own problems
//! with [`Problem::new`] in the same shape.
//!
//! # Templates
//!
//! Four kinds ([`TemplateKind`]): 职工参保登记(续保), 职工停保, 缴费工资申报,
//! 职工险种增减, each with a version (currently 1) and a fixed column list
//! ([`TemplateKind::columns`]: key, Chinese header, national field code,
//! required, kind of cell, closed set of choices, example, guidance).
//!
//! XLSX ([`template_xlsx`]):
//! - sheet 1, named after the kind's label, is the data sheet: row 1 the
//!   headers (bold; required ones red with a leading `*`; each with a note
//!   giving the guidance and the field code), row 2 the national field codes
//!   (hidden), data from row 3. Choice columns carry a drop-down of the labels
//!   for rows 3..=100,002; ID-number, person-number, text and choice columns
//!   are formatted as text (`@`) so Excel keeps all 18 digits; date columns
//!   `yyyy-mm-dd`;
//! - sheet 2, `填写说明`: one row per column (header, code, required, guidance,
//!   choices) and one example row (never on the data sheet, so never imported);
//! - sheet 3, `_qibao`, very hidden: the marker, `template | <kind code>` in
//!   row 1 and `version | <n>` in row 2. The document's custom properties
//!   `qibao_template` and `qibao_template_version` repeat it (used when the
//!   sheet is missing).
//!
//! CSV ([`template_csv`]): UTF-8 with BOM, CRLF; line 1 the headers (`*` on
//! required ones), line 2 the field codes followed by one extra cell, the
//! marker `#qibao:<kind code>:v<version>` (e.g. `#qibao:enrolment:v1`); data
//! from line 3.
//!
//! A blank template reads back with zero rows and zero problems through
//! [`read_allowing_empty`]; [`read`] refuses it as [`Refusal::Empty`].
//!
//! # Reading ([`read`], [`read_json`])
//!
//! The file is refused as a whole ([`Refusal`], each with `code()`,
//! `status()` and a Chinese `Display`) when it is too large; when its name or
//! content type says macro-enabled (`.xlsm`); by its content (never its
//! name): a zip is an XLSX, an OLE compound file is an encrypted workbook
//! (`EncryptionInfo`/`EncryptedPackage`) or a legacy .xls, text is CSV if it
//! decodes as UTF-8 or GB18030/GBK (or JSON when declared `.json` /
//! `application/json`), anything else is not a workbook; when a declared
//! extension or content type contradicts the content (`application/vnd.ms-excel`
//! says nothing: browsers send it for CSV too). An XLSX is inspected before
//! calamine opens it: a broken archive is `Truncated`, one without
//! `[Content_Types].xml` and `xl/workbook.xml` is not a workbook, declared
//! sizes over `max_uncompressed_bytes` or a part over 1 MiB with a ratio over
//! `max_ratio` is a zip bomb, a `vbaProject.bin` or macro-enabled content
//! type is `MacroEnabled`. While calamine reads, the `zip` crate refuses to
//! inflate a part past its declared size (an archive that lies about its
//! sizes is refused as a zip bomb too).
//!
//! Then the template: the marker must name the expected kind (another kind:
//! `WrongTemplate` naming both; none: `WrongTemplate`, "请使用系统提供的模板";
//! a lower version: `TemplateOutdated`), the headers must be the template's
//! in order (spaces and `*` ignored; a trailing `错误信息` column, as in the
//! error report, is allowed and ignored), and row 2 must be blank or the
//! field codes. The data sheet is the first visible worksheet other than
//! `填写说明`; hidden sheets and other visible sheets are reported in
//! [`Sheet::notices`]. Rows are streamed (calamine's cells reader; the csv
//! crate's records) and counted: more than `max_rows` non-blank rows is
//! `TooManyRows` at once; a non-empty cell beyond `max_columns` is
//! `TooManyColumns`; no data rows is `Empty`.
//!
//! # Cells
//!
//! Every cell becomes normalised text: full-width digits, letters and `－／．`
//! become ASCII; whitespace (NBSP, U+3000, tabs, line breaks) collapses to
//! one space and is trimmed; zero-width characters are dropped. Formula
//! cells give their cached value; an error value (`#N/A` …) is `CELL_ERROR`.
//! Text over 200 characters is `TEXT_TOO_LONG`; an empty required cell is
//! `REQUIRED`. By kind of cell ([`CellKind`]):
//! - ID number: spaces removed, letters upper-cased (`x` → `X`), a leading
//!   `'` dropped. Any numeric cell is `ID_NUMBER_AS_NUMBER` (Excel keeps only
//!   15 digits; never rounded or converted), and so is text in E-notation
//!   (`4.20500198001012E+17`) or 18 digits ending in `000` whose GB 11643
//!   check digit does not fit. The check digit itself is the application's.
//! - person number: digits only; a whole-number cell is fine.
//! - date: a date cell, or `2023-04-01`, `2023/4/1`, `2023.4.1`, `20230401`,
//!   `2023年4月1日`, with an optional midnight time (`00:00:00`), years
//!   1900–2100 → `YYYY-MM-DD`; else `DATE_INVALID` naming the forms.
//! - money: a number, or text with thousands separators, `元`, `￥`/`¥`; at
//!   most two decimals (further zeros allowed) → canonical text (`5234.56`,
//!   `6000`); a float cell is formatted, never computed with, and accepted
//!   only within 1e-6 of a two-decimal value; negative or more decimals →
//!   `MONEY_INVALID`.
//! - integer: whole numbers (`months_paid` 1–12, `INTEGER_OUT_OF_RANGE`).
//! - choice: the label or the value (ASCII case-insensitive) → the value;
//!   yes/no columns also take 是/否/Y/N/1/0/√/TRUE/FALSE; else
//!   `CHOICE_INVALID` listing the labels.
//!
//! CSV cells written with Excel's `="…"` trick give the inner text. A row
//! with problems still appears in [`Sheet::rows`] with its good cells.
//!
//! # Limits ([`Limits::default`])
//!
//! 20 MiB per file, 100,000 data rows, 64 columns, 256 MiB of declared
//! uncompressed XLSX parts, compression ratio 200 for parts over 1 MiB.
//!
//! # Error report ([`report_xlsx`])
//!
//! The rows that were read, as normalised, at their own row numbers in
//! template layout (so a corrected report can be uploaded again), with a last
//! column `错误信息` listing each row's problems, one per line, prefixed by
//! the header; cells with a problem are filled light red.

mod cell;
mod read;
mod refusal;
mod template;
mod write;

pub use cell::{DATE_FORMS_ZH, MAX_TEXT_CHARS, normalise};
pub use read::{
    ERROR_HEADER, FIRST_DATA_ROW, Format, GUIDE_SHEET, Limits, MARKER_SHEET, Problem, Row, Sheet,
    Upload, column_letter, read, read_allowing_empty, read_json,
};
pub use refusal::{Mismatch, Refusal};
pub use template::{CellKind, Choice, Column, TemplateKind, YES_NO};
pub use write::{SheetError, report_xlsx, template_csv, template_xlsx, template_xlsx_with_rows};

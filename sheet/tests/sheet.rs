//! Files written the way clerks and spreadsheet programs write them (with
//! rust_xlsxwriter and the zip crate), read back through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use calamine::{Data, Reader, SheetVisible, Xlsx};
use qibao_sheet::{
    Format, Limits, Mismatch, Problem, Refusal, Row, TemplateKind, Upload, read,
    read_allowing_empty, read_json, report_xlsx, template_csv, template_xlsx,
    template_xlsx_with_rows,
};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format as XFormat, Formula, Workbook, Worksheet, XlsxError,
};
use zip::write::SimpleFileOptions;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn upload(bytes: &[u8]) -> Upload<'_> {
    Upload {
        bytes,
        file_name: None,
        content_type: None,
    }
}

fn named<'a>(bytes: &'a [u8], name: &'a str) -> Upload<'a> {
    Upload {
        bytes,
        file_name: Some(name),
        content_type: None,
    }
}

fn refused(kind: TemplateKind, bytes: &[u8]) -> Refusal {
    read(kind, &upload(bytes), &Limits::default()).unwrap_err()
}

/// A data sheet in template layout: row 1 headers, row 2 codes (hidden).
fn data_sheet(kind: TemplateKind) -> Worksheet {
    let mut ws = Worksheet::new();
    ws.set_name(kind.label_zh()).unwrap();
    for (i, c) in kind.columns().iter().enumerate() {
        ws.write_string(0, i as u16, c.header_zh).unwrap();
        ws.write_string(1, i as u16, c.code).unwrap();
    }
    ws.set_row_hidden(1).unwrap();
    ws
}

fn marker_sheet(code: &str, version: u32) -> Worksheet {
    let mut ws = Worksheet::new();
    ws.set_name("_qibao").unwrap();
    ws.write_string(0, 0, "template").unwrap();
    ws.write_string(0, 1, code).unwrap();
    ws.write_string(1, 0, "version").unwrap();
    ws.write_number(1, 1, version).unwrap();
    ws.set_very_hidden(true);
    ws
}

fn save(sheets: Vec<Worksheet>) -> Vec<u8> {
    let mut wb = Workbook::new();
    for ws in sheets {
        wb.push_worksheet(ws);
    }
    wb.save_to_buffer().unwrap()
}

/// A hand-filled file of `kind` made from the template's layout, with the
/// data sheet filled by `fill`.
fn filled(
    kind: TemplateKind,
    fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
) -> Vec<u8> {
    let mut ws = data_sheet(kind);
    fill(&mut ws).unwrap();
    save(vec![ws, marker_sheet(kind.code(), kind.version())])
}

fn write_row(ws: &mut Worksheet, row: u32, cells: &[&str]) -> Result<(), XlsxError> {
    for (i, v) in cells.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string(row, i as u16, *v)?;
        }
    }
    Ok(())
}

/// A good suspension row.
const STOP: [&str; 4] = ["10003726255", "张三", "2024-06-30", "退休"];

/// Copies a zip's entries into a new zip, then adds `extra` entries.
fn rezip(bytes: &[u8], extra: &[(&str, &[u8])], skip: &[&str]) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if skip.contains(&name.as_str()) {
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    for (name, data) in extra {
        out.start_file(*name, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn codes(problems: &[Problem]) -> Vec<(u32, String, String)> {
    problems
        .iter()
        .map(|p| (p.row, p.column.clone().unwrap_or_default(), p.code.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

#[test]
fn templates_read_back_with_no_rows_and_no_problems() {
    for kind in TemplateKind::ALL {
        let xlsx = template_xlsx(kind).unwrap();
        let s = read_allowing_empty(
            kind,
            &named(&xlsx, &kind.file_name("xlsx")),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(s.format, Format::Xlsx);
        assert_eq!(s.sheet_name, kind.label_zh());
        assert_eq!(s.template_version, Some(1));
        assert!(s.rows.is_empty() && s.problems.is_empty(), "{kind}");
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(refused(kind, &xlsx), Refusal::Empty);
        assert!(Refusal::Empty.to_string().contains("文件中没有数据行"));

        let csv = template_csv(kind);
        let s = read_allowing_empty(
            kind,
            &named(&csv, &kind.file_name("csv")),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(s.format, Format::Csv);
        assert_eq!(s.template_version, Some(1));
        assert!(s.rows.is_empty() && s.problems.is_empty(), "{kind}");
        assert_eq!(refused(kind, &csv), Refusal::Empty);
    }
}

#[test]
fn xlsx_template_layout() {
    let kind = TemplateKind::Enrolment;
    let bytes = template_xlsx(kind).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    let sheets: Vec<(String, SheetVisible)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible))
        .collect();
    assert_eq!(
        sheets,
        vec![
            ("职工参保登记(续保)".to_string(), SheetVisible::Visible),
            ("填写说明".to_string(), SheetVisible::Visible),
            ("_qibao".to_string(), SheetVisible::VeryHidden),
        ]
    );
    let data = wb.worksheet_range("职工参保登记(续保)").unwrap();
    assert_eq!(data.height(), 2, "no example on the data sheet");
    assert_eq!(
        data.get((0, 1)),
        Some(&Data::String("*社会保障号码(身份证号码)".into()))
    );
    assert_eq!(data.get((0, 0)), Some(&Data::String("证件类型".into())));
    assert_eq!(data.get((1, 1)), Some(&Data::String("AAC002".into())));
    let guide = wb.worksheet_range("填写说明").unwrap();
    let texts: Vec<String> = guide.rows().flatten().map(|d| d.to_string()).collect();
    assert!(texts.contains(&"420102199001011236".to_string()));
    assert!(texts.contains(&"AAC040".to_string()));
    assert!(texts.contains(&"居民身份证、护照、外国人永久居留身份证".to_string()));
    let marker = wb.worksheet_range("_qibao").unwrap();
    assert_eq!(marker.get((0, 1)), Some(&Data::String("enrolment".into())));
    let props = wb.workbook_properties().unwrap();
    assert_eq!(props.custom_properties["qibao_template"], "enrolment");

    let sheet1 = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains(r#"<row r="2""#) && sheet1.contains(r#"hidden="1""#));
    assert!(
        sheet1.contains(r#"sqref="A3:A100002""#),
        "id_type drop-down"
    );
    assert!(
        sheet1.contains(r#"sqref="K3:K100002""#),
        "ins_110 drop-down"
    );
    assert!(sheet1.contains("&quot;是,否&quot;") || sheet1.contains("\"是,否\""));
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="@""#), "text (@) columns");
    assert!(styles.contains("yyyy-mm-dd"));
    let comments = zip_entry(&bytes, "xl/comments1.xml");
    assert!(comments.contains("AAC002") && comments.contains("18位身份证号码"));
}

// ---------------------------------------------------------------------------
// Refusals of the file
// ---------------------------------------------------------------------------

#[test]
fn too_large_before_anything_else() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let r = read(TemplateKind::Enrolment, &upload(&[0u8; 11]), &limits).unwrap_err();
    assert_eq!(r.code(), "IMPORT_FILE_TOO_LARGE");
    assert_eq!(r.status(), 413);
}

#[test]
fn sniffs_content_not_names() {
    let k = TemplateKind::Suspension;
    let xlsx = filled(k, |ws| write_row(ws, 2, &STOP));
    // An .xlsx renamed .bin or without a name is still read.
    let s = read(k, &named(&xlsx, "upload.bin"), &Limits::default()).unwrap();
    assert_eq!(s.rows.len(), 1);

    let mismatch = |u: Upload<'_>| read(k, &u, &Limits::default()).unwrap_err();
    let r = mismatch(named(&xlsx, "停保.csv"));
    assert_eq!((r.code(), r.status()), ("IMPORT_TYPE_MISMATCH", 415));
    assert!(r.to_string().contains(".csv"), "{r}");
    let r = mismatch(Upload {
        bytes: &xlsx,
        file_name: None,
        content_type: Some("text/csv"),
    });
    assert_eq!(r.code(), "IMPORT_TYPE_MISMATCH");
    let csv = template_csv(k);
    let r = mismatch(named(&csv, "停保.xlsx"));
    assert_eq!(r.code(), "IMPORT_TYPE_MISMATCH");
    // application/vnd.ms-excel says nothing (browsers send it for CSV).
    let mut csv_rows = csv.clone();
    csv_rows.extend_from_slice("10003726255,张三,2024-06-30,退休\r\n".as_bytes());
    let s = read(
        k,
        &Upload {
            bytes: &csv_rows,
            file_name: Some("停保.csv"),
            content_type: Some("application/vnd.ms-excel"),
        },
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(s.rows.len(), 1);

    assert_eq!(
        refused(k, &[0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00]),
        Refusal::NotAWorkbook
    );
    assert_eq!(
        refused(k, b"%PDF-1.7\n\x00\x01binary"),
        Refusal::NotAWorkbook
    );
}

#[test]
fn legacy_and_encrypted_compound_files() {
    let k = TemplateKind::Enrolment;
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend_from_slice(&[0u8; 504]);
    let mut xls = cfb.clone();
    xls.extend(
        "Workbook"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let r = read(k, &named(&xls, "旧表.xls"), &Limits::default()).unwrap_err();
    assert_eq!(r, Refusal::LegacyXls);
    assert!(r.to_string().contains("另存为"));
    assert_eq!(r.code(), "IMPORT_LEGACY_XLS");

    let mut encrypted = cfb.clone();
    encrypted.extend(
        "EncryptionInfo"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    encrypted.extend(
        "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let r = read(k, &named(&encrypted, "加密.xlsx"), &Limits::default()).unwrap_err();
    assert_eq!(r, Refusal::Encrypted);
    assert_eq!(r.code(), "IMPORT_ENCRYPTED");
    let mut ascii = cfb;
    ascii.extend_from_slice(b"EncryptedPackage");
    assert_eq!(refused(k, &ascii), Refusal::Encrypted);
}

#[test]
fn macro_enabled_by_name_type_or_content() {
    let k = TemplateKind::Enrolment;
    let xlsx = template_xlsx(k).unwrap();
    let r = read(k, &named(&xlsx, "模板.xlsm"), &Limits::default()).unwrap_err();
    assert_eq!(r, Refusal::MacroEnabled);
    assert_eq!(r.code(), "IMPORT_MACRO_ENABLED");
    let r = read(
        k,
        &Upload {
            bytes: &xlsx,
            file_name: None,
            content_type: Some("application/vnd.ms-excel.sheet.macroEnabled.12"),
        },
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(r, Refusal::MacroEnabled);

    let with_vba = rezip(&xlsx, &[("xl/vbaProject.bin", b"\xD0\xCF\x11\xE0vba")], &[]);
    assert_eq!(refused(k, &with_vba), Refusal::MacroEnabled);

    let ct = zip_entry(&xlsx, "[Content_Types].xml").replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    );
    let macro_ct = rezip(
        &xlsx,
        &[("[Content_Types].xml", ct.as_bytes())],
        &["[Content_Types].xml"],
    );
    assert_eq!(refused(k, &macro_ct), Refusal::MacroEnabled);
}

#[test]
fn truncated_and_foreign_archives() {
    let k = TemplateKind::Suspension;
    let xlsx = filled(k, |ws| write_row(ws, 2, &STOP));
    let half = &xlsx[..xlsx.len() / 2];
    let r = refused(k, half);
    assert_eq!(r, Refusal::Truncated);
    assert_eq!(r.code(), "IMPORT_TRUNCATED");
    assert!(r.to_string().contains("不完整"));

    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("hello.txt", SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"hello").unwrap();
    let plain_zip = z.finish().unwrap().into_inner();
    assert_eq!(refused(k, &plain_zip), Refusal::NotAWorkbook);
    assert_eq!(
        refused(k, &plain_zip[..plain_zip.len() - 10]),
        Refusal::NotAWorkbook
    );
}

#[test]
fn zip_bombs() {
    let k = TemplateKind::Suspension;
    let xlsx = filled(k, |ws| write_row(ws, 2, &STOP));
    // 20 MB of zeros deflates to ~20 KB: ratio ~1000.
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let bomb = rezip(&xlsx, &[("xl/media/zeros.bin", &zeros)], &[]);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let r = refused(k, &bomb);
    assert_eq!(r, Refusal::ZipBomb);
    assert_eq!(r.code(), "IMPORT_ZIP_BOMB");
    // The sum of declared sizes.
    let small = Limits {
        max_uncompressed_bytes: 4 * 1024,
        ..Limits::default()
    };
    let r = read(k, &upload(&xlsx), &small).unwrap_err();
    assert_eq!(r, Refusal::ZipBomb);
    // A high ratio below 1 MiB is fine (small XML compresses well).
    let fine = rezip(&xlsx, &[("xl/media/zeros.bin", &zeros[..512 * 1024])], &[]);
    assert!(read(k, &upload(&fine), &Limits::default()).is_ok());
}

/// Sets the declared uncompressed size of an entry (local and central
/// headers) to `size`: an archive that lies about its sizes.
fn lie_about_size(bytes: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for pos in 0..bytes.len().saturating_sub(name.len()) {
        if &bytes[pos..pos + name.len()] != name {
            continue;
        }
        if pos >= 30 && bytes[pos - 30..pos - 26] == *b"PK\x03\x04" {
            bytes[pos - 30 + 22..pos - 30 + 26].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        } else if pos >= 46 && bytes[pos - 46..pos - 42] == *b"PK\x01\x02" {
            bytes[pos - 46 + 24..pos - 46 + 28].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
}

#[test]
fn a_part_larger_than_declared_is_stopped_while_reading() {
    let k = TemplateKind::Suspension;
    let xlsx = filled(k, |ws| write_row(ws, 2, &STOP));
    let sheet = zip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    // 3 MB of whitespace inside the worksheet XML: well-formed, and ~1000:1.
    let padded = sheet.replace(
        "</worksheet>",
        &format!("{}</worksheet>", " ".repeat(3 << 20)),
    );
    let honest = rezip(
        &xlsx,
        &[("xl/worksheets/sheet1.xml", padded.as_bytes())],
        &["xl/worksheets/sheet1.xml"],
    );
    assert_eq!(refused(k, &honest), Refusal::ZipBomb, "declared ratio");
    let mut lying = honest;
    lie_about_size(&mut lying, "xl/worksheets/sheet1.xml", 4096);
    assert_eq!(refused(k, &lying), Refusal::ZipBomb, "actual size");
}

// ---------------------------------------------------------------------------
// Template identity
// ---------------------------------------------------------------------------

#[test]
fn another_kind_is_refused_naming_both() {
    let xlsx = template_xlsx(TemplateKind::Suspension).unwrap();
    let r = refused(TemplateKind::Enrolment, &xlsx);
    assert_eq!(r.code(), "IMPORT_WRONG_TEMPLATE");
    assert_eq!(r.status(), 422);
    let m = r.to_string();
    assert!(m.contains("《职工停保导入模板》"), "{m}");
    assert!(
        m.contains("请在“批量导入”中下载《职工参保登记导入模板》(v1) 后重新填写"),
        "{m}"
    );
    let csv = template_csv(TemplateKind::WageDeclaration);
    let r = refused(TemplateKind::InsuranceChange, &csv);
    assert!(matches!(
        r,
        Refusal::WrongTemplate {
            reason: Mismatch::OtherTemplate {
                found: TemplateKind::WageDeclaration,
                ..
            },
            ..
        }
    ));
}

#[test]
fn hand_drawn_files_are_refused() {
    let k = TemplateKind::Suspension;
    let mut ws = data_sheet(k);
    write_row(&mut ws, 2, &STOP).unwrap();
    let bytes = save(vec![ws]);
    let r = refused(k, &bytes);
    assert!(matches!(
        r,
        Refusal::WrongTemplate {
            reason: Mismatch::NotFromSystem,
            ..
        }
    ));
    assert!(r.to_string().contains("请使用系统提供的模板"), "{r}");

    let csv = "个人编号,姓名,停保时间,停保原因\r\n10003726255,张三,2024-06-30,退休\r\n";
    let r = refused(k, csv.as_bytes());
    assert!(r.to_string().contains("请使用系统提供的模板"), "{r}");
}

#[test]
fn older_versions_are_refused() {
    let k = TemplateKind::Suspension;
    let mut ws = data_sheet(k);
    write_row(&mut ws, 2, &STOP).unwrap();
    let bytes = save(vec![ws, marker_sheet(k.code(), 0)]);
    let r = refused(k, &bytes);
    assert_eq!(r, Refusal::TemplateOutdated { kind: k, found: 0 });
    assert_eq!(r.code(), "IMPORT_TEMPLATE_OUTDATED");
    assert!(r.to_string().contains("当前为 v1"), "{r}");
    assert!(r.to_string().contains("《职工停保导入模板》(v1)"), "{r}");

    let csv = template_csv(k);
    let old = String::from_utf8(csv).unwrap().replace(":v1", ":v0");
    assert_eq!(
        refused(k, old.as_bytes()),
        Refusal::TemplateOutdated { kind: k, found: 0 }
    );
}

#[test]
fn document_properties_carry_the_marker_too() {
    let k = TemplateKind::Suspension;
    let mut ws = data_sheet(k);
    write_row(&mut ws, 2, &STOP).unwrap();
    let mut wb = Workbook::new();
    wb.push_worksheet(ws);
    wb.set_properties(
        &DocProperties::new()
            .set_custom_property("qibao_template", "suspension")
            .set_custom_property("qibao_template_version", 1),
    );
    let bytes = wb.save_to_buffer().unwrap();
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert_eq!(s.rows.len(), 1);
}

#[test]
fn headers_and_code_row_must_be_the_templates() {
    let k = TemplateKind::Suspension;
    let bytes = filled(k, |ws| {
        ws.write_string(0, 2, "停保日期")?;
        write_row(ws, 2, &STOP)
    });
    let r = refused(k, &bytes);
    let m = r.to_string();
    assert!(
        m.contains("第1行第C列的表头应为“停保时间”，文件中为“停保日期”"),
        "{m}"
    );

    // Spaces and "*" are ignored; the report's 错误信息 column is allowed.
    let bytes = filled(k, |ws| {
        ws.write_string(0, 0, " * 个人 编号 ")?;
        ws.write_string(0, 7, "错误信息")?;
        ws.write_string(2, 7, "姓名：不能为空")?;
        write_row(ws, 2, &STOP)
    });
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert_eq!(s.rows.len(), 1);
    assert!(s.notices.is_empty(), "{:?}", s.notices);

    let bytes = filled(k, |ws| {
        ws.write_string(0, 7, "备注")?;
        write_row(ws, 2, &STOP)
    });
    assert!(
        refused(k, &bytes)
            .to_string()
            .contains("“备注”不是模板的列")
    );

    // Data pasted over the hidden code row.
    let bytes = filled(k, |ws| write_row(ws, 1, &STOP));
    let r = refused(k, &bytes);
    assert!(matches!(
        r,
        Refusal::WrongTemplate {
            reason: Mismatch::CodeRowChanged { .. },
            ..
        }
    ));
    assert!(r.to_string().contains("第3行"), "{r}");
}

// ---------------------------------------------------------------------------
// Sheets and rows
// ---------------------------------------------------------------------------

#[test]
fn first_visible_sheet_hidden_and_extra_sheets() {
    let k = TemplateKind::Suspension;
    let mut hidden = Worksheet::new();
    hidden.set_name("工资表").unwrap();
    hidden.write_string(0, 0, "secret").unwrap();
    hidden.set_hidden(true);
    let mut data = data_sheet(k);
    data.set_active(true);
    write_row(&mut data, 2, &STOP).unwrap();
    let mut other = Worksheet::new();
    other.set_name("草稿").unwrap();
    other.write_string(0, 0, "x").unwrap();
    let mut guide = Worksheet::new();
    guide.set_name("填写说明").unwrap();
    let bytes = save(vec![hidden, data, guide, other, marker_sheet(k.code(), 1)]);
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert_eq!(s.sheet_name, "职工停保");
    assert_eq!(s.rows.len(), 1);
    assert_eq!(
        s.notices,
        vec![
            "已忽略隐藏工作表“工资表”".to_string(),
            "只读取了第一个工作表“职工停保”，工作表“草稿”未读取".to_string(),
        ]
    );
}

#[test]
fn rows_start_at_row_3_and_blank_rows_are_skipped() {
    let k = TemplateKind::Suspension;
    let bytes = filled(k, |ws| {
        write_row(ws, 2, &STOP)?;
        ws.write_string(3, 1, "\u{3000} ")?; // blank: only whitespace
        write_row(ws, 4, &["10003726256", "李四", "2024-07-31", "调出本单位"])?;
        ws.write_string(5, 9, "stray note")?;
        Ok(())
    });
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    let numbers: Vec<u32> = s.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![3, 5]);
    assert_eq!(s.rows[1].values["name"], "李四");
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(
        s.notices,
        vec!["第J列及其右侧不是模板的列，其中的内容未读取".to_string()]
    );
}

#[test]
fn too_many_rows_and_columns() {
    let k = TemplateKind::Suspension;
    let bytes = filled(k, |ws| {
        for r in 2..9 {
            write_row(ws, r, &STOP)?;
        }
        Ok(())
    });
    let limits = Limits {
        max_rows: 5,
        ..Limits::default()
    };
    let r = read(k, &upload(&bytes), &limits).unwrap_err();
    assert_eq!(r, Refusal::TooManyRows { max: 5 });
    assert_eq!(r.status(), 413);
    assert!(
        read(
            k,
            &upload(&bytes),
            &Limits {
                max_rows: 7,
                ..limits
            }
        )
        .is_ok()
    );

    let wide = filled(k, |ws| {
        write_row(ws, 2, &STOP)?;
        ws.write_string(3, 70, "x")?;
        Ok(())
    });
    let r = refused(k, &wide);
    assert_eq!(r, Refusal::TooManyColumns { max: 64, row: 4 });
    assert_eq!(r.code(), "IMPORT_TOO_MANY_COLUMNS");
}

// ---------------------------------------------------------------------------
// Cells in XLSX
// ---------------------------------------------------------------------------

#[test]
fn xlsx_cells_are_normalised_with_problems_per_cell() {
    let k = TemplateKind::Enrolment;
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    let bytes = filled(k, |ws| {
        // Row 3: an ID stored as a number, a date cell, a money float, a
        // formula with a cached value, full-width text.
        ws.write_number(2, 1, 420_500_198_001_012_000.0)?;
        ws.write_formula(2, 2, Formula::new("=\"张\"&\"三\"").set_result("张三"))?;
        ws.write_string(2, 3, "男")?;
        ws.write_datetime_with_format(2, 4, ExcelDateTime::from_ymd(1980, 1, 1)?, &date)?;
        ws.write_string(2, 6, "１３８ ００１３ ８０００")?;
        ws.write_string(2, 7, "武汉市\u{3000}\u{3000}武昌区\n中北路")?;
        ws.write_string(2, 9, "２０２４年３月１日")?;
        ws.write_string(2, 10, "√")?;
        ws.write_number(2, 13, 5234.56)?;
        // Row 4: text ID with lower-case x, formula error, bad date, bad money,
        // bad choice, missing required phone.
        ws.write_string(3, 1, "42010219900101123x")?;
        ws.write_formula(
            3,
            2,
            Formula::new("=VLOOKUP(1,A1:A2,2,0)").set_result("#N/A"),
        )?;
        ws.write_string(3, 3, "未知")?;
        ws.write_string(3, 9, "2023-02-30")?;
        ws.write_number(3, 13, 5234.567)?;
        ws.write_string(3, 11, "y")?;
        // Row 5: E-notation text (the ID was re-typed after Excel showed it).
        ws.write_string(4, 1, "4.20500198001012E+17")?;
        ws.write_string(4, 2, "王五")?;
        ws.write_string(4, 6, "027-87654321")?;
        ws.write_string(4, 9, "2024/3/1 00:00:00")?;
        ws.write_string(4, 13, "￥6,000.00元")?;
        Ok(())
    });
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert_eq!(s.rows.len(), 3);
    let r3 = &s.rows[0].values;
    assert_eq!(r3.get("id_number"), None, "never rounded or converted");
    assert_eq!(r3["name"], "张三");
    assert_eq!(r3["gender"], "M");
    assert_eq!(r3["birth_date"], "1980-01-01");
    assert_eq!(r3["phone"], "138 0013 8000");
    assert_eq!(r3["address"], "武汉市 武昌区 中北路");
    assert_eq!(r3["start_date"], "2024-03-01");
    assert_eq!(r3["ins_110"], "yes");
    assert_eq!(r3["monthly_wage"], "5234.56");
    let r4 = &s.rows[1].values;
    assert_eq!(r4["id_number"], "42010219900101123X");
    assert_eq!(r4["ins_210"], "yes");
    let r5 = &s.rows[2].values;
    assert_eq!(r5["start_date"], "2024-03-01");
    assert_eq!(r5["monthly_wage"], "6000");

    let got = codes(&s.problems);
    let want = [
        (3, "B", "ID_NUMBER_AS_NUMBER"),
        (4, "C", "CELL_ERROR"),
        (4, "D", "CHOICE_INVALID"),
        (4, "G", "REQUIRED"),
        (4, "J", "DATE_INVALID"),
        (4, "N", "MONEY_INVALID"),
        (5, "B", "ID_NUMBER_AS_NUMBER"),
    ];
    let want: Vec<(u32, String, String)> = want
        .iter()
        .map(|(r, c, code)| (*r, c.to_string(), code.to_string()))
        .collect();
    assert_eq!(got, want);
    let id = &s.problems[0];
    assert_eq!(id.sheet, "职工参保登记(续保)");
    assert_eq!(id.field.as_deref(), Some("id_number"));
    assert!(
        id.message
            .contains("“社会保障号码(身份证号码)”被Excel存成了数字（4.20500198001012E+17）"),
        "{}",
        id.message
    );
    assert!(id.message.contains("不要直接改格式"));
    let err = &s.problems[1];
    assert!(
        err.message.contains("#N/A") && err.message.contains("姓名"),
        "{}",
        err.message
    );
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

fn csv_with(kind: TemplateKind, body: &str) -> Vec<u8> {
    let mut bytes = template_csv(kind);
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

#[test]
fn csv_rows_quotes_formula_trick_and_row_numbers() {
    let k = TemplateKind::Enrolment;
    let body = concat!(
        ",=\"420102199001011236\",张三,男,,,13800138000,\"武汉市\n武昌区\",,2024-03-01,,,,6000\r\n",
        "\r\n",
        ",4.20501E+17,李四,,,,13800138001,,,20240301,是,否,,\"6,000.5\"\r\n",
        ",,,,,,,,,,,,,\r\n",
        "居民身份证,420102199001011236,王五,女,1990-01-01,CHN,13800138002,,2015-07-01,2024年3月1日,,,,5000,\r\n",
    );
    let bytes = csv_with(k, body);
    let s = read(k, &named(&bytes, "参保.csv"), &Limits::default()).unwrap();
    assert_eq!(s.format, Format::Csv);
    let numbers: Vec<u32> = s.rows.iter().map(|r| r.number).collect();
    // Line 2 of the file holds the codes; the quoted address spans two
    // lines but is one spreadsheet row; the empty line is row 4.
    assert_eq!(numbers, vec![3, 5, 7]);
    assert_eq!(s.rows[0].values["id_number"], "420102199001011236");
    assert_eq!(s.rows[0].values["address"], "武汉市 武昌区");
    assert_eq!(s.rows[1].values["monthly_wage"], "6000.5");
    assert_eq!(s.rows[1].values["ins_110"], "yes");
    assert_eq!(s.rows[1].values["ins_210"], "no");
    assert_eq!(s.rows[2].values["id_type"], "resident");
    assert_eq!(
        codes(&s.problems),
        vec![(5, "B".to_string(), "ID_NUMBER_AS_NUMBER".to_string())]
    );
}

#[test]
fn gbk_csv_from_excel_on_chinese_windows() {
    let k = TemplateKind::Suspension;
    let text = String::from_utf8(csv_with(k, "10003726255,张三,2024/6/30,退休\r\n")).unwrap();
    let text = text.trim_start_matches('\u{FEFF}');
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err());
    let s = read(k, &named(&gbk, "停保.csv"), &Limits::default()).unwrap();
    assert_eq!(s.rows[0].values["name"], "张三");
    assert_eq!(s.rows[0].values["stop_date"], "2024-06-30");
}

#[test]
fn csv_identity_and_columns() {
    let k = TemplateKind::Suspension;
    let wrong_header = String::from_utf8(csv_with(k, "10003726255,张三,2024/6/30,退休\r\n"))
        .unwrap()
        .replace("*停保时间", "日期");
    let r = refused(k, wrong_header.as_bytes());
    assert!(
        r.to_string().contains("应为“停保时间”，文件中为“日期”"),
        "{r}"
    );

    let mut wide = String::from_utf8(csv_with(k, "10003726255,张三,2024/6/30,退休")).unwrap();
    wide.push_str(&",".repeat(80));
    wide.push_str("x\r\n");
    assert_eq!(
        refused(k, wide.as_bytes()),
        Refusal::TooManyColumns { max: 64, row: 3 }
    );
    // Trailing empty cells (Excel pads rows) are fine.
    let mut padded = String::from_utf8(csv_with(k, "10003726255,张三,2024/6/30,退休")).unwrap();
    padded.push_str(&",".repeat(80));
    padded.push_str("\r\n");
    assert_eq!(
        read(k, &upload(padded.as_bytes()), &Limits::default())
            .unwrap()
            .rows
            .len(),
        1
    );

    assert_eq!(refused(k, b""), Refusal::Empty);
}

#[test]
fn a_million_row_csv_is_refused_without_reading_it_all() {
    let k = TemplateKind::Suspension;
    let mut text = String::from_utf8(template_csv(k)).unwrap();
    text.reserve(1_000_000 * 40);
    for i in 0..1_000_000u32 {
        text.push_str("1000");
        text.push_str(&format!("{:07}", i));
        text.push_str(",张三,2024-06-30,退休\r\n");
    }
    let limits = Limits {
        max_bytes: 128 * 1024 * 1024,
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let r = read(k, &upload(text.as_bytes()), &limits).unwrap_err();
    assert_eq!(r, Refusal::TooManyRows { max: 100_000 });
    assert!(r.to_string().contains("最多 100000 行"), "{r}");
    // Not a benchmark: a generous bound that fails only if every row were read.
    assert!(started.elapsed().as_secs() < 20);
    // The same file within the default 20 MiB limit is refused for its size.
    assert_eq!(refused(k, text.as_bytes()).code(), "IMPORT_FILE_TOO_LARGE");
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

#[test]
fn json_rows_and_json_uploads() {
    let k = TemplateKind::WageDeclaration;
    let rows = serde_json::json!([
        {"person_no": "10003726255", "name": "张三", "previous_year_total_wages": 72000.5, "months_paid": 12},
        {"person_no": "10003726256", "name": "李四", "first_month_wage": "6000", "extra": 1},
    ]);
    let s = read_json(k, &rows, &Limits::default()).unwrap();
    assert_eq!(s.rows.len(), 2);
    assert_eq!(s.rows[0].values["previous_year_total_wages"], "72000.5");
    assert_eq!(s.rows[0].values["months_paid"], "12");
    assert_eq!(s.problems.len(), 1);
    assert_eq!(s.problems[0].code, "UNKNOWN_FIELD");
    assert_eq!(s.problems[0].column.as_deref(), Some("extra"));
    assert_eq!(s.problems[0].row, 2);

    let text = rows.to_string();
    let s = read(k, &named(text.as_bytes(), "rows.json"), &Limits::default()).unwrap();
    assert_eq!(s.format, Format::Json);
    let r = read(
        k,
        &Upload {
            bytes: b"[{\"name\": ",
            file_name: None,
            content_type: Some("application/json"),
        },
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!((r.code(), r.status()), ("IMPORT_BAD_JSON", 400));
}

// ---------------------------------------------------------------------------
// Round trip and the error report
// ---------------------------------------------------------------------------

fn employee(i: usize) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    v.insert("person_no", format!("1000{:07}", i));
    v.insert("name", format!("职工{i}"));
    v.insert(
        "stop_date",
        format!("2024-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
    );
    v.insert(
        "reason",
        ["退休", "解除劳动合同", "调出本单位"][i % 3].to_string(),
    );
    if i.is_multiple_of(2) {
        v.insert("ins_110", "yes".to_string());
    }
    v
}

#[test]
fn round_trip_a_thousand_rows() {
    let k = TemplateKind::Suspension;
    let rows: Vec<Row> = (0..1000)
        .map(|i| Row {
            number: 0,
            values: employee(i),
        })
        .collect();
    let bytes = template_xlsx_with_rows(k, &rows).unwrap();
    let s = read(k, &named(&bytes, &k.file_name("xlsx")), &Limits::default()).unwrap();
    assert!(
        s.problems.is_empty(),
        "{:?}",
        &s.problems[..s.problems.len().min(3)]
    );
    assert_eq!(s.rows.len(), 1000);
    for (i, row) in s.rows.iter().enumerate() {
        assert_eq!(row.number as usize, i + 3);
        assert_eq!(row.values, rows[i].values);
    }

    // The same rows typed into the template layout as a clerk would: numbers
    // in the person-number column, real date cells, labels for choices.
    let date = XFormat::new().set_num_format("yyyy/m/d");
    let bytes = filled(k, |ws| {
        for (i, row) in rows.iter().enumerate() {
            let r = i as u32 + 2;
            let v = &row.values;
            ws.write_number(r, 0, v["person_no"].parse::<f64>().unwrap())?;
            ws.write_string(r, 1, &v["name"])?;
            let (y, rest) = v["stop_date"].split_once('-').unwrap();
            let (m, d) = rest.split_once('-').unwrap();
            let dt = ExcelDateTime::from_ymd(
                y.parse().unwrap(),
                m.parse().unwrap(),
                d.parse().unwrap(),
            )?;
            ws.write_datetime_with_format(r, 2, dt, &date)?;
            ws.write_string(r, 3, &v["reason"])?;
            if v.contains_key("ins_110") {
                ws.write_string(r, 4, "是")?;
            }
        }
        Ok(())
    });
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert!(s.problems.is_empty());
    let got: Vec<&BTreeMap<&str, String>> = s.rows.iter().map(|r| &r.values).collect();
    let want: Vec<&BTreeMap<&str, String>> = rows.iter().map(|r| &r.values).collect();
    assert_eq!(got, want);
}

#[test]
fn error_report_shows_every_problem_and_can_be_uploaded_again() {
    let k = TemplateKind::Suspension;
    let bytes = filled(k, |ws| {
        write_row(ws, 2, &STOP)?;
        write_row(ws, 3, &["10003726256", "", "2024-02-30", "退休"])?;
        write_row(ws, 4, &["10003726257", "王五", "2024-06-30", "离职"])
    });
    let s = read(k, &upload(&bytes), &Limits::default()).unwrap();
    assert_eq!(s.problems.len(), 3);
    let mut all = s.problems.clone();
    // The application adds its own rule problem in the same shape.
    all.push(Problem::new(
        &s.sheet_name,
        3,
        Some("person_no"),
        k,
        s.format,
        "PERSON_NOT_IN_UNIT",
        "该职工不在本单位参保",
    ));
    let report = report_xlsx(k, &s, &all).unwrap();

    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(report.as_slice())).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "职工停保");
    assert!(names.contains(&"_qibao".to_string()));
    let range = wb.worksheet_range("职工停保").unwrap();
    let cell = |r: u32, c: u32| {
        range
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(0, 7), "错误信息");
    assert_eq!(cell(1, 0), "AAC001");
    assert_eq!(cell(2, 0), "10003726255");
    assert_eq!(cell(2, 1), "张三");
    assert_eq!(cell(2, 7), "个人编号：该职工不在本单位参保");
    assert_eq!(cell(3, 0), "10003726256");
    assert_eq!(cell(3, 1), "");
    assert_eq!(cell(3, 2), "", "the invalid date is not a normalised value");
    let e4 = cell(3, 7);
    let lines: Vec<&str> = e4.lines().collect();
    assert_eq!(lines.len(), 2, "{e4}");
    assert!(lines[0].starts_with("“姓名”为必填项"), "{e4}");
    assert!(lines[1].starts_with("“停保时间”不是有效日期"), "{e4}");
    assert_eq!(cell(4, 3), "");
    assert!(cell(4, 7).contains("“停保原因”只能填写：解除劳动合同、终止劳动合同"));
    let styles = wb.worksheet_style("职工停保").unwrap();
    let fill = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.foreground_color)
            .map(|c| (c.red, c.green, c.blue))
    };
    let light_red = Some((0xFF, 0xC7, 0xCE));
    assert_eq!(fill(3, 1), light_red, "the missing name");
    assert_eq!(fill(3, 2), light_red, "the impossible date");
    assert_eq!(fill(2, 0), light_red, "the application's problem");
    assert_eq!(fill(2, 1), None, "a good cell stays plain");
    assert_eq!(fill(3, 0), None);
    let font = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.font.as_ref())
            .and_then(|f| f.color)
            .map(|c| (c.red, c.green, c.blue))
    };
    assert_eq!(font(3, 7), Some((0xC0, 0x00, 0x00)), "red error text");
    let sheet1 = zip_entry(&report, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains(r#"hidden="1""#));

    // Corrected in place and uploaded again: the error column is ignored.
    let s2 = read(k, &named(&report, "错误报告.xlsx"), &Limits::default()).unwrap();
    assert_eq!(s2.rows.len(), 3);
    assert_eq!(s2.rows[0].values, s.rows[0].values);
    assert!(s2.notices.is_empty(), "{:?}", s2.notices);
    assert_eq!(codes(&s2.problems).len(), 3);

    // JSON rows go from row 3 on, by index.
    let json = serde_json::json!([{"person_no": "10003726255", "name": "张三", "stop_date": "x", "reason": "退休"}]);
    let s = read_json(k, &json, &Limits::default()).unwrap();
    let report = report_xlsx(k, &s, &s.problems).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(report.as_slice())).unwrap();
    let range = wb.worksheet_range("职工停保").unwrap();
    assert_eq!(
        range.get_value((2, 0)),
        Some(&Data::String("10003726255".into()))
    );
    assert!(
        range
            .get_value((2, 7))
            .unwrap()
            .to_string()
            .contains("停保时间")
    );
}

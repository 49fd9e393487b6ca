//! Issue 12 scenarios: batch import (导盘) from the system's templates, a
//! report that names each bad row and column, an all-or-nothing commit that
//! makes what the one-by-one endpoints make, replays, refused files, JSON
//! rows from payroll software and the jobs that carry the work; over HTTP on
//! SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use qibao_e2e::fixtures::{UnitSpec, insert_unit, rid, row_count, token};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const IMPORTS: &str = "/api/v1/portal/imports";
const TEMPLATES: &str = "/api/v1/portal/import-templates";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell as a clerk (or Excel) leaves it.
#[derive(Clone, Debug)]
enum C {
    T(String),
    /// A number cell (what Excel makes of a long digit string).
    N(f64),
    /// A date cell (a serial number with a date format).
    D(u16, u8, u8),
    /// A formula with its cached result.
    F(&'static str, String),
}

fn t(s: &str) -> C {
    C::T(s.to_owned())
}

/// The layout of a downloaded template: its sheets, the data sheet's
/// headers (row 1) and field codes (row 2), and the marker sheet's cells.
struct Layout {
    data_sheet: String,
    headers: Vec<String>,
    codes: Vec<String>,
    marker: Vec<Vec<String>>,
    marker_sheet: String,
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn layout(bytes: &[u8]) -> Layout {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names().clone();
    let data_sheet = names[0].clone();
    let range = book.worksheet_range(&data_sheet).unwrap();
    let row = |r: u32| -> Vec<String> {
        (0..range.width() as u32)
            .map(|c| range.get_value((r, c)).map(cell_text).unwrap_or_default())
            .collect()
    };
    let (headers, codes) = (row(0), row(1));
    let marker_sheet = names
        .iter()
        .find(|n| n.starts_with('_'))
        .expect("a marker sheet")
        .clone();
    let m = book.worksheet_range(&marker_sheet).unwrap();
    let marker = m
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    Layout {
        data_sheet,
        headers,
        codes,
        marker,
        marker_sheet,
    }
}

impl Layout {
    fn col(&self, code: &str) -> u16 {
        self.codes
            .iter()
            .position(|c| c == code)
            .unwrap_or_else(|| panic!("{code}")) as u16
    }

    /// A workbook as Excel saves the filled template: the data sheet with
    /// its header and hidden code rows, the rows from row 3, the marker
    /// sheet (hidden) and, when asked, a hidden sheet of the clerk's own.
    fn workbook(&self, rows: &[BTreeMap<&str, C>], draft_sheet: bool) -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
        let mut book = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let ws = book.add_worksheet();
        ws.set_name(&self.data_sheet).unwrap();
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
            ws.write_string(1, c as u16, &self.codes[c]).unwrap();
        }
        ws.set_row_hidden(1).unwrap();
        for (i, r) in rows.iter().enumerate() {
            let row = (i + 2) as u32;
            for (code, v) in r {
                let col = self.col(code);
                match v {
                    C::T(s) => {
                        ws.write_string(row, col, s).unwrap();
                    }
                    C::N(n) => {
                        ws.write_number(row, col, *n).unwrap();
                    }
                    C::D(y, m, d) => {
                        let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        ws.write_datetime_with_format(row, col, &dt, &date).unwrap();
                    }
                    C::F(f, cached) => {
                        ws.write_formula(row, col, Formula::new(*f).set_result(cached))
                            .unwrap();
                    }
                }
            }
        }
        let marker = book.add_worksheet();
        marker.set_name(&self.marker_sheet).unwrap();
        for (r, cells) in self.marker.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                marker.write_string(r as u32, c as u16, v).unwrap();
            }
        }
        marker.set_hidden(true);
        if draft_sheet {
            let draft = book.add_worksheet();
            draft.set_name("草稿").unwrap();
            draft.write_string(0, 0, "不导入").unwrap();
            draft.set_hidden(true);
        }
        book.save_to_buffer().unwrap()
    }
}

/// A multipart/form-data body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----qibao-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    if let Some((name, ct, bytes)) = file {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(app: &App, token: &str, kind: &str, name: &str, ct: &str, bytes: &[u8]) -> Resp {
    let (content_type, body) = multipart(&[("kind", kind)], Some((name, ct, bytes)));
    app.call_raw(reqwest::Method::POST, IMPORTS, token, &content_type, body)
}

fn upload_with(
    app: &App,
    token: &str,
    fields: &[(&str, &str)],
    name: &str,
    bytes: &[u8],
    key: Option<&str>,
) -> Resp {
    let (content_type, body) = multipart(fields, Some((name, XLSX, bytes)));
    let mut rb = app
        .client
        .post(app.url(IMPORTS))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body);
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    Resp::read(rb.send().unwrap())
}

/// Polls the job at `location` until it ends; returns it.
fn wait_job(app: &App, token: &str, location: &str) -> Value {
    let start = Instant::now();
    loop {
        let r = app.get_as(location, token);
        assert_eq!(r.status, 200, "{}", r.text);
        let state = r.body["state"].as_str().unwrap().to_owned();
        assert!(r.body["done"].as_i64().unwrap() <= r.body["total"].as_i64().unwrap().max(1));
        if state == "succeeded" || state == "failed" {
            return r.body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "job stuck: {}",
            r.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn location(r: &Resp) -> String {
    r.headers["location"].to_str().unwrap().to_owned()
}

/// Uploads and waits for the validation; returns the import.
fn validated(app: &App, token: &str, r: &Resp) -> Value {
    assert_eq!(r.status, 202, "{}", r.text);
    let job = wait_job(app, token, &location(r));
    assert_eq!(job["state"], "succeeded", "{job}");
    let id = r.body["import"]["id"].as_i64().unwrap();
    let import = app.get_as(&format!("{IMPORTS}/{id}"), token).body;
    if import["state"] != "valid" {
        // Shown when a test fails.
        eprintln!(
            "{}",
            app.get_as(&format!("{IMPORTS}/{id}/report"), token).text
        );
    }
    import
}

fn commit(app: &App, token: &str, id: i64) -> (Resp, Value) {
    let r = app.post_as(&format!("{IMPORTS}/{id}/commit"), token, &json!({}));
    assert!(r.status == 202 || r.status == 200, "{}", r.text);
    let job = wait_job(app, token, &location(&r));
    (r, job)
}

/// The `i`-th person of a file: a valid resident ID, born 1990.
fn person_id(i: usize) -> String {
    rid(&format!(
        "4205001990{:02}{:02}{:03}",
        1 + (i / 28) % 12,
        1 + i % 28,
        i % 1000
    ))
}

/// A good enrolment row (start this month, a wage of 5,234.56).
fn good_row(i: usize) -> BTreeMap<&'static str, C> {
    BTreeMap::from([
        ("AAC002", C::T(person_id(i))),
        ("AAC003", C::T(cname("职工", i))),
        ("AAE005", t(&format!("138{:08}", i))),
        ("AAC007", t("2010-07-01")),
        ("AAC030", t("2023-04-01")),
        ("AAC040", t("5234.56")),
    ])
}

fn unit(app: &App, uscc: &str) -> String {
    let u = insert_unit(app, &UnitSpec::new(uscc, "导盘测试单位"));
    token(app, u.id)
}

fn problems_by_row(report: &Value) -> BTreeMap<u64, Vec<(String, String)>> {
    let mut out: BTreeMap<u64, Vec<(String, String)>> = BTreeMap::new();
    for p in report["problems"].as_array().unwrap() {
        out.entry(p["row"].as_u64().unwrap()).or_default().push((
            p["column"].as_str().unwrap_or("").to_owned(),
            p["code"].as_str().unwrap().to_owned(),
        ));
    }
    out
}

/// What the enrolments stored, by ID number: the person's fields and each
/// line (insurance, period, base, unit and personal amounts, state).
fn stored(app: &App) -> BTreeMap<String, (String, String, Vec<String>)> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct L {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id_number: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        phone: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let mut conn = app.pool.get().unwrap();
    let rows: Vec<L> = diesel::sql_query(
        "SELECT p.id_number, p.name, p.phone, \
         a.insurance || ':' || CAST(a.period AS TEXT) || ':' || CAST(a.base_fen AS TEXT) || ':' || \
         CAST(a.unit_fen AS TEXT) || ':' || CAST(a.individual_fen AS TEXT) || ':' || a.kind || ':' || a.status AS line \
         FROM assessments a JOIN persons p ON p.id = a.person_id ORDER BY p.id_number, line",
    )
    .load(&mut *conn)
    .unwrap();
    let mut out: BTreeMap<String, (String, String, Vec<String>)> = BTreeMap::new();
    for r in rows {
        out.entry(r.id_number)
            .or_insert_with(|| (r.name, r.phone.unwrap_or_default(), Vec::new()))
            .2
            .push(r.line);
    }
    out
}

#[test]
fn a_thousand_row_enrolment_is_reported_row_by_row_then_committed_all_or_nothing() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IMPRT1X");

    // The template, as a unit downloads it.
    let tpl = app
        .client
        .get(app.url(&format!("{TEMPLATES}/enrolment")))
        .bearer_auth(&tok)
        .send()
        .unwrap();
    assert_eq!(tpl.status().as_u16(), 200);
    assert_eq!(tpl.headers()["content-type"], XLSX);
    assert!(
        tpl.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lay = layout(&tpl.bytes().unwrap());
    assert!(lay.codes.contains(&"AAC002".to_owned()));
    assert!(lay.headers.iter().any(|h| h.contains("社会保障号码")));

    // 1,000 rows; some with an error of each kind.
    let mut rows: Vec<BTreeMap<&str, C>> = (0..1000).map(good_row).collect();
    let id_col = lay.col("AAC002");
    let letter = |code: &str| ((b'A' + lay.col(code) as u8) as char).to_string();
    // Excel stored the ID as a number: refused, never rounded.
    rows[7].insert("AAC002", C::N(4.205001990010101e17));
    // A wrong check character.
    let mut bad = person_id(17);
    bad.replace_range(17.., if bad.ends_with('0') { "1" } else { "0" });
    rows[17].insert("AAC002", C::T(bad));
    // An impossible date.
    rows[27].insert("AAC030", t("2023-02-30"));
    // The same person twice.
    rows[37].insert("AAC002", C::T(person_id(5)));
    // No name.
    rows[47].remove("AAC003");
    // No insurance chosen (every one "否").
    for code in ["AAE140-110", "AAE140-210", "AAE140-410"] {
        rows[57].insert(code, t("否"));
    }
    // A start date in the future (a rule of the use case).
    rows[67].insert("AAC030", t("2023-05-02"));
    // Not money.
    rows[77].insert("AAC040", t("五千元"));
    // What is accepted: full-width digits, other date forms, a date cell, a formula.
    rows[90].insert("AAE005", t("１３８０７１７１２３４"));
    rows[100].insert("AAC030", C::D(2023, 4, 3));
    rows[110].insert("AAC030", t("2023/4/1"));
    rows[111].insert("AAC030", t("20230401"));
    rows[120].insert("AAC040", C::F("=5000+234.56", "5234.56".into()));
    rows[130].insert("AAC058", t("居民身份证"));
    rows[131].insert("AAE140-410", t("是"));
    let before = row_count(&app, "persons");
    let book = lay.workbook(&rows, true);
    let r = upload(
        &app,
        &tok,
        "enrolment",
        "职工参保登记导入模板-v1.xlsx",
        XLSX,
        &book,
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "invalid", "{import}");
    assert_eq!(import["row_count"], 1000);
    assert_eq!(import["problem_rows"], 8);
    assert_eq!(import["file_sha256"].as_str().unwrap().len(), 64);
    assert!(
        import["notices"].to_string().contains("草稿"),
        "the hidden sheet is said: {import}"
    );
    let id = import["id"].as_i64().unwrap();
    let report = app.get_as(&format!("{IMPORTS}/{id}/report"), &tok);
    assert_eq!(report.status, 200, "{}", report.text);
    let by_row = problems_by_row(&report.body);
    let expect = |i: usize, code: &str, col: &str| {
        let row = (i + 3) as u64;
        let got = by_row
            .get(&row)
            .unwrap_or_else(|| panic!("row {row}: {}", report.text));
        assert!(
            got.iter().any(|(c, k)| k == code && c == &letter(col)),
            "row {row}: want {code} in {} ({}), got {got:?}",
            letter(col),
            col
        );
    };
    expect(7, "ID_NUMBER_AS_NUMBER", "AAC002");
    expect(17, "VALIDATION_FAILED", "AAC002");
    expect(27, "DATE_INVALID", "AAC030");
    expect(37, "DUPLICATE_ROW", "AAC002");
    expect(47, "REQUIRED", "AAC003");
    expect(57, "VALIDATION_FAILED", "AAE140-110");
    expect(67, "START_DATE_IN_FUTURE", "AAC030");
    expect(77, "MONEY_INVALID", "AAC040");
    assert_eq!(by_row.len(), 8, "{}", report.text);
    let msg = report.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "ID_NUMBER_AS_NUMBER")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("文本"), "{msg}");
    for p in report.body["problems"].as_array().unwrap() {
        assert_eq!(p["sheet"], lay.data_sheet.as_str());
        assert!(!p["message"].as_str().unwrap().is_empty());
    }
    let _ = id_col;
    // Nothing was stored by the validation.
    assert_eq!(row_count(&app, "persons"), before);
    // The commit of an invalid import is refused.
    let refused = app.post_as(&format!("{IMPORTS}/{id}/commit"), &tok, &json!({}));
    refused.assert_problem(409, "IMPORT_NOT_VALID");

    // The report as the uploaded workbook, marked in red.
    let (status, ct, bytes) = app.get_bytes(&format!("{IMPORTS}/{id}/report?format=xlsx"), &tok);
    assert_eq!((status, ct.as_str()), (200, XLSX));
    let mut marked: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let first = marked.sheet_names()[0].clone();
    let range = marked.worksheet_range(&first).unwrap();
    let last = range.width() as u32 - 1;
    assert_eq!(cell_text(range.get_value((0, last)).unwrap()), "错误信息");
    let note = cell_text(range.get_value((7 + 2, last)).unwrap());
    assert!(note.contains("文本"), "{note}");
    assert_eq!(
        cell_text(range.get_value((8 + 2, last)).unwrap_or(&Data::Empty)),
        ""
    );

    // The corrected file commits.
    for i in [7, 17, 27, 37, 47, 57, 67, 77] {
        rows[i] = good_row(i);
    }
    let book = lay.workbook(&rows, false);
    let r = upload(
        &app,
        &tok,
        "enrolment",
        "职工参保登记-更正.xlsx",
        XLSX,
        &book,
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "valid", "{import}");
    let id = import["id"].as_i64().unwrap();
    let (c, job) = commit(&app, &tok, id);
    assert_eq!(c.status, 202);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["done"], 1000);
    let done = app.get_as(&format!("{IMPORTS}/{id}"), &tok).body;
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(done["result"]["rows"], 1000);
    assert_eq!(done["result"]["persons_created"], 1000);
    assert_eq!(done["business_item_ids"].as_array().unwrap().len(), 1000);
    assert_eq!(row_count(&app, "persons"), before + 1000);
    let s = stored(&app);
    assert_eq!(s.len(), 1000);
    assert_eq!(s[&person_id(90)].1, "13807171234");

    // A second commit is a replay of the first.
    let again = app.post_as(&format!("{IMPORTS}/{id}/commit"), &tok, &json!({}));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body["job"]["id"], c.body["job"]["id"]);
    assert_eq!(row_count(&app, "persons"), before + 1000);

    // The history lists both imports, newest first.
    let list = app.get_as(IMPORTS, &tok);
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["items"][0]["id"], id);

    // The one-by-one endpoint, on another server at the same date, makes
    // the same persons and lines from the same rows.
    let other = App::start("2023-04-20");
    let tok2 = unit(&other, "91420500MA0IMPRT1X");
    for (i, row) in rows.iter().enumerate().take(150) {
        let text = |code: &str| match row.get(code) {
            Some(C::T(s)) => Some(s.clone()),
            Some(C::F(_, v)) => Some(v.clone()),
            Some(C::D(y, m, d)) => Some(format!("{y:04}-{m:02}-{d:02}")),
            _ => None,
        };
        let phone = text("AAE005").map(|p| {
            p.chars()
                .map(|c| match c {
                    '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
                    _ => c,
                })
                .collect::<String>()
        });
        let start = text("AAC030").map(|d| match d.as_str() {
            "2023/4/1" | "20230401" => "2023-04-01".to_owned(),
            _ => d,
        });
        let mut body = json!({
            "id_number": text("AAC002"), "name": text("AAC003"), "phone": phone,
            "first_work_date": text("AAC007"), "start_date": start,
            "monthly_wage": text("AAC040"),
        });
        if text("AAE140-410").is_some() {
            body["insurances"] = json!(["410"]);
        }
        let r = other.post_as("/api/v1/portal/employees", &tok2, &body);
        assert_eq!(r.status, 201, "row {i}: {}", r.text);
    }
    let one_by_one = stored(&other);
    for (k, v) in &one_by_one {
        assert_eq!(s.get(k), Some(v), "{k}");
    }
}

#[test]
fn json_rows_from_payroll_software_and_every_other_kind_of_import() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IMPRT2X");
    let rows: Vec<Value> = (0..3)
        .map(|i| {
            json!({"id_number": person_id(500 + i), "name": cname("张", i), "phone": "13807171234",
                   "first_work_date": "2010-07-01", "start_date": "2023-03-15", "monthly_wage": 6000,
                   "ins_110": "是", "ins_210": "是", "ins_410": "是"})
        })
        .collect();
    let r = app.post_as(IMPORTS, &tok, &json!({"kind": "enrolment", "rows": rows}));
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "valid", "{import}");
    assert_eq!(import["format"], "json");
    // The file's totals, to reconcile with the payroll.
    let report = app
        .get_as(&format!("{IMPORTS}/{}/report", import["id"]), &tok)
        .body;
    assert_eq!(
        report["amount_totals"]["monthly_wage"], "18000.00",
        "{report}"
    );
    let (_, job) = commit(&app, &tok, import["id"].as_i64().unwrap());
    assert_eq!(job["state"], "succeeded", "{job}");
    let list = app.get_as("/api/v1/portal/employees", &tok);
    let nos: Vec<(String, String)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["person_no"].as_str().unwrap().to_owned(),
                e["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(nos.len(), 3);

    // A large export as a job: the same file as the list's own answer.
    let r = app
        .client
        .get(app.url("/api/v1/portal/employees?format=csv"))
        .bearer_auth(&tok)
        .header("Prefer", "respond-async")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_job(&app, &tok, &loc);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["kind"], "export");
    assert_eq!(job["result"]["rows"], 3);
    let (status, ct, file) = app.get_bytes(&format!("{loc}/file"), &tok);
    assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let (_, _, direct) = app.get_bytes("/api/v1/portal/employees?format=csv", &tok);
    assert_eq!(file, direct);
    let r = app
        .client
        .get(app.url("/api/v1/portal/paid-months?format=xlsx"))
        .bearer_auth(&tok)
        .header("Prefer", "respond-async")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(wait_job(&app, &tok, &loc)["state"], "succeeded");
    let (status, ct, _) = app.get_bytes(&format!("{loc}/file"), &tok);
    assert_eq!((status, ct.as_str()), (200, XLSX));

    // A JSON row with an unknown key or an ID number sent as a number.
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "enrolment", "rows": [{"id_number": 420500199001011234u64, "name": "李", "phone": "13807171234",
                 "first_work_date": "2010-07-01", "start_date": "2023-04-01", "monthly_wage": "5000", "salary": 1}]}),
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "invalid");
    let report = app
        .get_as(&format!("{IMPORTS}/{}/report", import["id"]), &tok)
        .body;
    let codes: BTreeSet<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        codes.contains("ID_NUMBER_AS_NUMBER") && codes.contains("UNKNOWN_FIELD"),
        "{report}"
    );

    // Insurance change: remove 210 for the first, a wrong name for the second.
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "insurance_change", "rows": [
            {"person_no": nos[0].0, "name": nos[0].1, "action": "减少", "insurance": "210", "stop_date": "2023-04-30", "reason": "个人申请"},
            {"person_no": nos[1].0, "name": "别人", "action": "减少", "insurance": "210"}]}),
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "invalid");
    let report = app
        .get_as(&format!("{IMPORTS}/{}/report", import["id"]), &tok)
        .body;
    assert_eq!(report["problems"][0]["row"], 2, "{report}");
    assert_eq!(report["problems"][0]["code"], "NAME_MISMATCH");

    // Wage-base declaration of the year, with the commitment.
    let wage_rows: Vec<Value> = nos
        .iter()
        .map(|(no, name)| json!({"person_no": no, "name": name, "first_month_wage": "6000"}))
        .collect();
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "wage_declaration", "rows": wage_rows.clone()}),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "wage_declaration", "si_year": 2022, "rows": wage_rows.clone()}),
    );
    r.assert_problem(422, "COMMITMENT_NOT_CONFIRMED");
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "wage_declaration", "si_year": 2022, "commitment_confirmed": true, "rows": wage_rows}),
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "valid", "{import}");
    let (_, job) = commit(&app, &tok, import["id"].as_i64().unwrap());
    assert_eq!(job["state"], "succeeded", "{job}");
    let decl = app.get_as("/api/v1/portal/wage-declarations/2022", &tok);
    assert_eq!(decl.status, 200, "{}", decl.text);
    assert_eq!(decl.body["persons"].as_array().unwrap().len(), 3);

    // Suspension of the third.
    let r = app.post_as(
        IMPORTS,
        &tok,
        &json!({"kind": "suspension", "rows": [{"person_no": nos[2].0, "name": nos[2].1, "stop_date": "2023-04-15", "reason": "解除劳动合同"}]}),
    );
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "valid", "{import}");
    let (_, job) = commit(&app, &tok, import["id"].as_i64().unwrap());
    assert_eq!(job["state"], "succeeded", "{job}");
    let d = app.get_as(&format!("/api/v1/portal/employees/{}", nos[2].0), &tok);
    assert!(
        d.text.contains("suspended") || d.text.contains("stopped"),
        "{}",
        d.text
    );

    // Another unit sees neither the imports nor the jobs.
    let other = unit(&app, "91420500MA0IMPRT3X");
    let id = import["id"].as_i64().unwrap();
    app.get_as(&format!("{IMPORTS}/{id}"), &other)
        .assert_problem(404, "IMPORT_NOT_FOUND");
    let job_id = job["id"].as_i64().unwrap();
    app.get_as(&format!("/api/v1/portal/jobs/{job_id}"), &other)
        .assert_problem(404, "JOB_NOT_FOUND");
    app.post_as(&format!("{IMPORTS}/{id}/commit"), &other, &json!({}))
        .assert_problem(404, "IMPORT_NOT_FOUND");
    assert_eq!(app.get_as(IMPORTS, &other).body["total"], 0);
}

#[test]
fn bad_files_are_refused_at_once_and_nothing_is_stored() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IMPRT4X");
    let tpl = |kind: &str| {
        app.client
            .get(app.url(&format!("{TEMPLATES}/{kind}")))
            .bearer_auth(&tok)
            .send()
            .unwrap()
            .bytes()
            .unwrap()
            .to_vec()
    };
    let enrol = tpl("enrolment");
    let lay = layout(&enrol);
    let filled = lay.workbook(&[good_row(1)], false);

    upload(
        &app,
        &tok,
        "enrolment",
        "a.xlsx",
        XLSX,
        b"hello, this is not a workbook at all\x00\x01",
    )
    .assert_problem(422, "IMPORT_NOT_A_WORKBOOK");
    upload(
        &app,
        &tok,
        "enrolment",
        "a.xlsx",
        XLSX,
        &filled[..filled.len() / 2],
    )
    .assert_problem(422, "IMPORT_TRUNCATED");
    upload(
        &app,
        &tok,
        "enrolment",
        "a.xlsm",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        &filled,
    )
    .assert_problem(422, "IMPORT_MACRO_ENABLED");
    upload(&app, &tok, "suspension", "a.xlsx", XLSX, &filled)
        .assert_problem(422, "IMPORT_WRONG_TEMPLATE");
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend(std::iter::repeat_n(0u8, 504));
    cfb.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    cfb.extend(std::iter::repeat_n(0u8, 1024));
    upload(&app, &tok, "enrolment", "a.xlsx", XLSX, &cfb).assert_problem(422, "IMPORT_ENCRYPTED");
    upload(&app, &tok, "enrolment", "a.csv", "text/csv", &filled)
        .assert_problem(415, "IMPORT_TYPE_MISMATCH");

    // A zip bomb: a small archive that inflates to gigabytes.
    let mut bomb = Vec::new();
    {
        let mut z = zip::ZipWriter::new(Cursor::new(&mut bomb));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("xl/workbook.xml", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..600 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    assert!(bomb.len() < 5 << 20);
    upload(&app, &tok, "enrolment", "a.xlsx", XLSX, &bomb).assert_problem(422, "IMPORT_ZIP_BOMB");

    // 1,000,000 rows (a CSV from the CSV template).
    let csv = app
        .get_bytes(&format!("{TEMPLATES}/enrolment?format=csv"), &tok)
        .2;
    let mut big = csv.clone();
    for i in 0..1_000_000u32 {
        write!(big, ",{i},x\r\n").unwrap();
    }
    assert!(big.len() < 20 << 20);
    upload(&app, &tok, "enrolment", "a.csv", "text/csv", &big)
        .assert_problem(413, "IMPORT_TOO_MANY_ROWS");
    // Over 20 MiB.
    let huge = vec![b'a'; 21 << 20];
    upload(&app, &tok, "enrolment", "a.csv", "text/csv", &huge)
        .assert_problem(413, "IMPORT_FILE_TOO_LARGE");
    // A hand-made workbook (no template marker).
    let mut hand = rust_xlsxwriter::Workbook::new();
    let ws = hand.add_worksheet();
    for (c, h) in lay.headers.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let hand = hand.save_to_buffer().unwrap();
    upload(&app, &tok, "enrolment", "a.xlsx", XLSX, &hand)
        .assert_problem(422, "IMPORT_WRONG_TEMPLATE");
    // An older template version.
    let mut old = layout(&enrol);
    for row in &mut old.marker {
        if row.first().is_some_and(|c| c == "version") {
            row[1] = "0".into();
        }
    }
    upload(
        &app,
        &tok,
        "enrolment",
        "a.xlsx",
        XLSX,
        &old.workbook(&[good_row(1)], false),
    )
    .assert_problem(422, "IMPORT_TEMPLATE_OUTDATED");
    // An empty template, an unknown kind, a missing file.
    upload(&app, &tok, "enrolment", "a.xlsx", XLSX, &enrol).assert_problem(422, "IMPORT_EMPTY");
    upload(&app, &tok, "payroll", "a.xlsx", XLSX, &filled).assert_problem(400, "VALIDATION_FAILED");
    let (ct, body) = multipart(&[("kind", "enrolment")], None);
    app.call_raw(reqwest::Method::POST, IMPORTS, &tok, &ct, body)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(&format!("{TEMPLATES}/payroll"), &tok)
        .assert_problem(404, "IMPORT_TEMPLATE_NOT_FOUND");

    assert_eq!(row_count(&app, "imports"), 0);
    assert_eq!(row_count(&app, "jobs"), 0);

    // The same Idempotency-Key with the same file answers the first import;
    // with another file it is refused.
    let first = upload_with(
        &app,
        &tok,
        &[("kind", "enrolment")],
        "a.xlsx",
        &filled,
        Some("k-1"),
    );
    assert_eq!(first.status, 202, "{}", first.text);
    let again = upload_with(
        &app,
        &tok,
        &[("kind", "enrolment")],
        "a.xlsx",
        &filled,
        Some("k-1"),
    );
    // The first answer again, as it was (status and body), marked replayed.
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.text, first.text);
    assert_eq!(again.headers["location"], first.headers["location"]);
    let other = lay.workbook(&[good_row(2)], false);
    upload_with(
        &app,
        &tok,
        &[("kind", "enrolment")],
        "a.xlsx",
        &other,
        Some("k-1"),
    )
    .assert_problem(409, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(row_count(&app, "imports"), 1);
}

#[test]
fn a_commit_is_refused_when_the_units_data_changed_since_validation() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IMPRT5X");
    let rows: Vec<Value> = (0..4)
        .map(|i| {
            json!({"id_number": person_id(700 + i), "name": cname("王", i), "phone": "13807171234",
                   "first_work_date": "2010-07-01", "start_date": "2023-04-01", "monthly_wage": "5000"})
        })
        .collect();
    let r = app.post_as(IMPORTS, &tok, &json!({"kind": "enrolment", "rows": rows}));
    let import = validated(&app, &tok, &r);
    assert_eq!(import["state"], "valid");
    // Meanwhile the third person is enrolled one by one.
    let mut one = rows[2].clone();
    one["monthly_wage"] = json!("5000");
    let e = app.post_as("/api/v1/portal/employees", &tok, &one);
    assert_eq!(e.status, 201, "{}", e.text);
    let before = row_count(&app, "persons");
    let id = import["id"].as_i64().unwrap();
    let (_, job) = commit(&app, &tok, id);
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "IMPORT_DATA_CHANGED");
    assert!(
        job["error"]["detail"].as_str().unwrap().contains("第3行"),
        "{job}"
    );
    assert_eq!(
        row_count(&app, "persons"),
        before,
        "nothing of the commit is stored"
    );
    let import = app.get_as(&format!("{IMPORTS}/{id}"), &tok).body;
    assert_eq!(import["state"], "invalid");
    let report = app.get_as(&format!("{IMPORTS}/{id}/report"), &tok).body;
    assert_eq!(report["problems"][0]["row"], 3, "{report}");
    // Jobs are listed for the front end.
    let jobs = app.get_as("/api/v1/portal/jobs", &tok);
    assert_eq!(jobs.status, 200);
    assert_eq!(jobs.body["total"], 2);
}

/// A person's name for row `i` (names hold no digits).
fn cname(prefix: &str, i: usize) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digits: String = i
        .to_string()
        .chars()
        .map(|c| D[c.to_digit(10).unwrap() as usize])
        .collect();
    format!("{prefix}{digits}")
}

#[test]
fn a_committed_import_is_revoked_all_or_nothing() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IMPRT6X");
    let rows: Vec<Value> = (0..3)
        .map(|i| {
            json!({"id_number": person_id(800 + i), "name": cname("赵", i), "phone": "13807171234",
                   "first_work_date": "2010-07-01", "start_date": "2023-04-01", "monthly_wage": "5000"})
        })
        .collect();
    let commit_rows = |rows: &[Value]| {
        let r = app.post_as(IMPORTS, &tok, &json!({"kind": "enrolment", "rows": rows}));
        let import = validated(&app, &tok, &r);
        assert_eq!(import["state"], "valid", "{import}");
        let id = import["id"].as_i64().unwrap();
        let (_, job) = commit(&app, &tok, id);
        assert_eq!(job["state"], "succeeded", "{job}");
        id
    };
    let before = row_count(&app, "persons");
    let id = commit_rows(&rows);
    assert_eq!(row_count(&app, "persons"), before + 3);
    // Revoked: the persons it created and their lines are gone.
    let r = app.post_as(&format!("{IMPORTS}/{id}/revocation"), &tok, &json!({}));
    assert_eq!(r.status, 202, "{}", r.text);
    let job = wait_job(&app, &tok, &location(&r));
    assert_eq!(job["state"], "succeeded", "{job}");
    let import = app.get_as(&format!("{IMPORTS}/{id}"), &tok).body;
    assert_eq!(import["state"], "revoked", "{import}");
    assert!(import["revoked_at"].is_string());
    assert_eq!(
        app.get_as("/api/v1/portal/employees", &tok).body["total"],
        0
    );
    let again = app.post_as(&format!("{IMPORTS}/{id}/revocation"), &tok, &json!({}));
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["job"]["id"], r.body["job"]["id"]);
    app.post_as(&format!("{IMPORTS}/{id}/commit"), &tok, &json!({}))
        .assert_problem(409, "IMPORT_NOT_VALID");

    // A person suspended since: nothing of the import is revoked.
    let id = commit_rows(&rows);
    let list = app.get_as("/api/v1/portal/employees", &tok).body;
    let no = list["items"][1]["person_no"].as_str().unwrap().to_owned();
    let s = app.post_as(
        &format!("/api/v1/portal/employees/{no}/suspensions"),
        &tok,
        &json!({"stop_date": "2023-04-15", "reason": "解除劳动合同"}),
    );
    assert_eq!(s.status, 201, "{}", s.text);
    let r = app.post_as(&format!("{IMPORTS}/{id}/revocation"), &tok, &json!({}));
    let job = wait_job(&app, &tok, &location(&r));
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "IMPORT_NOT_REVOCABLE");
    assert!(
        job["error"]["detail"].as_str().unwrap().contains(&no),
        "{job}"
    );
    assert_eq!(
        app.get_as("/api/v1/portal/employees", &tok).body["total"],
        3
    );
    assert_eq!(
        app.get_as(&format!("{IMPORTS}/{id}"), &tok).body["state"],
        "committed"
    );
    // Not committed: refused.
    let r = app.post_as(IMPORTS, &tok, &json!({"kind": "enrolment", "rows": rows}));
    let open = validated(&app, &tok, &r);
    app.post_as(
        &format!("{IMPORTS}/{}/revocation", open["id"]),
        &tok,
        &json!({}),
    )
    .assert_problem(409, "IMPORT_NOT_COMMITTED");
}

fn post_async(app: &App, token: &str, path: &str, body: &Value) -> Resp {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Prefer", "respond-async")
        .json(body)
        .send()
        .unwrap();
    Resp::read(r)
}

#[test]
fn a_month_is_declared_as_a_job_when_the_client_prefers_to_wait_for_it() {
    use qibao_e2e::fixtures::{declare_wages, set_today, unit_with_staff};
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0IMPRT7X", Some(202207), 3);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    // A month with a gap is refused by the job, with the rule's code.
    let r = post_async(
        &app,
        &u.token,
        "/api/v1/portal/declarations",
        &json!({"period": "202209"}),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let job = wait_job(&app, &u.token, &location(&r));
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["kind"], "declaration");
    assert!(!job["error"]["detail"].as_str().unwrap().is_empty());
    // The current month.
    let r = post_async(
        &app,
        &u.token,
        "/api/v1/portal/declarations",
        &json!({"period": "202208"}),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.headers["preference-applied"], "respond-async");
    assert_eq!(r.body["subject"], "/api/v1/portal/declarations/202208");
    let job = wait_job(&app, &u.token, &location(&r));
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["persons"], 3);
    assert_eq!(job["result"]["declared_now"], true);
    let d = app.get_as("/api/v1/portal/declarations/202208", &u.token);
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["persons"], 3);
    assert_eq!(job["result"]["totals"], d.body["totals"]);
    // Declared already: the job answers the stored declaration.
    let again = post_async(
        &app,
        &u.token,
        "/api/v1/portal/declarations",
        &json!({"period": "202208"}),
    );
    let job = wait_job(&app, &u.token, &location(&again));
    assert_eq!(job["result"]["declared_now"], false, "{job}");
    assert_eq!(row_count(&app, "declarations"), 1);
}

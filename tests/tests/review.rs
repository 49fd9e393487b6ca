//! Issue 3 scenarios: supporting materials, the review queue and
//! key-information changes (R-UNIT-2), over HTTP, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::ids::{BusinessItemId, UnitId};
use qibao_db::repo;
use qibao_db::rows::NewUnit;
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const MATERIALS: &str = "/api/v1/portal/materials";
const REQUESTS: &str = "/api/v1/portal/key-change-requests";
const TASKS: &str = "/api/v1/staff/tasks";

/// A small valid-looking PDF and its SHA-256.
const PDF: &[u8] = b"%PDF-1.4\n% qibao test material\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PDF_SHA256: &str = "da4f47199a19aac1550ac2f2956a6d178575bc34bdca66a2811e1e554d6a28c2";
const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// USCCs with valid check characters (the demo unit holds the first).
const DEMO_USCC: &str = "91420500MA4C8QD2XC";
const USCC_B: &str = "91420500MA4D1B2C36";
const USCC_FREE: &str = "91420500MA4E5F6G7U";
const USCC_LATE: &str = "91420500MA4K1L2M30";
/// Resident IDs with valid check characters.
const NEW_REP_ID: &str = "420500198002020024";

fn resp(r: reqwest::blocking::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = r.text().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        content_type,
        headers,
        body,
        text,
    }
}

/// The demo unit (宜昌): its id and a legal representative's token.
fn demo_unit(app: &App) -> (UnitId, String) {
    let clock = &app.server.clock;
    let summary = qibao_api::demo::load(&app.pool, clock.today(), clock.now_utc()).unwrap();
    let mut conn = app.pool.get().unwrap();
    let unit = repo::get_unit_by_no(&mut conn, &summary.unit_no).unwrap();
    let token = app.mint(Role::LegalRep, DEMO_USCC, "刘建国", Some(unit.id), &[]);
    (unit.id, token)
}

/// Another unit with this USCC: its id and an agent's token.
fn other_unit(app: &App, unit_no: &str, uscc: &str) -> (UnitId, String) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let unit = repo::insert_unit(
        &mut conn,
        &NewUnit {
            unit_no: unit_no.into(),
            uscc: uscc.into(),
            name: format!("测试单位{unit_no}"),
            region_code: "420500".into(),
            unit_type: "企业".into(),
            economic_type: "有限责任公司".into(),
            industry: "批发业".into(),
            risk_class: 1,
            address: "湖北省宜昌市".into(),
            postcode: None,
            phone: "0717-6440000".into(),
            legal_rep_name: "周明".into(),
            legal_rep_id_type: "resident".into(),
            legal_rep_id_number: "420505199003150038".into(),
            collection_method: "tax".into(),
            status: "active".into(),
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    let token = app.mint(
        Role::Agent,
        "420505199003150038",
        "周明",
        Some(unit.id),
        &[],
    );
    (unit.id, token)
}

fn reviewer(app: &App, subject: &str) -> String {
    app.mint(Role::Staff, subject, "审核员", None, &[StaffRole::Reviewer])
}

/// A multipart/form-data body with a `file` part and optional description.
fn form(
    file_name: &str,
    declared_type: &str,
    content: &[u8],
    description: Option<&str>,
) -> Vec<u8> {
    let mut body = Vec::new();
    let b = "----qibao-test-boundary";
    if let Some(d) = description {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{d}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {declared_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    body
}

fn post_form(app: &App, token: &str, content_type: &str, body: Vec<u8>) -> Resp {
    resp(
        app.client
            .post(app.url(MATERIALS))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .unwrap(),
    )
}

fn upload(app: &App, token: &str, name: &str, declared: &str, content: &[u8]) -> Resp {
    post_form(
        app,
        token,
        "multipart/form-data; boundary=----qibao-test-boundary",
        form(name, declared, content, Some("新营业执照副本")),
    )
}

/// GETs raw bytes: status, content type, body.
fn get_bytes(
    app: &App,
    path: &str,
    token: &str,
) -> (u16, String, Vec<u8>, reqwest::header::HeaderMap) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, r.bytes().unwrap().to_vec(), headers)
}

fn uploaded_pdf(app: &App, token: &str) -> i64 {
    let r = upload(app, token, "营业执照.pdf", "application/pdf", PDF);
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn open_task_id(app: &App, staff: &str) -> i64 {
    let r = app.get_as(&format!("{TASKS}?status=open"), staff);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"][0]["id"].as_i64().expect("an open task")
}

fn unit_row(app: &App, unit_id: UnitId) -> qibao_db::review::unit_key::UnitKeyInfo {
    let mut conn = app.pool.get().unwrap();
    qibao_db::review::get_unit_key_info(&mut conn, unit_id).unwrap()
}

#[test]
fn key_information_change_end_to_end() {
    let app = App::start("2023-04-20");
    let (unit_id, unit) = demo_unit(&app);
    let old = unit_row(&app, unit_id);

    // The unit uploads its new business licence.
    let up = upload(&app, &unit, "营业执照.pdf", "application/pdf", PDF);
    assert_eq!(up.status, 201, "{}", up.text);
    assert_eq!(up.body["media_type"], "application/pdf");
    assert_eq!(up.body["file_name"], "营业执照.pdf");
    assert_eq!(up.body["size_bytes"], PDF.len());
    assert_eq!(up.body["sha256"], PDF_SHA256);
    assert!(up.body["created_at"].as_str().unwrap().ends_with("+08:00"));
    let material = up.body["id"].as_i64().unwrap();
    let listed = app.get_as(MATERIALS, &unit);
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["items"][0]["description"], "新营业执照副本");
    assert!(listed.body["items"][0].get("content").is_none());

    // …and asks to change its name and legal representative.
    let r = app.post_as(
        REQUESTS,
        &unit,
        &json!({
            "name": "宜昌市三峡新材料科技有限公司",
            "legal_rep_name": "王建华",
            "legal_rep_id_number": NEW_REP_ID,
            "legal_rep_phone": "13972000001",
            "material_ids": [material],
            "reason": "工商变更登记"
        }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let request = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "pending_review");
    assert_eq!(r.body["review_status"], "open");
    assert_eq!(r.body["before"]["name"], old.name.as_str());
    assert_eq!(r.body["before"]["legal_rep_name"], "刘建国");
    assert_eq!(r.body["after"]["legal_rep_id_number"], NEW_REP_ID);
    assert_eq!(r.body["materials"][0]["id"], material);
    assert_eq!(r.body["timeline"][0]["event"], "created");
    // Nothing is applied before review.
    assert_eq!(unit_row(&app, unit_id), old);
    // One undecided request per unit.
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": "另一个名称有限公司", "material_ids": [material] }),
    )
    .assert_problem(409, "REVIEW_PENDING");

    // A reviewer finds it in the queue.
    let rev1 = reviewer(&app, "rev1");
    let rev2 = reviewer(&app, "rev2");
    let q = app.get_as(&format!("{TASKS}?status=open&kind=unit_key_change"), &rev1);
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["total"], 1);
    let item = &q.body["items"][0];
    assert_eq!(item["kind"], "unit_key_change");
    assert_eq!(item["kind_label"], "单位关键信息变更");
    assert_eq!(item["unit_name"], old.name.as_str());
    assert_eq!(item["unit_no"], old.unit_no.as_str());
    assert_eq!(item["business_item_id"], request);
    assert!(item["age_seconds"].as_i64().unwrap() >= 0);
    let task = item["id"].as_i64().unwrap();

    // Approving without claiming first is refused.
    app.post_as(&format!("{TASKS}/{task}/approval"), &rev1, &json!({}))
        .assert_problem(409, "TASK_NOT_CLAIMED");
    // Claim; a second reviewer cannot claim or decide it.
    let c = app.post_as(&format!("{TASKS}/{task}/claim"), &rev1, &json!({}));
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["status"], "claimed");
    assert!(c.body["claimed_by"].as_str().unwrap().contains("rev1"));
    app.post_as(&format!("{TASKS}/{task}/claim"), &rev2, &json!({}))
        .assert_problem(409, "TASK_CLAIMED");
    app.post_as(&format!("{TASKS}/{task}/approval"), &rev2, &json!({}))
        .assert_problem(409, "TASK_CLAIMED");
    app.post_as(
        &format!("{TASKS}/{task}/rejection"),
        &rev2,
        &json!({ "reason": "不同意" }),
    )
    .assert_problem(409, "TASK_CLAIMED");
    // Claiming one's own task again changes nothing.
    let again = app.post_as(&format!("{TASKS}/{task}/claim"), &rev1, &json!({}));
    assert_eq!(again.status, 200);
    assert_eq!(again.body["events"].as_array().unwrap().len(), 2);

    // The reviewer sees the request, its material and its timeline.
    let d = app.get_as(&format!("{TASKS}/{task}"), &rev1);
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["materials"][0]["sha256"], PDF_SHA256);
    assert_eq!(d.body["materials"][0]["media_type"], "application/pdf");
    assert_eq!(d.body["business_item"]["status"], "pending_review");
    assert_eq!(d.body["business_item"]["before"]["name"], old.name.as_str());
    assert_eq!(
        d.body["business_item"]["after"]["name"],
        "宜昌市三峡新材料科技有限公司"
    );
    assert_eq!(d.body["payload"]["reason"], "工商变更登记");
    let events: Vec<&str> = d.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["created", "claimed"]);
    let (status, ct, bytes, headers) = get_bytes(
        &app,
        &format!("/api/v1/staff/materials/{material}/content"),
        &rev1,
    );
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert_eq!(bytes, PDF);
    assert_eq!(
        headers.get("etag").unwrap().to_str().unwrap(),
        format!("\"{PDF_SHA256}\"")
    );
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");

    // Approval applies the change.
    let a = app.post_as(
        &format!("{TASKS}/{task}/approval"),
        &rev1,
        &json!({ "note": "材料齐全" }),
    );
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(a.body["business_item"]["status"], "approved");
    assert!(a.body["decided_at"].is_string());
    let now = unit_row(&app, unit_id);
    assert_eq!(now.name, "宜昌市三峡新材料科技有限公司");
    assert_eq!(now.legal_rep_name, "王建华");
    assert_eq!(now.legal_rep_id_number, NEW_REP_ID);
    assert_eq!(now.legal_rep_phone.as_deref(), Some("13972000001"));
    assert_eq!(now.uscc, old.uscc);
    // Deciding twice is refused.
    app.post_as(&format!("{TASKS}/{task}/approval"), &rev1, &json!({}))
        .assert_problem(409, "TASK_DECIDED");
    app.post_as(&format!("{TASKS}/{task}/claim"), &rev2, &json!({}))
        .assert_problem(409, "TASK_DECIDED");

    // The unit (same session: its login is by unit) sees the outcome with times.
    let g = app.get_as(&format!("{REQUESTS}/{request}"), &unit);
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(g.body["status"], "approved");
    assert_eq!(g.body["review_status"], "approved");
    assert!(g.body["decided_at"].as_str().unwrap().ends_with("+08:00"));
    assert!(g.body["rejection_reason"].is_null());
    let timeline = g.body["timeline"].as_array().unwrap();
    let steps: Vec<&str> = timeline
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(steps, vec!["created", "claimed", "approved"]);
    assert!(
        timeline
            .iter()
            .all(|e| e["at"].as_str().unwrap().len() >= 20)
    );
    assert_eq!(timeline[2]["label"], "审核通过");
    let list = app.get_as(REQUESTS, &unit);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], request);

    // The change history gets a business item with before/after.
    let mut conn = app.pool.get().unwrap();
    let bi = qibao_db::review::get_business_item(&mut conn, BusinessItemId(request)).unwrap();
    assert_eq!(
        (bi.unit_id, bi.kind.as_str(), bi.status.as_str()),
        (Some(unit_id), "unit_key_change", "approved")
    );
    let before: Value = serde_json::from_str(bi.before_json.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(bi.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(before["legal_rep_name"], "刘建国");
    assert_eq!(before["legal_rep_phone"], "");
    assert_eq!(after["legal_rep_name"], "王建华");
    assert!(bi.actor.starts_with("legal_rep:"));
}

#[test]
fn a_rejected_request_tells_the_unit_why() {
    let app = App::start("2023-04-20");
    let (unit_id, unit) = demo_unit(&app);
    let old = unit_row(&app, unit_id);
    let material = uploaded_pdf(&app, &unit);
    let r = app.post_as(
        REQUESTS,
        &unit,
        &json!({ "uscc": USCC_FREE, "material_ids": [material] }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let request = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["before"], json!({ "uscc": DEMO_USCC }));
    let rev = reviewer(&app, "rev1");
    let task = open_task_id(&app, &rev);
    assert_eq!(
        app.post_as(&format!("{TASKS}/{task}/claim"), &rev, &json!({}))
            .status,
        200
    );
    // A rejection needs a reason.
    let e = app.post_as(
        &format!("{TASKS}/{task}/rejection"),
        &rev,
        &json!({ "reason": "  " }),
    );
    e.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(e.error_fields(), vec!["reason"]);
    app.post_as(&format!("{TASKS}/{task}/rejection"), &rev, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");
    let why = "营业执照副本与变更后的统一社会信用代码不一致，请核对后重新提交。";
    let j = app.post_as(
        &format!("{TASKS}/{task}/rejection"),
        &rev,
        &json!({ "reason": why }),
    );
    assert_eq!(j.status, 200, "{}", j.text);
    assert_eq!(j.body["status"], "rejected");
    assert_eq!(j.body["reason"], why);
    assert_eq!(j.body["business_item"]["status"], "rejected");

    // The unit reads the reason; nothing changed.
    let g = app.get_as(&format!("{REQUESTS}/{request}"), &unit);
    assert_eq!(g.body["status"], "rejected");
    assert_eq!(g.body["rejection_reason"], why);
    let last = g.body["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event"], "rejected");
    assert_eq!(last["note"], why);
    assert_eq!(unit_row(&app, unit_id), old);
    // A decided request no longer blocks a new one; the material is reused.
    let again = app.post_as(
        REQUESTS,
        &unit,
        &json!({ "uscc": USCC_FREE, "material_ids": [material] }),
    );
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(app.get_as(REQUESTS, &unit).body["total"], 2);
}

#[test]
fn release_puts_a_task_back_in_the_queue() {
    let app = App::start("2023-04-20");
    let (_, unit) = demo_unit(&app);
    let material = uploaded_pdf(&app, &unit);
    let r = app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": "宜昌市新名称有限公司", "material_ids": [material] }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let (rev1, rev2) = (reviewer(&app, "rev1"), reviewer(&app, "rev2"));
    let task = open_task_id(&app, &rev1);
    app.post_as(&format!("{TASKS}/{task}/release"), &rev1, &json!({}))
        .assert_problem(409, "TASK_NOT_CLAIMED");
    app.post_as(&format!("{TASKS}/{task}/claim"), &rev1, &json!({}));
    app.post_as(&format!("{TASKS}/{task}/release"), &rev2, &json!({}))
        .assert_problem(409, "TASK_CLAIMED");
    let rel = app.post_as(&format!("{TASKS}/{task}/release"), &rev1, &json!({}));
    assert_eq!(rel.status, 200, "{}", rel.text);
    assert_eq!(rel.body["status"], "open");
    assert!(rel.body["claimed_by"].is_null());
    // Someone else may now take it.
    let c = app.post_as(&format!("{TASKS}/{task}/claim"), &rev2, &json!({}));
    assert_eq!(c.status, 200, "{}", c.text);
    let events: Vec<String> = c.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["actor"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(events.len(), 4);
    assert!(events[1].starts_with("claimed:staff:rev1"));
    assert!(events[2].starts_with("released:staff:rev1"));
    assert!(events[3].starts_with("claimed:staff:rev2"));
    // The unit sees it is under review again.
    let g = app.get_as(REQUESTS, &unit);
    assert_eq!(g.body["items"][0]["review_status"], "claimed");
}

#[test]
fn materials_are_typed_by_their_content_and_limited_in_size() {
    let app = App::start("2023-04-20");
    let (_, unit) = demo_unit(&app);
    // PNG bytes named x.pdf and declared as PDF are stored as PNG.
    let mut png = PNG_MAGIC.to_vec();
    png.extend_from_slice(b"\0\0\0\rIHDR rest of a picture");
    let r = upload(&app, &unit, "x.pdf", "application/pdf", &png);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["media_type"], "image/png");
    assert_eq!(r.body["file_name"], "x.pdf");
    let id = r.body["id"].as_i64().unwrap();
    let (status, ct, bytes, _) = get_bytes(&app, &format!("{MATERIALS}/{id}/content"), &unit);
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(bytes, png);
    // JPEG is accepted; a path in the name is dropped.
    let r = upload(
        &app,
        &unit,
        "../scans/身份证.jpg",
        "image/jpeg",
        &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["media_type"], "image/jpeg");
    assert_eq!(r.body["file_name"], "身份证.jpg");

    // A text file named x.pdf is refused, whatever it claims to be.
    upload(
        &app,
        &unit,
        "x.pdf",
        "application/pdf",
        b"just some text, not a PDF",
    )
    .assert_problem(415, "UNSUPPORTED_MATERIAL_TYPE");
    // More than 5 MiB: 413. Exactly 5 MiB is fine.
    let mut big = PNG_MAGIC.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    upload(&app, &unit, "big.png", "image/png", &big).assert_problem(413, "MATERIAL_TOO_LARGE");
    big.truncate(5 * 1024 * 1024);
    let r = upload(&app, &unit, "max.png", "image/png", &big);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["size_bytes"], 5 * 1024 * 1024);
    // Empty, missing, or not a form at all.
    upload(&app, &unit, "empty.pdf", "application/pdf", b"").assert_problem(400, "EMPTY_MATERIAL");
    let no_file = "------qibao-test-boundary\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nx\r\n------qibao-test-boundary--\r\n";
    let r = post_form(
        &app,
        &unit,
        "multipart/form-data; boundary=----qibao-test-boundary",
        no_file.as_bytes().to_vec(),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["file"]);
    post_form(&app, &unit, "application/json", b"{}".to_vec())
        .assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
    post_form(
        &app,
        &unit,
        "multipart/form-data; boundary=----qibao-test-boundary",
        b"garbage without parts".to_vec(),
    )
    .assert_problem(400, "BAD_MULTIPART");
    // Staff cannot upload for a unit; nobody unauthenticated can.
    upload(&app, &app.staff_token(), "x.pdf", "application/pdf", PDF)
        .assert_problem(403, "FORBIDDEN");
    let anon = resp(
        app.client
            .post(app.url(MATERIALS))
            .header(
                reqwest::header::CONTENT_TYPE,
                "multipart/form-data; boundary=----qibao-test-boundary",
            )
            .body(form("x.pdf", "application/pdf", PDF, None))
            .send()
            .unwrap(),
    );
    anon.assert_problem(401, "UNAUTHENTICATED");
    // Only the three accepted files were stored.
    let list = app.get_as(MATERIALS, &unit);
    assert_eq!(list.body["total"], 3, "{}", list.text);
    let page = app.get_as(&format!("{MATERIALS}?page=2&page_size=2"), &unit);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["page"], 2);
    app.get_as(&format!("{MATERIALS}?page_size=201"), &unit)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn another_unit_sees_and_uses_nothing_of_unit_a() {
    let app = App::start("2023-04-20");
    let (_, unit_a) = demo_unit(&app);
    let (_, unit_b) = other_unit(&app, "100000900", USCC_B);
    let material = uploaded_pdf(&app, &unit_a);
    let r = app.post_as(
        REQUESTS,
        &unit_a,
        &json!({ "name": "宜昌市甲乙丙有限公司", "material_ids": [material] }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let request = r.body["id"].as_i64().unwrap();

    let (status, _, _, _) = get_bytes(&app, &format!("{MATERIALS}/{material}/content"), &unit_b);
    assert_eq!(status, 404);
    app.get_as(&format!("{MATERIALS}/{material}/content"), &unit_b)
        .assert_problem(404, "MATERIAL_NOT_FOUND");
    app.get_as(&format!("{REQUESTS}/{request}"), &unit_b)
        .assert_problem(404, "KEY_CHANGE_REQUEST_NOT_FOUND");
    assert_eq!(app.get_as(REQUESTS, &unit_b).body["total"], 0);
    assert_eq!(app.get_as(MATERIALS, &unit_b).body["total"], 0);
    // B cannot cite A's material; nothing is written.
    let e = app.post_as(
        REQUESTS,
        &unit_b,
        &json!({ "name": "乙单位新名称有限公司", "material_ids": [material, 999_999] }),
    );
    e.assert_problem(422, "MATERIAL_NOT_FOUND");
    assert_eq!(e.error_fields(), vec!["material_ids[0]", "material_ids[1]"]);
    assert_eq!(app.get_as(REQUESTS, &unit_b).body["total"], 0);
    let rev = reviewer(&app, "rev1");
    assert_eq!(app.get_as(TASKS, &rev).body["total"], 1);
    // An unknown material id and a malformed one.
    app.get_as(&format!("{MATERIALS}/424242/content"), &unit_a)
        .assert_problem(404, "MATERIAL_NOT_FOUND");
    app.get_as(&format!("{MATERIALS}/abc/content"), &unit_a)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(&format!("{REQUESTS}/abc"), &unit_a)
        .assert_problem(400, "VALIDATION_FAILED");
    // Staff endpoints are not for units, portal ones not for staff.
    app.get_as(TASKS, &unit_a).assert_problem(403, "FORBIDDEN");
    app.get_as(
        &format!("/api/v1/staff/materials/{material}/content"),
        &unit_a,
    )
    .assert_problem(403, "FORBIDDEN");
    app.get_as(REQUESTS, &rev).assert_problem(403, "FORBIDDEN");
}

#[test]
fn bad_key_change_requests_are_refused_and_write_nothing() {
    let app = App::start("2023-04-20");
    let (unit_id, unit) = demo_unit(&app);
    other_unit(&app, "100000901", USCC_B);
    let old = unit_row(&app, unit_id);
    let material = uploaded_pdf(&app, &unit);
    let bad = app.post_as(
        REQUESTS,
        &unit,
        &json!({
            "uscc": "91420500MA4D1B2C37",
            "legal_rep_phone": "12345",
            "legal_rep_id_type": "driving_licence",
            "material_ids": []
        }),
    );
    bad.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(
        bad.error_fields(),
        vec![
            "uscc",
            "legal_rep_id_type",
            "legal_rep_phone",
            "material_ids"
        ]
    );
    assert!(
        bad.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验位")
    );
    let id = app.post_as(
        REQUESTS,
        &unit,
        &json!({ "legal_rep_id_number": "420500198002020025", "material_ids": [material] }),
    );
    id.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(id.error_fields(), vec!["legal_rep_id_number"]);
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": "x", "material_ids": [material], "colour": "red" }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(REQUESTS, &unit, &json!({ "name": "宜昌市新名称有限公司" }))
        .assert_problem(400, "VALIDATION_FAILED");
    // Nothing differs from the current values.
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": old.name, "uscc": old.uscc.to_lowercase(), "material_ids": [material] }),
    )
    .assert_problem(422, "NO_KEY_CHANGE");
    // Another unit's USCC.
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "uscc": USCC_B, "material_ids": [material] }),
    )
    .assert_problem(409, "USCC_IN_USE");
    assert_eq!(app.get_as(REQUESTS, &unit).body["total"], 0);
    assert_eq!(app.get_as(TASKS, &reviewer(&app, "rev1")).body["total"], 0);
    assert_eq!(unit_row(&app, unit_id), old);
}

#[test]
fn a_uscc_taken_before_approval_is_not_applied() {
    let app = App::start("2023-04-20");
    let (unit_id, unit) = demo_unit(&app);
    let old = unit_row(&app, unit_id);
    let material = uploaded_pdf(&app, &unit);
    let r = app.post_as(
        REQUESTS,
        &unit,
        &json!({ "uscc": USCC_LATE, "name": "宜昌市后来者有限公司", "material_ids": [material] }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // Meanwhile another unit is registered with that USCC.
    other_unit(&app, "100000902", USCC_LATE);
    let rev = reviewer(&app, "rev1");
    let task = open_task_id(&app, &rev);
    app.post_as(&format!("{TASKS}/{task}/claim"), &rev, &json!({}));
    app.post_as(&format!("{TASKS}/{task}/approval"), &rev, &json!({}))
        .assert_problem(409, "USCC_IN_USE");
    // Nothing applied: the unit, the task and the item are as they were.
    assert_eq!(unit_row(&app, unit_id), old);
    let d = app.get_as(&format!("{TASKS}/{task}"), &rev);
    assert_eq!(d.body["status"], "claimed");
    assert_eq!(d.body["business_item"]["status"], "pending_review");
    assert_eq!(d.body["events"].as_array().unwrap().len(), 2);
    // The reviewer can still reject it.
    let j = app.post_as(
        &format!("{TASKS}/{task}/rejection"),
        &rev,
        &json!({ "reason": "该统一社会信用代码已被其他单位使用。" }),
    );
    assert_eq!(j.status, 200, "{}", j.text);
}

#[test]
fn reviewers_need_the_reviewer_role() {
    let app = App::start("2023-04-20");
    let (_, unit) = demo_unit(&app);
    let material = uploaded_pdf(&app, &unit);
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": "宜昌市角色测试有限公司", "material_ids": [material] }),
    );
    let rev = reviewer(&app, "rev1");
    let task = open_task_id(&app, &rev);
    let finance = app.mint(Role::Staff, "fin1", "财务", None, &[StaffRole::Finance]);
    // The queue shows only tasks of one's roles.
    let q = app.get_as(TASKS, &finance);
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["total"], 0);
    let no_roles = app.mint(Role::Staff, "clerk", "无岗位", None, &[]);
    assert_eq!(app.get_as(TASKS, &no_roles).body["total"], 0);
    app.get_as(&format!("{TASKS}/{task}"), &finance)
        .assert_problem(403, "FORBIDDEN");
    app.post_as(&format!("{TASKS}/{task}/claim"), &finance, &json!({}))
        .assert_problem(403, "FORBIDDEN");
    app.post_as(&format!("{TASKS}/{task}/approval"), &finance, &json!({}))
        .assert_problem(403, "FORBIDDEN");
    // Without the task's role, the answer is 403 whatever the body: a
    // malformed or non-JSON body is not read before the role is checked.
    for (step, ct, raw) in [
        ("approval", "application/json", "{not json"),
        ("rejection", "application/json", "{not json"),
        ("rejection", "text/plain", "reason"),
        ("approval", "application/json", "{\"note\": \"\\u0000\"}"),
    ] {
        let r = app
            .client
            .post(app.url(&format!("{TASKS}/{task}/{step}")))
            .bearer_auth(&finance)
            .header("content-type", ct)
            .body(raw)
            .send()
            .unwrap();
        resp(r).assert_problem(403, "FORBIDDEN");
        // An unknown task is 404 before its body is read, too.
        let r = app
            .client
            .post(app.url(&format!("{TASKS}/999999/{step}")))
            .bearer_auth(&rev)
            .header("content-type", ct)
            .body(raw)
            .send()
            .unwrap();
        resp(r).assert_problem(404, "TASK_NOT_FOUND");
    }
    // Unknown tasks, filters and pages.
    app.get_as(&format!("{TASKS}/999999"), &rev)
        .assert_problem(404, "TASK_NOT_FOUND");
    app.post_as(&format!("{TASKS}/999999/claim"), &rev, &json!({}))
        .assert_problem(404, "TASK_NOT_FOUND");
    let e = app.get_as(
        &format!("{TASKS}?status=done&kind=no_such_kind&page=0"),
        &rev,
    );
    e.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(e.error_fields(), vec!["page", "status", "kind"]);
    assert_eq!(
        app.get_as(&format!("{TASKS}?status=approved"), &rev).body["total"],
        0
    );
    // A malformed approval body.
    app.post_as(&format!("{TASKS}/{task}/claim"), &rev, &json!({}));
    let r = app
        .client
        .post(app.url(&format!("{TASKS}/{task}/approval")))
        .bearer_auth(&rev)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    resp(r).assert_problem(400, "MALFORMED_JSON");
    // An empty approval body is fine.
    let r = app
        .client
        .post(app.url(&format!("{TASKS}/{task}/approval")))
        .bearer_auth(&rev)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn of_ten_parallel_claims_exactly_one_wins() {
    let app = App::start("2023-04-20");
    let (_, unit) = demo_unit(&app);
    let material = uploaded_pdf(&app, &unit);
    app.post_as(
        REQUESTS,
        &unit,
        &json!({ "name": "宜昌市并发测试有限公司", "material_ids": [material] }),
    );
    let tokens: Vec<String> = (0..10)
        .map(|i| reviewer(&app, &format!("rev{i}")))
        .collect();
    let task = open_task_id(&app, &tokens[0]);
    let path = format!("{TASKS}/{task}/claim");
    let barrier = std::sync::Barrier::new(tokens.len());
    let statuses: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|t| {
                let (app, path, barrier) = (&app, &path, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let r = app.post_as(path, t, &json!({}));
                    (r.status, r.body["code"].as_str().unwrap_or("").to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = statuses.iter().filter(|(s, _)| *s == 200).count();
    let lost = statuses
        .iter()
        .filter(|(s, c)| *s == 409 && c == "TASK_CLAIMED")
        .count();
    assert_eq!((won, lost), (1, 9), "{statuses:?}");
    let d = app.get_as(&format!("{TASKS}/{task}"), &tokens[0]);
    let claims = d.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "claimed")
        .count();
    assert_eq!(claims, 1);
}

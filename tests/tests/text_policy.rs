//! Issue 11, control characters: one text policy at the edge for every JSON
//! body and query string (no NUL or other control character, bidi
//! override, zero-width character, BOM, noncharacter or private-use
//! character; one line unless the field is free text) and a name policy for
//! persons' names. Written as the attacks: each used to be a 500 on
//! PostgreSQL or was stored as sent. Over HTTP, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::Role;
use qibao_db::repo;
use qibao_e2e::{App, Resp};
use serde_json::{Value, json};

const EMP: &str = "/api/v1/portal/employees";

/// The demo unit's agent token.
fn demo_agent(app: &App) -> String {
    let today = time::Date::parse(
        "2023-04-20",
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap();
    let s = qibao_api::demo::load(&app.pool, today, app.server.clock.now_utc()).unwrap();
    let id = {
        let mut conn = app.pool.get().unwrap();
        repo::get_unit_by_no(&mut conn, &s.unit_no).unwrap().id
    };
    app.mint(Role::Agent, "420500197001010011", "甲经办", Some(id), &[])
}

fn enrol_body(name: &str, address: &str) -> Value {
    json!({
        "id_type": "resident",
        "id_number": qibao_e2e::fixtures::rid("42050219900101123"),
        "name": name,
        "phone": "13807171234",
        "address": address,
        "first_work_date": "2010-07-01",
        "start_date": "2023-04-01",
        "insurances": ["110", "210", "410"],
        "monthly_wage": "6000.00"
    })
}

/// 400 `VALIDATION_FAILED` naming `field`.
fn refused(r: &Resp, field: &str) {
    r.assert_problem(400, "VALIDATION_FAILED");
    assert!(
        r.error_fields().iter().any(|f| f == field),
        "{field}: {}",
        r.text
    );
}

#[test]
fn nul_in_unauthenticated_sign_ins_is_a_400_not_a_500() {
    let app = App::start("2023-04-20");
    let r = app.post(
        "/api/v1/auth/staff-login",
        &json!({ "username": "ad\u{0}min", "password": "x" }),
    );
    refused(&r, "username");
    let r = app.post(
        "/api/v1/auth/tax-tokens",
        &json!({ "client_id": "tax\u{0}", "client_secret": "x" }),
    );
    refused(&r, "client_id");
    let r = app.post(
        "/api/v1/auth/password-login",
        &json!({ "uscc": "91420500MA4F00000\u{0}", "password": "x" }),
    );
    refused(&r, "uscc");
}

#[test]
fn names_and_addresses_refuse_invisible_and_control_characters() {
    let app = App::start("2023-04-20");
    let token = demo_agent(&app);
    for name in [
        "张三\u{202E}",
        "张\u{200B}三",
        "\u{FEFF}张三",
        "张三\u{FFFF}",
        "张三\u{E000}",
        "张三1",
    ] {
        let r = app.post_as(EMP, &token, &enrol_body(name, "湖北省宜昌市西陵区"));
        refused(&r, "name");
    }
    for address in ["宜昌\u{7}西陵区", "宜昌\n西陵区", "宜昌\u{0}"] {
        let r = app.post_as(EMP, &token, &enrol_body("欧阳娜娜", address));
        refused(&r, "address");
    }
    // Nothing was written: the person does not exist.
    let r = app.get_as(&format!("{EMP}?name=欧阳娜娜"), &token);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 0);
    // The same body with clean text is enrolled.
    let r = app.post_as(
        EMP,
        &token,
        &enrol_body("买买提·艾力", "湖北省宜昌市西陵区"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn nested_fields_and_query_strings_are_held_to_the_policy_too() {
    let app = App::start("2023-04-20");
    let token = demo_agent(&app);
    let r = app.call(
        reqwest::Method::PATCH,
        "/api/v1/portal/unit",
        &token,
        Some(&json!({ "address": "宜昌市\u{0}" })),
    );
    refused(&r, "address");
    let r = app.get_as(&format!("{EMP}?name=%00"), &token);
    refused(&r, "name");
    let staff = app.staff_token();
    let r = app.get_as("/api/v1/staff/units?name=%E2%80%AE", &staff);
    refused(&r, "name");
}

/// Issue 11: authorization before body validation. A staff member without
/// the endpoint's role gets 403 whatever body it sends — malformed JSON,
/// the wrong content type, a NUL — never a 400 or 415 that would tell it
/// how the endpoint parses.
#[test]
fn a_caller_without_the_role_gets_403_whatever_it_sends() {
    use qibao_api::auth::StaffRole;
    let app = App::start("2023-04-20");
    // Finance may pay refunds out but not register units or change persons;
    // an acceptor may not pay out.
    let finance = app.mint(Role::Staff, "fin-1", "财务甲", None, &[StaffRole::Finance]);
    let acceptor = app.mint(Role::Staff, "acc-1", "受理甲", None, &[StaffRole::Acceptor]);
    let cases = [
        ("/api/v1/staff/units", &finance),
        ("/api/v1/staff/uscc-exceptions", &finance),
        ("/api/v1/staff/persons/10003726000/statuses", &finance),
        ("/api/v1/staff/duplicate-persons/merges", &finance),
        ("/api/v1/staff/refunds/TK202304200001/payout", &acceptor),
    ];
    for (path, token) in cases {
        for (content_type, body) in [
            ("application/json", "{\"x\": "),
            ("text/plain", "hello"),
            ("application/json", "{\"reason\": \"a\\u0000b\"}"),
        ] {
            let r = app
                .client
                .post(app.url(path))
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{path} {content_type} {body}");
        }
    }
}

/// The bodies read as bytes (the tax bureau's messages, which are logged
/// as sent; a reviewer's approval note) pass the same policy: a NUL is 400
/// naming the field, and the refused message is still logged (with the NUL
/// replaced), never a 500.
#[test]
fn raw_bodies_are_held_to_the_policy_too() {
    let app = App::start("2023-04-20");
    let tax = qibao_e2e::fixtures::tax_token(&app);
    let r = app.post_as(
        "/api/v1/tax/events",
        &tax,
        &json!({ "serial": "SN\u{0}1", "kind": "paid" }),
    );
    refused(&r, "serial");
    // A task the reviewer may decide: the demo unit's key-change request.
    let clock = &app.server.clock;
    let demo = qibao_api::demo::load(&app.pool, clock.today(), clock.now_utc()).unwrap();
    let unit_id = {
        let mut conn = app.pool.get().unwrap();
        qibao_db::repo::get_unit_by_no(&mut conn, &demo.unit_no)
            .unwrap()
            .id
    };
    let unit = qibao_e2e::fixtures::token(&app, unit_id);
    let material = qibao_e2e::fixtures::upload_pdf_named(&app, &unit, "营业执照.pdf");
    let r = app.post_as(
        "/api/v1/portal/key-change-requests",
        &unit,
        &json!({ "name": "宜昌市文本策略有限公司", "material_ids": [material] }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let rev = qibao_e2e::fixtures::reviewer(&app);
    let q = app.get_as("/api/v1/staff/tasks?status=open", &rev);
    let task = q.body["items"][0]["id"].as_i64().expect("an open task");
    app.post_as(
        &format!("/api/v1/staff/tasks/{task}/claim"),
        &rev,
        &json!({}),
    );
    let r = app.post_as(
        &format!("/api/v1/staff/tasks/{task}/approval"),
        &rev,
        &json!({ "note": "同意\u{0}" }),
    );
    refused(&r, "note");
}

/// The operations that read their body as bytes (the tax bureau's messages,
/// kept as sent; a task's approval, whose body is optional) do not look at
/// its `Content-Type`: they answer as they would to JSON, never 415, and the
/// spec lists no 415 for them (`RAW_BODY_OPERATIONS`).
#[test]
fn raw_bodies_are_read_whatever_their_content_type() {
    use reqwest::Method;
    let app = App::start("2023-04-20");
    let tax = qibao_e2e::fixtures::tax_token(&app);
    let staff = app.staff_token();
    let cases = [
        (
            Method::POST,
            "/api/v1/tax/events",
            &tax,
            400,
            "MALFORMED_MESSAGE",
        ),
        (
            Method::PUT,
            "/api/v1/tax/reconciliation/2023-04-19/statement",
            &tax,
            400,
            "MALFORMED_MESSAGE",
        ),
        (
            Method::POST,
            "/api/v1/staff/tasks/999/approval",
            &staff,
            404,
            "TASK_NOT_FOUND",
        ),
    ];
    for (method, path, token, status, code) in cases {
        for content_type in ["text/plain", "application/octet-stream"] {
            app.call_raw(method.clone(), path, token, content_type, "{}")
                .assert_problem(status, code);
        }
    }
}

//! Issue 11, "the spec matches every answer": every answer of every e2e
//! scenario is checked against the spec's response schema as it arrives
//! ([`qibao_e2e::spec`], called by `App`); this file walks the reads of
//! every audience over the demo unit, so that each documented read is
//! checked at least once, answers the spec used to get wrong included
//! (business items whose `before` is null, the portal's item without
//! `actor`), and shows that the check fails on an answer that breaks the
//! spec: a required field missing, a null where the schema is not
//! nullable, an undocumented status or content type.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::demo::{
    self, DEMO_LEGAL_REP_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME, DEMO_TAX_CLIENT_ID,
    DEMO_TAX_CLIENT_SECRET, DemoSummary,
};
use qibao_e2e::spec::spec;
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const TODAY: &str = "2023-04-20";

/// The demo unit as `qibao demo` loads it: its employees, this month
/// declared and its payment order issued.
fn start() -> (App, DemoSummary) {
    let app = App::start(TODAY);
    let clock = &app.server.clock;
    let s = demo::load(&app.pool, clock.today(), clock.now_utc()).unwrap();
    demo::first_month(
        &app.pool,
        s.unit_id,
        clock.today(),
        clock.now(),
        clock.now_utc(),
    )
    .unwrap();
    (app, s)
}

fn token(r: &Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_owned()
}

fn ok(r: &Resp) -> &Value {
    assert!((200..300).contains(&r.status), "{}: {}", r.status, r.text);
    &r.body
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn the_reads_of_every_audience_answer_as_the_spec_says() {
    let (app, demo) = start();
    let rep = token(&app.post(
        "/api/v1/auth/password-login",
        &json!({ "uscc": demo.uscc, "password": DEMO_LEGAL_REP_PASSWORD }),
    ));
    let staff = token(&app.post(
        "/api/v1/auth/staff-login",
        &json!({ "username": DEMO_STAFF_USERNAME, "password": DEMO_STAFF_PASSWORD }),
    ));
    let tax = token(&app.post(
        "/api/v1/auth/tax-tokens",
        &json!({ "client_id": DEMO_TAX_CLIENT_ID, "client_secret": DEMO_TAX_CLIENT_SECRET }),
    ));

    // Changes whose business items have no `before` (something created),
    // one of them decided through the review queue.
    ok(&app.post_as(
        "/api/v1/portal/api-keys",
        &rep,
        &json!({ "name": "薪资系统" }),
    ));
    ok(&app.post_as(
        "/api/v1/portal/bank-accounts",
        &rep,
        &json!({
            "bank_name": "中国工商银行宜昌西陵支行",
            "account_name": "宜昌市三峡示范科技有限公司",
            "account_number": "1807012309024512345"
        }),
    ));
    ok(&app.post_as(
        "/api/v1/staff/policy/interest-rates",
        &staff,
        &json!({
            "year": 2025,
            "rate": "0.0262",
            "source": "人社部·财政部 记账利率公告 2025",
            "illustrative": false
        }),
    ));

    // Public.
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/policy/regions",
        "/api/v1/policy/regions/420500",
        "/api/v1/policy/regions/420500/parameters?period=202304",
        "/api/v1/policy/interest-rates",
        "/api/v1/policy/working-days?from=2023-04-20&days=10",
    ] {
        ok(&app.get(path));
    }
    ok(&app.post(
        "/api/v1/public/identifier-checks",
        &json!({ "kind": "uscc", "value": demo.uscc }),
    ));

    // The unit's portal.
    for path in [
        "/api/v1/portal/unit",
        "/api/v1/portal/unit/change-history",
        "/api/v1/portal/agents",
        "/api/v1/portal/api-keys",
        "/api/v1/portal/bank-accounts",
        "/api/v1/portal/arrears",
        "/api/v1/portal/paid-months",
        "/api/v1/portal/deferrals",
        "/api/v1/portal/staff-changes",
        "/api/v1/portal/persons-to-verify",
        "/api/v1/portal/refund-applications",
        "/api/v1/portal/back-pay-applications",
        "/api/v1/portal/key-change-requests",
        "/api/v1/portal/materials",
        "/api/v1/portal/declarations/202304",
        // 202304 is in the social-insurance year 2022 (July to June).
        "/api/v1/portal/wage-declarations/2022",
    ] {
        ok(&app.get_as(path, &rep));
    }
    let business = ok(&app.get_as("/api/v1/portal/business-items?page_size=200", &rep)).clone();
    let listed = items(&business);
    assert!(listed.len() >= 3, "{business}");
    let mut created = 0;
    for item in &listed {
        let id = item["id"].as_i64().unwrap();
        let detail = ok(&app.get_as(&format!("/api/v1/portal/business-items/{id}"), &rep)).clone();
        created += usize::from(detail["before"].is_null());
    }
    assert!(created > 0, "no item without a `before` was read");
    let employees = ok(&app.get_as("/api/v1/portal/employees", &rep)).clone();
    for e in items(&employees).iter().take(2) {
        let no = e["person_no"].as_str().unwrap();
        ok(&app.get_as(&format!("/api/v1/portal/employees/{no}"), &rep));
        ok(&app.get_as(
            &format!("/api/v1/portal/refund-applications/candidates?person_no={no}"),
            &rep,
        ));
    }
    let orders = ok(&app.get_as("/api/v1/portal/orders", &rep)).clone();
    let order_no = items(&orders)[0]["order_no"].as_str().unwrap().to_owned();
    ok(&app.get_as(&format!("/api/v1/portal/orders/{order_no}"), &rep));
    ok(&app.get_as(&format!("/api/v1/portal/orders/{order_no}/lines"), &rep));

    // Staff.
    for path in [
        "/api/v1/staff/units",
        &format!("/api/v1/staff/units/{}", demo.unit_no),
        "/api/v1/staff/tasks",
        "/api/v1/staff/refunds",
        "/api/v1/staff/policy/changes",
        "/api/v1/staff/duplicate-persons",
        "/api/v1/staff/uscc-exceptions",
        "/api/v1/staff/reconciliation/2023-04-20",
    ] {
        ok(&app.get_as(path, &staff));
    }
    let changes = ok(&app.get_as("/api/v1/staff/policy/changes", &staff)).clone();
    assert!(
        items(&changes).iter().any(|c| c["before"].is_null()),
        "{changes}"
    );
    let no = items(&employees)[0]["person_no"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app.get_as(&format!("/api/v1/staff/persons/{no}"), &staff));
    ok(&app.get_as(&format!("/api/v1/staff/persons/{no}/statuses"), &staff));

    // The tax bureau.
    ok(&app.get_as("/api/v1/tax/orders/feed?limit=10", &tax));
    ok(&app.get_as("/api/v1/tax/reconciliation/2023-04-20", &tax));

    // Problems are answers too.
    let r = app.get_as("/api/v1/portal/orders/0000000000000000", &rep);
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app.get("/api/v1/portal/unit");
    assert_eq!(r.status, 401, "{}", r.text);
}

#[test]
fn an_answer_that_breaks_the_spec_is_caught() {
    let (app, demo) = start();
    let rep = token(&app.post(
        "/api/v1/auth/password-login",
        &json!({ "uscc": demo.uscc, "password": DEMO_LEGAL_REP_PASSWORD }),
    ));
    let path = "/api/v1/portal/unit";
    let r = app.get_as(path, &rep);
    assert_eq!(r.status, 200, "{}", r.text);
    let json_type = "application/json";
    let check = |status: u16, content_type: &str, body: &Value| {
        let text = body.to_string();
        spec()
            .check("GET", path, status, content_type, body, &text)
            .expect("a documented operation")
    };
    // The real answer passes (App checked it already; again here by hand).
    check(200, json_type, &r.body).unwrap();

    // A required field missing.
    let mut missing = r.body.clone();
    missing.as_object_mut().unwrap().remove("name");
    let v = check(200, json_type, &missing).unwrap_err();
    assert!(v.problems.iter().any(|p| p.contains("\"name\"")), "{v}");
    // A nullable field must still be there: always written, so required.
    let mut no_postcode = r.body.clone();
    no_postcode.as_object_mut().unwrap().remove("postcode");
    let v = check(200, json_type, &no_postcode).unwrap_err();
    assert!(v.problems.iter().any(|p| p.contains("postcode")), "{v}");
    // Null where the schema does not allow it, at the top and nested.
    let mut null_name = r.body.clone();
    null_name["name"] = Value::Null;
    let v = check(200, json_type, &null_name).unwrap_err();
    assert!(v.problems.iter().any(|p| p.contains("/name")), "{v}");
    let mut nested = r.body.clone();
    nested["insurances"][0]["insurance"] = Value::Null;
    assert!(check(200, json_type, &nested).is_err());
    // A nullable field may be null.
    let mut null_postcode = r.body.clone();
    null_postcode["postcode"] = Value::Null;
    check(200, json_type, &null_postcode).unwrap();
    // A wrong type.
    let mut wrong = r.body.clone();
    wrong["name"] = json!(42);
    assert!(check(200, json_type, &wrong).is_err());
    // A status the operation does not document, a content type it does not.
    let v = check(418, json_type, &r.body).unwrap_err();
    assert!(v.problems[0].contains("418"), "{v}");
    let v = check(200, "text/html", &r.body).unwrap_err();
    assert!(v.problems[0].contains("text/html"), "{v}");
    // A problem answer is checked against ProblemDoc.
    let problem = json!({ "type": "about:blank", "title": "Unauthorized", "status": 401 });
    let v = check(401, "application/problem+json", &problem).unwrap_err();
    assert!(v.problems.iter().any(|p| p.contains("code")), "{v}");
    // Paths the spec does not have are not its business.
    assert!(
        spec()
            .check("GET", "/api/v1/nowhere", 404, json_type, &Value::Null, "")
            .is_none()
    );
}

/// The spec's examples (written next to the code, or recorded from real
/// answers by `make examples` into `api/examples.json`) are what the
/// schemas say: every JSON request and 2xx answer example validates, and
/// every 2xx JSON answer and JSON request body has one.
#[test]
fn every_example_is_valid_and_every_json_body_has_one() {
    let doc = serde_json::to_value(qibao_api::openapi::openapi()).unwrap();
    let (mut invalid, mut missing, mut checked) = (Vec::new(), Vec::new(), 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or(method);
            let mut bodies: Vec<(String, &Value)> = Vec::new();
            if let Some(c) = op["requestBody"]["content"].get("application/json") {
                bodies.push((format!("{id} request"), c));
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                if let Some(c) = r["content"].get("application/json")
                    && status.starts_with('2')
                {
                    bodies.push((format!("{id} {status}"), c));
                }
            }
            for (what, content) in bodies {
                let Some(example) = content.get("example") else {
                    missing.push(format!("{what} ({method} {path})"));
                    continue;
                };
                checked += 1;
                let problems = spec().example_problems(&what, &content["schema"], example);
                if !problems.is_empty() {
                    invalid.push(format!("{what}: {}", problems.join("; ")));
                }
            }
        }
    }
    assert!(
        invalid.is_empty(),
        "examples that break their schema:\n{}",
        invalid.join("\n")
    );
    assert!(
        missing.is_empty(),
        "{} bodies without an example ({checked} have one; `make examples` records them):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

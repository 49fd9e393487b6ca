//! Issue 2 scenarios: policy parameters, the contribution quote and the
//! refusal of bad input, over HTTP, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_e2e::{App, json};

const QUOTES: &str = "/api/v1/policy/quotes";

fn worked_example() -> serde_json::Value {
    json!({
        "region": "420500",
        "period": "202208",
        "risk_class": 1,
        "persons": [{ "ref": "floor", "monthly_wage": "3450" }]
    })
}

#[test]
fn quote_reproduces_the_worked_example() {
    let app = App::start("2022-08-15");
    let r = app.post(QUOTES, &worked_example());
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["totals"]["unit"], "583.05");
    assert_eq!(b["totals"]["individual"], "286.35");
    assert_eq!(b["totals"]["total"], "869.40");
    assert_eq!(b["total_in_capitals"], "捌佰陆拾玖元肆角整");
    assert_eq!(b["si_year"], 2022);
    let lines = b["persons"][0]["lines"].as_array().unwrap();
    let got: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["insurance"].as_str().unwrap().to_string(),
                l["unit_amount"].as_str().unwrap().to_string(),
                l["individual_amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("110".into(), "552.00".into(), "276.00".into()),
            ("210".into(), "24.15".into(), "10.35".into()),
            ("410".into(), "6.90".into(), "0.00".into()),
        ]
    );
    assert_eq!(b["persons"][0]["base"], "3450.00");
    assert_eq!(b["persons"][0]["ref"], "floor");
    assert_eq!(b["parameters"]["bounds"]["floor"], "3450.00");
    assert_eq!(b["parameters"]["injury"]["effective_rate"], "0.002");
}

#[test]
fn quote_rounds_clamps_and_uses_each_periods_rates() {
    let app = App::start("2023-04-20");
    let r = app.post(
        QUOTES,
        &json!({
            "region": "420500",
            "period": "202208",
            "insurances": ["110", "210"],
            "persons": [
                { "monthly_wage": "5234.56" },
                { "monthly_wage": 2000 },
                { "monthly_wage": "25000" },
                { "previous_year_total_wages": "40000", "months_paid": 7 }
            ]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let p = r.body["persons"].as_array().unwrap();
    let bases: Vec<(&str, &str, &str)> = p
        .iter()
        .map(|x| {
            (
                x["declared_wage"].as_str().unwrap(),
                x["base"].as_str().unwrap(),
                x["base_adjustment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        bases,
        vec![
            ("5230.00", "5230.00", "none"),
            ("2000.00", "3450.00", "raised_to_floor"),
            ("25000.00", "18000.00", "lowered_to_ceiling"),
            ("5710.00", "5710.00", "none"),
        ]
    );
    // Hand computation: pension 16% + 8%, unemployment 0.7% + 0.3% of each base.
    let expected: i64 = [523_000i64, 345_000, 1_800_000, 571_000]
        .iter()
        .map(|base| {
            let fen = |ppm: i64| (base * ppm + 500_000) / 1_000_000;
            fen(160_000) + fen(80_000) + fen(7_000) + fen(3_000)
        })
        .sum();
    let total = r.body["totals"]["total"].as_str().unwrap();
    assert_eq!(total, format!("{}.{:02}", expected / 100, expected % 100));
    assert!(r.body["parameters"]["injury"].is_null());

    // 2021 back periods use 2021's reduced class-1 rate of 0.1% (R-POL-3).
    let r = app.post(
        QUOTES,
        &json!({ "region": "420500", "period": "202111", "insurances": ["410"], "risk_class": 1,
                 "persons": [{ "monthly_wage": "3450" }] }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totals"]["total"], "3.45");
}

#[test]
fn bad_quotes_are_refused_with_named_fields() {
    let app = App::start("2022-08-15");
    // Unknown region: 404.
    let mut body = worked_example();
    body["region"] = json!("999999");
    app.post(QUOTES, &body)
        .assert_problem(404, "REGION_NOT_FOUND");
    // Malformed region and period: 400 naming both.
    body["region"] = json!("42050");
    body["period"] = json!("202213");
    let r = app.post(QUOTES, &body);
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["region", "period"]);
    // A period with no parameters: 422.
    let mut body = worked_example();
    body["period"] = json!("203001");
    app.post(QUOTES, &body)
        .assert_problem(422, "POLICY_NOT_IN_FORCE");
    // Negative wage, float wage, bad months, unknown insurance, bad factor.
    let r = app.post(
        QUOTES,
        &json!({
            "region": "420500", "period": "202208", "risk_class": 1, "floating_factor": 80,
            "insurances": ["110", "999", "310"],
            "persons": [
                { "monthly_wage": "-1" },
                { "monthly_wage": 3450.5 },
                { "previous_year_total_wages": "1000", "months_paid": 13 },
                { "monthly_wage": "1.234" },
                {}
            ]
        }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(
        r.error_fields(),
        vec![
            "insurances[1]",
            "insurances[2]",
            "persons[0].monthly_wage",
            "persons[1].monthly_wage",
            "persons[2].months_paid",
            "persons[3].monthly_wage",
            "persons[4].monthly_wage",
        ]
    );
    // Work injury without a risk class.
    let r = app.post(
        QUOTES,
        &json!({ "region": "420500", "period": "202208", "persons": [{ "monthly_wage": "3450" }] }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["risk_class"]);
    // Class 3 with an allowed factor works; class 1 with 80% was refused above.
    let r = app.post(
        QUOTES,
        &json!({ "region": "420500", "period": "202208", "risk_class": 3, "floating_factor": 80,
                 "insurances": ["410"], "persons": [{ "monthly_wage": "10000" }] }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totals"]["total"], "56.00"); // 10000 × 0.7% × 80%
    // No persons.
    let r = app.post(
        QUOTES,
        &json!({ "region": "420500", "period": "202208", "insurances": ["110"], "persons": [] }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn malformed_requests_never_500() {
    let app = App::start("2022-08-15");
    app.post_raw(QUOTES, "application/json", "{\"region\": ")
        .assert_problem(400, "MALFORMED_JSON");
    app.post_raw(QUOTES, "text/plain", "hello")
        .assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
    app.post_raw(QUOTES, "application/json", "{\"region\": 420500}")
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_raw(QUOTES, "application/json", "[]")
        .assert_problem(400, "VALIDATION_FAILED");
    let big = format!("{{\"region\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    app.post_raw(QUOTES, "application/json", big)
        .assert_problem(413, "PAYLOAD_TOO_LARGE");
    app.get("/api/v1/no-such-thing")
        .assert_problem(404, "NOT_FOUND");
    let r = app.get(QUOTES);
    r.assert_problem(405, "METHOD_NOT_ALLOWED");
    assert_eq!(
        r.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
}

#[test]
fn regions_and_parameters() {
    let app = App::start("2022-08-15");
    let r = app.get("/api/v1/policy/regions");
    assert_eq!(r.status, 200);
    assert_eq!(r.body["total"], 2);
    let codes: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["420500", "421300"]);

    let r = app.get("/api/v1/policy/regions/420500/parameters?period=202208");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["bounds"]["standard"], "6000.00");
    assert_eq!(r.body["bounds"]["ceiling"], "18000.00");
    assert_eq!(r.body["late_fee"]["daily_rate"], "0.0005");
    assert_eq!(r.body["windows"]["order_validity_working_days"], 10);
    assert!(
        r.body["deferral"].is_object(),
        "202208 is in the 2022 deferral scheme"
    );
    // Defaults to the current month.
    let r = app.get("/api/v1/policy/regions/420500/parameters");
    assert_eq!(r.body["period"], "202208");

    app.get("/api/v1/policy/regions/999999/parameters?period=202208")
        .assert_problem(404, "REGION_NOT_FOUND");
    app.get("/api/v1/policy/regions/4205/parameters")
        .assert_problem(400, "VALIDATION_FAILED");
    app.get("/api/v1/policy/regions/420500/parameters?period=2022-08")
        .assert_problem(400, "VALIDATION_FAILED");
    app.get("/api/v1/policy/regions/420500/parameters?period=203001")
        .assert_problem(422, "POLICY_NOT_IN_FORCE");

    let r = app.get("/api/v1/policy/regions/421300");
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "随州市本级");

    let r = app.get("/api/v1/policy/interest-rates");
    assert_eq!(r.body["total"], 9);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 9);
    let r = app.get("/api/v1/policy/interest-rates?page=2&page_size=5");
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4);

    // Ten working days after Thu 2022-09-29 skip National Day (R-DECL-4).
    let r = app.get("/api/v1/policy/working-days?from=2022-09-29&days=10");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["date"], "2022-10-18");
    app.get("/api/v1/policy/working-days?from=2022-09-31&days=10")
        .assert_problem(400, "VALIDATION_FAILED");
    app.get("/api/v1/policy/working-days?from=2022-09-29&days=0")
        .assert_problem(400, "VALIDATION_FAILED");
    // Issue 11: the arithmetic cannot overflow (this answered 500), and only
    // plain YYYY-MM-DD dates within 1900–2099 are dates.
    for from in [
        "9999-12-31",
        "2099-12-31",
        "1899-12-31",
        "%2B2023-04-01",
        "20230401",
        "2023-04-01T00:00:00",
        "0000-01-01",
    ] {
        let r = app.get(&format!("/api/v1/policy/working-days?from={from}&days=10"));
        r.assert_problem(400, "VALIDATION_FAILED");
        assert!(r.text.contains("2099-12-31"), "{from}: {}", r.text);
    }
}

#[test]
fn identifier_checks() {
    let app = App::start("2023-04-20");
    let path = "/api/v1/public/identifier-checks";
    let r = app.post(
        path,
        &json!({ "kind": "resident_id", "value": "11010519491231002x" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["normalised"], "11010519491231002X");
    assert_eq!(r.body["gender"], "F");
    assert_eq!(r.body["birth_date"], "1949-12-31");
    // Wrong check character.
    let r = app.post(
        path,
        &json!({ "kind": "resident_id", "value": "110105194912310021" }),
    );
    r.assert_problem(422, "IDENTIFIER_INVALID");
    assert!(r.body["detail"].as_str().unwrap().contains("第18位"));
    // 17 digits.
    let r = app.post(
        path,
        &json!({ "kind": "resident_id", "value": "11010519491231002" }),
    );
    r.assert_problem(422, "IDENTIFIER_INVALID");
    assert!(r.body["detail"].as_str().unwrap().contains("17位"));
    // 15 digits are converted and the answer says so.
    let r = app.post(
        path,
        &json!({ "kind": "resident_id", "value": "110105491231002" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["normalised"], "11010519491231002X");
    assert_eq!(r.body["converted_from"], "110105491231002");
    // USCC.
    let r = app.post(
        path,
        &json!({ "kind": "uscc", "value": "91350100M000100Y43" }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    app.post(
        path,
        &json!({ "kind": "uscc", "value": "91350100M000100Y44" }),
    )
    .assert_problem(422, "IDENTIFIER_INVALID");
    app.post(path, &json!({ "kind": "passport", "value": "x" }))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post(path, &json!({ "kind": "phone", "value": "12345" }))
        .assert_problem(422, "IDENTIFIER_INVALID");
}

#[test]
fn health_docs_and_spec() {
    let app = App::start("2022-08-15");
    assert_eq!(app.get("/healthz").status, 200);
    assert_eq!(app.get("/readyz").status, 200);
    let r = app.get("/api/v1/openapi.json");
    assert_eq!(r.status, 200);
    assert!(r.body["paths"]["/api/v1/policy/quotes"]["post"].is_object());
    let r = app.get("/docs/");
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("swagger"),
        "the docs page is served locally"
    );
}

#[test]
fn demo_loader_is_idempotent() {
    let db = qibao_db::testing::TestDb::new();
    let pool = db.pool();
    let today = time::macros::date!(2023 - 04 - 20);
    let now = time::PrimitiveDateTime::new(today, time::macros::time!(9:00));
    let first = qibao_api::demo::load(&pool, today, now).unwrap();
    assert!(first.created);
    assert_eq!(first.unit_no.len(), 9);
    let second = qibao_api::demo::load(&pool, today, now).unwrap();
    assert!(!second.created);
    assert_eq!(second.unit_no, first.unit_no);
    let mut conn = pool.get().unwrap();
    let unit = qibao_db::repo::get_unit_by_no(&mut conn, &first.unit_no).unwrap();
    let active = qibao_db::repo::list_active_employments_for_unit(&mut conn, unit.id).unwrap();
    assert_eq!(active.len(), 5 * 3);
}

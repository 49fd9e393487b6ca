//! Issue 3 scenarios: policy parameters maintained by staff with the policy
//! role (R-POL-4) and used by quotes per period (R-POL-3), over HTTP, on
//! SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_e2e::{App, json};
use serde_json::Value;

const BASE: &str = "/api/v1/staff/policy/regions/420500";
const CHANGES: &str = "/api/v1/staff/policy/changes";
const QUOTES: &str = "/api/v1/policy/quotes";

fn policy_admin(app: &App) -> String {
    app.mint(
        Role::Staff,
        "pol1",
        "政策管理员",
        None,
        &[StaffRole::PolicyAdmin],
    )
}

fn new_unemployment_rate() -> Value {
    json!({
        "insurance": "210",
        "from_period": "202601",
        "unit_rate": "0.01",
        "individual_rate": "0.005",
        "source": "illustrative: 失业保险费率调整通知（测试）",
        "illustrative": true
    })
}

/// The unemployment (210) unit and individual amounts of a quote for a
/// 5000-yuan wage.
fn unemployment_quote(app: &App, period: &str) -> (String, String) {
    let r = app.post(
        QUOTES,
        &json!({
            "region": "420500",
            "period": period,
            "insurances": ["210"],
            "persons": [{ "monthly_wage": "5000" }]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let line = &r.body["persons"][0]["lines"][0];
    assert_eq!(line["insurance"], "210");
    (
        line["unit_amount"].as_str().unwrap().to_string(),
        line["individual_amount"].as_str().unwrap().to_string(),
    )
}

fn region_policy(app: &App) -> Value {
    let r = app.get("/api/v1/policy/regions/420500");
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn ranges_of_210(policy: &Value) -> Vec<(String, Value)> {
    policy["rates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["insurance"] == "210")
        .map(|r| {
            (
                r["range"]["from"].as_str().unwrap().to_string(),
                r["range"]["to"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_new_rate_closes_the_open_range_and_quotes_use_each_periods_rate() {
    let app = App::start("2025-11-20");
    let admin = policy_admin(&app);
    // Before: 0.7% / 0.3% for both months.
    assert_eq!(
        unemployment_quote(&app, "202601"),
        ("35.00".into(), "15.00".into())
    );

    let r = app.post_as(&format!("{BASE}/rates"), &admin, &new_unemployment_rate());
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["parameter"], "rate");
    assert_eq!(r.body["region"], "420500");
    assert!(r.body["actor"].as_str().unwrap().contains("pol1"));
    assert_eq!(
        r.body["before"]["closed"]["range"],
        json!({"from": "202501", "to": null})
    );
    assert_eq!(
        r.body["after"]["closed"]["range"],
        json!({"from": "202501", "to": "202512"})
    );
    assert_eq!(r.body["after"]["added"]["unit_rate"], "0.01");
    assert_eq!(r.body["after"]["added"]["source"]["illustrative"], true);

    // The open 202501– range now ends in 202512.
    assert_eq!(
        ranges_of_210(&region_policy(&app)),
        vec![
            ("201605".to_string(), json!("202412")),
            ("202501".to_string(), json!("202512")),
            ("202601".to_string(), Value::Null),
        ]
    );
    // R-POL-3: each period uses the rate in force for it.
    assert_eq!(
        unemployment_quote(&app, "202601"),
        ("50.00".into(), "25.00".into())
    );
    assert_eq!(
        unemployment_quote(&app, "202512"),
        ("35.00".into(), "15.00".into())
    );

    // The audit trail lists the change with before/after.
    let list = app.get_as(CHANGES, &admin);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["total"], 1);
    let c = &list.body["items"][0];
    assert_eq!(c["id"], r.body["id"]);
    assert_eq!(c["parameter"], "rate");
    assert_eq!(c["region"], "420500");
    assert_eq!(c["channel"], "counter");
    assert!(c["created_at"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(c["before"]["closed"]["range"]["to"], Value::Null);
    assert_eq!(c["after"]["closed"]["range"]["to"], "202512");
    assert_eq!(c["after"]["added"]["range"]["from"], "202601");
}

#[test]
fn refused_changes_write_nothing() {
    let app = App::start("2025-11-20");
    let admin = policy_admin(&app);
    let before = region_policy(&app);

    // Overlaps: the same start as the open range, and inside a closed one.
    let mut body = new_unemployment_rate();
    body["from_period"] = json!("202501");
    app.post_as(&format!("{BASE}/rates"), &admin, &body)
        .assert_problem(422, "POLICY_OVERLAP");
    body["from_period"] = json!("202301");
    body["to_period"] = json!("202306");
    app.post_as(&format!("{BASE}/rates"), &admin, &body)
        .assert_problem(422, "POLICY_OVERLAP");
    // Ends before it starts.
    body["from_period"] = json!("202701");
    body["to_period"] = json!("202601");
    app.post_as(&format!("{BASE}/rates"), &admin, &body)
        .assert_problem(422, "POLICY_INVALID_RANGE");
    // Bounds: floor above the ceiling, a year leaving a gap, a year twice.
    let bounds = |year: i32, floor: &str, ceiling: &str| {
        json!({
            "si_year": year, "standard": "7500.00", "floor": floor, "ceiling": ceiling,
            "source": "illustrative: 测试", "illustrative": true
        })
    };
    let r = app.post_as(
        &format!("{BASE}/base-bounds"),
        &admin,
        &bounds(2027, "23000", "22500"),
    );
    r.assert_problem(422, "POLICY_INVALID_BOUNDS");
    assert!(r.body["detail"].as_str().unwrap().contains("下限"));
    app.post_as(
        &format!("{BASE}/base-bounds"),
        &admin,
        &bounds(2028, "4500", "22500"),
    )
    .assert_problem(422, "POLICY_GAP");
    app.post_as(
        &format!("{BASE}/base-bounds"),
        &admin,
        &bounds(2026, "4500", "22500"),
    )
    .assert_problem(422, "POLICY_INVALID_BOUNDS");
    // A gap after a bounded last version.
    let mut first = new_unemployment_rate();
    first["to_period"] = json!("202612");
    let ok = app.post_as(&format!("{BASE}/rates"), &admin, &first);
    assert_eq!(ok.status, 201, "{}", ok.text);
    let after_one = region_policy(&app);
    let mut gapped = new_unemployment_rate();
    gapped["from_period"] = json!("202703");
    app.post_as(&format!("{BASE}/rates"), &admin, &gapped)
        .assert_problem(422, "POLICY_GAP");
    assert_eq!(region_policy(&app), after_one);
    assert_ne!(after_one, before);
    assert_eq!(app.get_as(CHANGES, &admin).body["total"], 1);

    // Malformed input: 400 naming each field.
    let r = app.post_as(
        &format!("{BASE}/rates"),
        &admin,
        &json!({
            "insurance": "410", "from_period": "202613", "to_period": "198912",
            "unit_rate": "7%", "individual_rate": "1.5",
            "source": " ", "illustrative": false
        }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(
        r.error_fields(),
        vec![
            "insurance",
            "from_period",
            "to_period",
            "unit_rate",
            "individual_rate",
            "source"
        ]
    );
    let r = app.post_as(
        &format!("{BASE}/base-bounds"),
        &admin,
        &json!({ "si_year": 2027, "standard": "7500", "floor": "0", "ceiling": "1.234",
                 "source": "x", "illustrative": true }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["floor", "ceiling"]);
    app.post_as(
        &format!("{BASE}/rates"),
        &admin,
        &json!({ "insurance": "210", "from_period": "202601" }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        "/api/v1/staff/policy/regions/4205/rates",
        &admin,
        &new_unemployment_rate(),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        "/api/v1/staff/policy/regions/999999/rates",
        &admin,
        &new_unemployment_rate(),
    )
    .assert_problem(404, "REGION_NOT_FOUND");
    assert_eq!(region_policy(&app), after_one);
    assert_eq!(app.get_as(CHANGES, &admin).body["total"], 1);
}

#[test]
fn only_policy_admins_change_parameters() {
    let app = App::start("2025-11-20");
    let before = region_policy(&app);
    let reviewer = app.mint(Role::Staff, "rev1", "审核员", None, &[StaffRole::Reviewer]);
    app.post_as(
        &format!("{BASE}/rates"),
        &reviewer,
        &new_unemployment_rate(),
    )
    .assert_problem(403, "FORBIDDEN");
    app.get_as(CHANGES, &reviewer)
        .assert_problem(403, "FORBIDDEN");
    let unit_token = app.mint(Role::LegalRep, "91420500MA4C8QD2XC", "刘建国", None, &[]);
    app.post_as(
        &format!("{BASE}/rates"),
        &unit_token,
        &new_unemployment_rate(),
    )
    .assert_problem(403, "FORBIDDEN");
    app.post(&format!("{BASE}/rates"), &new_unemployment_rate())
        .assert_problem(401, "UNAUTHENTICATED");
    app.post_as(
        "/api/v1/staff/policy/interest-rates",
        &reviewer,
        &json!({ "year": 2025, "rate": "0.02", "source": "x", "illustrative": true }),
    )
    .assert_problem(403, "FORBIDDEN");
    assert_eq!(region_policy(&app), before);
    assert_eq!(app.get_as(CHANGES, &policy_admin(&app)).body["total"], 0);
}

#[test]
fn every_kind_of_parameter_can_be_versioned_and_is_audited() {
    let app = App::start("2025-11-20");
    let admin = policy_admin(&app);
    let post = |path: &str, body: Value| {
        let r = app.post_as(path, &admin, &body);
        assert_eq!(r.status, 201, "{path}: {}", r.text);
        r.body
    };
    let src = "illustrative: 测试文件";
    post(
        &format!("{BASE}/base-bounds"),
        json!({ "si_year": 2027, "standard": "7500.00", "floor": "4500.00",
                "ceiling": "22500.00", "source": src, "illustrative": true }),
    );
    let injury = post(
        &format!("{BASE}/injury-class-rates"),
        json!({ "risk_class": 3, "from_period": "202601", "rate": "0.008",
                "source": src, "illustrative": true }),
    );
    assert_eq!(injury["after"]["closed"]["range"]["to"], "202512");
    let late = post(
        &format!("{BASE}/late-fee-rules"),
        json!({ "from_period": "202601", "daily_rate": "0.0005", "due_day_of_next_month": 15,
                "cap": "principal", "source": src, "illustrative": true }),
    );
    assert_eq!(late["before"]["closed"]["range"]["from"], "201605");
    post(
        &format!("{BASE}/windows"),
        json!({ "from_period": "202601", "back_pay_months": 6, "refund_months": 3,
                "order_validity_working_days": 15, "wage_window_start": "3-1",
                "wage_window_end": "06-30", "source": src, "illustrative": true }),
    );
    post(
        &format!("{BASE}/deferrals"),
        json!({ "from_period": "202601", "to_period": "202606", "repay_by": "2026-12-31",
                "source": src, "illustrative": true }),
    );
    app.post_as(
        &format!("{BASE}/deferrals"),
        &admin,
        &json!({ "from_period": "202606", "to_period": "202612", "repay_by": "2027-06-30",
                 "source": src, "illustrative": true }),
    )
    .assert_problem(422, "POLICY_OVERLAP");
    let interest = post(
        "/api/v1/staff/policy/interest-rates",
        json!({ "year": 2025, "rate": "0.0230", "source": src, "illustrative": true }),
    );
    assert_eq!(interest["parameter"], "interest_rate");
    assert!(interest["region"].is_null());
    app.post_as(
        "/api/v1/staff/policy/interest-rates",
        &admin,
        &json!({ "year": 2025, "rate": "0.0231", "source": src, "illustrative": true }),
    )
    .assert_problem(422, "POLICY_OVERLAP");

    // The public parameter endpoints see the new versions.
    let p = app.get("/api/v1/policy/regions/420500/parameters?period=202602");
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["late_fee"]["cap"], "principal");
    assert_eq!(p.body["late_fee"]["due_day_of_next_month"], 15);
    assert_eq!(p.body["windows"]["back_pay_months"], 6);
    assert_eq!(p.body["windows"]["wage_window_start"], "03-01");
    assert_eq!(p.body["deferral"]["repay_by"], "2026-12-31");
    let class3 = p.body["injury_rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["risk_class"] == 3)
        .unwrap()
        .clone();
    assert_eq!(class3["rate"], "0.008");
    let old = app.get("/api/v1/policy/regions/420500/parameters?period=202512");
    assert_eq!(old.body["windows"]["back_pay_months"], 3);
    assert_eq!(old.body["late_fee"]["cap"], "none");
    let bounds = app.get("/api/v1/policy/regions/420500/parameters?period=202708");
    assert_eq!(bounds.body["bounds"]["floor"], "4500.00");
    let rates = app.get("/api/v1/policy/interest-rates?page_size=200");
    assert!(
        rates.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["year"] == 2025 && r["rate"] == "0.023")
    );

    // Six changes, newest first; pages work.
    let list = app.get_as(CHANGES, &admin);
    assert_eq!(list.body["total"], 6);
    let kinds: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "interest_rate",
            "deferral",
            "windows",
            "late_fee_rule",
            "injury_class_rate",
            "base_bounds"
        ]
    );
    let page = app.get_as(&format!("{CHANGES}?page=2&page_size=4"), &admin);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    app.get_as(&format!("{CHANGES}?page_size=0"), &admin)
        .assert_problem(400, "VALIDATION_FAILED");
}

/// R-POL-4 for the parameters of issue 16: 稳岗返还's by year and the
/// project premium rates by region, type and year, added by the policy
/// role only, audited, refused when they exist; 2027's 稳岗返还 can be
/// assessed once its parameters are published.
#[test]
fn stabilisation_years_and_project_rates_are_maintained_by_the_policy_role() {
    let app = App::start("2027-01-15");
    let admin = policy_admin(&app);
    let (unit, _) = qibao_e2e::fixtures::unit_with_staff(&app, "91420500MA4C5D6E7F", None, 2);
    let assessment = "/api/v1/portal/stabilisation-refunds/assessment?year=2027";
    app.get_as(assessment, &unit.token)
        .assert_problem(422, "POLICY_NOT_IN_FORCE");
    let year = json!({
        "year": 2027, "layoff_threshold": "0.055", "small_unit_threshold": "0.2",
        "small_unit_headcount": 30, "large_share": "0.3", "small_medium_share": "0.6",
        "source": "illustrative: 稳岗返还政策通知（测试）", "illustrative": true
    });
    let years = "/api/v1/staff/policy/stabilisation-years";
    let handler = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    app.post_as(years, &handler, &year)
        .assert_problem(403, "FORBIDDEN");
    let mut bad = year.clone();
    bad["year"] = json!(1995);
    bad["large_share"] = json!("1.5");
    bad["small_unit_headcount"] = json!(0);
    let r = app.post_as(years, &admin, &bad);
    r.assert_problem(400, "VALIDATION_FAILED");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["year", "large_share", "small_unit_headcount"]);
    let added = app.post_as(years, &admin, &year);
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["parameter"], "stabilisation_year");
    assert_eq!(added.body["after"]["added"]["large_share"], "0.3");
    app.post_as(years, &admin, &year)
        .assert_problem(422, "POLICY_OVERLAP");
    let list = app.get("/api/v1/policy/stabilisation-years");
    assert_eq!(list.status, 200, "{}", list.text);
    let last = list.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["year"], 2027);
    assert_eq!(last["small_medium_share"], "0.6");
    let a = app.get_as(assessment, &unit.token);
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["year"], 2027);

    let rates = "/api/v1/staff/policy/project-rates";
    let rate = json!({"region": "420500", "kind": "mining", "from_year": 2027, "rate": "0.0025",
                      "source": "illustrative: 按项目参加工伤保险费率（测试）", "illustrative": true});
    app.post_as(rates, &handler, &rate)
        .assert_problem(403, "FORBIDDEN");
    let mut unknown = rate.clone();
    unknown["region"] = json!("999999");
    app.post_as(rates, &admin, &unknown)
        .assert_problem(404, "REGION_NOT_FOUND");
    let mut kind = rate.clone();
    kind["kind"] = json!("tunnel");
    app.post_as(rates, &admin, &kind)
        .assert_problem(400, "VALIDATION_FAILED");
    let added = app.post_as(rates, &admin, &rate);
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["parameter"], "project_rate");
    assert_eq!(added.body["region"], "420500");
    app.post_as(rates, &admin, &rate)
        .assert_problem(422, "POLICY_OVERLAP");
    let list = app.get("/api/v1/policy/project-rates?page_size=200");
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["region"] == "420500"
                && r["kind"] == "mining"
                && r["from_year"] == 2027
                && r["rate"] == "0.0025"),
        "{}",
        list.text
    );
    // Both are in the audit trail of policy changes.
    let changes = app.get_as(CHANGES, &admin);
    assert_eq!(changes.status, 200, "{}", changes.text);
    let params: Vec<&str> = changes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parameter"].as_str().unwrap())
        .collect();
    assert!(
        params.contains(&"stabilisation_year") && params.contains(&"project_rate"),
        "{params:?}"
    );
}

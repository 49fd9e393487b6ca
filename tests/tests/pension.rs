//! Retirement and the pension (issue 15; R-RET-1…4, R-PEN-1…3, R-EMP-7) over
//! HTTP, on SQLite or PostgreSQL: staff enter a person's history before the
//! system's data, the unit estimates the pension (every part with its
//! formula), applies, a reviewer approves, the calculation is frozen and the
//! person is retired; 14 years are refused with R-RET-2's message and
//! nothing is written; an illness early retirement needs its certificate,
//! and a refused application can be made again; units never see each
//! other's.
//!
//! Lines become "paid" here by setting their status directly after the
//! order is issued (the tax bureau's payment flow is tested elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_core::Money;
use qibao_core::retirement::{RetirementCategory, statutory_month};
use qibao_db::ids::{AssessmentId, UnitId};
use qibao_db::{assessments, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const ORDERS: &str = "/api/v1/portal/orders";
const APPS: &str = "/api/v1/portal/retirement-applications";
const STAFF_PERSONS: &str = "/api/v1/staff/persons";
const TODAY: &str = "2026-09-20";

struct Unit {
    id: UnitId,
    token: String,
}

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn demo_unit(app: &App) -> Unit {
    let s = qibao_api::demo::load(
        &app.pool,
        app.server.clock.today(),
        app.server.clock.now_utc(),
    )
    .unwrap();
    let id = {
        let mut conn = app.pool.get().unwrap();
        repo::get_unit_by_no(&mut conn, &s.unit_no).unwrap().id
    };
    Unit {
        token: app.mint(Role::Agent, "420500197001010011", "甲经办", Some(id), &[]),
        id,
    }
}

fn handler(app: &App) -> String {
    app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler])
}

/// Enrols an employee from 2026-09 at 5000 a month; returns the person number.
fn enrol(app: &App, u: &Unit, id17: &str, name: &str) -> String {
    let b = ok(
        app.post_as(
            EMP,
            &u.token,
            &json!({
                "id_type": "resident", "id_number": rid(id17), "name": name,
                "phone": "13807171234", "first_work_date": "2005-07-01",
                "start_date": "2026-09-01", "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    b["person"]["person_no"].as_str().unwrap().to_string()
}

/// Issues the unit's order and marks its lines paid.
fn issue_and_pay(app: &App, u: &Unit) {
    ok(app.post_as(ORDERS, &u.token, &json!({})), 201);
    let mut conn = app.pool.get().unwrap();
    let lines: Vec<AssessmentId> = assessments::list_for_unit(&mut conn, u.id)
        .unwrap()
        .into_iter()
        .filter(|a| a.status.code() == assessments::BILLED)
        .map(|a| a.id)
        .collect();
    assert!(!lines.is_empty());
    assessments::set_status(
        &mut conn,
        &lines,
        assessments::BILLED,
        assessments::PAID,
        app.server.clock.now_utc(),
    )
    .unwrap();
}

/// Staff enter history months and an opening balance at 2016.
fn history(app: &App, person_no: &str, from: &str, to: &str, base: &str) {
    let h = handler(app);
    ok(
        app.post_as(
            &format!("{STAFF_PERSONS}/{person_no}/contribution-history"),
            &h,
            &json!({ "from": from, "to": to, "monthly_base": base,
                     "place": "宜昌市某机械厂", "document": "职工档案 缴费记录" }),
        ),
        201,
    );
    let r = app.call(
        reqwest::Method::PUT,
        &format!("{STAFF_PERSONS}/{person_no}/pension-record"),
        &h,
        Some(&json!({ "opening": { "year": 2016, "balance": "30000.00",
                                   "document": "2015年度个人账户对账单" } })),
    );
    ok(r, 200);
}

fn money(v: &Value) -> Money {
    Money::parse(v.as_str().unwrap()).unwrap()
}

fn counts(app: &App) -> [i64; 3] {
    let one = |t: &str| fixtures::row_count(app, t);
    [
        one("retirement_applications"),
        one("business_items"),
        one("review_tasks"),
    ]
}

#[test]
fn twenty_years_estimate_apply_approve_and_the_retired_status() {
    let app = App::start(TODAY);
    let u = demo_unit(&app);
    // A man born 1966-05: 60 years 5 months under the 2024 decision.
    let no = enrol(&app, &u, "42050019660515001", "退休甲");
    issue_and_pay(&app, &u);
    history(&app, &no, "200601", "202512", "4000.00");
    let birth = qibao_core::Period::new(1966, 5).unwrap();
    let statutory = statutory_month(RetirementCategory::Man, birth);
    assert_eq!(statutory.yyyymm(), 202610);

    // The staff's view of the record.
    let h = handler(&app);
    let rec = ok(
        app.get_as(&format!("{STAFF_PERSONS}/{no}/pension-record"), &h),
        200,
    );
    assert_eq!(rec["history"][0]["months"], 240);
    assert_eq!(rec["recorded"]["months"], 1);
    assert_eq!(rec["opening"]["year"], 2016);
    // A month entered again is refused, naming it; nothing is added.
    let again = app.post_as(
        &format!("{STAFF_PERSONS}/{no}/contribution-history"),
        &h,
        &json!({ "from": "202512", "to": "202512", "monthly_base": "4000",
                 "place": "某厂", "document": "档案" }),
    );
    again.assert_problem(409, "HISTORY_OVERLAP");
    // A unit's agent is not staff.
    app.get_as(&format!("{STAFF_PERSONS}/{no}/pension-record"), &u.token)
        .assert_problem(403, "FORBIDDEN");

    // The estimate: statutory month in full, the window in brief.
    let est = ok(
        app.get_as(&format!("{EMP}/{no}/pension-estimate"), &u.token),
        200,
    );
    assert_eq!(est["category"], "man");
    assert_eq!(est["window"]["statutory_month"], "202610");
    assert_eq!(est["window"]["statutory_age"]["label"], "60岁5个月");
    let calc = &est["calculation"];
    assert_eq!(calc["retirement_month"], "202610");
    assert_eq!(calc["first_pension_month"], "202611");
    assert_eq!(calc["months"]["history"], 240);
    assert_eq!(calc["months"]["recorded"], 1);
    assert!(calc["minimum"]["met"].as_bool().unwrap());
    let p = &calc["pension"];
    let total = money(&p["basic"]["amount"])
        + money(&p["account"]["amount"])
        + money(&p["transitional"]["amount"]);
    assert_eq!(total, money(&p["total"]));
    assert!(!p["total_in_capitals"].as_str().unwrap().is_empty());
    for part in ["basic", "account", "transitional"] {
        let f = p[part]["formula"].as_str().unwrap();
        assert!(f.ends_with(p[part]["amount"].as_str().unwrap()), "{f}");
    }
    assert!(
        p["basic"]["formula"]
            .as_str()
            .unwrap()
            .contains("全省上年度在岗职工月平均工资")
    );
    assert_eq!(calc["account_years"][0]["year"], 2016);
    assert_eq!(calc["account_years"][0]["opening"], "30000.00");
    let options = est["options"].as_array().unwrap();
    assert_eq!(options.first().unwrap()["month"], "202605"); // 60 years: original age
    assert_eq!(options.last().unwrap()["month"], "202910");
    let stat = options.iter().find(|o| o["choice"] == "statutory").unwrap();
    assert_eq!(stat["total"], p["total"]);
    // Later never pays less.
    let totals: Vec<Money> = options.iter().map(|o| money(&o["total"])).collect();
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
    // A month outside the window.
    app.get_as(
        &format!("{EMP}/{no}/pension-estimate?month=203001"),
        &u.token,
    )
    .assert_problem(422, "RETIREMENT_MONTH_INVALID");

    // Another unit sees nothing of this person.
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    let other_token = fixtures::token(&app, other.id);
    app.get_as(&format!("{EMP}/{no}/pension-estimate"), &other_token)
        .assert_problem(404, "PERSON_NOT_FOUND");

    // Apply (normal, statutory month) with a material.
    let material = fixtures::upload_pdf_named(&app, &u.token, "退休申请表.pdf");
    let applied = ok(
        app.post_as(
            APPS,
            &u.token,
            &json!({ "person_no": no, "kind": "normal", "material_ids": [material],
                     "note": "到龄退休" }),
        ),
        201,
    );
    assert_eq!(applied["status"], "pending_review");
    assert_eq!(applied["retirement_month"], "202610");
    assert_eq!(applied["timeline"][0]["event"], "created");
    let id = applied["id"].as_i64().unwrap();
    let item = applied["business_item_id"].as_i64().unwrap();
    // A second one while the first is pending.
    app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "normal", "material_ids": [material] }),
    )
    .assert_problem(409, "RETIREMENT_PENDING");
    app.get_as(&format!("{APPS}/{id}"), &other_token)
        .assert_problem(404, "RETIREMENT_NOT_FOUND");

    // The reviewer approves.
    fixtures::decide_task(&app, item, true, "");
    let done = ok(app.get_as(&format!("{APPS}/{id}"), &u.token), 200);
    assert_eq!(done["status"], "approved");
    assert_eq!(done["first_pension_month"], "202611");
    assert!(done["calculation_approved"].as_bool().unwrap());
    assert_eq!(
        done["monthly_pension"],
        done["calculation"]["pension"]["total"]
    );
    let events: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "claimed", "approved"]);
    assert!(
        done["timeline"][2]["at"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    // The retired status from the retirement month (R-EMP-7).
    let st = ok(
        app.get_as(&format!("{STAFF_PERSONS}/{no}/statuses"), &h),
        200,
    );
    let statuses = st["items"].as_array().unwrap();
    assert!(
        statuses
            .iter()
            .any(|s| s["kind"] == "retirement" && s["from_period"] == "202610")
    );
    // Retired: no further application.
    app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "normal", "material_ids": [material] }),
    )
    .assert_problem(409, "RETIREMENT_PENDING");
    let list = ok(app.get_as(&format!("{APPS}?person_no={no}"), &u.token), 200);
    assert_eq!(list["total"], 1);

    // The unit sets the payment account; the first pension month's payroll
    // lists the pension at the approved amount.
    ok(
        app.call(
            reqwest::Method::PUT,
            &format!("/api/v1/portal/retirees/{no}/payment-account"),
            &u.token,
            Some(
                &json!({ "kind": "bank", "bank_name": "中国农业银行宜昌分行",
                          "account_name": "退休甲", "account_no": "6228480870001234567" }),
            ),
        ),
        200,
    );
    let (_, _, fin) = at(&app, "2026-11-25", u.id);
    let p = payroll(&app, &fin, "202611");
    assert_eq!(p["lines"], 1);
    assert_eq!(p["total"], done["monthly_pension"]);
    assert_eq!(p["groups"][0]["payment_kind"], "bank");
    assert!(!p["total_in_capitals"].as_str().unwrap().is_empty());
    let lines = lines_of(&app, &fin, "202611");
    assert_eq!(lines[0]["person_no"], no.as_str());
    assert_eq!(lines[0]["kind"], "pension");
    assert_eq!(lines[0]["from"], "202611");
    assert_eq!(lines[0]["amount"], done["monthly_pension"]);
}

#[test]
fn fourteen_years_are_refused_with_what_can_be_done_and_nothing_is_written() {
    let app = App::start(TODAY);
    let u = demo_unit(&app);
    // A woman worker born 1976-03: 50 years 8 months → 2026-11.
    let no = enrol(&app, &u, "42050019760310002", "退休乙");
    issue_and_pay(&app, &u);
    history(&app, &no, "201101", "202412", "3800.00");
    // A woman must give her category.
    app.get_as(&format!("{EMP}/{no}/pension-estimate"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    let est = ok(
        app.get_as(
            &format!("{EMP}/{no}/pension-estimate?category=woman_worker"),
            &u.token,
        ),
        200,
    );
    assert_eq!(est["window"]["statutory_month"], "202611");
    let calc = &est["calculation"];
    // 168 history + 1 paid + 2 projected (202610, 202611).
    assert_eq!(calc["months"]["total"], 171);
    assert!(!calc["minimum"]["met"].as_bool().unwrap());
    let material = fixtures::upload_pdf_named(&app, &u.token, "退休申请表.pdf");
    let before = counts(&app);
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "normal", "category": "woman_worker",
                 "material_ids": [material] }),
    );
    r.assert_problem(422, "CONTRIBUTION_YEARS_SHORT");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("15年"), "{detail}");
    assert!(detail.contains("尚差9个月"), "{detail}");
    assert!(detail.contains("延长缴费"), "{detail}");
    assert!(detail.contains("城乡居民基本养老保险"), "{detail}");
    assert_eq!(counts(&app), before);
    // Too soon: 202612 may be applied for from 202609, 202701 not yet.
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "normal", "category": "woman_worker",
                 "month": "202701", "material_ids": [material] }),
    );
    r.assert_problem(422, "RETIREMENT_TOO_SOON");
    assert_eq!(counts(&app), before);
}

#[test]
fn illness_needs_its_certificate_and_a_refusal_can_be_applied_again() {
    let app = App::start(TODAY);
    let u = demo_unit(&app);
    // A man born 1970-03 (56): illness early retirement from 50.
    let no = enrol(&app, &u, "42050019700312003", "退休丙");
    issue_and_pay(&app, &u);
    history(&app, &no, "200501", "202412", "4200.00");
    let material = fixtures::upload_pdf_named(&app, &u.token, "退休申请表.pdf");
    let before = counts(&app);
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "illness", "month": "202610",
                 "material_ids": [material] }),
    );
    r.assert_problem(422, "EARLY_RETIREMENT_REFUSED");
    assert!(r.body["detail"].as_str().unwrap().contains("劳动能力鉴定"));
    assert_eq!(counts(&app), before);
    // Special-type work needs its years.
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({ "person_no": no, "kind": "special_heavy", "month": "202610",
                 "special_months": 60, "material_ids": [material] }),
    );
    r.assert_problem(422, "EARLY_RETIREMENT_REFUSED");
    assert!(r.body["detail"].as_str().unwrap().contains("尚差48个月"));

    let cert = fixtures::upload_pdf_named(&app, &u.token, "劳动能力鉴定结论书.pdf");
    let body = json!({ "person_no": no, "kind": "illness", "month": "202610",
                       "certificate_material_id": cert, "material_ids": [material] });
    let first = ok(app.post_as(APPS, &u.token, &body), 201);
    assert_eq!(first["kind_label"], "因病或非因工完全丧失劳动能力提前退休");
    assert_eq!(first["materials"].as_array().unwrap().len(), 2);
    fixtures::decide_task(
        &app,
        first["business_item_id"].as_i64().unwrap(),
        false,
        "鉴定结论未加盖鉴定委员会公章",
    );
    let refused = ok(
        app.get_as(&format!("{APPS}/{}", first["id"]), &u.token),
        200,
    );
    assert_eq!(refused["status"], "rejected");
    assert_eq!(refused["rejection_reason"], "鉴定结论未加盖鉴定委员会公章");
    // 重新申请.
    let second = ok(app.post_as(APPS, &u.token, &body), 201);
    assert_eq!(second["status"], "pending_review");
    assert_ne!(second["id"], first["id"]);
}

#[test]
fn staff_maintain_the_pension_parameters_by_year() {
    let app = App::start(TODAY);
    let list = app.get("/api/v1/policy/pension-years?page_size=100");
    assert_eq!(list.status, 200, "{}", list.text);
    let seeded = list.body["total"].as_i64().unwrap();
    assert!(seeded >= 26);
    assert_eq!(list.body["items"][0]["year"], 2000);
    let policy = app.mint(
        Role::Staff,
        "pol1",
        "政策管理员",
        None,
        &[StaffRole::PolicyAdmin],
    );
    let body = json!({ "year": 2026, "average_wage": "8200.00",
                       "transitional_coefficient": "0.013",
                       "source": "湖北省2026年度养老金计发基数通知", "illustrative": false });
    let added = ok(
        app.post_as("/api/v1/staff/policy/pension-years", &policy, &body),
        201,
    );
    assert_eq!(added["parameter"], "pension_year");
    assert_eq!(added["after"]["added"]["average_wage"], "8200.00");
    app.post_as("/api/v1/staff/policy/pension-years", &policy, &body)
        .assert_problem(422, "POLICY_OVERLAP");
    // Only the policy role.
    app.post_as("/api/v1/staff/policy/pension-years", &handler(&app), &body)
        .assert_problem(403, "FORBIDDEN");
    let bad = app.post_as(
        "/api/v1/staff/policy/pension-years",
        &policy,
        &json!({ "year": 2027, "average_wage": "0", "transitional_coefficient": "1.3",
                 "source": "", "illustrative": false }),
    );
    bad.assert_problem(400, "VALIDATION_FAILED");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["average_wage", "source", "transitional_coefficient"]
    );
    let list = app.get("/api/v1/policy/pension-years?page_size=100");
    assert_eq!(list.body["total"].as_i64().unwrap(), seeded + 1);

    // The death-benefit standards likewise.
    let d = app.get("/api/v1/policy/death-benefits");
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["items"][0]["from_year"], 2016);
    assert_eq!(d.body["items"][0]["funeral_grant"], "5000.00");
    let body = json!({ "from_year": 2027, "funeral_grant": "6000.00", "survivor_months": 12,
                       "source": "湖北省丧葬补助金和抚恤金标准通知", "illustrative": false });
    let added = ok(
        app.post_as("/api/v1/staff/policy/death-benefits", &policy, &body),
        201,
    );
    assert_eq!(added["parameter"], "death_benefits");
    app.post_as("/api/v1/staff/policy/death-benefits", &policy, &body)
        .assert_problem(422, "POLICY_OVERLAP");
    let d = app.get("/api/v1/policy/death-benefits");
    assert_eq!(d.body["total"], 2);
}

/// Moves the server to `day` and mints fresh tokens: (unit agent, handler,
/// finance).
fn at(app: &App, day: &str, unit: UnitId) -> (String, String, String) {
    app.server.clock.set_today(fixtures::date(day));
    (
        fixtures::token(app, unit),
        handler(app),
        app.mint(Role::Staff, "fin1", "财务员", None, &[StaffRole::Finance]),
    )
}

/// Asks for the month's payroll, waits for its job, returns the payroll.
fn payroll(app: &App, finance: &str, month: &str) -> Value {
    let r = app.post_as(
        "/api/v1/staff/pension-payrolls",
        finance,
        &json!({ "month": month }),
    );
    if r.status == 200 {
        return r.body;
    }
    assert_eq!(r.status, 202, "{}", r.text);
    let job = format!("/api/v1/staff/jobs/{}", r.body["id"]);
    let start = std::time::Instant::now();
    loop {
        let j = ok(app.get_as(&job, finance), 200);
        if j["state"] == "succeeded" {
            break;
        }
        assert_ne!(j["state"], "failed", "{j}");
        assert!(start.elapsed().as_secs() < 60, "payroll job stuck: {j}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    ok(
        app.get_as(&format!("/api/v1/staff/pension-payrolls/{month}"), finance),
        200,
    )
}

fn lines_of(app: &App, finance: &str, month: &str) -> Vec<Value> {
    ok(
        app.get_as(
            &format!("/api/v1/staff/pension-payrolls/{month}/lines?page_size=100"),
            finance,
        ),
        200,
    )["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_retiree_is_paid_suspended_resumed_dies_and_the_heir_is_paid() {
    let app = App::start(TODAY);
    let u = demo_unit(&app);
    let no = enrol(&app, &u, "42050019660515001", "退休甲");
    issue_and_pay(&app, &u);
    history(&app, &no, "200601", "202512", "4000.00");
    let material = fixtures::upload_pdf_named(&app, &u.token, "退休申请表.pdf");
    let applied = ok(
        app.post_as(
            APPS,
            &u.token,
            &json!({ "person_no": no, "kind": "normal", "material_ids": [material] }),
        ),
        201,
    );
    fixtures::decide_task(
        &app,
        applied["business_item_id"].as_i64().unwrap(),
        true,
        "",
    );
    let monthly = money(
        &ok(
            app.get_as(&format!("{APPS}/{}", applied["id"]), &u.token),
            200,
        )["monthly_pension"],
    );
    let retiree = format!("/api/v1/portal/retirees/{no}");
    let staff_retiree = format!("/api/v1/staff/retirees/{no}");

    // 2026-11: no payment account yet → left out, said why.
    let (agent, h, fin) = at(&app, "2026-11-20", u.id);
    let r = ok(app.get_as(&retiree, &agent), 200);
    assert_eq!(r["status"], "active");
    assert_eq!(r["first_pension_month"], "202611");
    assert!(r["payment_account"].is_null());
    let p = payroll(&app, &fin, "202611");
    assert_eq!(p["lines"], 0);
    let ex = &p["excluded"][0];
    assert_eq!(ex["person_no"], no.as_str());
    assert_eq!(ex["reason_code"], "no_payment_account");
    assert!(ex["reason"].as_str().unwrap().contains("发放账户"));
    // Idempotent: asking again answers the same payroll.
    let again = app.post_as(
        "/api/v1/staff/pension-payrolls",
        &fin,
        &json!({ "month": "202611" }),
    );
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["created_at"], p["created_at"]);
    // A month to come is refused; only finance makes payrolls.
    app.post_as(
        "/api/v1/staff/pension-payrolls",
        &fin,
        &json!({ "month": "202612" }),
    )
    .assert_problem(422, "PAYROLL_MONTH_INVALID");
    app.post_as(
        "/api/v1/staff/pension-payrolls",
        &h,
        &json!({ "month": "202611" }),
    )
    .assert_problem(403, "FORBIDDEN");

    // The unit sets the social-security card; 2026-12 pays November as arrears.
    let r = ok(
        app.call(
            reqwest::Method::PUT,
            &format!("{retiree}/payment-account"),
            &agent,
            Some(
                &json!({ "kind": "card", "bank_name": "中国工商银行宜昌分行",
                          "account_name": "退休甲", "account_no": "6222021807000123456" }),
            ),
        ),
        200,
    );
    assert_eq!(r["payment_account"]["kind"], "card");
    let list = ok(app.get_as("/api/v1/portal/retirees", &agent), 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["person_no"], no.as_str());
    let (_, _, fin) = at(&app, "2026-12-20", u.id);
    let p = payroll(&app, &fin, "202612");
    assert_eq!(p["total"], (monthly + monthly).to_string());
    assert_eq!(p["groups"][0]["payment_kind"], "card");
    assert_eq!(p["groups"][0]["bank_name"], "中国工商银行宜昌分行");
    let kinds: Vec<(String, i64)> = lines_of(&app, &fin, "202612")
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["months"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("arrears".to_owned(), 1), ("pension".to_owned(), 1)]
    );

    // 2027-02: suspended for the missing qualification check.
    let (_, h2, fin) = at(&app, "2027-02-10", u.id);
    payroll(&app, &fin, "202701");
    ok(
        app.post_as(
            &format!("{staff_retiree}/suspensions"),
            &h2,
            &json!({ "from": "202702", "reason": "qualification_missing", "note": "未参加2027年度资格认证" }),
        ),
        201,
    );
    app.post_as(
        &format!("{staff_retiree}/suspensions"),
        &h2,
        &json!({ "from": "202702", "reason": "other" }),
    )
    .assert_problem(409, "PENSION_SUSPENDED");
    let p = payroll(&app, &fin, "202702");
    assert_eq!(p["lines"], 0);
    assert_eq!(p["excluded"][0]["reason_code"], "suspended");
    assert!(
        p["excluded"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("资格认证")
    );

    // 2027-04: certified, resumed; February and March are paid back.
    let (agent, h4, fin) = at(&app, "2027-04-05", u.id);
    payroll(&app, &fin, "202703");
    ok(
        app.post_as(
            &format!("{staff_retiree}/qualifications"),
            &h4,
            &json!({ "certified_on": "2027-04-02", "method": "face_recognition" }),
        ),
        201,
    );
    let res = ok(
        app.post_as(
            &format!("{staff_retiree}/resumption"),
            &h4,
            &json!({ "from": "202704" }),
        ),
        201,
    );
    assert_eq!(res["months"], 2);
    assert_eq!(money(&res["amount"]), monthly + monthly);
    assert_eq!(res["retiree"]["status"], "active");
    let seen = ok(app.get_as(&staff_retiree, &h4), 200);
    assert_eq!(seen["suspensions"][0]["to"], "202703");
    assert_eq!(seen["suspensions"][0]["reason"], "qualification_missing");
    assert!(res["retiree"]["qualified_this_year"].as_bool().unwrap());
    let p = payroll(&app, &fin, "202704");
    assert_eq!(money(&p["total"]), monthly + monthly + monthly);
    let arrears = lines_of(&app, &fin, "202704");
    assert_eq!(arrears[0]["kind"], "arrears");
    assert_eq!(
        (arrears[0]["from"].as_str(), arrears[0]["to"].as_str()),
        (Some("202702"), Some("202703"))
    );
    let r = ok(app.get_as(&retiree, &agent), 200);
    assert_eq!(r["months_paid"], 6);
    assert_eq!(r["qualifications"][0]["year"], 2027);

    // 2027-05's payroll pays May; the retiree had died on 2027-04-10.
    let (agent, _, fin) = at(&app, "2027-05-20", u.id);
    payroll(&app, &fin, "202705");
    let cert = fixtures::upload_pdf_named(&app, &agent, "死亡证明.pdf");
    let before = counts(&app);
    app.post_as(
        "/api/v1/portal/death-benefit-applications",
        &agent,
        &json!({ "person_no": no, "death_date": "2027-06-01", "heir_name": "张某",
                 "heir_relation": "配偶", "bank_name": "中国建设银行宜昌分行",
                 "account_no": "6217002870001234567", "material_ids": [cert] }),
    )
    .assert_problem(422, "DEATH_DATE_INVALID");
    assert_eq!(counts(&app), before);
    let d = ok(
        app.post_as(
            "/api/v1/portal/death-benefit-applications",
            &agent,
            &json!({ "person_no": no, "death_date": "2027-04-10", "heir_name": "张某",
                     "heir_relation": "配偶", "bank_name": "中国建设银行宜昌分行",
                     "account_no": "6217002870001234567", "material_ids": [cert] }),
        ),
        201,
    );
    assert!(!d["in_service"].as_bool().unwrap());
    let calc = &d["calculation"];
    assert_eq!(calc["overpaid_months"], json!(["202705"]));
    assert_eq!(money(&calc["overpaid"]["amount"]), monthly);
    assert_eq!(calc["funeral_grant"]["amount"], "5000.00");
    let survivor = money(&calc["survivor_benefit"]["amount"]);
    assert_eq!(survivor, Money::from_fen(monthly.fen() * 10));
    let sum =
        money(&calc["funeral_grant"]["amount"]) + survivor + money(&calc["inheritance"]["amount"]);
    assert_eq!(money(&calc["payable"]), sum - monthly);
    assert!(
        calc["inheritance"]["formula"]
            .as_str()
            .unwrap()
            .contains("已领6个月")
    );
    fixtures::decide_task(&app, d["business_item_id"].as_i64().unwrap(), true, "");
    let r = ok(app.get_as(&retiree, &agent), 200);
    assert_eq!(r["status"], "ended");
    assert_eq!(r["death_month"], "202704");

    // 2027-06: the heir is paid once; the pension is not.
    let (agent, _, fin) = at(&app, "2027-06-20", u.id);
    let p = payroll(&app, &fin, "202706");
    let lines = lines_of(&app, &fin, "202706");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "death_benefit");
    assert_eq!(lines[0]["account_name"], "张某");
    assert_eq!(lines[0]["amount"], calc["payable"]);
    assert_eq!(p["total"], calc["payable"]);
    let d = ok(
        app.get_as(
            &format!("/api/v1/portal/death-benefit-applications/{}", d["id"]),
            &agent,
        ),
        200,
    );
    assert!(d["paid"].as_bool().unwrap());
    assert_eq!(d["status"], "approved");
    let (_, _, fin) = at(&app, "2027-07-20", u.id);
    assert_eq!(payroll(&app, &fin, "202707")["lines"], 0);
}

#[test]
fn a_death_in_service_inherits_the_account_and_a_survivor_benefit() {
    let app = App::start(TODAY);
    let u = demo_unit(&app);
    let no = enrol(&app, &u, "42050019800101004", "在职丁");
    issue_and_pay(&app, &u);
    history(&app, &no, "201601", "202512", "5000.00");
    let cert = fixtures::upload_pdf_named(&app, &u.token, "死亡证明.pdf");
    let d = ok(
        app.post_as(
            "/api/v1/portal/death-benefit-applications",
            &u.token,
            &json!({ "person_no": no, "death_date": "2026-09-15", "heir_name": "丁某",
                     "heir_relation": "子女", "bank_name": "中国建设银行宜昌分行",
                     "account_no": "6217002870001234568", "material_ids": [cert] }),
        ),
        201,
    );
    assert!(d["in_service"].as_bool().unwrap());
    let calc = &d["calculation"];
    // 抚恤金: 10 months of 2025's average wage (7950.00, seeded).
    assert_eq!(calc["survivor_benefit"]["amount"], "79500.00");
    assert!(money(&calc["inheritance"]["amount"]) > Money::from_yuan(30000.into()));
    app.post_as(
        "/api/v1/portal/death-benefit-applications",
        &u.token,
        &json!({ "person_no": no, "death_date": "2026-09-15", "heir_name": "丁某",
                 "heir_relation": "子女", "bank_name": "中国建设银行宜昌分行",
                 "account_no": "6217002870001234568", "material_ids": [cert] }),
    )
    .assert_problem(409, "DEATH_BENEFIT_PENDING");
    // Not a retiree: the unit has no retiree of this number.
    app.get_as(&format!("/api/v1/portal/retirees/{no}"), &u.token)
        .assert_problem(404, "RETIREE_NOT_FOUND");
}

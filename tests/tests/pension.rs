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
}

//! 失业保险金申领（单位） (issue 16, part; R-UNEMP-1, 2) over HTTP, on
//! SQLite or PostgreSQL: an employee dismissed after 7 years of paid
//! unemployment insurance is granted 18 months at 90% of the minimum wage;
//! a resignation is refused with the reason and nothing is written; a claim
//! while still insured, a second pending claim and another unit's reads are
//! refused.
//!
//! The 7 years are paid lines written directly (as the refunds scenario
//! does): the declaration and tax flows are tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::Role;
use qibao_core::Money;
use qibao_db::assessments::{self, NewAssessment};
use qibao_db::ids::UnitId;
use qibao_db::{employees, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const CLAIMS: &str = "/api/v1/portal/unemployment-claims";

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

/// Enrols from 2026-09-01 and writes `years` of paid unemployment months
/// before it; returns the person number.
fn insured_for(app: &App, u: &Unit, id17: &str, name: &str, years: i32) -> String {
    let b = ok(
        app.post_as(
            EMP,
            &u.token,
            &json!({
                "id_type": "resident", "id_number": rid(id17), "name": name,
                "phone": "13807171234", "first_work_date": "2015-07-01",
                "start_date": "2026-09-01", "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let no = b["person"]["person_no"].as_str().unwrap().to_string();
    let mut conn = app.pool.get().unwrap();
    let person = employees::find_by_person_no(&mut conn, &no)
        .unwrap()
        .unwrap();
    let relation = employees::employments_of_persons(&mut conn, &[person.id])
        .unwrap()
        .into_iter()
        .find(|e| e.insurance.code() == "210")
        .unwrap();
    let now = app.server.clock.now_utc();
    let first = qibao_core::Period::new(2026 - years, 9).unwrap();
    for i in 0..years * 12 {
        assessments::insert(
            &mut conn,
            &NewAssessment {
                unit_id: u.id,
                person_id: person.id,
                employment_id: relation.id,
                insurance: "210".into(),
                period: first.add_months(i).yyyymm(),
                kind: "regular".into(),
                base_fen: 500_000,
                unit_rate_ppm: 7_000,
                individual_rate_ppm: 3_000,
                unit_fen: 3_500,
                individual_fen: 1_500,
                status: assessments::PAID.into(),
                source_item_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
    }
    no
}

fn stop(app: &App, u: &Unit, no: &str) {
    ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &u.token,
            &json!({ "stop_date": "2026-09-15", "reason": "解除劳动合同" }),
        ),
        201,
    );
}

fn counts(app: &App) -> [i64; 3] {
    let one = |t: &str| fixtures::row_count(app, t);
    [
        one("unemployment_claims"),
        one("business_items"),
        one("review_tasks"),
    ]
}

fn claim(no: &str, reason: &str, material: i64) -> Value {
    json!({ "person_no": no, "end_reason": reason, "registered_on": "2026-09-18",
            "material_ids": [material] })
}

#[test]
fn dismissed_after_seven_years_gets_eighteen_months() {
    let app = App::start("2026-09-20");
    let u = demo_unit(&app);
    let no = insured_for(&app, &u, "42050019880305001", "失业甲", 7);
    let cert = fixtures::upload_pdf_named(&app, &u.token, "解除劳动合同证明.pdf");
    // Still insured at the unit: stop first.
    app.post_as(CLAIMS, &u.token, &claim(&no, "dismissal", cert))
        .assert_problem(422, "UNEMPLOYMENT_STILL_INSURED");
    stop(&app, &u, &no);
    let c = ok(
        app.post_as(CLAIMS, &u.token, &claim(&no, "dismissal", cert)),
        201,
    );
    assert_eq!(c["status"], "pending_review");
    assert_eq!(c["end_date"], "2026-09-15");
    let calc = &c["calculation"];
    assert_eq!(calc["paid_months"], 84);
    assert_eq!(calc["months_by_years"], 18);
    assert_eq!(calc["months"], 18);
    // 1950.00 × 90% = 1755.00 (not below 800.00).
    assert_eq!(calc["monthly"], "1755.00");
    assert_eq!(calc["total"], "31590.00");
    assert!(calc["monthly_formula"].as_str().unwrap().contains("90%"));
    let schedule = c["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), 18);
    assert_eq!(schedule[0]["month"], "202610");
    assert_eq!(schedule[17]["month"], "202803");
    let sum = schedule.iter().fold(Money::ZERO, |a, m| {
        a + Money::parse(m["amount"].as_str().unwrap()).unwrap()
    });
    assert_eq!(sum.to_string(), "31590.00");
    // One pending claim a person.
    app.post_as(CLAIMS, &u.token, &claim(&no, "dismissal", cert))
        .assert_problem(409, "UNEMPLOYMENT_CLAIM_PENDING");
    // Another unit reads nothing.
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    let other_token = fixtures::token(&app, other.id);
    app.get_as(&format!("{CLAIMS}/{}", c["id"]), &other_token)
        .assert_problem(404, "UNEMPLOYMENT_CLAIM_NOT_FOUND");
    // The reviewer approves; the steps are dated.
    fixtures::decide_task(&app, c["business_item_id"].as_i64().unwrap(), true, "");
    let done = ok(app.get_as(&format!("{CLAIMS}/{}", c["id"]), &u.token), 200);
    assert_eq!(done["status"], "approved");
    let events: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "claimed", "approved"]);
    let list = ok(app.get_as(CLAIMS, &u.token), 200);
    assert_eq!(list["total"], 1);
    // Staff read every unit's claims with their figures.
    let staff = fixtures::reviewer(&app);
    const STAFF: &str = "/api/v1/staff/unemployment-claims";
    let all = ok(app.get_as(&format!("{STAFF}?status=approved"), &staff), 200);
    assert_eq!(all["total"], 1);
    assert_eq!(all["items"][0]["unit_no"], list["items"][0]["unit_no"]);
    let one = ok(app.get_as(&format!("{STAFF}/{}", c["id"]), &staff), 200);
    assert_eq!(one["calculation"]["months"], 18);
    app.get_as(&format!("{STAFF}?status=paid"), &staff)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(STAFF, &u.token).assert_problem(403, "FORBIDDEN");
}

#[test]
fn a_resignation_or_too_short_a_time_is_refused_and_writes_nothing() {
    let app = App::start("2026-09-20");
    let u = demo_unit(&app);
    let no = insured_for(&app, &u, "42050019900410002", "失业乙", 3);
    stop(&app, &u, &no);
    let cert = fixtures::upload_pdf_named(&app, &u.token, "解除劳动合同证明.pdf");
    let before = counts(&app);
    let r = app.post_as(CLAIMS, &u.token, &claim(&no, "resignation", cert));
    r.assert_problem(422, "UNEMPLOYMENT_CLAIM_REFUSED");
    assert!(
        r.body["detail"].as_str().unwrap().contains("本人辞职"),
        "{}",
        r.text
    );
    assert_eq!(r.error_fields(), ["end_reason"]);
    assert_eq!(counts(&app), before);
    // No registration: refused with what to do.
    let r = app.post_as(
        CLAIMS,
        &u.token,
        &json!({ "person_no": no, "end_reason": "not_renewed", "material_ids": [cert] }),
    );
    r.assert_problem(422, "UNEMPLOYMENT_CLAIM_REFUSED");
    assert!(r.body["detail"].as_str().unwrap().contains("失业登记"));
    assert_eq!(counts(&app), before);
    // Under a year paid.
    let short = insured_for(&app, &u, "42050019920115003", "失业丙", 0);
    stop(&app, &u, &short);
    let before = counts(&app);
    let r = app.post_as(CLAIMS, &u.token, &claim(&short, "dismissal", cert));
    r.assert_problem(422, "UNEMPLOYMENT_CLAIM_REFUSED");
    assert!(
        r.body["detail"].as_str().unwrap().contains("尚差12个月"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app), before);
    // Three years: 12 months.
    let c = ok(
        app.post_as(CLAIMS, &u.token, &claim(&no, "not_renewed", cert)),
        201,
    );
    assert_eq!(c["calculation"]["months"], 12);
    assert_eq!(c["end_reason_label"], "劳动合同期满用人单位不续订");
}

#[test]
fn staff_maintain_the_benefit_parameters_and_a_new_year_applies_to_new_claims() {
    let app = App::start("2026-09-20");
    let u = demo_unit(&app);
    let list = app.get("/api/v1/policy/unemployment-benefits?page_size=50");
    assert_eq!(list.status, 200, "{}", list.text);
    let seeded = list.body["total"].as_i64().unwrap();
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["region"] == "420500" && p["percentage"] == "0.9")
    );
    let policy = app.mint(
        Role::Staff,
        "pol1",
        "政策管理员",
        None,
        &[qibao_api::auth::StaffRole::PolicyAdmin],
    );
    const PATH: &str = "/api/v1/staff/policy/unemployment-benefits";
    let body = json!({ "region": "420500", "from_year": 2026, "minimum_wage": "2100.00",
                       "percentage": "0.9", "subsistence": "850.00",
                       "source": "湖北省人民政府关于调整全省最低工资标准的通知",
                       "illustrative": false });
    let added = ok(app.post_as(PATH, &policy, &body), 201);
    assert_eq!(added["parameter"], "unemployment_benefits");
    assert_eq!(added["region"], "420500");
    app.post_as(PATH, &policy, &body)
        .assert_problem(422, "POLICY_OVERLAP");
    app.post_as(
        PATH,
        &policy,
        &json!({ "region": "999999", "from_year": 2026,
            "minimum_wage": "2100.00", "percentage": "0.9", "subsistence": "850.00",
            "source": "x", "illustrative": false }),
    )
    .assert_problem(404, "REGION_NOT_FOUND");
    let bad = app.post_as(
        PATH,
        &policy,
        &json!({ "region": "42050", "from_year": 2026,
            "minimum_wage": "0", "percentage": "90", "subsistence": "850.00",
            "source": "", "illustrative": false }),
    );
    bad.assert_problem(400, "VALIDATION_FAILED");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["minimum_wage", "percentage", "region", "source"]);
    assert_eq!(
        app.get("/api/v1/policy/unemployment-benefits?page_size=50")
            .body["total"]
            .as_i64()
            .unwrap(),
        seeded + 1
    );
    // A claim whose benefit starts in 2026 uses the new year: 2100 × 90%.
    let no = insured_for(&app, &u, "42050019870707005", "失业丁", 2);
    stop(&app, &u, &no);
    let cert = fixtures::upload_pdf_named(&app, &u.token, "解除劳动合同证明.pdf");
    let c = ok(
        app.post_as(CLAIMS, &u.token, &claim(&no, "unit_closed", cert)),
        201,
    );
    assert_eq!(c["calculation"]["monthly"], "1890.00");
    assert_eq!(c["calculation"]["parameters_from_year"], 2026);
}

#[test]
fn the_stop_keeps_the_end_reason_for_the_certificate_and_the_claim() {
    let app = App::start("2026-09-20");
    let u = demo_unit(&app);
    let no = insured_for(&app, &u, "42050019850612007", "失业戊", 7);
    let cert_path = format!("{EMP}/{no}/termination-certificate");
    // Still insured: no certificate.
    app.get_as(&cert_path, &u.token)
        .assert_problem(422, "EMPLOYMENT_NOT_ENDED");
    // A reason that is not one of the codes is refused, nothing written.
    let before = fixtures::row_count(&app, "business_items");
    let r = app.post_as(
        &format!("{EMP}/{no}/suspensions"),
        &u.token,
        &json!({ "stop_date": "2026-09-15", "reason": "解除劳动合同", "end_reason": "fired" }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["end_reason"]);
    assert_eq!(fixtures::row_count(&app, "business_items"), before);
    let stopped = ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &u.token,
            &json!({ "stop_date": "2026-09-15", "reason": "解除劳动合同", "end_reason": "dismissal" }),
        ),
        201,
    );
    assert!(
        stopped["relations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["end_reason"] == "dismissal")
    );
    // The certificate: the reason, involuntary, 84 months paid here.
    let c = ok(app.get_as(&cert_path, &u.token), 200);
    assert_eq!(c["end_reason"], "dismissal");
    assert_eq!(c["end_reason_label"], "用人单位解除劳动合同");
    assert_eq!(c["involuntary"], true);
    assert_eq!(c["end_date"], "2026-09-15");
    assert_eq!(c["unemployment_months"], 84);
    assert_eq!(c["unemployment_spans"][0]["from"], "201909");
    assert_eq!(c["unemployment_spans"][0]["to"], "202608");
    assert!(c["text"].as_str().unwrap().contains("失业戊"));
    assert!(!c["id_number"].as_str().unwrap().contains("0612"));
    let (status, ctype, bytes) = app.get_bytes(&format!("{cert_path}/pdf"), &u.token);
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/pdf");
    let text = qibao_e2e::pdf_text(&bytes);
    for needle in [
        "终止或解除劳动合同证明",
        "失业戊",
        "用人单位解除劳动合同",
        "84个月",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // The claim takes the reason from the stop; another reason is refused.
    let material = fixtures::upload_pdf_named(&app, &u.token, "解除劳动合同证明.pdf");
    let before = counts(&app);
    let r = app.post_as(CLAIMS, &u.token, &claim(&no, "not_renewed", material));
    r.assert_problem(422, "UNEMPLOYMENT_CLAIM_REFUSED");
    assert!(
        r.body["detail"].as_str().unwrap().contains("不一致"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app), before);
    let c = ok(
        app.post_as(
            CLAIMS,
            &u.token,
            &json!({ "person_no": no, "registered_on": "2026-09-18", "material_ids": [material] }),
        ),
        201,
    );
    assert_eq!(c["end_reason"], "dismissal");
    assert_eq!(c["calculation"]["months"], 18);
}

#[test]
fn without_a_reason_at_the_stop_the_claim_must_state_it() {
    let app = App::start("2026-09-20");
    let u = demo_unit(&app);
    let no = insured_for(&app, &u, "42050019860101008", "失业己", 2);
    stop(&app, &u, &no);
    app.get_as(&format!("{EMP}/{no}/termination-certificate"), &u.token)
        .assert_problem(422, "EMPLOYMENT_NOT_ENDED");
    let material = fixtures::upload_pdf_named(&app, &u.token, "解除劳动合同证明.pdf");
    let before = counts(&app);
    let r = app.post_as(
        CLAIMS,
        &u.token,
        &json!({ "person_no": no, "registered_on": "2026-09-18", "material_ids": [material] }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["end_reason"]);
    assert_eq!(counts(&app), before);
    let c = ok(
        app.post_as(CLAIMS, &u.token, &claim(&no, "unit_closed", material)),
        201,
    );
    assert_eq!(c["calculation"]["months"], 12);
}

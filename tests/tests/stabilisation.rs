//! 稳岗返还（稳岗补贴）申领 (issue 16; R-STAB-1) over HTTP, on SQLite or
//! PostgreSQL: a small unit with 2025 paid in full and one dismissal
//! qualifies for 2026; while it owes a month it is refused with the reason
//! and nothing is written; the application goes through review, finance
//! pays it once to the unit's refund account, and a second application for
//! the year is refused. Staff set the size class, which changes the share.
//!
//! The paid months are lines written directly (as the refunds scenario
//! does): the declaration and tax flows are tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::assessments::{self, NewAssessment};
use qibao_db::employees::{self, StopFields};
use qibao_db::ids::UnitId;
use qibao_e2e::fixtures::{self, date};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const ASSESS: &str = "/api/v1/portal/stabilisation-refunds/assessment";
const APPS: &str = "/api/v1/portal/stabilisation-refunds";
const STAFF: &str = "/api/v1/staff/stabilisation-refunds";
const USCC: &str = "91420500MA4D1B2C36";

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn line(
    unit: UnitId,
    person: &qibao_db::rows::Person,
    e: &qibao_db::rows::Employment,
    period: i32,
    status: &str,
    now: time::PrimitiveDateTime,
) -> NewAssessment {
    NewAssessment {
        unit_id: unit,
        person_id: person.id,
        employment_id: e.id,
        insurance: e.insurance.code().into(),
        period,
        kind: "regular".into(),
        base_fen: 500_000,
        unit_rate_ppm: 7_000,
        individual_rate_ppm: 3_000,
        unit_fen: 3_500,
        individual_fen: 1_500,
        status: status.into(),
        source_item_id: None,
        created_at: now,
        updated_at: now,
    }
}

/// A unit of 10 employees whose 2025 unemployment months are paid; the
/// first was dismissed on 2025-06-30 (paid January to June). Returns the
/// unit, the legal representative's token and the id of a pending 2026-01
/// pension line of the second employee (the unit's arrears).
fn small_unit(app: &App) -> (fixtures::Unit, String, i64) {
    let (unit, nos) = fixtures::unit_with_staff(app, USCC, Some(202602), 10);
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let mut owed = 0;
    for (i, no) in nos.iter().enumerate() {
        let person = employees::find_by_person_no(&mut conn, no)
            .unwrap()
            .unwrap();
        let relations = employees::employments_of_persons(&mut conn, &[person.id]).unwrap();
        let unemployment = relations
            .iter()
            .find(|e| e.insurance.code() == "210")
            .unwrap();
        let months = if i == 0 { 6 } else { 12 };
        for m in 1..=months {
            assessments::insert(
                &mut conn,
                &line(
                    unit.id,
                    &person,
                    unemployment,
                    202500 + m,
                    assessments::PAID,
                    now,
                ),
            )
            .unwrap();
        }
        if i == 0 {
            for e in &relations {
                assert!(
                    employees::set_employment_state(
                        &mut conn,
                        e.id,
                        "active",
                        employees::SUSPENDED,
                        StopFields {
                            stop_date: Some(date("2025-06-30")),
                            stop_reason: Some("解除劳动合同"),
                            end_reason: Some("dismissal"),
                        },
                        now,
                    )
                    .unwrap()
                );
            }
        }
        if i == 1 {
            let pension = relations
                .iter()
                .find(|e| e.insurance.code() == "110")
                .unwrap();
            owed = assessments::insert(
                &mut conn,
                &line(unit.id, &person, pension, 202601, assessments::PENDING, now),
            )
            .unwrap()
            .id
            .0;
        }
    }
    drop(conn);
    let rep = app.mint(Role::LegalRep, USCC, "王法人", Some(unit.id), &[]);
    (unit, rep, owed)
}

fn counts(app: &App) -> [i64; 3] {
    let one = |t: &str| fixtures::row_count(app, t);
    [
        one("stabilisation_refunds"),
        one("business_items"),
        one("review_tasks"),
    ]
}

#[test]
fn a_small_unit_qualifies_is_paid_once_and_cannot_apply_twice() {
    let app = App::start("2026-03-10");
    let (u, rep, owed) = small_unit(&app);
    // It owes 2026-01: not qualified, with the figures.
    let a = ok(app.get_as(&format!("{ASSESS}?year=2026"), &u.token), 200);
    assert_eq!(a["base_year"], 2025);
    assert_eq!(a["months_paid"], 12);
    assert_eq!(a["arrears"], "50.00");
    assert_eq!(a["arrears_periods"], json!(["202601"]));
    assert_eq!(a["average_headcount"], "9.50");
    assert_eq!(a["stops"]["non_voluntary"], 1);
    // 1 ÷ 9.5 = 10.53% ≤ 20% (a unit of ≤ 30 insured).
    assert_eq!(a["layoff_rate"], "0.1053");
    assert_eq!(a["threshold"], "0.2");
    assert_eq!(a["qualifies"], false);
    assert!(a["reasons"][0].as_str().unwrap().contains("欠费50.00元"));
    let before = counts(&app);
    let r = app.post_as(APPS, &u.token, &json!({ "year": 2026 }));
    r.assert_problem(422, "STABILISATION_REFUSED");
    assert!(
        r.body["detail"].as_str().unwrap().contains("欠费"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app), before);
    // Paid up: it qualifies. 114 months × 50.00 = 5,700.00 paid; 60%.
    {
        let mut conn = app.pool.get().unwrap();
        qibao_db::assessments::set_status(
            &mut conn,
            &[qibao_db::ids::AssessmentId(owed)],
            assessments::PENDING,
            assessments::PAID,
            app.server.clock.now_utc(),
        )
        .unwrap();
    }
    let a = ok(app.get_as(&format!("{ASSESS}?year=2026"), &u.token), 200);
    assert_eq!(a["qualifies"], true, "{a}");
    assert_eq!(a["paid_total"], "5700.00");
    assert_eq!(a["size_class"], "small_medium");
    assert_eq!(a["share"], "0.6");
    assert_eq!(a["refund"], "3420.00");
    assert_eq!(a["refund_in_capitals"], "叁仟肆佰贰拾元整");
    // Staff record it as large: 30%.
    let handler = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let unit_no = {
        let mut conn = app.pool.get().unwrap();
        qibao_db::employees::get_unit(&mut conn, u.id)
            .unwrap()
            .unit_no
    };
    let size_path = format!("/api/v1/staff/units/{unit_no}/size-class");
    app.call(
        reqwest::Method::PUT,
        &size_path,
        &handler,
        Some(&json!({ "size_class": "huge" })),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    let info = ok(
        app.call(
            reqwest::Method::PUT,
            &size_path,
            &handler,
            Some(&json!({ "size_class": "large" })),
        ),
        200,
    );
    assert_eq!(info["size_class_name"], "大型企业");
    let a = ok(app.get_as(&format!("{ASSESS}?year=2026"), &u.token), 200);
    assert_eq!(a["refund"], "1710.00");
    // No refund account yet: refused, nothing written.
    let before = counts(&app);
    app.post_as(APPS, &u.token, &json!({ "year": 2026 }))
        .assert_problem(422, "NO_REFUND_ACCOUNT");
    assert_eq!(counts(&app), before);
    let name = format!("宜昌缴费测试单位{USCC}");
    ok(
        app.post_as(
            "/api/v1/portal/bank-accounts",
            &rep,
            &json!({ "bank_name": "中国工商银行宜昌分行", "account_name": name,
                     "account_number": "1807050109024567890" }),
        ),
        201,
    );
    let created = ok(app.post_as(APPS, &u.token, &json!({ "year": 2026 })), 201);
    assert_eq!(created["status"], "pending_review");
    assert_eq!(created["amount"], "1710.00");
    assert_eq!(created["account_no"], "1807050109024567890");
    assert_eq!(created["assessment"]["months_paid"], 12);
    // One a year.
    let before = counts(&app);
    app.post_as(APPS, &u.token, &json!({ "year": 2026 }))
        .assert_problem(409, "STABILISATION_EXISTS");
    assert_eq!(counts(&app), before);
    let a = ok(app.get_as(&format!("{ASSESS}?year=2026"), &u.token), 200);
    assert_eq!(a["application_id"], created["id"]);
    // Finance cannot pay before approval.
    let finance = app.mint(Role::Staff, "f1", "财务员", None, &[StaffRole::Finance]);
    let payout = format!("{STAFF}/{}/payout", created["id"]);
    app.post_as(
        &payout,
        &finance,
        &json!({ "payout_reference": "ICBC2026031000001" }),
    )
    .assert_problem(409, "STABILISATION_NOT_APPROVED");
    // The reviewer sees the figures in the task and approves.
    fixtures::decide_task(
        &app,
        created["business_item_id"].as_i64().unwrap(),
        true,
        "",
    );
    let listed = ok(
        app.get_as(&format!("{STAFF}?status=approved"), &finance),
        200,
    );
    assert_eq!(listed["total"], 1);
    let seen = ok(
        app.get_as(&format!("{STAFF}/{}", created["id"]), &finance),
        200,
    );
    assert_eq!(seen["assessment"]["layoff_rate"], "0.1053");
    app.post_as(&payout, &finance, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");
    let paid = ok(
        app.post_as(
            &payout,
            &finance,
            &json!({ "payout_reference": "ICBC2026031000001" }),
        ),
        200,
    );
    assert_eq!(paid["status"], "paid_out");
    assert_eq!(paid["payout_reference"], "ICBC2026031000001");
    app.post_as(
        &payout,
        &finance,
        &json!({ "payout_reference": "ICBC2026031000002" }),
    )
    .assert_problem(409, "STABILISATION_NOT_APPROVED");
    // The unit sees it paid; another unit sees nothing.
    let mine = ok(
        app.get_as(&format!("{APPS}/{}", created["id"]), &u.token),
        200,
    );
    assert_eq!(mine["status"], "paid_out");
    let events: Vec<&str> = mine["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "claimed", "approved"]);
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C44", "宜昌测试丙单位"),
    );
    let other_token = fixtures::token(&app, other.id);
    app.get_as(&format!("{APPS}/{}", created["id"]), &other_token)
        .assert_problem(404, "STABILISATION_NOT_FOUND");
    assert_eq!(ok(app.get_as(APPS, &other_token), 200)["total"], 0);
    // Still one a year after the payout.
    app.post_as(APPS, &u.token, &json!({ "year": 2026 }))
        .assert_problem(409, "STABILISATION_EXISTS");
    // The unit's records label the kinds.
    let items = ok(
        app.get_as("/api/v1/portal/business-items?page_size=50", &u.token),
        200,
    );
    assert!(
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind_label"] == "稳岗返还（稳岗补贴）申领"),
        "{items}"
    );
}

#[test]
fn a_unit_with_too_many_layoffs_or_a_future_year_is_refused() {
    let app = App::start("2026-03-10");
    let (u, _rep, _) = small_unit(&app);
    // Two more dismissals in 2025: 3 ÷ 9.5 = 31.58% > 20%.
    {
        let mut conn = app.pool.get().unwrap();
        let now = app.server.clock.now_utc();
        let rows = employees::employments_of_unit(&mut conn, u.id).unwrap();
        for e in rows
            .iter()
            .filter(|e| e.status == "active" && e.insurance.code() == "210")
            .take(2)
        {
            employees::set_employment_state(
                &mut conn,
                e.id,
                "active",
                employees::SUSPENDED,
                StopFields {
                    stop_date: Some(date("2025-12-31")),
                    stop_reason: Some("解除劳动合同"),
                    end_reason: Some("not_renewed"),
                },
                now,
            )
            .unwrap();
        }
    }
    let a = ok(app.get_as(&format!("{ASSESS}?year=2026"), &u.token), 200);
    assert_eq!(a["stops"]["non_voluntary"], 3);
    assert_eq!(a["layoff_rate"], "0.3158");
    assert_eq!(a["qualifies"], false);
    assert!(
        a["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("裁员率31.58%")),
        "{a}"
    );
    assert_eq!(a["refund"], "0.00");
    app.get_as(&format!("{ASSESS}?year=2027"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    // A past year can be looked at, not applied for.
    ok(app.get_as(&format!("{ASSESS}?year=2025"), &u.token), 200);
    let before = counts(&app);
    app.post_as(APPS, &u.token, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(APPS, &u.token, &json!({ "year": 2025 }))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(APPS, &u.token, &json!({ "year": 2026 }))
        .assert_problem(422, "STABILISATION_REFUSED");
    assert_eq!(counts(&app), before);
}

//! Issue 5 scenarios: labour-contract and employee back-pay applications
//! through the review queue (R-BACK-2, R-BACK-3, R-POL-3), their refusals,
//! and the deferral listing (R-BACK-5), over HTTP on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::Role;

use qibao_db::ids::{BusinessItemId, UnitId};
use qibao_db::{assessments, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const APPS: &str = "/api/v1/portal/back-pay-applications";

struct Unit {
    id: UnitId,
    token: String,
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

fn other_unit(app: &App) -> Unit {
    let unit = fixtures::insert_unit(
        app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    Unit {
        token: app.mint(
            Role::Agent,
            "420500197001010029",
            "乙经办",
            Some(unit.id),
            &[],
        ),
        id: unit.id,
    }
}

fn upload_pdf(app: &App, token: &str) -> i64 {
    fixtures::upload_pdf_named(app, token, "劳动合同.pdf")
}

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

/// Enrols a new employee of `u` starting on `start`; returns the person number.
fn enrol(app: &App, u: &Unit, id17: &str, start: &str) -> (String, Value) {
    let b = ok(
        app.post_as(
            EMP,
            &u.token,
            &json!({
                "id_type": "resident",
                "id_number": rid(id17),
                "name": "赵六",
                "phone": "13807171234",
                "first_work_date": "2010-07-01",
                "start_date": start,
                "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    (b["person"]["person_no"].as_str().unwrap().to_string(), b)
}

fn application(kind: &str, person_no: &str, from: &str, to: &str, material: i64) -> Value {
    json!({
        "kind": kind,
        "person_no": person_no,
        "from_period": from,
        "to_period": to,
        "monthly_wage": "5000",
        "material_ids": [material],
        "reason": "入职时未及时办理参保"
    })
}

/// Claims and decides the open task of business item `item`.
fn decide(app: &App, item: i64, approve: bool) -> Value {
    fixtures::decide_task(app, item, approve, "劳动合同未盖单位公章")
}

fn lines_of_item(app: &App, unit_id: UnitId, item: i64) -> Vec<assessments::Assessment> {
    let mut conn = app.pool.get().unwrap();
    assessments::list_for_unit(&mut conn, unit_id)
        .unwrap()
        .into_iter()
        .filter(|a| a.source_item_id == Some(BusinessItemId(item)))
        .collect()
}

/// Row counts of everything an application writes.
fn counts(app: &App) -> (i64, i64, i64) {
    let one = |table: &str| qibao_e2e::fixtures::row_count(app, table);
    (
        one("assessments"),
        one("business_items"),
        one("review_tasks"),
    )
}

#[test]
fn labour_contract_back_pay_end_to_end() {
    let app = App::start("2023-04-20");
    let u = demo_unit(&app);
    // Start date 8 months back: enrolment names the labour-contract months.
    let (person_no, enrolled) = enrol(&app, &u, "42050019900517003", "2022-08-15");
    assert_eq!(enrolled["labour_contract_back_pay"]["from"], "202208");
    assert_eq!(enrolled["labour_contract_back_pay"]["to"], "202303");
    let material = upload_pdf(&app, &u.token);

    let a = ok(
        app.post_as(
            APPS,
            &u.token,
            &application("labour_contract", &person_no, "202208", "202303", material),
        ),
        201,
    );
    let item = a["id"].as_i64().unwrap();
    assert_eq!(a["status"], "pending_review");
    assert_eq!(a["review_status"], "open");
    assert_eq!(a["kind_label"], "劳动合同补缴");
    assert_eq!(a["months"].as_array().unwrap().len(), 8);
    assert_eq!(a["insurances"], json!(["110", "210", "410"]));
    assert_eq!(a["materials"][0]["id"], material);
    assert!(a["lines_created"].as_array().unwrap().is_empty());
    assert!(lines_of_item(&app, u.id, item).is_empty());

    decide(&app, item, true);
    let g = ok(app.get_as(&format!("{APPS}/{item}"), &u.token), 200);
    assert_eq!(g["status"], "approved", "{g}");
    assert_eq!(g["review_status"], "approved");
    let events: Vec<&str> = g["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "claimed", "approved"]);
    assert_eq!(g["lines_created"].as_array().unwrap().len(), 24);
    let rows = lines_of_item(&app, u.id, item);
    assert_eq!(rows.len(), 24);
    assert!(
        rows.iter()
            .all(|r| r.kind.code() == "labour_contract" && r.status.code() == "pending")
    );
    let pension_202208 = rows
        .iter()
        .find(|r| r.period.yyyymm() == 202208 && r.insurance.code() == "110")
        .unwrap();
    assert_eq!(pension_202208.base_fen, 500_000);
    assert_eq!(pension_202208.unit_rate_ppm, 160_000);
    assert_eq!(pension_202208.unit_fen, 80_000);
    assert_eq!(pension_202208.individual_fen, 40_000);

    // A corrected start date: months of 2021, before the recorded start, at
    // 2021's reduced work-injury rate (R-POL-3).
    let b = ok(
        app.post_as(
            APPS,
            &u.token,
            &application("labour_contract", &person_no, "202111", "202112", material),
        ),
        201,
    );
    let item2 = b["id"].as_i64().unwrap();
    decide(&app, item2, true);
    let rows2 = lines_of_item(&app, u.id, item2);
    assert_eq!(rows2.len(), 6);
    let injury = |rows: &[assessments::Assessment], p: i32| {
        rows.iter()
            .find(|r| r.period.yyyymm() == p && r.insurance.code() == "410")
            .unwrap()
            .unit_rate_ppm
    };
    let r2021 = injury(&rows2, 202111);
    let r2022 = injury(&rows, 202208);
    assert!(r2021 > 0);
    assert_eq!(r2021 * 2, r2022, "class 1: 0.1% in 2021, 0.2% from 202205");

    // The list shows both, newest first; another unit sees none of them.
    let l = ok(app.get_as(APPS, &u.token), 200);
    assert_eq!(l["total"], 2);
    assert_eq!(l["items"][0]["id"], item2);
    let other = other_unit(&app);
    app.get_as(&format!("{APPS}/{item}"), &other.token)
        .assert_problem(404, "BACK_PAY_APPLICATION_NOT_FOUND");
    assert_eq!(ok(app.get_as(APPS, &other.token), 200)["total"], 0);

    // Applying again for months now assessed is refused and writes nothing.
    let before = counts(&app);
    app.post_as(
        APPS,
        &u.token,
        &application("labour_contract", &person_no, "202210", "202211", material),
    )
    .assert_problem(409, "ALREADY_ASSESSED");
    assert_eq!(counts(&app), before);

    // Deferral (R-BACK-5): 202208–202212 fall in the 2022 scheme; the unit
    // confirms them as deferred (缓缴期确认), so they bear no late fee.
    let months = json!(["202208", "202209", "202210", "202211", "202212"]);
    ok(
        app.post_as(
            "/api/v1/portal/deferrals/confirmations",
            &u.token,
            &json!({ "periods": months }),
        ),
        201,
    );
    let d = ok(app.get_as("/api/v1/portal/deferrals", &u.token), 200);
    let scheme = &d["items"][0];
    assert_eq!(scheme["confirmed_periods"], months);
    assert_eq!(scheme["from_period"], "202204");
    assert_eq!(scheme["to_period"], "202212");
    assert_eq!(scheme["repay_by"], "2023-12-31");
    assert_eq!(scheme["passed"], false);
    assert_eq!(scheme["days_left"], 256);
    let mine: Vec<&Value> = scheme["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["person_no"] == person_no.as_str())
        .collect();
    assert_eq!(mine.len(), 15, "{scheme}");
    assert!(mine.iter().all(|l| l["late_fee_if_billed_today"] == "0.00"));
    assert!(mine.iter().all(|l| {
        let p = l["line"]["period"].as_str().unwrap();
        ("202204"..="202212").contains(&p)
    }));
    // Another unit has confirmed nothing and has no lines in the scheme.
    let d2 = ok(app.get_as("/api/v1/portal/deferrals", &other.token), 200);
    assert_eq!(d2["items"][0]["confirmed_periods"], json!([]));
    assert!(d2["items"][0]["lines"].as_array().unwrap().is_empty());
}

#[test]
fn a_rejected_application_shows_its_reason_and_creates_nothing() {
    let app = App::start("2023-04-20");
    let u = demo_unit(&app);
    let (person_no, _) = enrol(&app, &u, "42050019900517003", "2022-08-15");
    let material = upload_pdf(&app, &u.token);
    let a = ok(
        app.post_as(
            APPS,
            &u.token,
            &application(
                "employee_back_pay",
                &person_no,
                "202209",
                "202212",
                material,
            ),
        ),
        201,
    );
    let item = a["id"].as_i64().unwrap();
    assert_eq!(a["kind_label"], "职工补缴");
    decide(&app, item, false);
    let g = ok(app.get_as(&format!("{APPS}/{item}"), &u.token), 200);
    assert_eq!(g["status"], "rejected");
    assert_eq!(g["rejection_reason"], "劳动合同未盖单位公章");
    let last = g["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["note"], "劳动合同未盖单位公章");
    assert!(g["lines_created"].as_array().unwrap().is_empty());
    assert!(lines_of_item(&app, u.id, item).is_empty());
    // The months may be applied for again; approved, they are back-pay lines.
    let b = ok(
        app.post_as(
            APPS,
            &u.token,
            &application(
                "employee_back_pay",
                &person_no,
                "202209",
                "202212",
                material,
            ),
        ),
        201,
    );
    let item2 = b["id"].as_i64().unwrap();
    decide(&app, item2, true);
    let rows = lines_of_item(&app, u.id, item2);
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.kind.code() == "back_pay"));
}

#[test]
fn bad_applications_are_refused_and_write_nothing() {
    let app = App::start("2023-04-20");
    let u = demo_unit(&app);
    let (person_no, _) = enrol(&app, &u, "42050019900517003", "2022-08-15");
    let material = upload_pdf(&app, &u.token);
    let other = other_unit(&app);
    let other_material = upload_pdf(&app, &other.token);
    let before = counts(&app);
    let app_of =
        |kind: &str, from: &str, to: &str| application(kind, &person_no, from, to, material);

    // A future month, the current month, from after to.
    app.post_as(
        APPS,
        &u.token,
        &app_of("labour_contract", "202208", "202306"),
    )
    .assert_problem(422, "PERIOD_IN_FUTURE");
    app.post_as(
        APPS,
        &u.token,
        &app_of("labour_contract", "202208", "202304"),
    )
    .assert_problem(422, "CURRENT_MONTH");
    let r = app.post_as(
        APPS,
        &u.token,
        &app_of("labour_contract", "202303", "202208"),
    );
    r.assert_problem(422, "PERIODS_REVERSED");
    assert!(r.error_fields().contains(&"from_period".to_string()));
    // Months the unit may back-pay online itself.
    app.post_as(
        APPS,
        &u.token,
        &app_of("employee_back_pay", "202301", "202303"),
    )
    .assert_problem(422, "WITHIN_ONLINE_WINDOW");
    // Before the 16th birthday (born 1990-05-17: 200605 is the first month).
    app.post_as(
        APPS,
        &u.token,
        &app_of("labour_contract", "200604", "200612"),
    )
    .assert_problem(422, "UNDER_WORKING_AGE");
    // No material, a material of another unit.
    let mut no_material = app_of("labour_contract", "202208", "202303");
    no_material["material_ids"] = json!([]);
    let r = app.post_as(APPS, &u.token, &no_material);
    r.assert_problem(400, "VALIDATION_FAILED");
    assert!(r.error_fields().contains(&"material_ids".to_string()));
    let mut foreign = app_of("labour_contract", "202208", "202303");
    foreign["material_ids"] = json!([other_material]);
    app.post_as(APPS, &u.token, &foreign)
        .assert_problem(422, "MATERIAL_NOT_FOUND");
    // Another unit's person.
    app.post_as(
        APPS,
        &other.token,
        &application(
            "labour_contract",
            &person_no,
            "202208",
            "202303",
            other_material,
        ),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    // Malformed fields.
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({
            "kind": "refund", "person_no": "x", "from_period": "2022-08",
            "to_period": "202213", "monthly_wage": 0, "material_ids": [0],
            "insurances": ["999"]
        }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    let fields = r.error_fields();
    for f in [
        "kind",
        "person_no",
        "from_period",
        "to_period",
        "monthly_wage",
        "material_ids",
        "reason",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    // Unknown fields, no token, staff token.
    let mut extra = app_of("labour_contract", "202208", "202303");
    extra["unit_id"] = json!(other.id);
    assert_eq!(app.post_as(APPS, &u.token, &extra).status, 400);
    assert_eq!(
        app.post(APPS, &app_of("labour_contract", "202208", "202303"))
            .status,
        401
    );
    assert_eq!(
        app.post_as(
            APPS,
            &fixtures::reviewer(&app),
            &app_of("labour_contract", "202208", "202303")
        )
        .status,
        403
    );
    assert_eq!(counts(&app), before);
    app.get_as(&format!("{APPS}/999999"), &u.token)
        .assert_problem(404, "BACK_PAY_APPLICATION_NOT_FOUND");
}

#[test]
fn months_assessed_meanwhile_are_skipped_and_reported() {
    let app = App::start("2023-04-20");
    let u = demo_unit(&app);
    let (person_no, _) = enrol(&app, &u, "42050019900517003", "2022-08-15");
    let material = upload_pdf(&app, &u.token);
    // Two overlapping applications, both undecided: neither has lines yet.
    let a = ok(
        app.post_as(
            APPS,
            &u.token,
            &application("labour_contract", &person_no, "202208", "202212", material),
        ),
        201,
    );
    let b = ok(
        app.post_as(
            APPS,
            &u.token,
            &application("labour_contract", &person_no, "202211", "202303", material),
        ),
        201,
    );
    let (ia, ib) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    decide(&app, ia, true);
    decide(&app, ib, true);
    assert_eq!(lines_of_item(&app, u.id, ia).len(), 15);
    let rows = lines_of_item(&app, u.id, ib);
    assert_eq!(rows.len(), 9, "202301–202303 only");
    assert!(rows.iter().all(|r| r.period.yyyymm() >= 202301));
    let g = ok(app.get_as(&format!("{APPS}/{ib}"), &u.token), 200);
    let skipped = g["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 6, "{g}");
    assert!(skipped.iter().all(|s| s["reason"] == "already_assessed"));
    assert_eq!(skipped[0]["period"], "202211");
}

#[test]
fn after_the_repay_by_date_deferred_months_accrue_late_fees() {
    // The unit confirms 202209–202212 on the last day it may (R-BACK-5).
    let app = App::start("2023-12-31");
    let mut u = demo_unit(&app);
    ok(
        app.post_as(
            "/api/v1/portal/deferrals/confirmations",
            &u.token,
            &json!({ "periods": ["202209", "202210", "202211", "202212"] }),
        ),
        201,
    );
    app.server.clock.set_today(fixtures::date("2024-02-01"));
    u.token = app.mint(Role::Agent, "420500197001010011", "甲经办", Some(u.id), &[]);
    let (person_no, _) = enrol(&app, &u, "42050019900517003", "2022-09-01");
    let material = upload_pdf(&app, &u.token);
    let a = ok(
        app.post_as(
            APPS,
            &u.token,
            &application("labour_contract", &person_no, "202209", "202212", material),
        ),
        201,
    );
    decide(&app, a["id"].as_i64().unwrap(), true);
    let d = ok(app.get_as("/api/v1/portal/deferrals", &u.token), 200);
    let scheme = &d["items"][0];
    assert_eq!(scheme["passed"], true);
    assert_eq!(scheme["days_left"], 0);
    let pension = scheme["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["person_no"] == person_no.as_str()
                && l["line"]["period"] == "202209"
                && l["line"]["insurance"] == "110"
        })
        .unwrap()
        .clone();
    // 1200.00 × 0.05% × 32 days (2024-01-01 … 2024-02-01) = 19.20.
    assert_eq!(pension["line"]["total"], "1200.00");
    assert_eq!(pension["late_fee_if_billed_today"], "19.20");
}

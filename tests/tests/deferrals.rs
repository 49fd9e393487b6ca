//! Issue 11, finding 8: deferral (缓缴, R-BACK-5 as amended) is per unit.
//! A unit is deferred only for the months it confirmed (2022年定向阶段缓缴期
//! 确认); a unit that never confirmed, and every line of a month the unit
//! did not confirm (a new employee's back-pay lines included), bears the
//! normal late fee of 0.05 % a day, computed and rounded per insurance line
//! (R-LATE-1). Confirmations are refused outside the region's scheme and
//! after its repay-by date, are idempotent, touch no other unit, and staff
//! can record one at the counter. Over HTTP on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::ids::UnitId;
use qibao_db::repo;
use qibao_e2e::fixtures::{self, Unit, declare_wages, set_today, unit_with_staff};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const CONFIRM: &str = "/api/v1/portal/deferrals/confirmations";
const DEFERRALS: &str = "/api/v1/portal/deferrals";
const DECL: &str = "/api/v1/portal/declarations";
const ORDERS: &str = "/api/v1/portal/orders";
const ITEMS: &str = "/api/v1/portal/business-items";

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn unit_no(app: &App, unit_id: UnitId) -> String {
    let mut conn = app.pool.get().unwrap();
    qibao_db::employees::get_unit(&mut conn, unit_id)
        .unwrap()
        .unit_no
}

/// Rows of the tables a confirmation writes.
fn counts(app: &App) -> (i64, i64) {
    let one = |table: &str| qibao_e2e::fixtures::row_count(app, table);
    (one("unit_deferrals"), one("business_items"))
}

/// The late fee in fen of a line of `principal_fen` over `days` at
/// 0.05 % a day, rounded half-up to the fen on its own (R-LATE-1).
fn fee_fen(principal_fen: i64, days: i64) -> i64 {
    let exact = i128::from(principal_fen) * 5 * i128::from(days);
    i64::try_from((exact + 5_000) / 10_000).unwrap()
}

fn money_fen(v: &Value) -> i64 {
    fixtures::fen(v)
}

/// The order's lines of `period`, by insurance code.
fn lines_of(app: &App, token: &str, order: &Value, period: &str) -> Vec<Value> {
    let no = order["order_no"].as_str().unwrap();
    app.order_lines(token, no)
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["period"] == period)
        .cloned()
        .collect()
}

/// Two units of one employee each (wage 3,450.00, the 2022 floor: pension
/// 828.00, unemployment 34.50, work injury 6.90 a month), paid up to
/// 202207, each declaring 202208 in August 2022 and leaving it unpaid.
fn two_units_with_202208_unpaid(app: &App) -> (Unit, Unit) {
    let (mut a, nos_a) = unit_with_staff(app, "91420500MA4DEF0A1X", Some(202207), 1);
    let (mut b, nos_b) = unit_with_staff(app, "91420500MA4DEF0B2X", Some(202207), 1);
    declare_wages(app, &a.token, 2022, &nos_a, "3450");
    declare_wages(app, &b.token, 2022, &nos_b, "3450");
    set_today(app, "2022-08-15", &mut [&mut a, &mut b]);
    for u in [&a, &b] {
        ok(
            app.post_as(DECL, &u.token, &json!({"period": "202208"})),
            201,
        );
    }
    (a, b)
}

/// The finding: on an order issued on 2023-04-10, a unit that never
/// confirmed pays the normal late fee on its 202208 lines (222 days from
/// 2022-09-01, 0.05 % a day per insurance line); a unit that confirmed
/// 202208 pays nothing until 2023-12-31 and normal fees from 2024-01-01.
#[test]
fn only_a_unit_that_confirmed_a_month_is_spared_its_late_fee() {
    let app = App::start("2022-05-10");
    let (mut a, mut b) = two_units_with_202208_unpaid(&app);
    // B confirms 202208 (its legal representative, in the hall).
    let b_rep = app.mint(
        Role::LegalRep,
        "91420500MA4DEF0B2X",
        "王法人",
        Some(b.id),
        &[],
    );
    let r = ok(
        app.post_as(CONFIRM, &b_rep, &json!({"periods": ["202208"]})),
        201,
    );
    assert_eq!(r["confirmed"], json!(["202208"]));

    set_today(&app, "2023-04-10", &mut [&mut a, &mut b]);
    // The deferral list: B's confirmed month and its three unpaid lines,
    // with no fee if billed today; A has confirmed nothing and sees none.
    let list = ok(app.get_as(DEFERRALS, &b.token), 200);
    let scheme = &list["items"][0];
    assert_eq!(scheme["confirmed_periods"], json!(["202208"]));
    assert_eq!(scheme["repay_by"], "2023-12-31");
    assert_eq!(scheme["days_left"], 266);
    assert_eq!(scheme["can_confirm"], true);
    assert_eq!(scheme["lines"].as_array().unwrap().len(), 3, "{scheme}");
    assert_eq!(scheme["totals"]["total"], "869.40");
    assert_eq!(scheme["late_fee_if_billed_today"], "0.00");
    let list = ok(app.get_as(DEFERRALS, &a.token), 200);
    assert_eq!(list["items"][0]["confirmed_periods"], json!([]));
    assert!(list["items"][0]["lines"].as_array().unwrap().is_empty());

    // A never confirmed: 2022-09-01 … 2023-04-10 = 222 days on each line.
    let order_a = ok(app.post_as(ORDERS, &a.token, &json!({})), 201);
    let lines = lines_of(&app, &a.token, &order_a, "202208");
    assert_eq!(lines.len(), 3);
    let mut sum = 0;
    for l in &lines {
        let principal = money_fen(&l["unit_amount"]) + money_fen(&l["individual_amount"]);
        assert_eq!(l["late_fee_days"], 222, "{l}");
        assert_eq!(l["late_fee_from"], "2022-09-01");
        assert_eq!(l["late_fee_daily_rate"], "0.0005");
        assert!(l["late_fee_note"].is_null(), "{l}");
        assert_eq!(money_fen(&l["late_fee"]), fee_fen(principal, 222), "{l}");
        sum += money_fen(&l["late_fee"]);
    }
    // 91.908 → 91.91, 3.8295 → 3.83, 0.7659 → 0.77: 96.51 (not 869.40 ×
    // 0.0005 × 222 = 96.5034 → 96.50 rounded once).
    assert_eq!(sum, 9_191 + 383 + 77);
    assert_eq!(money_fen(&order_a["totals"]["late_fee"]), 9_651);

    // B confirmed: no late fee, and the line says why.
    let order_b = ok(app.post_as(ORDERS, &b.token, &json!({})), 201);
    let lines = lines_of(&app, &b.token, &order_b, "202208");
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert_eq!(l["late_fee"], "0.00", "{l}");
        assert_eq!(l["late_fee_days"], 0);
        assert!(l["late_fee_note"].as_str().unwrap().contains("缓缴"), "{l}");
    }
    assert_eq!(order_b["totals"]["late_fee"], "0.00");

    // After the repay-by date the order has expired; billed again on
    // 2024-01-10, B's lines count 10 days from 2024-01-01 — R-LATE-1's
    // worked example: 4.14 + 0.17 + 0.03 = 4.34.
    set_today(&app, "2024-01-10", &mut [&mut a, &mut b]);
    let order_b = ok(app.post_as(ORDERS, &b.token, &json!({})), 201);
    let lines = lines_of(&app, &b.token, &order_b, "202208");
    let mut fees: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            assert_eq!(l["late_fee_days"], 10, "{l}");
            assert_eq!(l["late_fee_from"], "2024-01-01");
            (
                l["insurance"].as_str().unwrap().to_owned(),
                l["late_fee"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fees.sort();
    assert_eq!(
        fees,
        [("110", "4.14"), ("210", "0.17"), ("410", "0.03")].map(|(i, f)| (i.into(), f.into()))
    );
    assert_eq!(order_b["totals"]["late_fee"], "4.34");
    let list = ok(app.get_as(DEFERRALS, &b.token), 200);
    assert_eq!(list["items"][0]["passed"], true);
    assert_eq!(list["items"][0]["can_confirm"], false);
}

/// A new employee's back-pay lines billed in 2023 for months the unit did
/// not confirm bear the normal late fee; the one month it confirmed does
/// not.
#[test]
fn back_pay_lines_of_months_nobody_confirmed_bear_the_late_fee() {
    let app = App::start("2023-04-20");
    let (u, _) = unit_with_staff(&app, "91420500MA4DEF0C3X", Some(202303), 0);
    ok(
        app.post_as(CONFIRM, &u.token, &json!({"periods": ["202210"]})),
        201,
    );
    let r = ok(
        app.post_as(
            "/api/v1/portal/employees",
            &u.token,
            &json!({
                "id_type": "resident",
                "id_number": fixtures::rid("42050019900517003"),
                "name": "赵六",
                "phone": "13807171234",
                "first_work_date": "2010-07-01",
                "start_date": "2022-08-15",
                "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let person_no = r["person"]["person_no"].as_str().unwrap().to_owned();
    let material = fixtures::upload_pdf_named(&app, &u.token, "劳动合同.pdf");
    let a = ok(
        app.post_as(
            "/api/v1/portal/back-pay-applications",
            &u.token,
            &json!({
                "kind": "labour_contract",
                "person_no": person_no,
                "from_period": "202208",
                "to_period": "202212",
                "monthly_wage": "5000",
                "material_ids": [material],
                "reason": "入职时未及时办理参保"
            }),
        ),
        201,
    );
    fixtures::decide_task(&app, a["id"].as_i64().unwrap(), true, "");
    let order = ok(app.post_as(ORDERS, &u.token, &json!({})), 201);
    let no = order["order_no"].as_str().unwrap();
    let lines = app.order_lines(&u.token, no);
    // Days from the 1st of the next month to 2023-04-20 inclusive.
    let days_of = |period: &str| match period {
        "202208" => 232,
        "202209" => 202,
        "202211" => 141,
        "202212" => 110,
        other => panic!("{other}"),
    };
    let mut seen = 0;
    for l in lines.as_array().unwrap() {
        let period = l["period"].as_str().unwrap();
        if !("202208"..="202212").contains(&period) {
            continue;
        }
        seen += 1;
        assert_eq!(l["kind"], "labour_contract");
        if period == "202210" {
            assert_eq!(l["late_fee"], "0.00", "{l}");
            assert!(l["late_fee_note"].as_str().unwrap().contains("缓缴"));
            continue;
        }
        let days = days_of(period);
        let principal = money_fen(&l["unit_amount"]) + money_fen(&l["individual_amount"]);
        assert!(principal > 0);
        assert_eq!(l["late_fee_days"], days, "{l}");
        assert!(l["late_fee_note"].is_null(), "{l}");
        assert_eq!(money_fen(&l["late_fee"]), fee_fen(principal, days), "{l}");
    }
    assert_eq!(seen, 15, "five months × three insurances");
}

/// Refusals: outside the region's scheme, after the repay-by date, bad
/// bodies, callers who may not confirm. None writes anything.
#[test]
fn confirmations_outside_the_scheme_or_after_repay_by_are_refused_and_write_nothing() {
    let app = App::start("2023-04-20");
    let (mut u, _) = unit_with_staff(&app, "91420500MA4DEF0D4X", Some(202303), 1);
    let before = counts(&app);
    for periods in [
        json!(["202203"]),
        json!(["202301"]),
        json!(["202208", "202301"]),
    ] {
        let r = app.post_as(CONFIRM, &u.token, &json!({ "periods": periods }));
        r.assert_problem(422, "DEFERRAL_NOT_ALLOWED");
        let last = periods.as_array().unwrap().len() - 1;
        assert_eq!(r.error_fields(), vec![format!("periods[{last}]")]);
    }
    let too_many: Vec<String> = (1..=25).map(|_| "202208".to_owned()).collect();
    for (body, field) in [
        (json!({}), "periods"),
        (json!({ "periods": [] }), "periods"),
        (json!({ "periods": ["2022-08"] }), "periods[0]"),
        (json!({ "periods": ["202208", "202213"] }), "periods[1]"),
        (json!({ "periods": ["202208", "202208"] }), "periods[1]"),
        (json!({ "periods": too_many }), "periods"),
    ] {
        let r = app.post_as(CONFIRM, &u.token, &body);
        r.assert_problem(400, "VALIDATION_FAILED");
        assert_eq!(r.error_fields(), vec![field.to_owned()], "{body}");
    }
    app.post_as(CONFIRM, &u.token, &json!({ "periods": ["202208"], "x": 1 }))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_raw(CONFIRM, "application/json", "{}")
        .assert_problem(401, "UNAUTHENTICATED");
    // Payroll software (an API key) may not confirm, whatever it sends;
    // nor may staff through the unit's hall.
    let payroll = app.mint(Role::Payroll, "qb_k1", "工资软件", Some(u.id), &[]);
    for token in [&payroll, &app.staff_token()] {
        let r = app
            .client
            .post(app.url(CONFIRM))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body("x")
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
    }
    // The repay-by date is the last day a month can be confirmed.
    set_today(&app, "2024-01-01", &mut [&mut u]);
    let r = app.post_as(CONFIRM, &u.token, &json!({ "periods": ["202208"] }));
    r.assert_problem(422, "DEFERRAL_PAST_REPAY_BY");
    assert!(r.body["detail"].as_str().unwrap().contains("2023-12-31"));
    assert_eq!(r.error_fields(), vec!["periods[0]".to_owned()]);
    assert_eq!(counts(&app), before, "nothing written");
    let l = ok(app.get_as(CONFIRM, &u.token), 200);
    assert!(l["items"].as_array().unwrap().is_empty());
    set_today(&app, "2023-12-31", &mut [&mut u]);
    ok(
        app.post_as(CONFIRM, &u.token, &json!({ "periods": ["202212"] })),
        201,
    );
}

/// Confirming a month again writes nothing; concurrent confirmations of a
/// month leave one row; another unit's confirmations and deferral list
/// are untouched; the confirmation is a business item with before/after.
#[test]
fn confirming_is_idempotent_recorded_and_touches_no_other_unit() {
    let app = App::start("2023-04-20");
    let (a, _) = unit_with_staff(&app, "91420500MA4DEF0E5X", Some(202303), 1);
    let (b, _) = unit_with_staff(&app, "91420500MA4DEF0F6X", Some(202303), 1);
    let r = app.post_as(
        CONFIRM,
        &a.token,
        &json!({ "periods": ["202209", "202208"] }),
    );
    assert_eq!(
        r.headers.get("location").unwrap().to_str().unwrap(),
        CONFIRM
    );
    let first = ok(r, 201);
    assert_eq!(first["confirmed"], json!(["202208", "202209"]));
    assert_eq!(first["already_confirmed"], json!([]));
    let item = first["business_item_id"].as_i64().unwrap();
    assert_eq!(first["confirmations"].as_array().unwrap().len(), 2);
    let c = &first["confirmations"][0];
    assert_eq!(c["period"], "202208");
    assert_eq!(c["repay_by"], "2023-12-31");
    assert_eq!(c["channel"], "portal");
    assert_eq!(c["actor_role"], "agent");
    assert_eq!(c["actor_name"], "甲经办");
    assert_eq!(c["business_item_id"], item);

    let before = counts(&app);
    let again = ok(
        app.post_as(CONFIRM, &a.token, &json!({ "periods": ["202208"] })),
        200,
    );
    assert_eq!(again["confirmed"], json!([]));
    assert_eq!(again["already_confirmed"], json!(["202208"]));
    assert!(again["business_item_id"].is_null());
    assert_eq!(counts(&app), before);
    let more = ok(
        app.post_as(
            CONFIRM,
            &a.token,
            &json!({ "periods": ["202210", "202208"] }),
        ),
        201,
    );
    assert_eq!(more["confirmed"], json!(["202210"]));
    assert_eq!(more["already_confirmed"], json!(["202208"]));

    // The business item: 缓缴期确认, with the months before and after.
    let d = ok(
        app.get_as(&format!("{ITEMS}/{}", more["business_item_id"]), &a.token),
        200,
    );
    assert_eq!(d["kind"], "deferral_confirmation");
    assert_eq!(d["kind_label"], "缓缴期确认");
    assert_eq!(d["channel"], "portal");
    assert_eq!(d["before"]["periods"], json!(["202208", "202209"]));
    assert_eq!(d["after"]["periods"], json!(["202208", "202209", "202210"]));
    assert_eq!(d["after"]["confirmed"], json!(["202210"]));
    assert_eq!(d["revocable"], false);
    // Another unit reads none of it.
    app.get_as(&format!("{ITEMS}/{item}"), &b.token)
        .assert_problem(404, "BUSINESS_ITEM_NOT_FOUND");
    assert!(
        ok(app.get_as(CONFIRM, &b.token), 200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let list = ok(app.get_as(DEFERRALS, &b.token), 200);
    assert_eq!(list["items"][0]["confirmed_periods"], json!([]));
    let list = ok(app.get_as(DEFERRALS, &a.token), 200);
    assert_eq!(
        list["items"][0]["confirmed_periods"],
        json!(["202208", "202209", "202210"])
    );

    // Eight concurrent confirmations of one month: one writes (201), the
    // others find it confirmed (200); one row, one business item.
    let before = counts(&app);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    app.post_as(CONFIRM, &a.token, &json!({ "periods": ["202211"] }))
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 200),
        "{statuses:?}"
    );
    assert_eq!(counts(&app), (before.0 + 1, before.1 + 1));
    let l = ok(app.get_as(CONFIRM, &a.token), 200);
    let periods: Vec<&str> = l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["202208", "202209", "202210", "202211"]);
}

/// Staff record a unit's confirmation at the counter: the unit's business
/// records show it with channel `counter`, and the unit's lines of the
/// month are then deferred.
#[test]
fn staff_record_a_confirmation_at_the_counter() {
    let app = App::start("2023-04-20");
    let (u, _) = unit_with_staff(&app, "91420500MA4DEF0G7X", Some(202303), 1);
    let no = unit_no(&app, u.id);
    let path = format!("/api/v1/staff/units/{no}/deferrals/confirmations");
    let acceptor = app.mint(Role::Staff, "acc-1", "受理甲", None, &[StaffRole::Acceptor]);
    let finance = app.mint(Role::Staff, "fin-1", "财务甲", None, &[StaffRole::Finance]);
    // Without the role: 403 whatever the body; a unit's caller: 403.
    for (token, body) in [
        (&finance, "{\"periods\": "),
        (&finance, "{}"),
        (&u.token, "{}"),
    ] {
        let r = app
            .client
            .post(app.url(&path))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{body}");
    }
    app.post_as(
        "/api/v1/staff/units/999999999/deferrals/confirmations",
        &acceptor,
        &json!({ "periods": ["202208"] }),
    )
    .assert_problem(404, "UNIT_NOT_FOUND");
    app.post_as(
        "/api/v1/staff/units/12ab/deferrals/confirmations",
        &acceptor,
        &json!({ "periods": ["202208"] }),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(&path, &acceptor, &json!({ "periods": ["202301"] }))
        .assert_problem(422, "DEFERRAL_NOT_ALLOWED");

    let r = app.post_as(
        &path,
        &acceptor,
        &json!({ "periods": ["202208", "202209"] }),
    );
    assert_eq!(r.headers.get("location").unwrap().to_str().unwrap(), path);
    let done = ok(r, 201);
    assert_eq!(done["confirmed"], json!(["202208", "202209"]));
    let item = done["business_item_id"].as_i64().unwrap();

    // The unit's records: 缓缴期确认 at the counter, by staff.
    let items = ok(
        app.get_as(&format!("{ITEMS}?kind=deferral_confirmation"), &u.token),
        200,
    );
    assert_eq!(items["total"], 1, "{items}");
    let it = &items["items"][0];
    assert_eq!(it["id"], item);
    assert_eq!(it["kind_label"], "缓缴期确认");
    assert_eq!(it["channel"], "counter");
    assert_eq!(it["actor_role"], "staff");
    assert_eq!(it["actor_name"], "受理甲");
    // Both sides list the months with channel counter.
    for (p, token) in [(path.as_str(), &acceptor), (CONFIRM, &u.token)] {
        let l = ok(app.get_as(p, token), 200);
        let items = l["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{l}");
        assert!(items.iter().all(|c| c["channel"] == "counter"));
    }
    // Any staff role may read; a unit's caller may not.
    ok(app.get_as(&path, &finance), 200);
    assert_eq!(app.get_as(&path, &u.token).status, 403);
    app.get_as(
        "/api/v1/staff/units/999999999/deferrals/confirmations",
        &finance,
    )
    .assert_problem(404, "UNIT_NOT_FOUND");
    // The unit confirming the same months online writes nothing more.
    let again = ok(
        app.post_as(CONFIRM, &u.token, &json!({ "periods": ["202209"] })),
        200,
    );
    assert_eq!(again["already_confirmed"], json!(["202209"]));
    let unit = {
        let mut conn = app.pool.get().unwrap();
        repo::get_unit_by_no(&mut conn, &no).unwrap()
    };
    assert_eq!(unit.id, u.id);
}

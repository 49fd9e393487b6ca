//! Project-based work-injury insurance (按项目参保, issue 16; R-PROJ-1, 2)
//! over HTTP, on SQLite or PostgreSQL: a construction project registered →
//! its premium billed on a payment order and paid through the tax
//! simulator → workers put on the roster, one taken off, the days covered
//! right; an extension and a higher value bill the difference; refusals
//! write nothing; another unit sees nothing; staff see every project; an
//! expired order paid at the bank in time is booked, one billed again is
//! not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_e2e::fixtures::{self, rid, set_today, tax_sim, unit_with_staff};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const PROJECTS: &str = "/api/v1/portal/projects";

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn registration() -> Value {
    json!({
        "project_no": "420502202603100101", "name": "宜昌市伍家岗区滨江住宅小区一期工程",
        "kind": "construction", "site": "湖北省宜昌市伍家岗区沿江大道88号",
        "start_date": "2026-03-01", "end_date": "2027-02-28",
        "contract_value": "12000000.00"
    })
}

fn counts(app: &App) -> [i64; 4] {
    let one = |t: &str| fixtures::row_count(app, t);
    [
        one("projects"),
        one("orders"),
        one("project_workers"),
        one("business_items"),
    ]
}

#[test]
fn a_project_is_billed_paid_through_the_tax_bureau_and_keeps_its_roster() {
    let app = App::start("2026-03-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0PRJ001X", Some(202602), 1);
    // Refusals first: nothing is written.
    let before = counts(&app);
    let mut bad = registration();
    bad["contract_value"] = json!("0");
    app.post_as(PROJECTS, &u.token, &bad)
        .assert_problem(422, "PROJECT_REFUSED");
    let mut bad = registration();
    bad["contract_value"] = json!("3.33");
    let r = app.post_as(PROJECTS, &u.token, &bad);
    r.assert_problem(422, "PROJECT_REFUSED");
    assert_eq!(r.error_fields(), ["contract_value"]);
    let mut bad = registration();
    bad["end_date"] = json!("2026-02-01");
    let r = app.post_as(PROJECTS, &u.token, &bad);
    r.assert_problem(422, "PROJECT_REFUSED");
    assert_eq!(r.error_fields(), ["end_date"]);
    let r = app.post_as(
        PROJECTS,
        &u.token,
        &json!({ "project_no": "", "kind": "bridge", "start_date": "2026-13-01" }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "contract_value",
            "end_date",
            "kind",
            "name",
            "project_no",
            "site",
            "start_date"
        ]
    );
    assert_eq!(counts(&app), before);

    // Registered: 12,000,000.00 × 0.15% = 18,000.00 on one order.
    let p = ok(app.post_as(PROJECTS, &u.token, &registration()), 201);
    assert_eq!(p["kind_label"], "建筑工程项目");
    assert_eq!(p["region"], "420500");
    assert_eq!(p["premium_total"], "18000.00");
    assert_eq!(p["billed"], "18000.00");
    let charge = &p["charges"][0];
    assert_eq!(charge["reason"], "registration");
    assert_eq!(charge["rate"], "0.0015");
    assert!(charge["formula"].as_str().unwrap().contains("0.15%"));
    let order_no = charge["orders"][0]["order_no"].as_str().unwrap().to_owned();
    let id = p["id"].as_i64().unwrap();
    // The order shows one line of the project type.
    let o = ok(
        app.get_as(&format!("/api/v1/portal/orders/{order_no}"), &u.token),
        200,
    );
    assert_eq!(o["totals"]["total"], "18000.00");
    assert_eq!(o["by_data_type"][0]["data_type"], "建设项目");
    // Printed, the order lists the project as its one line.
    let (status, _, bytes) =
        app.get_bytes(&format!("/api/v1/portal/orders/{order_no}/pdf"), &u.token);
    assert_eq!(status, 200);
    let text = qibao_e2e::pdf_text(&bytes);
    for needle in ["工伤保险（建设项目）", "12000000.00", "18000.00"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // The same number again: refused.
    let before = counts(&app);
    app.post_as(PROJECTS, &u.token, &registration())
        .assert_problem(409, "PROJECT_EXISTS");
    assert_eq!(counts(&app), before);

    // The tax bureau's feed carries it like any order, and it is paid.
    let mut sim = tax_sim(&app, "2026-03-10");
    let feed = sim.pull().unwrap();
    let entry = feed
        .iter()
        .find(|e| e["order"]["order_no"] == order_no.as_str())
        .expect("the project's order in the feed");
    assert_eq!(
        entry["order"]["project"]["project_no"],
        "420502202603100101"
    );
    assert_eq!(entry["order"]["project"]["insurance"], "410");
    assert_eq!(entry["order"]["project"]["amount"], "18000.00");
    let mut sim = tax_sim(&app, "2026-03-10");
    let stats = sim.round().unwrap();
    assert_eq!((stats.paid, stats.refused), (1, 0), "{stats:?}");
    let p = ok(app.get_as(&format!("{PROJECTS}/{id}"), &u.token), 200);
    assert_eq!(p["paid"], "18000.00");
    assert_eq!(p["charges"][0]["billing"], "paid");
    // Nothing left to bill.
    app.post_as(
        &format!("{PROJECTS}/{id}/premium-orders"),
        &u.token,
        &json!({}),
    )
    .assert_problem(422, "NOTHING_TO_BILL");

    // The roster: an insured employee of the unit and a migrant worker.
    let workers = format!("{PROJECTS}/{id}/workers");
    let employee_id = {
        use diesel::prelude::*;
        use qibao_db::schema::persons;
        let mut conn = app.pool.get().unwrap();
        diesel::update(persons::table.filter(persons::person_no.eq(&nos[0])))
            .set(persons::name.eq("王建国"))
            .execute(&mut *conn)
            .unwrap();
        qibao_db::employees::find_by_person_no(&mut conn, &nos[0])
            .unwrap()
            .unwrap()
            .id_number
    };
    // The name must be the insured person's (the refusal does not tell it).
    let r = app.post_as(
        &workers,
        &u.token,
        &json!({ "id_number": employee_id, "name": "王建军" }),
    );
    r.assert_problem(422, "ROSTER_REFUSED");
    assert_eq!(r.error_fields(), ["name"]);
    assert!(!r.text.contains("王建国"), "{}", r.text);
    let a = ok(
        app.post_as(
            &workers,
            &u.token,
            &json!({ "id_number": employee_id, "name": "王建国" }),
        ),
        201,
    );
    assert_eq!(a["person_no"], nos[0].as_str());
    assert_eq!(a["entered_on"], "2026-03-10");
    assert_eq!(a["covered_to"], "2027-02-28");
    let migrant = rid("42052919950101003");
    let b = ok(
        app.post_as(
            &workers,
            &u.token,
            &json!({ "id_number": migrant, "name": "张建军", "entered_on": "2026-03-12" }),
        ),
        201,
    );
    assert_eq!(b["person_no"], Value::Null);
    // Back-dated, twice, outside the term: refused, nothing written.
    let before = counts(&app);
    let r = app.post_as(
        &workers,
        &u.token,
        &json!({ "id_number": rid("42052919960202004"), "name": "李四", "entered_on": "2026-03-09" }),
    );
    r.assert_problem(422, "ROSTER_REFUSED");
    assert!(r.body["detail"].as_str().unwrap().contains("不能补登"));
    app.post_as(
        &workers,
        &u.token,
        &json!({ "id_number": migrant, "name": "张建军" }),
    )
    .assert_problem(409, "WORKER_ON_ROSTER");
    app.post_as(
        &workers,
        &u.token,
        &json!({ "id_number": rid("42052919960202004"), "name": "李四", "entered_on": "2027-03-01" }),
    )
    .assert_problem(422, "ROSTER_REFUSED");
    assert_eq!(counts(&app), before);

    // Two months later the employee leaves on 2026-05-31.
    set_today(&app, "2026-05-31", &mut [&mut u]);
    let removal = format!("{workers}/{}/removal", a["id"]);
    // Cover given is never withdrawn afterwards: no back-dated leaving.
    let r = app.post_as(&removal, &u.token, &json!({ "left_on": "2026-05-30" }));
    r.assert_problem(422, "ROSTER_REFUSED");
    assert_eq!(r.error_fields(), ["left_on"]);
    let gone = ok(app.post_as(&removal, &u.token, &json!({})), 200);
    assert_eq!(gone["on_roster"], false);
    assert_eq!(gone["covered_from"], "2026-03-10");
    assert_eq!(gone["covered_to"], "2026-05-31");
    app.post_as(&removal, &u.token, &json!({}))
        .assert_problem(409, "WORKER_OFF_ROSTER");
    // Who was covered on a day.
    let on = |day: &str| {
        let page = ok(
            app.get_as(&format!("{workers}?covered_on={day}"), &u.token),
            200,
        );
        let mut names: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(on("2026-03-11"), ["王建国"]);
    assert_eq!(on("2026-05-31"), ["张建军", "王建国"]);
    assert_eq!(on("2026-06-01"), ["张建军"]);
    assert!(on("2027-03-01").is_empty());
    let current = ok(app.get_as(&workers, &u.token), 200);
    assert_eq!(current["total"], 1);
    let all = ok(app.get_as(&format!("{workers}?status=all"), &u.token), 200);
    assert_eq!(all["total"], 2);
    // The employee is still insured at the unit: on a roster and insured
    // at once.
    let e = ok(
        app.get_as(&format!("/api/v1/portal/employees/{}", nos[0]), &u.token),
        200,
    );
    assert!(e.to_string().contains("\"status\":\"paying\""), "{e}");

    // Extended by 3 months and up by 3,000,000: the difference is billed.
    // 3,000,000 × 0.15% = 4,500.00; 15,000,000 × 0.15% × 92 ÷ 365 = 5,671.23.
    let before = counts(&app);
    app.post_as(
        &format!("{PROJECTS}/{id}/changes"),
        &u.token,
        &json!({ "contract_value": "11000000" }),
    )
    .assert_problem(422, "PROJECT_REFUSED");
    assert_eq!(counts(&app), before);
    let changed = ok(
        app.post_as(
            &format!("{PROJECTS}/{id}/changes"),
            &u.token,
            &json!({ "end_date": "2027-05-31", "contract_value": "15000000" }),
        ),
        200,
    );
    let c = &changed["charges"][1];
    assert_eq!(c["value_part"], "4500.00");
    assert_eq!(c["extension_part"], "5671.23");
    assert_eq!(c["amount"], "10171.23");
    assert_eq!(c["billing"], "billed");
    assert_eq!(changed["end_date"], "2027-05-31");
    assert_eq!(changed["registered_end_date"], "2027-02-28");
    assert_eq!(changed["premium_total"], "28171.23");
    // The change's order revoked unpaid: billed again on a new order.
    let change_order = c["orders"][0]["order_no"].as_str().unwrap().to_owned();
    ok(
        app.post_as(
            &format!("/api/v1/portal/orders/{change_order}/revocation"),
            &u.token,
            &json!({}),
        ),
        200,
    );
    let again = ok(
        app.post_as(
            &format!("{PROJECTS}/{id}/premium-orders"),
            &u.token,
            &json!({}),
        ),
        200,
    );
    let orders = again["charges"][1]["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0]["status"], "revoked");
    assert_eq!(orders[1]["status"], "live");
    assert_eq!(again["billed"], "10171.23");
    // The remaining worker is now covered to the new end.
    let current = ok(app.get_as(&workers, &u.token), 200);
    assert_eq!(current["items"][0]["covered_to"], "2027-05-31");

    // Another unit sees nothing; staff see everything.
    let (other, _) = unit_with_staff(&app, "91420500MA0PRJ002X", Some(202602), 0);
    app.get_as(&format!("{PROJECTS}/{id}"), &other.token)
        .assert_problem(404, "PROJECT_NOT_FOUND");
    app.post_as(
        &workers,
        &other.token,
        &json!({ "id_number": rid("42052919960202004"), "name": "李四" }),
    )
    .assert_problem(404, "PROJECT_NOT_FOUND");
    assert_eq!(ok(app.get_as(PROJECTS, &other.token), 200)["total"], 0);
    let staff = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let all = ok(app.get_as("/api/v1/staff/projects", &staff), 200);
    assert_eq!(all["total"], 1);
    let one = ok(
        app.get_as(&format!("/api/v1/staff/projects/{id}"), &staff),
        200,
    );
    assert_eq!(one["unit_no"], all["items"][0]["unit_no"]);
    let roster = ok(
        app.get_as(
            &format!("/api/v1/staff/projects/{id}/workers?covered_on=2026-04-01"),
            &staff,
        ),
        200,
    );
    assert_eq!(roster["total"], 2);
    // The rates are public.
    let rates = ok(app.get("/api/v1/policy/project-rates?page_size=50"), 200);
    assert!(
        rates["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "mining" && r["rate"] == "0.003")
    );
    // The unit's records label the kinds.
    let items = ok(
        app.get_as("/api/v1/portal/business-items?page_size=50", &u.token),
        200,
    );
    let labels: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind_label"].as_str().unwrap())
        .collect();
    for l in [
        "建筑工程（矿山）项目登记",
        "建筑工程（矿山）项目信息变更",
        "建筑工程（矿山）项目职工参保名册维护",
    ] {
        assert!(labels.contains(&l), "{l} not in {labels:?}");
    }
}

/// A project's order that expired unpaid, then paid at the bank by its due
/// date (the tax bureau's message came late): booked, the premium counted
/// paid and nothing left to bill. A second project's expired order billed
/// again: the late message of the old order is refused (its premium is on
/// the new order), and the new one is paid once.
#[test]
fn an_expired_project_order_paid_in_time_is_booked_and_never_billed_twice() {
    let app = App::start("2026-03-10");
    let (mut u, _) = unit_with_staff(&app, "91420500MA0PRJ002X", Some(202602), 1);
    let events = "/api/v1/tax/events";
    let invoice = |serial: &str, o: &Value| {
        json!({"serial": serial, "type": "invoiced", "order_no": o["order_no"],
               "amount": o["totals"]["total"], "invoice_no": format!("FP{serial}")})
    };
    let pay = |serial: &str, o: &Value, day: &str| {
        json!({"serial": serial, "type": "paid", "order_no": o["order_no"],
               "amount": o["totals"]["total"], "bank_time": format!("{day}T10:15:00+08:00")})
    };
    let order = |app: &App, token: &str, no: &str| {
        ok(
            app.get_as(&format!("/api/v1/portal/orders/{no}"), token),
            200,
        )
    };
    let p = ok(app.post_as(PROJECTS, &u.token, &registration()), 201);
    let id = p["id"].as_i64().unwrap();
    let first = &p["charges"][0]["orders"][0];
    let no = first["order_no"].as_str().unwrap().to_owned();
    let due = first["due_date"].as_str().unwrap().to_owned();
    let o = order(&app, &u.token, &no);
    let tax = fixtures::tax_token(&app);
    ok(app.post_as(events, &tax, &invoice("PJ1", &o)), 201);
    let mut second_reg = registration();
    second_reg["project_no"] = json!("420502202603100202");
    let p2 = ok(app.post_as(PROJECTS, &u.token, &second_reg), 201);
    let id2 = p2["id"].as_i64().unwrap();
    let no2 = p2["charges"][0]["orders"][0]["order_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let o2 = order(&app, &u.token, &no2);
    ok(app.post_as(events, &tax, &invoice("PJ6", &o2)), 201);

    // A month later both orders are past their due date.
    set_today(&app, "2026-04-20", &mut [&mut u]);
    let tax = fixtures::tax_token(&app);
    let shown = ok(app.get_as(&format!("{PROJECTS}/{id}"), &u.token), 200);
    assert_eq!(shown["charges"][0]["billing"], "unbilled", "{shown}");
    // Paid at the bank on the due date: booked; the premium is paid.
    let r = ok(app.post_as(events, &tax, &pay("PJ2", &o, &due)), 201);
    assert_eq!(r["order_status"], "paid");
    let shown = ok(app.get_as(&format!("{PROJECTS}/{id}"), &u.token), 200);
    assert_eq!(shown["charges"][0]["billing"], "paid", "{shown}");
    assert_eq!(shown["paid"], "18000.00");
    app.post_as(
        &format!("{PROJECTS}/{id}/premium-orders"),
        &u.token,
        &json!({}),
    )
    .assert_problem(422, "NOTHING_TO_BILL");

    // The second project's premium is billed again on a new order; the
    // old order's late message is then refused, the new order is paid.
    let again = ok(
        app.post_as(
            &format!("{PROJECTS}/{id2}/premium-orders"),
            &u.token,
            &json!({}),
        ),
        200,
    );
    let orders = again["charges"][0]["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2, "{again}");
    let new_no = orders.iter().find(|o| o["status"] == "live").unwrap()["order_no"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_as(events, &tax, &pay("PJ3", &o2, &due))
        .assert_problem(409, "ORDER_REISSUED");
    let new_order = order(&app, &u.token, &new_no);
    ok(app.post_as(events, &tax, &invoice("PJ5", &new_order)), 201);
    let r = ok(
        app.post_as(events, &tax, &pay("PJ4", &new_order, "2026-04-20")),
        201,
    );
    assert_eq!(r["order_status"], "paid");
    let shown = ok(app.get_as(&format!("{PROJECTS}/{id2}"), &u.token), 200);
    assert_eq!(shown["charges"][0]["billing"], "paid");
    assert_eq!(shown["paid"], "18000.00");
}

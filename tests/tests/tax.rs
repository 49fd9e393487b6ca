//! Issue 6 scenarios: the tax bureau's feed, its events (invoiced, paid,
//! reversed) idempotent by serial, booking and allocation, progress, the
//! unit's paid-up period, reconciliation; over HTTP on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use qibao_e2e::fixtures::{
    Unit, decide_task, declare_wages, fen, set_today, tax_sim, tax_token, unit_with_staff,
    upload_pdf_named,
};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const DECL: &str = "/api/v1/portal/declarations";
const ORDERS: &str = "/api/v1/portal/orders";
const FEED: &str = "/api/v1/tax/orders/feed";
const EVENTS: &str = "/api/v1/tax/events";

fn issue(app: &App, u: &Unit) -> Value {
    let r = app.post_as(ORDERS, &u.token, &json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

fn declare(app: &App, u: &Unit, period: &str) {
    let r = app.post_as(DECL, &u.token, &json!({ "period": period }));
    assert_eq!(r.status, 201, "{}", r.text);
}

fn send(app: &App, token: &str, msg: &Value) -> Resp {
    app.post_as(EVENTS, token, msg)
}

fn invoice_msg(serial: &str, o: &Value) -> Value {
    json!({"serial": serial, "type": "invoiced", "order_no": o["order_no"],
           "amount": o["totals"]["total"], "invoice_no": format!("FP{serial}")})
}

fn pay_msg(serial: &str, o: &Value, amount: &Value, day: &str) -> Value {
    json!({"serial": serial, "type": "paid", "order_no": o["order_no"],
           "amount": amount, "bank_time": format!("{day}T10:15:00+08:00")})
}

fn unit_paid_period(app: &App, u: &Unit) -> Vec<Value> {
    let r = app.get_as("/api/v1/portal/unit", &u.token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["insurances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["latest_paid_period"].clone())
        .collect()
}

fn steps(o: &Value) -> Vec<bool> {
    o["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["done"].as_bool().unwrap())
        .collect()
}

/// Everything the tax side can change, to compare before and after replays.
fn snapshot(app: &App, u: &Unit) -> Value {
    let orders = app
        .get_as(&format!("{ORDERS}?page_size=200"), &u.token)
        .body;
    let mut details = Vec::new();
    for o in orders["items"].as_array().unwrap() {
        let no = o["order_no"].as_str().unwrap();
        let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
        details.push(json!({"status": d["status"], "progress": d["progress"]}));
    }
    let arrears = app.get_as("/api/v1/portal/arrears", &u.token).body;
    let items = app
        .get_as("/api/v1/portal/business-items?page_size=200", &u.token)
        .body["total"]
        .clone();
    json!({"orders": details, "arrears": arrears, "paid": unit_paid_period(app, u), "items": items})
}

#[test]
fn several_months_collected_by_the_simulated_tax_bureau() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX001X", Some(202207), 3);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    let mut sim = tax_sim(&app, "2022-08-15");

    let mut last_order = Value::Null;
    for (day, period) in [
        ("2022-08-15", "202208"),
        ("2022-09-13", "202209"),
        ("2022-10-17", "202210"),
    ] {
        set_today(&app, day, &mut [&mut u]);
        // The month is declared: no PERIOD_GAP, since the last was accounted.
        declare(&app, &u, period);
        let o = issue(&app, &u);
        assert_eq!(steps(&o), [true, false, false, false, false]);
        // The simulator keeps its cursor across months.
        sim.set_bank_date(Some(qibao_e2e::fixtures::date(day)));
        let stats = sim.round().unwrap();
        assert_eq!(
            (stats.entries, stats.invoiced, stats.paid, stats.refused),
            (1, 1, 1, 0)
        );
        let no = o["order_no"].as_str().unwrap();
        let paid = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
        assert_eq!(paid["status"], "paid");
        assert_eq!(steps(&paid), [true; 5]);
        assert_eq!(paid["invoice_no"], format!("FP{no}"));
        assert_eq!(paid["payment_serial"], format!("PAY{no}-1"));
        let names: Vec<&str> = paid["progress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["缴费认定", "税务开票", "税务登账", "社保登账", "实收分配"]
        );
        // The bank's time is the tax booking time (China time).
        assert!(
            paid["progress"][2]["at"].as_str().unwrap().starts_with(day),
            "{}",
            paid["progress"][2]
        );
        // The unit's paid-up period advanced for every insurance.
        assert_eq!(unit_paid_period(&app, &u), vec![json!(period); 3]);
        // Each person's latest paid month too.
        let emps = app.get_as("/api/v1/portal/employees", &u.token).body;
        for e in emps["items"].as_array().unwrap() {
            assert_eq!(e["latest_paid_period"], period, "{e}");
            assert_eq!(e["paid_up_period"], period, "{e}");
            assert_eq!(e["payment_status"], "paid_up");
        }
        // Nothing left owed.
        let arrears = app.get_as("/api/v1/portal/arrears", &u.token).body;
        assert_eq!(arrears["items"], json!([]));
        last_order = paid;
    }
    // Every business item of the months is named in the unit's records
    // (R-UNDO-1): none shows as "其他业务".
    let items = app
        .get_as("/api/v1/portal/business-items?page_size=200", &u.token)
        .body;
    let labels: std::collections::BTreeMap<String, String> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let label = i["kind_label"].as_str().unwrap().to_string();
            assert_ne!(label, "其他业务", "{i}");
            assert_ne!(label, i["kind"].as_str().unwrap(), "unlabelled kind: {i}");
            (i["kind"].as_str().unwrap().to_string(), label)
        })
        .collect();
    for (kind, label) in [
        ("wage_declaration", "缴费工资申报"),
        ("monthly_declaration", "单位社会保险缴费申报"),
        ("payment_order_issued", "应缴认定单开具"),
        ("payment_booked", "缴费到账"),
    ] {
        assert_eq!(
            labels.get(kind).map(String::as_str),
            Some(label),
            "{labels:?}"
        );
    }
    // The certificate-ready state: each person's paid months and spans.
    let pm = app
        .get_as("/api/v1/portal/paid-months?insurance=110", &u.token)
        .body;
    assert_eq!(pm["total"], 3, "{pm}");
    for it in pm["items"].as_array().unwrap() {
        assert_eq!(it["months"], json!(["202208", "202209", "202210"]));
        assert_eq!(
            it["spans"],
            json!([{"from": "202208", "to": "202210", "months": 3}])
        );
        assert_eq!(it["insurance_name"], "企业职工基本养老保险");
    }
    let all = app.get_as("/api/v1/portal/paid-months", &u.token).body;
    assert_eq!(all["total"], 9);
    let one = app
        .get_as(
            &format!("/api/v1/portal/paid-months?person_no={}", nos[0]),
            &u.token,
        )
        .body;
    assert_eq!(one["total"], 3);
    app.get_as("/api/v1/portal/paid-months?insurance=999", &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    // The list shows the progress reached.
    let list = app.get_as(ORDERS, &u.token).body;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["progress_name"], "实收分配");

    // A paid order cannot be revoked, and says so.
    let no = last_order["order_no"].as_str().unwrap();
    let r = app.post_as(&format!("{ORDERS}/{no}/revocation"), &u.token, &json!({}));
    r.assert_problem(409, "ORDER_NOT_LIVE");
    assert!(
        r.body["detail"].as_str().unwrap().contains("已缴费"),
        "{}",
        r.text
    );

    // The reconciliation of the last day balances.
    let rec = app
        .get_as("/api/v1/tax/reconciliation/2022-10-17", &tax_token(&app))
        .body;
    assert_eq!(rec["balanced"], true, "{rec}");
    assert_eq!(rec["reported"]["count"], 1);
    assert_eq!(rec["booked"]["sum"], last_order["totals"]["total"]);
    // Staff see it too (finance).
    let staff = app.get_as(
        "/api/v1/staff/reconciliation/2022-10-17",
        &app.staff_token(),
    );
    assert_eq!(staff.status, 200);
    assert_eq!(staff.body, rec);
    // Issue 11: only a plain YYYY-MM-DD in range is a day.
    for loose in [
        "20221017",
        "2022-10-17T00:00:00",
        "0000-01-01",
        "+2022-10-17",
    ] {
        app.get_as(
            &format!("/api/v1/tax/reconciliation/{loose}"),
            &tax_token(&app),
        )
        .assert_problem(400, "VALIDATION_FAILED");
    }

    // 职工0 left on 20 September: suspended now, October (paid) is over-paid.
    let s = app.post_as(
        &format!("/api/v1/portal/employees/{}/suspensions", nos[0]),
        &u.token,
        &json!({"stop_date": "2022-09-20", "reason": "解除劳动合同"}),
    );
    assert_eq!(s.status, 201, "{}", s.text);
    // In November the unit applies for October's refund (window 202208…202210).
    set_today(&app, "2022-11-10", &mut [&mut u]);
    let rep = app.mint(
        qibao_api::auth::Role::LegalRep,
        "91420500MA0TAX001X",
        "王法人",
        Some(u.id),
        &[],
    );
    let material = upload_pdf_named(&app, &u.token, "解除劳动合同通知书.pdf");
    let apply = |periods: &[&str]| {
        app.post_as(
            "/api/v1/portal/refund-applications",
            &u.token,
            &json!({"person_no": nos[0], "periods": periods,
                    "document_type": "termination_notice", "material_ids": [material]}),
        )
    };
    // Without a refund bank account: refused with that reason.
    apply(&["202210"]).assert_problem(422, "NO_REFUND_ACCOUNT");
    let r = app.post_as(
        "/api/v1/portal/bank-accounts",
        &rep,
        &json!({"bank_name": "中国工商银行宜昌分行", "account_name": "宜昌缴费测试单位91420500MA0TAX001X",
                "account_number": "1807050109024567890"}),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.text);
    // The stop month stays payable.
    apply(&["202209"]).assert_problem(422, "STOP_MONTH");
    let doc = apply(&["202210"]);
    assert_eq!(doc.status, 201, "{}", doc.text);
    let refund_no = doc.body["refund_no"].as_str().unwrap().to_owned();
    // Principal only: the person's October lines as paid.
    let principal: i64 = app
        .order_lines(&u.token, last_order["order_no"].as_str().unwrap())
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["person_no"] == nos[0].as_str())
        .map(|l| fen(&l["unit_amount"]) + fen(&l["individual_amount"]))
        .sum();
    assert!(principal > 0);
    assert_eq!(fen(&doc.body["totals"]["total"]), principal);
    // Tax cannot reverse the October payment now that a refund rests on it.
    let rev = json!({"serial": "REV-OCT", "type": "reversed", "order_no": last_order["order_no"],
                     "amount": last_order["totals"]["total"],
                     "original_serial": paid_serial(&app, &last_order)});
    send(&app, &tax_token(&app), &rev).assert_problem(409, "REFUND_EXISTS");
    // Review, then finance pays out; the unit sees it paid out.
    let item = doc.body["business_item_id"].as_i64().unwrap();
    decide_task(&app, item, true, "");
    let fin = app.mint(
        qibao_api::auth::Role::Staff,
        "fin1",
        "财务员",
        None,
        &[qibao_api::auth::StaffRole::Finance],
    );
    let p = app.post_as(
        &format!("/api/v1/staff/refunds/{refund_no}/payout"),
        &fin,
        &json!({"payout_reference": "ICBC20221115000001"}),
    );
    assert_eq!(p.status, 200, "{}", p.text);
    let mine = app.get_as(
        &format!("/api/v1/portal/refund-applications/{refund_no}"),
        &u.token,
    );
    assert_eq!(mine.body["status"], "paid_out", "{}", mine.text);
    // October no longer counts as paid for 职工0; the others keep it.
    let months = |no: &str| {
        app.get_as(
            &format!("/api/v1/portal/paid-months?insurance=110&person_no={no}"),
            &u.token,
        )
        .body["items"][0]["months"]
            .clone()
    };
    assert_eq!(months(&nos[0]), json!(["202208", "202209"]));
    assert_eq!(months(&nos[1]), json!(["202208", "202209", "202210"]));
}

/// The serial of an order's booked payment.
fn paid_serial(app: &App, order: &Value) -> String {
    let mut conn = app.pool.get().unwrap();
    qibao_db::tax::order_by_no(&mut conn, order["order_no"].as_str().unwrap())
        .unwrap()
        .unwrap()
        .paid_serial
        .unwrap()
}

#[test]
fn events_are_idempotent_refusals_are_kept_and_reconciled() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX002X", Some(202207), 2);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    declare(&app, &u, "202208");
    let o = issue(&app, &u);
    let total = o["totals"]["total"].clone();
    let tax = tax_token(&app);
    let day = "2022-08-15";

    // Paying before the invoice is refused.
    send(&app, &tax, &pay_msg("P0", &o, &total, day)).assert_problem(409, "ORDER_NOT_INVOICED");
    // A wrong amount is refused with both figures.
    let mut wrong = invoice_msg("I0", &o);
    wrong["amount"] = json!("1.00");
    let r = send(&app, &tax, &wrong);
    r.assert_problem(422, "AMOUNT_MISMATCH");
    assert!(
        r.body["detail"].as_str().unwrap().contains("1.00元"),
        "{}",
        r.text
    );
    // The invoice, then its replay: same answer, marked replayed.
    let first = send(&app, &tax, &invoice_msg("I1", &o));
    assert_eq!(first.status, 201, "{}", first.text);
    let again = send(&app, &tax, &invoice_msg("I1", &o));
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    // A refusal replays as the same refusal.
    send(&app, &tax, &wrong).assert_problem(422, "AMOUNT_MISMATCH");
    // The same serial for another message is refused.
    let mut reused = invoice_msg("I1", &o);
    reused["invoice_no"] = json!("OTHER");
    send(&app, &tax, &reused).assert_problem(409, "SERIAL_REUSED");
    // A second invoice under another serial.
    send(&app, &tax, &invoice_msg("I2", &o)).assert_problem(409, "ORDER_ALREADY_INVOICED");
    // An invoiced order can no longer be revoked by the unit.
    let no = o["order_no"].as_str().unwrap();
    app.post_as(&format!("{ORDERS}/{no}/revocation"), &u.token, &json!({}))
        .assert_problem(409, "ORDER_INVOICED");

    // Payments: wrong amount refused; unknown order; then the right one.
    send(&app, &tax, &pay_msg("P1", &o, &json!("100.00"), day))
        .assert_problem(422, "AMOUNT_MISMATCH");
    let mut ghost = pay_msg("P2", &o, &total, day);
    ghost["order_no"] = json!("2099010100000001");
    send(&app, &tax, &ghost).assert_problem(404, "ORDER_NOT_FOUND");
    let paid = send(&app, &tax, &pay_msg("P3", &o, &total, day));
    assert_eq!(paid.status, 201, "{}", paid.text);
    assert_eq!(paid.body["order_status"], "paid");
    assert_eq!(paid.body["lines"], o["lines_total"]);
    assert_eq!(
        paid.body["lines"],
        app.order_lines(&u.token, o["order_no"].as_str().unwrap())
            .as_array()
            .unwrap()
            .len()
    );
    // Paying the paid order again under another serial is refused.
    send(&app, &tax, &pay_msg("P4", &o, &total, day)).assert_problem(409, "ORDER_ALREADY_PAID");

    // A revoked order and an expired order refuse payment.
    set_today(&app, "2022-09-13", &mut [&mut u]);
    let tax = tax_token(&app);
    declare(&app, &u, "202209");
    let revoked = issue(&app, &u);
    let rno = revoked["order_no"].as_str().unwrap();
    assert_eq!(
        app.post_as(&format!("{ORDERS}/{rno}/revocation"), &u.token, &json!({}))
            .status,
        200
    );
    send(&app, &tax, &invoice_msg("I5", &revoked)).assert_problem(409, "ORDER_REVOKED");
    let expiring = issue(&app, &u);
    assert_eq!(send(&app, &tax, &invoice_msg("I6", &expiring)).status, 201);
    // Paid at the bank by the due date, the message a month later: booked.
    set_today(&app, "2022-10-20", &mut [&mut u]);
    let tax = tax_token(&app);
    let late = pay_msg("P6", &expiring, &expiring["totals"]["total"], "2022-09-14");
    let r = send(&app, &tax, &late);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["order_status"], "paid");
    // An order the unit's reads have closed as expired comes back when its
    // lines are still free.
    declare(&app, &u, "202210");
    let october = issue(&app, &u);
    assert_eq!(send(&app, &tax, &invoice_msg("I7", &october)).status, 201);
    set_today(&app, "2022-11-21", &mut [&mut u]);
    let tax = tax_token(&app);
    let ono = october["order_no"].as_str().unwrap();
    let closed = app.get_as(&format!("{ORDERS}/{ono}"), &u.token).body;
    assert_eq!(closed["status"], "expired");
    let r = send(
        &app,
        &tax,
        &pay_msg("P7", &october, &october["totals"]["total"], "2022-10-21"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let reopened = app.get_as(&format!("{ORDERS}/{ono}"), &u.token).body;
    assert_eq!(reopened["status"], "paid");
    // Once its lines are on a new order, a late payment of the old one is
    // refused; a bank date after the due date is refused.
    declare(&app, &u, "202211");
    let november = issue(&app, &u);
    assert_eq!(send(&app, &tax, &invoice_msg("I8", &november)).status, 201);
    set_today(&app, "2022-12-20", &mut [&mut u]);
    let tax = tax_token(&app);
    let _ = app.get_as(ORDERS, &u.token);
    let reissue = issue(&app, &u);
    send(
        &app,
        &tax,
        &pay_msg("P8", &november, &november["totals"]["total"], "2022-11-22"),
    )
    .assert_problem(409, "ORDER_REISSUED");
    send(
        &app,
        &tax,
        &pay_msg("P9", &reissue, &reissue["totals"]["total"], "2023-02-28"),
    )
    .assert_problem(422, "PAID_AFTER_DUE_DATE");
    send(
        &app,
        &tax,
        &pay_msg("P10", &reissue, &reissue["totals"]["total"], "2022-12-01"),
    )
    .assert_problem(422, "PAID_BEFORE_ISSUE_DATE");
    let mut far = pay_msg("P11", &reissue, &reissue["totals"]["total"], "2022-12-21");
    far["bank_time"] = json!("9999-12-31T23:00:00-08:00");
    send(&app, &tax, &far).assert_problem(400, "VALIDATION_FAILED");

    // Replaying every message changes nothing and answers the same.
    let before = snapshot(&app, &u);
    let messages = [
        pay_msg("P0", &o, &total, day),
        wrong.clone(),
        invoice_msg("I1", &o),
        invoice_msg("I2", &o),
        pay_msg("P1", &o, &json!("100.00"), day),
        ghost.clone(),
        pay_msg("P3", &o, &total, day),
        pay_msg("P4", &o, &total, day),
        invoice_msg("I5", &revoked),
        late.clone(),
    ];
    let firsts: Vec<(u16, Value)> = messages
        .iter()
        .map(|m| {
            let r = send(&app, &tax, m);
            (r.status, r.body)
        })
        .collect();
    for (m, first) in messages.iter().zip(&firsts) {
        let r = send(&app, &tax, m);
        assert_eq!((r.status, &r.body), (first.0, &first.1), "{m}");
        assert_eq!(r.headers["idempotent-replayed"], "true");
    }
    assert_eq!(snapshot(&app, &u), before);

    // Reconciliation of the 15th: four paid messages reported, one booked,
    // each refusal listed with its reason.
    let rec = app
        .get_as(&format!("/api/v1/tax/reconciliation/{day}"), &tax)
        .body;
    assert_eq!(rec["reported"]["count"], 5, "{rec}");
    assert_eq!(rec["booked"]["count"], 1);
    assert_eq!(rec["booked"]["sum"], total);
    assert_eq!(rec["balanced"], false);
    let codes: Vec<&str> = rec["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "ORDER_NOT_INVOICED",
            "AMOUNT_MISMATCH",
            "ORDER_NOT_FOUND",
            "ORDER_ALREADY_PAID"
        ]
    );
    // The late-arriving payment counts on its bank day; the refused one too.
    let rec14 = app
        .get_as("/api/v1/tax/reconciliation/2022-09-14", &tax)
        .body;
    assert_eq!(rec14["balanced"], true, "{rec14}");
    assert_eq!(rec14["booked"]["count"], 1);
    let rec22 = app
        .get_as("/api/v1/tax/reconciliation/2022-11-22", &tax)
        .body;
    assert_eq!(rec22["differences"][0]["code"], "ORDER_REISSUED", "{rec22}");
    assert_eq!(rec22["differences"][0]["kind"], "refused");

    // Tax's own statement: what it collected that day. P3 matches; a payment
    // that never reached us is listed as missing.
    let stmt = json!({"lines": [
        {"serial": "P3", "order_no": o["order_no"], "amount": total},
        {"serial": "P9", "order_no": o["order_no"], "amount": "12.00"},
    ]});
    let r = app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/tax/reconciliation/{day}/statement"),
        &tax,
        Some(&stmt),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["statement_received"], true);
    assert_eq!(r.body["reported"]["count"], 2);
    let kinds: Vec<&str> = r.body["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "missing_message",
            "refused",
            "refused",
            "refused",
            "refused"
        ]
    );

    // Every message was kept: I1 four times and the different one reusing it.
    let mut conn = app.pool.get().unwrap();
    assert_eq!(qibao_db::tax::message_count(&mut conn, "I1").unwrap(), 5);

    // Malformed and incomplete messages: 400, nothing stored.
    let r = reqwest::blocking::Client::new()
        .post(app.url(EVENTS))
        .bearer_auth(&tax)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().unwrap().contains("MALFORMED_MESSAGE"));
    let mut no_time = pay_msg("PX7", &o, &total, day);
    no_time.as_object_mut().unwrap().remove("bank_time");
    let r = send(&app, &tax, &no_time);
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), ["bank_time"]);
    assert!(
        qibao_db::tax::find_event(&mut conn, "PX7")
            .unwrap()
            .is_none()
    );
}

#[test]
fn twenty_concurrent_deliveries_book_once() {
    let app = Arc::new(App::start("2022-05-10"));
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX003X", Some(202207), 3);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    declare(&app, &u, "202208");
    let o = issue(&app, &u);
    let tax = tax_token(&app);
    assert_eq!(send(&app, &tax, &invoice_msg("I1", &o)).status, 201);
    let msg = pay_msg("P1", &o, &o["totals"]["total"], "2022-08-15");
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let (app, tax, msg) = (Arc::clone(&app), tax.clone(), msg.clone());
            std::thread::spawn(move || {
                let r = send(&app, &tax, &msg);
                (
                    r.status,
                    r.body,
                    r.headers.contains_key("idempotent-replayed"),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, Value, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for a in &answers {
        assert_eq!((a.0, &a.1), (answers[0].0, &answers[0].1));
    }
    assert_eq!(answers[0].0, 201, "{:?}", answers[0]);
    assert_eq!(
        answers.iter().filter(|a| !a.2).count(),
        1,
        "one first delivery"
    );
    // Booked once: one booking item, one event, the order paid.
    let items = app
        .get_as(
            "/api/v1/portal/business-items?kind=payment_booked",
            &u.token,
        )
        .body;
    assert_eq!(items["total"], 1, "{items}");
    let mut conn = app.pool.get().unwrap();
    assert_eq!(qibao_db::tax::message_count(&mut conn, "P1").unwrap(), 20);
    let no = o["order_no"].as_str().unwrap();
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
    assert_eq!(d["status"], "paid");
}

#[test]
fn a_reversal_reopens_the_order_and_a_new_payment_books_it_again() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX004X", Some(202207), 2);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    declare(&app, &u, "202208");
    let o = issue(&app, &u);
    let total = o["totals"]["total"].clone();
    let tax = tax_token(&app);
    assert_eq!(send(&app, &tax, &invoice_msg("I1", &o)).status, 201);
    assert_eq!(
        send(&app, &tax, &pay_msg("P1", &o, &total, "2022-08-15")).status,
        201
    );
    assert_eq!(unit_paid_period(&app, &u)[0], "202208");

    let rev = |serial: &str, orig: &str, amount: &Value| {
        json!({"serial": serial, "type": "reversed", "order_no": o["order_no"],
               "amount": amount, "original_serial": orig})
    };
    send(&app, &tax, &rev("R0", "P1", &json!("1.00"))).assert_problem(422, "REVERSAL_MISMATCH");
    send(&app, &tax, &rev("R0b", "NOPE", &total)).assert_problem(404, "PAYMENT_NOT_FOUND");
    let r = send(&app, &tax, &rev("R1", "P1", &total));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["order_status"], "live");
    send(&app, &tax, &rev("R2", "P1", &total)).assert_problem(409, "PAYMENT_ALREADY_REVERSED");
    let no = o["order_no"].as_str().unwrap();
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
    assert_eq!(d["status"], "live");
    assert_eq!(steps(&d), [true, true, false, false, false]);
    assert_eq!(unit_paid_period(&app, &u)[0], json!(202207.to_string()));
    let arrears = app.get_as("/api/v1/portal/arrears", &u.token).body;
    assert_eq!(fen(&arrears["items"][0]["billed"]), fen(&total));
    // The reversal takes the money back on its own day: the day's booked
    // sum is zero, and each refused reversal is listed.
    let rec = app
        .get_as("/api/v1/tax/reconciliation/2022-08-15", &tax)
        .body;
    assert_eq!(rec["booked"]["count"], 2, "{rec}");
    assert_eq!(rec["booked"]["sum"], "0.00");
    let codes: Vec<&str> = rec["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "REVERSAL_MISMATCH",
            "PAYMENT_NOT_FOUND",
            "PAYMENT_ALREADY_REVERSED"
        ]
    );

    // Paid again under a new serial.
    assert_eq!(
        send(&app, &tax, &pay_msg("P2", &o, &total, "2022-08-16")).status,
        201
    );
    assert_eq!(unit_paid_period(&app, &u)[0], "202208");
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
    assert_eq!(steps(&d), [true; 5]);
}

#[test]
fn the_feed_is_gapless_in_cursor_order_under_concurrent_issues() {
    let app = Arc::new(App::start("2022-05-10"));
    let mut units = Vec::new();
    for i in 0..4 {
        let (mut u, nos) = unit_with_staff(&app, &format!("91420500MA0TAXF{i}0X"), Some(202207), 2);
        declare_wages(&app, &u.token, 2022, &nos, "5000");
        set_today(&app, "2022-08-15", &mut [&mut u]);
        declare(&app, &u, "202208");
        units.push(u);
    }
    for u in &mut units {
        u.token = qibao_e2e::fixtures::token(&app, u.id);
    }
    let tax = tax_token(&app);
    // A reader polls while the four units issue at once.
    let reader = {
        let (app, tax) = (Arc::clone(&app), tax.clone());
        std::thread::spawn(move || {
            let mut after = 0i64;
            let mut seen = Vec::new();
            for _ in 0..200 {
                let page = app
                    .get_as(&format!("{FEED}?after={after}&limit=2"), &tax)
                    .body;
                for e in page["entries"].as_array().unwrap() {
                    seen.push(e["seq"].as_i64().unwrap());
                }
                after = page["next_after"].as_i64().unwrap();
                if seen.len() >= 4 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            seen
        })
    };
    let issuers: Vec<_> = units
        .iter()
        .map(|u| {
            let (app, token) = (Arc::clone(&app), u.token.clone());
            std::thread::spawn(move || app.post_as(ORDERS, &token, &json!({})).status)
        })
        .collect();
    for h in issuers {
        assert_eq!(h.join().unwrap(), 201);
    }
    let seen = reader.join().unwrap();
    assert_eq!(
        seen,
        vec![1, 2, 3, 4],
        "read in cursor order, none skipped or repeated"
    );

    // Revocation and expiry reach the feed after the issues.
    let first = app.get_as(ORDERS, &units[0].token).body["items"][0]["order_no"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post_as(
            &format!("{ORDERS}/{first}/revocation"),
            &units[0].token,
            &json!({})
        )
        .status,
        200
    );
    app.server
        .clock
        .set_today(qibao_e2e::fixtures::date("2022-09-15"));
    let tax = tax_token(&app);
    let page = app.get_as(&format!("{FEED}?after=4"), &tax).body;
    let events: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["revoked", "expired", "expired", "expired"],
        "{page}"
    );
    assert_eq!(page["next_after"], 8);
    assert_eq!(page["has_more"], false);
    let e = &page["entries"][0];
    assert_eq!(e["order"]["order_no"], first);
    assert!(e["uscc"].as_str().unwrap().starts_with("91420500MA0TAXF"));
    assert!(!e["order"]["lines"].as_array().unwrap().is_empty());
    // The feed keeps every line (its contract), with the order's sums.
    assert_eq!(
        e["order"]["lines"].as_array().unwrap().len() as u64,
        e["order"]["lines_total"].as_u64().unwrap()
    );
    // Nothing after the head.
    let empty = app.get_as(&format!("{FEED}?after=8"), &tax).body;
    assert_eq!(empty["entries"], json!([]));
    assert_eq!(empty["next_after"], 8);
    app.get_as(&format!("{FEED}?limit=0"), &tax)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn only_the_tax_bureau_may_call_the_tax_api() {
    let app = App::start("2022-05-10");
    let (u, _) = unit_with_staff(&app, "91420500MA0TAX005X", Some(202207), 1);
    app.get(FEED).assert_problem(401, "UNAUTHENTICATED");
    app.get_as(FEED, &u.token).assert_problem(403, "FORBIDDEN");
    app.get_as(FEED, &app.staff_token())
        .assert_problem(403, "FORBIDDEN");
    app.post_as(EVENTS, &u.token, &json!({}))
        .assert_problem(403, "FORBIDDEN");
    app.get_as("/api/v1/tax/reconciliation/2022-05-10", &u.token)
        .assert_problem(403, "FORBIDDEN");
    // The tax client cannot use the portal, nor staff's reconciliation.
    let tax = tax_token(&app);
    app.get_as(ORDERS, &tax).assert_problem(403, "FORBIDDEN");
    app.get_as("/api/v1/staff/reconciliation/2022-05-10", &tax)
        .assert_problem(403, "FORBIDDEN");
    app.get_as("/api/v1/tax/reconciliation/2022-13-01", &tax)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn undo_after_payment_says_why() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX006X", Some(202207), 1);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    // A new employee from this month: the enrolment creates August's lines.
    let e = app.post_as(
        "/api/v1/portal/employees",
        &u.token,
        &json!({
            "id_type": "resident", "id_number": qibao_e2e::fixtures::rid("42050019900101123"),
            "name": "新职工", "phone": "13807171234", "address": "湖北省宜昌市西陵区",
            "first_work_date": "2012-07-01", "start_date": "2022-08-01",
            "insurances": ["110", "210", "410"], "monthly_wage": "5000"
        }),
    );
    assert_eq!(e.status, 201, "{}", e.text);
    let enrolment = e.body["business_item_id"].as_i64().unwrap();
    declare(&app, &u, "202208");
    let o = issue(&app, &u);
    assert!(
        app.order_lines(&u.token, o["order_no"].as_str().unwrap())
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "新职工")
    );
    let mut sim = tax_sim(&app, "2022-08-15");
    assert_eq!(sim.round().unwrap().paid, 1);
    // The enrolment's lines are paid: it can no longer be revoked, and says so.
    let r = app.post_as(
        &format!("/api/v1/portal/business-items/{enrolment}/revocation"),
        &u.token,
        &json!({}),
    );
    r.assert_problem(409, "LINE_PAID");
    assert!(
        r.body["detail"].as_str().unwrap().contains("202208"),
        "{}",
        r.text
    );
    // The booking is listed among the unit's business items, not revocable.
    let items = app
        .get_as(
            "/api/v1/portal/business-items?kind=payment_booked",
            &u.token,
        )
        .body;
    assert_eq!(items["total"], 1, "{items}");
    assert_eq!(items["items"][0]["revocable"], false);
}

#[test]
fn the_simulator_replays_and_reverses_and_every_order_ends_paid() {
    let app = App::start("2022-05-10");
    let mut units = Vec::new();
    for i in 0..4 {
        let (u, nos) = unit_with_staff(&app, &format!("91420500MA0TAXS{i}0X"), Some(202207), 2);
        declare_wages(&app, &u.token, 2022, &nos, "5000");
        units.push(u);
    }
    app.server
        .clock
        .set_today(qibao_e2e::fixtures::date("2022-08-15"));
    for u in &mut units {
        u.token = qibao_e2e::fixtures::token(&app, u.id);
        declare(&app, u, "202208");
        issue(&app, u);
    }
    let mut sim = tax_sim(&app, "2022-08-15");
    sim.set_replay_percent(100);
    sim.set_reverse_percent(50);
    let mut total = qibao_tools::tax_sim::SimStats::default();
    for _ in 0..6 {
        total += sim.round().unwrap();
    }
    // Every replay answered as the first time (the simulator checks), and
    // the reversed ones were paid again.
    assert!(total.replayed >= total.invoiced + total.paid, "{total:?}");
    assert!(total.reversed > 0, "{total:?}");
    assert_eq!(total.paid, 4 + total.reversed, "{total:?}");
    assert_eq!(total.refused, 0, "{total:?}");
    for u in &units {
        let o = &app.get_as(ORDERS, &u.token).body["items"][0];
        assert_eq!(o["status"], "paid", "{o}");
        assert_eq!(unit_paid_period(&app, u), vec![json!("202208"); 3]);
    }
    let rec = app
        .get_as("/api/v1/tax/reconciliation/2022-08-15", &tax_token(&app))
        .body;
    // Payments, reversals and payments again: all booked, the day balances.
    assert_eq!(rec["booked"]["count"], 4 + 2 * total.reversed, "{rec}");
    assert_eq!(rec["balanced"], true, "{rec}");
    assert_eq!(rec["differences"], json!([]));
}

/// A restarted simulator (as after restarting `make run`) reads the feed
/// from its start and sends each order's messages again: the same serials
/// with the same content, which the server answers as replays, so nothing
/// is refused and nothing is booked twice.
#[test]
fn a_restarted_simulator_replays_instead_of_reusing_serials() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0TAX009X", Some(202207), 2);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    declare(&app, &u, "202208");
    let o = issue(&app, &u);
    let no = o["order_no"].as_str().unwrap();
    let stats = tax_sim(&app, "2022-08-15").round().unwrap();
    assert_eq!((stats.paid, stats.refused), (1, 0));
    let before = snapshot(&app, &u);

    // Restarted a while later (a bank time taken from the clock would
    // differ now, making the same serial another message).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = tax_sim(&app, "2022-08-15").round().unwrap();
    assert_eq!((again.entries, again.refused), (1, 0), "{again:?}");
    assert_eq!(snapshot(&app, &u), before);
    let paid = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
    assert_eq!(paid["payment_serial"], format!("PAY{no}-1"));
}

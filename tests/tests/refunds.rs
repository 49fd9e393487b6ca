//! Refunds of over-payment (多缴退费, R-REF-1…5, R-LATE-3, R-EMP-4, R-UNDO-1)
//! over HTTP, on SQLite or PostgreSQL: apply → review → payout, every
//! refusal (nothing written), rejection freeing the lines, isolation between
//! units, and concurrent identical applications.
//!
//! Lines become "paid" here by setting their status directly after the
//! order is issued; the tax bureau's payment flow replaces this in a later
//! scenario test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::ids::{AssessmentId, PersonId, UnitId};
use qibao_db::{assessments, employees, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const APPS: &str = "/api/v1/portal/refund-applications";
const CANDIDATES: &str = "/api/v1/portal/refund-applications/candidates";
const ORDERS: &str = "/api/v1/portal/orders";
const BANK: &str = "/api/v1/portal/bank-accounts";
const TASKS: &str = "/api/v1/staff/tasks";
const STAFF: &str = "/api/v1/staff/refunds";
const ITEMS: &str = "/api/v1/portal/business-items";

struct Unit {
    id: UnitId,
    name: String,
    /// An agent (经办人).
    token: String,
    /// The legal representative (法人), who registers the bank account.
    rep: String,
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
        rep: app.mint(Role::LegalRep, &s.uscc, "刘建国", Some(id), &[]),
        name: "宜昌市三峡示范科技有限公司".into(),
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
        rep: app.mint(
            Role::LegalRep,
            "91420500MA4D1B2C36",
            "王法人",
            Some(unit.id),
            &[],
        ),
        name: unit.name,
        id: unit.id,
    }
}

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn register_account(app: &App, u: &Unit) {
    let r = app.post_as(
        BANK,
        &u.rep,
        &json!({ "bank_name": "中国工商银行宜昌分行", "account_name": u.name, "account_number": "1807050109024567890" }),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.text);
}

fn upload_pdf(app: &App, token: &str) -> i64 {
    fixtures::upload_pdf_named(app, token, "解除劳动合同通知书.pdf")
}

/// Enrols a new employee (5000 yuan a month); returns the person number.
fn enrol(app: &App, u: &Unit, id17: &str, name: &str, start: &str) -> String {
    let b = ok(
        app.post_as(
            EMP,
            &u.token,
            &json!({
                "id_type": "resident",
                "id_number": rid(id17),
                "name": name,
                "phone": "13807171234",
                "first_work_date": "2010-07-01",
                "start_date": start,
                "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    b["person"]["person_no"].as_str().unwrap().to_string()
}

fn person_id(app: &App, person_no: &str) -> PersonId {
    let mut conn = app.pool.get().unwrap();
    employees::find_by_person_no(&mut conn, person_no)
        .unwrap()
        .unwrap()
        .id
}

/// Issues the unit's order, then marks the billed lines of `paid` persons
/// paid (standing in for the tax bureau's payment, see the module docs).
fn issue_and_pay(app: &App, u: &Unit, paid: &[&str]) {
    ok(app.post_as(ORDERS, &u.token, &json!({})), 201);
    let ids: Vec<PersonId> = paid.iter().map(|p| person_id(app, p)).collect();
    let mut conn = app.pool.get().unwrap();
    let lines: Vec<AssessmentId> = assessments::list_for_unit(&mut conn, u.id)
        .unwrap()
        .into_iter()
        .filter(|a| ids.contains(&a.person_id) && a.status.code() == assessments::BILLED)
        .map(|a| a.id)
        .collect();
    assert!(!lines.is_empty());
    let n = assessments::set_status(
        &mut conn,
        &lines,
        assessments::BILLED,
        assessments::PAID,
        app.server.clock.now_utc(),
    )
    .unwrap();
    assert_eq!(n, lines.len());
}

fn suspend(app: &App, u: &Unit, person_no: &str, stop: &str) -> Value {
    ok(
        app.post_as(
            &format!("{EMP}/{person_no}/suspensions"),
            &u.token,
            &json!({ "stop_date": stop, "reason": "解除劳动合同" }),
        ),
        201,
    )
}

fn application(person_no: &str, periods: &[&str], material: i64) -> Value {
    json!({
        "person_no": person_no,
        "periods": periods,
        "document_type": "termination_notice",
        "material_ids": [material],
        "reason": "职工已解除劳动合同，其后月份误缴"
    })
}

fn finance(app: &App) -> String {
    app.mint(Role::Staff, "fin1", "财务员", None, &[StaffRole::Finance])
}

/// Claims and decides the open task of business item `item`.
fn decide(app: &App, item: i64, approve: bool) -> Value {
    fixtures::decide_task(app, item, approve, "解除劳动合同通知书未盖单位公章")
}

/// Row counts of everything an application writes.
fn counts(app: &App) -> [i64; 5] {
    let one = |table: &str| qibao_e2e::fixtures::row_count(app, table);
    [
        one("refund_applications"),
        one("refund_lines"),
        one("business_items"),
        one("review_tasks"),
        one("refund_lines WHERE live"),
    ]
}

/// `(period, insurance, amount)` of a document's lines.
fn doc_lines(doc: &Value) -> Vec<(String, String, String)> {
    doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap().to_owned(),
                l["insurance"].as_str().unwrap().to_owned(),
                l["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn t(p: &str, i: &str, a: &str) -> (String, String, String) {
    (p.to_owned(), i.to_owned(), a.to_owned())
}

/// The demo unit with a refund account and one employee enrolled in
/// January (back-pay Jan–Mar, April current), all paid, suspended on
/// 2023-01-31: February and March are over-paid.
fn over_paid(app: &App) -> (Unit, String, i64) {
    let u = demo_unit(app);
    let no = enrol(app, &u, "42050019900517003", "赵六", "2023-01-05");
    issue_and_pay(app, &u, &[&no]);
    let s = suspend(app, &u, &no, "2023-01-31");
    assert_eq!(s["first_stopped_period"], "202302");
    assert_eq!(s["lines_for_refund"].as_array().unwrap().len(), 9);
    register_account(app, &u);
    let material = upload_pdf(app, &u.token);
    (u, no, material)
}

#[test]
fn refund_end_to_end_apply_review_payout() {
    let app = App::start("2023-04-20");
    let (u, no, material) = over_paid(&app);

    // What the unit sees first: the stop month, two refundable months, and
    // this month outside the window; interest and late fees not refundable.
    let c = ok(
        app.get_as(&format!("{CANDIDATES}?person_no={no}"), &u.token),
        200,
    );
    assert_eq!(c["suspended"], true);
    assert_eq!(c["stops"][0]["stop_date"], "2023-01-31");
    assert_eq!(
        (c["window_from"].as_str(), c["window_to"].as_str()),
        (Some("202301"), Some("202303"))
    );
    assert_eq!(c["total_refundable"], "2520.00");
    assert_eq!(c["bank_account"]["account_name"], u.name.as_str());
    let by: Vec<(String, String, bool, String)> = c["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap().to_owned(),
                l["insurance"].as_str().unwrap().to_owned(),
                l["refundable"].as_bool().unwrap(),
                l["refusal_code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(by.len(), 12);
    assert_eq!(
        by[0],
        ("202301".into(), "110".into(), false, "STOP_MONTH".into())
    );
    assert!(by[3..9].iter().all(|l| l.2));
    assert_eq!(
        by[9],
        (
            "202304".into(),
            "110".into(),
            false,
            "OUTSIDE_REFUND_WINDOW".into()
        )
    );
    let feb_pension = &c["lines"][3];
    assert_eq!(feb_pension["kind"], "back_pay");
    assert_eq!(feb_pension["principal"], "1200.00");
    assert_eq!(feb_pension["refundable_amount"], "1200.00");
    assert_eq!(feb_pension["refundable_unit"], "800.00");
    assert_ne!(
        feb_pension["interest"], "0.00",
        "back-paid pension carries interest"
    );
    assert_ne!(feb_pension["late_fee"], "0.00");

    // Apply: February whole, and 600.00 of March's pension.
    let before = counts(&app);
    let r = app.post_as(
        APPS,
        &u.token,
        &json!({
            "person_no": no,
            "periods": ["202302"],
            "lines": [{ "period": "202303", "insurance": "110", "amount": "600.00" }],
            "document_type": "termination_notice",
            "material_ids": [material],
            "reason": "2023年1月31日解除劳动合同"
        }),
    );
    let location = r.headers["location"].to_str().unwrap().to_owned();
    let doc = ok(r, 201);
    let refund_no = doc["refund_no"].as_str().unwrap().to_owned();
    assert_eq!(refund_no, "TF20230420000001");
    assert_eq!(location, format!("{APPS}/{refund_no}"));
    assert_eq!(doc["status"], "pending_review");
    assert_eq!(doc["review_status"], "open");
    assert_eq!(
        doc_lines(&doc),
        vec![
            t("202302", "110", "1200.00"),
            t("202302", "210", "50.00"),
            t("202302", "410", "10.00"),
            t("202303", "110", "600.00"),
        ]
    );
    assert_eq!(doc["lines"][3]["unit_amount"], "400.00");
    assert_eq!(doc["lines"][3]["individual_amount"], "200.00");
    assert_eq!(doc["lines"][3]["principal_paid"], "1200.00");
    assert_eq!(doc["totals"]["unit"], "1245.00");
    assert_eq!(doc["totals"]["individual"], "615.00");
    assert_eq!(doc["totals"]["total"], "1860.00");
    assert_eq!(doc["total_in_capitals"], "壹仟捌佰陆拾元整");
    assert_eq!(doc["bank_account"]["account_no"], "1807050109024567890");
    assert_eq!(doc["document_type_label"], "解除劳动合同通知书");
    assert_eq!(doc["person"]["person_no"], no.as_str());
    assert_eq!(doc["materials"][0]["id"], material);
    assert!(doc.get("reviewed_by").is_none(), "staff only");
    let after = counts(&app);
    assert_eq!(
        [
            after[0] - before[0],
            after[1] - before[1],
            after[2] - before[2],
            after[3] - before[3]
        ],
        [1, 4, 1, 1]
    );
    let item = doc["business_item_id"].as_i64().unwrap();

    // The same lines again: 409, nothing written.
    let again = app.post_as(APPS, &u.token, &application(&no, &["202302"], material));
    again.assert_problem(409, "LINE_UNDER_REFUND");
    assert_eq!(counts(&app), after);

    // Review: approved.
    decide(&app, item, true);
    let d = ok(app.get_as(&location, &u.token), 200);
    assert_eq!(d["status"], "approved");
    assert_eq!(d["approval_note"], "材料齐全");
    assert!(d["reviewed_at"].is_string());

    // Payout: finance only, once.
    let pay = json!({ "payout_reference": "ICBC20230425000123" });
    app.post_as(
        &format!("{STAFF}/{refund_no}/payout"),
        &fixtures::reviewer(&app),
        &pay,
    )
    .assert_problem(403, "FORBIDDEN");
    app.post_as(&format!("{STAFF}/{refund_no}/payout"), &u.token, &pay)
        .assert_problem(403, "FORBIDDEN");
    app.post_as(
        &format!("{STAFF}/{refund_no}/payout"),
        &finance(&app),
        &json!({}),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    let paid = ok(
        app.post_as(&format!("{STAFF}/{refund_no}/payout"), &finance(&app), &pay),
        200,
    );
    assert_eq!(paid["status"], "paid_out");
    assert_eq!(paid["paid_out_by"], "staff:fin1:财务员");
    assert_eq!(paid["reviewed_by"], "staff:rev1:审核员");
    app.post_as(&format!("{STAFF}/{refund_no}/payout"), &finance(&app), &pay)
        .assert_problem(409, "REFUND_NOT_APPROVED");

    // The unit sees it paid out, in the document and the refund query.
    let d = ok(app.get_as(&location, &u.token), 200);
    assert_eq!(d["status"], "paid_out");
    assert_eq!(d["status_label"], "已退费");
    assert_eq!(d["payout_reference"], "ICBC20230425000123");
    assert!(d["paid_out_at"].is_string());
    let events: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "claimed", "approved", "paid_out"]);
    let list = ok(
        app.get_as(&format!("{APPS}?status=paid_out&period=202303"), &u.token),
        200,
    );
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["refund_no"], refund_no.as_str());
    assert_eq!(list["items"][0]["periods"], json!(["202302", "202303"]));
    assert_eq!(list["items"][0]["total"], "1860.00");
    let none = ok(
        app.get_as(&format!("{APPS}?status=rejected"), &u.token),
        200,
    );
    assert_eq!(none["total"], 0);
    let by_person = ok(app.get_as(&format!("{APPS}?person_no={no}"), &u.token), 200);
    assert_eq!(by_person["total"], 1);
    app.get_as(&format!("{APPS}?status=done"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");

    // The business record shows the refund and its status.
    let rec = ok(app.get_as(&format!("{ITEMS}/{item}"), &u.token), 200);
    assert_eq!(rec["status"], "paid_out");
    assert_eq!(rec["kind_label"], "多缴退费申请");
    assert_eq!(rec["person_no"], no.as_str());

    // The rest of March stays with the refunded line: it is refunded once.
    let c = ok(
        app.get_as(&format!("{CANDIDATES}?person_no={no}"), &u.token),
        200,
    );
    let mar = c["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["period"] == "202303" && l["insurance"] == "110")
        .unwrap();
    assert_eq!(mar["refund_no"], refund_no.as_str());
    assert_eq!(mar["refunded"], "600.00");
    assert_eq!(mar["refusal_code"], "LINE_UNDER_REFUND");
    assert_eq!(c["total_refundable"], "60.00");

    // The suspension cannot be revoked while the refund rests on it.
    let items = ok(
        app.get_as(&format!("{ITEMS}?kind=employee_suspension"), &u.token),
        200,
    );
    let stop = &items["items"][0];
    assert_eq!(stop["revocable"], false);
    assert_eq!(stop["not_revocable_code"], "REFUND_DEPENDS");
    app.post_as(
        &format!("{ITEMS}/{}/revocation", stop["id"]),
        &u.token,
        &json!({}),
    )
    .assert_problem(409, "REFUND_DEPENDS");

    // Staff see it in their list, by status.
    let s = ok(
        app.get_as(
            &format!("{STAFF}?status=paid_out"),
            &fixtures::reviewer(&app),
        ),
        200,
    );
    assert_eq!(s["items"][0]["unit_name"], u.name.as_str());
    let acceptor = app.mint(Role::Staff, "acc1", "受理员", None, &[StaffRole::Acceptor]);
    app.get_as(STAFF, &acceptor)
        .assert_problem(403, "FORBIDDEN");
    app.get_as(&format!("{STAFF}/{refund_no}"), &acceptor)
        .assert_problem(403, "FORBIDDEN");
    app.get_as(&format!("{STAFF}/TF20230420999999"), &finance(&app))
        .assert_problem(404, "REFUND_NOT_FOUND");
}

#[test]
fn refund_refusals_write_nothing() {
    let app = App::start("2023-04-20");
    let u = demo_unit(&app);
    let p1 = enrol(&app, &u, "42050019900517003", "赵六", "2023-01-05");
    let p2 = enrol(&app, &u, "42050019910303011", "钱七", "2023-01-05");
    let p3 = enrol(&app, &u, "42050019920404022", "孙八", "2023-01-05");
    // p1 and p2 paid; p3 billed only.
    issue_and_pay(&app, &u, &[&p1, &p2]);
    suspend(&app, &u, &p1, "2023-01-31");
    suspend(&app, &u, &p3, "2023-02-15");
    let material = upload_pdf(&app, &u.token);
    let other = other_unit(&app);
    let foreign_material = upload_pdf(&app, &other.token);
    let foreign_person = enrol(&app, &other, "42050019930505033", "李九", "2023-04-01");
    let before = counts(&app);
    let refused = |body: &Value, status: u16, code: &str| -> Resp {
        let r = app.post_as(APPS, &u.token, body);
        r.assert_problem(status, code);
        assert_eq!(counts(&app), before, "{code}: nothing written");
        r
    };

    // R-REF-3: no refund bank account yet.
    let r = refused(
        &application(&p1, &["202302"], material),
        422,
        "NO_REFUND_ACCOUNT",
    );
    assert!(r.body["detail"].as_str().unwrap().contains("退收银行账户"));
    register_account(&app, &u);
    let before = counts(&app);
    let refused = |body: &Value, status: u16, code: &str| -> Resp {
        let r = app.post_as(APPS, &u.token, body);
        r.assert_problem(status, code);
        assert_eq!(counts(&app), before, "{code}: nothing written");
        r
    };

    // R-REF-3: the termination document.
    let mut b = application(&p1, &["202302"], material);
    b.as_object_mut().unwrap().remove("material_ids");
    let r = refused(&b, 422, "MATERIAL_REQUIRED");
    assert_eq!(r.error_fields(), ["material_ids"]);
    let mut b = application(&p1, &["202302"], material);
    b.as_object_mut().unwrap().remove("document_type");
    assert_eq!(
        refused(&b, 422, "MATERIAL_REQUIRED").error_fields(),
        ["document_type"]
    );
    let mut b = application(&p1, &["202302"], material);
    b["material_ids"] = json!([]);
    refused(&b, 422, "MATERIAL_REQUIRED");
    refused(
        &application(&p1, &["202302"], foreign_material),
        422,
        "MATERIAL_NOT_FOUND",
    );

    // R-REF-2: suspended first; the stop month and earlier months are paid.
    refused(
        &application(&p2, &["202302"], material),
        422,
        "NOT_SUSPENDED",
    );
    let r = refused(&application(&p1, &["202301"], material), 422, "STOP_MONTH");
    assert_eq!(
        r.body["detail"],
        "202301为停保时间所在月份，应正常缴费，不能退费"
    );
    assert_eq!(r.error_fields(), ["periods[0]", "periods[0]", "periods[0]"]);
    refused(&application(&p3, &["202301"], material), 422, "BEFORE_STOP");
    refused(&application(&p3, &["202302"], material), 422, "STOP_MONTH");
    // R-REF-1: the window is the three months before this one.
    let r = refused(
        &application(&p1, &["202304"], material),
        422,
        "OUTSIDE_REFUND_WINDOW",
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("202301至202303")
    );
    // Not paid: billed but unpaid, and a month without any line.
    refused(&application(&p3, &["202303"], material), 422, "NOT_PAID");
    refused(&application(&p1, &["202212"], material), 422, "NOT_PAID");
    // A good month with a bad one is refused as a whole, naming the bad one.
    let r = refused(
        &application(&p1, &["202302", "202301"], material),
        422,
        "STOP_MONTH",
    );
    assert!(r.error_fields().iter().all(|f| f == "periods[1]"));
    // R-LATE-3: more than the principal (interest and late fee included).
    let mut b = application(&p1, &[], material);
    b.as_object_mut().unwrap().remove("periods");
    b["lines"] = json!([{ "period": "202302", "insurance": "110", "amount": "1200.01" }]);
    let r = refused(&b, 422, "AMOUNT_ABOVE_PRINCIPAL");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("利息和滞纳金不予退费")
    );
    assert_eq!(r.error_fields(), ["lines[0]"]);
    // Nothing left to refund for p3 at all.
    let mut b = application(&p3, &[], material);
    b.as_object_mut().unwrap().remove("periods");
    refused(&b, 422, "NOTHING_TO_REFUND");

    // Not a person of this unit.
    refused(
        &application("10009999999", &["202302"], material),
        404,
        "PERSON_NOT_FOUND",
    );
    refused(
        &application(&foreign_person, &["202302"], material),
        404,
        "PERSON_NOT_FOUND",
    );

    // Malformed input: 400, naming the field.
    let bad = |patch: Value, field: &str| {
        let mut b = application(&p1, &["202302"], material);
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        let r = refused(&b, 400, "VALIDATION_FAILED");
        assert!(
            r.error_fields().iter().any(|f| f == field),
            "{field}: {}",
            r.text
        );
    };
    bad(json!({ "person_no": "123" }), "person_no");
    bad(json!({ "periods": ["2023-02"] }), "periods[0]");
    bad(json!({ "periods": [] }), "periods");
    bad(json!({ "periods": ["202302", "202302"] }), "periods[1]");
    bad(json!({ "insurances": ["310"] }), "insurances[0]");
    bad(json!({ "document_type": "contract" }), "document_type");
    bad(json!({ "material_ids": [0] }), "material_ids");
    bad(
        json!({ "lines": [{ "period": "202302", "insurance": "110", "amount": "0" }] }),
        "lines[0].amount",
    );
    bad(
        json!({ "lines": [{ "period": "202302", "insurance": "110", "amount": 12.5 }] }),
        "lines[0].amount",
    );
    bad(
        json!({ "lines": [{ "period": "202302" }] }),
        "lines[0].insurance",
    );
    bad(json!({ "reason": "长".repeat(501) }), "reason");
    let mut b = application(&p1, &["202302"], material);
    b["unknown"] = json!(1);
    assert_eq!(app.post_as(APPS, &u.token, &b).status, 400);
    app.get_as(CANDIDATES, &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(
        &format!("{CANDIDATES}?person_no={foreign_person}"),
        &u.token,
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    // A staff token is not a unit's caller.
    app.post_as(
        APPS,
        &fixtures::reviewer(&app),
        &application(&p1, &["202302"], material),
    )
    .assert_problem(403, "FORBIDDEN");
    assert_eq!(counts(&app), before);

    // And a good one still goes through.
    ok(
        app.post_as(APPS, &u.token, &application(&p1, &["202302"], material)),
        201,
    );
}

#[test]
fn the_work_injury_line_of_a_transfer_month_is_not_refundable() {
    // A paid Jan–Apr, then stopped the person on 31 January; B enrolled
    // them from 1 February: B's months are paid at A, so B gets only the
    // work-injury line of each (R-EMP-4), which is never refundable
    // (R-REF-4), while A may claim its over-paid months.
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b = other_unit(&app);
    let no = enrol(&app, &a, "42050019900517003", "赵六", "2023-01-05");
    issue_and_pay(&app, &a, &[&no]);
    suspend(&app, &a, &no, "2023-01-31");
    let enrolled = ok(
        app.post_as(
            EMP,
            &b.token,
            &json!({
                "id_type": "resident", "id_number": rid("42050019900517003"), "name": "赵六",
                "phone": "13807171234", "first_work_date": "2010-07-01", "start_date": "2023-02-01",
                "insurances": ["110", "210", "410"], "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let kinds: Vec<(&str, &str, &str)> = enrolled["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap(),
                l["insurance"].as_str().unwrap(),
                l["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("202302", "410", "injury_only_transfer"),
            ("202303", "410", "injury_only_transfer"),
            ("202304", "410", "injury_only_transfer"),
        ]
    );
    issue_and_pay(&app, &b, &[&no]);
    suspend(&app, &b, &no, "2023-02-28");
    register_account(&app, &b);
    let material = upload_pdf(&app, &b.token);
    let c = ok(
        app.get_as(&format!("{CANDIDATES}?person_no={no}"), &b.token),
        200,
    );
    let codes: Vec<(&str, &str)> = c["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap(),
                l["refusal_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("202302", "STOP_MONTH"),
            ("202303", "INJURY_ONLY_NOT_REFUNDABLE"),
            ("202304", "OUTSIDE_REFUND_WINDOW"),
        ]
    );
    assert_eq!(c["total_refundable"], "0.00");
    let before = counts(&app);
    let r = app.post_as(APPS, &b.token, &application(&no, &["202303"], material));
    r.assert_problem(422, "INJURY_ONLY_NOT_REFUNDABLE");
    assert_eq!(
        r.body["detail"],
        "202303的工伤保险费为转入人员当月工伤缴费，不予退费"
    );
    assert_eq!(counts(&app), before);

    // A, meanwhile, refunds its February and March.
    register_account(&app, &a);
    let m = upload_pdf(&app, &a.token);
    let mut body = application(&no, &[], m);
    body.as_object_mut().unwrap().remove("periods");
    let doc = ok(app.post_as(APPS, &a.token, &body), 201);
    assert_eq!(doc["totals"]["total"], "2520.00");
}

#[test]
fn refund_rejection_frees_the_lines_for_a_new_application() {
    let app = App::start("2023-04-20");
    let (u, no, material) = over_paid(&app);
    let first = ok(
        app.post_as(
            APPS,
            &u.token,
            &application(&no, &["202302", "202303"], material),
        ),
        201,
    );
    let first_no = first["refund_no"].as_str().unwrap().to_owned();
    decide(&app, first["business_item_id"].as_i64().unwrap(), false);
    let d = ok(app.get_as(&format!("{APPS}/{first_no}"), &u.token), 200);
    assert_eq!(d["status"], "rejected");
    assert_eq!(d["review_status"], "rejected");
    assert_eq!(d["rejection_reason"], "解除劳动合同通知书未盖单位公章");
    assert_eq!(d["timeline"][2]["note"], "解除劳动合同通知书未盖单位公章");
    let list = ok(
        app.get_as(&format!("{APPS}?status=rejected"), &u.token),
        200,
    );
    assert_eq!(
        list["items"][0]["rejection_reason"],
        "解除劳动合同通知书未盖单位公章"
    );
    // Finance cannot pay a rejected refund.
    app.post_as(
        &format!("{STAFF}/{first_no}/payout"),
        &finance(&app),
        &json!({ "payout_reference": "X1" }),
    )
    .assert_problem(409, "REFUND_NOT_APPROVED");
    // The lines are free again: the same months, a new refund.
    let c = ok(
        app.get_as(&format!("{CANDIDATES}?person_no={no}"), &u.token),
        200,
    );
    assert_eq!(c["total_refundable"], "2520.00");
    let second = ok(
        app.post_as(
            APPS,
            &u.token,
            &application(&no, &["202302", "202303"], material),
        ),
        201,
    );
    assert_eq!(second["refund_no"], "TF20230420000002");
    assert_eq!(second["totals"]["total"], "2520.00");
    let n = counts(&app);
    assert_eq!((n[0], n[1], n[4]), (2, 12, 6));
    let all = ok(app.get_as(APPS, &u.token), 200);
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][0]["refund_no"], "TF20230420000002");
    // Paging.
    let p2 = ok(
        app.get_as(&format!("{APPS}?page=2&page_size=1"), &u.token),
        200,
    );
    assert_eq!(p2["items"][0]["refund_no"], first_no.as_str());
    app.get_as(&format!("{APPS}?page_size=500"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn another_unit_cannot_see_or_touch_a_refund() {
    let app = App::start("2023-04-20");
    let (u, no, material) = over_paid(&app);
    let doc = ok(
        app.post_as(APPS, &u.token, &application(&no, &["202302"], material)),
        201,
    );
    let refund_no = doc["refund_no"].as_str().unwrap();
    let other = other_unit(&app);
    app.get_as(&format!("{APPS}/{refund_no}"), &other.token)
        .assert_problem(404, "REFUND_NOT_FOUND");
    let list = ok(app.get_as(APPS, &other.token), 200);
    assert_eq!(list["total"], 0);
    let list = ok(
        app.get_as(&format!("{APPS}?person_no={no}"), &other.token),
        200,
    );
    assert_eq!(list["total"], 0);
    app.get_as(&format!("{CANDIDATES}?person_no={no}"), &other.token)
        .assert_problem(404, "PERSON_NOT_FOUND");
    register_account(&app, &other);
    let m = upload_pdf(&app, &other.token);
    app.post_as(APPS, &other.token, &application(&no, &["202303"], m))
        .assert_problem(404, "PERSON_NOT_FOUND");
    // Units cannot use the back office.
    app.get_as(STAFF, &u.token).assert_problem(403, "FORBIDDEN");
    app.post_as(
        &format!("{STAFF}/{refund_no}/payout"),
        &other.token,
        &json!({ "payout_reference": "X" }),
    )
    .assert_problem(403, "FORBIDDEN");
    // Its own document, and a made-up number.
    ok(app.get_as(&format!("{APPS}/{refund_no}"), &u.token), 200);
    // The refund notice prints the same lines, total and capitals; not for
    // another unit.
    let (status, ct, pdf) = app.get_bytes(&format!("{APPS}/{refund_no}/pdf"), &u.token);
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    let text = qibao_e2e::pdf_text(&pdf);
    for needle in [
        "社会保险费退费通知单",
        refund_no,
        doc["totals"]["total"].as_str().unwrap(),
        doc["total_in_capitals"].as_str().unwrap(),
        doc["bank_account"]["account_no"].as_str().unwrap(),
        "202302",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    let (status, _, _) = app.get_bytes(&format!("{APPS}/{refund_no}/pdf"), &other.token);
    assert_eq!(status, 404);
    app.get_as(&format!("{APPS}/TF20230420000009"), &u.token)
        .assert_problem(404, "REFUND_NOT_FOUND");
    app.get_as(&format!("{APPS}/x"), &u.token)
        .assert_problem(404, "REFUND_NOT_FOUND");
}

#[test]
fn concurrent_identical_applications_create_one_live_refund() {
    let app = App::start("2023-04-20");
    let (u, no, material) = over_paid(&app);
    let body = application(&no, &["202302", "202303"], material);
    let statuses: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    let r = app.post_as(APPS, &u.token, &body);
                    (r.status, r.body["code"].as_str().unwrap_or("").to_owned())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created = statuses.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|(s, c)| *s == 201
            || (*s == 409 && (c == "LINE_UNDER_REFUND" || c == "CONCURRENT_CHANGE"))),
        "{statuses:?}"
    );
    let n = counts(&app);
    assert_eq!((n[0], n[1], n[4]), (1, 6, 6));
    let tasks = ok(
        app.get_as(&format!("{TASKS}?kind=refund"), &fixtures::reviewer(&app)),
        200,
    );
    assert_eq!(tasks["total"], 1);

    // With an Idempotency-Key, retries answer the first document.
    let (u2, no2, m2) = {
        let other = other_unit(&app);
        let p = enrol(&app, &other, "42050019910303011", "钱七", "2023-01-05");
        issue_and_pay(&app, &other, &[&p]);
        suspend(&app, &other, &p, "2023-01-31");
        register_account(&app, &other);
        let m = upload_pdf(&app, &other.token);
        (other, p, m)
    };
    let body = application(&no2, &["202302"], m2);
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5)
            .map(|_| {
                s.spawn(|| {
                    let r = app
                        .client
                        .post(app.url(APPS))
                        .bearer_auth(&u2.token)
                        .header("Idempotency-Key", "refund-zhao-2023-02")
                        .json(&body)
                        .send()
                        .unwrap();
                    let status = r.status().as_u16();
                    let v: Value = r.json().unwrap();
                    (
                        status,
                        v["refund_no"]
                            .as_str()
                            .map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    assert!(
        answers.iter().all(|(_, n)| *n == answers[0].1),
        "{answers:?}"
    );
    let n = counts(&app);
    assert_eq!((n[0], n[4]), (2, 9));
}

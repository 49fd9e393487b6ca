//! Issue 4 scenarios: enrolment and continuation, back-pay window, transfer
//! months, suspension, insurance changes, undo, one person with several
//! numbers, key-information changes, statuses, queries and exports, and the
//! refusal of bad input on every endpoint, over HTTP on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::business_items::ItemFilter;
use qibao_db::ids::{AssessmentId, PersonId, UnitId};
use qibao_db::rows::{NewEmployment, NewPerson};
use qibao_db::{assessments, business_items, employees, repo};
use qibao_e2e::fixtures::{self, date, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const ITEMS: &str = "/api/v1/portal/business-items";

// ---------------------------------------------------------------- fixtures

/// The legacy 15-digit form of an 18-digit ID of someone born in the 1900s.
fn legacy(id18: &str) -> String {
    format!("{}{}", &id18[..6], &id18[8..17])
}

/// The demo employee 张三 (paying at the demo unit since 2018).
fn zhang_san() -> String {
    rid("42050019850312001")
}

struct Unit {
    id: UnitId,
    no: String,
    token: String,
}

fn today(app: &App) -> time::Date {
    app.server.clock.today()
}

/// The demo unit (宜昌, class 1, 110/210/410 since 201605) with 5 employees.
fn demo_unit(app: &App) -> Unit {
    let s = qibao_api::demo::load(&app.pool, today(app), app.server.clock.now_utc()).unwrap();
    let id = {
        let mut conn = app.pool.get().unwrap();
        repo::get_unit_by_no(&mut conn, &s.unit_no).unwrap().id
    };
    Unit {
        token: app.mint(Role::Agent, "420500197001010011", "甲经办", Some(id), &[]),
        id,
        no: s.unit_no,
    }
}

/// A second unit in 宜昌, shaped like the demo's.
fn other_unit(app: &App, uscc: &str, insurances: &[&str], risk_class: i16, factor: i16) -> Unit {
    other_unit_from(app, uscc, insurances, risk_class, factor, 201605)
}

/// A second unit whose insurances start in `start` (YYYYMM).
fn other_unit_from(
    app: &App,
    uscc: &str,
    insurances: &[&str],
    risk_class: i16,
    factor: i16,
    start: i32,
) -> Unit {
    let unit = fixtures::insert_unit(
        app,
        &fixtures::UnitSpec {
            insurances,
            risk_class,
            factor_pct: factor,
            start,
            ..fixtures::UnitSpec::new(uscc, &format!("宜昌测试单位{uscc}"))
        },
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
        no: unit.unit_no,
    }
}

fn enrol_body(id: &str, name: &str, start: &str, wage: &str) -> Value {
    json!({
        "id_type": "resident",
        "id_number": id,
        "name": name,
        "phone": "13807171234",
        "address": "湖北省宜昌市西陵区",
        "first_work_date": "2010-07-01",
        "start_date": start,
        "insurances": ["110", "210", "410"],
        "monthly_wage": wage
    })
}

fn enrol(app: &App, u: &Unit, body: &Value) -> Resp {
    app.post_as(EMP, &u.token, body)
}

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

/// Lines of a response as (period, insurance, kind, unit, individual).
fn lines(v: &Value) -> Vec<(String, String, String, String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap().to_string(),
                l["insurance"].as_str().unwrap().to_string(),
                l["kind"].as_str().unwrap().to_string(),
                l["unit_amount"].as_str().unwrap().to_string(),
                l["individual_amount"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str, d: &str, e: &str) -> (String, String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into(), e.into())
}

/// Everything the employee actions write, for "nothing written" checks.
fn snapshot(app: &App, units: &[UnitId], id: &str) -> String {
    let mut conn = app.pool.get().unwrap();
    let mut out = String::new();
    let spellings = vec![id.to_string(), id.to_lowercase(), legacy(id)];
    out.push_str(&format!(
        "{:?}\n",
        employees::find_by_id_spellings(&mut conn, &spellings).unwrap()
    ));
    for u in units {
        out.push_str(&format!(
            "{:?}\n{:?}\n{:?}\n",
            employees::employments_of_unit(&mut conn, *u).unwrap(),
            assessments::list_for_unit(&mut conn, *u).unwrap(),
            business_items::list_for_unit(&mut conn, *u, &ItemFilter::default(), 0, 10_000)
                .unwrap()
        ));
    }
    out
}

fn staff(app: &App) -> String {
    app.staff_token()
}

fn patch(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(reqwest::Method::PATCH, path, token, Some(body))
}

/// 单位职工减少险种: stops one insurance of a person.
fn stop_insurance(app: &App, token: &str, person_no: &str, code: &str, body: Value) -> Resp {
    app.post_as(
        &format!("{EMP}/{person_no}/insurances/{code}/suspension"),
        token,
        &body,
    )
}

// ---------------------------------------------------------------- enrolment

#[test]
fn start_two_months_back_back_pays_them_at_their_own_rates() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019900101123");
    let b = ok(
        enrol(&app, &a, &enrol_body(&id, "孙新", "2023-02-15", "5234.56")),
        201,
    );
    assert_eq!(b["person_created"], true);
    assert_eq!(b["declared_wage"], "5230.00");
    assert_eq!(b["back_pay_periods"], json!(["202302", "202303"]));
    assert_eq!(b["current_period"], "202304");
    assert!(b["labour_contract_back_pay"].is_null());
    let mut expected = Vec::new();
    for (p, kind) in [
        ("202302", "back_pay"),
        ("202303", "back_pay"),
        ("202304", "regular"),
    ] {
        // 5230 × 16% / 8%, × 0.7% / 0.3%, × 0.2% (class 1, factor 100%).
        expected.push(t(p, "110", kind, "836.80", "418.40"));
        expected.push(t(p, "210", kind, "36.61", "15.69"));
        expected.push(t(p, "410", kind, "10.46", "0.00"));
    }
    assert_eq!(lines(&b["lines"]), expected);
    assert!(
        b["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "pending" && l["base"] == "5230.00")
    );
    assert_eq!(b["totals"]["total"], "3953.88");

    // The detail shows the same lines, the relations and the base per year.
    let no = b["person"]["person_no"].as_str().unwrap();
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    assert_eq!(d["lines"].as_array().unwrap().len(), 9);
    assert_eq!(d["relations"].as_array().unwrap().len(), 3);
    assert_eq!(d["insured_status_code"], "1");
    assert_eq!(d["payment_status"], "arrears");
    assert_eq!(
        d["bases_by_year"],
        json!([{ "si_year": 2022, "base": "5230.00", "months": 3 }])
    );
    assert_eq!(d["unpaid_totals"]["total"], "3953.88");
}

#[test]
fn back_pay_uses_each_periods_bounds_and_injury_rate() {
    // 2022-07: the back-pay months 202204…202206 are in the 2021 SI year
    // (floor 3360) and 202204 still has the reduced 0.1% class-1 rate; the
    // current month 202207 is in the 2022 year (floor 3450).
    let app = App::start("2022-07-15");
    let a = demo_unit(&app);
    let id = rid("42050019920202124");
    let b = ok(
        enrol(&app, &a, &enrol_body(&id, "周期", "2022-04-10", "3000")),
        201,
    );
    assert_eq!(
        lines(&b["lines"]),
        vec![
            t("202204", "110", "back_pay", "537.60", "268.80"),
            t("202204", "210", "back_pay", "23.52", "10.08"),
            t("202204", "410", "back_pay", "3.36", "0.00"),
            t("202205", "110", "back_pay", "537.60", "268.80"),
            t("202205", "210", "back_pay", "23.52", "10.08"),
            t("202205", "410", "back_pay", "6.72", "0.00"),
            t("202206", "110", "back_pay", "537.60", "268.80"),
            t("202206", "210", "back_pay", "23.52", "10.08"),
            t("202206", "410", "back_pay", "6.72", "0.00"),
            t("202207", "110", "regular", "552.00", "276.00"),
            t("202207", "210", "regular", "24.15", "10.35"),
            t("202207", "410", "regular", "6.90", "0.00"),
        ]
    );
    let bases: Vec<&str> = b["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["base"].as_str().unwrap())
        .collect();
    assert_eq!(&bases[..3], &["3360.00"; 3]);
    assert_eq!(&bases[9..], &["3450.00"; 3]);
    assert_eq!(b["declared_wage"], "3000.00");
}

#[test]
fn start_five_months_back_enrols_from_now_and_names_the_labour_contract_back_pay() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019880808125");
    let b = ok(
        enrol(&app, &a, &enrol_body(&id, "钱早", "2022-11-10", "6000")),
        201,
    );
    assert_eq!(b["back_pay_periods"], json!([]));
    let l = lines(&b["lines"]);
    assert_eq!(l.len(), 3);
    assert!(l.iter().all(|x| x.0 == "202304" && x.2 == "regular"));
    assert_eq!(b["labour_contract_back_pay"]["from"], "202211", "{}", b);
    assert_eq!(b["labour_contract_back_pay"]["to"], "202303");
    assert!(
        b["labour_contract_back_pay"]["message"]
            .as_str()
            .unwrap()
            .contains("劳动合同补缴")
    );
    // The relation keeps the real start date.
    assert_eq!(b["relations"][0]["start_date"], "2022-11-10");
}

#[test]
fn months_before_the_units_insurance_are_not_assessed() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    // A unit insured from this month: the back-pay months are left out.
    let c = other_unit_from(
        &app,
        "91420500TESTB00030",
        &["110", "210", "410"],
        1,
        100,
        202304,
    );
    let b = ok(
        enrol(
            &app,
            &c,
            &enrol_body(&rid("42050019900101123"), "新单位", "2023-02-10", "4000"),
        ),
        201,
    );
    assert!(lines(&b["lines"]).iter().all(|l| l.0 == "202304"));
    assert_eq!(b["lines"].as_array().unwrap().len(), 3);
    let reasons: Vec<&str> = b["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, vec!["before_unit_insurance"; 6]);
    // An old start date at the demo unit (insured since 201605): the
    // labour-contract months begin with the unit's insurance.
    let b = ok(
        enrol(
            &app,
            &a,
            &enrol_body(&rid("42050019800101123"), "老职工", "2012-03-01", "4000"),
        ),
        201,
    );
    assert_eq!(b["labour_contract_back_pay"]["from"], "201605");
    assert_eq!(b["labour_contract_back_pay"]["to"], "202303");
}

#[test]
fn a_person_paying_at_another_unit_is_refused_until_it_suspends() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00011", &["110", "210", "410"], 1, 100);
    let before = snapshot(&app, &[a.id, b_unit.id], &zhang_san());
    let r = enrol(
        &app,
        &b_unit,
        &enrol_body(&zhang_san(), "张三", "2023-04-10", "4000"),
    );
    r.assert_problem(409, "ACTIVE_ELSEWHERE");
    assert_eq!(
        r.body["detail"],
        format!(
            "该人员在其他单位（单位编号{}）处于参保缴费状态，请原单位先办理停保后再办理参保",
            a.no
        )
    );
    assert_eq!(snapshot(&app, &[a.id, b_unit.id], &zhang_san()), before);
    // The same unit enrolling its own paying employee again: 409 too.
    enrol(
        &app,
        &a,
        &enrol_body(&zhang_san(), "张三", "2023-04-10", "4000"),
    )
    .assert_problem(409, "ALREADY_ENROLLED");
    // Once A has suspended, B may enrol: the person is continued, once the
    // name proves the identity (B never employed him).
    let no = "10003726000";
    ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "解除劳动合同" }),
        ),
        201,
    );
    enrol(
        &app,
        &b_unit,
        &enrol_body(&zhang_san(), "张叁", "2023-04-01", "4000"),
    )
    .assert_problem(422, "IDENTITY_MISMATCH");
    let b = ok(
        enrol(
            &app,
            &b_unit,
            &enrol_body(&zhang_san(), "张三", "2023-04-01", "4000"),
        ),
        201,
    );
    assert_eq!(b["person_created"], false);
    assert_eq!(b["person"]["person_no"], no);
    assert_eq!(b["lines"].as_array().unwrap().len(), 3);
}

#[test]
fn moving_within_a_month_gives_the_new_unit_only_the_work_injury_line() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00012", &["110", "210", "410"], 3, 120);
    // A enrols a new person in January (back-pay Jan–Mar, April current).
    let id = rid("42050019910505126");
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "吴转", "2023-01-10", "5000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    // A suspends on 5 April: April stays payable at A.
    let s = ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-04-05", "reason": "调动" }),
        ),
        201,
    );
    assert_eq!(s["last_payable_period"], "202304");
    assert_eq!(s["cancelled_lines"], json!([]));
    // B enrols on 10 April: only work injury for April, non-refundable.
    let b = ok(
        enrol(
            &app,
            &b_unit,
            &enrol_body(&id, "吴转", "2023-04-10", "5000"),
        ),
        201,
    );
    assert_eq!(b["person_created"], false);
    assert_eq!(b["person"]["person_no"], no.as_str());
    // Class 3 (0.7%) × 120% = 0.84% of 5000.
    assert_eq!(
        lines(&b["lines"]),
        vec![t("202304", "410", "injury_only_transfer", "42.00", "0.00")]
    );
    assert_eq!(b["lines"][0]["refundable"], false);
    let reasons: Vec<(&str, &str)> = b["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["insurance"].as_str().unwrap(),
                x["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![("110", "paid_elsewhere"), ("210", "paid_elsewhere")]
    );
    // A's April pension line is still there, pending.
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    assert!(
        d["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["period"] == "202304"
                && l["insurance"] == "110"
                && l["status"] == "pending")
    );
}

#[test]
fn a_demo_employee_moving_within_the_month_also_gets_the_injury_only_line() {
    // The previous unit has no line for the month yet (not declared), but
    // the month of its stop date is payable there.
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00013", &["110", "210", "410"], 1, 100);
    ok(
        app.post_as(
            &format!("{EMP}/10003726000/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-04-05", "reason": "辞职" }),
        ),
        201,
    );
    let b = ok(
        enrol(
            &app,
            &b_unit,
            &enrol_body(&zhang_san(), "张三", "2023-04-06", "4000"),
        ),
        201,
    );
    assert_eq!(
        lines(&b["lines"]),
        vec![t("202304", "410", "injury_only_transfer", "8.00", "0.00")]
    );
}

#[test]
fn a_legacy_fifteen_digit_id_is_converted_and_said_so() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019800101123");
    let mut body = enrol_body(&legacy(&id), "旧号", "2023-04-01", "4000");
    body["gender"] = json!("M");
    body["birth_date"] = json!("1980-01-01");
    let b = ok(enrol(&app, &a, &body), 201);
    assert_eq!(b["person"]["id_number"], id.as_str());
    assert_eq!(b["id_number_converted_from"], legacy(&id).as_str());
    assert!(
        b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("15位"))
    );
    // The same person under its 18-digit form is continued, never duplicated.
    ok(
        app.post_as(
            &format!(
                "{EMP}/{}/suspensions",
                b["person"]["person_no"].as_str().unwrap()
            ),
            &a.token,
            &json!({ "stop_date": "2023-04-30", "reason": "离职" }),
        ),
        201,
    );
    let again = ok(
        enrol(&app, &a, &enrol_body(&id, "旧号", "2023-04-20", "4000")),
        201,
    );
    assert_eq!(again["person_created"], false);
    assert_eq!(again["person"]["person_no"], b["person"]["person_no"]);
    // April was assessed by the first enrolment: not again.
    assert_eq!(again["lines"], json!([]));
    assert!(
        again["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["reason"] == "already_assessed")
    );
}

// ---------------------------------------------------------------- suspension

#[test]
fn suspension_on_1_march_keeps_march_payable_and_stops_april() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019930303127");
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "郑停", "2023-02-15", "4000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    let s = ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-01", "reason": "解除劳动合同" }),
        ),
        201,
    );
    assert_eq!(s["last_payable_period"], "202303");
    assert_eq!(s["first_stopped_period"], "202304");
    let cancelled = lines(&s["cancelled_lines"]);
    assert_eq!(cancelled.len(), 3);
    assert!(cancelled.iter().all(|l| l.0 == "202304"));
    assert!(
        s["relations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status_code"] == "2" && r["stop_date"] == "2023-03-01")
    );
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    let live: Vec<(String, String)> = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] != "cancelled")
        .map(|l| {
            (
                l["period"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(live.len(), 6);
    assert!(live.iter().all(|(p, s)| p != "202304" && s == "pending"));
    assert_eq!(d["insured_status_code"], "2");
    // Suspending again: nothing to stop.
    app.post_as(
        &format!("{EMP}/{no}/suspensions"),
        &a.token,
        &json!({ "stop_date": "2023-03-01", "reason": "x" }),
    )
    .assert_problem(409, "NOT_ACTIVE");
}

#[test]
fn the_last_day_of_last_month_stops_from_this_month_and_billed_months_go_to_refund() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019940404128");
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "冯退", "2023-02-01", "4000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    // The April pension line is on a live order (billed).
    let april_110 = e["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["period"] == "202304" && l["insurance"] == "110")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    {
        let mut conn = app.pool.get().unwrap();
        let now = app.server.clock.now_utc();
        assessments::set_status(
            &mut conn,
            &[AssessmentId(april_110)],
            "pending",
            "billed",
            now,
        )
        .unwrap();
    }
    let s = ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "合同到期" }),
        ),
        201,
    );
    assert_eq!(s["first_stopped_period"], "202304");
    assert_eq!(s["cancelled_lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        lines(&s["lines_for_refund"]),
        vec![t("202304", "110", "regular", "640.00", "320.00")]
    );
    assert!(
        s["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("退费"))
    );
}

// ---------------------------------------------------------------- insurance changes

#[test]
fn adding_and_removing_an_insurance_and_revoking_both() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019850505129");
    let mut body = enrol_body(&id, "陈险", "2023-03-01", "4000");
    body["insurances"] = json!(["110", "210"]);
    let e = ok(enrol(&app, &a, &body), 201);
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    let add = ok(
        app.post_as(
            &format!("{EMP}/{no}/insurances"),
            &a.token,
            &json!({ "insurance": "410", "start_date": "2023-03-01" }),
        ),
        201,
    );
    assert_eq!(
        lines(&add["lines"]),
        vec![
            t("202303", "410", "back_pay", "8.00", "0.00"),
            t("202304", "410", "regular", "8.00", "0.00"),
        ]
    );
    // Adding it twice: already paying in it.
    app.post_as(
        &format!("{EMP}/{no}/insurances"),
        &a.token,
        &json!({ "insurance": "410" }),
    )
    .assert_problem(409, "ALREADY_ENROLLED");
    // Revoke the addition: its relation and lines are gone.
    let item = add["business_item_id"].as_i64().unwrap();
    let r = ok(
        app.post_as(&format!("{ITEMS}/{item}/revocation"), &a.token, &json!({})),
        201,
    );
    assert_eq!(r["removed_line_ids"].as_array().unwrap().len(), 2);
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    assert_eq!(d["relations"].as_array().unwrap().len(), 2);
    assert_eq!(d["lines"].as_array().unwrap().len(), 4);

    // Remove unemployment from this month: its April line is cancelled.
    let rm = ok(stop_insurance(&app, &a.token, &no, "210", json!({})), 201);
    assert_eq!(rm["first_stopped_period"], "202304");
    assert_eq!(lines(&rm["cancelled_lines"]).len(), 1);
    // The last insurance cannot be removed: suspend instead.
    stop_insurance(&app, &a.token, &no, "110", json!({})).assert_problem(422, "LAST_INSURANCE");
    // Revoke the removal: relation paying again, line pending again.
    let item = rm["business_item_id"].as_i64().unwrap();
    let r = ok(
        app.post_as(&format!("{ITEMS}/{item}/revocation"), &a.token, &json!({})),
        201,
    );
    assert_eq!(r["restored_line_ids"].as_array().unwrap().len(), 1);
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    assert!(
        d["relations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "paying" && r["stop_date"].is_null())
    );
    assert!(
        d["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "pending")
    );
}

// ---------------------------------------------------------------- undo

#[test]
fn revoking_an_enrolment_restores_the_person_and_lines() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019860606120");
    let before = snapshot(&app, &[a.id], &id);
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "褚撤", "2023-02-15", "4000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    let item = e["business_item_id"].as_i64().unwrap();

    // The records list it as revocable.
    let list = ok(app.get_as(ITEMS, &a.token), 200);
    let first = &list["items"][0];
    assert_eq!(first["id"], item);
    assert_eq!(first["kind"], "employee_enrolment");
    assert_eq!(first["kind_label"], "单位职工参保登记");
    assert_eq!(first["actor_name"], "甲经办");
    assert_eq!(first["channel"], "portal");
    assert_eq!(first["person_no"], no.as_str());
    assert_eq!(first["revocable"], true);

    let r = ok(
        app.post_as(&format!("{ITEMS}/{item}/revocation"), &a.token, &json!({})),
        201,
    );
    assert_eq!(r["person_removed"], true);
    assert_eq!(r["removed_line_ids"].as_array().unwrap().len(), 9);
    app.get_as(&format!("{EMP}/{no}"), &a.token)
        .assert_problem(404, "PERSON_NOT_FOUND");
    // Persons, relations and lines are as before; the records gained the
    // revoked item and the revocation.
    let mut conn = app.pool.get().unwrap();
    assert_eq!(
        employees::find_by_id_spellings(&mut conn, std::slice::from_ref(&id)).unwrap(),
        vec![]
    );
    assert_eq!(assessments::list_for_unit(&mut conn, a.id).unwrap(), vec![]);
    assert_eq!(
        employees::employments_of_unit(&mut conn, a.id)
            .unwrap()
            .len(),
        15
    );
    drop(conn);
    assert_ne!(snapshot(&app, &[a.id], &id), before);
    let list = ok(app.get_as(ITEMS, &a.token), 200);
    assert_eq!(list["items"][0]["kind"], "business_item_revocation");
    let revoked = &list["items"][1];
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revocable"], false);
    assert_eq!(revoked["not_revocable_code"], "ALREADY_REVOKED");
    // Twice: refused with the reason.
    app.post_as(&format!("{ITEMS}/{item}/revocation"), &a.token, &json!({}))
        .assert_problem(409, "ALREADY_REVOKED");
    // The same person can be enrolled again afterwards.
    ok(
        enrol(&app, &a, &enrol_body(&id, "褚撤", "2023-04-01", "4000")),
        201,
    );
}

#[test]
fn revoking_a_continuation_keeps_the_person_and_restores_its_contact() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00014", &["110", "210", "410"], 1, 100);
    ok(
        app.post_as(
            &format!("{EMP}/10003726000/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "辞职" }),
        ),
        201,
    );
    let mut body = enrol_body(&zhang_san(), "张三", "2023-04-03", "4000");
    body["phone"] = json!("13900000000");
    let e = ok(enrol(&app, &b_unit, &body), 201);
    assert_eq!(e["person"]["phone"], "13900000000");
    let item = e["business_item_id"].as_i64().unwrap();
    let r = ok(
        app.post_as(
            &format!("{ITEMS}/{item}/revocation"),
            &b_unit.token,
            &json!({}),
        ),
        201,
    );
    assert_eq!(r["person_removed"], false);
    let st = ok(
        app.get_as("/api/v1/staff/persons/10003726000", &staff(&app)),
        200,
    );
    assert!(st["person"]["phone"].is_null());
    let units: Vec<&str> = st["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit_no"].as_str().unwrap())
        .collect();
    assert!(units.iter().all(|u| *u == a.no));
    // B no longer sees the person.
    app.get_as(&format!("{EMP}/10003726000"), &b_unit.token)
        .assert_problem(404, "PERSON_NOT_FOUND");
}

#[test]
fn what_cannot_be_revoked_says_why() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019870707121");
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "卫依", "2023-03-01", "4000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    let enrolment = e["business_item_id"].as_i64().unwrap();
    let s = ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-20", "reason": "离职" }),
        ),
        201,
    );
    let suspension = s["business_item_id"].as_i64().unwrap();
    // A later suspension depends on the enrolment.
    let r = app.post_as(
        &format!("{ITEMS}/{enrolment}/revocation"),
        &a.token,
        &json!({}),
    );
    r.assert_problem(409, "LATER_ITEM_DEPENDS");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains(&suspension.to_string())
    );
    // Revoke the suspension: the April lines are pending again.
    let r = ok(
        app.post_as(
            &format!("{ITEMS}/{suspension}/revocation"),
            &a.token,
            &json!({}),
        ),
        201,
    );
    assert_eq!(r["restored_line_ids"].as_array().unwrap().len(), 3);
    // A billed line blocks the enrolment's revocation; a paid one too.
    let march = e["lines"][0]["id"].as_i64().unwrap();
    let now = app.server.clock.now_utc();
    {
        let mut conn = app.pool.get().unwrap();
        assessments::set_status(&mut conn, &[AssessmentId(march)], "pending", "billed", now)
            .unwrap();
    }
    let r = app.post_as(
        &format!("{ITEMS}/{enrolment}/revocation"),
        &a.token,
        &json!({}),
    );
    r.assert_problem(409, "LINE_BILLED");
    assert!(r.body["detail"].as_str().unwrap().contains("202303"));
    let list = ok(
        app.get_as(&format!("{ITEMS}?kind=employee_enrolment"), &a.token),
        200,
    );
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["revocable"], false);
    assert_eq!(list["items"][0]["not_revocable_code"], "LINE_BILLED");
    {
        let mut conn = app.pool.get().unwrap();
        assessments::set_status(&mut conn, &[AssessmentId(march)], "billed", "paid", now).unwrap();
    }
    app.post_as(
        &format!("{ITEMS}/{enrolment}/revocation"),
        &a.token,
        &json!({}),
    )
    .assert_problem(409, "LINE_PAID");
    // Items of other kinds are not revocable online.
    let info = ok(
        patch(
            &app,
            &format!("{EMP}/{no}"),
            &a.token,
            &json!({ "phone": "13911112222" }),
        ),
        200,
    );
    assert_eq!(info["phone"], "13911112222");
    let list = ok(
        app.get_as(&format!("{ITEMS}?kind=employee_info_change"), &a.token),
        200,
    );
    let id = list["items"][0]["id"].as_i64().unwrap();
    app.post_as(&format!("{ITEMS}/{id}/revocation"), &a.token, &json!({}))
        .assert_problem(409, "NOT_REVOCABLE_KIND");
    // Detail with before/after.
    let d = ok(app.get_as(&format!("{ITEMS}/{id}"), &a.token), 200);
    assert_eq!(d["after"]["person"]["phone"], "13911112222");
}

#[test]
fn revoking_a_suspension_is_refused_once_the_person_pays_elsewhere() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00015", &["110", "210", "410"], 1, 100);
    let s = ok(
        app.post_as(
            &format!("{EMP}/10003726001/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "辞职" }),
        ),
        201,
    );
    ok(
        enrol(
            &app,
            &b_unit,
            &enrol_body(&rid("42050019900721002"), "李四", "2023-04-01", "4000"),
        ),
        201,
    );
    let item = s["business_item_id"].as_i64().unwrap();
    let r = app.post_as(&format!("{ITEMS}/{item}/revocation"), &a.token, &json!({}));
    r.assert_problem(409, "ACTIVE_ELSEWHERE");
    assert!(r.body["detail"].as_str().unwrap().contains(&b_unit.no));
}

// ---------------------------------------------------------------- isolation

#[test]
fn another_units_people_and_records_are_not_found() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00016", &["110", "210", "410"], 1, 100);
    let before = snapshot(&app, &[a.id, b_unit.id], &zhang_san());
    let p = "10003726000";
    app.get_as(&format!("{EMP}/{p}"), &b_unit.token)
        .assert_problem(404, "PERSON_NOT_FOUND");
    app.post_as(
        &format!("{EMP}/{p}/suspensions"),
        &b_unit.token,
        &json!({ "stop_date": "2023-03-31", "reason": "x" }),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    app.post_as(
        &format!("{EMP}/{p}/insurances"),
        &b_unit.token,
        &json!({ "insurance": "410" }),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    stop_insurance(&app, &b_unit.token, p, "210", json!({}))
        .assert_problem(404, "PERSON_NOT_FOUND");
    patch(
        &app,
        &format!("{EMP}/{p}"),
        &b_unit.token,
        &json!({ "phone": "13800000000" }),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    let list = ok(app.get_as(EMP, &b_unit.token), 200);
    assert_eq!(list["total"], 0);
    // A's business item is invisible to B.
    let items = ok(app.get_as(ITEMS, &a.token), 200);
    let id = items["items"][0]["id"].as_i64().unwrap();
    app.get_as(&format!("{ITEMS}/{id}"), &b_unit.token)
        .assert_problem(404, "BUSINESS_ITEM_NOT_FOUND");
    app.post_as(
        &format!("{ITEMS}/{id}/revocation"),
        &b_unit.token,
        &json!({}),
    )
    .assert_problem(404, "BUSINESS_ITEM_NOT_FOUND");
    assert_eq!(ok(app.get_as(ITEMS, &b_unit.token), 200)["total"], 0);
    assert_eq!(snapshot(&app, &[a.id, b_unit.id], &zhang_san()), before);
    // Staff and tax callers are not units; no token is 401.
    app.get_as(EMP, &staff(&app))
        .assert_problem(403, "FORBIDDEN");
    app.get(EMP).assert_problem(401, "UNAUTHENTICATED");
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_enrolments_name_the_field_and_write_nothing() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00017", &["110", "410"], 1, 100);
    let id = rid("42050019900101123");
    let good = enrol_body(&id, "孙新", "2023-02-15", "5234.56");
    let before = snapshot(&app, &[a.id, b_unit.id], &id);
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let fields = |r: &Resp, status: u16, code: &str| {
        r.assert_problem(status, code);
        r.error_fields()
    };
    // 17 digits; a wrong check character; letters.
    let r = enrol(&app, &a, &with("id_number", json!(&id[..17])));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["id_number"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("17位")
    );
    let mut bad = id.clone();
    let last = if bad.ends_with('0') { "1" } else { "0" };
    bad.replace_range(17..18, last);
    let r = enrol(&app, &a, &with("id_number", json!(bad)));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["id_number"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("第18位")
    );
    // A gender or birth date that contradicts the ID (R-ID-3).
    let r = enrol(&app, &a, &with("gender", json!("F")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["gender"]);
    let r = enrol(&app, &a, &with("birth_date", json!("1990-01-02")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["birth_date"]);
    let r = enrol(&app, &a, &with("gender", json!("X")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["gender"]);
    // Start date in the future, before the 16th birthday, before first work.
    let r = enrol(&app, &a, &with("start_date", json!("2023-04-21")));
    assert_eq!(fields(&r, 422, "START_DATE_IN_FUTURE"), vec!["start_date"]);
    let young = rid("42050020070425123");
    let mut b = with("id_number", json!(young));
    b["first_work_date"] = json!(null);
    b["start_date"] = json!("2023-04-01");
    let r = enrol(&app, &a, &b);
    assert_eq!(fields(&r, 422, "UNDER_WORKING_AGE"), vec!["start_date"]);
    let r = enrol(&app, &a, &with("first_work_date", json!("2023-03-01")));
    assert_eq!(
        fields(&r, 422, "START_BEFORE_FIRST_WORK"),
        vec!["start_date"]
    );
    let r = enrol(&app, &a, &with("start_date", json!("2023-02-30")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["start_date"]);
    // Unknown insurance codes, codes run elsewhere, duplicates, none.
    let r = enrol(&app, &a, &with("insurances", json!(["110", "999"])));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["insurances[1]"]);
    let r = enrol(&app, &a, &with("insurances", json!(["310"])));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["insurances[0]"]);
    let r = enrol(&app, &a, &with("insurances", json!(["110", "110"])));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["insurances[1]"]);
    let r = enrol(&app, &a, &with("insurances", json!([])));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["insurances"]);
    // An insurance the unit is not registered for.
    let r = enrol(&app, &b_unit, &good);
    assert_eq!(
        fields(&r, 422, "INSURANCE_NOT_REGISTERED"),
        vec!["insurances[1]"]
    );
    // Wages: not a number, negative, zero, float.
    for w in [json!("abc"), json!("-1"), json!("0"), json!(5234.5)] {
        let r = enrol(&app, &a, &with("monthly_wage", w));
        assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["monthly_wage"]);
    }
    // Bad phone, name with digits, a new person without a first-work date.
    let r = enrol(&app, &a, &with("phone", json!("12345")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["phone"]);
    let r = enrol(&app, &a, &with("name", json!("孙3")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["name"]);
    let r = enrol(&app, &a, &with("first_work_date", json!(null)));
    assert_eq!(
        fields(&r, 400, "VALIDATION_FAILED"),
        vec!["first_work_date"]
    );
    let r = enrol(&app, &a, &with("id_type", json!("driving_licence")));
    assert_eq!(fields(&r, 400, "VALIDATION_FAILED"), vec!["id_type"]);
    // Several missing fields at once are all named.
    let r = enrol(&app, &a, &json!({ "id_number": id }));
    let f = fields(&r, 400, "VALIDATION_FAILED");
    for name in ["name", "phone", "start_date", "monthly_wage"] {
        assert!(f.contains(&name.to_string()), "{f:?}");
    }
    // Not JSON at all.
    let raw = app
        .client
        .post(app.url(EMP))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"id_number\": ")
        .send()
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let r = enrol(&app, &a, &with("id_type", json!(7)));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(snapshot(&app, &[a.id, b_unit.id], &id), before);
    // And the good request still works; without insurances it enrols in
    // every insurance the unit is registered for.
    ok(enrol(&app, &a, &good), 201);
    let mut body = enrol_body(&rid("42050019900101131"), "默认", "2023-04-01", "4000");
    body.as_object_mut().unwrap().remove("insurances");
    body["id_type"] = json!("01");
    let b = ok(enrol(&app, &b_unit, &body), 201);
    let ins: Vec<String> = lines(&b["lines"]).into_iter().map(|l| l.1).collect();
    assert_eq!(ins, vec!["110", "410"]);
}

#[test]
fn bad_input_on_the_other_employee_endpoints() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let before = snapshot(&app, &[a.id], &zhang_san());
    let p = "10003726000";
    let susp = format!("{EMP}/{p}/suspensions");
    let r = app.post_as(
        &format!("{EMP}/1000372600x/suspensions"),
        &a.token,
        &json!({}),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["person_no"]);
    app.post_as(
        &format!("{EMP}/10009999999/suspensions"),
        &a.token,
        &json!({ "stop_date": "2023-03-31", "reason": "x" }),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    let r = app.post_as(&susp, &a.token, &json!({ "stop_date": "2023-13-01" }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["stop_date", "reason"]);
    let r = app.post_as(
        &susp,
        &a.token,
        &json!({ "stop_date": "2017-01-01", "reason": "x" }),
    );
    r.assert_problem(422, "STOP_DATE_INVALID");
    assert_eq!(r.error_fields(), vec!["stop_date"]);
    app.post_as(
        &susp,
        &a.token,
        &json!({ "stop_date": "2023-05-01", "reason": "x" }),
    )
    .assert_problem(422, "STOP_DATE_INVALID");
    let r = app.post_as(
        &susp,
        &a.token,
        &json!({ "stop_date": "2023-03-31", "reason": "x", "insurances": ["510"] }),
    );
    assert_eq!(r.error_fields(), vec!["insurances[0]"]);
    // Insurances.
    let ins = format!("{EMP}/{p}/insurances");
    let r = app.post_as(&ins, &a.token, &json!({ "insurance": "999" }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["insurance"]);
    app.post_as(&ins, &a.token, &json!({ "insurance": "110" }))
        .assert_problem(409, "ALREADY_ENROLLED");
    let r = stop_insurance(&app, &a.token, p, "999", json!({}));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["code"]);
    let r = stop_insurance(
        &app,
        &a.token,
        p,
        "210",
        json!({ "stop_date": "yesterday" }),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["stop_date"]);
    // General information: key fields only at the counter.
    let r = patch(
        &app,
        &format!("{EMP}/{p}"),
        &a.token,
        &json!({ "name": "张叁", "id_number": "x" }),
    );
    r.assert_problem(403, "KEY_FIELD_COUNTER_ONLY");
    assert_eq!(r.error_fields(), vec!["name", "id_number"]);
    let r = patch(
        &app,
        &format!("{EMP}/{p}"),
        &a.token,
        &json!({ "phone": "1" }),
    );
    assert_eq!(r.error_fields(), vec!["phone"]);
    let r = patch(&app, &format!("{EMP}/{p}"), &a.token, &json!({}));
    r.assert_problem(400, "VALIDATION_FAILED");
    let r = patch(
        &app,
        &format!("{EMP}/{p}"),
        &a.token,
        &json!({ "first_work_date": "2030-01-01" }),
    );
    assert_eq!(r.error_fields(), vec!["first_work_date"]);
    // Queries.
    for q in [
        "insured_status=3",
        "payment_status=late",
        "retired=maybe",
        "page_size=500",
        "page=0",
        "format=pdf",
        "insurance=999",
        "person_no=12",
    ] {
        app.get_as(&format!("{EMP}?{q}"), &a.token)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    app.get_as(&format!("{EMP}/abc"), &a.token)
        .assert_problem(400, "VALIDATION_FAILED");
    for q in [
        "from=202305&to=202304",
        "from=2023-04",
        "from=202001&to=202304",
    ] {
        app.get_as(&format!("/api/v1/portal/staff-changes?{q}"), &a.token)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    for q in [
        "page_size=0",
        "from=2023-02-30",
        "from=2023-04-02&to=2023-04-01",
    ] {
        app.get_as(&format!("{ITEMS}?{q}"), &a.token)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    let r = app.post_as(&format!("{ITEMS}/abc/revocation"), &a.token, &json!({}));
    assert_eq!(r.error_fields(), vec!["id"]);
    app.post_as(&format!("{ITEMS}/999999/revocation"), &a.token, &json!({}))
        .assert_problem(404, "BUSINESS_ITEM_NOT_FOUND");
    assert_eq!(snapshot(&app, &[a.id], &zhang_san()), before);
}

// ---------------------------------------------------------------- concurrency

/// Sends the enrolments at the same moment; returns (status, code) of each.
fn race(app: &App, calls: Vec<(String, Value)>) -> Vec<(u16, String)> {
    let barrier = std::sync::Barrier::new(calls.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = calls
            .into_iter()
            .map(|(token, body)| {
                let barrier = &barrier;
                let url = app.url(EMP);
                s.spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    barrier.wait();
                    let r = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .unwrap();
                    let status = r.status().as_u16();
                    let v: Value = r.json().unwrap_or(Value::Null);
                    (status, v["code"].as_str().unwrap_or_default().to_string())
                })
            })
            .collect();
        let mut out: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        out.sort();
        out
    })
}

#[test]
fn two_concurrent_enrolments_of_one_person_exactly_one_succeeds() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00018", &["110", "210", "410"], 1, 100);
    for (round, first17) in [
        "42050019800808121",
        "42050019810909122",
        "42050019821010123",
    ]
    .iter()
    .enumerate()
    {
        let id = rid(first17);
        let body = enrol_body(&id, "并发", "2023-04-01", "4000");
        // Two units, then the same unit twice, then two units again.
        let second = if round == 1 { &a.token } else { &b_unit.token };
        let answers = race(
            &app,
            vec![(a.token.clone(), body.clone()), (second.clone(), body)],
        );
        // The loser gets the precise answer, as if it had come second.
        let code = if round == 1 {
            "ALREADY_ENROLLED"
        } else {
            "ACTIVE_ELSEWHERE"
        };
        assert_eq!(
            answers,
            vec![(201, String::new()), (409, code.to_string())],
            "round {round}"
        );
        let mut conn = app.pool.get().unwrap();
        let persons =
            employees::find_by_id_spellings(&mut conn, std::slice::from_ref(&id)).unwrap();
        assert_eq!(persons.len(), 1, "round {round}");
        let rel = employees::employments_of_persons(&mut conn, &[persons[0].id]).unwrap();
        assert_eq!(rel.len(), 3);
        assert!(rel.iter().all(|e| e.status == "active"));
        let lines = assessments::list_for_persons(&mut conn, &[persons[0].id]).unwrap();
        assert_eq!(lines.len(), 3);
    }
    // An existing person suspended at A, enrolled at two units at once.
    ok(
        app.post_as(
            &format!("{EMP}/10003726004/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "离职" }),
        ),
        201,
    );
    let c_unit = other_unit(&app, "91420500TESTB00019", &["110", "210", "410"], 1, 100);
    let body = enrol_body(&rid("42052519880430006"), "陈静", "2023-04-01", "4000");
    let answers = race(
        &app,
        vec![
            (b_unit.token.clone(), body.clone()),
            (c_unit.token.clone(), body),
        ],
    );
    assert_eq!(
        answers,
        vec![(201, String::new()), (409, "ACTIVE_ELSEWHERE".to_string())]
    );
}

#[test]
fn the_database_refuses_a_second_active_relation_and_a_second_live_line() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let rel = employees::employments_of_unit(&mut conn, a.id).unwrap();
    let e = &rel[0];
    let dup = repo::insert_employment(
        &mut conn,
        &NewEmployment {
            unit_id: a.id,
            person_id: e.person_id,
            insurance: e.insurance.code().to_owned(),
            start_date: date("2023-04-01"),
            stop_date: None,
            stop_reason: None,
            status: "active".into(),
            monthly_wage_fen: 1,
            created_at: now,
            updated_at: now,
        },
    );
    assert_eq!(
        dup.unwrap_err(),
        qibao_db::DbError::Conflict {
            constraint: employees::ACTIVE_RELATION_KEY.into()
        }
    );
    let line = assessments::NewAssessment {
        unit_id: a.id,
        person_id: e.person_id,
        employment_id: e.id,
        insurance: "110".into(),
        period: 202304,
        kind: "regular".into(),
        base_fen: 345_000,
        unit_rate_ppm: 160_000,
        individual_rate_ppm: 80_000,
        unit_fen: 55_200,
        individual_fen: 27_600,
        status: "pending".into(),
        source_item_id: None,
        created_at: now,
        updated_at: now,
    };
    let first = assessments::insert(&mut conn, &line).unwrap();
    assert_eq!(
        assessments::insert(&mut conn, &line).unwrap_err(),
        qibao_db::DbError::Conflict {
            constraint: assessments::LIVE_LINE_KEY.into()
        }
    );
    // A cancelled line does not block a new one.
    assessments::set_status(&mut conn, &[first.id], "pending", "cancelled", now).unwrap();
    assert!(assessments::insert(&mut conn, &line).is_ok());
}

// ---------------------------------------------------------------- one person, several numbers

fn insert_person(app: &App, id_number: &str, name: &str) -> (PersonId, String) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let no = repo::next_sequence(&mut conn, "person_no")
        .unwrap()
        .to_string();
    let p = repo::insert_person(
        &mut conn,
        &NewPerson {
            person_no: no.clone(),
            id_type: "resident".into(),
            id_number: id_number.into(),
            name: name.into(),
            gender: "M".into(),
            birth_date: date("1975-06-01"),
            nationality: "CHN".into(),
            phone: None,
            address: None,
            first_work_date: Some(date("1995-07-01")),
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    (p.id, no)
}

fn employ(app: &App, unit_id: UnitId, person_id: PersonId, insurance: &str, status: &str) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    repo::insert_employment(
        &mut conn,
        &NewEmployment {
            unit_id,
            person_id,
            insurance: insurance.into(),
            start_date: date("2015-01-01"),
            stop_date: (status == "suspended").then(|| date("2020-12-31")),
            stop_reason: (status == "suspended").then(|| "离职".to_string()),
            status: status.into(),
            monthly_wage_fen: 400_000,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
}

#[test]
fn one_person_under_several_numbers_is_listed_and_merged_by_staff() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019750601131");
    let (old_id, old_no) = insert_person(&app, &legacy(&id), "多号");
    let (new_id, new_no) = insert_person(&app, &id, "多号");
    employ(&app, a.id, old_id, "110", "suspended");
    employ(&app, a.id, new_id, "110", "active");

    // The unit sees its persons to verify.
    let v = ok(
        app.get_as("/api/v1/portal/persons-to-verify", &a.token),
        200,
    );
    assert_eq!(v["total"], 2);
    let row = &v["items"][0];
    assert_eq!(row["person_no"], old_no.as_str());
    assert_eq!(row["id_key"], id.as_str());
    assert_eq!(row["other_numbers"][0]["person_no"], new_no.as_str());
    assert_eq!(row["other_numbers"][0]["paying"], true);
    // Another unit sees none of it.
    let b_unit = other_unit(&app, "91420500TESTB00020", &["110"], 1, 100);
    let v = ok(
        app.get_as("/api/v1/portal/persons-to-verify", &b_unit.token),
        200,
    );
    assert_eq!(v["total"], 0);
    // The employee detail points at the other number too.
    let d = ok(app.get_as(&format!("{EMP}/{new_no}"), &a.token), 200);
    assert_eq!(d["other_person_numbers"], json!([old_no]));

    // Staff see the group; units may not.
    let st = staff(&app);
    let dups = ok(app.get_as("/api/v1/staff/duplicate-persons", &st), 200);
    assert_eq!(dups["total"], 1);
    assert_eq!(dups["items"][0]["id_key"], id.as_str());
    let numbers: Vec<&str> = dups["items"][0]["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_no"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec![old_no.as_str(), new_no.as_str()]);
    assert_eq!(
        dups["items"][0]["persons"][1]["paying_unit_nos"],
        json!([a.no])
    );
    app.get_as("/api/v1/staff/duplicate-persons", &a.token)
        .assert_problem(403, "FORBIDDEN");

    // A merge needs a reason, two different live numbers of the same ID.
    let merges = "/api/v1/staff/duplicate-persons/merges";
    let r = app.post_as(merges, &st, &json!({ "keep_person_no": new_no }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["merge_person_no", "reason"]);
    let r = app.post_as(
        merges,
        &st,
        &json!({ "keep_person_no": new_no, "merge_person_no": new_no, "reason": "x" }),
    );
    assert_eq!(r.error_fields(), vec!["merge_person_no"]);
    app.post_as(
        merges,
        &st,
        &json!({ "keep_person_no": new_no, "merge_person_no": "10003726000", "reason": "x" }),
    )
    .assert_problem(422, "NOT_SAME_PERSON");
    let viewer = app.mint(Role::Staff, "viewer", "查询员", None, &[StaffRole::Finance]);
    app.post_as(
        merges,
        &viewer,
        &json!({ "keep_person_no": new_no, "merge_person_no": old_no, "reason": "x" }),
    )
    .assert_problem(403, "FORBIDDEN");
    let m = ok(
        app.post_as(
            merges,
            &st,
            &json!({ "keep_person_no": new_no, "merge_person_no": old_no,
                     "reason": "经核实为同一人，15位旧号码重复登记" }),
        ),
        201,
    );
    assert_eq!(m["moved_relations"], 1);
    // Nothing is left to verify; the merged number is hidden but traceable.
    assert_eq!(
        ok(
            app.get_as("/api/v1/portal/persons-to-verify", &a.token),
            200
        )["total"],
        0
    );
    assert_eq!(
        ok(app.get_as("/api/v1/staff/duplicate-persons", &st), 200)["total"],
        0
    );
    let old = ok(
        app.get_as(&format!("/api/v1/staff/persons/{old_no}"), &st),
        200,
    );
    assert_eq!(old["merged_into"], new_no.as_str());
    let kept = ok(
        app.get_as(&format!("/api/v1/staff/persons/{new_no}"), &st),
        200,
    );
    assert_eq!(kept["merged_from"], json!([old_no]));
    assert_eq!(kept["relations"].as_array().unwrap().len(), 2);
    app.get_as(&format!("{EMP}/{old_no}"), &a.token)
        .assert_problem(404, "PERSON_NOT_FOUND");
    // Merging again: the number is gone.
    app.post_as(
        merges,
        &st,
        &json!({ "keep_person_no": new_no, "merge_person_no": old_no, "reason": "x" }),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    // The unit's records show the audited decision.
    let items = ok(
        app.get_as(&format!("{ITEMS}?kind=person_merge"), &a.token),
        200,
    );
    assert_eq!(items["total"], 1);
    assert_eq!(items["items"][0]["kind_label"], "一人多号合并");
}

#[test]
fn x_and_lower_case_x_are_the_same_person_and_merging_two_payers_is_refused() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b_unit = other_unit(&app, "91420500TESTB00021", &["110", "210", "410"], 1, 100);
    // Find a birth sequence whose check character is X.
    let id = (100..1000)
        .map(|s| rid(&format!("42050019760101{s:03}")))
        .find(|i| i.ends_with('X'))
        .unwrap();
    let (p1, n1) = insert_person(&app, &id, "艾克斯");
    let (p2, n2) = insert_person(&app, &id.to_lowercase(), "艾克斯");
    employ(&app, a.id, p1, "110", "active");
    employ(&app, b_unit.id, p2, "110", "active");
    let st = staff(&app);
    let dups = ok(app.get_as("/api/v1/staff/duplicate-persons", &st), 200);
    assert_eq!(dups["total"], 1);
    // Both pay pension: refused, staff must have one suspended first.
    app.post_as(
        "/api/v1/staff/duplicate-persons/merges",
        &st,
        &json!({ "keep_person_no": n1, "merge_person_no": n2, "reason": "同一人" }),
    )
    .assert_problem(409, "MERGE_CONFLICT");
    // Enrolling the ID anywhere sees the person paying under either number.
    let c_unit = other_unit(&app, "91420500TESTB00022", &["110", "210", "410"], 1, 100);
    enrol(
        &app,
        &c_unit,
        &enrol_body(&id, "艾克斯", "2023-04-01", "4000"),
    )
    .assert_problem(409, "ACTIVE_ELSEWHERE");
}

// ---------------------------------------------------------------- key information (R-EMP-9)

#[test]
fn key_information_is_changed_by_staff_with_a_document_and_audited() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let st = staff(&app);
    let path = "/api/v1/staff/persons/10003726000";
    app.get_as("/api/v1/staff/persons/abc", &st)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as("/api/v1/staff/persons/10009999999", &st)
        .assert_problem(404, "PERSON_NOT_FOUND");
    app.get_as("/api/v1/staff/persons/10009999999/statuses", &st)
        .assert_problem(404, "PERSON_NOT_FOUND");
    app.get_as("/api/v1/staff/duplicate-persons?page_size=0", &st)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(path, &a.token).assert_problem(403, "FORBIDDEN");
    let same = patch(
        &app,
        path,
        &st,
        &json!({ "name": "张三", "reason": "x", "document_ref": "y" }),
    );
    same.assert_problem(400, "VALIDATION_FAILED");
    let r = patch(&app, path, &st, &json!({ "name": "张叁" }));
    r.assert_problem(400, "VALIDATION_FAILED");
    assert_eq!(r.error_fields(), vec!["reason", "document_ref"]);
    let unit_token = a.token.clone();
    patch(
        &app,
        path,
        &unit_token,
        &json!({ "name": "张叁", "reason": "x", "document_ref": "y" }),
    )
    .assert_problem(403, "FORBIDDEN");
    let finance = app.mint(Role::Staff, "fin", "财务", None, &[StaffRole::Finance]);
    patch(
        &app,
        path,
        &finance,
        &json!({ "name": "张叁", "reason": "x", "document_ref": "y" }),
    )
    .assert_problem(403, "FORBIDDEN");
    // A new ID with a gender that contradicts it.
    let new_id = rid("42050019850312011");
    let r = patch(
        &app,
        path,
        &st,
        &json!({ "id_number": new_id, "gender": "F", "reason": "更正", "document_ref": "户籍证明" }),
    );
    assert_eq!(r.error_fields(), vec!["gender"]);
    // An ID registered under another number: merge instead.
    let r = patch(
        &app,
        path,
        &st,
        &json!({ "id_number": rid("42050019900721002"), "reason": "更正", "document_ref": "户籍证明" }),
    );
    r.assert_problem(409, "ID_NUMBER_IN_USE");
    let p = ok(
        patch(
            &app,
            path,
            &st,
            &json!({ "name": "张叁", "id_number": new_id, "reason": "身份证号码登记错误",
                     "document_ref": "MAT-2023-0001 户籍证明" }),
        ),
        200,
    );
    assert_eq!(p["name"], "张叁");
    assert_eq!(p["id_number"], new_id.as_str());
    // The unit's records show it, with the document.
    let items = ok(
        app.get_as(&format!("{ITEMS}?kind=person_key_change"), &a.token),
        200,
    );
    assert_eq!(items["total"], 1);
    assert_eq!(items["items"][0]["channel"], "counter");
    assert_eq!(items["items"][0]["revocable"], false);
    let id = items["items"][0]["id"].as_i64().unwrap();
    let d = ok(app.get_as(&format!("{ITEMS}/{id}"), &a.token), 200);
    assert_eq!(d["before"]["name"], "张三");
    assert_eq!(d["after"]["document_ref"], "MAT-2023-0001 户籍证明");
    // The unit's own change of general information.
    let r = ok(
        patch(
            &app,
            &format!("{EMP}/10003726000"),
            &a.token,
            &json!({ "phone": "0717-6441234", "address": "宜昌市夷陵区" }),
        ),
        200,
    );
    assert_eq!(r["address"], "宜昌市夷陵区");
    assert_eq!(r["name"], "张叁");
}

// ---------------------------------------------------------------- statuses (R-EMP-6, R-EMP-7)

#[test]
fn retirement_prison_and_exemption_exclude_months_with_the_reason() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let st = staff(&app);
    let id = rid("42050019630202133");
    let e = ok(
        enrol(&app, &a, &enrol_body(&id, "蒋退", "2023-02-01", "4000")),
        201,
    );
    let no = e["person"]["person_no"].as_str().unwrap().to_string();
    let statuses = format!("/api/v1/staff/persons/{no}/statuses");
    // Bad input.
    let r = app.post_as(&statuses, &st, &json!({ "kind": "holiday" }));
    assert_eq!(r.error_fields(), vec!["kind", "from_period"]);
    app.post_as(
        &statuses,
        &st,
        &json!({ "kind": "retirement", "from_period": "202302", "to_period": "202303" }),
    )
    .assert_problem(422, "STATUS_INVALID");
    app.post_as(
        &statuses,
        &st,
        &json!({ "kind": "bilateral_exemption", "from_period": "202302" }),
    )
    .assert_problem(422, "STATUS_INVALID");
    app.post_as(
        &statuses,
        &a.token,
        &json!({ "kind": "retirement", "from_period": "202302" }),
    )
    .assert_problem(403, "FORBIDDEN");
    // Retirement approved for February: March and April are no longer assessed.
    let r = ok(
        app.post_as(
            &statuses,
            &st,
            &json!({ "kind": "retirement", "from_period": "202302", "note": "退休审批" }),
        ),
        201,
    );
    let cancelled = lines(&r["cancelled_lines"]);
    assert_eq!(cancelled.len(), 6);
    assert!(cancelled.iter().all(|l| l.0 == "202303" || l.0 == "202304"));
    let list = ok(app.get_as(&statuses, &st), 200);
    assert_eq!(list["items"][0]["label"], "退休");
    // The unit sees the person as retired.
    let rows = ok(app.get_as(&format!("{EMP}?retired=true"), &a.token), 200);
    assert_eq!(rows["total"], 1);
    assert_eq!(rows["items"][0]["person_no"], no.as_str());
    let d = ok(app.get_as(&format!("{EMP}/{no}"), &a.token), 200);
    assert_eq!(d["special_statuses"][0]["kind"], "retirement");

    // Prison months are excluded from a new enrolment, with the reason.
    let id2 = rid("42050019850505134");
    let (pid, pno) = insert_person(&app, &id2, "韩狱");
    let _ = pid;
    ok(
        app.post_as(
            &format!("/api/v1/staff/persons/{pno}/statuses"),
            &st,
            &json!({ "kind": "prison", "from_period": "202301", "to_period": "202303" }),
        ),
        201,
    );
    // An overlapping record is refused.
    app.post_as(
        &format!("/api/v1/staff/persons/{pno}/statuses"),
        &st,
        &json!({ "kind": "prison", "from_period": "202303" }),
    )
    .assert_problem(422, "STATUS_INVALID");
    let mut body = enrol_body(&id2, "韩狱", "2023-02-01", "4000");
    body["gender"] = json!(null);
    let b = ok(enrol(&app, &a, &body), 201);
    let periods: Vec<String> = lines(&b["lines"]).into_iter().map(|l| l.0).collect();
    assert_eq!(periods, vec!["202304", "202304", "202304"]);
    let excluded: Vec<(&str, &str)> = b["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["period"].as_str().unwrap(), x["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(excluded.len(), 6);
    assert!(excluded.iter().all(|(_, r)| *r == "prison"));

    // A foreigner exempted under a bilateral agreement pays work injury only.
    let mut f = enrol_body("E12345678", "JOHN SMITH", "2023-04-01", "9000");
    f["id_type"] = json!("passport");
    f["gender"] = json!("M");
    f["birth_date"] = json!("1980-05-05");
    f["nationality"] = json!("DEU");
    let fe = ok(enrol(&app, &a, &f), 201);
    let fno = fe["person"]["person_no"].as_str().unwrap().to_string();
    let r = ok(
        app.post_as(
            &format!("/api/v1/staff/persons/{fno}/statuses"),
            &st,
            &json!({ "kind": "bilateral_exemption", "from_period": "202304" }),
        ),
        201,
    );
    let c: Vec<String> = lines(&r["cancelled_lines"])
        .into_iter()
        .map(|l| l.1)
        .collect();
    assert_eq!(c, vec!["110", "210"]);
    // A passport holder needs gender, birth date and nationality.
    let mut f2 = enrol_body("E99999999", "JANE DOE", "2023-04-01", "9000");
    f2["id_type"] = json!("passport");
    let r = enrol(&app, &a, &f2);
    r.assert_problem(400, "VALIDATION_FAILED");
    let fields = r.error_fields();
    for name in ["gender", "birth_date", "nationality"] {
        assert!(fields.contains(&name.to_string()), "{fields:?}");
    }
}

// ---------------------------------------------------------------- queries and exports

#[test]
fn the_insured_list_filters_pages_and_exports() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019900101123");
    ok(
        enrol(&app, &a, &enrol_body(&id, "孙新", "2023-04-01", "5234.56")),
        201,
    );
    ok(
        app.post_as(
            &format!("{EMP}/10003726001/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "离职" }),
        ),
        201,
    );
    let all = ok(app.get_as(EMP, &a.token), 200);
    assert_eq!(all["total"], 6);
    assert_eq!(all["items"][0]["person_no"], "10003726000");
    let page = ok(
        app.get_as(&format!("{EMP}?page=2&page_size=4"), &a.token),
        200,
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["total"], 6);
    let q = |s: &str| ok(app.get_as(&format!("{EMP}?{s}"), &a.token), 200);
    assert_eq!(q("insured_status=2")["total"], 1);
    assert_eq!(
        q("insured_status=2")["items"][0]["person_no"],
        "10003726001"
    );
    assert_eq!(q("insured_status=1")["total"], 5);
    assert_eq!(q("insurance=410&insured_status=2")["total"], 1);
    assert_eq!(q("name=孙")["total"], 1);
    assert_eq!(q("person_no=10003726002")["items"][0]["name"], "王五");
    // Any spelling of the ID finds the person.
    assert_eq!(q(&format!("id_number={}", legacy(&id)))["total"], 1);
    let r = q(&format!("id_number={}", id));
    assert_eq!(r["items"][0]["payment_status"], "due");
    assert_eq!(r["items"][0]["unpaid_periods"], json!(["202304"]));
    assert_eq!(q("payment_status=due")["total"], 1);
    assert_eq!(q("payment_status=paid_up")["total"], 5);
    assert_eq!(q("retired=false")["total"], 6);

    // CSV: UTF-8 with BOM, Chinese header, one line per person.
    let csv = app.get_as(&format!("{EMP}?format=csv&insured_status=1"), &a.token);
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.text.starts_with('\u{feff}'));
    let rows: Vec<&str> = csv.text.trim_end().split("\r\n").collect();
    assert_eq!(rows.len(), 6);
    assert!(rows[0].contains("个人编号,姓名"));
    assert!(
        rows.iter()
            .any(|r| r.contains("孙新") && r.contains("5230.00"))
    );
    // XLSX: a zip archive.
    let x = app
        .client
        .get(app.url(&format!("{EMP}?format=xlsx")))
        .bearer_auth(&a.token)
        .send()
        .unwrap();
    assert_eq!(x.status().as_u16(), 200);
    assert!(
        x.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = x.bytes().unwrap();
    assert!(bytes.len() > 1000);
    assert_eq!(&bytes[..2], b"PK");
}

#[test]
fn staff_changes_summarise_increases_and_decreases_per_month() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let id = rid("42050019900101123");
    ok(
        enrol(&app, &a, &enrol_body(&id, "孙新", "2023-03-15", "5000")),
        201,
    );
    ok(
        app.post_as(
            &format!("{EMP}/10003726001/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "离职" }),
        ),
        201,
    );
    let r = ok(
        app.get_as(
            "/api/v1/portal/staff-changes?from=202303&to=202304",
            &a.token,
        ),
        200,
    );
    assert_eq!(r["periods"].as_array().unwrap().len(), 2);
    let march = &r["periods"][0]["insurances"][0];
    assert_eq!(r["periods"][0]["period"], "202303");
    assert_eq!(march["insurance"], "110");
    assert_eq!(march["increased"], 1);
    assert_eq!(march["increased_persons"][0]["name"], "孙新");
    assert_eq!(march["decreased"], 0);
    assert_eq!(march["insured"], 6);
    let april = &r["periods"][1]["insurances"][0];
    assert_eq!(april["decreased"], 1);
    assert_eq!(april["decreased_persons"][0]["person_no"], "10003726001");
    assert_eq!(april["insured"], 5);
    // Default: the current month.
    let r = ok(app.get_as("/api/v1/portal/staff-changes", &a.token), 200);
    assert_eq!(r["from"], "202304");
    assert_eq!(r["periods"].as_array().unwrap().len(), 1);
}

#[test]
fn payroll_and_legal_rep_callers_act_for_their_unit() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let payroll = app.mint(Role::Payroll, "pk_test", "薪资软件", Some(a.id), &[]);
    let id = rid("42050019900101123");
    let e = ok(
        app.post_as(
            EMP,
            &payroll,
            &enrol_body(&id, "孙新", "2023-04-01", "5000"),
        ),
        201,
    );
    let rep = app.mint(Role::LegalRep, "91420500", "刘建国", Some(a.id), &[]);
    let items = ok(app.get_as(ITEMS, &rep), 200);
    assert_eq!(items["items"][0]["id"], e["business_item_id"]);
    assert_eq!(items["items"][0]["channel"], "api");
    assert_eq!(items["items"][0]["actor_role"], "payroll");
    // Date filters on the records: the demo's registration and agent, and
    // this enrolment, all of today.
    assert_eq!(
        ok(
            app.get_as(&format!("{ITEMS}?from=2023-04-20&to=2023-04-20"), &rep),
            200
        )["total"],
        3
    );
    assert_eq!(
        ok(app.get_as(&format!("{ITEMS}?from=2023-04-21"), &rep), 200)["total"],
        0
    );
}

// ---------------------------------------------------------------- identity (issue 11)

/// A registered ID number with a wrong name, from a unit that never
/// employed the person: 422 with nothing of the record, the same answer
/// whether the person pays elsewhere, left another unit, or never worked;
/// nothing written; the registered name continues the person.
#[test]
fn a_wrong_name_for_a_person_of_another_unit_is_refused_and_shows_nothing() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b = other_unit(&app, "91420500TESTB00031", &["110", "210", "410"], 1, 100);
    let left = rid("42050019750601141");
    let (left_id, left_no) = insert_person(&app, &left, "钱离");
    employ(&app, a.id, left_id, "110", "suspended");
    let bare = rid("42050019750601152");
    insert_person(&app, &bare, "孙登");
    let a_view = ok(app.get_as(&format!("{EMP}/{left_no}"), &a.token), 200);
    let before = snapshot(&app, &[a.id, b.id], &left);
    let mut answers = Vec::new();
    for id in [zhang_san(), left.clone(), bare.clone()] {
        let r = enrol(&app, &b, &enrol_body(&id, "李鬼", "2023-04-03", "4000"));
        r.assert_problem(422, "IDENTITY_MISMATCH");
        assert_eq!(
            r.body["detail"],
            "姓名与证件号码不匹配，请核对身份证件后重新填写"
        );
        for secret in [
            "张三",
            "钱离",
            "孙登",
            "10003726000",
            &left_no,
            &a.no,
            "1975-06-01",
            "1985-03-12",
            "1995-07-01",
        ] {
            assert!(!r.text.contains(secret), "{secret} in {}", r.text);
        }
        answers.push(json!([
            r.status,
            r.body["code"],
            r.body["detail"],
            r.body["errors"]
        ]));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(snapshot(&app, &[a.id, b.id], &left), before);
    // The former unit still sees the contact data it knew.
    assert_eq!(
        ok(app.get_as(&format!("{EMP}/{left_no}"), &a.token), 200),
        a_view
    );
    // The unit that employed the person may continue it under another
    // spelling: the registered name is kept (key information changes at
    // the counter) and the agent is told.
    let e = ok(
        enrol(&app, &a, &enrol_body(&left, "钱梨", "2023-04-03", "4000")),
        201,
    );
    assert_eq!(e["person"]["person_no"], left_no.as_str());
    assert_eq!(e["person"]["name"], "钱离");
    assert_eq!(e["person_created"], false);
    assert!(
        e["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("柜台"))
    );
}

/// R-EMP-2's refusal names the unit the person pays at only after the name
/// matched; a unit that employed the person before hears only that the
/// former unit must stop first, and a stranger hears IDENTITY_MISMATCH.
#[test]
fn active_elsewhere_names_the_other_unit_only_after_the_name_matched() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b = other_unit(&app, "91420500TESTB00032", &["110", "210", "410"], 1, 100);
    let zs = {
        let mut conn = app.pool.get().unwrap();
        employees::find_by_person_no(&mut conn, "10003726000")
            .unwrap()
            .unwrap()
            .id
    };
    employ(&app, b.id, zs, "110", "suspended");
    let named = enrol(
        &app,
        &b,
        &enrol_body(&zhang_san(), "张三", "2023-04-03", "4000"),
    );
    named.assert_problem(409, "ACTIVE_ELSEWHERE");
    assert!(named.body["detail"].as_str().unwrap().contains(&a.no));
    let unnamed = enrol(
        &app,
        &b,
        &enrol_body(&zhang_san(), "张叁", "2023-04-03", "4000"),
    );
    unnamed.assert_problem(409, "ACTIVE_ELSEWHERE");
    assert_eq!(
        unnamed.body["detail"],
        "该人员在其他单位处于参保缴费状态，请原单位先办理停保后再办理参保"
    );
    assert!(!unnamed.text.contains(&a.no), "{}", unnamed.text);
    let c = other_unit(&app, "91420500TESTB00033", &["110", "210", "410"], 1, 100);
    let r = enrol(
        &app,
        &c,
        &enrol_body(&zhang_san(), "张叁", "2023-04-03", "4000"),
    );
    r.assert_problem(422, "IDENTITY_MISMATCH");
    assert!(!r.text.contains(&a.no), "{}", r.text);
}

/// The shared contact data belongs to the current employer: the former
/// unit cannot overwrite what the new unit sees.
#[test]
fn a_former_unit_cannot_overwrite_the_contact_of_a_person_paying_elsewhere() {
    let app = App::start("2023-04-20");
    let a = demo_unit(&app);
    let b = other_unit(&app, "91420500TESTB00034", &["110", "210", "410"], 1, 100);
    ok(
        app.post_as(
            &format!("{EMP}/10003726000/suspensions"),
            &a.token,
            &json!({ "stop_date": "2023-03-31", "reason": "辞职" }),
        ),
        201,
    );
    let mut body = enrol_body(&zhang_san(), "张三", "2023-04-03", "4000");
    body["phone"] = json!("13900000000");
    ok(enrol(&app, &b, &body), 201);
    let b_view = ok(app.get_as(&format!("{EMP}/10003726000"), &b.token), 200);
    patch(
        &app,
        &format!("{EMP}/10003726000"),
        &a.token,
        &json!({ "phone": "13811112222", "address": "湖北省宜昌市伍家岗区" }),
    )
    .assert_problem(409, "NOT_CURRENT_EMPLOYER");
    assert_eq!(
        ok(app.get_as(&format!("{EMP}/10003726000"), &b.token), 200),
        b_view
    );
}

//! 基本养老保险参保缴费凭证 (issue 16, part; R-TRANS-1, 2) over HTTP, on
//! SQLite or PostgreSQL: an employee with history in another province
//! before 1999 and two years paid here leaves; the voucher lists each
//! period with its base and place, the years since 1998 and the account,
//! and what a transfer would move (the account in full, 12% of the bases
//! since 1998). While the person still pays pension insurance in the
//! province, no voucher (R-TRANS-1).
//!
//! The paid months are lines written directly (as the refunds scenario
//! does): the declaration and tax flows are tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::{Role, StaffRole};
use qibao_db::assessments::{self, NewAssessment};
use qibao_db::ids::UnitId;
use qibao_db::{employees, repo};
use qibao_e2e::fixtures::{self, rid};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

/// The demo unit loaded, and an agent's token of it.
fn demo_unit(app: &App) -> (qibao_api::demo::DemoSummary, fixtures::Unit) {
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
    let unit = fixtures::Unit {
        id,
        token: fixtures::token(app, id),
    };
    (s, unit)
}

/// `n` pension months from `first` paid at the unit at 5,000.00 (8% =
/// 400.00 to the account), written as paid lines.
fn paid_lines(app: &App, unit_id: UnitId, no: &str, first: qibao_core::Period, n: i32) {
    let mut conn = app.pool.get().unwrap();
    let person = employees::find_by_person_no(&mut conn, no)
        .unwrap()
        .unwrap();
    let relation = employees::employments_of_persons(&mut conn, &[person.id])
        .unwrap()
        .into_iter()
        .find(|e| e.insurance.code() == "110")
        .unwrap();
    let now = app.server.clock.now_utc();
    for i in 0..n {
        assessments::insert(
            &mut conn,
            &NewAssessment {
                unit_id,
                person_id: person.id,
                employment_id: relation.id,
                insurance: "110".into(),
                period: first.add_months(i).yyyymm(),
                kind: "regular".into(),
                base_fen: 500_000,
                unit_rate_ppm: 160_000,
                individual_rate_ppm: 80_000,
                unit_fen: 80_000,
                individual_fen: 40_000,
                status: assessments::PAID.into(),
                source_item_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
    }
}

#[test]
fn the_voucher_lists_the_periods_and_what_a_transfer_moves() {
    let app = App::start("2026-09-20");
    let (_, demo) = demo_unit(&app);
    let unit_id = demo.id;
    let token = demo.token;
    let b = ok(
        app.post_as(
            EMP,
            &token,
            &json!({
                "id_type": "resident", "id_number": rid("42050019780515003"), "name": "转移甲",
                "phone": "13807171234", "first_work_date": "1997-01-01",
                "start_date": "2026-09-01", "insurances": ["110", "210", "410"],
                "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let no = b["person"]["person_no"].as_str().unwrap().to_string();
    // 2024-09 … 2026-08 paid here at 5000 (8% = 400.00 to the account).
    paid_lines(
        &app,
        unit_id,
        &no,
        qibao_core::Period::new(2024, 9).unwrap(),
        24,
    );
    // Staff recognise 1997–1998 in Shenzhen and the 2016 opening balance.
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let staff_person = format!("/api/v1/staff/persons/{no}");
    ok(
        app.post_as(
            &format!("{staff_person}/contribution-history"),
            &h,
            &json!({ "from": "199701", "to": "199812", "monthly_base": "2000",
                     "place": "广东省深圳市", "document": "深圳市参保缴费凭证" }),
        ),
        201,
    );
    ok(
        app.call(
            reqwest::Method::PUT,
            &format!("{staff_person}/pension-record"),
            &h,
            Some(&json!({ "opening": { "year": 2016, "balance": "30000.00",
                                       "document": "2015年度个人账户对账单" } })),
        ),
        200,
    );
    let voucher = format!("{EMP}/{no}/contribution-voucher");
    // Still paying here: within the province nothing moves.
    app.get_as(&voucher, &token)
        .assert_problem(422, "TRANSFER_STILL_INSURED");
    ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &token,
            &json!({ "stop_date": "2026-09-15", "reason": "跨省流动就业", "end_reason": "resignation" }),
        ),
        201,
    );
    let v = ok(app.get_as(&voucher, &token), 200);
    assert_eq!(v["months"], 48);
    let spans = v["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 2, "{v}");
    assert_eq!(spans[0]["from"], "199701");
    assert_eq!(spans[0]["to"], "199812");
    assert_eq!(spans[0]["place"], "广东省深圳市");
    assert_eq!(spans[0]["base"], "2000.00");
    assert_eq!(spans[1]["from"], "202409");
    assert_eq!(spans[1]["to"], "202608");
    assert_eq!(spans[1]["place"], "湖北省");
    // The pooled part counts 1998 on: 24,000 + 20,000 + 60,000 + 40,000 =
    // 144,000 × 12% = 17,280.00; 1997 moves nothing from the pool.
    let years: Vec<(i64, &str)> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y["year"].as_i64().unwrap(), y["bases"].as_str().unwrap()))
        .collect();
    assert_eq!(
        years,
        [
            (1998, "24000.00"),
            (2024, "20000.00"),
            (2025, "60000.00"),
            (2026, "40000.00")
        ]
    );
    assert_eq!(v["pooled_share"], "0.12");
    assert_eq!(v["pooled"], "17280.00");
    // The account: the 2016 opening with its interest and the 24 credits.
    assert_eq!(v["valued_at"], "202608");
    let account = qibao_core::Money::parse(v["account"].as_str().unwrap()).unwrap();
    let closing = v["account_years"].as_array().unwrap().last().unwrap()["closing"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(v["account"].as_str().unwrap(), closing);
    assert!(
        account > qibao_core::Money::parse("39600.00").unwrap(),
        "{v}"
    );
    let total = account + qibao_core::Money::parse("17280.00").unwrap();
    assert_eq!(v["total"].as_str().unwrap(), total.to_string());
    assert_eq!(
        v["total_in_capitals"].as_str().unwrap(),
        total.to_capitals()
    );
    // The PDF says the same.
    let (status, ctype, bytes) = app.get_bytes(&format!("{voucher}/pdf"), &token);
    assert_eq!((status, ctype.as_str()), (200, "application/pdf"));
    let text = qibao_e2e::pdf_text(&bytes);
    for needle in [
        "基本养老保险参保缴费凭证",
        "转移甲",
        "广东省深圳市",
        "17280.00",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // Another unit sees nothing of the person.
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    let other_token = fixtures::token(&app, other.id);
    app.get_as(&voucher, &other_token)
        .assert_problem(404, "PERSON_NOT_FOUND");
    // The person works at the other unit for a while and leaves again:
    // the voucher is now the other unit's to issue, not the first's.
    ok(
        app.post_as(
            EMP,
            &other_token,
            &json!({
                "id_type": "resident", "id_number": rid("42050019780515003"), "name": "转移甲",
                "phone": "13807171234", "start_date": "2026-09-16",
                "insurances": ["110"], "monthly_wage": "5000"
            }),
        ),
        201,
    );
    ok(
        app.post_as(
            &format!("{EMP}/{no}/suspensions"),
            &other_token,
            &json!({ "stop_date": "2026-09-19", "reason": "跨省流动就业", "end_reason": "resignation" }),
        ),
        201,
    );
    app.get_as(&voucher, &token)
        .assert_problem(422, "TRANSFER_NOT_LAST_UNIT");
    let again = ok(app.get_as(&voucher, &other_token), 200);
    assert_eq!(again["unit"]["name"], "宜昌测试乙单位");
    assert_eq!(again["pooled"], "17280.00");
}

fn enrol(app: &App, token: &str, id17: &str, name: &str) -> String {
    let b = ok(
        app.post_as(
            EMP,
            token,
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

fn steps(t: &Value) -> Vec<(String, Option<String>, Option<i64>)> {
    t["progress"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["on"].as_str().map(str::to_owned),
                s["working_days"].as_i64(),
            )
        })
        .collect()
}

fn step(name: &str, on: Option<&str>, days: Option<i64>) -> (String, Option<String>, Option<i64>) {
    (name.to_owned(), on.map(str::to_owned), days)
}

/// R-TRANS-1, 2 end to end with the platform simulator: one person
/// transferred in from Shenzhen (the months, bases, place and account
/// arrive intact and are recorded), one who left transferred out at
/// Shenzhen's request (what moves is what the voucher listed); the steps
/// are dated and counted in working days of the State Council calendar
/// (中秋 and 国庆 2026 inside the 15 days); refusals write nothing.
#[test]
fn a_person_is_transferred_in_and_another_out_through_the_platform() {
    let app = App::start("2026-09-21");
    let (s, mut unit) = demo_unit(&app);
    let unit_id = unit.id;
    let came = enrol(&app, &unit.token, "42050019800303003", "转入乙");
    let left = enrol(&app, &unit.token, "42050019790404004", "转出丙");
    let left_id = rid("42050019790404004");
    paid_lines(
        &app,
        unit_id,
        &left,
        qibao_core::Period::new(2025, 1).unwrap(),
        20,
    );
    ok(
        app.post_as(
            &format!("{EMP}/{left}/suspensions"),
            &unit.token,
            &json!({ "stop_date": "2026-09-15", "reason": "跨省流动就业", "end_reason": "resignation" }),
        ),
        201,
    );
    let mut sim = fixtures::transfer_sim(&app, "2026-09-21");
    let transfers = "/api/v1/portal/pension-transfers";
    let rows = |app: &App| fixtures::row_count(app, "pension_transfers");

    // ---- transfer in: refusals first, nothing written.
    app.post_as(transfers, &unit.token, &json!({"person_no": came}))
        .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        transfers,
        &unit.token,
        &json!({"person_no": left, "from_place": "广东省深圳市"}),
    )
    .assert_problem(422, "TRANSFER_NOT_INSURED_HERE");
    app.post_as(
        transfers,
        &unit.token,
        &json!({"person_no": "10009999999", "from_place": "广东省深圳市"}),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    assert_eq!(rows(&app), 0);
    let t = ok(
        app.post_as(
            transfers,
            &unit.token,
            &json!({"person_no": came, "from_place": "广东省深圳市",
                    "from_agency": "深圳市社会保险基金管理局"}),
        ),
        201,
    );
    let id = t["id"].as_i64().unwrap();
    let no = t["transfer_no"].as_str().unwrap().to_owned();
    assert_eq!(t["direction"], "in");
    assert_eq!(t["status"], "requested");
    // Requested Monday 09-21: 中秋 (09-25), 国庆 (10-01…07) and the
    // adjusted working Saturday 10-10 put the 15th working day on 10-19.
    assert_eq!(t["progress"]["due_on"], "2026-10-19");
    assert_eq!(
        steps(&t),
        [
            step("requested", Some("2026-09-21"), Some(0)),
            step("accepted", None, None),
            step("transferred", None, None),
            step("recorded", None, None),
        ]
    );
    app.post_as(
        transfers,
        &unit.token,
        &json!({"person_no": came, "from_place": "广东省深圳市"}),
    )
    .assert_problem(409, "TRANSFER_OPEN");
    assert_eq!(rows(&app), 1);

    // The platform accepts the next day and answers on the 12th working day.
    fixtures::set_today(&app, "2026-09-22", &mut [&mut unit]);
    sim.set_today(Some(fixtures::date("2026-09-22")));
    let r = sim.round().unwrap();
    assert_eq!((r.accepted, r.answered), (1, 0));
    let t = ok(app.get_as(&format!("{transfers}/{id}"), &unit.token), 200);
    assert_eq!(t["status"], "accepted");
    assert_eq!(steps(&t)[1], step("accepted", Some("2026-09-22"), Some(1)));
    fixtures::set_today(&app, "2026-10-14", &mut [&mut unit]);
    sim.set_today(Some(fixtures::date("2026-10-14")));
    let r = sim.round().unwrap();
    assert_eq!((r.accepted, r.answered), (0, 1));
    let t = ok(app.get_as(&format!("{transfers}/{id}"), &unit.token), 200);
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(
        steps(&t),
        [
            step("requested", Some("2026-09-21"), Some(0)),
            step("accepted", Some("2026-09-22"), Some(1)),
            step("transferred", Some("2026-10-14"), Some(12)),
            step("recorded", Some("2026-10-14"), Some(12)),
        ]
    );
    assert_eq!(t["progress"]["working_days_taken"], 12);
    assert_eq!(t["progress"]["overdue"], false);
    // What the old place sent, intact: 2023-01…2025-12 at 6,000.00 in
    // Shenzhen, the account 17,280.00 and 12% × 216,000.00 = 25,920.00.
    let m = &t["moved"];
    assert_eq!(m["months"], 36);
    assert_eq!(m["account"], "17280.00");
    assert_eq!(m["pooled"], "25920.00");
    assert_eq!(m["total"], "43200.00");
    assert_eq!(m["arrived_period"], "202610");
    assert_eq!(
        m["spans"],
        json!([{"from": "202301", "to": "202512", "months": 36, "base": "6000.00",
                "place": "广东省深圳市"}])
    );
    // Recorded in the person's pension record with its place; the account
    // arrives as one sum in 2026-10 and the moved months credit nothing.
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let rec = ok(
        app.get_as(&format!("/api/v1/staff/persons/{came}/pension-record"), &h),
        200,
    );
    let hist = rec["history"].as_array().unwrap();
    assert_eq!(hist.len(), 1, "{rec}");
    assert_eq!(hist[0]["from"], "202301");
    assert_eq!(hist[0]["to"], "202512");
    assert_eq!(hist[0]["base"], "6000.00");
    assert_eq!(hist[0]["place"], "广东省深圳市");
    assert_eq!(hist[0]["account_moved"], true);
    assert_eq!(hist[0]["document"], format!("跨省转移接续 {no}"));
    assert_eq!(
        rec["account_arrivals"],
        json!([{"period": "202610", "amount": "17280.00"}])
    );
    let est = ok(
        app.get_as(&format!("{EMP}/{came}/pension-estimate"), &unit.token),
        200,
    );
    let e = &est["calculation"];
    assert_eq!(e["months"]["history"], 36, "{est}");
    let first_year = &e["account_years"][0];
    assert_eq!(first_year["year"], 2026, "{e}");
    assert_eq!(first_year["opening"], "0.00");
    let credited = qibao_core::Money::parse(first_year["credited"].as_str().unwrap()).unwrap();
    assert!(
        credited >= qibao_core::Money::parse("17280.00").unwrap(),
        "{e}"
    );
    // A second answer, or one of another request that breaks R-TRANS-2,
    // is refused and writes nothing.
    let history_rows = fixtures::row_count(&app, "person_contribution_history");
    let platform = fixtures_platform_token(&app);
    app.post_as(
        &format!("/api/v1/platform/transfer-requests/{no}/answer"),
        &platform,
        &json!({"transferred_on": "2026-10-14", "account": "1.00", "pooled": "0.00",
                "spans": [{"from": "201001", "to": "201001", "base": "1000"}]}),
    )
    .assert_problem(409, "TRANSFER_CLOSED");
    assert_eq!(
        fixtures::row_count(&app, "person_contribution_history"),
        history_rows
    );

    // ---- transfer out at Shenzhen's request, 09-21 again in its terms.
    let v_before = ok(
        app.get_as(&format!("{EMP}/{left}/contribution-voucher"), &unit.token),
        200,
    );
    // 20 months at 5,000.00 → 12% × 100,000.00 = 12,000.00.
    assert_eq!(v_before["pooled"], "12000.00");
    sim.set_today(Some(fixtures::date("2026-10-14")));
    let req = sim
        .request_out("GD-2026-000123", &left_id, "转出丙", "广东省深圳市")
        .unwrap();
    assert_eq!(req["direction"], "out");
    assert_eq!(req["status"], "requested");
    assert_eq!(req["unit_no"], s.unit_no.as_str());
    let out_id = req["id"].as_i64().unwrap();
    // The same request again is the same request; a wrong name is refused.
    let again = sim
        .request_out("GD-2026-000123", &left_id, "转出丙", "广东省深圳市")
        .unwrap();
    assert_eq!(again["id"], out_id);
    app.post_as(
        "/api/v1/platform/transfer-out-requests",
        &platform,
        &json!({"request_no": "GD-2026-000124", "id_number": left_id, "name": "别人",
                "to_place": "广东省深圳市"}),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    app.post_as(
        "/api/v1/platform/transfer-out-requests",
        &platform,
        &json!({"request_no": "GD-2026-000125", "id_number": rid("11010519491231002"),
                "name": "无此人", "to_place": "广东省深圳市"}),
    )
    .assert_problem(404, "PERSON_NOT_FOUND");
    // The unit sees the steps of its former employee's transfer out.
    let list = ok(
        app.get_as(&format!("{transfers}?direction=out"), &unit.token),
        200,
    );
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["progress"]["due_on"], "2026-11-04");
    // Staff transfer on 10-20: 4 working days after the request.
    fixtures::set_today(&app, "2026-10-20", &mut [&mut unit]);
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let staff_t = format!("/api/v1/staff/pension-transfers/{out_id}");
    let queue = ok(
        app.get_as(
            "/api/v1/staff/pension-transfers?direction=out&status=requested",
            &h,
        ),
        200,
    );
    assert_eq!(queue["items"][0]["id"], out_id);
    let v_now = ok(
        app.get_as(&format!("{EMP}/{left}/contribution-voucher"), &unit.token),
        200,
    );
    let done = ok(
        app.post_as(&format!("{staff_t}/transfer-out"), &h, &json!({})),
        200,
    );
    assert_eq!(done["status"], "completed");
    assert_eq!(
        steps(&done),
        [
            step("requested", Some("2026-10-14"), Some(0)),
            step("transferred", Some("2026-10-20"), Some(4)),
        ]
    );
    // What moves is what the voucher listed.
    assert_eq!(done["moved"]["months"], 20);
    assert_eq!(done["moved"]["pooled"], "12000.00");
    assert_eq!(done["moved"]["account"], v_now["account"]);
    assert_eq!(done["moved"]["total"], v_now["total"]);
    app.post_as(&format!("{staff_t}/transfer-out"), &h, &json!({}))
        .assert_problem(409, "TRANSFER_CLOSED");
    // The platform collects the answer; the relation is gone from Hubei.
    sim.set_today(Some(fixtures::date("2026-10-20")));
    let r = sim.round().unwrap();
    assert_eq!(r.out_answered, 1);
    let answer = sim.out_answer("GD-2026-000123").unwrap();
    assert_eq!(answer["moved"], done["moved"]);
    app.get_as(&format!("{EMP}/{left}/contribution-voucher"), &unit.token)
        .assert_problem(422, "TRANSFERRED_OUT");

    // ---- back home: the person returns in November and the unit asks
    // Shenzhen for the relation; it comes back exactly as it left.
    fixtures::set_today(&app, "2026-11-02", &mut [&mut unit]);
    ok(
        app.post_as(
            EMP,
            &unit.token,
            &json!({
                "id_type": "resident", "id_number": left_id, "name": "转出丙",
                "phone": "13807171234", "start_date": "2026-11-01",
                "insurances": ["110", "210", "410"], "monthly_wage": "5000"
            }),
        ),
        201,
    );
    let back = ok(
        app.post_as(
            transfers,
            &unit.token,
            &json!({"person_no": left, "from_place": "广东省深圳市"}),
        ),
        201,
    );
    let back_id = back["id"].as_i64().unwrap();
    sim.set_today(Some(fixtures::date("2026-11-02")));
    assert_eq!(sim.round().unwrap().accepted, 1);
    fixtures::set_today(&app, "2026-11-04", &mut [&mut unit]);
    sim.set_today(Some(fixtures::date("2026-11-04")));
    assert_eq!(sim.round().unwrap().answered, 1);
    let home = ok(
        app.get_as(&format!("{transfers}/{back_id}"), &unit.token),
        200,
    );
    assert_eq!(home["status"], "completed", "{home}");
    assert_eq!(home["progress"]["working_days_taken"], 2);
    // Intact: the same months, bases and places, the same account and
    // pooled amount that left on 10-20.
    for key in ["spans", "months", "account", "pooled", "total"] {
        assert_eq!(home["moved"][key], done["moved"][key], "{key}");
    }
    assert_eq!(home["moved"]["arrived_period"], "202611");
    // The months were paid here: counted once, not written again; the
    // account that left comes back as one sum in 2026-11.
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let rec = ok(
        app.get_as(&format!("/api/v1/staff/persons/{left}/pension-record"), &h),
        200,
    );
    assert_eq!(rec["history"], json!([]), "{rec}");
    assert_eq!(rec["recorded"]["months"], 20);
    assert_eq!(
        rec["account_arrivals"],
        json!([{"period": "202611", "amount": v_now["account"]}])
    );
    // Home again: no voucher while insured here, and the old refusal is gone.
    app.get_as(&format!("{EMP}/{left}/contribution-voucher"), &unit.token)
        .assert_problem(422, "TRANSFER_STILL_INSURED");

    // Another unit sees neither transfer; the unit cannot use the platform.
    let other = fixtures::insert_unit(
        &app,
        &fixtures::UnitSpec::new("91420500MA4D1B2C36", "宜昌测试乙单位"),
    );
    let other_token = fixtures::token(&app, other.id);
    app.get_as(&format!("{transfers}/{id}"), &other_token)
        .assert_problem(404, "TRANSFER_NOT_FOUND");
    assert_eq!(ok(app.get_as(transfers, &other_token), 200)["total"], 0);
    app.get_as("/api/v1/platform/transfer-requests", &unit.token)
        .assert_problem(403, "FORBIDDEN");
}

fn fixtures_platform_token(app: &App) -> String {
    app.mint(
        Role::Platform,
        "transfer-sim",
        "跨省转移接续平台（测试）",
        None,
        &[],
    )
}

/// The other side refuses: the old place refuses a transfer in (the
/// simulator's ledger has no record of the person), staff refuse a
/// transfer out with the reason the platform carries back; a request left
/// open past its 15th working day shows as overdue; a new application
/// after a refusal is allowed.
#[test]
fn refusals_and_overdue_requests_show_in_the_steps() {
    let app = App::start("2026-09-21");
    let (_, mut unit) = demo_unit(&app);
    let unit_id = unit.id;
    let came = enrol(&app, &unit.token, "42050019810505005", "转入丁");
    let left = enrol(&app, &unit.token, "42050019820606006", "转出戊");
    paid_lines(
        &app,
        unit_id,
        &left,
        qibao_core::Period::new(2026, 1).unwrap(),
        8,
    );
    let transfers = "/api/v1/portal/pension-transfers";
    let history_rows = fixtures::row_count(&app, "person_contribution_history");
    let t = ok(
        app.post_as(
            transfers,
            &unit.token,
            &json!({"person_no": came, "from_place": "四川省成都市"}),
        ),
        201,
    );
    let id = t["id"].as_i64().unwrap();
    // The old place's ledger knows nobody: it accepts, then refuses.
    let ledger = std::env::temp_dir().join(format!("qibao-ledger-{}.json", std::process::id()));
    std::fs::write(&ledger, "{}").unwrap();
    let mut sim = fixtures::transfer_sim(&app, "2026-09-21");
    let mut refusing = qibao_tools::transfer_sim::TransferSim::new(
        &app.url(""),
        qibao_tools::transfer_sim::DEMO_PLATFORM_CLIENT_ID,
        qibao_tools::transfer_sim::DEMO_PLATFORM_CLIENT_SECRET,
        qibao_tools::transfer_sim::Ledger::read(&ledger).unwrap(),
    );
    std::fs::remove_file(&ledger).ok();
    refusing.set_today(Some(fixtures::date("2026-09-21")));
    assert_eq!(refusing.round().unwrap().accepted, 1);
    fixtures::set_today(&app, "2026-09-23", &mut [&mut unit]);
    refusing.set_today(Some(fixtures::date("2026-09-23")));
    assert_eq!(refusing.round().unwrap().refused, 1);
    let t = ok(app.get_as(&format!("{transfers}/{id}"), &unit.token), 200);
    assert_eq!(t["status"], "refused");
    assert_eq!(t["refusal"], "转出地无该人员基本养老保险参保记录。");
    assert_eq!(
        steps(&t),
        [
            step("requested", Some("2026-09-21"), Some(0)),
            step("refused", Some("2026-09-23"), Some(2)),
        ]
    );
    assert_eq!(t["progress"]["working_days_taken"], 2);
    assert_eq!(t["moved"], Value::Null);
    // Nothing arrived; the unit may apply again.
    assert_eq!(
        fixtures::row_count(&app, "person_contribution_history"),
        history_rows
    );
    let again = ok(
        app.post_as(
            transfers,
            &unit.token,
            &json!({"person_no": came, "from_place": "四川省成都市"}),
        ),
        201,
    );
    assert_eq!(again["status"], "requested");

    // A request for a person who still pays here: staff refuse it.
    let out = sim
        .request_out(
            "SC-2026-7",
            &rid("42050019820606006"),
            "转出戊",
            "四川省成都市",
        )
        .unwrap();
    let out_id = out["id"].as_i64().unwrap();
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let staff_t = format!("/api/v1/staff/pension-transfers/{out_id}");
    app.post_as(&format!("{staff_t}/transfer-out"), &h, &json!({}))
        .assert_problem(422, "TRANSFER_STILL_INSURED");
    app.post_as(&format!("{staff_t}/refusal"), &h, &json!({"reason": " "}))
        .assert_problem(400, "VALIDATION_FAILED");
    // Still open after its 15th working day (10-21 from 09-23): overdue.
    fixtures::set_today(&app, "2026-10-22", &mut [&mut unit]);
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    let open = ok(app.get_as(&staff_t, &h), 200);
    assert_eq!(open["progress"]["due_on"], "2026-10-21");
    assert_eq!(open["progress"]["overdue"], true);
    let refused = ok(
        app.post_as(
            &format!("{staff_t}/refusal"),
            &h,
            &json!({"reason": "该人员仍在湖北省参保缴费，不符合转出条件。"}),
        ),
        200,
    );
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["progress"]["overdue"], false);
    assert_eq!(refused["progress"]["working_days_taken"], 16);
    sim.set_today(Some(fixtures::date("2026-10-22")));
    assert_eq!(sim.round().unwrap().out_answered, 1);
    let answer = sim.out_answer("SC-2026-7").unwrap();
    assert_eq!(
        answer["refusal"],
        "该人员仍在湖北省参保缴费，不符合转出条件。"
    );
    // Only a handler transfers or refuses; a closed request stays closed.
    let reviewer = app.mint(Role::Staff, "r1", "审核员", None, &[StaffRole::Reviewer]);
    app.post_as(
        &format!("{staff_t}/refusal"),
        &reviewer,
        &json!({"reason": "x"}),
    )
    .assert_problem(403, "FORBIDDEN");
    app.post_as(&format!("{staff_t}/refusal"), &h, &json!({"reason": "x"}))
        .assert_problem(409, "TRANSFER_CLOSED");
    app.get_as(&format!("{staff_t}9"), &h)
        .assert_problem(404, "TRANSFER_NOT_FOUND");
    // The platform's other operations are its own.
    app.get_as(
        "/api/v1/platform/transfer-out-requests/SC-2026-7",
        &unit.token,
    )
    .assert_problem(403, "FORBIDDEN");
}

/// The platform's API driven by hand, as another province's system would
/// call it: its token, the feed of requests, the acceptance and answers
/// that break R-TRANS-2 refused with the reason (nothing written), months
/// already recognised refused, then a good answer recorded.
#[test]
fn the_platform_api_checks_what_the_old_place_sends() {
    let app = App::start("2026-09-21");
    let (_, demo) = demo_unit(&app);
    let token = demo.token;
    let came = enrol(&app, &token, "42050019830707007", "转入己");
    let t = ok(
        app.post_as(
            "/api/v1/portal/pension-transfers",
            &token,
            &json!({"person_no": came, "from_place": "浙江省杭州市"}),
        ),
        201,
    );
    let no = t["transfer_no"].as_str().unwrap().to_owned();
    // The platform signs in with its client credentials (the demo's).
    let _ = fixtures::transfer_sim(&app, "2026-09-21");
    let wrong = app.post(
        "/api/v1/auth/platform-tokens",
        &json!({"client_id": "tax-sim", "client_secret": qibao_api::demo::DEMO_TAX_CLIENT_SECRET}),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    let tok = app.post(
        "/api/v1/auth/platform-tokens",
        &json!({"client_id": qibao_api::demo::DEMO_PLATFORM_CLIENT_ID,
                "client_secret": qibao_api::demo::DEMO_PLATFORM_CLIENT_SECRET}),
    );
    assert_eq!(tok.status, 200, "{}", tok.text);
    let p = tok.body["access_token"].as_str().unwrap().to_owned();
    let feed = ok(
        app.get_as("/api/v1/platform/transfer-requests?after=0", &p),
        200,
    );
    let item = &feed["items"][0];
    assert_eq!(item["transfer_no"], no.as_str());
    assert_eq!(item["id_number"], rid("42050019830707007"));
    assert_eq!(item["from_place"], "浙江省杭州市");
    assert_eq!(item["due_on"], "2026-10-19");
    let next = feed["next_after"].as_i64().unwrap();
    let empty = ok(
        app.get_as(
            &format!("/api/v1/platform/transfer-requests?after={next}"),
            &p,
        ),
        200,
    );
    assert_eq!(empty["items"], json!([]));
    app.get_as("/api/v1/platform/transfer-requests?after=-1", &p)
        .assert_problem(400, "VALIDATION_FAILED");
    let base = format!("/api/v1/platform/transfer-requests/{no}");
    ok(
        app.post_as(&format!("{base}/acceptance"), &p, &json!({})),
        200,
    );
    app.post_as(
        "/api/v1/platform/transfer-requests/ZR9/acceptance",
        &p,
        &json!({}),
    )
    .assert_problem(404, "TRANSFER_NOT_FOUND");
    let history = fixtures::row_count(&app, "person_contribution_history");
    let answer = |spans: Value, account: &str, pooled: &str, on: &str| json!({"transferred_on": on, "spans": spans, "account": account, "pooled": pooled});
    let good = json!([{"from": "199507", "to": "199812", "base": "1500.00"},
                      {"from": "201901", "to": "202012", "base": "4500.00", "place": "浙江省宁波市"}]);
    // 1998: 12 × 1,500 = 18,000; 2019–2020: 24 × 4,500 = 108,000;
    // 12% × 126,000.00 = 15,120.00 (1995–97 move no pooled part).
    for (body, code, status) in [
        (
            answer(good.clone(), "9000.00", "15120.01", "2026-09-21"),
            "TRANSFER_ANSWER_INVALID",
            422,
        ),
        (
            answer(
                json!([{"from": "202609", "to": "202609", "base": "5000"}]),
                "1.00",
                "600.00",
                "2026-09-21",
            ),
            "TRANSFER_ANSWER_INVALID",
            422,
        ),
        (
            answer(
                json!([{"from": "202001", "to": "202012", "base": "5000"}, {"from": "202012", "to": "202101", "base": "5000"}]),
                "1.00",
                "0.00",
                "2026-09-21",
            ),
            "TRANSFER_ANSWER_INVALID",
            422,
        ),
        (
            answer(good.clone(), "9000.00", "15120.00", "2026-09-20"),
            "VALIDATION_FAILED",
            400,
        ),
        (
            answer(good.clone(), "9000.00", "15120.00", "2026-09-22"),
            "VALIDATION_FAILED",
            400,
        ),
        (
            answer(
                json!([{"from": "2020-01", "to": "202012", "base": "5000"}]),
                "1.00",
                "0.00",
                "2026-09-21",
            ),
            "VALIDATION_FAILED",
            400,
        ),
        (
            answer(json!([]), "1.00", "0.00", "2026-09-21"),
            "VALIDATION_FAILED",
            400,
        ),
        (
            answer(good.clone(), "-1.00", "15120.00", "2026-09-21"),
            "VALIDATION_FAILED",
            400,
        ),
    ] {
        app.post_as(&format!("{base}/answer"), &p, &body)
            .assert_problem(status, code);
    }
    assert_eq!(
        fixtures::row_count(&app, "person_contribution_history"),
        history
    );
    // A month staff recognised before at another base is not overwritten:
    // refused (one at the same base would be kept as it is).
    let h = app.mint(Role::Staff, "h1", "经办员", None, &[StaffRole::Handler]);
    ok(
        app.post_as(
            &format!("/api/v1/staff/persons/{came}/contribution-history"),
            &h,
            &json!({ "from": "202012", "to": "202012", "monthly_base": "4000",
                     "place": "浙江省宁波市", "document": "宁波市参保缴费凭证" }),
        ),
        201,
    );
    app.post_as(
        &format!("{base}/answer"),
        &p,
        &answer(good.clone(), "9000.00", "15120.00", "2026-09-21"),
    )
    .assert_problem(409, "TRANSFER_HISTORY_OVERLAP");
    // Without the month recognised already: 23 × 4,500 = 103,500 + 18,000
    // = 121,500.00 × 12% = 14,580.00.
    let rest = json!([{"from": "199507", "to": "199812", "base": "1500.00"},
                      {"from": "201901", "to": "202011", "base": "4500.00", "place": "浙江省宁波市"}]);
    let done = ok(
        app.post_as(
            &format!("{base}/answer"),
            &p,
            &answer(rest, "9000.00", "14580.00", "2026-09-21"),
        ),
        200,
    );
    assert_eq!(done["status"], "completed");
    assert_eq!(done["moved"]["months"], 65);
    assert_eq!(done["moved"]["pooled"], "14580.00");
    assert_eq!(
        done["moved"]["spans"],
        json!([{"from": "199507", "to": "199812", "months": 42, "base": "1500.00", "place": "浙江省杭州市"},
               {"from": "201901", "to": "202011", "months": 23, "base": "4500.00", "place": "浙江省宁波市"}])
    );
    assert_eq!(
        fixtures::row_count(&app, "person_contribution_history"),
        history + 1 + 65
    );
    app.post_as(
        &format!("{base}/refusal"),
        &p,
        &json!({"reason": "迟到的拒绝"}),
    )
    .assert_problem(409, "TRANSFER_CLOSED");
    // Another request refused by hand: an empty reason is not one.
    let second = enrol(&app, &token, "42050019840808008", "转入庚");
    let t2 = ok(
        app.post_as(
            "/api/v1/portal/pension-transfers",
            &token,
            &json!({"person_no": second, "from_place": "浙江省杭州市"}),
        ),
        201,
    );
    let refusal = format!(
        "/api/v1/platform/transfer-requests/{}/refusal",
        t2["transfer_no"].as_str().unwrap()
    );
    app.post_as(&refusal, &p, &json!({}))
        .assert_problem(400, "VALIDATION_FAILED");
    let r = ok(
        app.post_as(
            &refusal,
            &p,
            &json!({"reason": "该人员在本地的养老保险关系已转往他处。"}),
        ),
        200,
    );
    assert_eq!(r["status"], "refused");
    assert_eq!(r["refusal"], "该人员在本地的养老保险关系已转往他处。");
    // The out side by hand.
    let out = ok(
        app.post_as(
            "/api/v1/platform/transfer-out-requests",
            &p,
            &json!({"request_no": "ZJ-1", "id_number": rid("42050019830707007"),
                    "name": "转入己", "to_place": "浙江省杭州市"}),
        ),
        201,
    );
    assert_eq!(out["status"], "requested");
    let read = ok(
        app.get_as("/api/v1/platform/transfer-out-requests/ZJ-1", &p),
        200,
    );
    assert_eq!(read["id"], out["id"]);
    app.post_as(
        "/api/v1/platform/transfer-out-requests",
        &p,
        &json!({"request_no": "ZJ 1/..", "id_number": rid("42050019830707007"),
                "name": "转入己", "to_place": "浙江省杭州市"}),
    )
    .assert_problem(400, "VALIDATION_FAILED");
}

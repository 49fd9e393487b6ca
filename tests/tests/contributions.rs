//! Issue 5 scenarios: the wage-base declaration, the monthly declaration and
//! unit back-pay, over HTTP on SQLite or PostgreSQL with the server's clock
//! set to chosen dates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_db::business_items;
use qibao_db::ids::UnitId;
use qibao_e2e::fixtures::{fen, set_today, unit_with_staff};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const WAGE: &str = "/api/v1/portal/wage-declarations";
const DECL: &str = "/api/v1/portal/declarations";
const BACK: &str = "/api/v1/portal/back-pay-declarations";

fn put(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(reqwest::Method::PUT, path, token, Some(body))
}

fn items_of(app: &App, unit_id: UnitId) -> usize {
    let mut conn = app.pool.get().unwrap();
    let (_, total) =
        business_items::list_for_unit(&mut conn, unit_id, &Default::default(), 0, 1).unwrap();
    total as usize
}

/// The three 2022 declarations: below the floor, above the ceiling, rounded.
fn three_wages(nos: &[String]) -> Value {
    json!({
        "commitment_confirmed": true,
        "persons": [
            {"person_no": nos[0], "monthly_wage": "3000"},
            {"person_no": nos[1], "previous_year_total_wages": "240000.00", "months_paid": 12},
            {"person_no": nos[2], "monthly_wage": "5234.56"},
        ]
    })
}

#[test]
fn wage_declaration_window_commitment_and_corrections() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0CONT01X", Some(202204), 3);
    let path = format!("{WAGE}/2022");
    app.get_as(&path, &u.token)
        .assert_problem(404, "WAGE_DECLARATION_NOT_FOUND");

    // Refusals write nothing.
    let before = items_of(&app, u.id);
    let mut no_commit = three_wages(&nos);
    no_commit["commitment_confirmed"] = json!(false);
    put(&app, &path, &u.token, &no_commit).assert_problem(422, "COMMITMENT_NOT_CONFIRMED");
    let r = put(
        &app,
        &path,
        &u.token,
        &json!({"commitment_confirmed": true, "persons": [
            {"person_no": nos[0], "monthly_wage": "3000", "first_month_wage": "3000"},
            {"person_no": nos[1], "previous_year_total_wages": "1000"},
            {"person_no": nos[1], "monthly_wage": -5},
            {"person_no": "123", "monthly_wage": "10"},
            {"person_no": nos[2], "previous_year_total_wages": "1000", "months_paid": 13},
        ]}),
    );
    r.assert_problem(400, "VALIDATION_FAILED");
    let fields = r.error_fields();
    for f in [
        "persons[0]",
        "persons[1].months_paid",
        "persons[2].person_no",
        "persons[3].person_no",
        "persons[4].months_paid",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    put(&app, &format!("{WAGE}/22"), &u.token, &three_wages(&nos))
        .assert_problem(400, "VALIDATION_FAILED");
    put(
        &app,
        &path,
        &u.token,
        &json!({"commitment_confirmed": true, "persons": []}),
    )
    .assert_problem(400, "VALIDATION_FAILED");
    let (mut other, other_nos) = unit_with_staff(&app, "91420500MA0CONT02X", Some(202204), 1);
    let mut foreign = three_wages(&nos);
    foreign["persons"][0]["person_no"] = json!(other_nos[0]);
    let r = put(&app, &path, &u.token, &foreign);
    r.assert_problem(422, "PERSON_NOT_ACTIVE");
    assert_eq!(r.error_fields(), vec!["persons[0].person_no".to_string()]);
    // The 2023 window has not opened yet; 2020's has closed (2021, the
    // current SI year, could still be declared late).
    put(&app, &format!("{WAGE}/2023"), &u.token, &three_wages(&nos))
        .assert_problem(422, "WAGE_WINDOW_CLOSED");
    let r = put(&app, &format!("{WAGE}/2020"), &u.token, &three_wages(&nos));
    r.assert_problem(422, "WAGE_WINDOW_CLOSED");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("2020-04-01至2020-06-30")
    );
    assert_eq!(items_of(&app, u.id), before);
    app.get_as(&path, &u.token)
        .assert_problem(404, "WAGE_DECLARATION_NOT_FOUND");

    // Declared: floor, ceiling and rounding (宜昌 2022: 3,450 – 18,000).
    let r = put(&app, &path, &u.token, &three_wages(&nos));
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["si_year"], 2022);
    assert_eq!(b["version"], 1);
    assert_eq!(b["late"], false);
    assert_eq!(b["floor"], "3450.00");
    assert_eq!(b["ceiling"], "18000.00");
    assert!(b["committed_by"].as_str().unwrap().contains("甲经办"));
    let got: Vec<(String, String, String)> = b["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["declared_wage"].as_str().unwrap().to_string(),
                p["base"].as_str().unwrap().to_string(),
                p["adjustment"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("3000.00".into(), "3450.00".into(), "raised_to_floor".into()),
            (
                "20000.00".into(),
                "18000.00".into(),
                "lowered_to_ceiling".into()
            ),
            ("5230.00".into(), "5230.00".into(), "none".into()),
        ]
    );
    assert_eq!(items_of(&app, u.id), before + 1);

    // A correction inside the window replaces it; history is kept.
    let mut corrected = three_wages(&nos);
    corrected["persons"][2]["monthly_wage"] = json!("6004.99");
    let r = put(&app, &path, &u.token, &corrected);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["persons"][2]["base"], "6000.00");
    let g = app.get_as(&path, &u.token);
    assert_eq!(g.status, 200);
    assert_eq!(g.body["version"], 2);
    let hist = g.body["history"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert!(!hist[0]["superseded_at"].is_null());
    assert!(hist[1]["superseded_at"].is_null());
    // Another unit sees only its own (none).
    app.get_as(&path, &other.token)
        .assert_problem(404, "WAGE_DECLARATION_NOT_FOUND");

    // After the window: no more corrections; a first declaration is late.
    set_today(&app, "2022-08-15", &mut [&mut u, &mut other]);
    put(&app, &path, &u.token, &three_wages(&nos)).assert_problem(422, "WAGE_WINDOW_CLOSED");
    let r = put(
        &app,
        &path,
        &other.token,
        &json!({"commitment_confirmed": true, "persons": [{"person_no": other_nos[0], "first_month_wage": "4000"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["late"], true);
}

fn lines_fen(body: &Value) -> (i64, i64) {
    body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .fold((0, 0), |(u, i), l| {
            (u + fen(&l["unit_amount"]), i + fen(&l["individual_amount"]))
        })
}

#[test]
fn monthly_declaration_lines_and_refusals() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0CONT03X", Some(202207), 3);
    assert_eq!(
        put(&app, &format!("{WAGE}/2022"), &u.token, &three_wages(&nos)).status,
        200
    );
    set_today(&app, "2022-08-15", &mut [&mut u]);
    let before = items_of(&app, u.id);
    for (body, status, code) in [
        (json!({"period": "202207"}), 422, "NOT_CURRENT_PERIOD"),
        (json!({"period": "202209"}), 422, "NOT_CURRENT_PERIOD"),
        (json!({"period": "2022-08"}), 400, "VALIDATION_FAILED"),
        (json!({}), 400, "VALIDATION_FAILED"),
    ] {
        app.post_as(DECL, &u.token, &body)
            .assert_problem(status, code);
    }
    app.get_as(&format!("{DECL}/202208"), &u.token)
        .assert_problem(404, "DECLARATION_NOT_FOUND");
    assert_eq!(items_of(&app, u.id), before);

    let r = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["lines"].as_array().unwrap().len(), 9);
    assert_eq!(r.body["persons"], 3);
    // By hand: bases 3,450 / 18,000 / 5,230; pension 16% + 8%,
    // unemployment 0.7% + 0.3%, work injury class 1 0.2% (unit only).
    let unit_by_hand = 55200 + 2415 + 690 + 288000 + 12600 + 3600 + 83680 + 3661 + 1046;
    let ind_by_hand = 27600 + 1035 + 144000 + 5400 + 41840 + 1569;
    assert_eq!(lines_fen(&r.body), (unit_by_hand, ind_by_hand));
    assert_eq!(fen(&r.body["totals"]["unit"]), unit_by_hand);
    assert_eq!(fen(&r.body["totals"]["individual"]), ind_by_hand);
    assert_eq!(fen(&r.body["totals"]["total"]), unit_by_hand + ind_by_hand);
    // Declaring again returns the same result and creates nothing.
    let again = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    assert_eq!(again.status, 200);
    assert_eq!(again.body["lines"], r.body["lines"]);
    let g = app.get_as(&format!("{DECL}/202208"), &u.token);
    assert_eq!(g.status, 200);
    assert_eq!(g.body["lines"], r.body["lines"]);
    assert_eq!(items_of(&app, u.id), before + 1);
}

#[test]
fn a_gap_is_refused_then_back_paid_oldest_first() {
    let app = App::start("2022-08-15");
    let (u, nos) = unit_with_staff(&app, "91420500MA0CONT04X", Some(202204), 2);
    let before = items_of(&app, u.id);
    let r = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    r.assert_problem(422, "PERIOD_GAP");
    assert_eq!(
        r.body["detail"],
        "该单位的最大做账期号不等于上一月或者当前月！"
    );
    for (period, code) in [
        ("202206", "BACK_PAY_REFUSED"), // not the oldest missing
        ("202204", "BACK_PAY_REFUSED"), // already declared
        ("202208", "BACK_PAY_REFUSED"), // the current month
        ("202201", "BACK_PAY_REFUSED"), // outside the window
    ] {
        app.post_as(BACK, &u.token, &json!({"period": period}))
            .assert_problem(422, code);
    }
    assert_eq!(items_of(&app, u.id), before);
    for period in ["202205", "202206", "202207"] {
        let r = app.post_as(BACK, &u.token, &json!({"period": period}));
        assert_eq!(r.status, 201, "{period}: {}", r.text);
        assert_eq!(r.body["kind"], "back_pay");
        assert_eq!(r.body["lines"].as_array().unwrap().len(), 6);
        // No 2021 wage declaration: the enrolment wage 4,000 is the base.
        assert_eq!(r.body["lines"][0]["base"], "4000.00");
    }
    // The wage declaration for the year is still missing.
    let r = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    r.assert_problem(422, "WAGE_DECLARATION_MISSING");
    let r = put(
        &app,
        &format!("{WAGE}/2022"),
        &u.token,
        &json!({"commitment_confirmed": true, "persons": [
            {"person_no": nos[0], "monthly_wage": "5000"},
            {"person_no": nos[1], "monthly_wage": "6000"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["late"], true);
    let r = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["lines"].as_array().unwrap().len(), 6);
    // R-DECL-7: only this month's lines.
    assert!(
        r.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["base"] != "4000.00")
    );

    // An approved labour-contract back-pay line (created by the review
    // queue) is billed with the rest, under 补缴.
    {
        let now = app.server.clock.now_utc();
        let mut conn = app.pool.get().unwrap();
        let e = qibao_db::employees::employments_of_unit(&mut conn, u.id)
            .unwrap()
            .into_iter()
            .find(|e| e.insurance == qibao_core::insurance::Insurance::Pension)
            .unwrap();
        qibao_db::assessments::insert(
            &mut conn,
            &qibao_db::assessments::NewAssessment {
                unit_id: u.id,
                person_id: e.person_id,
                employment_id: e.id,
                insurance: "110".into(),
                period: 202112,
                kind: "labour_contract".into(),
                base_fen: 336_000,
                unit_rate_ppm: 160_000,
                individual_rate_ppm: 80_000,
                unit_fen: 53_760,
                individual_fen: 26_880,
                status: "pending".into(),
                source_item_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
    }
    let o = issue(&app, &u.token, None);
    assert_eq!(o.status, 201, "{}", o.text);
    assert!(o.body.get("lines").is_none(), "lines are a sub-resource");
    assert_eq!(o.body["lines_total"], 3 * 6 + 6 + 1);
    let lines = app.order_lines(&u.token, o.body["order_no"].as_str().unwrap());
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 3 * 6 + 6 + 1);
    let types: Vec<&str> = o.body["by_data_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["data_type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 2);
    assert!(types.contains(&"单位整体核定") && types.contains(&"补缴"));
    let may = lines
        .iter()
        .find(|l| l["period"] == "202205" && l["insurance"] == "110")
        .unwrap();
    // 1 June – 15 August 2022.
    assert_eq!(may["interest_days"], 76);
    assert_eq!(may["data_type"], "补缴");
    let lc = lines
        .iter()
        .find(|l| l["kind"] == "labour_contract")
        .unwrap();
    assert_eq!(lc["data_type"], "补缴");
    // 202112: 1 Jan – 15 Aug 2022 = 227 days; no deferral for 2021, so a
    // late fee of 227 days at 0.05%.
    assert_eq!(lc["late_fee_days"], 227);
    assert_eq!(fen(&lc["late_fee"]), div_round(80_640 * 5 * 227, 10000));
}

// ---------------------------------------------------------------- orders

const ORDERS: &str = "/api/v1/portal/orders";

fn issue(app: &App, token: &str, key: Option<&str>) -> Resp {
    let mut rb = reqwest::blocking::Client::new()
        .post(app.url(ORDERS))
        .bearer_auth(token);
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    Resp::read(rb.send().unwrap())
}

/// Half-up rounding of `num / den` (non-negative).
fn div_round(num: i128, den: i128) -> i64 {
    ((num * 2 + den) / (den * 2)) as i64
}

#[test]
fn order_totals_due_date_idempotency_concurrency_and_revocation() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0CONT05X", Some(202207), 3);
    assert_eq!(
        put(&app, &format!("{WAGE}/2022"), &u.token, &three_wages(&nos)).status,
        200
    );
    set_today(&app, "2022-08-15", &mut [&mut u]);
    issue(&app, &u.token, None).assert_problem(422, "NOTHING_TO_BILL");
    assert_eq!(
        app.post_as(DECL, &u.token, &json!({"period": "202208"}))
            .status,
        201
    );
    // The unit confirms August as deferred (缓缴期确认, R-BACK-5): only
    // then is its late fee waived.
    let r = app.post_as(
        "/api/v1/portal/deferrals/confirmations",
        &u.token,
        &json!({"periods": ["202208"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // August is left unbilled; late September: September is declared and
    // the order bills both months.
    set_today(&app, "2022-09-28", &mut [&mut u]);
    assert_eq!(
        app.post_as(DECL, &u.token, &json!({"period": "202209"}))
            .status,
        201
    );
    let r = issue(&app, &u.token, Some("k-1"));
    assert_eq!(r.status, 201, "{}", r.text);
    let o = r.body.clone();
    let no = o["order_no"].as_str().unwrap().to_string();
    assert_eq!(no.len(), 16);
    assert!(no.starts_with("20220928"), "{no}");
    assert_eq!(o["status"], "live");
    assert_eq!(o["agency"], "宜昌市本级社会保险事业管理局");
    assert_eq!(o["issue_date"], "2022-09-28");
    // 10 working days: 29, 30 Sep, (1–7 Oct National Day), 8, 9 Oct
    // (adjusted working weekend), 10–14, 17 Oct.
    assert_eq!(o["due_date"], "2022-10-17");
    assert_eq!(o["lines_total"], 18);
    let all_lines = app.order_lines(&u.token, &no);
    let lines = all_lines.as_array().unwrap();
    assert_eq!(lines.len(), 18);
    // Per month by hand (bases 3,450 / 18,000 / 5,230).
    let unit_month = 55200 + 2415 + 690 + 288000 + 12600 + 3600 + 83680 + 3661 + 1046;
    let ind_month = 27600 + 1035 + 144000 + 5400 + 41840 + 1569;
    // August pension interest: 1–28 Sep = 28 days at 6.12%; the late fee of
    // the confirmed month is deferred to 2023-12-31 (人社部发〔2022〕31号).
    let interest: i64 = [82800i128, 432000, 125520]
        .iter()
        .map(|p| div_round(p * 612 * 28, 10000 * 365))
        .sum();
    assert_eq!(interest, 389 + 2028 + 589);
    for l in lines {
        if l["period"] == "202208" && l["insurance"] == "110" {
            assert_eq!(l["interest_days"], 28);
            assert_eq!(l["interest_segments"][0]["rate"], "0.0612");
            assert!(l["late_fee_note"].as_str().unwrap().contains("缓缴"));
        } else {
            assert_eq!(l["interest"], "0.00");
        }
        assert_eq!(l["late_fee"], "0.00");
        assert!(l["base"].is_string() && l["person_no"].is_string());
    }
    assert_eq!(fen(&o["totals"]["unit"]), 2 * unit_month);
    assert_eq!(fen(&o["totals"]["individual"]), 2 * ind_month);
    assert_eq!(fen(&o["totals"]["interest"]), interest);
    let total = 2 * (unit_month + ind_month) + interest;
    assert_eq!(fen(&o["totals"]["total"]), total);
    assert_eq!(total, 1_347_678);
    assert_eq!(o["total_in_capitals"], "壹万叁仟肆佰柒拾陆元柒角捌分");
    let by_ins: i64 = o["by_insurance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| fen(&b["total"]))
        .sum();
    assert_eq!(by_ins, total);
    assert_eq!(o["by_data_type"][0]["data_type"], "单位整体核定");
    // By period: August and September, each a month's contributions (and
    // August's interest); the lines add up to the totals.
    let by_period: Vec<(&str, i64)> = o["by_period"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["period"].as_str().unwrap(), fen(&b["total"])))
        .collect();
    assert_eq!(
        by_period,
        [
            ("202208", unit_month + ind_month + interest),
            ("202209", unit_month + ind_month)
        ]
    );
    let of_lines: i64 = lines.iter().map(|l| fen(&l["total"])).sum();
    assert_eq!(of_lines, total);
    // Pages of the lines are slices of the same rows; bad paging and
    // unknown parameters are refused.
    let page = app.get_as(&format!("{ORDERS}/{no}/lines?page=2&page_size=5"), &u.token);
    assert_eq!(page.body["total"], 18);
    assert_eq!(page.body["page_size"], 5);
    assert_eq!(page.body["items"], json!(lines[5..10]));
    let past = app.get_as(&format!("{ORDERS}/{no}/lines?page=5&page_size=5"), &u.token);
    assert_eq!(past.body["items"], json!([]));
    for bad in [
        "page_size=201",
        "page=0",
        "page_size=x",
        "per_page=5",
        "sort=id",
    ] {
        app.get_as(&format!("{ORDERS}/{no}/lines?{bad}"), &u.token)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    app.get_as(&format!("{ORDERS}/{no}?expand=lines"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as(&format!("{ORDERS}?status=live&foo=1"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
    app.get_as("/api/v1/portal/arrears?x=1", &u.token)
        .assert_problem(400, "VALIDATION_FAILED");

    // The same key returns the same order; without a key nothing is left.
    let again = issue(&app, &u.token, Some("k-1"));
    assert_eq!(again.status, 201);
    assert_eq!(again.body, o);
    issue(&app, &u.token, None).assert_problem(422, "NOTHING_TO_BILL");
    let live = app.get_as(&format!("{ORDERS}?status=live"), &u.token);
    assert_eq!(live.body["total"], 1);
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token);
    assert_eq!(d.status, 200);
    assert_eq!(d.body, o, "the order read back is the order issued");
    assert_eq!(app.order_lines(&u.token, &no), all_lines);
    let arrears = app.get_as("/api/v1/portal/arrears", &u.token);
    assert_eq!(arrears.body["total"], 2);
    assert_eq!(arrears.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        fen(&arrears.body["items"][0]["billed"]),
        unit_month + ind_month
    );
    // One paging shape: the second month alone on page 2.
    let second = app.get_as("/api/v1/portal/arrears?page=2&page_size=1", &u.token);
    assert_eq!(second.body["items"][0], arrears.body["items"][1]);
    app.get_as("/api/v1/portal/arrears?page_size=0", &u.token)
        .assert_problem(400, "VALIDATION_FAILED");

    // Another unit: 404, nothing changes.
    let (other, _) = unit_with_staff(&app, "91420500MA0CONT06X", Some(202208), 0);
    app.get_as(&format!("{ORDERS}/{no}"), &other.token)
        .assert_problem(404, "ORDER_NOT_FOUND");
    app.get_as(&format!("{ORDERS}/{no}/lines"), &other.token)
        .assert_problem(404, "ORDER_NOT_FOUND");
    app.post_as(
        &format!("{ORDERS}/{no}/revocation"),
        &other.token,
        &json!({}),
    )
    .assert_problem(404, "ORDER_NOT_FOUND");
    assert_eq!(
        app.get_as(&format!("{ORDERS}/{no}"), &u.token).body["status"],
        "live"
    );

    // Revoked: the lines are free; revoking again is refused.
    let r = app.post_as(&format!("{ORDERS}/{no}/revocation"), &u.token, &json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "revoked");
    app.post_as(&format!("{ORDERS}/{no}/revocation"), &u.token, &json!({}))
        .assert_problem(409, "ORDER_NOT_LIVE");

    // 30 concurrent issues: exactly one live order, no 5xx.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..30)
            .map(|_| s.spawn(|| issue(&app, &u.token, None).status))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 422 || *s == 409),
        "{statuses:?}"
    );
    let live = app.get_as(&format!("{ORDERS}?status=live"), &u.token);
    assert_eq!(live.body["total"], 1);
    let all = app.get_as(&format!("{ORDERS}?period=202208"), &u.token);
    assert_eq!(all.body["total"], 2);
    app.get_as(&format!("{ORDERS}?status=nope"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
}

#[test]
fn an_expired_order_frees_its_lines_and_the_reissue_carries_late_fees() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0CONT07X", Some(202302), 3);
    assert_eq!(
        put(&app, &format!("{WAGE}/2022"), &u.token, &three_wages(&nos)).status,
        200
    );
    set_today(&app, "2023-03-20", &mut [&mut u]);
    assert_eq!(
        app.post_as(DECL, &u.token, &json!({"period": "202303"}))
            .status,
        201
    );
    let first = issue(&app, &u.token, None);
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["totals"]["late_fee"], "0.00");
    let no = first.body["order_no"].as_str().unwrap().to_string();
    // Left to expire (due 2023-04-03), re-issued on 2023-04-10.
    set_today(&app, "2023-04-10", &mut [&mut u]);
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token);
    assert_eq!(d.body["status"], "expired");
    let arrears = app.get_as("/api/v1/portal/arrears", &u.token);
    assert_eq!(arrears.body["items"][0]["billed"], "0.00");
    app.post_as(&format!("{ORDERS}/{no}/revocation"), &u.token, &json!({}))
        .assert_problem(409, "ORDER_NOT_LIVE");
    let r = issue(&app, &u.token, None);
    assert_eq!(r.status, 201, "{}", r.text);
    let mut fees = 0;
    let reissued = app.order_lines(&u.token, r.body["order_no"].as_str().unwrap());
    for l in reissued.as_array().unwrap() {
        let principal = i128::from(fen(&l["unit_amount"]) + fen(&l["individual_amount"]));
        // R-LATE-1: from 1 April to the issue date inclusive, 0.05% a day.
        assert_eq!(l["late_fee_days"], 10);
        assert_eq!(l["late_fee_from"], "2023-04-01");
        assert_eq!(l["late_fee_daily_rate"], "0.0005");
        let fee = div_round(principal * 5 * 10, 10000);
        assert_eq!(fen(&l["late_fee"]), fee);
        fees += fee;
        if l["insurance"] == "110" {
            // R-LATE-2: 10 days at 3.97%.
            assert_eq!(
                fen(&l["interest"]),
                div_round(principal * 397 * 10, 10000 * 365)
            );
        }
    }
    assert_eq!(fen(&r.body["totals"]["late_fee"]), fees);
    assert!(fees > 0);
}

#[test]
fn non_accountable_persons_are_listed_with_the_reason() {
    let app = App::start("2022-08-15");
    let (u, nos) = unit_with_staff(&app, "91420500MA0CONT08X", Some(202207), 2);
    {
        let now = app.server.clock.now_utc();
        let mut conn = app.pool.get().unwrap();
        let p = qibao_db::employees::find_by_person_no(&mut conn, &nos[0])
            .unwrap()
            .unwrap();
        qibao_db::employees::insert_status(
            &mut conn,
            &qibao_db::employees::NewPersonStatus {
                person_id: p.id,
                kind: "retirement".into(),
                from_period: 202207,
                to_period: None,
                note: "退休审批".into(),
                created_by: "staff".into(),
                created_at: now,
            },
        )
        .unwrap();
    }
    // A late first declaration of the current SI year is allowed.
    let r = put(
        &app,
        &format!("{WAGE}/2022"),
        &u.token,
        &json!({"commitment_confirmed": true, "persons": [
            {"person_no": nos[0], "monthly_wage": "5000"},
            {"person_no": nos[1], "monthly_wage": "5000"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    assert_eq!(r.status, 201, "{}", r.text);
    let lines = r.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["person_no"] == nos[1].as_str()));
    let excluded = r.body["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 3);
    for e in excluded {
        assert_eq!(e["person_no"], nos[0].as_str());
        assert_eq!(e["reason_code"], "retired");
        assert!(e["reason"].as_str().unwrap().contains("退休"));
    }
    let g = app.get_as(&format!("{DECL}/202208"), &u.token);
    assert_eq!(g.body["excluded"], r.body["excluded"]);
}

#[test]
fn the_unit_lists_its_declared_months_with_their_live_totals() {
    let app = App::start("2022-08-15");
    let (u, nos) = unit_with_staff(&app, "91420500MA0CONT06X", Some(202206), 2);
    let (other, _) = unit_with_staff(&app, "91420500MA0CONT07X", Some(202207), 1);
    let r = app.get_as(DECL, &u.token);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 0);
    assert_eq!(r.body["items"], json!([]));

    assert_eq!(
        app.post_as(BACK, &u.token, &json!({"period": "202207"}))
            .status,
        201
    );
    let r = put(
        &app,
        &format!("{WAGE}/2022"),
        &u.token,
        &json!({"commitment_confirmed": true, "persons": [
            {"person_no": nos[0], "monthly_wage": "5000"},
            {"person_no": nos[1], "monthly_wage": "6000"},
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let declared = app.post_as(DECL, &u.token, &json!({"period": "202208"}));
    assert_eq!(declared.status, 201, "{}", declared.text);

    let r = app.get_as(DECL, &u.token);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["total"].as_i64(), r.body["page"].as_i64()),
        (Some(2), Some(1))
    );
    let items = r.body["items"].as_array().unwrap();
    let months: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i["period"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(months, [("202208", "regular"), ("202207", "back_pay")]);
    // Each summary adds up to its month's detail.
    for item in items {
        let detail = app.get_as(
            &format!("{DECL}/{}", item["period"].as_str().unwrap()),
            &u.token,
        );
        assert_eq!(detail.status, 200, "{}", detail.text);
        for key in ["totals", "declared_at", "declared_by"] {
            assert_eq!(item[key], detail.body[key], "{key}");
        }
        assert_eq!(
            item["lines"],
            detail.body["lines"].as_array().unwrap().len()
        );
        assert_eq!(item["persons"], 2);
        assert_eq!(item["excluded"], 0);
    }
    // 5,000 and 6,000 × (16% + 8%) + injury: the month's figures, not 4,000's.
    assert_eq!(items[0]["totals"], declared.body["totals"]);
    assert_ne!(items[0]["totals"], items[1]["totals"]);

    // A suspension at the end of July cancels the August lines of that
    // person: the list shows what is live now.
    let r = app.post_as(
        &format!("/api/v1/portal/employees/{}/suspensions", nos[1]),
        &u.token,
        &json!({ "stop_date": "2022-07-31", "reason": "解除劳动合同" }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app.get_as(&format!("{DECL}?page_size=1"), &u.token);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let august = &r.body["items"][0];
    assert_eq!(
        (august["persons"].as_i64(), august["lines"].as_i64()),
        (Some(1), Some(3))
    );
    let detail = app.get_as(&format!("{DECL}/202208"), &u.token);
    assert_eq!(august["totals"], detail.body["totals"]);
    let r = app.get_as(&format!("{DECL}?page=2&page_size=1"), &u.token);
    assert_eq!(r.body["items"][0]["period"], "202207");
    assert_eq!(r.body["items"][0]["persons"], 2);

    // Another unit sees only its own; bad paging is refused.
    let r = app.get_as(DECL, &other.token);
    assert_eq!(r.body["total"], 0);
    app.get_as(&format!("{DECL}?page_size=0"), &u.token)
        .assert_problem(400, "VALIDATION_FAILED");
}

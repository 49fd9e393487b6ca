//! Issue 5 scenarios: the wage-base declaration, the monthly declaration and
//! unit back-pay, over HTTP on SQLite or PostgreSQL with the server's clock
//! set to chosen dates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_api::auth::Role;
use qibao_db::rows::{NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::{business_items, repo};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const WAGE: &str = "/api/v1/portal/wage-declarations";
const DECL: &str = "/api/v1/portal/declarations";
const BACK: &str = "/api/v1/portal/back-pay-declarations";

fn rid(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let c = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{c}")
}

fn date(s: &str) -> time::Date {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
}

struct Unit {
    id: i64,
    token: String,
}

/// A unit in 宜昌 (risk class 1, factor 100%) paying 110/210/410 since
/// 201605, whose latest accounted month is `latest`, with `n` employees
/// (monthly wage at enrolment 4,000.00); returns the unit and person numbers.
fn unit_with_staff(app: &App, uscc: &str, latest: Option<i32>, n: usize) -> (Unit, Vec<String>) {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let unit_no = repo::next_sequence(&mut conn, "unit_no")
        .unwrap()
        .to_string();
    let unit = repo::insert_unit(
        &mut conn,
        &NewUnit {
            unit_no,
            uscc: uscc.into(),
            name: format!("宜昌缴费测试单位{uscc}"),
            region_code: "420500".into(),
            unit_type: "企业".into(),
            economic_type: "有限责任公司".into(),
            industry: "软件和信息技术服务业".into(),
            risk_class: 1,
            address: "湖北省宜昌市".into(),
            postcode: None,
            phone: "0717-6440000".into(),
            legal_rep_name: "王法人".into(),
            legal_rep_id_type: "resident".into(),
            legal_rep_id_number: rid("42050019700101002"),
            collection_method: "tax".into(),
            status: "active".into(),
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    for ins in ["110", "210", "410"] {
        repo::insert_unit_insurance(
            &mut conn,
            &NewUnitInsurance {
                unit_id: unit.id,
                insurance: ins.into(),
                start_period: 201605,
                status: "active".into(),
                latest_accounted_period: latest,
                latest_paid_period: latest,
            },
        )
        .unwrap();
    }
    repo::insert_unit_injury_factor(
        &mut conn,
        &NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: 201605,
            to_period: None,
            factor_pct: 100,
        },
    )
    .unwrap();
    let mut nos = Vec::new();
    for i in 0..n {
        let no = repo::next_sequence(&mut conn, "person_no")
            .unwrap()
            .to_string();
        let p = repo::insert_person(
            &mut conn,
            &NewPerson {
                person_no: no.clone(),
                id_type: "resident".into(),
                id_number: rid(&format!("4205001980010{}{:03}", uscc.len() % 10, i + 100)),
                name: format!("职工{i}"),
                gender: "M".into(),
                birth_date: date("1980-01-01"),
                nationality: "CHN".into(),
                phone: None,
                address: None,
                first_work_date: Some(date("2000-07-01")),
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        for ins in ["110", "210", "410"] {
            repo::insert_employment(
                &mut conn,
                &NewEmployment {
                    unit_id: unit.id,
                    person_id: p.id,
                    insurance: ins.into(),
                    start_date: date("2016-05-01"),
                    stop_date: None,
                    stop_reason: None,
                    status: "active".into(),
                    monthly_wage_fen: 400_000,
                    created_at: now,
                    updated_at: now,
                },
            )
            .unwrap();
        }
        nos.push(no);
    }
    drop(conn);
    let token = token(app, unit.id);
    (Unit { id: unit.id, token }, nos)
}

/// A fresh agent token (tokens minted before the clock moves expire).
fn token(app: &App, unit_id: i64) -> String {
    app.mint(
        Role::Agent,
        "420500197001010011",
        "甲经办",
        Some(unit_id),
        &[],
    )
}

/// Moves the server's date and refreshes the tokens.
fn set_today(app: &App, day: &str, units: &mut [&mut Unit]) {
    app.server.clock.set_today(date(day));
    for u in units.iter_mut() {
        u.token = token(app, u.id);
    }
}

fn put(app: &App, path: &str, token: &str, body: &Value) -> Resp {
    app.call(reqwest::Method::PUT, path, token, Some(body))
}

/// Money string → fen.
fn fen(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("money string: {v}"));
    let (y, f) = s.split_once('.').unwrap_or((s, "00"));
    y.parse::<i64>().unwrap() * 100 + format!("{f:0<2}").parse::<i64>().unwrap()
}

fn items_of(app: &App, unit_id: i64) -> usize {
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
    assert_eq!(fen(&r.body["unit_total"]), unit_by_hand);
    assert_eq!(fen(&r.body["total"]), unit_by_hand + ind_by_hand);
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
}

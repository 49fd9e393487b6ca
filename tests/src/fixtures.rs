//! Arrangements shared by the scenario tests: a unit with staff paying
//! since 201605, tokens, the server's date, money strings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use qibao_api::auth::Role;
use qibao_db::ids::UnitId;
use qibao_db::repo;
use qibao_db::rows::{NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use serde_json::Value;

use crate::App;

/// A valid resident ID from its first 17 digits (GB 11643 check character,
/// computed here independently of the code under test).
pub fn rid(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let c = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{c}")
}

pub fn date(s: &str) -> time::Date {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
}

pub struct Unit {
    pub id: UnitId,
    pub token: String,
}

/// What [`insert_unit`] registers: a unit in 宜昌 with its insurances, all
/// starting in `start`, and its work-injury rating.
pub struct UnitSpec<'a> {
    pub uscc: &'a str,
    pub name: String,
    pub insurances: &'a [&'a str],
    pub risk_class: i16,
    pub factor_pct: i16,
    pub start: i32,
    /// The latest accounted (and paid-up) month of every insurance.
    pub latest: Option<i32>,
}

impl<'a> UnitSpec<'a> {
    /// Risk class 1, factor 100%, 110/210/410 since 201605, nothing accounted.
    pub fn new(uscc: &'a str, name: &str) -> Self {
        UnitSpec {
            uscc,
            name: name.to_owned(),
            insurances: &["110", "210", "410"],
            risk_class: 1,
            factor_pct: 100,
            start: 201605,
            latest: None,
        }
    }
}

/// Registers a unit directly in the database (no endpoint creates units with
/// chosen histories); returns its row.
pub fn insert_unit(app: &App, spec: &UnitSpec<'_>) -> qibao_db::rows::Unit {
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
    let unit_no = repo::next_sequence(&mut conn, "unit_no")
        .unwrap()
        .to_string();
    let unit = repo::insert_unit(
        &mut conn,
        &NewUnit {
            unit_no,
            uscc: spec.uscc.into(),
            name: spec.name.clone(),
            region_code: "420500".into(),
            unit_type: "企业".into(),
            economic_type: "有限责任公司".into(),
            industry: "软件和信息技术服务业".into(),
            risk_class: spec.risk_class,
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
    for ins in spec.insurances {
        repo::insert_unit_insurance(
            &mut conn,
            &NewUnitInsurance {
                unit_id: unit.id,
                insurance: (*ins).into(),
                start_period: spec.start,
                status: "active".into(),
                latest_accounted_period: spec.latest,
                latest_paid_period: spec.latest,
            },
        )
        .unwrap();
    }
    repo::insert_unit_injury_factor(
        &mut conn,
        &NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: spec.start,
            to_period: None,
            factor_pct: spec.factor_pct,
        },
    )
    .unwrap();
    unit
}

/// A unit in 宜昌 (risk class 1, factor 100%) paying 110/210/410 since
/// 201605, whose latest accounted month is `latest`, with `n` employees
/// (monthly wage at enrolment 4,000.00); returns the unit and person numbers.
pub fn unit_with_staff(
    app: &App,
    uscc: &str,
    latest: Option<i32>,
    n: usize,
) -> (Unit, Vec<String>) {
    let unit = insert_unit(
        app,
        &UnitSpec {
            latest,
            ..UnitSpec::new(uscc, &format!("宜昌缴费测试单位{uscc}"))
        },
    );
    let now = app.server.clock.now_utc();
    let mut conn = app.pool.get().unwrap();
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
pub fn token(app: &App, unit_id: UnitId) -> String {
    app.mint(
        Role::Agent,
        "420500197001010011",
        "甲经办",
        Some(unit_id),
        &[],
    )
}

/// Moves the server's date and refreshes the tokens.
pub fn set_today(app: &App, day: &str, units: &mut [&mut Unit]) {
    app.server.clock.set_today(date(day));
    for u in units.iter_mut() {
        u.token = token(app, u.id);
    }
}

/// Money string → fen.
pub fn fen(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("money string: {v}"));
    let (y, f) = s.split_once('.').unwrap_or((s, "00"));
    y.parse::<i64>().unwrap() * 100 + format!("{f:0<2}").parse::<i64>().unwrap()
}

/// A bearer token of the tax bureau's client.
pub fn tax_token(app: &App) -> String {
    app.mint(Role::Tax, "tax-sim", "税务部门（测试）", None, &[])
}

/// Registers the demo tax client and returns a simulator playing it against
/// the app, with bank times on `bank_date` (the server's date). The client
/// is registered with the server's demo credentials and the simulator signs
/// in with its own, so the two copies cannot drift apart.
pub fn tax_sim(app: &App, bank_date: &str) -> qibao_tools::tax_sim::TaxSim {
    let mut conn = app.pool.get().unwrap();
    if qibao_db::accounts::find_tax_client(&mut conn, qibao_api::demo::DEMO_TAX_CLIENT_ID)
        .unwrap()
        .is_none()
    {
        qibao_db::accounts::insert_tax_client(
            &mut conn,
            &qibao_db::accounts::NewTaxClient {
                client_id: qibao_api::demo::DEMO_TAX_CLIENT_ID.into(),
                name: "税务部门（模拟）".into(),
                secret_hash: qibao_api::auth::password::sha256_hex(
                    qibao_api::demo::DEMO_TAX_CLIENT_SECRET,
                ),
                active: true,
                created_at: app.server.clock.now_utc(),
                role: qibao_db::accounts::CLIENT_TAX.into(),
            },
        )
        .unwrap();
    }
    let mut cfg = qibao_tools::tax_sim::SimConfig::demo(&app.url(""));
    cfg.replay_percent = 0;
    cfg.reverse_percent = 0;
    cfg.bank_date = Some(date(bank_date));
    qibao_tools::tax_sim::TaxSim::new(cfg)
}

/// Registers the demo transfer-platform client and returns a simulator
/// playing the platform (and the other provinces, default ledger) against
/// the app on `today` (the server's date).
pub fn transfer_sim(app: &App, today: &str) -> qibao_tools::transfer_sim::TransferSim {
    use qibao_api::demo::{DEMO_PLATFORM_CLIENT_ID, DEMO_PLATFORM_CLIENT_SECRET};
    let mut conn = app.pool.get().unwrap();
    if qibao_db::accounts::find_tax_client(&mut conn, DEMO_PLATFORM_CLIENT_ID)
        .unwrap()
        .is_none()
    {
        qibao_db::accounts::insert_tax_client(
            &mut conn,
            &qibao_db::accounts::NewTaxClient {
                client_id: DEMO_PLATFORM_CLIENT_ID.into(),
                name: "跨省转移接续平台（测试）".into(),
                secret_hash: qibao_api::auth::password::sha256_hex(DEMO_PLATFORM_CLIENT_SECRET),
                active: true,
                created_at: app.server.clock.now_utc(),
                role: qibao_db::accounts::CLIENT_PLATFORM.into(),
            },
        )
        .unwrap();
    }
    let mut sim = qibao_tools::transfer_sim::TransferSim::new(
        &app.url(""),
        qibao_tools::transfer_sim::DEMO_PLATFORM_CLIENT_ID,
        qibao_tools::transfer_sim::DEMO_PLATFORM_CLIENT_SECRET,
        qibao_tools::transfer_sim::Ledger::Default,
    );
    sim.set_today(Some(date(today)));
    sim
}

/// A wage-base declaration of `si_year` for these persons at one monthly wage.
pub fn declare_wages(app: &App, token: &str, si_year: i32, nos: &[String], wage: &str) {
    let persons: Vec<Value> = nos
        .iter()
        .map(|n| serde_json::json!({"person_no": n, "monthly_wage": wage}))
        .collect();
    let r = app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/portal/wage-declarations/{si_year}"),
        token,
        Some(&serde_json::json!({"commitment_confirmed": true, "persons": persons})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

/// A small valid PDF, for supporting materials.
pub const PDF: &[u8] = b"%PDF-1.4\n% qibao test material\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Uploads [`PDF`] as a supporting material named `file_name`; returns its id.
pub fn upload_pdf_named(app: &App, token: &str, file_name: &str) -> i64 {
    let b = "----qibao-test-boundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let r = app.call_raw(
        reqwest::Method::POST,
        "/api/v1/portal/materials",
        token,
        &format!("multipart/form-data; boundary={b}"),
        body,
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A reviewer's token.
pub fn reviewer(app: &App) -> String {
    app.mint(
        Role::Staff,
        "rev1",
        "审核员",
        None,
        &[qibao_api::auth::StaffRole::Reviewer],
    )
}

/// A reviewer claims the open task of business item `item` and approves it
/// (note `note`) or rejects it (reason `reject_reason`); returns the task.
pub fn decide_task(app: &App, item: i64, approve: bool, reject_reason: &str) -> Value {
    const TASKS: &str = "/api/v1/staff/tasks";
    let rev = reviewer(app);
    let q = app.get_as(&format!("{TASKS}?status=open"), &rev);
    assert_eq!(q.status, 200, "{}", q.text);
    let task = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["business_item_id"] == item)
        .map(|t| t["id"].as_i64().unwrap())
        .expect("the application's open task");
    let r = app.post_as(
        &format!("{TASKS}/{task}/claim"),
        &rev,
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = if approve {
        app.post_as(
            &format!("{TASKS}/{task}/approval"),
            &rev,
            &serde_json::json!({ "note": "材料齐全" }),
        )
    } else {
        app.post_as(
            &format!("{TASKS}/{task}/rejection"),
            &rev,
            &serde_json::json!({ "reason": reject_reason }),
        )
    };
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// How many rows `from` holds: a table, optionally with a `WHERE` clause
/// (to check that a refusal wrote nothing).
pub fn row_count(app: &App, from: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {from}"))
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n
}

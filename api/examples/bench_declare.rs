//! Benchmark: declaring a month and issuing the order for one unit of N
//! employees × 3 insurances (issue 5). Seeds a fresh database directly
//! through the db layer (SQLite in a temporary directory, or PostgreSQL when
//! QIBAO_TEST_DATABASE_URL is set), then times `declare_period` and
//! `orders::issue`, each in one transaction, as the handlers run them.
//!
//!     cargo run -p qibao-api --example bench_declare -- 50000
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use qibao_api::auth::{Channel, Principal, Role};
use qibao_api::routes::declarations::{DeclarationKind, declare_period};
use qibao_api::routes::orders;
use qibao_core::Period;
use qibao_db::declarations::{self as decl_db, NewWageDeclaration, NewWagePerson};
use qibao_db::repo;
use qibao_db::rows::{NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::testing::TestDb;
use time::macros::{date, datetime, offset};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N"))
        .unwrap_or(50_000);
    let db = TestDb::new();
    let backend = if db.url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let now = datetime!(2022-08-15 02:00:00);
    let t = Instant::now();
    let unit_id = qibao_db::conn::transaction(&mut conn, |c| {
        let unit = repo::insert_unit(
            c,
            &NewUnit {
                unit_no: "420599001".into(),
                uscc: "91420500MA0BENCH1X".into(),
                name: "宜昌基准测试单位".into(),
                region_code: "420500".into(),
                unit_type: "企业".into(),
                economic_type: "有限责任公司".into(),
                industry: "制造业".into(),
                risk_class: 1,
                address: "湖北省宜昌市".into(),
                postcode: None,
                phone: "0717-6440000".into(),
                legal_rep_name: "王法人".into(),
                legal_rep_id_type: "resident".into(),
                legal_rep_id_number: "420500197001010029".into(),
                collection_method: "tax".into(),
                status: "active".into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        for ins in ["110", "210", "410"] {
            repo::insert_unit_insurance(
                c,
                &NewUnitInsurance {
                    unit_id: unit.id,
                    insurance: ins.into(),
                    start_period: 201605,
                    status: "active".into(),
                    latest_accounted_period: Some(202207),
                    latest_paid_period: Some(202207),
                },
            )?;
        }
        repo::insert_unit_injury_factor(
            c,
            &NewUnitInjuryFactor {
                unit_id: unit.id,
                from_period: 201605,
                to_period: None,
                factor_pct: 100,
            },
        )?;
        let mut wages = Vec::with_capacity(n);
        for i in 0..n {
            let p = repo::insert_person(
                c,
                &NewPerson {
                    person_no: format!("{:011}", 20_000_000_000u64 + i as u64),
                    id_type: "passport".into(),
                    id_number: format!("B{i:08}"),
                    name: format!("职工{i}"),
                    gender: "M".into(),
                    birth_date: date!(1980 - 01 - 01),
                    nationality: "CHN".into(),
                    phone: None,
                    address: None,
                    first_work_date: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            for ins in ["110", "210", "410"] {
                repo::insert_employment(
                    c,
                    &NewEmployment {
                        unit_id: unit.id,
                        person_id: p.id,
                        insurance: ins.into(),
                        start_date: date!(2016 - 05 - 01),
                        stop_date: None,
                        stop_reason: None,
                        status: "active".into(),
                        monthly_wage_fen: 400_000,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
            }
            let declared = 300_000 + (i as i64 % 200) * 10_000;
            wages.push(NewWagePerson {
                declaration_id: 0,
                person_id: p.id,
                basis: "monthly".into(),
                previous_year_total_fen: None,
                months_paid: None,
                wage_fen: Some(declared),
                declared_fen: declared,
                base_fen: declared.clamp(345_000, 1_800_000),
                adjustment: "none".into(),
            });
        }
        decl_db::insert_wage_declaration(
            c,
            &NewWageDeclaration {
                unit_id: unit.id,
                si_year: 2022,
                version: 1,
                late: false,
                committed_by: "bench".into(),
                committed_at: now,
                superseded_at: None,
                created_at: now,
            },
            &wages,
        )?;
        Ok::<_, qibao_db::DbError>(unit.id)
    })
    .unwrap();
    println!("{backend}: seeded {n} employees in {:.1?}", t.elapsed());
    let who = Principal {
        session_id: "bench".into(),
        role: Role::Agent,
        subject: "420500197001010011".into(),
        name: "基准经办".into(),
        unit_id: Some(unit_id),
        staff_roles: Vec::new(),
        channel: Channel::Portal,
        must_change_password: false,
    };
    let today = date!(2022 - 08 - 15);
    let local_now = datetime!(2022-08-15 10:00:00).assume_offset(offset!(+8));

    let t = Instant::now();
    qibao_db::conn::transaction(&mut conn, |c| {
        declare_period(
            c,
            &who,
            unit_id,
            Period::parse("202208").unwrap(),
            DeclarationKind::Regular,
            today,
            now,
        )
    })
    .unwrap();
    let declare = t.elapsed();
    let t = Instant::now();
    let order = qibao_db::conn::transaction(&mut conn, |c| {
        orders::issue(c, &who, unit_id, today, local_now, now)
    })
    .unwrap();
    let issue = t.elapsed();
    let lines = order.lines.len();
    assert_eq!(lines, n * 3);
    // Lines per second, in integers (floats are linted out).
    let rate = |d: std::time::Duration| (lines as u128 * 1000) / d.as_millis().max(1);
    println!(
        "{backend}: N={n}, {lines} lines; declare {:.2?} ({} lines/s); issue {:.2?} ({} lines/s); total {} ({})",
        declare,
        rate(declare),
        issue,
        rate(issue),
        order.totals.total,
        order.order_no
    );
}

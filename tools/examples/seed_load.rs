//! Seeds the database at `QIBAO_DATABASE_URL` for `make bench-load`: one
//! 宜昌 unit of N employees × 3 insurances (110/210/410) with 12 months of
//! history (202208…202307: 12 × 3N assessment lines, each month on its own
//! paid order of 3N lines, with its stored sums) and the legal representative's password, so the
//! load generator signs in like a client (`POST /api/v1/auth/password-login`).
//! Everything is set-based SQL (recursive series, `INSERT … SELECT`), the
//! same on both backends (Conventions 8). Run the server afterwards with
//! `QIBAO_TODAY=2023-08-15`.
//!
//!     QIBAO_DATABASE_URL=sqlite:///tmp/x.db cargo run --release -p qibao-api --example seed_load -- 50000
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use diesel::connection::SimpleConnection;
use qibao_db::conn::transaction;
use qibao_db::ids::UnitId;
use qibao_db::{DbConn, DbError, Pool};
use time::macros::datetime;

/// The seeded unit's USCC and the legal representative's password.
pub const USCC: &str = "91420500MA0LOAD01X";
pub const PASSWORD: &str = "Load2023bench";

#[path = "common/bench_unit.rs"]
mod bench_unit;

use bench_unit::BenchUnit;

const TS: &str = "2023-08-15 02:00:00";

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N: a number of employees"))
        .unwrap_or(50_000);
    let url = std::env::var("QIBAO_DATABASE_URL").expect("QIBAO_DATABASE_URL");
    let pool = Pool::connect(&url, 2).expect("database");
    pool.run_migrations().expect("migrations");
    let t = Instant::now();
    let unit = seed_unit(&pool, n);
    eprintln!("seed: {n} employees in {:.1?}", t.elapsed());
    let mut conn = pool.get().unwrap();
    for m in 0..12 {
        let t = Instant::now();
        let period = if m < 5 { 202208 + m } else { 202301 + m - 5 };
        seed_month(&mut conn, unit, period, m);
        eprintln!(
            "seed: {period} (order of {} lines) in {:.1?}",
            3 * n,
            t.elapsed()
        );
    }
    // As after any bulk load: statistics for the planner and, on
    // PostgreSQL, the visibility map, without which an index-only scan (the
    // employee list's roster, an order's lines) visits every heap row; on
    // SQLite the write-ahead log folded back into the database file, so
    // that readers do not look every page up in a log of the whole load.
    let after_load = match &*conn {
        DbConn::Pg(_) => "VACUUM ANALYZE",
        _ => "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);",
    };
    conn.batch_execute(after_load).unwrap();
    println!("uscc={USCC} password={PASSWORD} employees={n}");
}

fn seed_unit(pool: &Pool, n: usize) -> UnitId {
    let now = datetime!(2023-08-15 02:00:00);
    let hash = qibao_api::auth::password::hash_password(PASSWORD).unwrap();
    let spec = BenchUnit {
        unit_no: "420599101",
        uscc: USCC,
        name: "宜昌负载测试单位",
        accounted: 202307,
        first_person_no: 30_000_000_000,
        id_prefix: "L",
    };
    let mut conn = pool.get().unwrap();
    transaction(&mut conn, |c| {
        let unit_id = bench_unit::insert(c, &spec, n, now)?;
        qibao_db::accounts::insert_unit_account(
            c,
            &qibao_db::accounts::NewUnitAccount {
                unit_id,
                password_hash: hash.clone(),
                must_change_password: false,
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok::<_, DbError>(unit_id)
    })
    .unwrap()
}

/// One month: every employment's line, paid, on its own paid order.
fn seed_month(conn: &mut DbConn, u: UnitId, period: i32, m: i32) {
    let no = format!("2023081510{m:02}0001");
    let paid = format!("2023-08-15 02:{m:02}:00");
    transaction(conn, |c| {
        c.batch_execute(&format!(
            "INSERT INTO assessments (unit_id, person_id, employment_id, insurance, period, kind, \
             base_fen, unit_rate_ppm, individual_rate_ppm, unit_fen, individual_fen, status, \
             source_item_id, created_at, updated_at) \
             SELECT {u}, e.person_id, e.id, e.insurance, {period}, 'regular', 400000, \
             CASE e.insurance WHEN '110' THEN 160000 WHEN '210' THEN 7000 ELSE 4000 END, \
             CASE e.insurance WHEN '110' THEN 80000 WHEN '210' THEN 3000 ELSE 0 END, \
             CASE e.insurance WHEN '110' THEN 64000 WHEN '210' THEN 2800 ELSE 1600 END, \
             CASE e.insurance WHEN '110' THEN 32000 WHEN '210' THEN 1200 ELSE 0 END, \
             'paid', NULL, '{TS}', '{TS}' FROM employments e WHERE e.unit_id = {u};\
             INSERT INTO orders (order_no, unit_id, status, agency, issue_date, due_date, \
             unit_fen, individual_fen, interest_fen, late_fee_fen, total_fen, issued_by, \
             created_at, closed_at, invoiced_at, invoice_no, tax_booked_at, booked_at, \
             allocated_at, paid_serial) \
             SELECT '{no}', {u}, 'paid', '宜昌市本级社会保险事业管理局', '2023-08-15', '2023-08-29', \
             SUM(unit_fen), SUM(individual_fen), 0, 0, SUM(unit_fen + individual_fen), 'seed', \
             '{paid}', NULL, '{paid}', 'FP{no}', '{paid}', '{paid}', '{paid}', 'PAY{no}' \
             FROM assessments WHERE unit_id = {u} AND period = {period};\
             INSERT INTO order_lines (order_id, assessment_id, live, interest_fen, interest_days, \
             interest_detail, late_fee_fen, late_fee_days, late_fee_rate_ppm, late_fee_from, \
             late_fee_note) \
             SELECT o.id, a.id, FALSE, 0, 0, '[]', 0, 0, 0, NULL, NULL \
             FROM assessments a JOIN orders o ON o.order_no = '{no}' \
             WHERE a.unit_id = {u} AND a.period = {period} ORDER BY a.id;\
             INSERT INTO order_sums (order_id, insurance, kind, period, lines, unit_fen, \
             individual_fen, interest_fen, late_fee_fen) \
             SELECT l.order_id, a.insurance, a.kind, a.period, COUNT(*), SUM(a.unit_fen), \
             SUM(a.individual_fen), SUM(l.interest_fen), SUM(l.late_fee_fen) \
             FROM order_lines l JOIN assessments a ON a.id = l.assessment_id \
             JOIN orders o ON o.id = l.order_id AND o.order_no = '{no}' \
             GROUP BY l.order_id, a.insurance, a.kind, a.period;"
        ))?;
        Ok::<_, DbError>(())
    })
    .unwrap();
}

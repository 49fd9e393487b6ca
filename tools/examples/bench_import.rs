//! Benchmark: a batch enrolment (导盘) of N new employees from the XLSX
//! template, through the same code as the server: the file is read
//! (`app::imports::create`), then the validation job and the commit job run
//! as a worker runs them (`app::jobs::claim` + `run`). One unit in all
//! three insurances; each row starts this month (R-EMP-3: one month of
//! lines per insurance). SQLite always; PostgreSQL too when
//! `QIBAO_TEST_DATABASE_URL` is set. Prints per backend:
//!
//! `import <sqlite|postgres> N rows: read X s, validate Y s, commit Z s, total T s (R rows/s), peak RSS M MiB`
//!
//!     make bench-import [N=50000]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::collections::BTreeMap;
use std::time::Instant;

use qibao_app::imports::{self, ImportOptions, Limits, Source, TemplateKind, Upload};
use qibao_app::jobs::{self, NoExports, NoProgress};
use qibao_app::{Actor, Channel};
use qibao_db::DbConn;
use qibao_db::conn::transaction;
use qibao_db::testing::TestDb;
use time::macros::{date, datetime};

#[path = "common/bench_unit.rs"]
mod bench_unit;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N: a number of rows"))
        .unwrap_or(50_000);
    let file = workbook(n);
    eprintln!("workbook of {n} rows: {} bytes", file.len());
    let mut backends = vec![("sqlite", TestDb::sqlite())];
    if let Some(url) = TestDb::server_url() {
        backends.push(("postgres", TestDb::postgres(&url)));
    }
    for (name, db) in backends {
        bench(name, &db, n, &file);
    }
}

/// The `i`-th row's resident ID (born 1985–1996, valid check character).
fn id_number(i: usize) -> String {
    let first17 = format!(
        "42050{}{:04}{:02}{:02}{:03}",
        i / 100_000,
        1985 + (i / 1000) % 12,
        1 + (i / 28) % 12,
        1 + i % 28,
        i % 1000
    );
    let c = qibao_core::ids::resident_id_check_char(&first17).unwrap();
    format!("{first17}{c}")
}

fn workbook(n: usize) -> Vec<u8> {
    let rows: Vec<qibao_sheet::Row> = (0..n)
        .map(|i| qibao_sheet::Row {
            number: u32::try_from(i).unwrap() + qibao_sheet::FIRST_DATA_ROW,
            values: BTreeMap::from([
                ("id_number", id_number(i)),
                ("name", cname("职工", i % 10_000)),
                ("phone", format!("138{:08}", i)),
                ("first_work_date", "2015-07-01".to_owned()),
                ("start_date", "2022-08-01".to_owned()),
                ("monthly_wage", format!("{}.00", 4000 + i % 5000)),
            ]),
        })
        .collect();
    qibao_sheet::template_xlsx_with_rows(TemplateKind::Enrolment, &rows).unwrap()
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn run_job(conn: &mut DbConn) -> f64 {
    let t = Instant::now();
    let job = jobs::claim(conn, "bench", datetime!(2022-08-20 02:00))
        .unwrap()
        .expect("a queued job");
    let state = jobs::run(
        conn,
        &job,
        "bench",
        date!(2022 - 08 - 20),
        datetime!(2022-08-20 02:00),
        &NoProgress,
        &NoExports,
    )
    .unwrap();
    assert_eq!(state, qibao_core::job::JobState::Succeeded);
    t.elapsed().as_secs_f64()
}

fn bench(name: &str, db: &TestDb, n: usize, file: &[u8]) {
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let conn: &mut DbConn = &mut conn;
    let now = datetime!(2022-08-20 02:00);
    let spec = bench_unit::BenchUnit {
        unit_no: "420599002",
        uscc: "91420500MA0BENCH2X",
        name: "宜昌导盘基准单位",
        accounted: 202207,
        first_person_no: 30_000_000_000,
        id_prefix: "I",
    };
    let unit_id = transaction(conn, |c| bench_unit::insert(c, &spec, 0, now)).unwrap();
    let who = Actor {
        name: "legal_rep:bench:王法人".into(),
        channel: Channel::Portal,
    };
    let t = Instant::now();
    let file = imports::read(
        TemplateKind::Enrolment,
        &Source::File(Upload {
            bytes: file,
            file_name: Some("bench.xlsx"),
            content_type: None,
        }),
        &ImportOptions::default(),
        &Limits::default(),
    )
    .unwrap();
    let accepted = imports::create(conn, &who, unit_id, &file, now).unwrap();
    let read = t.elapsed().as_secs_f64();
    let validate = run_job(conn);
    let id = qibao_db::ids::ImportId(accepted.import.id);
    let import = imports::get(conn, unit_id, id).unwrap();
    assert_eq!(
        import.problem_count,
        0,
        "{:?}",
        imports::report(conn, unit_id, id).unwrap().problems.first()
    );
    imports::commit(conn, &who, unit_id, id, now).unwrap();
    let commit = run_job(conn);
    let import = imports::get(conn, unit_id, id).unwrap();
    assert_eq!(import.business_item_ids.len(), n);
    let total = read + validate + commit;
    println!(
        "import {name} {n} rows: read {read:.2} s, validate {validate:.2} s, commit {commit:.2} s, total {total:.2} s ({:.0} rows/s), peak RSS {} MiB",
        n as f64 / total,
        peak_rss_mib()
    );
}

/// A person's name for row `i` (names hold no digits).
fn cname(prefix: &str, i: usize) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digits: String = i
        .to_string()
        .chars()
        .map(|c| D[c.to_digit(10).unwrap() as usize])
        .collect();
    format!("{prefix}{digits}")
}

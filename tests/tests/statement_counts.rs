//! The employee and order reads run a number of SQL statements that does
//! not grow with the unit (Conventions 8): the page of 20, a filtered page,
//! the CSV export, one person's detail, the unit's information, the order
//! list, an order (its sums), a page of its lines and the arrears are counted with
//! the pool's statement counter ([`qibao_db::Pool::statements`]) at two
//! unit sizes and must be equal; and the list's filters, now applied in SQL,
//! must agree with the fields of the rows they select. On SQLite, or on
//! PostgreSQL with `QIBAO_TEST_DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_db::assessments::{self, NewAssessment};
use qibao_db::employees::{self, NewPersonStatus};
use qibao_db::repo;
use qibao_db::rows::{NewEmployment, NewPerson};
use qibao_e2e::fixtures::{self, UnitSpec, date, rid};
use qibao_e2e::{App, Resp};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";
const UNIT: &str = "/api/v1/portal/unit";
const ORDERS: &str = "/api/v1/portal/orders";

/// A unit of `n` employees with some history, registered directly in the
/// database: every person has 110/210/410 since 2016 (every fourth one's
/// 410 suspended, with an older suspended 110 relation beside the active
/// one), paid lines for 202302 and 202303, a pending 202304 line for every
/// third person, a billed 202301 line (arrears) for every fifth and an
/// approved retirement for every seventh. `u` (0–9) keeps ID numbers apart.
/// Returns the unit's token and its person numbers.
fn unit_of(app: &App, u: usize, n: usize) -> (String, Vec<String>) {
    let uscc = format!("91420500MA4F0000{u}X");
    let unit = fixtures::insert_unit(app, &UnitSpec::new(&uscc, &format!("宜昌计数单位{u}")));
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
                id_number: rid(&format!("420500198{u}0101{i:03}")),
                name: format!("计数{u}职工{i}"),
                gender: if i % 2 == 0 { "M" } else { "F" }.into(),
                birth_date: date(&format!("198{u}-01-01")),
                nationality: "CHN".into(),
                phone: None,
                address: None,
                first_work_date: Some(date("2000-07-01")),
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        let relation = |ins: &str, status: &str, start: &str, wage: i64| NewEmployment {
            unit_id: unit.id,
            person_id: p.id,
            insurance: ins.into(),
            start_date: date(start),
            stop_date: (status == "suspended").then(|| date("2020-12-31")),
            stop_reason: (status == "suspended").then(|| "离职".to_string()),
            status: status.into(),
            monthly_wage_fen: wage,
            created_at: now,
            updated_at: now,
        };
        let mut pension = None;
        for ins in ["110", "210", "410"] {
            let status = if ins == "410" && i % 4 == 0 {
                "suspended"
            } else {
                "active"
            };
            let e = repo::insert_employment(
                &mut conn,
                &relation(
                    ins,
                    status,
                    "2016-05-01",
                    400_000 + i64::try_from(i).unwrap(),
                ),
            )
            .unwrap();
            if ins == "110" {
                pension = Some(e.id);
            }
        }
        if i % 4 == 0 {
            repo::insert_employment(
                &mut conn,
                &relation("110", "suspended", "2010-01-01", 300_000),
            )
            .unwrap();
        }
        let line = |period: i32, status: &str| NewAssessment {
            unit_id: unit.id,
            person_id: p.id,
            employment_id: pension.unwrap(),
            insurance: "110".into(),
            period,
            kind: "regular".into(),
            base_fen: 400_000,
            unit_rate_ppm: 160_000,
            individual_rate_ppm: 80_000,
            unit_fen: 64_000,
            individual_fen: 32_000,
            status: status.into(),
            source_item_id: None,
            created_at: now,
            updated_at: now,
        };
        for (period, status) in [(202302, "paid"), (202303, "paid")] {
            assessments::insert(&mut conn, &line(period, status)).unwrap();
        }
        if i % 3 == 0 {
            assessments::insert(&mut conn, &line(202304, "pending")).unwrap();
        }
        if i % 5 == 0 {
            assessments::insert(&mut conn, &line(202301, "billed")).unwrap();
        }
        if i % 7 == 0 {
            employees::insert_status(
                &mut conn,
                &NewPersonStatus {
                    person_id: p.id,
                    kind: "retirement".into(),
                    from_period: 202302,
                    to_period: None,
                    note: String::new(),
                    created_by: "test".into(),
                    created_at: now,
                },
            )
            .unwrap();
        }
        nos.push(no);
    }
    drop(conn);
    (fixtures::token(app, unit.id), nos)
}

/// The statements the pool ran for one GET, and its answer (200 expected).
/// The counter is the pool's, which the server's background threads (the
/// job workers' polls, the minute's expiry run) share: what they run while
/// the GET is served adds to its count, never takes away. So the GET is
/// counted three times and the least count is its own.
fn counted(app: &App, path: &str, token: &str) -> (u64, Resp) {
    let mut least = None;
    for _ in 0..3 {
        let before = app.pool.statements();
        let r = app.get_as(path, token);
        let n = app.pool.statements() - before;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        least = match least {
            Some((m, _)) if m <= n => least,
            _ => Some((n, r)),
        };
    }
    least.unwrap()
}

/// Statement counts of the employee reads and the unit's information for a
/// unit of `n` employees.
fn counts(app: &App, u: usize, n: usize) -> Vec<(&'static str, u64)> {
    let (token, nos) = unit_of(app, u, n);
    // A first request warms the pool (opening a connection runs set-up
    // statements the counter does not see, but keep the counts comparable).
    counted(app, UNIT, &token);
    let (page, r) = counted(app, &format!("{EMP}?page=1&page_size=20"), &token);
    assert_eq!(r.body["total"], n);
    assert_eq!(r.body["items"].as_array().unwrap().len(), n.min(20));
    let (filtered, _) = counted(
        app,
        &format!("{EMP}?page=1&payment_status=arrears&insurance=110&insured_status=1"),
        &token,
    );
    let (last, _) = counted(
        app,
        &format!("{EMP}?page=2&page_size=3&retired=false"),
        &token,
    );
    let (csv, r) = counted(app, &format!("{EMP}?format=csv"), &token);
    assert_eq!(r.text.trim_end().split("\r\n").count(), n + 1);
    let (detail, r) = counted(app, &format!("{EMP}/{}", nos[n - 1]), &token);
    assert_eq!(r.body["person"]["person_no"], nos[n - 1].as_str());
    let (unit, _) = counted(app, UNIT, &token);
    // An order billing every third person's pending line.
    let issued = app.post_as(ORDERS, &token, &serde_json::json!({}));
    assert_eq!(issued.status, 201, "{}", issued.text);
    let no = issued.body["order_no"].as_str().unwrap().to_owned();
    let billed = n.div_ceil(3);
    assert_eq!(issued.body["lines_total"], billed);
    let (list, r) = counted(app, &format!("{ORDERS}?page=1&page_size=20"), &token);
    assert_eq!(r.body["total"], 1);
    let (order, r) = counted(app, &format!("{ORDERS}/{no}"), &token);
    assert_eq!(r.body["lines_total"], billed);
    assert_eq!(r.body["by_period"][0]["period"], "202304");
    let (lines, r) = counted(
        app,
        &format!("{ORDERS}/{no}/lines?page=1&page_size=20"),
        &token,
    );
    assert_eq!(r.body["total"], billed);
    assert_eq!(r.body["items"].as_array().unwrap().len(), billed.min(20));
    let (arrears, _) = counted(app, "/api/v1/portal/arrears", &token);
    vec![
        ("page of 20", page),
        ("filtered page", filtered),
        ("second page, retired filter", last),
        ("csv export", csv),
        ("person detail", detail),
        ("unit info", unit),
        ("order list", list),
        ("order detail", order),
        ("order lines page", lines),
        ("arrears", arrears),
    ]
}

#[test]
fn employee_and_order_reads_run_as_many_statements_for_5_as_for_60_employees() {
    let app = App::start("2023-04-20");
    let small = counts(&app, 1, 5);
    let large = counts(&app, 2, 60);
    eprintln!("statements (5 employees): {small:?}");
    eprintln!("statements (60 employees): {large:?}");
    assert_eq!(small, large, "statement counts grow with the unit");
}

/// The person numbers of the rows of a list answer.
fn person_nos(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["person_no"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn each_filter_selects_exactly_the_rows_whose_fields_match_it() {
    let app = App::start("2023-04-20");
    let (token, _) = unit_of(&app, 3, 30);
    // Another unit's persons never show.
    unit_of(&app, 4, 4);
    let all = app.get_as(&format!("{EMP}?page_size=200"), &token);
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["total"], 30);
    let rows = all.body["items"].as_array().unwrap().clone();
    let sorted = {
        let mut nos = person_nos(&all.body);
        nos.sort();
        nos
    };
    assert_eq!(person_nos(&all.body), sorted, "ordered by person number");

    let has = |r: &Value, ins: &str, st: Option<&str>| {
        r["insurances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["insurance"] == ins && st.is_none_or(|s| x["status_code"] == s))
    };
    type Pred = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(String, Pred)> = vec![
        (
            "payment_status=arrears".into(),
            Box::new(|r| r["payment_status"] == "arrears"),
        ),
        (
            "payment_status=due".into(),
            Box::new(|r| r["payment_status"] == "due"),
        ),
        (
            "payment_status=paid_up".into(),
            Box::new(|r| r["payment_status"] == "paid_up"),
        ),
        ("retired=true".into(), Box::new(|r| r["retired"] == true)),
        ("retired=0".into(), Box::new(|r| r["retired"] == false)),
        (
            "insured_status=1".into(),
            Box::new(|r| r["insured_status_code"] == "1"),
        ),
        (
            "insured_status=2".into(),
            Box::new(|r| r["insured_status_code"] == "2"),
        ),
        (
            "insurance=410".into(),
            Box::new(move |r| has(r, "410", None)),
        ),
        (
            "insurance=410&insured_status=2".into(),
            Box::new(move |r| has(r, "410", Some("2"))),
        ),
        (
            "insurance=410&insured_status=1".into(),
            Box::new(move |r| has(r, "410", Some("1"))),
        ),
        (
            "insurance=110&insured_status=2".into(),
            Box::new(move |r| has(r, "110", Some("2"))),
        ),
        (
            "insurance=210&insured_status=1".into(),
            Box::new(move |r| has(r, "210", Some("1"))),
        ),
        (
            "payment_status=due&retired=true&insurance=110".into(),
            Box::new(move |r| {
                r["payment_status"] == "due" && r["retired"] == true && has(r, "110", None)
            }),
        ),
        (
            "name=职工1".into(),
            Box::new(|r| r["name"].as_str().unwrap().contains("职工1")),
        ),
        ("name=%25".into(), Box::new(|_| false)),
        ("name=_".into(), Box::new(|_| false)),
    ];
    let mut cases = cases;
    let first = rows[7]["person_no"].as_str().unwrap().to_string();
    let id = rows[7]["id_number"].as_str().unwrap().to_string();
    let legacy = format!("{}{}", &id[..6], &id[8..17]);
    cases.push((
        format!("person_no={first}"),
        Box::new(move |r| r["person_no"] == first.as_str()),
    ));
    let same = id.clone();
    cases.push((
        format!("id_number={legacy}"),
        Box::new(move |r| r["id_number"] == same.as_str()),
    ));
    for (query, pred) in &cases {
        let expected: Vec<Value> = rows.iter().filter(|r| pred(r)).cloned().collect();
        let got = app.get_as(&format!("{EMP}?page_size=200&{query}"), &token);
        assert_eq!(got.status, 200, "{query}: {}", got.text);
        assert_eq!(got.body["total"], expected.len(), "{query}");
        assert_eq!(got.body["items"], Value::Array(expected.clone()), "{query}");
        // The second page of 4 is the same slice of the same rows.
        let page = app.get_as(&format!("{EMP}?page=2&page_size=4&{query}"), &token);
        assert_eq!(page.body["total"], expected.len(), "{query}");
        let slice: Vec<Value> = expected.iter().skip(4).take(4).cloned().collect();
        assert_eq!(page.body["items"], Value::Array(slice), "{query} page 2");
    }
    // Pages past the end are empty and keep the total.
    let past = app.get_as(&format!("{EMP}?page=9&page_size=4"), &token);
    assert_eq!(past.body["total"], 30);
    assert_eq!(past.body["items"], Value::Array(vec![]));
}

//! Storage tests: always on SQLite, and also on PostgreSQL when
//! `QIBAO_TEST_DATABASE_URL` is set. Each test gets fresh databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::macros::{date, datetime};

use crate::ids::{PersonId, UnitId};
use crate::repo;
use crate::rows::{
    NewBusinessItem, NewEmployment, NewPerson, NewUnit, NewUnitInjuryFactor, NewUnitInsurance,
};
use crate::testing::TestDb;
use crate::{Backend, DbError, OptionalExt, Pool};

/// Runs `test` on a fresh SQLite database and, if configured, on a fresh
/// PostgreSQL one.
fn each_backend(test: impl Fn(&TestDb)) {
    let mut dbs = vec![TestDb::sqlite()];
    if let Some(url) = TestDb::server_url() {
        dbs.push(TestDb::postgres(&url));
    }
    for db in &dbs {
        test(db);
    }
}

fn new_unit(unit_no: &str, uscc: &str) -> NewUnit {
    let now = datetime!(2023-04-10 09:30:00);
    NewUnit {
        unit_no: unit_no.to_owned(),
        uscc: uscc.to_owned(),
        name: "宜昌某某有限公司".to_owned(),
        region_code: "420500".to_owned(),
        unit_type: "enterprise".to_owned(),
        economic_type: "limited_liability".to_owned(),
        industry: "software".to_owned(),
        risk_class: 1,
        address: "宜昌市西陵区".to_owned(),
        postcode: Some("443000".to_owned()),
        phone: "0717-1234567".to_owned(),
        legal_rep_name: "张三".to_owned(),
        legal_rep_id_type: "resident".to_owned(),
        legal_rep_id_number: "420502198001011234".to_owned(),
        collection_method: "tax".to_owned(),
        status: "active".to_owned(),
        created_at: now,
        updated_at: now,
    }
}

fn new_person(person_no: &str, id_number: &str) -> NewPerson {
    let now = datetime!(2023-04-10 09:30:00);
    NewPerson {
        person_no: person_no.to_owned(),
        id_type: "resident".to_owned(),
        id_number: id_number.to_owned(),
        name: "李四".to_owned(),
        gender: "M".to_owned(),
        birth_date: date!(1990 - 01 - 01),
        nationality: "CHN".to_owned(),
        phone: Some("13800000000".to_owned()),
        address: None,
        first_work_date: Some(date!(2012 - 07 - 01)),
        created_at: now,
        updated_at: now,
    }
}

fn new_employment(
    unit_id: UnitId,
    person_id: PersonId,
    insurance: &str,
    status: &str,
) -> NewEmployment {
    let now = datetime!(2023-04-10 09:30:00);
    NewEmployment {
        unit_id,
        person_id,
        insurance: insurance.to_owned(),
        start_date: date!(2023 - 04 - 01),
        stop_date: None,
        stop_reason: None,
        status: status.to_owned(),
        monthly_wage_fen: 500_000,
        created_at: now,
        updated_at: now,
    }
}

fn conflict(constraint: &str) -> DbError {
    DbError::Conflict {
        constraint: constraint.to_owned(),
    }
}

/// The migration folders of both trees (the same names), in order.
fn migration_folders() -> Vec<String> {
    let names = |tree: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(tree);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert_eq!(
        sqlite,
        names("postgres"),
        "the two trees must mirror each other"
    );
    assert_eq!(
        sqlite[..2],
        ["2026-11-27-000001_init", "2026-11-27-000002_seed"]
    );
    sqlite
}

#[test]
fn migrations_apply_once() {
    each_backend(|db| {
        let pool = Pool::connect(&db.url, 2).unwrap();
        assert_eq!(pool.run_migrations().unwrap(), migration_folders());
        assert!(pool.run_migrations().unwrap().is_empty());
        pool.ping().unwrap();
        let expected = if db.url.starts_with("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        assert_eq!(pool.backend(), expected);
    });
}

#[test]
fn seeds_are_present() {
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;

        let regions = repo::list_regions(conn).unwrap();
        let codes: Vec<_> = regions.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["420500", "421300"]);
        assert_eq!(repo::get_region(conn, "420500").unwrap().name, "宜昌市本级");
        assert_eq!(repo::get_region(conn, "999999"), Err(DbError::NotFound));

        let days = repo::list_calendar_days(conn).unwrap();
        let day = |d| days.iter().find(|c| c.day == d).unwrap();
        assert!(day(date!(2023 - 10 - 01)).is_off_day);
        assert!(!day(date!(2023 - 10 - 07)).is_off_day);

        let interest = repo::list_interest_rates(conn).unwrap();
        assert_eq!(interest.len(), 9);
        let y2023 = interest.iter().find(|r| r.year == 2023).unwrap();
        assert_eq!(y2023.rate_ppm, 39_700);
        assert!(!y2023.illustrative);

        for code in ["420500", "421300"] {
            let bounds = repo::list_base_bounds_for_region(conn, code).unwrap();
            assert_eq!(bounds.len(), 6);
            let y2022 = bounds.iter().find(|b| b.si_year == 2022).unwrap();
            assert_eq!(
                (y2022.standard_fen, y2022.floor_fen, y2022.ceiling_fen),
                (600_000, 345_000, 1_800_000)
            );
            assert_eq!(y2022.illustrative, code != "420500");
            assert_eq!(repo::list_rates_for_region(conn, code).unwrap().len(), 4);
            assert_eq!(
                repo::list_injury_class_rates_for_region(conn, code)
                    .unwrap()
                    .len(),
                16
            );
            assert_eq!(
                repo::list_late_fee_rules_for_region(conn, code)
                    .unwrap()
                    .len(),
                1
            );
            let deferral = &repo::list_deferrals_for_region(conn, code).unwrap()[0];
            assert_eq!(deferral.repay_by, date!(2023 - 12 - 31));
            let window = &repo::list_windows_for_region(conn, code).unwrap()[0];
            assert_eq!(
                (window.wage_window_start.as_str(), window.to_period),
                ("04-01", None)
            );
        }
    });
}

#[test]
fn one_active_employment_per_person_and_insurance() {
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let a = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001")).unwrap();
        let b = repo::insert_unit(conn, &new_unit("100047514", "91420500MA4F000002")).unwrap();
        let person =
            repo::insert_person(conn, &new_person("10003726255", "420502199001011234")).unwrap();
        assert_eq!(
            repo::get_person_by_id_number(conn, "420502199001011234").unwrap(),
            person
        );

        repo::insert_employment(conn, &new_employment(a.id, person.id, "110", "active")).unwrap();
        assert_eq!(
            repo::insert_employment(conn, &new_employment(b.id, person.id, "110", "active")),
            Err(conflict("employments_person_id_insurance_key"))
        );
        // A suspended relation, or another insurance, is fine.
        repo::insert_employment(conn, &new_employment(b.id, person.id, "110", "suspended"))
            .unwrap();
        repo::insert_employment(conn, &new_employment(b.id, person.id, "210", "active")).unwrap();

        let active_a = repo::list_active_employments_for_unit(conn, a.id).unwrap();
        assert_eq!(active_a.len(), 1);
        assert_eq!(active_a[0].start_date, date!(2023 - 04 - 01));
        let active_b = repo::list_active_employments_for_unit(conn, b.id).unwrap();
        assert_eq!(
            active_b
                .iter()
                .map(|e| e.insurance.code())
                .collect::<Vec<_>>(),
            ["210"]
        );

        // Foreign keys are enforced (on SQLite through PRAGMA foreign_keys).
        let missing = repo::insert_employment(
            conn,
            &new_employment(a.id, PersonId(999_999), "410", "active"),
        );
        let expected = match pool.backend() {
            Backend::Sqlite => "foreign_key",
            Backend::Postgres => "employments_person_id_fkey",
        };
        assert_eq!(missing, Err(conflict(expected)));
    });
}

#[test]
fn uscc_and_unit_no_are_unique() {
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let unit = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001")).unwrap();
        assert_eq!(unit.created_at, datetime!(2023-04-10 09:30:00));
        assert_eq!(repo::get_unit_by_no(conn, "100047513").unwrap(), unit);
        assert_eq!(
            repo::insert_unit(conn, &new_unit("100047514", "91420500MA4F000001")),
            Err(conflict("units_uscc_key"))
        );
        assert_eq!(
            repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000009")),
            Err(conflict("units_unit_no_key"))
        );
        assert_eq!(repo::get_unit_by_no(conn, "100047514").optional(), Ok(None));
        assert_eq!(
            repo::find_unit_by_uscc(conn, "91420500MA4F000001"),
            Ok(Some(unit.clone()))
        );

        let insurance = NewUnitInsurance {
            unit_id: unit.id,
            insurance: "110".to_owned(),
            start_period: 201605,
            status: "active".to_owned(),
            latest_accounted_period: Some(202303),
            latest_paid_period: None,
        };
        repo::insert_unit_insurance(conn, &insurance).unwrap();
        assert_eq!(
            repo::insert_unit_insurance(conn, &insurance),
            Err(conflict("unit_insurances_unit_id_insurance_key"))
        );
        let factor = NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: 201605,
            to_period: None,
            factor_pct: 100,
        };
        assert_eq!(
            repo::insert_unit_injury_factor(conn, &factor)
                .unwrap()
                .factor_pct,
            100
        );
    });
}

/// Issue 11 (per-unit deferral): one confirmation per unit and month,
/// enforced by the database; concurrent confirmations of one month leave
/// one row, and another unit's month is its own.
#[test]
fn one_deferral_confirmation_per_unit_and_month() {
    use crate::deferrals::{self, NewUnitDeferral, UNIT_PERIOD_KEY};
    const THREADS: usize = 6;
    each_backend(|db| {
        let pool = db.pool();
        let now = datetime!(2023-04-10 09:30:00);
        let (a, b, item) = pool
            .transaction(|conn| {
                let a = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001"))?;
                let b = repo::insert_unit(conn, &new_unit("100047514", "91420500MA4F000002"))?;
                let item = repo::insert_business_item(
                    conn,
                    &NewBusinessItem {
                        unit_id: Some(a.id),
                        kind: "deferral_confirmation".to_owned(),
                        status: "done".to_owned(),
                        actor: "agent:1:甲".to_owned(),
                        channel: "portal".to_owned(),
                        before_json: None,
                        after_json: None,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                Ok::<_, DbError>((a, b, item))
            })
            .unwrap();
        let row = |unit_id: UnitId, period: i32| NewUnitDeferral {
            unit_id,
            period,
            business_item_id: item.id,
            confirmed_by: "agent:1:甲".to_owned(),
            channel: "portal".to_owned(),
            confirmed_at: now,
        };
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let pool = pool.clone();
                let r = row(a.id, 202208);
                std::thread::spawn(move || {
                    pool.transaction(|conn| deferrals::insert(conn, std::slice::from_ref(&r)))
                })
            })
            .collect();
        let results: Vec<Result<(), DbError>> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        for r in results.iter().filter(|r| r.is_err()) {
            assert_eq!(r, &Err(conflict(UNIT_PERIOD_KEY)));
        }
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        deferrals::insert(conn, &[row(b.id, 202208), row(a.id, 202209)]).unwrap();
        assert_eq!(
            deferrals::confirmed_periods(conn, a.id).unwrap(),
            vec![202208, 202209]
        );
        assert_eq!(
            deferrals::confirmed_periods(conn, b.id).unwrap(),
            vec![202208]
        );
        let listed = deferrals::list_for_unit(conn, a.id).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(
            (listed[0].channel.as_str(), listed[0].business_item_id),
            ("portal", item.id)
        );
        // A month that is not a month, or a channel not of a unit's caller.
        let mut bad = row(a.id, 202213);
        assert!(deferrals::insert(conn, std::slice::from_ref(&bad)).is_err());
        bad.period = 202210;
        bad.channel = "system".to_owned();
        assert!(deferrals::insert(conn, std::slice::from_ref(&bad)).is_err());
        assert_eq!(deferrals::confirmed_periods(conn, a.id).unwrap().len(), 2);
    });
}

#[test]
fn transaction_commits_or_rolls_back() {
    each_backend(|db| {
        let pool = db.pool();
        let result: Result<(), DbError> = pool.transaction(|conn| {
            repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001"))?;
            Err(DbError::Other("refused by a rule".to_owned()))
        });
        assert!(result.is_err());
        let unit = pool
            .transaction(|conn| {
                assert_eq!(
                    repo::get_unit_by_no(conn, "100047513"),
                    Err(DbError::NotFound)
                );
                let unit = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001"))?;
                let item = repo::insert_business_item(
                    conn,
                    &NewBusinessItem {
                        unit_id: Some(unit.id),
                        kind: "unit_registration".to_owned(),
                        status: "done".to_owned(),
                        actor: "counter:001".to_owned(),
                        channel: "counter".to_owned(),
                        before_json: None,
                        after_json: Some(r#"{"name":"宜昌某某有限公司"}"#.to_owned()),
                        created_at: unit.created_at,
                        updated_at: unit.created_at,
                    },
                )?;
                assert_eq!(item.unit_id, Some(unit.id));
                Ok::<_, DbError>(unit)
            })
            .unwrap();
        let mut conn = pool.get().unwrap();
        assert_eq!(repo::get_unit_by_no(&mut conn, "100047513").unwrap(), unit);
    });
}

#[test]
fn next_sequence_is_distinct_under_concurrency() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 10;
    each_backend(|db| {
        let pool = db.pool();
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    (0..PER_THREAD)
                        .map(|_| {
                            pool.transaction(|conn| repo::next_sequence(conn, "unit_no"))
                                .unwrap()
                        })
                        .collect::<Vec<i64>>()
                })
            })
            .collect();
        let mut all = BTreeSet::new();
        for handle in handles {
            let values = handle.join().unwrap();
            assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
            all.extend(values);
        }
        let first = 100_047_500;
        let expected: BTreeSet<i64> = (first..first + (THREADS * PER_THREAD) as i64).collect();
        assert_eq!(all, expected);

        let mut conn = pool.get().unwrap();
        assert_eq!(
            repo::next_sequence(&mut conn, "person_no"),
            Ok(10_003_726_000)
        );
        assert_eq!(
            repo::next_sequence(&mut conn, "nope"),
            Err(DbError::NotFound)
        );
    });
}

#[test]
fn bad_urls_are_refused() {
    for url in [
        "mysql://root@localhost/qibao",
        "qibao.db",
        "sqlite::memory:",
    ] {
        assert!(
            matches!(Pool::connect(url, 1), Err(DbError::Config(_))),
            "{url}"
        );
    }
}

#[test]
fn id_lists_longer_than_the_bind_limit_are_read_in_chunks() {
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let unit = repo::insert_unit(conn, &new_unit("100047515", "91420500MA4F000003")).unwrap();
        let first =
            repo::insert_person(conn, &new_person("10003726256", "420502199001011234")).unwrap();
        let second =
            repo::insert_person(conn, &new_person("10003726257", "420502199001021230")).unwrap();
        repo::insert_employment(conn, &new_employment(unit.id, first.id, "110", "active")).unwrap();
        repo::insert_employment(conn, &new_employment(unit.id, second.id, "110", "active"))
            .unwrap();
        // 40,000 ids: more than SQLite's 32,766 bind parameters per statement.
        let mut ids: Vec<PersonId> = (1_000_000..1_040_000).map(PersonId).collect();
        ids.push(second.id);
        ids.insert(0, first.id);
        ids.reverse();
        let before = pool.statements();
        let persons = crate::employees::get_persons(conn, &ids).unwrap();
        assert_eq!(pool.statements() - before, 5, "one statement per chunk");
        assert_eq!(
            persons.iter().map(|p| p.id).collect::<Vec<_>>(),
            [first.id, second.id],
            "oldest first across chunks"
        );
        let relations = crate::employees::employments_at_unit(conn, unit.id, &ids).unwrap();
        assert_eq!(relations.len(), 2);
        assert!(relations[0].id < relations[1].id);
        assert!(
            crate::employees::list_statuses(conn, &ids)
                .unwrap()
                .is_empty()
        );
        assert!(
            crate::employees::employments_of_persons(conn, &ids)
                .unwrap()
                .len()
                == 2
        );
        assert!(crate::employees::get_persons(conn, &[]).unwrap().is_empty());
    });
}

#[test]
fn a_checkout_runs_no_statement() {
    each_backend(|db| {
        let pool = db.pool();
        drop(pool.get().unwrap());
        let before = pool.statements();
        for _ in 0..3 {
            drop(pool.get().unwrap());
        }
        assert_eq!(pool.statements(), before, "no SELECT 1 per checkout");
        pool.ping().unwrap();
        assert_eq!(pool.statements(), before + 1, "ping asks the database");
    });
}

/// The unit roster (`unit_roster`) is exactly "the persons with a relation
/// at the unit", with their current person numbers, after every kind of
/// write that changes relations: an enrolment, a second insurance, an undo
/// of one relation and of the last one, a merge moving relations to another
/// person, a changed person number.
#[test]
fn the_unit_roster_follows_relations_and_person_numbers() {
    use diesel::prelude::*;

    use crate::employees;
    use crate::schema::{employments, persons, unit_roster};

    fn roster(conn: &mut crate::DbConn) -> BTreeSet<(UnitId, PersonId, String)> {
        unit_roster::table
            .select((
                unit_roster::unit_id,
                unit_roster::person_id,
                unit_roster::person_no,
            ))
            .load::<(UnitId, PersonId, String)>(conn)
            .unwrap()
            .into_iter()
            .collect()
    }
    fn derived(conn: &mut crate::DbConn) -> BTreeSet<(UnitId, PersonId, String)> {
        employments::table
            .inner_join(persons::table)
            .select((employments::unit_id, persons::id, persons::person_no))
            .distinct()
            .load::<(UnitId, PersonId, String)>(conn)
            .unwrap()
            .into_iter()
            .collect()
    }

    /// The stored sizes agree with the roster (a unit with none: 0 or absent).
    fn sizes_agree(conn: &mut crate::DbConn) {
        use crate::schema::unit_roster_sizes;
        let mut counted = std::collections::BTreeMap::<UnitId, i64>::new();
        for (unit, _, _) in roster(conn) {
            *counted.entry(unit).or_default() += 1;
        }
        let stored: std::collections::BTreeMap<UnitId, i64> = unit_roster_sizes::table
            .select((unit_roster_sizes::unit_id, unit_roster_sizes::persons))
            .load::<(UnitId, i64)>(conn)
            .unwrap()
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        assert_eq!(stored, counted);
    }

    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let a = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001")).unwrap();
        let b = repo::insert_unit(conn, &new_unit("100047514", "91420500MA4F000002")).unwrap();
        let p =
            repo::insert_person(conn, &new_person("10003726255", "420502199001011234")).unwrap();
        let q =
            repo::insert_person(conn, &new_person("10003726256", "420502199001011250")).unwrap();
        assert!(roster(conn).is_empty());

        let e1 =
            repo::insert_employment(conn, &new_employment(a.id, p.id, "110", "active")).unwrap();
        let e2 =
            repo::insert_employment(conn, &new_employment(a.id, p.id, "210", "active")).unwrap();
        repo::insert_employment(conn, &new_employment(b.id, q.id, "110", "active")).unwrap();
        let want = BTreeSet::from([
            (a.id, p.id, "10003726255".to_owned()),
            (b.id, q.id, "10003726256".to_owned()),
        ]);
        assert_eq!(roster(conn), want);

        // Undoing one of two relations keeps the person listed; the last removes it.
        employees::delete_employments(conn, &[e1.id]).unwrap();
        assert_eq!(roster(conn), want);
        employees::delete_employments(conn, &[e2.id]).unwrap();
        assert_eq!(roster(conn), derived(conn));
        sizes_agree(conn);
        assert_eq!(roster(conn).len(), 1);

        // A merge moves q's relations to p: b now lists p, and no longer q.
        repo::insert_employment(conn, &new_employment(a.id, q.id, "210", "suspended")).unwrap();
        employees::move_employments(conn, q.id, p.id, datetime!(2023-04-11 09:00:00)).unwrap();
        assert_eq!(
            roster(conn),
            BTreeSet::from([
                (a.id, p.id, "10003726255".to_owned()),
                (b.id, p.id, "10003726255".to_owned()),
            ])
        );
        assert_eq!(roster(conn), derived(conn));
        sizes_agree(conn);

        // A changed person number follows.
        diesel::update(persons::table.filter(persons::id.eq(p.id)))
            .set(persons::person_no.eq("10003726999"))
            .execute(conn)
            .unwrap();
        assert_eq!(roster(conn), derived(conn));
        sizes_agree(conn);
        assert!(roster(conn).iter().all(|(_, _, no)| no == "10003726999"));
    });
}

/// Undoing an enrolment deletes its lines only while they are pending and
/// no order holds or ever held them (what the dropped foreign key from
/// `order_lines` guarded); otherwise nothing is deleted.
#[test]
fn only_pending_lines_no_order_ever_held_are_deleted() {
    use crate::assessments::{self, NewAssessment, ORDERED_LINE};
    use crate::orders::NewOrderLine;
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let now = datetime!(2023-04-10 09:30:00);
        let unit = repo::insert_unit(conn, &new_unit("100047515", "91420500MA4F000003")).unwrap();
        let person =
            repo::insert_person(conn, &new_person("10003726256", "420502199001011234")).unwrap();
        let e = repo::insert_employment(conn, &new_employment(unit.id, person.id, "110", "active"))
            .unwrap();
        let mut new_line = |period: i32, status: &str| -> crate::ids::AssessmentId {
            assessments::insert(
                conn,
                &NewAssessment {
                    unit_id: unit.id,
                    person_id: person.id,
                    employment_id: e.id,
                    insurance: "110".into(),
                    period,
                    kind: "regular".into(),
                    base_fen: 500_000,
                    unit_rate_ppm: 160_000,
                    individual_rate_ppm: 80_000,
                    unit_fen: 80_000,
                    individual_fen: 40_000,
                    status: status.into(),
                    source_item_id: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .unwrap()
            .id
        };
        let free = new_line(202304, "pending");
        let once_ordered = new_line(202305, "pending");
        let billed = new_line(202306, "billed");
        let also_free = new_line(202307, "pending");
        let order_line = |assessment_id: crate::ids::AssessmentId, live: bool| NewOrderLine {
            order_id: crate::ids::OrderId(1),
            assessment_id,
            live,
            interest_fen: 0,
            interest_days: 0,
            interest_detail: "[]".into(),
            late_fee_fen: 0,
            late_fee_days: 0,
            late_fee_rate_ppm: 500,
            late_fee_from: None,
            late_fee_note: None,
        };
        crate::bulk::insert_order_lines(
            conn,
            &[order_line(once_ordered, false), order_line(billed, true)],
        )
        .unwrap();
        for refused in [
            vec![free, once_ordered],
            vec![billed],
            vec![free, crate::ids::AssessmentId(free.0 + 1000)],
        ] {
            let r = crate::conn::transaction(conn, |c| assessments::delete_many(c, &refused));
            assert_eq!(r.unwrap_err(), conflict(ORDERED_LINE), "{refused:?}");
        }
        assert_eq!(
            assessments::get_many(conn, &[free, once_ordered, billed, also_free])
                .unwrap()
                .len(),
            4,
            "a refused delete deletes nothing"
        );
        assert_eq!(
            assessments::delete_many(conn, &[free, also_free, free]).unwrap(),
            2
        );
        assert_eq!(
            assessments::get_many(conn, &[free, once_ordered, billed, also_free])
                .unwrap()
                .len(),
            2
        );
    });
}

/// PostgreSQL: undoing a person's last relation at a unit while another
/// transaction adds a new relation of that person there leaves the person
/// on the roster (the removal waits for the new relation and sees it).
/// SQLite runs one writer at a time, so it cannot race.
#[test]
fn the_roster_keeps_a_person_whose_new_relation_commits_during_a_removal() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use crate::schema::unit_roster;
    let Some(url) = TestDb::server_url() else {
        return;
    };
    let db = TestDb::postgres(&url);
    let pool = db.pool();
    let mut setup = pool.get().unwrap();
    let unit = repo::insert_unit(&mut setup, &new_unit("100047515", "91420500MA4F000003")).unwrap();
    let person =
        repo::insert_person(&mut setup, &new_person("10003726256", "420502199001011234")).unwrap();
    let first = repo::insert_employment(
        &mut setup,
        &new_employment(unit.id, person.id, "110", "active"),
    )
    .unwrap();

    // B adds a relation (its roster upsert locks the person's roster row)…
    let mut adder = pool.get().unwrap();
    adder.batch_execute("BEGIN").unwrap();
    repo::insert_employment(
        &mut adder,
        &new_employment(unit.id, person.id, "210", "active"),
    )
    .unwrap();
    // …while A undoes the only committed one; A waits for B's lock.
    let remover = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            conn.batch_execute("BEGIN").unwrap();
            crate::employees::delete_employments(&mut conn, &[first.id]).unwrap();
            conn.batch_execute("COMMIT").unwrap();
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    adder.batch_execute("COMMIT").unwrap();
    remover.join().unwrap();

    let listed: i64 = unit_roster::table
        .filter(unit_roster::unit_id.eq(unit.id))
        .filter(unit_roster::person_id.eq(person.id))
        .count()
        .get_result(&mut setup)
        .unwrap();
    assert_eq!(listed, 1, "the person still has a relation at the unit");
}

/// A raw-SQL row reads its period and insurance as domain values, and a
/// value that is not one fails as the read's error (never a row holding it).
#[test]
fn raw_rows_read_domain_values_and_refuse_corrupt_ones() {
    use diesel::prelude::*;
    use diesel::sql_types::{Integer, Text};
    use qibao_core::Period;
    use qibao_core::insurance::Insurance;

    use crate::typed::Stored;

    #[derive(Debug, QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer, deserialize_as = Stored<Period>)]
        period: Period,
        #[diesel(sql_type = Text, deserialize_as = Stored<Insurance>)]
        insurance: Insurance,
    }
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let read = |conn: &mut crate::DbConn, sql: &str| -> Result<Vec<Row>, DbError> {
            Ok(match conn {
                crate::DbConn::Pg(c) => diesel::sql_query(sql).load(c)?,
                crate::DbConn::Sqlite(c) => diesel::sql_query(sql).load(c)?,
            })
        };
        let good = read(&mut conn, "SELECT 202304 AS period, '110' AS insurance").unwrap();
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].period, Period::from_yyyymm(202304).unwrap());
        assert_eq!(good[0].insurance, Insurance::Pension);
        for bad in [
            "SELECT 202313 AS period, '110' AS insurance",
            "SELECT 202304 AS period, '999' AS insurance",
        ] {
            assert!(read(&mut conn, bad).is_err(), "{bad}");
        }
    });
}

fn chain_item(unit_id: Option<UnitId>, kind: &str) -> NewBusinessItem {
    let now = datetime!(2023-04-10 09:30:00.123456);
    NewBusinessItem {
        unit_id,
        kind: kind.to_owned(),
        status: "done".to_owned(),
        actor: "agent:1:甲".to_owned(),
        channel: "portal".to_owned(),
        before_json: None,
        after_json: Some("{\"a\":1}".to_owned()),
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn the_item_chain_names_each_hand_edit() {
    use crate::{business_items, item_chain};
    use diesel::connection::SimpleConnection;
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let units: Vec<UnitId> = (0..4)
            .map(|i| {
                repo::insert_unit(
                    conn,
                    &new_unit(&format!("10004751{i}"), &format!("91420500MA4F00000{i}")),
                )
                .unwrap()
                .id
            })
            .collect();
        let later = datetime!(2023-04-11 10:00:00);
        let mut ids = Vec::new();
        for &u in &units {
            let mut mine = Vec::new();
            for k in 0..3 {
                mine.push(
                    repo::insert_business_item(conn, &chain_item(Some(u), &format!("k{k}")))
                        .unwrap()
                        .id,
                );
            }
            // The application's own changes are new links, not breaks.
            assert!(business_items::set_status(conn, mine[0], "done", "revoked", later).unwrap());
            business_items::set_after(conn, mine[1], "{\"b\":2}", later).unwrap();
            ids.push(mine);
        }
        repo::insert_business_item(conn, &chain_item(None, "policy_change")).unwrap();
        for &u in &units {
            let c = item_chain::verify(conn, item_chain::chain_of(Some(u))).unwrap();
            assert_eq!((c.links, c.items, c.first_break.clone()), (5, 3, None));
        }
        assert_eq!(item_chain::verify(conn, 0).unwrap().first_break, None);
        assert_eq!(item_chain::chains(conn).unwrap().len(), 5);

        // Unit 0: a column changed by hand; unit 1: a row deleted; unit 2:
        // a row added by hand; unit 3 untouched.
        conn.batch_execute(&format!(
            "UPDATE business_items SET actor = 'agent:9:乙' WHERE id = {}",
            ids[0][1].0
        ))
        .unwrap();
        conn.batch_execute(&format!(
            "DELETE FROM business_items WHERE id = {}",
            ids[1][2].0
        ))
        .unwrap();
        conn.batch_execute(&format!(
            "INSERT INTO business_items (unit_id, kind, status, actor, channel, created_at, updated_at) \
             VALUES ({}, 'refund', 'done', 'x', 'portal', '2023-04-12 00:00:00', '2023-04-12 00:00:00')",
            units[2].0
        ))
        .unwrap();
        let first = |conn: &mut crate::DbConn, u: UnitId| {
            item_chain::verify(conn, item_chain::chain_of(Some(u)))
                .unwrap()
                .first_break
        };
        assert_eq!(
            first(conn, units[0]),
            Some(qibao_core::audit::Break::Changed {
                item_id: ids[0][1].0,
                seq: 5
            })
        );
        assert_eq!(
            first(conn, units[1]),
            Some(qibao_core::audit::Break::Removed {
                item_id: ids[1][2].0,
                seq: 3
            })
        );
        assert!(matches!(
            first(conn, units[2]),
            Some(qibao_core::audit::Break::Unrecorded { .. })
        ));
        assert_eq!(first(conn, units[3]), None);
        // A link edited by hand breaks the chain at that link.
        conn.batch_execute(&format!(
            "UPDATE item_chain_links SET content_sha256 = '{}' WHERE chain = {} AND seq = 2",
            "0".repeat(64),
            units[3].0
        ))
        .unwrap();
        assert_eq!(
            first(conn, units[3]),
            Some(qibao_core::audit::Break::LinkAltered {
                seq: 2,
                item_id: ids[3][1].0
            })
        );
    });
}

#[test]
fn concurrent_items_of_one_unit_make_one_valid_chain() {
    use crate::item_chain;
    const THREADS: usize = 20;
    each_backend(|db| {
        let pool = db.pool();
        let unit = pool
            .transaction(|c| repo::insert_unit(c, &new_unit("100047513", "91420500MA4F000001")))
            .unwrap();
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    pool.transaction(|c| {
                        repo::insert_business_item(c, &chain_item(Some(unit.id), &format!("k{i}")))
                    })
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let mut conn = pool.get().unwrap();
        let c = item_chain::verify(&mut conn, unit.id.0).unwrap();
        assert_eq!((c.links, c.items, c.first_break), (THREADS, THREADS, None));
    });
}

#[test]
fn items_recorded_before_the_chains_are_sealed_once() {
    use crate::item_chain;
    use diesel::connection::SimpleConnection;
    each_backend(|db| {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let unit = repo::insert_unit(conn, &new_unit("100047513", "91420500MA4F000001")).unwrap();
        for k in 0..3 {
            repo::insert_business_item(conn, &chain_item(Some(unit.id), &format!("k{k}"))).unwrap();
        }
        // As a database upgraded from before the chains: items, no links.
        conn.batch_execute("DELETE FROM item_chain_links; DELETE FROM item_chain_heads;")
            .unwrap();
        assert!(
            item_chain::verify(conn, unit.id.0)
                .unwrap()
                .first_break
                .is_some()
        );
        let now = datetime!(2023-05-01 00:00:00);
        assert_eq!(item_chain::seal_existing(conn, now).unwrap(), 3);
        assert_eq!(item_chain::seal_existing(conn, now).unwrap(), 0);
        assert_eq!(
            item_chain::verify(conn, unit.id.0).unwrap().first_break,
            None
        );
    });
}

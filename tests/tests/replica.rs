//! Reads from a streaming replica (`QIBAO_READ_DATABASE_URL`, issue 14), on
//! a real one set up by `scripts/pg-replica.sh` (`QIBAO_TEST_REPLICA_URL`;
//! skipped without it, and on SQLite): with the replica's replay paused, a
//! session that just wrote reads its write (from the primary), while
//! another session's list is served by the replica and does not have it
//! yet; once replay resumes, both see it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use diesel::prelude::*;
use qibao_db::Pool;
use qibao_e2e::fixtures::{declare_wages, token, unit_with_staff};
use qibao_e2e::{App, replica_server, replica_url};

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

fn text(pool: &Pool, sql: &str) -> String {
    let mut c = pool.get().unwrap();
    diesel::sql_query(sql)
        .get_result::<Text>(&mut *c)
        .unwrap()
        .v
}

/// Resumes the replica's replay when dropped (also when the test fails).
struct Paused<'a>(&'a Pool);

impl<'a> Paused<'a> {
    fn pause(replica: &'a Pool) -> Paused<'a> {
        text(replica, "SELECT pg_wal_replay_pause()::text AS v");
        let t = Instant::now();
        while text(replica, "SELECT pg_get_wal_replay_pause_state() AS v") != "paused" {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "replay did not pause"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Paused(replica)
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        text(self.0, "SELECT pg_wal_replay_resume()::text AS v");
    }
}

/// Waits until the replica has replayed everything the primary wrote so far.
fn caught_up(primary: &Pool, replica: &Pool) {
    let lsn = text(primary, "SELECT pg_current_wal_insert_lsn()::text AS v");
    let t = Instant::now();
    let mut c = replica.get().unwrap();
    while !qibao_db::replica::serves(&mut c, Some(&lsn)).unwrap() {
        assert!(t.elapsed() < Duration::from_secs(30), "the replica lags");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn items(app: &App, token: &str) -> i64 {
    let r = app.get_as("/api/v1/portal/business-items", token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["total"].as_i64().unwrap()
}

#[test]
fn a_session_reads_its_writes_while_the_replica_serves_the_others() {
    let Some(server) = replica_server() else {
        eprintln!(
            "no replica (QIBAO_TEST_REPLICA_URL unset, or a SQLite run): scripts/pg-replica.sh sets one up"
        );
        return;
    };
    let app = App::start_with("2022-05-10", |c| {
        assert!(
            c.database_url.starts_with("postgres"),
            "a replica needs QIBAO_TEST_DATABASE_URL"
        );
        c.read_database_url = Some(replica_url(&server, &c.database_url));
    });
    let replica = Pool::connect(&replica_url(&server, "postgres"), 2).unwrap();
    let (u, nos) = unit_with_staff(&app, "91420500MA4RPL0C1X", Some(202207), 2);
    let writer = u.token;
    let other = token(&app, u.id);
    caught_up(&app.pool, &replica);
    let before = items(&app, &other);
    assert_eq!(items(&app, &writer), before);

    {
        let _paused = Paused::pause(&replica);
        declare_wages(&app, &writer, 2022, &nos, "5000");
        let marked = text(
            &app.pool,
            "SELECT COUNT(*)::text AS v FROM auth_sessions WHERE read_after_lsn IS NOT NULL",
        );
        assert_eq!(marked, "1", "the writer's session is marked");
        // The writer's next read waits for nothing: the primary serves it.
        assert!(items(&app, &writer) > before);
        // Another session's read is the replica's, which has not replayed
        // the write.
        assert_eq!(items(&app, &other), before);
    }

    // Replay resumed: the other session sees it too, from the replica.
    let t = Instant::now();
    while items(&app, &other) == before {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the replica never caught up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(items(&app, &other), items(&app, &writer));
}

//! Reads of payment orders never write (R-DECL-4, R-DECL-5): the order
//! list, an order, its lines and the arrears answer while another
//! connection holds the write lock, and show a live order past its due date
//! as expired although nothing has closed it yet; the server's expiry job
//! ([`qibao_api::server::expire_once`]) then closes it and frees its lines,
//! with "today" from the server's (pinned) clock. On SQLite, or on
//! PostgreSQL with `QIBAO_TEST_DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use qibao_e2e::fixtures::{declare_wages, set_today, unit_with_staff};
use qibao_e2e::{App, json};

const ORDERS: &str = "/api/v1/portal/orders";
const ARREARS: &str = "/api/v1/portal/arrears";

fn stored_status(app: &App, no: &str) -> String {
    let mut conn = app.pool.get().unwrap();
    qibao_db::tax::order_by_no(&mut conn, no)
        .unwrap()
        .unwrap()
        .status
        .code()
        .to_owned()
}

#[test]
fn reads_show_an_overdue_order_expired_without_writing_and_the_job_closes_it() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0READS1X", Some(202207), 2);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    let d = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202208"}),
    );
    assert_eq!(d.status, 201, "{}", d.text);
    let o = app.post_as(ORDERS, &u.token, &json!({}));
    assert_eq!(o.status, 201, "{}", o.text);
    let no = o.body["order_no"].as_str().unwrap().to_owned();
    let due = o.body["due_date"].as_str().unwrap().to_owned();
    assert_eq!(o.body["status"], "live");
    let billed = app.get_as(ARREARS, &u.token).body;
    assert_eq!(billed["items"][0]["billed"], billed["items"][0]["total"]);

    // Past the due date: nothing has closed the order yet.
    set_today(&app, "2022-09-30", &mut [&mut u]);
    assert!(due.as_str() < "2022-09-30", "{due}");

    // Another connection holds the write lock while the unit reads.
    let (locked_tx, locked) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let pool = app.pool.clone();
    let no_w = no.clone();
    let writer = std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        qibao_db::conn::transaction(&mut conn, |c| {
            // The locks an expiry takes (the feed's, then the order's), so
            // PostgreSQL holds them too.
            qibao_db::feed::lock_feed(c)?;
            let order = qibao_db::tax::order_by_no(c, &no_w)?.unwrap();
            qibao_db::tax::lock_order(c, order.id)?;
            locked_tx.send(()).unwrap();
            released.recv().unwrap();
            Ok::<_, qibao_db::DbError>(())
        })
        .unwrap();
    });
    locked.recv().unwrap();
    let d = app.get_as(&format!("{ORDERS}/{no}"), &u.token);
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["status"], "expired");
    let list = app.get_as(&format!("{ORDERS}?status=expired"), &u.token);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["status"], "expired");
    let live = app.get_as(&format!("{ORDERS}?status=live"), &u.token);
    assert_eq!(live.body["total"], 0);
    let lines = app.get_as(&format!("{ORDERS}/{no}/lines"), &u.token);
    assert_eq!(lines.status, 200, "{}", lines.text);
    assert_eq!(lines.body["total"], o.body["lines_total"]);
    let arrears = app.get_as(ARREARS, &u.token);
    assert_eq!(arrears.status, 200, "{}", arrears.text);
    assert_eq!(arrears.body["items"][0]["billed"], "0.00");
    assert_eq!(
        arrears.body["items"][0]["pending"],
        arrears.body["items"][0]["total"]
    );
    release.send(()).unwrap();
    writer.join().unwrap();
    // The reads wrote nothing.
    assert_eq!(stored_status(&app, &no), "live");

    // The expiry job, on the server's clock, closes it and frees its lines.
    qibao_api::server::expire_once(&app.pool, &app.server.clock);
    assert_eq!(stored_status(&app, &no), "expired");
    let after = app.get_as(&format!("{ORDERS}/{no}"), &u.token).body;
    assert_eq!(after["status"], "expired");
    assert_eq!(app.get_as(ARREARS, &u.token).body, arrears.body);
    // A second run finds nothing; a new order bills the freed lines.
    qibao_api::server::expire_once(&app.pool, &app.server.clock);
    let again = app.post_as(ORDERS, &u.token, &json!({}));
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.body["lines_total"], o.body["lines_total"]);
}

#[test]
fn the_expiry_job_runs_on_its_thread_and_stops_when_dropped() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0READS2X", Some(202207), 1);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    let d = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202208"}),
    );
    assert_eq!(d.status, 201, "{}", d.text);
    let o = app.post_as(ORDERS, &u.token, &json!({}));
    let no = o.body["order_no"].as_str().unwrap().to_owned();
    set_today(&app, "2022-09-30", &mut [&mut u]);
    // The job's first run is at once; poll for it (not a timing assertion).
    let job = qibao_api::server::spawn_expiry_job(
        app.pool.clone(),
        app.server.clock.clone(),
        std::time::Duration::from_secs(3600),
    )
    .unwrap();
    let mut waited = 0;
    while stored_status(&app, &no) != "expired" {
        assert!(waited < 600, "the expiry job never ran");
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    drop(job);
}

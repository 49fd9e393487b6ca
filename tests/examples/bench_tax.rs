//! Benchmark (issue 6): latency from order issue to feed visibility, and
//! from the tax bureau's paid event to allocation, under load.
//!
//! A test server on loopback (SQLite, or PostgreSQL when
//! QIBAO_TEST_DATABASE_URL is set) with U units of 5 employees × 3
//! insurances, each with its month declared. Then, all at once:
//! 4 threads issue one order per unit over HTTP; one thread polls the tax
//! feed without pause; 2 threads play the tax bureau, invoicing and paying
//! each order as soon as the feed shows it. Feed latency = first seen in the
//! feed − the issue's 201 answer; allocation latency = the paid event's round
//! trip (the answer comes after the lines are allocated and committed),
//! checked afterwards by reading every order's progress.
//!
//! Each unit has also registered a webhook (all event types) at one
//! receiver on loopback that verifies every signature (qibao-sim's
//! webhook-sink): event → delivered = the delivery's `delivered_at` (the
//! receiver's 200 recorded) − the event's `created_at` (its transaction's
//! time), read from the database after the run; the server runs the
//! production default of 2 webhook senders.
//!
//!     cargo run -p qibao-e2e --example bench_tax -- 200
// Timing statistics (milliseconds) only; no money here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use qibao_api::auth::Role;
use qibao_e2e::fixtures::{declare_wages, tax_token, token, unit_with_staff};
use qibao_e2e::{App, json};
use qibao_tools::webhook_sink::{Reply, Secret, Sink};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn report(name: &str, v: &mut [f64]) {
    println!(
        "{name}: n={} p50={:.1} ms p95={:.1} ms p99={:.1} ms max={:.1} ms",
        v.len(),
        pct(v, 0.50),
        pct(v, 0.95),
        pct(v, 0.99),
        pct(v, 1.0)
    );
}

fn main() {
    let units: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("U"))
        .unwrap_or(200);
    let app = Arc::new(App::start_with("2022-05-10", |c| c.webhook_workers = 2));
    let backend = if std::env::var("QIBAO_TEST_DATABASE_URL").is_ok() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let t = Instant::now();
    let mut ids = Vec::with_capacity(units);
    for i in 0..units {
        let (u, nos) = unit_with_staff(&app, &format!("91420500MA{i:06}BX"), Some(202207), 5);
        declare_wages(&app, &u.token, 2022, &nos, "5000");
        ids.push(u.id);
    }
    app.server
        .clock
        .set_today(qibao_e2e::fixtures::date("2022-08-15"));
    let tokens: Vec<String> = ids.iter().map(|id| token(&app, *id)).collect();
    for tk in &tokens {
        let r = app.post_as(
            "/api/v1/portal/declarations",
            tk,
            &json!({"period": "202208"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // One receiver; every unit's legal representative registers it.
    let sink = Sink::start(
        "127.0.0.1:0",
        Secret::ByPath(Arc::default()),
        Arc::new(|_: &str, _: u32| Reply::Accept),
        false,
    )
    .unwrap();
    for id in &ids {
        let rep = app.mint(
            Role::LegalRep,
            "420500197001010014",
            "刘建国",
            Some(*id),
            &[],
        );
        let path = format!("/hooks/{id}");
        let r = app.post_as(
            "/api/v1/portal/webhooks",
            &rep,
            &json!({"url": sink.url_at(&path), "event_types": [], "description": "薪资系统"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        sink.set_secret_at(&path, r.body["secret"].as_str().unwrap());
    }
    println!(
        "{backend}: seeded {units} units × 5 employees × 3 insurances, each with a webhook, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let tax = tax_token(&app);
    let issued: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<(String, String)>();
    let rx = Arc::new(Mutex::new(rx));
    let start = Instant::now();

    // The feed poller.
    let poller = {
        let (app, tax, seen, done) = (app.clone(), tax.clone(), seen.clone(), done.clone());
        std::thread::spawn(move || {
            let mut after = 0i64;
            let mut polls = 0u64;
            while seen.lock().unwrap().len() < units && !done.load(Ordering::Relaxed) {
                let page = app
                    .get_as(
                        &format!("/api/v1/tax/orders/feed?after={after}&limit=50"),
                        &tax,
                    )
                    .body;
                polls += 1;
                let now = Instant::now();
                for e in page["entries"].as_array().unwrap() {
                    let no = e["order"]["order_no"].as_str().unwrap().to_owned();
                    let total = e["order"]["totals"]["total"].as_str().unwrap().to_owned();
                    seen.lock().unwrap().entry(no.clone()).or_insert(now);
                    tx.send((no, total)).unwrap();
                }
                after = page["next_after"].as_i64().unwrap();
            }
            polls
        })
    };
    // The tax bureau's payers.
    let payers: Vec<_> = (0..2)
        .map(|_| {
            let (app, tax, rx) = (app.clone(), tax.clone(), rx.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                loop {
                    let next = rx.lock().unwrap().recv_timeout(Duration::from_secs(5));
                    let Ok((no, total)) = next else { break };
                    let inv = json!({"serial": format!("I{no}"), "type": "invoiced",
                                     "order_no": no, "amount": total});
                    assert_eq!(app.post_as("/api/v1/tax/events", &tax, &inv).status, 201);
                    let pay = json!({"serial": format!("P{no}"), "type": "paid", "order_no": no,
                                     "amount": total, "bank_time": "2022-08-15T10:00:00+08:00"});
                    let t = Instant::now();
                    let r = app.post_as("/api/v1/tax/events", &tax, &pay);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(r.status, 201, "{}", r.text);
                }
                lat
            })
        })
        .collect();
    // The units issuing their orders.
    let chunk = units.div_ceil(4);
    let issuers: Vec<_> = tokens
        .chunks(chunk)
        .map(|c| {
            let (app, issued, c) = (app.clone(), issued.clone(), c.to_vec());
            std::thread::spawn(move || {
                for tk in c {
                    let r = app.post_as("/api/v1/portal/orders", &tk, &json!({}));
                    let at = Instant::now();
                    assert_eq!(r.status, 201, "{}", r.text);
                    let no = r.body["order_no"].as_str().unwrap().to_owned();
                    issued.lock().unwrap().insert(no, at);
                }
            })
        })
        .collect();
    for h in issuers {
        h.join().unwrap();
    }
    let issue_secs = start.elapsed().as_secs_f64();
    let polls = poller.join().unwrap();
    done.store(true, Ordering::Relaxed);
    let mut alloc: Vec<f64> = payers.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let total_secs = start.elapsed().as_secs_f64();

    let issued = issued.lock().unwrap();
    let seen = seen.lock().unwrap();
    let mut feed: Vec<f64> = issued
        .iter()
        .map(|(no, at)| {
            let s = seen[no];
            // Seen before the issuer's thread took its timestamp: 0.
            s.saturating_duration_since(*at).as_secs_f64() * 1000.0
        })
        .collect();
    // Every order is allocated (progress step 5 done).
    let mut allocated = 0;
    for (i, tk) in tokens.iter().enumerate() {
        let list = app.get_as("/api/v1/portal/orders", tk).body;
        let no = list["items"][0]["order_no"].as_str().unwrap();
        let o = app.get_as(&format!("/api/v1/portal/orders/{no}"), tk).body;
        if o["progress"][4]["done"] == true {
            allocated += 1;
        } else {
            println!("unit {i}: order {no} not allocated");
        }
    }
    println!(
        "{backend}: {units} orders issued in {issue_secs:.1} s ({:.1} orders/s) while the feed was polled {polls} times and paid; all done in {total_secs:.1} s; {allocated}/{units} allocated",
        units as f64 / issue_secs
    );
    report("issue → visible in feed", &mut feed);
    report("paid event → allocated (round trip)", &mut alloc);
    webhooks(&app, &sink);
}

/// Waits for every delivery to end, then reports event → delivered.
fn webhooks(app: &App, sink: &Sink) {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        event_at: time::PrimitiveDateTime,
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        delivered_at: time::PrimitiveDateTime,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
    }
    let mut conn = app.pool.get().unwrap();
    let t = Instant::now();
    loop {
        let pending = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'pending'",
        )
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n;
        if pending == 0 || t.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT e.created_at AS event_at, d.delivered_at AS delivered_at, d.attempts AS attempts \
         FROM webhook_deliveries d JOIN unit_events e ON e.unit_id = d.unit_id AND e.seq = d.seq \
         WHERE d.state = 'delivered'",
    )
    .load(&mut *conn)
    .unwrap();
    let all = diesel::sql_query("SELECT COUNT(*) AS n FROM webhook_deliveries")
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n;
    let mut lat: Vec<f64> = rows
        .iter()
        .map(|r| (r.delivered_at - r.event_at).as_seconds_f64() * 1000.0)
        .collect();
    let received = sink.received();
    let bad = received.iter().filter(|r| r.signature.is_err()).count();
    let repeats = received.iter().filter(|r| r.repeat).count();
    println!(
        "webhooks: {} of {all} deliveries delivered ({} needed a retry); the receiver got {} POSTs, {bad} with a bad signature, {repeats} repeats",
        rows.len(),
        rows.iter().filter(|r| r.attempts > 1).count(),
        received.len()
    );
    // The events come in bursts (the orders are issued four at a time):
    // how fast the senders drain them, first event to last delivery.
    if let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.event_at).min(),
        rows.iter().map(|r| r.delivered_at).max(),
    ) {
        let secs = (last - first).as_seconds_f64();
        println!(
            "webhooks: first event to last delivery {secs:.1} s, {:.0} deliveries/s",
            rows.len() as f64 / secs.max(0.001)
        );
    }
    report("event → webhook delivered", &mut lat);
}

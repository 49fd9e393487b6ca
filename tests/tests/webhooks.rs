//! Webhooks (事件推送, issue 14), on both backends: the legal representative
//! registers addresses; each of the unit's events reaches each address,
//! signed, and is processed once by a receiver that drops repeats, despite
//! 500s, dropped connections, timeouts and a node that stopped mid-delivery;
//! a dead delivery is redelivered by hand; the delivery log shows every
//! attempt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qibao_api::auth::Role;
use qibao_api::config::Mode;
use qibao_core::webhook::TargetPolicy;
use qibao_e2e::fixtures::{Unit, declare_wages, set_today, tax_sim, unit_with_staff};
use qibao_e2e::{App, json};
use qibao_tools::webhook_sink::{Behaviour, Reply, Secret, Sink};
use serde_json::Value;

const HOOKS: &str = "/api/v1/portal/webhooks";

fn rep(app: &App, u: &Unit) -> String {
    app.mint(
        Role::LegalRep,
        "420500197001010014",
        "刘建国",
        Some(u.id),
        &[],
    )
}

fn sink(behaviour: Behaviour) -> Sink {
    Sink::start(
        "127.0.0.1:0",
        Secret::Value(Arc::new(Mutex::new(None))),
        behaviour,
        false,
    )
    .unwrap()
}

fn accept_all() -> Behaviour {
    Arc::new(|_: &str, _: u32| Reply::Accept)
}

/// Registers `sink`'s address for `types` (empty: all) and gives it the secret.
fn register(app: &App, token: &str, sink: &Sink, types: &[&str]) -> i64 {
    let r = app.post_as(
        HOOKS,
        token,
        &json!({"url": sink.url(), "event_types": types, "description": "薪资系统"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    sink.set_secret(r.body["secret"].as_str().unwrap());
    r.body["id"].as_i64().unwrap()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The unit's event ids after `after`, with their types.
fn feed(app: &App, token: &str, u: &Unit, after: i64) -> BTreeMap<String, String> {
    let r = app.get_as(
        &format!("/api/v1/portal/events?after={after}&limit=500"),
        token,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                format!("evt_{}_{}", u.id.0, e["seq"].as_i64().unwrap()),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn head(app: &App, token: &str) -> i64 {
    let r = app.get_as("/api/v1/portal/events?limit=500", token);
    r.body["events"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |e| e["seq"].as_i64().unwrap())
}

fn deliveries(app: &App, token: &str, id: i64) -> Vec<Value> {
    let r = app.get_as(&format!("{HOOKS}/{id}/deliveries?page_size=200"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

/// A month's collection on 2022-08-15: wage declaration, declaration,
/// order, payment.
fn a_months_collection(app: &App, u: &mut Unit, other: &mut Unit, nos: &[String]) {
    set_today(app, "2022-08-15", &mut [u, other]);
    declare_wages(app, &u.token, 2022, nos, "5000");
    let r = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202208"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let o = app.post_as("/api/v1/portal/orders", &u.token, &json!({}));
    assert_eq!(o.status, 201, "{}", o.text);
    assert_eq!(tax_sim(app, "2022-08-15").round().unwrap().paid, 1);
}

#[test]
fn the_legal_representative_registers_lists_and_removes_addresses() {
    let app = App::start("2022-05-10");
    let (u, _) = unit_with_staff(&app, "91420500MA0HOOK01X", Some(202204), 1);
    let (other, _) = unit_with_staff(&app, "91420500MA0HOOK02X", Some(202204), 1);
    let token = rep(&app, &u);

    // An agent cannot; bad input is refused with the field named.
    app.post_as(HOOKS, &u.token, &json!({"url": "https://hr.example.com/h"}))
        .assert_problem(403, "LEGAL_REP_ONLY");
    for (body, field) in [
        (json!({"url": "ftp://hr.example.com/h"}), "url"),
        (json!({"url": "https://u:p@hr.example.com/h"}), "url"),
        (
            json!({"url": "https://hr.example.com/h", "description": "长".repeat(101)}),
            "description",
        ),
    ] {
        let r = app.post_as(HOOKS, &token, &body);
        r.assert_problem(400, "VALIDATION_FAILED");
        assert_eq!(r.error_fields(), [field], "{}", r.text);
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
    }
    let r = app.post_as(
        HOOKS,
        &token,
        &json!({"url": "https://hr.example.com/h", "event_types": ["order.lost"]}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app.post_as(
        HOOKS,
        &token,
        &json!({"url": "https://hr.example.com/h", "colour": "red"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);

    // Registered: the secret once, the address listed without it.
    let r = app.post_as(
        HOOKS,
        &token,
        &json!({"url": "https://hr.example.com/h", "event_types": ["order.paid", "order.issued", "order.paid"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        r.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{HOOKS}/{id}").as_str())
    );
    let secret = r.body["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    assert_eq!(r.body["event_types"], json!(["order.issued", "order.paid"]));
    let listed = app.get_as(HOOKS, &token);
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert!(!listed.text.contains(secret));
    assert!(listed.body["items"][0].get("secret").is_none());
    let one = app.get_as(&format!("{HOOKS}/{id}"), &token);
    assert_eq!(one.status, 200);
    assert!(one.body["removed_at"].is_null());

    // Another unit sees none of it.
    let theirs = rep(&app, &other);
    assert_eq!(app.get_as(HOOKS, &theirs).body["items"], json!([]));
    app.get_as(&format!("{HOOKS}/{id}"), &theirs)
        .assert_problem(404, "WEBHOOK_NOT_FOUND");
    app.call(
        reqwest::Method::DELETE,
        &format!("{HOOKS}/{id}"),
        &theirs,
        None,
    )
    .assert_problem(404, "WEBHOOK_NOT_FOUND");
    app.get_as(&format!("{HOOKS}/{id}/deliveries"), &theirs)
        .assert_problem(404, "WEBHOOK_NOT_FOUND");

    // At most ten.
    for i in 1..10 {
        let r = app.post_as(
            HOOKS,
            &token,
            &json!({"url": format!("https://hr.example.com/h{i}")}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    app.post_as(HOOKS, &token, &json!({"url": "https://hr.example.com/h10"}))
        .assert_problem(409, "WEBHOOK_LIMIT_REACHED");

    // Removed once; the address stays readable.
    let d = app.call(
        reqwest::Method::DELETE,
        &format!("{HOOKS}/{id}"),
        &token,
        None,
    );
    assert_eq!(d.status, 200, "{}", d.text);
    assert!(d.body["removed_at"].as_str().unwrap().ends_with("+08:00"));
    app.call(
        reqwest::Method::DELETE,
        &format!("{HOOKS}/{id}"),
        &token,
        None,
    )
    .assert_problem(409, "WEBHOOK_REMOVED");
    assert_eq!(
        app.get_as(HOOKS, &token).body["items"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(app.get_as(&format!("{HOOKS}/{id}"), &token).status, 200);
    let r = app.post_as(HOOKS, &token, &json!({"url": "https://hr.example.com/h10"}));
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn production_refuses_plain_http_and_internal_addresses() {
    let app = App::start_with("2022-05-10", |c| c.mode = Mode::Production);
    let (u, _) = unit_with_staff(&app, "91420500MA0HOOK03X", Some(202204), 1);
    let token = rep(&app, &u);
    for (url, words) in [
        ("http://hr.example.com/h", "https"),
        ("https://127.0.0.1/h", "内网"),
        ("https://10.1.2.3/h", "内网"),
        ("https://169.254.169.254/latest", "内网"),
        ("https://[::1]:8443/h", "内网"),
        ("https://localhost/h", "内网"),
    ] {
        let r = app.post_as(HOOKS, &token, &json!({"url": url}));
        r.assert_problem(400, "VALIDATION_FAILED");
        assert!(r.text.contains(words), "{url}: {}", r.text);
    }
    let r = app.post_as(HOOKS, &token, &json!({"url": "https://hr.example.com/h"}));
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn each_event_is_processed_once_per_address_despite_500s_and_dropped_connections() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0HOOK04X", Some(202207), 2);
    let (mut other, _) = unit_with_staff(&app, "91420500MA0HOOK05X", Some(202207), 1);
    let token = rep(&app, &u);
    // A: 500 first, then the connection dropped, then accepted.
    let a = sink(Arc::new(|_: &str, n: u32| match n {
        1 => Reply::Status(500),
        2 => Reply::Drop,
        _ => Reply::Accept,
    }));
    // B: only orders, always accepted.
    let b = sink(accept_all());
    let before = head(&app, &token);
    let id_a = register(&app, &token, &a, &[]);
    let id_b = register(&app, &token, &b, &["order.issued", "order.paid"]);
    // The other unit's events go to its own addresses only.
    let c = sink(accept_all());
    register(&app, &rep(&app, &other), &c, &[]);

    a_months_collection(&app, &mut u, &mut other, &nos);
    let token = rep(&app, &u);
    let events = feed(&app, &token, &u, before);
    assert_eq!(events.len(), 6, "{events:?}");
    let all: BTreeSet<String> = events.keys().cloned().collect();
    let orders: BTreeSet<String> = events
        .iter()
        .filter(|(_, t)| t.starts_with("order."))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(orders.len(), 2);

    wait_for("B's deliveries", Duration::from_secs(20), || {
        b.processed().into_iter().collect::<BTreeSet<_>>() == orders
    });
    wait_for("A's first attempts", Duration::from_secs(20), || {
        a.received().len() >= all.len()
    });
    let pending = deliveries(&app, &token, id_a);
    assert_eq!(pending.len(), 6);
    for d in &pending {
        assert_eq!(d["state"], "pending", "{d}");
        assert_eq!(d["attempt_log"][0]["status"], 500, "{d}");
        assert_eq!(d["attempt_log"][0]["error"], "接收方返回 HTTP 500");
    }
    app.server.clock.advance(time::Duration::seconds(31));
    wait_for("A's second attempts", Duration::from_secs(20), || {
        a.received().len() >= 2 * all.len()
    });
    app.server.clock.advance(time::Duration::seconds(61));
    wait_for("A's deliveries", Duration::from_secs(20), || {
        a.processed().into_iter().collect::<BTreeSet<_>>() == all
    });

    // Each event processed once per address, every signature good.
    for s in [&a, &b] {
        let got = s.received();
        assert!(
            got.iter()
                .filter(|r| r.answered == 200)
                .all(|r| r.signature.is_ok())
        );
        let mut accepted: BTreeMap<&str, usize> = BTreeMap::new();
        for r in got.iter().filter(|r| r.answered == 200) {
            *accepted.entry(r.event_id.as_str()).or_default() += 1;
            assert!(!r.repeat);
            assert_eq!(r.body["id"], r.event_id.as_str());
            assert_eq!(r.body["unit_id"], u.id.0);
            assert_eq!(events[&r.event_id], r.body["type"].as_str().unwrap());
        }
        assert!(accepted.values().all(|n| *n == 1), "{accepted:?}");
    }
    assert!(c.received().iter().all(|r| !all.contains(&r.event_id)));
    wait_for("A's log", Duration::from_secs(10), || {
        deliveries(&app, &token, id_a)
            .iter()
            .all(|d| d["state"] == "delivered")
    });
    let log = deliveries(&app, &token, id_a);
    for d in &log {
        assert_eq!(d["state_label"], "已送达");
        let tries: Vec<&Value> = d["attempt_log"].as_array().unwrap().iter().collect();
        assert_eq!(tries.len(), 3, "{d}");
        assert_eq!(tries[0]["status"], 500);
        assert!(
            tries[1]["status"].is_null() && tries[1]["error"].is_string(),
            "{d}"
        );
        assert_eq!(tries[2]["status"], 200);
        assert!(tries[2]["error"].is_null());
    }
    assert_eq!(deliveries(&app, &token, id_b).len(), 2);
    // The filter by state.
    let r = app.get_as(&format!("{HOOKS}/{id_a}/deliveries?state=dead"), &token);
    assert_eq!(r.body["total"], 0);
    let r = app.get_as(&format!("{HOOKS}/{id_a}/deliveries?state=lost"), &token);
    assert_eq!(r.status, 400, "{}", r.text);
}

#[test]
fn a_timed_out_attempt_is_sent_again_and_the_receiver_drops_the_repeat() {
    let app = App::start("2022-05-10");
    let (u, nos) = unit_with_staff(&app, "91420500MA0HOOK06X", Some(202204), 1);
    let token = rep(&app, &u);
    let s = sink(Arc::new(|_: &str, n: u32| {
        if n == 1 {
            Reply::Slow(Duration::from_secs(11))
        } else {
            Reply::Accept
        }
    }));
    let id = register(&app, &token, &s, &[]);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    wait_for("the timeout", Duration::from_secs(30), || {
        deliveries(&app, &token, id)
            .first()
            .is_some_and(|d| d["attempts"] == 1)
    });
    let d = &deliveries(&app, &token, id)[0];
    assert!(d["attempt_log"][0]["status"].is_null(), "{d}");
    assert_eq!(d["attempt_log"][0]["error"], "接收方10秒内没有应答");
    // The slow receiver processed it anyway; the retry is a repeat.
    wait_for("the slow processing", Duration::from_secs(10), || {
        s.processed().len() == 1
    });
    app.server.clock.advance(time::Duration::seconds(31));
    wait_for("the retry", Duration::from_secs(20), || {
        deliveries(&app, &token, id)[0]["state"] == "delivered"
    });
    let got = s.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].event_id, got[1].event_id);
    assert!(!got[0].repeat && got[1].repeat);
    assert_eq!(s.processed().len(), 1);
}

#[test]
fn deliveries_left_by_a_node_that_stopped_mid_send_are_sent_by_the_next() {
    // This node delivers nothing: the test plays a node that leases the
    // deliveries, sends one, and dies before writing anything down.
    let mut app = App::start_with("2022-05-10", |c| c.webhook_workers = 0);
    let (u, nos) = unit_with_staff(&app, "91420500MA0HOOK07X", Some(202204), 2);
    let token = rep(&app, &u);
    let s = sink(accept_all());
    let id = register(&app, &token, &s, &[]);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    declare_wages(&app, &u.token, 2022, &nos, "5100");
    let expected = 2;
    let clock = app.server.clock.clone();
    let leased = {
        let mut conn = app.pool.get().unwrap();
        qibao_app::webhooks::fan_out_all(&mut conn, clock.now_utc()).unwrap();
        qibao_app::webhooks::claim(&mut conn, "crashed-node", clock.now_utc(), 10).unwrap()
    };
    assert_eq!(leased.len(), expected);
    let sender = qibao_api::webhook_worker::Sender::new(TargetPolicy::Any);
    let sent = sender.send(&leased[0]);
    assert_eq!(sent.status, Some(200));
    assert_eq!(s.processed().len(), 1);

    // Restarted (with webhook workers): nothing is sent while the dead
    // node's lease lasts, everything after.
    app.restart();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(s.received().len(), 1);
    app.server.clock.advance(time::Duration::seconds(61));
    wait_for("the deliveries", Duration::from_secs(20), || {
        s.received().len() == expected + 1
    });
    assert_eq!(s.processed().len(), expected);
    let repeats: Vec<_> = s.received().into_iter().filter(|r| r.repeat).collect();
    assert_eq!(repeats.len(), 1);
    assert_eq!(repeats[0].event_id, leased[0].event_id);
    let token = rep(&app, &u);
    wait_for("the log", Duration::from_secs(10), || {
        deliveries(&app, &token, id)
            .iter()
            .all(|d| d["state"] == "delivered" && d["attempts"] == 1)
    });
}

#[test]
fn a_dead_delivery_is_redelivered_by_hand_and_a_removed_address_gets_nothing_more() {
    let app = App::start("2022-05-10");
    let (u, nos) = unit_with_staff(&app, "91420500MA0HOOK08X", Some(202204), 1);
    let (other, _) = unit_with_staff(&app, "91420500MA0HOOK09X", Some(202204), 1);
    let token = rep(&app, &u);
    let up = Arc::new(AtomicBool::new(false));
    let flag = up.clone();
    let s = sink(Arc::new(move |_: &str, _: u32| {
        if flag.load(Ordering::SeqCst) {
            Reply::Accept
        } else {
            Reply::Status(503)
        }
    }));
    let id = register(&app, &token, &s, &[]);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    // The first attempt is written down (not only received) before the
    // clock moves, or it would be recorded a day late.
    wait_for("the first attempt", Duration::from_secs(20), || {
        s.received().len() == 1 && deliveries(&app, &token, id)[0]["attempts"] == 1
    });
    // A day later the next attempt fails too and the window is over.
    app.server.clock.advance(time::Duration::hours(25));
    let token = rep(&app, &u);
    wait_for("the dead letter", Duration::from_secs(20), || {
        deliveries(&app, &token, id)[0]["state"] == "dead"
    });
    let d = deliveries(&app, &token, id)[0].clone();
    assert_eq!(d["state_label"], "已放弃");
    assert_eq!(d["attempts"], 2);
    assert!(d["next_attempt_at"].is_null());
    let did = d["id"].as_i64().unwrap();

    // Redelivered by hand once the receiver is back.
    up.store(true, Ordering::SeqCst);
    let r = app.post_as(
        &format!("{HOOKS}/{id}/deliveries/{did}/redelivery"),
        &token,
        &json!({}),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["state"], "pending");
    wait_for("the redelivery", Duration::from_secs(20), || {
        deliveries(&app, &token, id)[0]["state"] == "delivered"
    });
    assert_eq!(
        deliveries(&app, &token, id)[0]["attempt_log"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(s.processed().len(), 1);
    app.post_as(
        &format!("{HOOKS}/{id}/deliveries/999999/redelivery"),
        &token,
        &json!({}),
    )
    .assert_problem(404, "WEBHOOK_DELIVERY_NOT_FOUND");
    app.post_as(
        &format!("{HOOKS}/{id}/deliveries/{did}/redelivery"),
        &rep(&app, &other),
        &json!({}),
    )
    .assert_problem(404, "WEBHOOK_NOT_FOUND");

    // Removed while a delivery waits for its retry: cancelled, not sent.
    up.store(false, Ordering::SeqCst);
    let agent = qibao_e2e::fixtures::token(&app, u.id);
    declare_wages(&app, &agent, 2022, &nos, "5100");
    wait_for("the failed attempt", Duration::from_secs(20), || {
        s.received().len() == 4
    });
    let d = app.call(
        reqwest::Method::DELETE,
        &format!("{HOOKS}/{id}"),
        &token,
        None,
    );
    assert_eq!(d.status, 200, "{}", d.text);
    let latest = deliveries(&app, &token, id)[0].clone();
    assert_eq!(latest["state"], "cancelled", "{latest}");
    up.store(true, Ordering::SeqCst);
    app.server.clock.advance(time::Duration::seconds(31));
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(s.received().len(), 4);
    app.post_as(
        &format!("{HOOKS}/{id}/deliveries/{did}/redelivery"),
        &token,
        &json!({}),
    )
    .assert_problem(409, "WEBHOOK_REMOVED");
}

//! The unit's event feed (issue 14), on both backends: each change of the
//! unit's business items, orders and jobs appears once, in commit order,
//! only to that unit, and a reader resuming after a cursor misses nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_e2e::fixtures::{declare_wages, set_today, tax_sim, unit_with_staff};
use qibao_e2e::{App, json};
use serde_json::Value;

const EVENTS: &str = "/api/v1/portal/events";

fn events_after(app: &App, token: &str, after: i64) -> Vec<Value> {
    let r = app.get_as(&format!("{EVENTS}?after={after}&limit=500"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["events"].as_array().unwrap().clone()
}

fn summary(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e["type"].as_str().unwrap() {
            t @ ("business_item.recorded" | "business_item.status_changed") => {
                format!("{t}:{}", e["data"]["kind"].as_str().unwrap())
            }
            t => t.to_owned(),
        })
        .collect()
}

#[test]
fn a_months_collection_appears_in_the_units_feed_in_order() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0EVENT1X", Some(202207), 2);
    let (mut other, _) = unit_with_staff(&app, "91420500MA0EVENT2X", Some(202207), 1);
    let start = events_after(&app, &u.token, 0);
    let head = start.last().map_or(0, |e| e["seq"].as_i64().unwrap());

    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u, &mut other]);
    let r = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202208"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let o = app.post_as("/api/v1/portal/orders", &u.token, &json!({}));
    assert_eq!(o.status, 201, "{}", o.text);
    let no = o.body["order_no"].as_str().unwrap().to_owned();
    let stats = tax_sim(&app, "2022-08-15").round().unwrap();
    assert_eq!(stats.paid, 1);

    let new = events_after(&app, &u.token, head);
    assert_eq!(
        summary(&new),
        [
            "business_item.recorded:wage_declaration",
            "business_item.recorded:monthly_declaration",
            "order.issued",
            "business_item.recorded:payment_order_issued",
            "order.paid",
            "business_item.recorded:payment_booked",
        ],
        "{new:#?}"
    );
    // Cursors count up by one per event, from the resume point.
    for (i, e) in new.iter().enumerate() {
        assert_eq!(e["seq"].as_i64().unwrap(), head + 1 + i as i64);
        assert!(
            e["type_label"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{4e00}')
        );
        assert!(e["created_at"].as_str().unwrap().ends_with("+08:00"));
    }
    let issued = &new[2];
    assert_eq!(issued["subject"], format!("/api/v1/portal/orders/{no}"));
    assert_eq!(issued["data"], json!({"order_no": no, "status": "live"}));
    assert_eq!(new[4]["data"]["status"], "paid");
    // The subject of an item event is the item itself.
    let item = app.get_as(new[3]["subject"].as_str().unwrap(), &u.token);
    assert_eq!(item.status, 200, "{}", item.text);

    // Paging: one at a time gives the same events, has_more until the end.
    let mut after = head;
    let mut one_by_one = Vec::new();
    loop {
        let r = app.get_as(&format!("{EVENTS}?after={after}&limit=1"), &u.token);
        let page = r.body;
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            assert_eq!(page["has_more"], false);
            assert_eq!(page["next_after"], after);
            break;
        }
        one_by_one.push(events[0].clone());
        after = page["next_after"].as_i64().unwrap();
    }
    assert_eq!(one_by_one, new);

    // Another unit sees none of it.
    let theirs = events_after(&app, &other.token, 0);
    assert!(
        theirs
            .iter()
            .all(|e| e["subject"] != format!("/api/v1/portal/orders/{no}"))
    );
    assert!(summary(&theirs).iter().all(|s| !s.contains("payment")));
}

#[test]
fn bad_cursors_and_unknown_parameters_are_refused() {
    let app = App::start("2022-05-10");
    let (u, _) = unit_with_staff(&app, "91420500MA0EVENT3X", Some(202207), 1);
    for q in ["after=-1", "limit=0", "limit=501", "after=x", "page=1"] {
        app.get_as(&format!("{EVENTS}?{q}"), &u.token)
            .assert_problem(400, "VALIDATION_FAILED");
    }
    let staff = app.staff_token();
    app.get_as(EVENTS, &staff).assert_problem(403, "FORBIDDEN");
}

#[test]
fn a_revoked_order_and_a_finished_job_are_reported() {
    let app = App::start("2022-05-10");
    let (mut u, nos) = unit_with_staff(&app, "91420500MA0EVENT4X", Some(202207), 1);
    declare_wages(&app, &u.token, 2022, &nos, "5000");
    set_today(&app, "2022-08-15", &mut [&mut u]);
    let r = app.post_as(
        "/api/v1/portal/declarations",
        &u.token,
        &json!({"period": "202208"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let o = app.post_as("/api/v1/portal/orders", &u.token, &json!({}));
    let no = o.body["order_no"].as_str().unwrap().to_owned();
    let head = events_after(&app, &u.token, 0).last().unwrap()["seq"]
        .as_i64()
        .unwrap();
    let r = app.post_as(
        &format!("/api/v1/portal/orders/{no}/revocation"),
        &u.token,
        &json!({}),
    );
    assert!(r.status < 300, "{}", r.text);
    let new = events_after(&app, &u.token, head);
    let types: Vec<&str> = new.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"order.revoked"), "{new:#?}");

    // An export job of the unit: its end is an event.
    let r = app
        .client
        .get(app.url("/api/v1/portal/employees?format=csv"))
        .bearer_auth(&u.token)
        .header("Prefer", "respond-async")
        .send()
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().unwrap();
    let job_path = format!("/api/v1/portal/jobs/{}", job["id"]);
    let mut finished = None;
    for _ in 0..100 {
        let new = events_after(&app, &u.token, head);
        finished = new.into_iter().find(|e| e["type"] == "job.finished");
        if finished.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let finished = finished.expect("job.finished");
    assert_eq!(finished["subject"], job_path);
    assert_eq!(finished["data"]["state"], "succeeded");
}

//! What integrators rely on across the API (issue 14), on both backends:
//! `Idempotency-Key` on every authenticated POST, validators and 304s,
//! request ids.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use qibao_e2e::fixtures::{UnitSpec, insert_unit, rid, row_count, token};
use qibao_e2e::{App, Resp, json};
use serde_json::Value;

const EMP: &str = "/api/v1/portal/employees";

fn enrol_body(id17: &str, name: &str) -> Value {
    json!({
        "id_type": "resident",
        "id_number": rid(id17),
        "name": name,
        "phone": "13807171234",
        "address": "湖北省宜昌市西陵区",
        "first_work_date": "2010-07-01",
        "start_date": "2023-04-01",
        "insurances": ["110", "210", "410"],
        "monthly_wage": "5000"
    })
}

fn keyed(app: &App, token: &str, path: &str, key: &str, body: &Value) -> Resp {
    Resp::read(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .unwrap(),
    )
}

fn unit(app: &App, uscc: &str) -> String {
    let u = insert_unit(app, &UnitSpec::new(uscc, "幂等测试单位"));
    token(app, u.id)
}

#[test]
fn a_keyed_post_runs_once_and_its_first_answer_is_replayed() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IDEMP1X");
    let body = enrol_body("42050019900101001", "张三");

    let first = keyed(&app, &tok, EMP, "enrol-zhang-1", &body);
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = keyed(&app, &tok, EMP, "enrol-zhang-1", &body);
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.text, first.text);
    assert_eq!(again.headers.get("location"), first.headers.get("location"));
    assert_eq!(row_count(&app, "persons"), 1);
    assert_eq!(row_count(&app, "employments"), 3);

    // Without a key the same enrolment is refused as a repeat.
    assert!(app.post_as(EMP, &tok, &body).status >= 400);

    // The key with another request: refused, nothing written.
    let other = enrol_body("42050019900101002", "李四");
    keyed(&app, &tok, EMP, "enrol-zhang-1", &other).assert_problem(409, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(row_count(&app, "persons"), 1);

    // A bad key: 400, nothing written.
    let long = "k".repeat(201);
    keyed(&app, &tok, EMP, &long, &other).assert_problem(400, "INVALID_IDEMPOTENCY_KEY");
    assert_eq!(row_count(&app, "persons"), 1);

    // Another unit's identical key is its own.
    let tok2 = unit(&app, "91420500MA0IDEMP2X");
    let theirs = keyed(
        &app,
        &tok2,
        EMP,
        "enrol-zhang-1",
        &enrol_body("42050019900101003", "王五"),
    );
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    assert!(theirs.headers.get("idempotent-replayed").is_none());
    assert_eq!(row_count(&app, "persons"), 2);
}

#[test]
fn a_refused_keyed_post_keeps_nothing_so_its_corrected_retry_runs() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IDEMP3X");
    let mut body = enrol_body("42050019900101004", "赵六");
    body["monthly_wage"] = json!("-1");
    let refused = keyed(&app, &tok, EMP, "k-refused", &body);
    assert!(
        refused.status >= 400 && refused.status < 500,
        "{}",
        refused.text
    );
    assert_eq!(row_count(&app, "idempotent_requests"), 0);
    // The same key with the request corrected: a new request, it runs.
    body["monthly_wage"] = json!("5000");
    let ok = keyed(&app, &tok, EMP, "k-refused", &body);
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert!(ok.headers.get("idempotent-replayed").is_none());
    assert_eq!(row_count(&app, "idempotent_requests"), 1);
}

#[test]
fn concurrent_requests_with_one_key_create_one_employee() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IDEMP4X");
    let body = enrol_body("42050019900101005", "孙七");
    let answers: Vec<(u16, bool, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    let r = keyed(&app, &tok, EMP, "double-click", &body);
                    let replayed = r.headers.get("idempotent-replayed").is_some();
                    (r.status, replayed, r.text)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (status, _, text) in &answers {
        assert_eq!(*status, 201, "{text}");
        assert_eq!(text, &answers[0].2);
    }
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1
    );
    assert_eq!(row_count(&app, "persons"), 1);
    assert_eq!(row_count(&app, "employments"), 3);
}

#[test]
fn single_resources_answer_304_until_they_change() {
    let app = App::start("2023-04-20");
    let tok = unit(&app, "91420500MA0IDEMP5X");
    let created = app.post_as(EMP, &tok, &enrol_body("42050019900101006", "周八"));
    assert_eq!(created.status, 201, "{}", created.text);
    let path = created.headers["location"].to_str().unwrap().to_owned();
    assert!(path.starts_with(EMP), "{path}");
    let get = |inm: Option<&str>| {
        let mut rb = app.client.get(app.url(&path)).bearer_auth(&tok);
        if let Some(v) = inm {
            rb = rb.header("If-None-Match", v);
        }
        rb.send().unwrap()
    };
    let first = get(None);
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let same = get(Some(&etag));
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers()["etag"].to_str().unwrap(), etag);
    // A change (a new phone number) gives a new validator.
    let r = app.call(
        reqwest::Method::PATCH,
        &path,
        &tok,
        Some(&json!({"phone": "13907171235"})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let changed = get(Some(&etag));
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

#[test]
fn every_answer_names_its_request() {
    let app = App::start("2023-04-20");
    let r = app
        .client
        .get(app.url("/api/v1/portal/unit"))
        .header("X-Request-Id", "hr-app-123")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-request-id"], "hr-app-123");
    let r = app.client.get(app.url("/healthz")).send().unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 32);
}

/// The store's own rules, straight on the database: a claim abandoned by
/// a stopped node is taken over after its lock, an answer is forgotten
/// after 24 hours, and the key belongs to its first request until then.
#[test]
fn abandoned_claims_are_taken_over_and_old_answers_forgotten() {
    use qibao_app::idempotency::{Begin, KeyedRequest, LOCK, StoredAnswer, begin, finish, purge};
    let app = App::start("2023-04-20");
    let mut conn = app.pool.get().unwrap();
    let t0 = app.server.clock.now_utc();
    let (fp_a, fp_b) = ("a".repeat(64), "b".repeat(64));
    let req = |fp: &'static str| KeyedRequest {
        scope: "unit:1",
        key: "k",
        fingerprint: fp,
        method: "POST",
        path: "/api/v1/portal/orders",
    };
    let fp_a: &'static str = Box::leak(fp_a.into_boxed_str());
    let fp_b: &'static str = Box::leak(fp_b.into_boxed_str());

    let Begin::Run { claim } = begin(&mut conn, &req(fp_a), t0).unwrap() else {
        panic!("the first request runs");
    };
    // While it runs: in flight; another request with the key: refused.
    assert_eq!(begin(&mut conn, &req(fp_a), t0).unwrap(), Begin::InFlight);
    let e = begin(&mut conn, &req(fp_b), t0).unwrap_err();
    assert_eq!(e.code().as_str(), "IDEMPOTENCY_KEY_REUSED");
    // Its node stops: after the lock the retry runs it again, same claim.
    let later = t0 + LOCK + time::Duration::seconds(1);
    assert_eq!(
        begin(&mut conn, &req(fp_a), later).unwrap(),
        Begin::Run { claim }
    );
    let answer = StoredAnswer {
        status: 201,
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{\"order_no\":\"1\"}".to_vec(),
    };
    finish(&mut conn, claim, &answer, later).unwrap();
    assert_eq!(
        begin(&mut conn, &req(fp_a), later).unwrap(),
        Begin::Replay(answer)
    );
    // Kept 24 hours from the claim, then purged; the key is free again.
    assert_eq!(
        purge(&mut conn, later + time::Duration::hours(23)).unwrap(),
        0
    );
    let day_after = later + time::Duration::hours(24) + time::Duration::minutes(1);
    assert_eq!(purge(&mut conn, day_after).unwrap(), 1);
    assert!(matches!(
        begin(&mut conn, &req(fp_b), day_after).unwrap(),
        Begin::Run { .. }
    ));
}

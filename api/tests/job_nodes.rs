//! Background jobs across real server processes (`qibao serve`), on SQLite
//! or on PostgreSQL (`QIBAO_TEST_DATABASE_URL`):
//! - kill -9 of the server while it commits a large import, restart: nothing
//!   of the interrupted commit is stored, and the job is taken up again and
//!   completes (or fails cleanly), never half-applied;
//! - two nodes on one PostgreSQL share one queue: signed in on one node,
//!   uploads and commits go to either node, each job runs exactly once, and
//!   a webhook registered on the other node receives each of the unit's
//!   events exactly once, signed, from whichever node's sender took it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use qibao_db::testing::TestDb;
use qibao_tools::webhook_sink::{Reply, Secret, Sink};
use serde_json::{Value, json};

const TODAY: &str = "2023-04-20";
const BIN: &str = env!("CARGO_BIN_EXE_qibao");

fn qibao(db: &str, data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env("QIBAO_DATABASE_URL", db)
        .env("QIBAO_DATA_DIR", data)
        .env("QIBAO_TODAY", TODAY)
        .env("QIBAO_MODE", "dev")
        .env("RUST_LOG", "warn");
    c
}

fn run(db: &str, data: &Path, arg: &str) {
    let out = qibao(db, data).arg(arg).output().unwrap();
    assert!(
        out.status.success(),
        "qibao {arg}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &str, data: &Path, job_workers: u32) -> Node {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = qibao(db, data)
        .arg("serve")
        .env("QIBAO_BIND", format!("127.0.0.1:{port}"))
        .env("QIBAO_WORKERS", "1")
        .env("QIBAO_POOL_SIZE", "4")
        .env("QIBAO_JOB_WORKERS", job_workers.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    let t = Instant::now();
    while client.get(format!("{base}/healthz")).send().is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Node { child, base }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// Signs the demo unit's legal representative in on `node`.
fn sign_in(node: &Node) -> String {
    let stem = "91420500MA4C8QD2X";
    let uscc = format!("{stem}{}", qibao_core::ids::uscc_check_char(stem).unwrap());
    let r = client()
        .post(format!("{}/api/v1/auth/password-login", node.base))
        .json(&json!({"uscc": uscc, "password": qibao_api::demo::DEMO_LEGAL_REP_PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn post(node: &Node, token: &str, path: &str, body: &Value) -> (u16, Value, Option<String>) {
    let r = client()
        .post(format!("{}{path}", node.base))
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.json().unwrap_or(Value::Null), loc)
}

fn get(node: &Node, token: &str, path: &str) -> Value {
    let r = client()
        .get(format!("{}{path}", node.base))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().unwrap()
}

fn wait_end(node: &Node, token: &str, job: &str, limit: Duration) -> Value {
    let t = Instant::now();
    loop {
        let j = get(node, token, job);
        if j["state"] == "succeeded" || j["state"] == "failed" {
            return j;
        }
        assert!(t.elapsed() < limit, "job did not end: {j}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Enrolment rows of new persons `from..from + n`.
fn rows(from: usize, n: usize) -> Value {
    Value::Array(
        (from..from + n)
            .map(|i| {
                let first17 = format!(
                    "42050{}19{:02}{:02}{:02}{:03}",
                    i / 100_000,
                    80 + (i / 1000) % 12,
                    1 + (i / 28) % 12,
                    1 + i % 28,
                    i % 1000
                );
                let id = format!("{first17}{}", qibao_core::ids::resident_id_check_char(&first17).unwrap());
                json!({"id_number": id, "name": cname("职工", i), "phone": "13807171234",
                       "first_work_date": "2012-07-01", "start_date": "2023-04-01", "monthly_wage": "5000"})
            })
            .collect(),
    )
}

fn count(db: &str, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let pool = qibao_db::Pool::connect(db, 1).unwrap();
    let mut conn = pool.get().unwrap();
    diesel::sql_query(sql)
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n
}

#[test]
fn a_commit_killed_mid_way_stores_nothing_and_is_taken_up_after_a_restart() {
    let db = TestDb::new();
    let data = tempfile::tempdir().unwrap();
    run(&db.url, data.path(), "migrate");
    run(&db.url, data.path(), "demo");
    let node = start(&db.url, data.path(), 1);
    let token = sign_in(&node);
    // Ten batches of the enrolment use case: time to be killed between two.
    let n = 20_000;
    let (status, body, job) = post(
        &node,
        &token,
        "/api/v1/portal/imports",
        &json!({"kind": "enrolment", "rows": rows(0, n)}),
    );
    assert_eq!(status, 202, "{body}");
    let v = wait_end(&node, &token, &job.unwrap(), Duration::from_secs(300));
    assert_eq!(v["state"], "succeeded", "{v}");
    let id = body["import"]["id"].as_i64().unwrap();
    let before = count(&db.url, "SELECT COUNT(*) AS n FROM persons");

    let (status, body, job) = post(
        &node,
        &token,
        &format!("/api/v1/portal/imports/{id}/commit"),
        &json!({}),
    );
    assert_eq!(status, 202, "{body}");
    let job = job.unwrap();
    // Kill -9 once the commit is under way.
    let t = Instant::now();
    loop {
        let j = get(&node, &token, &job);
        assert_ne!(
            j["state"], "succeeded",
            "the commit ended before it could be killed: {j}"
        );
        if j["state"] == "running" && j["done"].as_i64().unwrap() >= 2_000 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{j}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut node = node;
    node.child.kill().unwrap();
    node.child.wait().unwrap();
    drop(node);
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) AS n FROM persons"),
        before,
        "half of a commit was stored"
    );
    assert_eq!(
        count(
            &db.url,
            &format!(
                "SELECT COUNT(*) AS n FROM jobs WHERE state = 'running' AND kind = 'import_commit' AND subject_id = {id}"
            )
        ),
        1
    );

    // Restarted, the node takes the job up again (SQLite at once,
    // PostgreSQL once its heartbeat is stale) and it completes.
    let node = start(&db.url, data.path(), 1);
    let j = wait_end(&node, &token, &job, Duration::from_secs(300));
    match j["state"].as_str().unwrap() {
        "succeeded" => {
            assert_eq!(j["attempts"], 2, "{j}");
            assert_eq!(
                count(&db.url, "SELECT COUNT(*) AS n FROM persons"),
                before + n as i64
            );
            assert_eq!(
                get(&node, &token, &format!("/api/v1/portal/imports/{id}"))["state"],
                "committed"
            );
        }
        _ => assert_eq!(count(&db.url, "SELECT COUNT(*) AS n FROM persons"), before),
    }
}

#[test]
fn two_nodes_on_one_postgresql_share_the_queue_and_run_each_job_once() {
    if TestDb::server_url().is_none() {
        eprintln!("PostgreSQL only (QIBAO_TEST_DATABASE_URL unset): SQLite is one node");
        return;
    }
    let db = TestDb::new();
    let data = tempfile::tempdir().unwrap();
    run(&db.url, data.path(), "migrate");
    run(&db.url, data.path(), "demo");
    let nodes = [
        start(&db.url, data.path(), 1),
        start(&db.url, data.path(), 1),
    ];
    // Signed in on one node, acting on both.
    let token = sign_in(&nodes[0]);
    let before = count(&db.url, "SELECT COUNT(*) AS n FROM persons");
    // A payroll system's receiver, registered on the other node.
    let sink = Sink::start(
        "127.0.0.1:0",
        Secret::Value(Arc::new(Mutex::new(None))),
        Arc::new(|_: &str, _: u32| Reply::Accept),
        false,
    )
    .unwrap();
    let (status, hook, _) = post(
        &nodes[1],
        &token,
        "/api/v1/portal/webhooks",
        &json!({"url": sink.url(), "event_types": [], "description": "薪资系统"}),
    );
    assert_eq!(status, 201, "{hook}");
    sink.set_secret(hook["secret"].as_str().unwrap());
    let hook_id = hook["id"].as_i64().unwrap();
    let unit = "(SELECT unit_id FROM webhook_endpoints WHERE id = HOOK)"
        .replace("HOOK", &hook_id.to_string());
    let head = count(
        &db.url,
        &format!("SELECT COALESCE(MAX(seq), 0) AS n FROM unit_events WHERE unit_id = {unit}"),
    );
    let (imports, per) = (8, 60);
    let mut ids = Vec::new();
    let mut jobs = Vec::new();
    for k in 0..imports {
        let node = &nodes[k % 2];
        let (status, body, job) = post(
            node,
            &token,
            "/api/v1/portal/imports",
            &json!({"kind": "enrolment", "rows": rows(k * per, per)}),
        );
        assert_eq!(status, 202, "{body}");
        ids.push(body["import"]["id"].as_i64().unwrap());
        jobs.push(job.unwrap());
    }
    for (k, job) in jobs.iter().enumerate() {
        let j = wait_end(&nodes[(k + 1) % 2], &token, job, Duration::from_secs(300));
        assert_eq!(j["state"], "succeeded", "{j}");
    }
    let mut commits = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let (status, body, job) = post(
            &nodes[(k + 1) % 2],
            &token,
            &format!("/api/v1/portal/imports/{id}/commit"),
            &json!({}),
        );
        assert_eq!(status, 202, "{body}");
        commits.push(job.unwrap());
        // The same commit asked of the other node at once is the same job.
        let (status, again, job2) = post(
            &nodes[k % 2],
            &token,
            &format!("/api/v1/portal/imports/{id}/commit"),
            &json!({}),
        );
        assert_eq!(status, 200, "{again}");
        assert_eq!(job2, commits.last().cloned());
    }
    for (k, job) in commits.iter().enumerate() {
        let j = wait_end(&nodes[k % 2], &token, job, Duration::from_secs(300));
        assert_eq!(j["state"], "succeeded", "{j}");
    }
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) AS n FROM persons"),
        before + (imports * per) as i64
    );
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) AS n FROM jobs WHERE attempts <> 1 OR state <> 'succeeded'"
        ),
        0
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) AS n FROM jobs"),
        (2 * imports) as i64
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(DISTINCT claimed_by) AS n FROM jobs"),
        2,
        "both nodes took jobs from the queue"
    );

    // Every event after the registration reaches the receiver once.
    let events = count(
        &db.url,
        &format!("SELECT COUNT(*) AS n FROM unit_events WHERE unit_id = {unit} AND seq > {head}"),
    );
    assert!(events >= (2 * imports) as i64, "{events} events");
    let t = Instant::now();
    while (sink.processed().len() as i64) < events {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "{} of {events} events delivered",
            sink.processed().len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Give a stray second send time to arrive before counting.
    std::thread::sleep(Duration::from_secs(2));
    let got = sink.received();
    assert_eq!(got.len() as i64, events, "each event was sent once");
    assert!(
        got.iter()
            .all(|r| r.signature.is_ok() && !r.repeat && r.answered == 200)
    );
    let ids: HashSet<&str> = got.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!(ids.len() as i64, events);
    assert_eq!(
        count(
            &db.url,
            &format!(
                "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = {hook_id} AND state = 'delivered' AND attempts = 1"
            )
        ),
        events
    );
    // The log reads the same from either node.
    for node in &nodes {
        let page = get(
            node,
            &token,
            &format!("/api/v1/portal/webhooks/{hook_id}/deliveries?state=delivered&page_size=1"),
        );
        assert_eq!(page["total"].as_i64().unwrap(), events, "{page}");
    }
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

/// The peak resident memory of a process, in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap()
        / 1024
}

#[test]
fn a_million_row_file_leaves_the_servers_memory_bounded() {
    let db = TestDb::new();
    let data = tempfile::tempdir().unwrap();
    run(&db.url, data.path(), "migrate");
    run(&db.url, data.path(), "demo");
    let node = start(&db.url, data.path(), 1);
    let token = sign_in(&node);
    let template = client()
        .get(format!(
            "{}/api/v1/portal/import-templates/enrolment?format=csv",
            node.base
        ))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .to_vec();
    let mut csv = template;
    for i in 0..1_000_000u32 {
        csv.extend_from_slice(format!(",{i},名\r\n").as_bytes());
    }
    assert!(csv.len() < 20 << 20, "{}", csv.len());
    let baseline = peak_rss_mib(node.child.id());
    let boundary = "qibao-memory-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nenrolment\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&csv);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = client()
        .post(format!("{}/api/v1/portal/imports", node.base))
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.json::<Value>().unwrap()["code"], "IMPORT_TOO_MANY_ROWS");
    let peak = peak_rss_mib(node.child.id());
    eprintln!("server peak RSS {baseline} MiB before, {peak} MiB after");
    // The file is held (20 MiB at most) and its records counted before any
    // row is built: the server grows by the file's size, not by its rows.
    assert!(
        peak < baseline + 100,
        "peak {peak} MiB after a 1,000,000-row file (before: {baseline} MiB)"
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) AS n FROM imports"), 0);
}

//! qibao-e2e: black-box scenario tests over HTTP. Each [`App`] is a real
//! server on a random local port with its own fresh database: SQLite by
//! default, PostgreSQL when `QIBAO_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use qibao_api::auth::{Role, SessionSpec, StaffRole, testing as auth_testing};
use qibao_api::openapi::{ANY_OPERATION, served_codes};
use qibao_api::{AppState, Clock, Config, TestServer, spawn_test_server};
use qibao_core::ErrorCode;
use qibao_db::Pool;
use qibao_db::ids::UnitId;
use qibao_db::testing::TestDb;
use serde_json::Value;

pub use serde_json::json;

pub mod examples;
pub mod fixtures;
pub mod spec;

/// A running server and its database; both go away when dropped.
pub struct App {
    pub server: TestServer,
    pub client: reqwest::blocking::Client,
    /// The server's database, for arranging what no endpoint creates.
    pub pool: Pool,
    secret: Vec<u8>,
    // Dropped after the server (fields drop in order).
    _db: TestDb,
}

/// A response: status, content type and parsed JSON body (Null when empty
/// or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// An answer as read, without the spec checks of [`App`]'s calls (for
    /// requests built by hand, with headers of their own).
    pub fn read(r: reqwest::blocking::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = r.text().unwrap_or_default();
        Resp {
            status,
            content_type,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// Asserts a problem+json answer with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {} for {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        let detail = self.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "detail should be Chinese: {detail}"
        );
        self
    }

    /// The `field` names of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every problem a scenario receives is checked against the spec: its code
/// is one of [`ErrorCode`]'s, and unless any operation may answer it
/// ([`ANY_OPERATION`]), the operation that was called lists it for that
/// status (`x-error-codes`). So the spec cannot leave out a code that an
/// operation answers in any scenario, on either backend.
fn check_documented(
    method: &reqwest::Method,
    path: &str,
    status: u16,
    content_type: &str,
    body: &Value,
) {
    if status < 400 || !content_type.starts_with("application/problem+json") {
        return;
    }
    let wire = body["code"].as_str().unwrap_or_default();
    let code = ErrorCode::parse(wire)
        .unwrap_or_else(|| panic!("{method} {path}: problem with unknown code {wire:?}: {body}"));
    assert_eq!(
        code.kinds().iter().filter(|k| k.status() == status).count(),
        1,
        "{method} {path}: {code} answered with {status}"
    );
    if ANY_OPERATION.contains(&code) {
        return;
    }
    let Some(documented) = served_codes(method.as_str(), path) else {
        return;
    };
    let listed = documented.get(&status);
    assert!(
        listed.is_some_and(|l| l.contains(&code)),
        "{method} {path} answered {status} {code}, which the spec does not list for its \
         operation ({status}: {listed:?}); name it in that response's description"
    );
}

impl App {
    /// A fresh server whose date is `today` (YYYY-MM-DD).
    pub fn start(today: &str) -> App {
        App::start_with(today, |_| {})
    }

    /// Like [`App::start`], with the configuration changed by `adjust`.
    pub fn start_with(today: &str, adjust: impl FnOnce(&mut Config)) -> App {
        let db = TestDb::new();
        let pool = db.pool();
        let date = time::Date::parse(
            today,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .expect("test date");
        let mut config = Config::for_tests(db.url.clone());
        adjust(&mut config);
        let secret = config.jwt_secret.as_bytes().to_vec();
        let replica = config.read_database_url.as_deref().map(connect_replica);
        let mut state = AppState::new(pool.clone(), Clock::fixed(date), config);
        if let Some(replica) = replica {
            state = state.with_replica(replica);
        }
        let server = spawn_test_server(state);
        App {
            server,
            client: reqwest::blocking::Client::new(),
            pool,
            secret,
            _db: db,
        }
    }

    /// The name of the test's database (on the primary and, with
    /// [`replica_url`], on the replica).
    pub fn database_name(&self) -> &str {
        self._db.url.rsplit('/').next().unwrap_or_default()
    }

    /// Another server node on the same database and clock, with its own
    /// job and webhook workers (as a second `qibao serve` would be).
    pub fn another_node(&self) -> TestServer {
        let config = Config::for_tests(self._db.url.clone());
        let pool = Pool::connect(&self._db.url, config.pool_size).expect("a second pool");
        spawn_test_server(AppState::new(pool, self.server.clock.clone(), config))
    }

    /// Starts a new server on the same database and clock, then stops this
    /// one (its workers finish what they are doing): a restart.
    pub fn restart(&mut self) {
        let fresh = self.another_node();
        let old = std::mem::replace(&mut self.server, fresh);
        drop(old);
    }

    /// A bearer token for a caller, minted directly (a session is opened in
    /// the database), for tests of endpoints other than sign-in.
    pub fn mint(
        &self,
        role: Role,
        subject: &str,
        name: &str,
        unit_id: Option<UnitId>,
        staff_roles: &[StaffRole],
    ) -> String {
        let spec = SessionSpec {
            role,
            subject,
            name,
            unit_id,
            staff_roles,
            channel: auth_testing::default_channel(role),
        };
        auth_testing::mint_token(&self.pool, &self.secret, self.server.clock.now_utc(), &spec)
    }

    /// A staff token with every staff role.
    pub fn staff_token(&self) -> String {
        self.mint(
            Role::Staff,
            "staff-admin",
            "测试柜员",
            None,
            &[
                StaffRole::Acceptor,
                StaffRole::Handler,
                StaffRole::Reviewer,
                StaffRole::Finance,
                StaffRole::PolicyAdmin,
            ],
        )
    }

    /// Sends a request with a bearer token and an optional JSON body.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Resp {
        let mut rb = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let resp = Self::wrap(&method, rb.send().expect("request"));
        examples::record(method.as_str(), path, &resp, body);
        resp
    }

    /// Sends a raw body with its content type and a bearer token.
    pub fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::blocking::Body>,
    ) -> Resp {
        let r = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .expect("request");
        let resp = Self::wrap(&method, r);
        examples::record(method.as_str(), path, &resp, None);
        resp
    }

    pub fn get_as(&self, path: &str, token: &str) -> Resp {
        self.call(reqwest::Method::GET, path, token, None)
    }

    /// Every line of one of the unit's orders, read from the order's lines
    /// sub-resource a page of 200 at a time; checks each page's `total`
    /// against the order's `lines_total`.
    pub fn order_lines(&self, token: &str, order_no: &str) -> Value {
        let detail = self.get_as(&format!("/api/v1/portal/orders/{order_no}"), token);
        assert_eq!(detail.status, 200, "{}", detail.text);
        let total = detail.body["lines_total"].as_u64().expect("lines_total");
        let mut lines = Vec::new();
        for page in 1.. {
            let r = self.get_as(
                &format!("/api/v1/portal/orders/{order_no}/lines?page={page}&page_size=200"),
                token,
            );
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(r.body["total"].as_u64(), Some(total));
            let items = r.body["items"].as_array().expect("items").clone();
            let done = items.len() < 200;
            lines.extend(items);
            if done {
                break;
            }
        }
        assert_eq!(lines.len() as u64, total);
        Value::Array(lines)
    }

    pub fn post_as(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(reqwest::Method::POST, path, token, Some(body))
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Reads the answer to `method`; a problem must carry a code its
    /// operation documents (see [`check_documented`]).
    fn wrap(method: &reqwest::Method, r: reqwest::blocking::Response) -> Resp {
        let path = r.url().path().to_owned();
        let resp = Resp::read(r);
        if let Some(Err(violation)) = spec::spec().check(
            method.as_str(),
            &path,
            resp.status,
            &resp.content_type,
            &resp.body,
            &resp.text,
        ) {
            panic!("the answer does not match the spec: {violation}");
        }
        check_documented(method, &path, resp.status, &resp.content_type, &resp.body);
        if let Err(e) = one_timestamp_form(&resp.body, "") {
            panic!("{method} {path}: {e}");
        }
        resp
    }

    pub fn get(&self, path: &str) -> Resp {
        let resp = Self::wrap(
            &reqwest::Method::GET,
            self.client.get(self.url(path)).send().expect("GET"),
        );
        examples::record("GET", path, &resp, None);
        resp
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        let resp = Self::wrap(
            &reqwest::Method::POST,
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .expect("POST"),
        );
        examples::record("POST", path, &resp, Some(body));
        resp
    }

    /// POST with a raw body and content type.
    pub fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::blocking::Body>,
    ) -> Resp {
        Self::wrap(
            &reqwest::Method::POST,
            self.client
                .post(self.url(path))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .expect("POST"),
        )
    }

    /// GET with a bearer token, the body as bytes (a PDF or a workbook):
    /// status, content type, bytes.
    pub fn get_bytes(&self, path: &str, token: &str) -> (u16, String, Vec<u8>) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .expect("GET");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, r.bytes().expect("body").to_vec())
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> Resp {
        Self::wrap(
            &method,
            self.client
                .request(method.clone(), self.url(path))
                .send()
                .expect("request"),
        )
    }
}

/// The text of a PDF as `pdftotext -layout` extracts it (poppler-utils;
/// `make test` installs it when missing).
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    // To look at what the tests render: QIBAO_PDF_OUT=/some/dir.
    if let Ok(dir) = std::env::var("QIBAO_PDF_OUT") {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(format!("e2e-{n}.pdf")),
            bytes,
        );
    }
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run pdftotext ({e}): install poppler-utils (`make pdftools`)")
        });
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext prints UTF-8")
}

/// The API's one timestamp form (ENGINEERING: "timestamps one RFC 3339
/// format everywhere"): China time in whole seconds,
/// `2023-04-20T10:30:00+08:00`. Every string of an answer that starts like
/// a timestamp (`YYYY-MM-DDT`) must be one.
pub fn one_timestamp_form(v: &Value, at: &str) -> Result<(), String> {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            let starts_like = b.len() > 11
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T';
            let exact = b.len() == 25
                && s.ends_with("+08:00")
                && time::PrimitiveDateTime::parse(
                    &s[..19],
                    time::macros::format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second]"
                    ),
                )
                .is_ok();
            if starts_like && !exact {
                return Err(format!(
                    "{at}: {s:?} is not a timestamp of the form 2023-04-20T10:30:00+08:00"
                ));
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| one_timestamp_form(x, &format!("{at}/{i}"))),
        Value::Object(m) => m
            .iter()
            .try_for_each(|(k, x)| one_timestamp_form(x, &format!("{at}/{k}"))),
        _ => Ok(()),
    }
}

/// The streaming replica's server for the read-replica tests
/// (`QIBAO_TEST_REPLICA_URL`, e.g. `postgres://root@127.0.0.1:5433`, set up
/// by `scripts/pg-replica.sh`), if any and if the suite runs on PostgreSQL
/// (`make test-sqlite` runs with the replica's variable still set).
pub fn replica_server() -> Option<String> {
    let on_postgres =
        std::env::var("QIBAO_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    std::env::var("QIBAO_TEST_REPLICA_URL")
        .ok()
        .filter(|u| on_postgres && !u.is_empty())
}

/// The replica's URL of the primary's database `url`.
pub fn replica_url(server: &str, primary_url: &str) -> String {
    let db = primary_url.rsplit('/').next().unwrap_or_default();
    format!("{}/{db}", server.trim_end_matches('/'))
}

/// A pool on the replica, once it has replayed the database's creation.
fn connect_replica(url: &str) -> Pool {
    let t = std::time::Instant::now();
    loop {
        match Pool::connect(url, 4) {
            Ok(pool) => return pool,
            Err(e) if t.elapsed() > std::time::Duration::from_secs(30) => {
                panic!("the replica has no {url}: {e}")
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBLEM: &str = "application/problem+json";

    #[test]
    fn timestamps_have_one_form() {
        let ok = json!({"a": "2023-04-20T10:30:00+08:00", "b": ["2023-04-20", "202304", "x"], "c": null});
        assert_eq!(one_timestamp_form(&ok, ""), Ok(()));
        for bad in [
            "2023-04-20T02:30:00Z",
            "2023-04-20T10:30:00.123+08:00",
            "2023-04-20T10:30:00+00:00",
            "2023-04-20T25:30:00+08:00",
        ] {
            let e = one_timestamp_form(&json!({"items": [{"at": bad}]}), "").unwrap_err();
            assert!(e.starts_with("/items/0/at: "), "{e}");
        }
    }

    #[test]
    fn a_documented_or_any_operation_code_passes() {
        let post = reqwest::Method::POST;
        let path = "/api/v1/portal/declarations";
        check_documented(&post, path, 422, PROBLEM, &json!({"code": "PERIOD_GAP"}));
        check_documented(
            &post,
            path,
            503,
            PROBLEM,
            &json!({"code": "SERVICE_UNAVAILABLE"}),
        );
        // Not a problem, or a path no operation serves: nothing to check.
        check_documented(&post, path, 422, "application/json", &json!({}));
        check_documented(
            &post,
            "/nowhere",
            404,
            PROBLEM,
            &json!({"code": "NOT_FOUND"}),
        );
    }

    #[test]
    #[should_panic(expected = "which the spec does not list")]
    fn an_undocumented_code_fails_the_scenario() {
        check_documented(
            &reqwest::Method::POST,
            "/api/v1/portal/declarations",
            404,
            PROBLEM,
            &json!({"code": "ORDER_NOT_FOUND"}),
        );
    }

    #[test]
    #[should_panic(expected = "unknown code")]
    fn a_problem_without_a_known_code_fails_the_scenario() {
        check_documented(
            &reqwest::Method::GET,
            "/api/v1/portal/unit",
            409,
            PROBLEM,
            &json!({"code": "SOMETHING_ELSE"}),
        );
    }

    #[test]
    #[should_panic(expected = "answered with 409")]
    fn a_code_with_another_status_fails_the_scenario() {
        check_documented(
            &reqwest::Method::POST,
            "/api/v1/portal/declarations",
            409,
            PROBLEM,
            &json!({"code": "PERIOD_GAP"}),
        );
    }
}

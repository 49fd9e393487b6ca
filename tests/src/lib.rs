//! qibao-e2e: black-box scenario tests over HTTP. Each [`App`] is a real
//! server on a random local port with its own fresh database: SQLite by
//! default, PostgreSQL when `QIBAO_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use qibao_api::{AppState, Clock, Config, TestServer, spawn_test_server};
use qibao_db::testing::TestDb;
use serde_json::Value;

pub use serde_json::json;

/// A running server and its database; both go away when dropped.
pub struct App {
    pub server: TestServer,
    pub client: reqwest::blocking::Client,
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

impl App {
    /// A fresh server whose date is `today` (YYYY-MM-DD).
    pub fn start(today: &str) -> App {
        let db = TestDb::new();
        let pool = db.pool();
        let date = time::Date::parse(
            today,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .expect("test date");
        let state = AppState::new(pool, Clock::fixed(date), Config::for_tests(db.url.clone()));
        let server = spawn_test_server(state);
        App {
            server,
            client: reqwest::blocking::Client::new(),
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn wrap(r: reqwest::blocking::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = r.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        Self::wrap(self.client.get(self.url(path)).send().expect("GET"))
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        Self::wrap(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .expect("POST"),
        )
    }

    /// POST with a raw body and content type.
    pub fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::blocking::Body>,
    ) -> Resp {
        Self::wrap(
            self.client
                .post(self.url(path))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .expect("POST"),
        )
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> Resp {
        Self::wrap(
            self.client
                .request(method, self.url(path))
                .send()
                .expect("request"),
        )
    }
}

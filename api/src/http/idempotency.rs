//! `Idempotency-Key` on every authenticated POST (issue 14): one module for
//! the whole API, over [`qibao_app::idempotency`].
//!
//! A POST that carries the header (1–200 visible characters) is
//! fingerprinted (method, path, query and body; a multipart body without
//! its random boundary, so the same file sent again matches) and its key
//! claimed for the caller's scope: the unit for its legal representative,
//! agents and API keys; the account for staff and the tax bureau.
//!
//! - First use: the request runs. A 2xx answer is kept for 24 hours, status,
//!   the headers a client reads (`Content-Type`, `Location`,
//!   `Content-Disposition`, `Preference-Applied`) and body; any other
//!   answer wrote nothing, so the key is released and a retry runs afresh.
//! - A retry: the kept answer again, with `Idempotent-Replayed: true`,
//!   even if the resource has changed since (an order paid meanwhile is
//!   still `live` in the replay: read the resource for its state).
//! - The same key with another request: 409 `IDEMPOTENCY_KEY_REUSED`.
//! - While the first is still running (a double click, a retry after a
//!   timeout, another node): the retry waits for it up to
//!   [`WAIT_FOR_FIRST`], then answers the first's result; after that, 409
//!   `IDEMPOTENCY_KEY_IN_FLIGHT` with `Retry-After`.
//!
//! A POST without the header, or not signed in, runs as it is.

use std::time::{Duration, Instant};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use futures_util::StreamExt;
use qibao_app::error::ErrorCode;
use qibao_app::idempotency::{self, Begin, KeyedRequest, StoredAnswer};
use sha2::{Digest, Sha256};

use crate::auth::{self, Principal, Role};
use crate::http::blocking::run_db;
use crate::http::problem::ApiError;
use crate::state::AppState;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The header of a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a retry waits for the first request with its key.
pub const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

/// The largest body a keyed request may have (the largest upload, 20 MiB,
/// with room for its form).
pub const MAX_KEYED_BODY: usize = 24 * 1024 * 1024;

/// The headers kept with an answer and replayed.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CONTENT_DISPOSITION,
    HeaderName::from_static("preference-applied"),
];

/// The key of a request: `None` without the header; 400
/// `INVALID_IDEMPOTENCY_KEY` unless 1–200 visible characters.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get(&IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(v) => match v.to_str().map(str::trim) {
            Ok(s) if !s.is_empty() && s.len() <= 200 => Ok(Some(s.to_owned())),
            _ => Err(ApiError::new(ErrorCode::InvalidIdempotencyKey)),
        },
    }
}

/// Whose keys a caller uses: a unit's callers share the unit's.
pub fn scope_of(p: &Principal) -> String {
    match (p.role, p.unit_id) {
        (Role::LegalRep | Role::Agent | Role::Payroll, Some(unit)) => format!("unit:{}", unit.0),
        (role, _) => format!("{}:{}", role.as_str(), p.subject),
    }
}

/// SHA-256 (hex) of the request. A multipart body is hashed without its
/// boundary, which a client draws afresh for each send.
pub fn fingerprint(
    method: &str,
    path: &str,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> String {
    let mut h = Sha256::new();
    for part in [method, path, query] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let (media, boundary) = split_content_type(content_type);
    h.update(media.as_bytes());
    h.update([0]);
    match boundary.filter(|b| !b.is_empty()) {
        Some(b) => {
            let mut rest = body;
            while let Some(i) = find(rest, b.as_bytes()) {
                h.update(&rest[..i]);
                rest = &rest[i + b.len()..];
            }
            h.update(rest);
        }
        None => h.update(body),
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The media type (lower case) and a multipart boundary.
fn split_content_type(value: &str) -> (String, Option<&str>) {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let boundary = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"'))
    });
    let multipart = media.starts_with("multipart/");
    (media, boundary.filter(|_| multipart))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The middleware (see module docs).
pub async fn keyed(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match key_of(req.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => return Ok(refuse(req, e)),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Not signed in: the handler answers 401 as it would without a key.
    let Ok(principal) = auth::authenticate(req.request()).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match read_body(&mut req).await {
        Ok(b) => b,
        Err(e) => return Ok(refuse(req, e)),
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let scope = scope_of(&principal);
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let fp = fingerprint(&method, &path, req.query_string(), &content_type, &body);
    req.set_payload(Payload::from(body));

    let started = Instant::now();
    let mut pause = Duration::from_millis(20);
    let claim = loop {
        let (scope, key, fp, method, path) = (
            scope.clone(),
            key.clone(),
            fp.clone(),
            method.clone(),
            path.clone(),
        );
        let now = state.clock.now_utc();
        let begun = run_db(&state, move |conn| {
            let keyed = KeyedRequest {
                scope: &scope,
                key: &key,
                fingerprint: &fp,
                method: &method,
                path: &path,
            };
            Ok(idempotency::begin(conn, &keyed, now)?)
        })
        .await;
        match begun {
            Ok(Begin::Run { claim }) => break claim,
            Ok(Begin::Replay(answer)) => return Ok(replay(req, &answer)),
            Ok(Begin::InFlight) if started.elapsed() < WAIT_FOR_FIRST => {
                actix_web::rt::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            Ok(Begin::InFlight) => {
                let e = ApiError::new(ErrorCode::IdempotencyKeyInFlight)
                    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return Ok(refuse(req, e));
            }
            Err(e) => return Ok(refuse(req, e)),
        }
    };

    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            settle(&state, claim, None).await;
            return Err(err);
        }
    };
    if !res.status().is_success() {
        settle(&state, claim, None).await;
        return Ok(res);
    }
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(b) => b,
        Err(e) => {
            settle(&state, claim, None).await;
            return Err(ApiError::internal_cause(e.to_string()).into());
        }
    };
    let answer = StoredAnswer {
        status: head.status().as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let v = head.headers().get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
        body: bytes.to_vec(),
    };
    settle(&state, claim, Some(answer)).await;
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, response))
}

/// Keeps the answer, or releases the key. A failure here is logged: the
/// claim then lapses after its lock and a retry runs afresh.
async fn settle(state: &AppState, claim: i64, answer: Option<StoredAnswer>) {
    let now = state.clock.now_utc();
    let result = run_db(state, move |conn| {
        match &answer {
            Some(a) => idempotency::finish(conn, claim, a, now)?,
            None => idempotency::release(conn, claim)?,
        }
        Ok(())
    })
    .await;
    if let Err(e) = result {
        tracing::warn!("idempotency key {claim} not settled: {e}");
    }
}

async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(ErrorCode::BadRequest))?;
        if buf.len() + chunk.len() > MAX_KEYED_BODY {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn refuse(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    let (http_req, _) = req.into_parts();
    ServiceResponse::new(http_req, e.error_response())
}

fn replay(req: ServiceRequest, answer: &StoredAnswer) -> ServiceResponse<BoxBody> {
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in &answer.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            res.insert_header((n, v));
        }
    }
    res.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    let (http_req, _) = req.into_parts();
    ServiceResponse::new(http_req, res.body(answer.body.clone()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_two_hundred_visible_characters() {
        let mut h = HeaderMap::new();
        assert_eq!(key_of(&h).unwrap(), None);
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static(" k-1 "));
        assert_eq!(key_of(&h).unwrap().as_deref(), Some("k-1"));
        for bad in ["", "   "] {
            h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static(bad));
            assert!(key_of(&h).is_err());
        }
        h.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&"k".repeat(201)).unwrap(),
        );
        assert!(key_of(&h).is_err());
    }

    #[test]
    fn the_multipart_boundary_does_not_count() {
        let body = |b: &str| {
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nenrolment\r\n--{b}--\r\n"
            )
        };
        let a = fingerprint(
            "POST",
            "/x",
            "",
            "multipart/form-data; boundary=AAA",
            body("AAA").as_bytes(),
        );
        let b = fingerprint(
            "POST",
            "/x",
            "",
            "multipart/form-data; boundary=\"BBBB\"",
            body("BBBB").as_bytes(),
        );
        assert_eq!(a, b);
        let other = body("AAA").replace("enrolment", "suspension");
        let c = fingerprint(
            "POST",
            "/x",
            "",
            "multipart/form-data; boundary=AAA",
            other.as_bytes(),
        );
        assert_ne!(a, c);
    }

    #[test]
    fn method_path_query_and_body_count() {
        let base = fingerprint("POST", "/a", "", "application/json", b"{}");
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            fingerprint("POST", "/a", "", "application/json; charset=utf-8", b"{}")
        );
        assert_ne!(
            base,
            fingerprint("POST", "/b", "", "application/json", b"{}")
        );
        assert_ne!(
            base,
            fingerprint("POST", "/a", "x=1", "application/json", b"{}")
        );
        assert_ne!(
            base,
            fingerprint("POST", "/a", "", "application/json", b"{ }")
        );
    }
}

//! Request ids and the access log.
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is a
//! sensible token (1–128 characters of letters, digits, `-`, `_`, `.`,
//! `:`), else a new random one. The answer carries it back in
//! `X-Request-Id`; the request runs inside a `request` span that carries it,
//! so every log line of the request names it (on the blocking pool too:
//! [`crate::http::blocking`] enters the span there), and the access line
//! closes it. A caller quoting the id finds every line of its request.

use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

use crate::http::middleware::redact_path;

/// The header that carries the id both ways.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served (in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Whether a caller's id is kept as it is.
pub fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A new id: 128 random bits as 32 hexadecimal digits.
pub fn generate() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Assigns the id, runs the request in its span, echoes the id and writes
/// the access line (status, bytes when known, milliseconds).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| acceptable(v))
        .map_or_else(generate, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = redact_path(req.uri().path_and_query().map_or("/", |p| p.as_str()));
    let peer = req.connection_info().peer_addr().unwrap_or("-").to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    // (No clone of the request is held across the call: the router needs
    // it unshared.)
    let mut res = match next.call(req).instrument(span.clone()).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            // Only a failure the inner middleware could not answer (the
            // server renders it): logged with the id, sent without it.
            let _entered = span.enter();
            tracing::error!(
                target: "qibao::access",
                peer = %peer, method = %method, path = %path,
                status = err.as_response_error().status_code().as_u16(),
                "{method} {path} failed: {err}"
            );
            return Err(err);
        }
    };
    let micros = started.elapsed().as_micros();
    let ms = format!("{}.{}", micros / 1000, (micros % 1000) / 100);
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) => n.to_string(),
        _ => "-".to_owned(),
    };
    let _entered = span.enter();
    tracing::info!(
        target: "qibao::access",
        peer = %peer, method = %method, path = %path, status, bytes = %bytes,
        ms = %ms,
        "answered"
    );
    Ok(res)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_token_like_ids_are_kept() {
        assert!(acceptable("req-1.2_3:x"));
        assert!(acceptable(&"a".repeat(128)));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(129)));
        assert!(!acceptable("two words"));
        assert!(!acceptable("<script>"));
        assert!(!acceptable("中文"));
    }

    #[test]
    fn generated_ids_are_acceptable_and_distinct() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 32);
        assert!(acceptable(&a));
        assert_ne!(a, b);
    }
}

//! Security headers on every answer (issue 11):
//!
//! - `X-Content-Type-Options: nosniff`: a browser never guesses a type
//!   other than the one sent (a JSON answer is never run as a script, an
//!   uploaded file never as HTML);
//! - `Content-Security-Policy`: for the API, nothing may load and nothing
//!   may frame it (`default-src 'none'; frame-ancestors 'none'`); for the
//!   Swagger UI under `/docs`, only its own scripts, styles, images and the
//!   spec from this origin (it runs offline: every asset is served here);
//! - `X-Frame-Options: DENY` for older browsers, `Referrer-Policy:
//!   no-referrer` (URLs may carry person or order numbers),
//!   `Cross-Origin-Opener-Policy: same-origin`;
//! - `Strict-Transport-Security` when the deployment terminates TLS and says
//!   so (`QIBAO_HSTS_MAX_AGE`): over plain HTTP on loopback it would be
//!   meaningless, so it is off by default.
//!
//! A header a handler set itself is kept.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::state::AppState;

/// The policy of API answers: JSON and files, nothing to run or frame.
pub const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of the Swagger UI pages: its bundled script and styles (the
/// UI sets inline styles on elements), its images and data: icons, and the
/// spec fetched from this origin; no framing, no plugins.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// `Strict-Transport-Security` for `max_age` seconds (with subdomains).
pub fn hsts_value(max_age: u32) -> HeaderValue {
    HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
        .unwrap_or_else(|_| HeaderValue::from_static("max-age=31536000"))
}

/// The headers every answer carries (`docs`: the Swagger UI's policy).
pub fn fixed(docs: bool) -> [(HeaderName, HeaderValue); 5] {
    let csp = if docs { DOCS_CSP } else { API_CSP };
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

/// Whether `path` is one of the documentation pages.
fn is_docs(path: &str) -> bool {
    path == "/" || path == "/docs" || path.starts_with("/docs/")
}

/// Adds the security headers (see module docs) to every answer.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let docs = is_docs(req.path());
    let hsts = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.hsts_max_age)
        .map(hsts_value);
    // An error that escapes here is rendered by the server through
    // `ApiError::error_response`, which adds the same headers.
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    for (name, value) in fixed(docs) {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    if let Some(value) = hsts
        && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY)
    {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_pages_are_told_apart_from_the_api() {
        assert!(is_docs("/docs/"));
        assert!(is_docs("/docs/swagger-ui.css"));
        assert!(is_docs("/"));
        assert!(!is_docs("/api/v1/openapi.json"));
        assert!(!is_docs("/docsx"));
        assert!(!is_docs("/api/v1/portal/unit"));
    }

    #[test]
    fn hsts_names_its_age() {
        assert_eq!(
            hsts_value(31_536_000),
            "max-age=31536000; includeSubDomains"
        );
    }
}

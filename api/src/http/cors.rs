//! Cross-origin calls (CORS) from the browser origins of
//! `QIBAO_CORS_ORIGINS` (a unit's HR front end, a payroll vendor's web app).
//!
//! Preflights (`OPTIONS` with `Access-Control-Request-Method`) from those
//! origins are answered for every method the API serves and the headers a
//! client sends (`Authorization`, `Content-Type`, `Idempotency-Key`,
//! `If-None-Match`, `Prefer`, `X-Request-Id`); answers expose the headers a
//! client reads (`Location`, `ETag`, `Retry-After`, `X-Request-Id`,
//! `Idempotent-Replayed`, `Content-Disposition`). Credentials are bearer
//! tokens, not cookies, so `Allow-Credentials` is not sent.
//!
//! A request from any other origin is served as if CORS did not exist: the
//! answer carries no `Access-Control-Allow-Origin`, so a browser withholds
//! it from the page, while same-origin pages (the docs' "Try it out") and
//! non-browser clients, which send no preflight, are unaffected.

use actix_cors::Cors;
use actix_web::http::{Method, header};

/// The CORS middleware for `origins` (exact `scheme://host[:port]`).
pub fn layer(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("prefer"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::LOCATION,
            header::ETAG,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

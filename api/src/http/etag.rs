//! `ETag` and `304 Not Modified` for GETs.
//!
//! A successful GET whose answer is a complete body (JSON, a document)
//! gets a weak validator `W/"<first 128 bits of the body's SHA-256>"` unless
//! the handler set its own (stored files use their SHA-256). A request whose
//! `If-None-Match` names it (or `*`) is answered `304` with no body, so a
//! front end polling an order or a job spends no bandwidth until it
//! changes. Weak, because the same content may travel gzip- or
//! brotli-encoded.
//!
//! API answers without a `Cache-Control` of their own get `private,
//! no-cache`: no shared cache may keep a unit's data, and a browser must
//! revalidate (cheaply, with the validator) before reusing it.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

/// Bodies above this size are not hashed (they are streamed files that
/// carry their own validator, or exports).
const MAX_HASHED: usize = 8 * 1024 * 1024;

/// The weak validator of `body`.
pub fn weak_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether `If-None-Match` (`value`) matches `etag` by the weak comparison
/// of RFC 9110 §8.8.3.2 (`W/` ignored on both sides).
pub fn none_match(value: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || (!t.is_empty() && opaque(t) == ours))
}

/// Adds the validator and answers conditional GETs (see module docs).
pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let get = req.method() == Method::GET || req.method() == Method::HEAD;
    let api = req.path().starts_with("/api/");
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?.map_into_boxed_body();
    if !get || res.status() != StatusCode::OK {
        return Ok(res);
    }
    let (http_req, mut response) = res.into_parts();
    if api && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    let etag = match response.headers().get(header::ETAG) {
        Some(v) => v.to_str().ok().map(str::to_owned),
        None if no_store(response.headers()) => None,
        None => {
            let (head, body) = response.into_parts();
            match body.try_into_bytes() {
                Ok(bytes) if bytes.len() <= MAX_HASHED => {
                    let etag = weak_etag(&bytes);
                    response = head.set_body(BoxBody::new(bytes));
                    if let Ok(v) = HeaderValue::from_str(&etag) {
                        response.headers_mut().insert(header::ETAG, v);
                    }
                    Some(etag)
                }
                Ok(bytes) => {
                    response = head.set_body(BoxBody::new(bytes));
                    None
                }
                Err(body) => {
                    response = head.set_body(body);
                    None
                }
            }
        }
    };
    if let (Some(etag), Some(inm)) = (etag, if_none_match)
        && none_match(&inm, &etag)
    {
        let mut not_modified = HttpResponse::NotModified().finish();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(v) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        return Ok(ServiceResponse::new(http_req, not_modified));
    }
    Ok(ServiceResponse::new(http_req, response))
}

fn no_store(headers: &HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::test as web_test;
    use actix_web::{App, web};

    async fn body_bytes(res: ServiceResponse<BoxBody>) -> actix_web::web::Bytes {
        actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default()
    }

    #[test]
    fn weak_comparison() {
        let tag = weak_etag(b"{}");
        assert!(tag.starts_with("W/\"") && tag.len() == 36);
        assert!(none_match(&tag, &tag));
        assert!(none_match(&tag[2..], &tag));
        assert!(none_match("\"x\", *", &tag));
        assert!(none_match(&format!("\"a\", {tag}"), &tag));
        assert!(!none_match("\"a\"", &tag));
        assert!(!none_match("", &tag));
    }

    #[actix_web::test]
    async fn a_matching_validator_answers_304_without_a_body() {
        let app = web_test::init_service(
            App::new()
                .wrap(from_fn(conditional))
                .route(
                    "/api/x",
                    web::get().to(|| async { HttpResponse::Ok().json([1, 2]) }),
                )
                .route(
                    "/api/y",
                    web::post().to(|| async { HttpResponse::Ok().json([1]) }),
                ),
        )
        .await;
        let res = web_test::call_service(
            &app,
            web_test::TestRequest::get().uri("/api/x").to_request(),
        )
        .await;
        assert_eq!(res.status(), 200);
        let etag = res
            .headers()
            .get(header::ETAG)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            res.headers().get(header::CACHE_CONTROL).unwrap(),
            "private, no-cache"
        );
        assert_eq!(body_bytes(res).await, "[1,2]");

        let req = web_test::TestRequest::get()
            .uri("/api/x")
            .insert_header((header::IF_NONE_MATCH, etag.clone()))
            .to_request();
        let res = web_test::call_service(&app, req).await;
        assert_eq!(res.status(), 304);
        assert_eq!(res.headers().get(header::ETAG).unwrap(), etag.as_str());
        assert!(body_bytes(res).await.is_empty());

        let req = web_test::TestRequest::get()
            .uri("/api/x")
            .insert_header((header::IF_NONE_MATCH, "W/\"other\""))
            .to_request();
        assert_eq!(web_test::call_service(&app, req).await.status(), 200);

        // Not a GET: no validator.
        let req = web_test::TestRequest::post().uri("/api/y").to_request();
        let res = web_test::call_service(&app, req).await;
        assert!(res.headers().get(header::ETAG).is_none());
    }
}

//! The HTTP helpers every route shares, in one place:
//!
//! - [`problem`]: RFC 9457 problem details, the one error type of the API.
//! - [`rule_errors`]: the rule errors of `qibao-core` as problems.
//! - [`export`]: CSV and XLSX exports of lists (amounts as numbers, identifiers as text).
//! - [`extract`]: extractor configuration (bad body, query or path → problem).
//! - [`paging`]: the paging parameters of every list and the page info of its answer.
//! - [`middleware`]: app-wide middleware and the fallback service.
//! - [`security_headers`]: security headers on every answer.
//! - [`request_id`]: the request id, the request's log span and the access log.
//! - [`etag`]: validators and `304 Not Modified` on GETs.
//! - [`idempotency`]: `Idempotency-Key` on every authenticated POST.
//! - [`cors`]: cross-origin calls from the configured browser origins.
//! - [`blocking`]: database work off the actix workers.
//! - [`documents`]: the printable documents (PDF) of certificates, orders and refunds.
//! - [`openapi`]: the OpenAPI document assembled from the routes.
//! - [`closed_sets`]: the values of the code fields that DTOs carry as text.

pub mod blocking;
pub mod closed_sets;
pub mod cors;
pub mod documents;
pub mod etag;
pub mod export;
pub mod extract;
pub mod fields;
pub mod idempotency;
pub mod middleware;
pub mod openapi;
pub mod paging;
pub mod problem;
pub mod request_id;
mod rule_errors;
pub mod security_headers;

//! RFC 9457 problem details: the one error type of the API.
//!
//! Every 4xx/5xx answer is `application/problem+json`:
//!
//! ```json
//! { "type": "https://qibao.example/problems/period-gap",
//!   "title": "Period gap", "status": 422, "code": "PERIOD_GAP",
//!   "detail": "<Chinese message for the unit's agent>",
//!   "errors": [{ "field": "period", "message": "<Chinese>" }],
//!   "instance": "/api/v1/portal/declarations/202403" }
//! ```
//!
//! `code` is the stable machine code; `type` and `title` derive from it.
//! `instance` is filled in by the problem middleware from the request path.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use qibao_app::error::{AppError, ErrorCode, ErrorKind};

use crate::db_glue::DbError;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Prefix of every problem `type` URI.
pub const PROBLEM_TYPE_BASE: &str = "https://qibao.example/problems/";

/// Detail of every 500: the cause goes to the log only.
pub use qibao_app::error::{INTERNAL_DETAIL, VALIDATION_DETAIL};

pub use qibao_app::error::FieldError;

/// An RFC 9457 problem details body (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "https://qibao.example/problems/validation-failed",
    "title": "Validation failed",
    "status": 400,
    "code": "VALIDATION_FAILED",
    "detail": "请求参数有误，请按提示修改后重试。",
    "errors": [{ "field": "period", "message": "缺少必填字段。" }],
    "instance": "/api/v1/portal/declarations"
}))]
pub struct ProblemDoc {
    /// URI identifying the problem type: the base URI followed by `code`
    /// in lower kebab case.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short English summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code, e.g. `PERIOD_GAP`: one of
    /// [`ErrorCode`]'s values; each operation lists the codes of each of
    /// its error responses (`x-error-codes`).
    pub code: ErrorCode,
    /// Explanation for the person using the service hall (Chinese).
    pub detail: String,
    /// Invalid fields, present for validation problems only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request path this problem occurred on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// The error every handler returns; renders as `application/problem+json`.
/// Made from an [`ErrorCode`] (its status, its default detail) or from a
/// use case's [`AppError`]: there is no way to pair a code with another
/// status.
///
/// Boxed inside so `Result<T, ApiError>` stays one pointer wide.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    status: StatusCode,
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    instance: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A problem with `code`: its status, its default detail (give a more
    /// specific one with [`ApiError::with_detail`]) and the headers its
    /// status calls for (`WWW-Authenticate` on a 401, `Retry-After` on a
    /// 429 or 503).
    pub fn new(code: ErrorCode) -> Self {
        AppError::new(code).into()
    }

    /// Without the headers of [`ApiError::new`], and with `status` even when
    /// it is not the code's: only for answers the server made before any of
    /// ours ([`problem_for_status`]).
    fn bare(status: StatusCode, code: ErrorCode) -> Self {
        Self(Box::new(Inner {
            status,
            code,
            detail: code.default_detail().to_owned(),
            errors: Vec::new(),
            instance: None,
            headers: Vec::new(),
        }))
    }

    /// Replaces the default detail (Chinese, for the person using the hall).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = detail.into();
        self
    }

    /// 400 `VALIDATION_FAILED` with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        AppError::validation(errors).into()
    }

    /// 400 `VALIDATION_FAILED` for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// 500 `INTERNAL` with a generic detail. Log the cause yourself, or use
    /// [`ApiError::internal_cause`].
    pub fn internal() -> Self {
        Self::bare(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
    }

    /// 500 `INTERNAL`; `cause` is written to the log with `log::error!` and
    /// never sent to the client.
    pub fn internal_cause(cause: impl fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::internal()
    }

    /// Adds field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors.extend(errors);
        self
    }

    /// Adds one field error.
    pub fn with_field_error(
        mut self,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.0.errors.push(FieldError::new(field, message));
        self
    }

    /// Sets `instance` (the middleware does this from the request path).
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.0.instance = Some(instance.into());
        self
    }

    /// Adds a response header (e.g. `Allow`, `Retry-After`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.retain(|(n, _)| n != name);
        self.0.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The Chinese detail.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The field errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.0.errors
    }

    /// The `instance`, when known.
    pub fn instance(&self) -> Option<&str> {
        self.0.instance.as_deref()
    }

    /// The extra response headers.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.0.headers
    }

    /// The body as it is sent.
    pub fn to_doc(&self) -> ProblemDoc {
        ProblemDoc {
            problem_type: problem_type_uri(self.0.code),
            title: title_from_code(self.0.code),
            status: self.0.status.as_u16(),
            code: self.0.code,
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
            instance: self.0.instance.clone(),
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.status.as_u16(),
            self.0.code,
            self.0.detail
        )?;
        for e in &self.0.errors {
            write!(f, " [{}: {}]", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.0.status);
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        // A problem that escapes every middleware is rendered by the server
        // itself: it carries the API's security headers from here.
        for (name, value) in crate::http::security_headers::fixed(false) {
            builder.insert_header((name, value));
        }
        for (name, value) in &self.0.headers {
            builder.insert_header((name.clone(), value.clone()));
        }
        match serde_json::to_vec(&self.to_doc()) {
            Ok(body) => builder.body(body),
            // Serializing plain strings cannot fail; keep a valid body anyway.
            Err(_) => builder.body(
                r#"{"type":"https://qibao.example/problems/internal","title":"Internal","status":500,"code":"INTERNAL","detail":"系统繁忙，请稍后再试。"}"#,
            ),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        AppError::from(err).into()
    }
}

/// Each kind of use-case error is one status.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let retry_after = err.retry_after();
        let (kind, code, detail, errors) = err.into_parts();
        if kind == ErrorKind::Internal {
            // Already logged where it was made; never its detail.
            return ApiError::internal();
        }
        let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let e = ApiError::bare(status, code)
            .with_detail(detail)
            .with_errors(errors);
        match kind {
            ErrorKind::Unauthorized => {
                e.with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
            }
            ErrorKind::TooManyRequests => e.with_header(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.unwrap_or(1)),
            ),
            ErrorKind::Unavailable => {
                e.with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
            }
            _ => e,
        }
    }
}

/// `https://qibao.example/problems/<code in lower kebab case>`.
pub fn problem_type_uri(code: ErrorCode) -> String {
    let kebab: String = code
        .as_str()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    format!("{PROBLEM_TYPE_BASE}{kebab}")
}

/// `PERIOD_GAP` → `Period gap`.
pub fn title_from_code(code: ErrorCode) -> String {
    let words = code.as_str().replace('_', " ").to_ascii_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A problem for a 4xx/5xx response that was not produced by an
/// [`ApiError`] (actix defaults, foreign `ResponseError`s). 5xx answers
/// never carry internals. A status none of our codes has keeps its status,
/// with `BAD_REQUEST` (4xx) or `INTERNAL` (5xx) as the code.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let code = match status.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        406 => ErrorCode::NotAcceptable,
        408 => ErrorCode::RequestTimeout,
        409 => ErrorCode::Conflict,
        411 => ErrorCode::LengthRequired,
        413 => ErrorCode::PayloadTooLarge,
        414 => ErrorCode::UriTooLong,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::Unprocessable,
        429 => ErrorCode::TooManyRequests,
        431 => ErrorCode::HeadersTooLarge,
        503 => ErrorCode::ServiceUnavailable,
        s if (400..500).contains(&s) => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    let err = ApiError::bare(status, code);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        err.with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    } else {
        err
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_json(err: &ApiError) -> serde_json::Value {
        let resp = err.error_response();
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
        let bytes = resp.into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn renders_rfc9457_body() {
        let err = ApiError::new(ErrorCode::PeriodGap)
            .with_detail("费款所属期不连续。")
            .with_instance("/x");
        let v = body_json(&err);
        assert_eq!(v["type"], "https://qibao.example/problems/period-gap");
        assert_eq!(v["title"], "Period gap");
        assert_eq!(v["status"], 422);
        assert_eq!(v["code"], "PERIOD_GAP");
        assert_eq!(v["detail"], "费款所属期不连续。");
        assert_eq!(v["instance"], "/x");
        assert!(v.get("errors").is_none());
    }

    #[test]
    fn validation_lists_fields() {
        let err = ApiError::validation(vec![FieldError::new("period", "缺少必填字段。")]);
        let v = body_json(&err);
        assert_eq!(v["status"], 400);
        assert_eq!(v["code"], "VALIDATION_FAILED");
        assert_eq!(v["detail"], VALIDATION_DETAIL);
        assert_eq!(v["errors"][0]["field"], "period");
        assert!(v.get("instance").is_none());
    }

    #[test]
    fn service_unavailable_has_retry_after() {
        let resp = ApiError::new(ErrorCode::ServiceUnavailable)
            .with_detail("忙")
            .error_response();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers().get(header::RETRY_AFTER).unwrap(), "1");
    }

    #[test]
    fn db_errors_map_to_statuses() {
        assert_eq!(ApiError::from(DbError::Busy).status(), 503);
        assert_eq!(ApiError::from(DbError::NotFound).status(), 404);
        let conflict = ApiError::from(DbError::Conflict {
            constraint: "units_uscc_key".into(),
        });
        assert_eq!(conflict.status(), 409);
        assert_eq!(conflict.code(), ErrorCode::Conflict);
        assert!(!conflict.detail().contains("units_uscc_key"));
        let other = ApiError::from(DbError::Other("secret table xyz exploded".into()));
        assert_eq!(other.status(), 500);
        assert_eq!(other.detail(), INTERNAL_DETAIL);
        assert!(!other.to_string().contains("xyz"));
    }

    #[test]
    fn every_code_renders_with_its_own_status_and_default_detail() {
        for &code in ErrorCode::ALL {
            let err = ApiError::new(code);
            let v = body_json(&err);
            assert_eq!(v["status"], code.status(), "{code}");
            assert_eq!(err.status().as_u16(), code.status(), "{code}");
            assert_eq!(v["code"], code.as_str());
            assert_eq!(v["detail"], code.default_detail(), "{code}");
            assert_eq!(
                v["type"],
                format!(
                    "{PROBLEM_TYPE_BASE}{}",
                    code.as_str().to_ascii_lowercase().replace('_', "-")
                )
            );
        }
    }

    #[test]
    fn the_status_decides_the_protocol_headers() {
        let has = |e: &ApiError, name: &HeaderName| e.headers().iter().any(|(n, _)| n == name);
        let unauth = ApiError::new(ErrorCode::TokenExpired);
        assert!(has(&unauth, &header::WWW_AUTHENTICATE));
        let throttled: ApiError = AppError::new(ErrorCode::SigninThrottled)
            .with_retry_after(90)
            .into();
        let resp = throttled.error_response();
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers().get(header::RETRY_AFTER).unwrap(), "90");
        assert!(!has(
            &ApiError::new(ErrorCode::PeriodGap),
            &header::RETRY_AFTER
        ));
        // A code answered with its declared second status keeps it.
        let referenced: ApiError = AppError::new(ErrorCode::MaterialNotFound)
            .as_kind(ErrorKind::Unprocessable)
            .into();
        assert_eq!(referenced.status(), 422);
        assert_eq!(referenced.code(), ErrorCode::MaterialNotFound);
    }

    #[test]
    fn foreign_statuses_keep_their_status_and_name_a_generic_code() {
        let e = problem_for_status(StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            (e.status().as_u16(), e.code()),
            (405, ErrorCode::MethodNotAllowed)
        );
        let e = problem_for_status(StatusCode::IM_A_TEAPOT);
        assert_eq!(
            (e.status().as_u16(), e.code()),
            (418, ErrorCode::BadRequest)
        );
        let e = problem_for_status(StatusCode::BAD_GATEWAY);
        assert_eq!((e.status().as_u16(), e.code()), (502, ErrorCode::Internal));
        assert_eq!(e.detail(), INTERNAL_DETAIL);
        // No WWW-Authenticate the original answer did not carry.
        assert!(
            problem_for_status(StatusCode::UNAUTHORIZED)
                .headers()
                .is_empty()
        );
    }

    #[test]
    fn internal_errors_never_carry_their_detail() {
        let e: ApiError = AppError::new(ErrorCode::Internal)
            .with_detail("table xyz exploded")
            .into();
        assert_eq!(e.detail(), INTERNAL_DETAIL);
        assert_eq!(e.status(), 500);
    }
}

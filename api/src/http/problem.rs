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

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use qibao_app::error::{AppError, ErrorKind};
use qibao_app::tx::{RETRY, Retryable};

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
    /// Stable machine-readable code, e.g. `PERIOD_GAP`.
    pub code: String,
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
///
/// Boxed inside so `Result<T, ApiError>` stays one pointer wide.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    status: StatusCode,
    code: Cow<'static, str>,
    title: Option<Cow<'static, str>>,
    detail: String,
    errors: Vec<FieldError>,
    instance: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A problem with any status. Prefer the named constructors.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Inner {
            status,
            code: code.into(),
            title: None,
            detail: detail.into(),
            errors: Vec::new(),
            instance: None,
            headers: Vec::new(),
        }))
    }

    /// 400: the request is malformed or cannot be understood.
    pub fn bad_request(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 400 `VALIDATION_FAILED` with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            VALIDATION_DETAIL,
        )
        .with_errors(errors)
    }

    /// 400 `VALIDATION_FAILED` for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// 401: no or invalid credentials. Adds `WWW-Authenticate: Bearer`.
    pub fn unauthorized(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 404: the resource does not exist (or is not visible to the caller).
    pub fn not_found(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 409: conflicts with the current state.
    pub fn conflict(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422: well-formed, but a business rule refuses it.
    pub fn unprocessable(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 503 with `Retry-After: 1`.
    pub fn service_unavailable(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// 500 `INTERNAL` with a generic detail. Log the cause yourself, or use
    /// [`ApiError::internal_cause`].
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            INTERNAL_DETAIL,
        )
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

    /// Overrides the title derived from the code.
    pub fn with_title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.0.title = Some(title.into());
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
    pub fn code(&self) -> &str {
        &self.0.code
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
            problem_type: problem_type_uri(&self.0.code),
            title: match &self.0.title {
                Some(t) => t.to_string(),
                None => title_from_code(&self.0.code),
            },
            status: self.0.status.as_u16(),
            code: self.0.code.to_string(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
            instance: self.0.instance.clone(),
        }
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

/// The API's handlers share the use cases' retry ([`qibao_app::tx`]).
impl Retryable for ApiError {
    fn retry(detail: String) -> Self {
        ApiError::conflict(RETRY, detail)
    }
    fn code(&self) -> &str {
        ApiError::code(self)
    }
    fn detail(&self) -> &str {
        ApiError::detail(self)
    }
    fn conflict(code: &'static str, detail: String) -> Self {
        ApiError::conflict(code, detail)
    }
}

/// Each kind of use-case error is one status.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let retry_after = err.retry_after();
        let (kind, code, detail, errors) = err.into_parts();
        let e = match kind {
            ErrorKind::BadRequest => ApiError::bad_request(code, detail),
            ErrorKind::Unauthorized => ApiError::unauthorized(code, detail),
            ErrorKind::Forbidden => ApiError::forbidden(code, detail),
            ErrorKind::NotFound => ApiError::not_found(code, detail),
            ErrorKind::Conflict => ApiError::conflict(code, detail),
            ErrorKind::Gone => ApiError::new(StatusCode::GONE, code, detail),
            ErrorKind::Unprocessable => ApiError::unprocessable(code, detail),
            ErrorKind::TooManyRequests => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, detail).with_header(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.unwrap_or(1)),
                )
            }
            ErrorKind::Unavailable => ApiError::service_unavailable(code, detail),
            // Already logged where it was made.
            ErrorKind::Internal => ApiError::internal(),
        };
        e.with_errors(errors)
    }
}

/// `https://qibao.example/problems/<code in lower kebab case>`.
pub fn problem_type_uri(code: &str) -> String {
    let kebab: String = code
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    format!("{PROBLEM_TYPE_BASE}{kebab}")
}

/// `PERIOD_GAP` → `Period gap`.
pub fn title_from_code(code: &str) -> String {
    let words = code.replace('_', " ").to_ascii_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A problem for a 4xx/5xx response that was not produced by an
/// [`ApiError`] (actix defaults, foreign `ResponseError`s). 5xx answers
/// never carry internals.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail): (&'static str, &'static str) = match status.as_u16() {
        400 => ("BAD_REQUEST", "请求有误，请检查后重试。"),
        401 => ("UNAUTHORIZED", "请先登录。"),
        403 => ("FORBIDDEN", "没有执行此操作的权限。"),
        404 => ("NOT_FOUND", "请求的资源不存在。"),
        405 => ("METHOD_NOT_ALLOWED", "该资源不支持此请求方法。"),
        406 => ("NOT_ACCEPTABLE", "无法提供所要求的响应格式。"),
        408 => ("REQUEST_TIMEOUT", "请求超时，请重试。"),
        409 => ("CONFLICT", "与现有数据冲突，请刷新后核对再试。"),
        411 => ("LENGTH_REQUIRED", "请求缺少 Content-Length。"),
        413 => ("PAYLOAD_TOO_LARGE", "请求体过大。"),
        414 => ("URI_TOO_LONG", "请求地址过长。"),
        415 => ("UNSUPPORTED_MEDIA_TYPE", "请求体必须是 application/json。"),
        422 => ("UNPROCESSABLE", "请求无法办理。"),
        429 => ("TOO_MANY_REQUESTS", "请求过于频繁，请稍后再试。"),
        431 => ("HEADERS_TOO_LARGE", "请求头过大。"),
        503 => ("SERVICE_UNAVAILABLE", INTERNAL_DETAIL),
        s if (400..500).contains(&s) => ("BAD_REQUEST", "请求有误，请检查后重试。"),
        _ => ("INTERNAL", INTERNAL_DETAIL),
    };
    let err = ApiError::new(status, code, detail);
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
        let err = ApiError::unprocessable("PERIOD_GAP", "费款所属期不连续。").with_instance("/x");
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
        let resp = ApiError::service_unavailable("SERVICE_UNAVAILABLE", "忙").error_response();
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
        assert_eq!(conflict.code(), "CONFLICT");
        assert!(!conflict.detail().contains("units_uscc_key"));
        let other = ApiError::from(DbError::Other("secret table xyz exploded".into()));
        assert_eq!(other.status(), 500);
        assert_eq!(other.detail(), INTERNAL_DETAIL);
        assert!(!other.to_string().contains("xyz"));
    }
}

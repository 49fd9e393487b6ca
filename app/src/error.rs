//! The one error of the use cases: what kind of refusal it is (the API maps
//! each kind to one HTTP status), a stable machine code, the Chinese detail a
//! unit's agent reads, and the fields at fault. No HTTP here: the API renders
//! an [`AppError`] as `application/problem+json`.

use std::borrow::Cow;
use std::fmt;

use qibao_core::calendar::CalendarError;
use qibao_core::contribution::ContributionError;
use qibao_core::policy::PolicyError;
use qibao_db::DbError;
use serde::{Deserialize, Serialize};

/// Detail of every internal error: the cause goes to the log only.
pub const INTERNAL_DETAIL: &str = "系统繁忙，请稍后再试。";

/// Detail of `VALIDATION_FAILED`.
pub const VALIDATION_DETAIL: &str = "请求参数有误，请按提示修改后重试。";

/// What kind of refusal: each maps to one HTTP status in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: malformed input.
    BadRequest,
    /// 401: no or invalid credentials.
    Unauthorized,
    /// 403: authenticated, not allowed.
    Forbidden,
    /// 404: no such resource (or not the caller's).
    NotFound,
    /// 409: conflicts with the current state.
    Conflict,
    /// 410: the thing existed for a while and is gone (an expired ticket).
    Gone,
    /// 422: well-formed, but a business rule refuses it.
    Unprocessable,
    /// 429: too many attempts; see [`AppError::retry_after`].
    TooManyRequests,
    /// 503: try again later.
    Unavailable,
    /// 500: a fault of ours; the cause is in the log.
    Internal,
}

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as sent by the client (`employee.id_number`);
    /// `body`, `query` or `path` when only the location is known.
    #[cfg_attr(feature = "openapi", schema(example = "period"))]
    pub field: String,
    /// What is wrong with it, in Chinese.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "费款所属期格式应为 YYYYMM，例如 202403。")
    )]
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A refused or failed use case. Boxed inside so `Result<T, AppError>`
/// stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    code: Cow<'static, str>,
    detail: String,
    errors: Vec<FieldError>,
    /// Seconds to wait before retrying (429).
    retry_after: Option<u32>,
}

impl AppError {
    /// An error of any kind. Prefer the named constructors.
    pub fn new(
        kind: ErrorKind,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Inner {
            kind,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }))
    }

    /// 429: too many attempts; retry after `seconds`.
    pub fn too_many_requests(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
        seconds: u32,
    ) -> Self {
        let mut e = Self::new(ErrorKind::TooManyRequests, code, detail);
        e.0.retry_after = Some(seconds);
        e
    }

    /// Seconds to wait before retrying, for a 429.
    pub fn retry_after(&self) -> Option<u32> {
        self.0.retry_after
    }

    pub fn bad_request(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, detail)
    }

    /// `VALIDATION_FAILED` with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            ErrorKind::BadRequest,
            "VALIDATION_FAILED",
            VALIDATION_DETAIL,
        )
        .with_errors(errors)
    }

    /// `VALIDATION_FAILED` for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthorized(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, code, detail)
    }

    pub fn forbidden(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, detail)
    }

    pub fn not_found(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, detail)
    }

    pub fn conflict(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, detail)
    }

    pub fn gone(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Gone, code, detail)
    }

    pub fn unprocessable(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, code, detail)
    }

    pub fn service_unavailable(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::Unavailable, code, detail)
    }

    /// `INTERNAL` with the generic detail; `cause` goes to the log only.
    pub fn internal_cause(cause: impl fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(ErrorKind::Internal, "INTERNAL", INTERNAL_DETAIL)
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

    /// Adds field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors.extend(errors);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
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

    /// Kind, code, detail and field errors, by value (for the API's problem).
    pub fn into_parts(self) -> (ErrorKind, Cow<'static, str>, String, Vec<FieldError>) {
        let inner = *self.0;
        (inner.kind, inner.code, inner.detail, inner.errors)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}: {}", self.0.kind, self.0.code, self.0.detail)?;
        for e in &self.0.errors {
            write!(f, " [{}: {}]", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

/// A stored value that does not parse: a fault of ours, never the caller's.
pub fn corrupt(what: &str, detail: impl fmt::Display) -> AppError {
    AppError::internal_cause(format_args!("stored {what} is invalid: {detail}"))
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Busy => {
                log::warn!("database busy");
                AppError::service_unavailable("SERVICE_UNAVAILABLE", INTERNAL_DETAIL)
            }
            DbError::NotFound => AppError::not_found("NOT_FOUND", "请求的资源不存在。"),
            DbError::Conflict { constraint } => {
                log::info!("database conflict on constraint {constraint}");
                AppError::conflict("CONFLICT", "与现有数据冲突，请刷新后核对再试。")
            }
            other => AppError::internal_cause(format_args!("database error: {other}")),
        }
    }
}

impl From<PolicyError> for AppError {
    fn from(e: PolicyError) -> Self {
        let code = match &e {
            PolicyError::NoBaseBounds { .. }
            | PolicyError::NoRate { .. }
            | PolicyError::NoInjuryRate { .. }
            | PolicyError::NoLateFeeRule { .. }
            | PolicyError::NoWindows { .. }
            | PolicyError::NoInterestRate { .. } => "POLICY_NOT_IN_FORCE",
            PolicyError::InvalidRange { .. } => "POLICY_INVALID_RANGE",
            PolicyError::Overlap { .. } => "POLICY_OVERLAP",
            PolicyError::Gap { .. } => "POLICY_GAP",
            PolicyError::BoundsOrder { .. } | PolicyError::DuplicateYear { .. } => {
                "POLICY_INVALID_BOUNDS"
            }
        };
        AppError::unprocessable(code, e.to_string())
    }
}

impl From<CalendarError> for AppError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::OutOfRange => {
                AppError::unprocessable("DATE_OUT_OF_RANGE", e.to_string())
            }
            CalendarError::Format(_) => corrupt("calendar", e),
        }
    }
}

impl From<ContributionError> for AppError {
    fn from(e: ContributionError) -> Self {
        match e {
            ContributionError::Policy(p) => p.into(),
            ContributionError::MissingInjuryRating => {
                AppError::invalid_field("risk_class", e.to_string())
            }
            ContributionError::NegativeWage | ContributionError::MonthsPaid(_) => {
                AppError::invalid_field("persons", e.to_string())
            }
            ContributionError::DuplicateInsurance(_) | ContributionError::NoInsurance => {
                AppError::invalid_field("insurances", e.to_string())
            }
        }
    }
}

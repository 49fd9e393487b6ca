//! The one error of the use cases: what kind of refusal it is (the API maps
//! each kind to one HTTP status), a stable machine code ([`ErrorCode`], which
//! knows its kind and a default Chinese detail), the Chinese detail a
//! unit's agent reads, and the fields at fault. No HTTP here: the API renders
//! an [`AppError`] as `application/problem+json`.

use std::fmt;

use qibao_core::calendar::CalendarError;
use qibao_core::contribution::ContributionError;
use qibao_core::policy::PolicyError;
use qibao_db::DbError;
use serde::{Deserialize, Serialize};

pub use qibao_core::error_code::{ErrorCode, ErrorKind};

/// Detail of every internal error: the cause goes to the log only.
pub const INTERNAL_DETAIL: &str = ErrorCode::Internal.default_detail();

/// Detail of `VALIDATION_FAILED`.
pub const VALIDATION_DETAIL: &str = ErrorCode::ValidationFailed.default_detail();

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
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    /// Seconds to wait before retrying (429).
    retry_after: Option<u32>,
}

impl AppError {
    /// A refusal with `code`: its kind (status) and its default detail.
    /// Give a more specific detail with [`AppError::with_detail`].
    pub fn new(code: ErrorCode) -> Self {
        Self(Box::new(Inner {
            kind: code.kind(),
            code,
            detail: code.default_detail().to_owned(),
            errors: Vec::new(),
            retry_after: None,
        }))
    }

    /// Replaces the default detail (Chinese, for the person using the hall).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = detail.into();
        self
    }

    /// Answers with the code's other declared kind ([`ErrorCode::kinds`]):
    /// for the few codes that name both a resource addressed (404) and one
    /// referenced by the body (422). A kind the code does not declare is a
    /// bug: it fails in debug builds and keeps the code's own kind otherwise.
    pub fn as_kind(mut self, kind: ErrorKind) -> Self {
        debug_assert!(
            self.0.code.allows(kind),
            "{} is never answered as {kind:?}",
            self.0.code
        );
        if self.0.code.allows(kind) {
            self.0.kind = kind;
        } else {
            log::error!("{} is never answered as {kind:?}", self.0.code);
        }
        self
    }

    /// Seconds to wait before retrying (a 429 sends them as `Retry-After`).
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.0.retry_after = Some(seconds);
        self
    }

    /// Seconds to wait before retrying, for a 429.
    pub fn retry_after(&self) -> Option<u32> {
        self.0.retry_after
    }

    /// `VALIDATION_FAILED` with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(ErrorCode::ValidationFailed).with_errors(errors)
    }

    /// `VALIDATION_FAILED` for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// `INTERNAL` with the generic detail; `cause` goes to the log only.
    pub fn internal_cause(cause: impl fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(ErrorCode::Internal)
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

    /// Kind, code, detail and field errors, by value (for the API's problem).
    pub fn into_parts(self) -> (ErrorKind, ErrorCode, String, Vec<FieldError>) {
        let inner = *self.0;
        (inner.kind, inner.code, inner.detail, inner.errors)
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        AppError::new(code)
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
                AppError::new(ErrorCode::ServiceUnavailable)
            }
            DbError::NotFound => AppError::new(ErrorCode::NotFound),
            DbError::Conflict { constraint } => {
                log::info!("database conflict on constraint {constraint}");
                AppError::new(ErrorCode::Conflict)
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
            | PolicyError::NoInterestRate { .. } => ErrorCode::PolicyNotInForce,
            PolicyError::InvalidRange { .. } => ErrorCode::PolicyInvalidRange,
            PolicyError::Overlap { .. } => ErrorCode::PolicyOverlap,
            PolicyError::Gap { .. } => ErrorCode::PolicyGap,
            PolicyError::BoundsOrder { .. } | PolicyError::DuplicateYear { .. } => {
                ErrorCode::PolicyInvalidBounds
            }
        };
        AppError::new(code).with_detail(e.to_string())
    }
}

impl From<CalendarError> for AppError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::OutOfRange => {
                AppError::new(ErrorCode::DateOutOfRange).with_detail(e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_brings_its_kind_and_default_detail() {
        let e = AppError::new(ErrorCode::PeriodGap);
        assert_eq!(e.code(), ErrorCode::PeriodGap);
        assert_eq!(e.kind(), ErrorKind::Unprocessable);
        assert_eq!(e.detail(), ErrorCode::PeriodGap.default_detail());
        let e = e.with_detail("202303未申报");
        assert_eq!(e.detail(), "202303未申报");
        assert_eq!(e.kind(), ErrorKind::Unprocessable);
        let v = AppError::invalid_field("period", "格式不正确");
        assert_eq!(v.code(), ErrorCode::ValidationFailed);
        assert_eq!(v.kind(), ErrorKind::BadRequest);
        assert_eq!(v.detail(), VALIDATION_DETAIL);
        assert_eq!(v.errors().len(), 1);
        let t = AppError::new(ErrorCode::SigninThrottled).with_retry_after(60);
        assert_eq!(t.kind(), ErrorKind::TooManyRequests);
        assert_eq!(t.retry_after(), Some(60));
        let i = AppError::internal_cause("disk on fire");
        assert_eq!(
            (i.code(), i.detail()),
            (ErrorCode::Internal, INTERNAL_DETAIL)
        );
    }

    #[test]
    fn a_second_kind_only_where_the_code_declares_it() {
        let e = AppError::new(ErrorCode::MaterialNotFound);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = e.as_kind(ErrorKind::Unprocessable);
        assert_eq!(e.kind(), ErrorKind::Unprocessable);
        assert_eq!(e.code(), ErrorCode::MaterialNotFound);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "PERIOD_GAP is never answered as NotFound")]
    fn an_undeclared_kind_is_a_bug() {
        let _ = AppError::new(ErrorCode::PeriodGap).as_kind(ErrorKind::NotFound);
    }

    #[test]
    fn storage_errors_map_to_their_codes() {
        assert_eq!(
            AppError::from(DbError::Busy).code(),
            ErrorCode::ServiceUnavailable
        );
        assert_eq!(
            AppError::from(DbError::NotFound).code(),
            ErrorCode::NotFound
        );
        let c = AppError::from(DbError::Conflict {
            constraint: "units_uscc_key".into(),
        });
        assert_eq!(
            (c.code(), c.kind()),
            (ErrorCode::Conflict, ErrorKind::Conflict)
        );
        assert!(!c.detail().contains("units_uscc_key"));
    }
}

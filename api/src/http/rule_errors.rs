//! The rule errors of `qibao-core` as problems: mapped once, in
//! `qibao_app::error`, and rendered like every other use-case error.

use qibao_app::error::AppError;
use qibao_core::contribution::ContributionError;
use qibao_core::policy::PolicyError;

use crate::http::problem::ApiError;

impl From<PolicyError> for ApiError {
    fn from(e: PolicyError) -> Self {
        AppError::from(e).into()
    }
}

impl From<ContributionError> for ApiError {
    fn from(e: ContributionError) -> Self {
        AppError::from(e).into()
    }
}

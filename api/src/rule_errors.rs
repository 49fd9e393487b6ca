//! Maps the rule errors of `qibao-core` to problems: a stable code, the
//! status, and the Chinese message the rule itself carries.

use qibao_core::contribution::ContributionError;
use qibao_core::policy::PolicyError;

use crate::problem::ApiError;

impl From<PolicyError> for ApiError {
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
        ApiError::unprocessable(code, e.to_string())
    }
}

impl From<ContributionError> for ApiError {
    fn from(e: ContributionError) -> Self {
        match e {
            ContributionError::Policy(p) => p.into(),
            ContributionError::MissingInjuryRating => {
                ApiError::invalid_field("risk_class", e.to_string())
            }
            ContributionError::NegativeWage | ContributionError::MonthsPaid(_) => {
                ApiError::invalid_field("persons", e.to_string())
            }
            ContributionError::DuplicateInsurance(_) | ContributionError::NoInsurance => {
                ApiError::invalid_field("insurances", e.to_string())
            }
        }
    }
}

//! How stored values read back as domain values. Storage keeps periods as
//! `YYYYMM` integers and closed sets as their codes; the database crate reads
//! them with diesel's `deserialize_as` through the `TryFrom` impls here, so a
//! corrupt value fails in one place (the row's read), not in every caller.

use thiserror::Error;

use crate::back_pay::BackPayKind;
use crate::employment::{AssessmentKind, LineStatus, PersonStatusKind};
use crate::insurance::{Insurance, InsuranceError};
use crate::payment::OrderState;
use crate::period::{Period, PeriodError};

/// A stored code that names no member of its closed set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("stored {what} code {code:?} is unknown")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

impl TryFrom<i32> for Period {
    type Error = PeriodError;

    fn try_from(yyyymm: i32) -> Result<Period, PeriodError> {
        Period::from_yyyymm(yyyymm)
    }
}

impl From<Period> for i32 {
    fn from(p: Period) -> i32 {
        p.yyyymm()
    }
}

impl TryFrom<String> for Insurance {
    type Error = InsuranceError;

    /// Any national code: what storage holds was checked on the way in.
    fn try_from(code: String) -> Result<Insurance, InsuranceError> {
        Insurance::from_code(&code)
    }
}

/// `TryFrom<String>` through the type's `parse(&str) -> Option<Self>`.
macro_rules! stored_code {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl TryFrom<String> for $ty {
            type Error = UnknownCode;

            fn try_from(code: String) -> Result<$ty, UnknownCode> {
                <$ty>::parse(&code).ok_or(UnknownCode { what: $what, code })
            }
        }
    )*};
}

stored_code! {
    AssessmentKind => "assessment kind",
    LineStatus => "line status",
    PersonStatusKind => "person status kind",
    OrderState => "order status",
    BackPayKind => "back-pay kind",
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_what_was_stored() {
        for k in AssessmentKind::ALL {
            assert_eq!(AssessmentKind::try_from(k.code().to_owned()), Ok(k));
        }
        for s in LineStatus::ALL {
            assert_eq!(LineStatus::try_from(s.code().to_owned()), Ok(s));
        }
        for i in Insurance::COLLECTED {
            assert_eq!(Insurance::try_from(i.code().to_owned()), Ok(i));
        }
        let p = Period::parse("202303").unwrap();
        assert_eq!(Period::try_from(i32::from(p)), Ok(p));
    }

    #[test]
    fn corrupt_values_are_refused() {
        assert_eq!(
            LineStatus::try_from("payed".to_owned()),
            Err(UnknownCode {
                what: "line status",
                code: "payed".to_owned()
            })
        );
        assert!(Period::try_from(202313).is_err());
        assert!(Period::try_from(0).is_err());
        assert!(Insurance::try_from("999".to_owned()).is_err());
        assert!(OrderState::try_from(String::new()).is_err());
    }
}

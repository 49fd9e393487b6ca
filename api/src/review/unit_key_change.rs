//! Key-information changes of a unit (R-UNIT-2) as the API's unit endpoints
//! use them: the use cases are in [`qibao_app::review::unit_key_change`].

pub use qibao_app::review::unit_key_change::*;

use crate::problem::ApiError;

/// 409 `USCC_IN_USE`, as the API's error.
pub fn uscc_in_use() -> ApiError {
    qibao_app::review::unit_key_change::uscc_in_use().into()
}

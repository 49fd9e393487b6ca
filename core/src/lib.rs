//! qibao-core: the business rules of the social-insurance online service hall.
//!
//! Pure: no I/O, no database, no HTTP, no clock. "Today" is always an
//! argument. Every rule id (R-…) refers to DOMAIN.md.

pub mod audit;
pub mod back_pay;
pub mod business_item;
pub mod calendar;
pub mod canonical;
pub mod certificate;
pub mod contribution;
pub mod dates;
pub mod declaration;
pub mod deferral;
pub mod employment;
pub mod error_code;
pub mod event;
pub mod ids;
pub mod insurance;
pub mod job;
pub mod late;
pub mod money;
pub mod order;
pub mod payment;
pub mod pension;
pub mod pension_life;
pub mod pension_record;
pub mod period;
pub mod policy;
pub mod policy_change;
pub mod project;
pub mod refund;
pub mod retirement;
pub mod rules;
#[cfg(feature = "openapi")]
mod schema;
pub mod signin;
pub mod stored;
pub mod text;
pub mod transfer;
pub mod unemployment;
pub mod unit;
pub mod webhook;

pub use error_code::{ErrorCode, ErrorKind};
pub use money::{Money, Rate};
pub use period::{Period, PeriodRange, SiYear};
/// Exact decimals (ratios, headcounts), as the rules return them.
pub use rust_decimal::Decimal;

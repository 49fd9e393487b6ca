//! The back office's use cases (staff at the counter and reviewers): unit
//! registration, the unit search and a unit's information by number
//! ([`units`]), audited USCC exceptions ([`uscc_exceptions`], R-ID-2) and
//! the work on persons: key-information changes, dated statuses and merging
//! one person's numbers ([`persons`], R-EMP-6…9). Which staff role may do
//! what is checked by the API.

pub mod persons;
pub mod units;
pub mod uscc_exceptions;

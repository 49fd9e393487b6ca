//! The tax bureau's side (R-PAY-1…4), as use cases: the feed of orders it
//! follows ([`feed`]), the events it sends — invoiced, paid (booked and
//! allocated at once), reversed — each idempotent by its serial
//! ([`events`]), and the daily reconciliation against its statement
//! ([`reconciliation`]). Every message the tax bureau sends is kept as
//! received, replays and malformed ones included.

pub mod events;
pub mod feed;
pub mod reconciliation;

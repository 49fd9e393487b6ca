//! qibao-app: the use cases, between the HTTP API and storage.
//!
//! Each use case is one function that takes a connection, the actor, its
//! parsed input and the clock's "now", runs in one transaction that it owns
//! (with its retry), asks `qibao-core` to decide and stores the outcome
//! through `qibao-db`. It returns a value the API renders, or an
//! [`AppError`]. Nothing here knows HTTP; output types derive `Serialize`
//! (and `utoipa::ToSchema` with the `openapi` feature).

pub mod actor;
pub mod audit;
pub mod auth;
pub mod business_items;
pub mod certificates;
pub mod clock;
pub mod context;
pub mod declarations;
pub mod employees;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod imports;
pub mod items;
pub mod jobs;
pub mod materials;
pub mod orders;
pub mod paid_months;
pub mod pension;
pub mod persons;
pub mod policy;
pub mod projects;
pub mod refunds;
pub mod review;
pub mod staff;
pub mod tax;
pub mod transfer;
pub mod tx;
pub mod unemployment;
pub mod units;
pub mod wage_base;
pub mod wage_declarations;
pub mod webhooks;

pub use actor::{Actor, Channel};
pub use error::{AppError, ErrorKind, FieldError};
/// The typed row ids the use cases take and return (defined with the rows).
pub use qibao_db::ids;

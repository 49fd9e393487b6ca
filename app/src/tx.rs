//! Transactions of the use cases, with one retry for actions that lose a
//! race on a unique index: two concurrent requests; the second run of the
//! action sees what the other request committed and answers accordingly
//! (e.g. "already enrolled", or the same declaration).
//!
//! Generic over the error type ([`Retryable`]) so that the API's handlers
//! not yet moved here share the one mechanism.

use qibao_db::{DbConn, DbError};

use crate::error::AppError;

/// The code of an error that a second run of the whole action may resolve.
pub const RETRY: &str = "RETRY_CONFLICT";

/// An error that can say "run the action again".
pub trait Retryable: From<DbError> {
    /// A conflict with [`RETRY`] as its code.
    fn retry(detail: String) -> Self;
    /// The machine code.
    fn code(&self) -> &str;
    /// The Chinese detail.
    fn detail(&self) -> &str;
    /// A 409 conflict with this code.
    fn conflict(code: &'static str, detail: String) -> Self;
}

impl Retryable for AppError {
    fn retry(detail: String) -> Self {
        AppError::conflict(RETRY, detail)
    }
    fn code(&self) -> &str {
        AppError::code(self)
    }
    fn detail(&self) -> &str {
        AppError::detail(self)
    }
    fn conflict(code: &'static str, detail: String) -> Self {
        AppError::conflict(code, detail)
    }
}

/// A unique-index conflict becomes a [`RETRY`] error with `detail` (shown
/// as `CONCURRENT_CHANGE` if the second run conflicts again); any other
/// storage error maps as usual.
pub fn conflict_as_retry<E: Retryable>(e: DbError, detail: &'static str) -> E {
    match e {
        DbError::Conflict { constraint } => {
            log::info!("concurrent change on {constraint}: retrying");
            E::retry(detail.to_owned())
        }
        other => other.into(),
    }
}

/// Runs `f` in one transaction (see [`qibao_db::conn::transaction`]).
pub fn transaction<T, E: From<DbError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    qibao_db::conn::transaction(conn, f)
}

/// Runs `f` in one read-only snapshot (see [`qibao_db::conn::read_transaction`]).
pub fn read_transaction<T, E: From<DbError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    qibao_db::conn::read_transaction(conn, f)
}

/// Runs `f` in one transaction; when it fails with a [`RETRY`] error, runs it
/// once more. A second [`RETRY`] answers 409 `CONCURRENT_CHANGE` with its detail.
pub fn transaction_with_retry<T, E: Retryable>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    match qibao_db::conn::transaction(conn, &mut f) {
        Err(e) if e.code() == RETRY => qibao_db::conn::transaction(conn, &mut f).map_err(|e| {
            if e.code() == RETRY {
                E::conflict("CONCURRENT_CHANGE", e.detail().to_owned())
            } else {
                e
            }
        }),
        other => other,
    }
}

/// For an action under an `Idempotency-Key`: each statement reads the latest
/// commit, so an identical request may commit between the key lookup and
/// the work, which then refuses with `code` (nothing left to do). On the
/// first run that refusal becomes [`RETRY`], so the second run finds the
/// stored response; any other error, or a second refusal, stays as it is.
pub fn keyed_race<E: Retryable>(e: E, keyed: bool, first_run: bool, code: &str) -> E {
    if keyed && first_run && e.code() == code {
        E::retry(e.detail().to_owned())
    } else {
        e
    }
}

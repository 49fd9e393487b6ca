//! One retry for business actions that lose a race on a unique index: two
//! concurrent requests; the second run of the action sees what the other
//! request committed and answers accordingly (e.g. "already enrolled", or the
//! same declaration). Used by enrolment, declarations and order issue.

use qibao_db::{DbConn, DbError};

use crate::problem::ApiError;

/// The code of an error that a second run of the whole action may resolve.
pub const RETRY: &str = "RETRY_CONFLICT";

/// A unique-index conflict becomes a [`RETRY`] error with `detail` (shown
/// as `CONCURRENT_CHANGE` if the second run conflicts again); any other
/// storage error maps as usual.
pub fn conflict_as_retry(e: DbError, detail: &'static str) -> ApiError {
    match e {
        DbError::Conflict { constraint } => {
            log::info!("concurrent change on {constraint}: retrying");
            ApiError::conflict(RETRY, detail)
        }
        other => other.into(),
    }
}

/// Runs `f` in one transaction; when it fails with a [`RETRY`] error, runs it
/// once more. A second [`RETRY`] answers 409 `CONCURRENT_CHANGE` with its detail.
pub fn transaction_with_retry<T>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match qibao_db::conn::transaction(conn, &mut f) {
        Err(e) if e.code() == RETRY => qibao_db::conn::transaction(conn, &mut f).map_err(|e| {
            if e.code() == RETRY {
                ApiError::conflict("CONCURRENT_CHANGE", e.detail().to_owned())
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
pub fn keyed_race(e: ApiError, keyed: bool, first_run: bool, code: &str) -> ApiError {
    if keyed && first_run && e.code() == code {
        ApiError::conflict(RETRY, e.detail().to_owned())
    } else {
        e
    }
}

//! Transactions of the use cases, with one retry for actions that lose a
//! race on a unique index: two concurrent requests; the second run of the
//! action sees what the other request committed and answers accordingly
//! (e.g. "already enrolled", or the same declaration).
//!
//! The retry matches the code [`ErrorCode::RetryConflict`], never a string.

use qibao_db::{DbConn, DbError};

use crate::error::{AppError, ErrorCode};

/// An error that a second run of the whole action may resolve.
pub fn retry(detail: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::RetryConflict).with_detail(detail)
}

/// A unique-index conflict becomes a [`retry`] error with `detail` (shown
/// as `CONCURRENT_CHANGE` if the second run conflicts again); any other
/// storage error maps as usual.
pub fn conflict_as_retry(e: DbError, detail: &'static str) -> AppError {
    match e {
        DbError::Conflict { constraint } => {
            log::info!("concurrent change on {constraint}: retrying");
            retry(detail)
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

/// Runs `f` in one transaction; when it fails with [`ErrorCode::RetryConflict`],
/// runs it once more. A second one answers 409 `CONCURRENT_CHANGE` with its
/// detail.
pub fn transaction_with_retry<T>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    match qibao_db::conn::transaction(conn, &mut f) {
        Err(e) if e.code() == ErrorCode::RetryConflict => qibao_db::conn::transaction(conn, &mut f)
            .map_err(|e| {
                if e.code() == ErrorCode::RetryConflict {
                    AppError::new(ErrorCode::ConcurrentChange).with_detail(e.detail())
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
/// first run that refusal becomes a [`retry`], so the second run finds the
/// stored response; any other error, or a second refusal, stays as it is.
pub fn keyed_race(e: AppError, keyed: bool, first_run: bool, code: ErrorCode) -> AppError {
    if keyed && first_run && e.code() == code {
        retry(e.detail())
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn only_a_retry_code_is_retried_and_keyed_races_become_retries() {
        let e = keyed_race(
            AppError::new(ErrorCode::NothingToBill),
            true,
            true,
            ErrorCode::NothingToBill,
        );
        assert_eq!(e.code(), ErrorCode::RetryConflict);
        assert_eq!(e.detail(), ErrorCode::NothingToBill.default_detail());
        for (keyed, first) in [(false, true), (true, false)] {
            let e = keyed_race(
                AppError::new(ErrorCode::NothingToBill),
                keyed,
                first,
                ErrorCode::NothingToBill,
            );
            assert_eq!(e.code(), ErrorCode::NothingToBill);
        }
        let other = keyed_race(
            AppError::new(ErrorCode::OrderNotFound),
            true,
            true,
            ErrorCode::NothingToBill,
        );
        assert_eq!(other.code(), ErrorCode::OrderNotFound);
        let r = conflict_as_retry(
            DbError::Conflict {
                constraint: "x".into(),
            },
            "再试",
        );
        assert_eq!((r.code(), r.detail()), (ErrorCode::RetryConflict, "再试"));
        assert_eq!(r.kind(), ErrorKind::Conflict);
        assert_eq!(
            conflict_as_retry(DbError::NotFound, "再试").code(),
            ErrorCode::NotFound
        );
    }
}

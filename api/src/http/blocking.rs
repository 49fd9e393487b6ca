//! Runs synchronous (diesel) work off the actix workers.

use actix_web::web;
use qibao_app::error::ErrorCode;

use crate::db_glue::{self, Pool, PooledConn};
use crate::http::problem::ApiError;
use crate::state::AppState;

/// Checks a connection out of the pool and runs `f` with it on the blocking
/// thread pool, so diesel never blocks an actix worker.
///
/// An exhausted pool (`DbError::Busy`) and a failing blocking pool both
/// answer 503 with `Retry-After`. Use one transaction inside `f` per
/// business action.
///
/// ```ignore
/// let unit = run_db(&state, move |conn| Ok(units::find(conn, unit_no)?)).await?;
/// ```
pub async fn run_db<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PooledConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    run_blocking(move || {
        let mut conn = db_glue::checkout(&pool)?;
        f(&mut conn)
    })
    .await
}

/// Like [`run_db`] for work that only reads: on the read replica
/// (`QIBAO_READ_DATABASE_URL`) when one is configured and has replayed the
/// caller's last write (`read_after`, the session's mark: read-your-writes),
/// else on the primary. A replica that cannot be reached or is behind
/// costs one check and the read goes to the primary. `f` must not write
/// (a replica refuses writes).
pub async fn run_read<T, F>(
    state: &AppState,
    read_after: Option<String>,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut PooledConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (pool, replica) = (state.pool.clone(), state.replica.clone());
    run_blocking(move || {
        if let Some(replica) = replica {
            match replica.get() {
                Ok(mut conn) => match qibao_db::replica::serves(&mut conn, read_after.as_deref()) {
                    Ok(true) => {
                        tracing::debug!(read_from = "replica");
                        return f(&mut conn);
                    }
                    Ok(false) => tracing::debug!(
                        read_from = "primary",
                        "the replica is behind this session's last write"
                    ),
                    Err(e) => tracing::warn!("the read replica failed a check: {e}"),
                },
                Err(e) => tracing::warn!("no read replica connection: {e}"),
            }
        }
        let mut conn = db_glue::checkout(&pool)?;
        f(&mut conn)
    })
    .await
}

/// Runs `f` with the pool itself (e.g. `ping`) on the blocking thread pool.
pub async fn run_pool<T, F>(pool: &Pool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&Pool) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    run_blocking(move || f(&pool)).await
}

/// Runs any blocking closure on the blocking thread pool; a failure of
/// that pool (shut down, or the closure panicked) is a 503.
pub async fn run_blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    // Log lines written on the blocking pool belong to the request too.
    let span = tracing::Span::current();
    match web::block(move || span.in_scope(f)).await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!("blocking task failed: {err}");
            Err(ApiError::new(ErrorCode::ServiceUnavailable))
        }
    }
}

//! The only place that names qibao-db's pool API, so a change there is a
//! change here only.
//!
//! Expected from `qibao_db`: `Pool` (Clone) with `Pool::connect(url, max_size)`,
//! `pool.run_migrations()`, `pool.ping()`, `pool.get()`; `PooledConn`; and
//! `DbError { Busy, NotFound, Conflict { constraint }, Config(String), Other(String) }`.

pub use qibao_db::{DbConn, DbError, Pool, PooledConn};

/// Opens a pool of at most `max_size` connections.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    Pool::connect(url, max_size)
}

/// Applies pending migrations; returns the names of those applied now.
pub fn run_migrations(pool: &Pool) -> Result<Vec<String>, DbError> {
    pool.run_migrations()
}

/// Checks that the database answers. Blocking.
pub fn ping(pool: &Pool) -> Result<(), DbError> {
    pool.ping()
}

/// Checks a connection out of the pool. Blocking (bounded by the pool's
/// connection timeout; an exhausted pool gives `DbError::Busy`).
pub fn checkout(pool: &Pool) -> Result<PooledConn, DbError> {
    pool.get()
}

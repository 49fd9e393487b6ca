//! One connection type over PostgreSQL and SQLite, the r2d2 manager that
//! opens it from a URL (and counts the statements its connections run), and
//! the transaction helper.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{
    AnsiTransactionManager, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

use crate::DbError;

/// A connection to either backend. Queries written against the shared
/// schema run on both; match on the variant for backend-specific work.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Applied to every SQLite connection. `busy_timeout` comes first so that
/// switching to WAL waits for other connections instead of failing.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; \
                              PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";

/// A database URL, checked. `postgres://…` / `postgresql://…` go to
/// PostgreSQL as they are; `sqlite://PATH` and `sqlite:PATH` open the file
/// PATH (relative to the working directory unless absolute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Postgres(String),
    Sqlite(String),
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        match url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Some("") => Err(DbError::Config(
                "the SQLite URL has no file path".to_owned(),
            )),
            // Each pooled connection would get its own empty database.
            Some(":memory:") => Err(DbError::Config(
                "in-memory SQLite cannot be pooled; use a file (sqlite://PATH)".to_owned(),
            )),
            Some(path) => Ok(Target::Sqlite(path.to_owned())),
            None => {
                // Never echo the URL: it may hold a password.
                let scheme = url.split_once(':').map_or("(none)", |(scheme, _)| scheme);
                Err(DbError::Config(format!(
                    "unsupported database URL scheme {scheme:?}: \
                     use postgres://, postgresql:// or sqlite://PATH"
                )))
            }
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// r2d2 manager for [`DbConn`]. Unlike diesel's `ConnectionManager` for a
/// `MultiConnection`, it opens only the backend the URL names, so the real
/// connection error is reported. Every connection it opens counts the SQL
/// statements it runs (diesel's `StartQuery` events, set-up excluded) in one
/// counter shared by the pool: see [`crate::Pool::statements`].
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    target: Target,
    statements: Arc<AtomicU64>,
}

impl ConnectionManager {
    /// A manager for `target` whose connections add to `statements`.
    pub(crate) fn new(target: Target, statements: Arc<AtomicU64>) -> Self {
        ConnectionManager { target, statements }
    }

    /// Makes `conn` count its statements in the shared counter.
    fn instrument(&self, conn: &mut DbConn) {
        let statements = Arc::clone(&self.statements);
        let count = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event {
                statements.fetch_add(1, Ordering::Relaxed);
            }
        };
        match conn {
            DbConn::Pg(pg) => pg.set_instrumentation(count),
            DbConn::Sqlite(sqlite) => sqlite.set_instrumentation(count),
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let mut conn = match &self.target {
            Target::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(diesel::r2d2::Error::ConnectionError),
            Target::Sqlite(path) => open_sqlite(path).map(DbConn::Sqlite),
        }?;
        self.instrument(&mut conn);
        Ok(conn)
    }

    /// Only used if the pool tests connections on checkout, which it does
    /// not ([`crate::Pool::connect`]): a broken connection is dropped on
    /// return instead ([`Self::has_broken`]).
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

fn open_sqlite(path: &str) -> Result<SqliteConnection, diesel::r2d2::Error> {
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            diesel::r2d2::Error::ConnectionError(ConnectionError::BadConnection(format!(
                "cannot create {}: {e}",
                parent.display()
            )))
        })?;
    }
    let mut conn =
        SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
    conn.batch_execute(SQLITE_PRAGMAS)
        .map_err(diesel::r2d2::Error::QueryError)?;
    Ok(conn)
}

/// Runs `f` in one transaction: commit on `Ok`, roll back on `Err`.
///
/// On SQLite the outermost transaction starts with `BEGIN IMMEDIATE`, taking
/// the write lock up front (waiting up to busy_timeout), so a transaction
/// that reads and then writes cannot fail half-way with "database is
/// locked". Nested calls use savepoints.
pub fn transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    begin(conn).map_err(|e| E::from(DbError::from(e)))?;
    finish(conn, f)
}

/// Runs `f` in the transaction just begun: commit on `Ok`, roll back on `Err`.
fn finish<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)
                .map_err(|e| E::from(DbError::from(e)))?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn)
            {
                log::error!("rollback failed: {rollback}");
            }
            Err(error)
        }
    }
}

/// Like [`transaction`] for reads only: on SQLite a deferred transaction
/// (a consistent snapshot that never waits for the writer), on PostgreSQL
/// an ordinary one.
pub fn read_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    let begun = match conn {
        DbConn::Sqlite(sqlite) => {
            let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
                .transaction_depth()
                .map_err(|e| E::from(DbError::from(e)))?;
            if depth.is_none() {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN DEFERRED")
            } else {
                <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)
            }
        }
        DbConn::Pg(_) => <DbConn as TransactionManager<DbConn>>::begin_transaction(conn),
    };
    begun.map_err(|e| E::from(DbError::from(e)))?;
    finish(conn, f)
}

fn begin(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if let DbConn::Sqlite(sqlite) = conn {
        let depth =
            AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth()?;
        if depth.is_none() {
            return AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE");
        }
    }
    <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)
}

#[cfg(test)]
mod tests {
    use super::{Backend, Target};
    use crate::DbError;

    #[test]
    fn urls_choose_the_backend() {
        let backend = |url| Target::parse(url).map(|t| t.backend());
        assert_eq!(
            backend("postgres://root@127.0.0.1/test"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            backend("postgresql://root@127.0.0.1/test"),
            Ok(Backend::Postgres)
        );
        assert_eq!(backend("sqlite:///tmp/x.db"), Ok(Backend::Sqlite));
        assert_eq!(
            Target::parse("sqlite:data/qibao.db"),
            Ok(Target::Sqlite("data/qibao.db".to_owned()))
        );
        assert_eq!(
            Target::parse("sqlite://data/qibao.db"),
            Ok(Target::Sqlite("data/qibao.db".to_owned()))
        );
        for bad in [
            "mysql://x",
            "host=localhost user=root",
            "sqlite:",
            "sqlite::memory:",
            "",
        ] {
            assert!(
                matches!(Target::parse(bad), Err(DbError::Config(_))),
                "{bad}"
            );
        }
    }
}

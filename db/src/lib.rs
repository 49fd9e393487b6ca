//! qibao-db: storage over SQLite and PostgreSQL with diesel.
//!
//! [`Pool::connect`] picks the backend from the URL (`postgres://…`,
//! `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`); [`Pool::run_migrations`]
//! applies the embedded migration tree of that backend
//! (`migrations/sqlite`, `migrations/postgres`: same folder names).
//! Queries live in [`repo`], rows in [`rows`], tables in [`schema`], typed
//! row ids in [`ids`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub mod accounts;
pub mod assessments;
pub mod auth;
pub mod back_pay;
pub mod bulk;
pub mod business_items;
pub mod certificates;
pub mod conn;
pub mod declarations;
pub mod deferrals;
pub mod employees;
mod error;
pub mod events;
pub mod feed;
pub mod idempotency;
pub mod ids;
pub mod imports;
pub mod item_chain;
pub mod jobs;
pub mod orders;
pub mod pension;
pub mod policy;
pub mod policy_admin;
pub mod projects;
pub mod refunds;
pub mod replica;
pub mod repo;
pub mod review;
pub mod rows;
pub mod schema;
pub mod signin;
pub mod stabilisation;
pub mod tax;
pub mod testing;
pub mod transfers;
pub mod typed;
pub mod unemployment;
pub mod units;
pub mod webhooks;

pub use conn::{Backend, DbConn};
pub use error::{DbError, OptionalExt};

use conn::{ConnectionManager, Target};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// How long [`Pool::get`] waits for a free connection before [`DbError::Busy`].
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection checked out of the pool; derefs to [`DbConn`].
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// A pool of connections to one database. Cloning is cheap (shared pool).
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    /// SQL statements run so far on the pool's connections.
    statements: Arc<AtomicU64>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("backend", &self.backend)
            .field("state", &self.inner.state())
            .finish()
    }
}

impl Pool {
    /// Opens a pool of at most `max_size` connections and checks that one
    /// connection can be made. A URL of another scheme is
    /// [`DbError::Config`]; an unreachable database is [`DbError::Other`].
    pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
        if max_size == 0 {
            return Err(DbError::Config(
                "the pool needs at least one connection".to_owned(),
            ));
        }
        let target = Target::parse(url)?;
        let backend = target.backend();
        // No minimum of idle connections: r2d2 would otherwise replenish
        // them from background threads, and a process that exits while such
        // a thread is inside libpq can crash on exit. Connections are made on
        // demand and kept (idle timeout 10 min); the first one is made here,
        // in the foreground, so an unreachable database fails at startup.
        // A checkout runs no `SELECT 1` (no test on checkout): a connection
        // that broke is discarded when it is returned (`has_broken`), and
        // /readyz asks the database through `ping`.
        let statements = Arc::new(AtomicU64::new(0));
        let inner = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(CONNECTION_TIMEOUT)
            .build_unchecked(ConnectionManager::new(target, Arc::clone(&statements)));
        let pool = Pool {
            inner,
            backend,
            statements,
        };
        drop(
            pool.inner.get().map_err(|e| {
                DbError::Other(format!("cannot open the {backend:?} database: {e}"))
            })?,
        );
        Ok(pool)
    }

    /// Checks out a connection, waiting at most [`CONNECTION_TIMEOUT`].
    pub fn get(&self) -> Result<PooledConn, DbError> {
        self.inner.get().map_err(|e| {
            log::warn!("no database connection available: {e}");
            DbError::Busy
        })
    }

    /// The number of SQL statements the pool's connections have run since it
    /// was opened (each query, batch and transaction statement; not the
    /// set-up of a new connection). Tests read it before and after a request
    /// to count the statements the request ran.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// The database engine of this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the pending embedded migrations; returns their names
    /// (`2026-11-27-000001_init`, …), empty when the schema is current.
    pub fn run_migrations(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.get()?;
        let applied = match &mut *conn {
            DbConn::Pg(pg) => run_pending(pg, POSTGRES_MIGRATIONS),
            DbConn::Sqlite(sqlite) => run_pending(sqlite, SQLITE_MIGRATIONS),
        }?;
        // The business items written before the hash chains existed are
        // chained once, when the chains' migration is applied.
        if applied
            .iter()
            .any(|name| name.contains(item_chain::MIGRATION))
        {
            let now = time::OffsetDateTime::now_utc();
            let now = time::PrimitiveDateTime::new(now.date(), now.time());
            let sealed = conn::transaction(&mut conn, |c| item_chain::seal_existing(c, now))?;
            if sealed > 0 {
                log::info!("chained {sealed} business items recorded before the hash chains");
            }
        }
        Ok(applied)
    }

    /// Reverts every applied migration, newest first (each `down.sql`);
    /// returns their names. For the down → up test (`db/tests/schema.rs`)
    /// and for wiping a scratch database; never called by the service.
    pub fn revert_all_migrations(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.get()?;
        match &mut *conn {
            DbConn::Pg(pg) => revert_all(pg, POSTGRES_MIGRATIONS),
            DbConn::Sqlite(sqlite) => revert_all(sqlite, SQLITE_MIGRATIONS),
        }
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<(), DbError> {
        Ok(self.get()?.batch_execute("SELECT 1")?)
    }

    /// Runs `f` in one transaction on a pooled connection: commit on `Ok`,
    /// roll back on `Err`. See [`conn::transaction`].
    pub fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.get()?;
        conn::transaction(&mut conn, f)
    }
}

fn run_pending<DB, C>(conn: &mut C, source: EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        DbError::Other(format!("migrations failed: {e}"))
    };
    let mut applied = Vec::new();
    for migration in conn.pending_migrations(source).map_err(failed)? {
        conn.run_migration(migration.as_ref()).map_err(failed)?;
        applied.push(migration.name().to_string());
    }
    Ok(applied)
}

fn revert_all<DB, C>(conn: &mut C, source: EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        DbError::Other(format!("reverting migrations failed: {e}"))
    };
    let names: std::collections::HashMap<String, String> = source
        .migrations()
        .map_err(failed)?
        .iter()
        .map(|m| (m.name().version().to_string(), m.name().to_string()))
        .collect();
    let reverted = conn.revert_all_migrations(source).map_err(failed)?;
    Ok(reverted
        .into_iter()
        .map(|v| {
            let v = v.to_string();
            names.get(&v).cloned().unwrap_or(v)
        })
        .collect())
}

#[cfg(test)]
mod tests;

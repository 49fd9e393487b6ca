//! Fresh databases for tests (never a shared one cleaned by hand).
//!
//! [`TestDb::new`] uses PostgreSQL when `QIBAO_TEST_DATABASE_URL` is set
//! (e.g. `postgres://root@127.0.0.1:5432/test`): it creates a database
//! `qibao_t_<random hex>` there and drops it on drop. Otherwise it uses a
//! SQLite file in a temporary directory, removed on drop.
//!
//! These are fixtures: they panic with a clear message when the database
//! cannot be prepared.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::{DbError, Pool};

/// The variable naming the PostgreSQL server (any existing database on it)
/// on which test databases are created.
pub const TEST_DATABASE_URL_VAR: &str = "QIBAO_TEST_DATABASE_URL";

/// A database that exists as long as this value.
pub struct TestDb {
    /// URL of the fresh database, for [`Pool::connect`].
    pub url: String,
    /// PostgreSQL only: the server URL and the database to drop.
    postgres: Option<(String, String)>,
    /// SQLite only: the directory holding the file.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// PostgreSQL if [`TEST_DATABASE_URL_VAR`] is set, else SQLite.
    pub fn new() -> TestDb {
        match TestDb::server_url() {
            Some(url) => TestDb::postgres(&url),
            None => TestDb::sqlite(),
        }
    }

    /// The PostgreSQL server of [`TEST_DATABASE_URL_VAR`], if set.
    pub fn server_url() -> Option<String> {
        std::env::var(TEST_DATABASE_URL_VAR)
            .ok()
            .filter(|url| !url.is_empty())
    }

    /// A SQLite file in a fresh temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("qibao-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let url = format!("sqlite://{}", dir.path().join("qibao.db").display());
        TestDb {
            url,
            postgres: None,
            _dir: Some(dir),
        }
    }

    /// A fresh database on the PostgreSQL server of `server_url`.
    pub fn postgres(server_url: &str) -> TestDb {
        let name = format!("qibao_t_{:016x}", rand::random::<u64>());
        let created = PgConnection::establish(server_url)
            .map_err(DbError::from)
            .and_then(|mut conn| Ok(conn.batch_execute(&format!("CREATE DATABASE {name}"))?));
        if let Err(e) = created {
            panic!("cannot create test database {name} ({TEST_DATABASE_URL_VAR}): {e}");
        }
        TestDb {
            url: with_database(server_url, &name),
            postgres: Some((server_url.to_owned(), name)),
            _dir: None,
        }
    }

    /// A pool of 10 connections on this database, migrated and seeded.
    pub fn pool(&self) -> Pool {
        let pool = Pool::connect(&self.url, 10)
            .unwrap_or_else(|e| panic!("cannot open test database {}: {e}", self.url));
        if let Err(e) = pool.run_migrations() {
            panic!("cannot migrate test database {}: {e}", self.url);
        }
        pool
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server_url, name)) = &self.postgres else {
            return;
        };
        let dropped = PgConnection::establish(server_url)
            .map_err(DbError::from)
            .and_then(|mut conn| {
                Ok(conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?)
            });
        if let Err(e) = dropped {
            log::warn!("cannot drop test database {name}: {e}");
        }
    }
}

/// `url` with its database path replaced by `database`, query kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_replaced_in_the_url() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
    }
}

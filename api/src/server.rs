//! Running the server: `serve` for the binary, `spawn_test_server` for
//! end-to-end tests, and the server's one background job,
//! [`spawn_expiry_job`]: every minute it closes the live orders past their
//! due date (R-DECL-4, R-DECL-5) of every unit, in short transactions, so
//! that no read ever has to write, and forgets the answers kept for
//! `Idempotency-Key`s once they are 24 hours old.

use std::io;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;

use crate::app;
use crate::clock::Clock;
use crate::config::Config;
use crate::db_glue::{self, Pool};
use crate::routes::{self, RouteFn};
use crate::state::AppState;

/// Opens the database pool of `config`, with a clear error.
pub fn open_pool(config: &Config) -> io::Result<Pool> {
    db_glue::connect(&config.database_url, config.pool_size).map_err(|e| {
        io::Error::other(format!(
            "cannot open the database {}: {e}",
            redact_url(&config.database_url)
        ))
    })
}

/// Applies pending migrations; returns the names applied now.
pub fn migrate(pool: &Pool) -> io::Result<Vec<String>> {
    db_glue::run_migrations(pool)
        .map_err(|e| io::Error::other(format!("cannot apply database migrations: {e}")))
}

/// The clock `config` asks for: pinned by `QIBAO_TODAY`, else the system's.
pub fn clock_for(config: &Config) -> Clock {
    match config.today {
        Some(today) => {
            log::warn!("QIBAO_TODAY is set: the server's date is pinned to {today}");
            Clock::fixed(today)
        }
        None => Clock::system(),
    }
}

/// Opens the database, applies pending migrations and serves until
/// stopped (Ctrl-C / SIGTERM).
pub async fn serve(config: Config) -> io::Result<()> {
    let pool = open_pool(&config)?;
    let applied = migrate(&pool)?;
    for name in &applied {
        log::info!("applied migration {name}");
    }
    let clock = clock_for(&config);
    let (bind, workers, mode) = (config.bind, config.workers, config.mode);
    let _expiry = spawn_expiry_job(pool.clone(), clock.clone(), EXPIRY_EVERY)?;
    let job_workers = config.job_workers;
    let (webhook_workers, webhook_targets) = (config.webhook_workers, config.webhook_targets());
    let replica = match &config.read_database_url {
        None => None,
        Some(url) => Some(db_glue::connect(url, config.pool_size).map_err(|e| {
            io::Error::other(format!(
                "cannot open the read replica {}: {e}",
                redact_url(url)
            ))
        })?),
    };
    let mut state = AppState::new(pool, clock, config);
    if let Some(replica) = replica {
        log::info!("reads may go to the replica");
        state = state.with_replica(replica);
    }
    let _webhooks = crate::webhook_worker::spawn(
        state.pool.clone(),
        state.clock.clone(),
        state.webhooks.clone(),
        webhook_targets,
        webhook_workers,
    )?;
    let _workers = crate::workers::spawn_workers(
        state.pool.clone(),
        state.clock.clone(),
        state.jobs.clone(),
        job_workers,
    )?;

    let server = HttpServer::new(move || app::build_app(state.clone()))
        .workers(workers)
        .bind(bind)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {bind}: {e}")))?;
    log::info!(
        "qibao ({mode} mode) listening on http://{bind} with {workers} workers; docs at http://{bind}/docs/"
    );
    server.run().await
}

/// How often the server closes overdue orders.
pub const EXPIRY_EVERY: Duration = Duration::from_secs(60);

/// The expiry job's thread; stops (and is joined) when dropped.
pub struct ExpiryJob {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ExpiryJob {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the job that closes every unit's overdue live orders
/// ([`qibao_app::orders::expire_all_overdue`]) at once and then every
/// `every`, with "today" read from `clock` at each run (so a pinned test
/// clock pins it too). A failed run is logged and retried at the next tick.
pub fn spawn_expiry_job(pool: Pool, clock: Clock, every: Duration) -> io::Result<ExpiryJob> {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("qibao-expiry".to_owned())
        .spawn(move || {
            loop {
                expire_once(&pool, &clock);
                match stopped.recv_timeout(every) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            }
        })?;
    Ok(ExpiryJob {
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// One run of the expiry job.
pub fn expire_once(pool: &Pool, clock: &Clock) {
    let result = pool
        .get()
        .map_err(qibao_app::AppError::from)
        .and_then(|mut conn| {
            qibao_app::orders::expire_all_overdue(&mut conn, clock.today(), clock.now_utc())
        });
    match result {
        Ok(0) => {}
        Ok(n) => log::info!("expired {n} overdue payment orders"),
        Err(e) => log::warn!("expiring overdue payment orders failed: {e}"),
    }
    // Answers kept for Idempotency-Keys live 24 hours.
    let purged = pool
        .get()
        .map_err(qibao_app::AppError::from)
        .and_then(|mut conn| qibao_app::idempotency::purge(&mut conn, clock.now_utc()));
    match purged {
        Ok(0) => {}
        Ok(n) => log::info!("forgot {n} idempotency keys older than 24 hours"),
        Err(e) => log::warn!("purging idempotency keys failed: {e}"),
    }
}

/// A server on `127.0.0.1:<random port>` in its own thread and actix
/// system. Stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    /// The server's clock: `set_today` here changes the server's date.
    pub clock: Clock,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    /// The background job workers, as `qibao serve` runs them.
    workers: Option<crate::workers::Workers>,
    /// The webhook workers, likewise.
    webhooks: Option<crate::webhook_worker::WebhookWorkers>,
}

impl TestServer {
    /// `base_url` + `path` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.webhooks.take());
        drop(self.workers.take());
        // `stop` sends the command at once; the returned future only waits.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the app for end-to-end tests (see [`TestServer`]).
///
/// # Panics
/// When no local port can be bound or the server cannot start: a test
/// cannot go on without it.
pub fn spawn_test_server(state: AppState) -> TestServer {
    spawn_test_server_with(state, routes::no_routes)
}

/// Like [`spawn_test_server`], with `extra` routes under `/api/v1`.
///
/// # Panics
/// As [`spawn_test_server`].
pub fn spawn_test_server_with(state: AppState, extra: RouteFn) -> TestServer {
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => panic!("test server: cannot bind 127.0.0.1:0: {e}"),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => panic!("test server: no local address: {e}"),
    };
    let clock = state.clock.clone();
    let workers = match crate::workers::spawn_workers(
        state.pool.clone(),
        state.clock.clone(),
        state.jobs.clone(),
        state.config.job_workers,
    ) {
        Ok(w) => w,
        Err(e) => panic!("test server: cannot start the job workers: {e}"),
    };
    let webhooks = match crate::webhook_worker::spawn(
        state.pool.clone(),
        state.clock.clone(),
        state.webhooks.clone(),
        state.config.webhook_targets(),
        state.config.webhook_workers,
    ) {
        Ok(w) => w,
        Err(e) => panic!("test server: cannot start the webhook workers: {e}"),
    };
    let (tx, rx) = mpsc::channel::<io::Result<ServerHandle>>();

    let spawned = std::thread::Builder::new()
        .name(format!("qibao-test-server-{}", addr.port()))
        .spawn(move || {
            let system = actix_web::rt::System::new();
            let result = system.block_on(async move {
                let server = HttpServer::new(move || app::build_app_with(state.clone(), extra))
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .listen(listener);
                let server = match server {
                    Ok(s) => s.run(),
                    Err(e) => {
                        let kind = e.kind();
                        let _ = tx.send(Err(io::Error::new(kind, e.to_string())));
                        return Err(e);
                    }
                };
                let _ = tx.send(Ok(server.handle()));
                server.await
            });
            if let Err(e) = result {
                log::error!("test server stopped with an error: {e}");
            }
        });
    let thread = match spawned {
        Ok(t) => t,
        Err(e) => panic!("test server: cannot spawn its thread: {e}"),
    };
    let handle = match rx.recv() {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => panic!("test server: cannot start: {e}"),
        Err(_) => panic!("test server: its thread ended before starting"),
    };
    TestServer {
        base_url: format!("http://{addr}"),
        clock,
        handle,
        thread: Some(thread),
        workers: Some(workers),
        webhooks: Some(webhooks),
    }
}

/// Hides the password of `scheme://user:password@host/...`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***@{}", &url[..scheme_end + 3], user, &rest[at + 1..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://qibao:s3cret@db:5432/qibao"),
            "postgres://qibao:***@db:5432/qibao"
        );
        assert_eq!(redact_url("sqlite://qibao.db"), "sqlite://qibao.db");
    }
}

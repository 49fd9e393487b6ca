//! The background job workers inside `qibao serve` (and the test server):
//! threads that claim queued jobs ([`qibao_app::jobs`]) and run them, a
//! heartbeat per running job, and the recovery of jobs interrupted by a
//! crash or a restart.
//!
//! PostgreSQL: several nodes share the queue (the claim skips locked rows);
//! a running job's heartbeat is written every [`HEARTBEAT_EVERY`] on a
//! connection of its own, and a job whose heartbeat is older than
//! [`STALE_AFTER`] was interrupted. SQLite is one node (one writer, the
//! work's transaction holds the write lock, so no heartbeat can be written
//! while it runs): a running job that this process is not running was
//! interrupted.
//!
//! The progress of a job running here is also kept in memory
//! ([`JobBoard`]), so a poll of this node sees it move even on SQLite.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use qibao_app::clock::Clock;
use qibao_app::ids::JobId;
use qibao_app::jobs::{self, JobDto, Progress};
use qibao_core::job::JobState;
use qibao_db::DbConn;
use qibao_db::conn::Backend;

use crate::db_glue::Pool;

/// How often a running job's heartbeat is written (PostgreSQL).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
/// A running job without a heartbeat for this long was interrupted.
pub const STALE_AFTER: Duration = Duration::from_secs(20);
/// How long an idle worker waits before looking at the queue again (a job
/// queued by this node wakes it at once).
pub const IDLE_WAIT: Duration = Duration::from_millis(500);
/// How often interrupted jobs are looked for.
pub const RECOVER_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Board {
    /// Held while a worker claims a job and registers it as running here,
    /// and while interrupted jobs are looked for: a job just claimed is
    /// never taken for an interrupted one.
    claiming: Mutex<()>,
    wake: Mutex<u64>,
    cv: Condvar,
    running: Mutex<HashMap<i64, Arc<(AtomicI64, AtomicI64)>>>,
}

/// What this node knows of its jobs: a wake-up for the workers and the
/// progress of the jobs running here. Cheap to clone.
#[derive(Clone, Default)]
pub struct JobBoard {
    inner: Arc<Board>,
}

impl JobBoard {
    pub fn new() -> JobBoard {
        JobBoard::default()
    }

    /// A job was queued: wake the idle workers.
    pub fn wake(&self) {
        if let Ok(mut n) = self.inner.wake.lock() {
            *n = n.wrapping_add(1);
        }
        self.inner.cv.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        if let Ok(n) = self.inner.wake.lock() {
            let seen = *n;
            let _ = self.inner.cv.wait_timeout_while(n, timeout, |n| *n == seen);
        }
    }

    fn start(&self, id: JobId, total: i64) -> Arc<(AtomicI64, AtomicI64)> {
        let cell = Arc::new((AtomicI64::new(0), AtomicI64::new(total)));
        if let Ok(mut m) = self.inner.running.lock() {
            m.insert(id.0, cell.clone());
        }
        cell
    }

    fn end(&self, id: JobId) {
        if let Ok(mut m) = self.inner.running.lock() {
            m.remove(&id.0);
        }
    }

    fn running_ids(&self) -> Vec<JobId> {
        self.inner
            .running
            .lock()
            .map(|m| m.keys().map(|k| JobId(*k)).collect())
            .unwrap_or_default()
    }

    /// Shows the live progress of a job running on this node.
    pub fn overlay(&self, job: &mut JobDto) {
        if job.state != JobState::Running {
            return;
        }
        if let Ok(m) = self.inner.running.lock()
            && let Some(cell) = m.get(&job.id)
        {
            job.done = job.done.max(cell.0.load(Ordering::Relaxed));
            job.total = cell.1.load(Ordering::Relaxed).max(job.total);
        }
    }
}

struct CellProgress(Arc<(AtomicI64, AtomicI64)>);

impl Progress for CellProgress {
    fn set(&self, done: i64, total: i64) {
        self.0.0.store(done, Ordering::Relaxed);
        self.0.1.store(total, Ordering::Relaxed);
    }
}

/// The exports a job can make: the lists' own CSV / XLSX files.
struct ServerExports;

impl jobs::Exporter for ServerExports {
    fn render(
        &self,
        conn: &mut DbConn,
        job: &qibao_db::jobs::Job,
        today: time::Date,
    ) -> Result<jobs::ExportFile, qibao_app::AppError> {
        let input: serde_json::Value = job
            .input
            .as_deref()
            .and_then(|i| serde_json::from_str(i).ok())
            .unwrap_or_default();
        let unit_id = job
            .unit_id
            .ok_or_else(|| qibao_app::AppError::internal_cause("an export of no unit"))?;
        let query = input["query"].as_str().unwrap_or_default();
        match input["export"].as_str() {
            Some("employees") => {
                crate::routes::employees::export_job_file(conn, unit_id, query, today)
            }
            Some("paid_months") => {
                crate::routes::paid_months::export_job_file(conn, unit_id, query)
            }
            other => Err(qibao_app::AppError::internal_cause(format!(
                "unknown export {other:?}"
            ))),
        }
    }
}

/// The worker threads; stopped (and joined) when dropped. A job running
/// when they stop finishes first.
pub struct Workers {
    stop: Arc<AtomicBool>,
    board: JobBoard,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.board.wake();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// This process's name in `jobs.claimed_by`: host, process id and a
/// random part (a restarted process is another node).
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "node".to_owned());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Starts `count` workers (0: none).
pub fn spawn_workers(
    pool: Pool,
    clock: Clock,
    board: JobBoard,
    count: usize,
) -> io::Result<Workers> {
    let stop = Arc::new(AtomicBool::new(false));
    let node = node_name();
    let mut threads = Vec::new();
    for i in 0..count {
        let (pool, clock, board, stop, node) = (
            pool.clone(),
            clock.clone(),
            board.clone(),
            stop.clone(),
            node.clone(),
        );
        threads.push(
            std::thread::Builder::new()
                .name(format!("qibao-jobs-{i}"))
                .spawn(move || work(&pool, &clock, &board, &stop, &node))?,
        );
    }
    if count > 0 {
        log::info!("{count} job worker(s) started as node {node}");
    }
    Ok(Workers {
        stop,
        board,
        threads,
    })
}

fn work(pool: &Pool, clock: &Clock, board: &JobBoard, stop: &AtomicBool, node: &str) {
    let mut last_recovery: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        if last_recovery.is_none_or(|t| t.elapsed() >= RECOVER_EVERY) {
            last_recovery = Some(Instant::now());
            recover(pool, clock, board);
        }
        match run_one(pool, clock, board, node) {
            Ok(true) => continue,
            Ok(false) => board.wait(IDLE_WAIT),
            Err(e) => {
                log::warn!("job worker: {e}");
                board.wait(IDLE_WAIT);
            }
        }
    }
}

fn recover(pool: &Pool, clock: &Clock, board: &JobBoard) {
    let result = pool
        .get()
        .map_err(qibao_app::AppError::from)
        .and_then(|mut conn| {
            let now = clock.now_utc();
            let stale_before = match pool.backend() {
                Backend::Postgres => now - STALE_AFTER,
                // One node: whatever runs and is not run here was interrupted.
                Backend::Sqlite => now + Duration::from_secs(86_400),
            };
            jobs::recover_interrupted(&mut conn, stale_before, &board.running_ids(), now)
        });
    match result {
        Ok(0) => {}
        Ok(n) => log::warn!("took up {n} interrupted job(s)"),
        Err(e) => log::warn!("looking for interrupted jobs failed: {e}"),
    }
}

/// Claims and runs one job; false when none was queued.
fn run_one(
    pool: &Pool,
    clock: &Clock,
    board: &JobBoard,
    node: &str,
) -> Result<bool, qibao_app::AppError> {
    let mut conn = pool.get()?;
    let (job, cell) = {
        let _claiming = board.inner.claiming.lock();
        let Some(job) = jobs::claim(&mut conn, node, clock.now_utc())? else {
            return Ok(false);
        };
        let cell = board.start(job.id, job.total);
        (job, cell)
    };
    log::info!("job {} ({}) started on {node}", job.id, job.kind);
    let done = Arc::new(AtomicBool::new(false));
    let beat = match pool.backend() {
        Backend::Postgres => Some(spawn_heartbeat(
            pool.clone(),
            clock.clone(),
            job.id,
            node.to_owned(),
            cell.clone(),
            done.clone(),
        )),
        Backend::Sqlite => None,
    };
    let started = Instant::now();
    let outcome = jobs::run(
        &mut conn,
        &job,
        node,
        clock.today(),
        clock.now_utc(),
        &CellProgress(cell),
        &ServerExports,
    );
    done.store(true, Ordering::SeqCst);
    if let Some(Ok(beat)) = beat {
        let _ = beat.join();
    }
    board.end(job.id);
    match outcome {
        Ok(state) => log::info!(
            "job {} ({}) {} in {} ms",
            job.id,
            job.kind,
            state,
            started.elapsed().as_millis()
        ),
        Err(e) => log::warn!("job {} ({}) failed: {e}", job.id, job.kind),
    }
    Ok(true)
}

fn spawn_heartbeat(
    pool: Pool,
    clock: Clock,
    id: JobId,
    node: String,
    cell: Arc<(AtomicI64, AtomicI64)>,
    done: Arc<AtomicBool>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("qibao-job-{id}-heartbeat"))
        .spawn(move || {
            let mut last = Instant::now();
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                if last.elapsed() < HEARTBEAT_EVERY {
                    continue;
                }
                last = Instant::now();
                let beat = pool.get().map_err(qibao_app::AppError::from).and_then(
                    |mut c: qibao_db::PooledConn| {
                        let conn: &mut DbConn = &mut c;
                        Ok(qibao_db::jobs::heartbeat(
                            conn,
                            id,
                            &node,
                            cell.0.load(Ordering::Relaxed),
                            cell.1.load(Ordering::Relaxed),
                            clock.now_utc(),
                        )?)
                    },
                );
                if let Err(e) = beat {
                    log::warn!("job {id}: heartbeat failed: {e}");
                }
            }
        })
}

//! Background jobs (issue 12), built once for every long piece of work: a
//! job is a row (`jobs`) with its kind, state (queued → running →
//! succeeded | failed), progress (done/total), result and error, that a
//! front end polls to draw a progress bar.
//!
//! Workers ([`run_next`], driven by the server's worker threads) claim the
//! oldest queued job (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several
//! server nodes share the queue, each job run once; SQLite: a single
//! claimer). A job's work and its terminal state commit in one transaction;
//! a job left `running` by a crash or a restart stored nothing and is taken
//! up again or failed cleanly ([`recover_interrupted`], rule
//! [`qibao_core::job::after_interruption`]).

use qibao_core::job::{Interrupted, JobKind, JobState, after_interruption, interrupted_message};
use qibao_db::DbConn;
use qibao_db::ids::{JobId, UnitId};
use qibao_db::jobs::{self as jobs_db, Job};
use serde::Serialize;
use serde_json::Value;
use time::{Date, PrimitiveDateTime};

use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::imports;
use crate::tx::read_transaction;

/// The code of a job failed by interruptions.
pub const INTERRUPTED: &str = "JOB_INTERRUPTED";

/// A job as its unit sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDto {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    pub kind: JobKind,
    /// The kind's Chinese name.
    #[cfg_attr(feature = "openapi", schema(example = "导盘校验"))]
    pub kind_label: String,
    pub state: JobState,
    /// The state's Chinese name.
    #[cfg_attr(feature = "openapi", schema(example = "处理中"))]
    pub state_label: String,
    /// Rows done so far, of `total` (a progress bar: done / total).
    #[cfg_attr(feature = "openapi", schema(example = 12000))]
    pub done: i64,
    #[cfg_attr(feature = "openapi", schema(example = 50000))]
    pub total: i64,
    /// What the job works on: the import's address.
    #[cfg_attr(feature = "openapi", schema(example = "/api/v1/portal/imports/7"))]
    pub subject: String,
    /// The outcome when succeeded (the import's counts).
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub result: Option<Value>,
    /// Why it failed: a code and a Chinese detail.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub error: Option<JobError>,
    /// How many times it was started (more than once after an interruption).
    pub attempts: i32,
    /// China time, RFC 3339.
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub started_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobError {
    #[cfg_attr(feature = "openapi", schema(example = "IMPORT_DATA_CHANGED"))]
    pub code: String,
    pub detail: String,
}

/// A page of the unit's jobs, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobPage {
    pub items: Vec<JobDto>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// The address of a job.
pub fn job_path(id: JobId) -> String {
    format!("/api/v1/portal/jobs/{id}")
}

impl JobDto {
    pub fn of(job: &Job) -> JobDto {
        let subject = match job.kind {
            JobKind::ImportValidate | JobKind::ImportCommit | JobKind::ImportRevoke => {
                imports::import_path(job.subject_id)
            }
            JobKind::Declaration | JobKind::BackPayDeclaration => {
                format!("/api/v1/portal/declarations/{}", job.subject_id)
            }
            JobKind::Export => format!("{}/file", job_path(job.id)),
            JobKind::PensionPayroll => {
                format!("/api/v1/staff/pension-payrolls/{}", job.subject_id)
            }
        };
        JobDto {
            id: job.id.0,
            kind: job.kind,
            kind_label: job.kind.label_zh().to_string(),
            state: job.state,
            state_label: job.state.label_zh().to_string(),
            done: job.done,
            total: job.total,
            subject,
            result: job
                .result
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok()),
            error: job.error_code.as_ref().map(|code| JobError {
                code: code.clone(),
                detail: job.error_detail.clone().unwrap_or_default(),
            }),
            attempts: job.attempts,
            created_at: china_timestamp(job.created_at),
            started_at: job.started_at.map(china_timestamp),
            finished_at: job.finished_at.map(china_timestamp),
        }
    }
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::JobNotFound)
}

/// One of the unit's jobs; another unit's is not found.
pub fn get(conn: &mut DbConn, unit_id: UnitId, id: JobId) -> Result<JobDto, AppError> {
    read_transaction(conn, |c| match jobs_db::get(c, id)? {
        Some(job) if job.unit_id == Some(unit_id) => Ok(JobDto::of(&job)),
        _ => Err(not_found()),
    })
}

/// A back-office job (one of no unit, e.g. a pension payroll), for staff.
pub fn get_staff(conn: &mut DbConn, id: JobId) -> Result<JobDto, AppError> {
    read_transaction(conn, |c| match jobs_db::get(c, id)? {
        Some(job) if job.unit_id.is_none() => Ok(JobDto::of(&job)),
        _ => Err(not_found()),
    })
}

/// A page of the unit's jobs, newest first.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: i64,
    page_size: i64,
) -> Result<JobPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) =
            jobs_db::list_for_unit(c, unit_id, (page - 1).saturating_mul(page_size), page_size)?;
        Ok(JobPage {
            items: rows.iter().map(JobDto::of).collect(),
            total,
            page,
            page_size,
        })
    })
}

/// Where a running job reports its progress; the server's worker writes it
/// to the job's row on its own connection (PostgreSQL) and keeps it for
/// the heartbeat.
pub trait Progress {
    /// `done` of `total` rows are through.
    fn set(&self, done: i64, total: i64);
}

/// A progress sink that drops everything (tests, small jobs).
pub struct NoProgress;

impl Progress for NoProgress {
    fn set(&self, _done: i64, _total: i64) {}
}

/// A file an export job made.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Rows written.
    pub rows: i64,
}

/// What renders an export job's file (the server's list exports: the same
/// code as their CSV / XLSX answers).
pub trait Exporter {
    fn render(&self, conn: &mut DbConn, job: &Job, today: Date) -> Result<ExportFile, AppError>;
}

/// No exports (a runner that only runs the other kinds).
pub struct NoExports;

impl Exporter for NoExports {
    fn render(&self, _: &mut DbConn, job: &Job, _: Date) -> Result<ExportFile, AppError> {
        Err(AppError::internal_cause(format!(
            "no exporter for job {}",
            job.id
        )))
    }
}

/// Queues an export of the unit's `input` (JSON naming the list and its
/// filters), asked by `who`; returns the job.
pub fn enqueue_export(
    conn: &mut DbConn,
    who: &crate::actor::Actor,
    unit_id: UnitId,
    input: &Value,
    now: PrimitiveDateTime,
) -> Result<JobDto, AppError> {
    let input = input.to_string();
    crate::tx::transaction(conn, |c| {
        let job = jobs_db::enqueue_for(
            c,
            JobKind::Export,
            Some(unit_id),
            0,
            0,
            Some((&who.name, who.channel.as_str())),
            Some(&input),
            now,
        )?;
        Ok(JobDto::of(&job))
    })
}

/// The file of one of the unit's jobs: (name, content type, bytes);
/// `JOB_NOT_FOUND` for another unit's job or one without a file (yet).
pub fn file(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: JobId,
) -> Result<(String, String, Vec<u8>), AppError> {
    read_transaction(conn, |c| match jobs_db::get(c, id)? {
        Some(job) if job.unit_id == Some(unit_id) => jobs_db::file(c, id)?.ok_or_else(|| {
            AppError::new(ErrorCode::JobNotFound).with_detail(match job.state {
                JobState::Queued | JobState::Running => "导出文件尚未生成，请稍后再试",
                _ => "该后台任务没有文件",
            })
        }),
        _ => Err(not_found()),
    })
}

fn run_export(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    today: Date,
    now: PrimitiveDateTime,
    exporter: &dyn Exporter,
) -> Result<JobState, AppError> {
    crate::tx::transaction(conn, |c| {
        let file = exporter.render(c, job, today)?;
        jobs_db::store_file(
            c,
            job.id,
            &file.file_name,
            &file.content_type,
            &file.bytes,
            now,
        )?;
        // An export's size is known only once written.
        jobs_db::heartbeat(c, job.id, node, file.rows, file.rows, now)?;
        let result = serde_json::json!({
            "file": format!("{}/file", job_path(job.id)),
            "file_name": file.file_name,
            "rows": file.rows,
            "bytes": file.bytes.len(),
        })
        .to_string();
        if !jobs_db::finish(
            c,
            job.id,
            node,
            JobState::Succeeded,
            Some(&result),
            None,
            file.rows,
            now,
        )? {
            return Err(AppError::internal_cause("the job was taken from this node"));
        }
        Ok(JobState::Succeeded)
    })
}

/// Runs one claimed job to its end: its work and its terminal state in one
/// transaction (see the job's kind). A failure of the system (not of the
/// job's input) marks the job failed on a fresh transaction; the returned
/// error is only for the log.
#[allow(clippy::too_many_arguments)]
pub fn run(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    today: Date,
    now: PrimitiveDateTime,
    progress: &dyn Progress,
    exporter: &dyn Exporter,
) -> Result<JobState, AppError> {
    let outcome = match job.kind {
        JobKind::ImportValidate => imports::run_validation(conn, job, node, today, now, progress),
        JobKind::ImportCommit => imports::run_commit(conn, job, node, today, now, progress),
        JobKind::ImportRevoke => imports::run_revoke(conn, job, node, now, progress),
        JobKind::Declaration | JobKind::BackPayDeclaration => {
            crate::declarations::run_job(conn, job, node, today, now)
        }
        JobKind::Export => run_export(conn, job, node, today, now, exporter),
        JobKind::PensionPayroll => crate::pension::payroll::run_job(conn, job, node, now),
    };
    match outcome {
        Ok(state) => Ok(state),
        Err(e) => {
            log::error!("job {} ({}) failed: {e}", job.id, job.kind);
            let detail = if e.kind() == crate::error::ErrorKind::Internal {
                "处理过程中发生系统错误，未保存任何数据，请稍后重新提交；如多次失败请联系经办机构"
                    .to_string()
            } else {
                e.detail().to_string()
            };
            qibao_db::conn::transaction(conn, |c| {
                if jobs_db::finish(
                    c,
                    job.id,
                    node,
                    JobState::Failed,
                    None,
                    Some((e.code().as_str(), &detail)),
                    job.done,
                    now,
                )? && is_import(job.kind)
                {
                    imports::mark_failed(c, job, now)?;
                }
                Ok::<_, AppError>(())
            })?;
            Err(e)
        }
    }
}

fn is_import(kind: JobKind) -> bool {
    matches!(
        kind,
        JobKind::ImportValidate | JobKind::ImportCommit | JobKind::ImportRevoke
    )
}

/// Claims the oldest queued job for `node`, if any.
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: PrimitiveDateTime,
) -> Result<Option<Job>, AppError> {
    Ok(jobs_db::claim(conn, node, now)?)
}

/// Takes up the jobs interrupted by a crash or a restart: each running job
/// whose heartbeat is older than `stale_before` (and not run by `node`
/// right now: `running_here`) is queued again, or failed after its last
/// attempt. Nothing of an interrupted job's work was stored (its work
/// commits with its end). Returns how many were taken up.
pub fn recover_interrupted(
    conn: &mut DbConn,
    stale_before: PrimitiveDateTime,
    running_here: &[JobId],
    now: PrimitiveDateTime,
) -> Result<usize, AppError> {
    let mut n = 0;
    for job in jobs_db::stale(conn, stale_before)? {
        if running_here.contains(&job.id) {
            continue;
        }
        let taken = match after_interruption(job.attempts, job.max_attempts) {
            Interrupted::RunAgain => {
                log::warn!(
                    "job {} ({}) was interrupted: queued again",
                    job.id,
                    job.kind
                );
                jobs_db::requeue(conn, &job)?
            }
            Interrupted::Fail => {
                log::warn!(
                    "job {} ({}) was interrupted {} times: failed",
                    job.id,
                    job.kind,
                    job.attempts
                );
                qibao_db::conn::transaction(conn, |c| {
                    let failed = jobs_db::fail_interrupted(
                        c,
                        &job,
                        INTERRUPTED,
                        &interrupted_message(job.attempts),
                        now,
                    )?;
                    if failed && is_import(job.kind) {
                        imports::mark_failed(c, &job, now)?;
                    }
                    Ok::<_, AppError>(failed)
                })?
            }
        };
        if taken {
            n += 1;
        }
    }
    Ok(n)
}

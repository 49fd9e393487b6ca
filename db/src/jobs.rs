//! Background jobs (issue 12): one row per job, claimed by one worker of
//! any server node. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
//! several nodes take different jobs without waiting on each other; SQLite
//! has one writer, so the claim (select + update in one write
//! transaction) is a single claimer.
//!
//! Progress (`done`/`total`) and the heartbeat are written by the worker on
//! a second connection while the work runs in its own transaction; the
//! terminal state is written inside the work's transaction, so a job is
//! never `succeeded` without its work stored.

use diesel::prelude::*;
use qibao_core::job::{JobKind, JobState};
use time::PrimitiveDateTime;

use crate::conn::transaction;
use crate::ids::{JobId, UnitId};
use crate::schema::jobs;
use crate::{DbConn, DbError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: JobId,
    #[diesel(deserialize_as = String)]
    pub kind: JobKind,
    pub unit_id: Option<UnitId>,
    #[diesel(deserialize_as = String)]
    pub state: JobState,
    /// What the job works on: an import's id, or a declaration's YYYYMM.
    pub subject_id: i64,
    /// Who asked (`role:subject:name`), when the job records business items.
    pub actor: Option<String>,
    pub channel: Option<String>,
    /// JSON: what the job was asked (an export's list and filters).
    pub input: Option<String>,
    pub done: i64,
    pub total: i64,
    /// JSON, set when succeeded.
    pub result: Option<String>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub claimed_by: Option<String>,
    pub heartbeat_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub started_at: Option<PrimitiveDateTime>,
    pub finished_at: Option<PrimitiveDateTime>,
}

/// Queues a job; returns it.
pub fn enqueue(
    conn: &mut DbConn,
    kind: JobKind,
    unit_id: Option<UnitId>,
    subject_id: i64,
    total: i64,
    now: PrimitiveDateTime,
) -> Result<Job, DbError> {
    enqueue_for(conn, kind, unit_id, subject_id, total, None, None, now)
}

/// Queues a job that acts for `actor` (name, channel) on `input`; returns it.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_for(
    conn: &mut DbConn,
    kind: JobKind,
    unit_id: Option<UnitId>,
    subject_id: i64,
    total: i64,
    actor: Option<(&str, &str)>,
    input: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<Job, DbError> {
    Ok(diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(kind.code()),
            jobs::input.eq(input),
            jobs::actor.eq(actor.map(|a| a.0)),
            jobs::channel.eq(actor.map(|a| a.1)),
            jobs::unit_id.eq(unit_id),
            jobs::state.eq(JobState::Queued.code()),
            jobs::subject_id.eq(subject_id),
            jobs::total.eq(total),
            jobs::created_at.eq(now),
        ))
        .returning(jobs::all_columns)
        .get_result(conn)?)
}

pub fn get(conn: &mut DbConn, id: JobId) -> Result<Option<Job>, DbError> {
    Ok(jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()?)
}

/// One page of the unit's jobs, newest first, and how many there are.
pub fn list_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Job>, i64), DbError> {
    let total = jobs::table
        .filter(jobs::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = jobs::table
        .filter(jobs::unit_id.eq(unit_id))
        .order(jobs::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Job::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Claims the oldest queued job for `node`: it becomes `running`, its
/// attempts grow by one and its heartbeat is `now`. `None` when nothing is
/// queued (or, on PostgreSQL, every queued job is being claimed by another
/// node at this instant).
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: PrimitiveDateTime,
) -> Result<Option<Job>, DbError> {
    transaction(conn, |c| {
        let queued = jobs::table
            .filter(jobs::state.eq(JobState::Queued.code()))
            .order(jobs::id)
            .select(jobs::id)
            .limit(1);
        let id: Option<JobId> = match c {
            DbConn::Pg(pg) => queued.for_update().skip_locked().first(pg).optional()?,
            DbConn::Sqlite(sq) => queued.first(sq).optional()?,
        };
        let Some(id) = id else {
            return Ok(None);
        };
        Ok(diesel::update(jobs::table.find(id))
            .filter(jobs::state.eq(JobState::Queued.code()))
            .set((
                jobs::state.eq(JobState::Running.code()),
                jobs::claimed_by.eq(node),
                jobs::heartbeat_at.eq(now),
                jobs::started_at.eq(now),
                jobs::attempts.eq(jobs::attempts + 1),
            ))
            .returning(jobs::all_columns)
            .get_result(c)
            .optional()?)
    })
}

/// The worker's heartbeat and progress (on its own connection, outside the
/// work's transaction). False when the job is no longer this node's (it
/// was taken as interrupted): the worker's work will then not commit.
pub fn heartbeat(
    conn: &mut DbConn,
    id: JobId,
    node: &str,
    done: i64,
    total: i64,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(jobs::table.find(id))
        .filter(jobs::state.eq(JobState::Running.code()))
        .filter(jobs::claimed_by.eq(node))
        .set((
            jobs::done.eq(done),
            jobs::total.eq(total),
            jobs::heartbeat_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends a running job of `node` (in the work's transaction). False when
/// the job is no longer this node's: the caller rolls its work back.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &mut DbConn,
    id: JobId,
    node: &str,
    state: JobState,
    result: Option<&str>,
    error: Option<(&str, &str)>,
    done: i64,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(jobs::table.find(id))
        .filter(jobs::state.eq(JobState::Running.code()))
        .filter(jobs::claimed_by.eq(node))
        .set((
            jobs::state.eq(state.code()),
            jobs::result.eq(result),
            jobs::error_code.eq(error.map(|e| e.0)),
            jobs::error_detail.eq(error.map(|e| e.1)),
            jobs::done.eq(done),
            jobs::heartbeat_at.eq(now),
            jobs::finished_at.eq(now),
        ))
        .returning((jobs::unit_id, jobs::kind))
        .get_result::<(Option<UnitId>, String)>(conn)
        .optional()?;
    let Some((unit_id, kind)) = n else {
        return Ok(false);
    };
    if let Some(unit_id) = unit_id {
        let event = crate::events::NewEvent {
            event_type: qibao_core::event::UnitEventType::JobFinished,
            subject: format!("/api/v1/portal/jobs/{}", id.0),
            data: serde_json::json!({"job_id": id.0, "kind": kind, "state": state.code()}),
        };
        crate::events::append_many(conn, unit_id, &[event], now)?;
    }
    Ok(true)
}

/// The running jobs whose heartbeat is older than `stale_before`
/// (interrupted: their node stopped), oldest first.
pub fn stale(conn: &mut DbConn, stale_before: PrimitiveDateTime) -> Result<Vec<Job>, DbError> {
    Ok(jobs::table
        .filter(jobs::state.eq(JobState::Running.code()))
        .filter(jobs::heartbeat_at.lt(stale_before))
        .order(jobs::id)
        .select(Job::as_select())
        .load(conn)?)
}

/// Queues an interrupted job again, if it is still as `seen` (running
/// with that heartbeat). False when another node got there first.
pub fn requeue(conn: &mut DbConn, seen: &Job) -> Result<bool, DbError> {
    let n = diesel::update(jobs::table.find(seen.id))
        .filter(jobs::state.eq(JobState::Running.code()))
        .filter(jobs::heartbeat_at.eq(seen.heartbeat_at))
        .set((
            jobs::state.eq(JobState::Queued.code()),
            jobs::claimed_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Fails an interrupted job, if it is still as `seen`.
pub fn fail_interrupted(
    conn: &mut DbConn,
    seen: &Job,
    code: &str,
    detail: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(jobs::table.find(seen.id))
        .filter(jobs::state.eq(JobState::Running.code()))
        .filter(jobs::heartbeat_at.eq(seen.heartbeat_at))
        .set((
            jobs::state.eq(JobState::Failed.code()),
            jobs::error_code.eq(code),
            jobs::error_detail.eq(detail),
            jobs::finished_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The unit's queued or running job of `kind` on `subject_id`, if any (a
/// second request for the same work answers it).
pub fn open_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    kind: JobKind,
    subject_id: i64,
) -> Result<Option<Job>, DbError> {
    Ok(jobs::table
        .filter(jobs::unit_id.eq(unit_id))
        .filter(jobs::kind.eq(kind.code()))
        .filter(jobs::subject_id.eq(subject_id))
        .filter(jobs::state.eq_any([JobState::Queued.code(), JobState::Running.code()]))
        .order(jobs::id.desc())
        .select(Job::as_select())
        .first(conn)
        .optional()?)
}

/// The jobs of one subject (an import's), oldest first.
pub fn of_subject(
    conn: &mut DbConn,
    kind: &[JobKind],
    subject_id: i64,
) -> Result<Vec<Job>, DbError> {
    let kinds: Vec<&str> = kind.iter().map(|k| k.code()).collect();
    Ok(jobs::table
        .filter(jobs::subject_id.eq(subject_id))
        .filter(jobs::kind.eq_any(kinds))
        .order(jobs::id)
        .select(Job::as_select())
        .load(conn)?)
}

/// The file a job made (name, content type, bytes).
pub fn store_file(
    conn: &mut DbConn,
    id: JobId,
    file_name: &str,
    content_type: &str,
    content: &[u8],
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    use crate::schema::job_files;
    diesel::insert_into(job_files::table)
        .values((
            job_files::job_id.eq(id),
            job_files::file_name.eq(file_name),
            job_files::content_type.eq(content_type),
            job_files::content.eq(content),
            job_files::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The file of a job, if it made one: (name, content type, bytes).
pub fn file(conn: &mut DbConn, id: JobId) -> Result<Option<(String, String, Vec<u8>)>, DbError> {
    use crate::schema::job_files;
    Ok(job_files::table
        .find(id)
        .select((
            job_files::file_name,
            job_files::content_type,
            job_files::content,
        ))
        .first(conn)
        .optional()?)
}

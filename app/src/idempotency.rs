//! `Idempotency-Key` (issue 14): the first answer of a creating request is
//! kept for [`KEEP`] and any retry under the same key gets it again, status,
//! headers and body, without the action running twice.
//!
//! The HTTP layer calls [`begin`] before the action (with the request's
//! fingerprint), then [`finish`] with a successful answer or [`release`]
//! after a refusal or an error: a refused request wrote nothing, so its
//! retry runs afresh (and may succeed once the cause is fixed).
//!
//! Two requests with one key never run at once: the first claims the key
//! (the database's unique index decides between nodes), the second sees it
//! in flight and waits or is told to retry. A claim whose node stopped
//! before it finished is taken over after [`LOCK`]; the action's own
//! database rules (one declaration per month, one live order line per
//! assessment, …) still keep a run after such a takeover from doing the
//! work twice.

use qibao_db::idempotency::{self as store, KeyRow, NewClaim};
use time::{Duration, PrimitiveDateTime};

use crate::error::{AppError, ErrorCode};
use crate::tx;

/// How long an answer is kept for retries.
pub const KEEP: Duration = Duration::hours(24);

/// How long a claim holds its key while its request runs.
pub const LOCK: Duration = Duration::minutes(2);

/// Who uses a key and for what.
#[derive(Debug, Clone, Copy)]
pub struct KeyedRequest<'a> {
    /// Whose keys: `unit:<id>`, or `<role>:<subject>`.
    pub scope: &'a str,
    pub key: &'a str,
    /// SHA-256 (hex) of the request: method, path, query and body.
    pub fingerprint: &'a str,
    pub method: &'a str,
    pub path: &'a str,
}

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    /// Header name and value pairs to send again.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What to do with a keyed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Run it; then [`finish`] or [`release`] the claim.
    Run { claim: i64 },
    /// Answer again what the first request answered.
    Replay(StoredAnswer),
    /// The first request with this key is still running.
    InFlight,
}

/// Claims `req`'s key, or says how the key was used before. A key used for
/// another request (another fingerprint) is 409 `IDEMPOTENCY_KEY_REUSED`.
pub fn begin(
    conn: &mut qibao_db::DbConn,
    req: &KeyedRequest<'_>,
    now: PrimitiveDateTime,
) -> Result<Begin, AppError> {
    let claim = NewClaim {
        scope: req.scope,
        key: req.key,
        fingerprint: req.fingerprint,
        method: req.method,
        path: req.path,
        locked_until: now + LOCK,
        created_at: now,
    };
    tx::transaction_with_retry(conn, |c| {
        let Some(row) = store::find(c, req.scope, req.key)? else {
            let id = store::claim(c, &claim).map_err(|e| {
                tx::conflict_as_retry(e, "使用同一幂等键的请求正在办理，请稍后重试。")
            })?;
            return Ok(Begin::Run { claim: id });
        };
        let done = row.status.is_some();
        let abandoned = !done && row.locked_until <= now;
        let expired = row.created_at + KEEP <= now && (done || abandoned);
        if !expired && row.fingerprint != req.fingerprint {
            return Err(reused(&row));
        }
        if expired || abandoned {
            if store::reclaim(c, row.id, row.locked_until, &claim)? {
                return Ok(Begin::Run { claim: row.id });
            }
            return Err(tx::retry("使用同一幂等键的请求正在办理，请稍后重试。"));
        }
        match row.status {
            Some(status) => Ok(Begin::Replay(answer(&row, status)?)),
            None => Ok(Begin::InFlight),
        }
    })
}

/// Keeps the answer of the claim.
pub fn finish(
    conn: &mut qibao_db::DbConn,
    claim: i64,
    answer: &StoredAnswer,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let headers = serde_json::to_string(&answer.headers).map_err(AppError::internal_cause)?;
    tx::transaction(conn, |c| {
        store::complete(
            c,
            claim,
            i32::from(answer.status),
            &headers,
            &answer.body,
            now,
        )
    })?;
    Ok(())
}

/// Gives the key up: the request failed and wrote nothing.
pub fn release(conn: &mut qibao_db::DbConn, claim: i64) -> Result<(), AppError> {
    tx::transaction(conn, |c| store::release(c, claim))?;
    Ok(())
}

/// Forgets the answers older than [`KEEP`]; returns how many.
pub fn purge(conn: &mut qibao_db::DbConn, now: PrimitiveDateTime) -> Result<usize, AppError> {
    Ok(tx::transaction(conn, |c| store::purge(c, now - KEEP, now))?)
}

fn reused(row: &KeyRow) -> AppError {
    AppError::new(ErrorCode::IdempotencyKeyReused).with_detail(format!(
        "该幂等键（Idempotency-Key）已于{}用于另一请求（{} {}）；新的请求请使用新的幂等键。",
        crate::clock::china_timestamp(row.created_at),
        row.method,
        row.path
    ))
}

fn answer(row: &KeyRow, status: i32) -> Result<StoredAnswer, AppError> {
    let headers: Vec<(String, String)> = match &row.headers {
        Some(text) => serde_json::from_str(text).map_err(AppError::internal_cause)?,
        None => Vec::new(),
    };
    Ok(StoredAnswer {
        status: u16::try_from(status).map_err(AppError::internal_cause)?,
        headers,
        body: row.body.clone().unwrap_or_default(),
    })
}

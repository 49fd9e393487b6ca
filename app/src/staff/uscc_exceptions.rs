//! Audited USCC exceptions (R-ID-2): a reviewer registers one code that
//! fails the GB 32100 checksum but is genuine; exactly that code can then be
//! registered as a unit. Listed for any staff role.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::Uscc;
use qibao_db::units::{self as unit_db, NewUsccException, UsccException};
use qibao_db::{DbConn, DbError};
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// An audited USCC exception.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsccExceptionDto {
    pub id: i64,
    pub uscc: String,
    pub reason: String,
    /// The reviewer who registered it (`role:username:name`).
    pub created_by: String,
    /// RFC 3339, China time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: String,
}

impl UsccExceptionDto {
    fn from_row(e: &UsccException) -> UsccExceptionDto {
        UsccExceptionDto {
            id: e.id,
            uscc: e.uscc.clone(),
            reason: e.reason.clone(),
            created_by: e.created_by.clone(),
            created_at: china_timestamp(e.created_at),
        }
    }
}

fn exists(uscc: &str) -> AppError {
    AppError::new(ErrorCode::UsccExceptionExists)
        .with_detail(format!("统一社会信用代码{uscc}的例外已经登记。"))
}

/// Registers the exception for `uscc` (a code of the right form) with its
/// `reason`, and one business item (`uscc_exception`). A code that passes
/// the checksum is 422 `USCC_EXCEPTION_NOT_NEEDED`; one registered already
/// is 409 `USCC_EXCEPTION_EXISTS`.
pub fn create(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    uscc: &Uscc,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<UsccExceptionDto, AppError> {
    if Uscc::parse(uscc.as_str()).is_ok() {
        return Err(AppError::new(ErrorCode::UsccExceptionNotNeeded)
            .with_detail(format!("统一社会信用代码{uscc}校验通过，无需登记例外。")));
    }
    let actor = who.as_actor();
    let row = transaction(conn, |conn| {
        if unit_db::find_uscc_exception(conn, uscc.as_str())?.is_some() {
            return Err(exists(uscc.as_str()));
        }
        let row = unit_db::insert_uscc_exception(
            conn,
            &NewUsccException {
                uscc: uscc.as_str().to_owned(),
                reason: reason.to_owned(),
                created_by: actor.name.clone(),
                created_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { .. } => exists(uscc.as_str()),
            other => other.into(),
        })?;
        items::record(
            conn,
            &actor,
            ItemRecord {
                unit_id: None,
                kind: BusinessItemKind::UsccException,
                status: DONE,
                before: None,
                after: Some(json!({ "uscc": row.uscc, "reason": row.reason })),
            },
            now,
        )?;
        Ok(row)
    })?;
    Ok(UsccExceptionDto::from_row(&row))
}

/// The audited USCC exceptions, newest first.
pub fn list(conn: &mut DbConn) -> Result<Vec<UsccExceptionDto>, AppError> {
    let rows = read_transaction(conn, |conn| {
        Ok::<_, AppError>(unit_db::list_uscc_exceptions(conn)?)
    })?;
    Ok(rows.iter().map(UsccExceptionDto::from_row).collect())
}

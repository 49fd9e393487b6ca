//! Key-information change requests (R-UNIT-2) as the unit makes and
//! follows them: a unit asks to change its name, USCC or legal
//! representative with supporting material ([`create`]); a reviewer decides
//! (see [`crate::review::unit_key_change`]); the unit reads its requests'
//! status and timeline ([`list`], [`get`]).

use qibao_db::ids::{BusinessItemId, UnitId};
use qibao_db::review::{self as store, PageReq, ReviewTask};
use qibao_db::{DbConn, OptionalExt};
use serde::Serialize;
use serde_json::Value;
use time::{Date, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::review::unit_key_change::{
    KIND, ParsedRequest, Payload, UnitKeyChange, diff, uscc_in_use,
};
use crate::review::{
    self, MaterialDto, PageInfo, ReviewKind, Submission, TimelineEntry, json_of, kind_info,
};
use crate::tx::{read_transaction, transaction};

/// A key-information change request (单位关键信息变更申请).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChangeRequestDto {
    /// The request's business item (办件) id.
    #[cfg_attr(feature = "openapi", schema(example = 31))]
    pub id: i64,
    /// `pending_review`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    /// The review task: `open` (waiting), `claimed` (under review),
    /// `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub review_status: String,
    /// The current values of the fields asked to change (at approval: the
    /// values replaced).
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"name": "宜昌市三峡示范科技有限公司"})))]
    pub before: Option<Value>,
    /// The new values asked for.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"name": "宜昌市三峡新材料科技有限公司"})))]
    pub after: Option<Value>,
    /// The unit's reason for the change.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
    /// Why the reviewer did not approve (审核不通过原因).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    /// Who submitted it (`role:account:name`).
    pub submitted_by: String,
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T10:15:00+08:00"))]
    pub submitted_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<String>,
    /// Every step, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A page of requests, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChangeRequestList {
    pub items: Vec<KeyChangeRequestDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// The request of a review task, as the unit sees it.
fn dto(conn: &mut DbConn, task: ReviewTask) -> Result<KeyChangeRequestDto, AppError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let timeline = review::timeline(conn, task.id)?;
    let payload: Option<Payload> = serde_json::from_str(&task.payload_json).ok();
    Ok(KeyChangeRequestDto {
        id: item.id.0,
        status: item.status,
        review_status: task.status,
        before: json_of(item.before_json.as_deref()),
        after: json_of(item.after_json.as_deref()),
        reason: payload.and_then(|p| p.reason),
        rejection_reason: task.reason,
        materials,
        submitted_by: item.actor,
        submitted_at: china_timestamp(item.created_at),
        decided_at: task.decided_at.map(china_timestamp),
        timeline,
    })
}

/// Asks to change the unit's key information, in one transaction: one
/// undecided request per unit (409 `REVIEW_PENDING`), something must differ
/// from the current values (422 `NO_KEY_CHANGE`), a new USCC must not be
/// another unit's (409 `USCC_IN_USE`); then a review task. Nothing changes
/// until a reviewer approves it.
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    parsed: &ParsedRequest,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<KeyChangeRequestDto, AppError> {
    transaction(conn, |c| {
        if store::open_task_of_unit(c, unit_id, KIND)?.is_some() {
            return Err(review::review_pending(UnitKeyChange.label_zh()));
        }
        let unit = store::get_unit_key_info(c, unit_id)?;
        let (before, after) = diff(&unit, &parsed.fields, today)?;
        if let Some(uscc) = &after.uscc
            && store::uscc_taken_by_other(c, uscc, unit_id)?
        {
            return Err(uscc_in_use());
        }
        let payload = serde_json::to_value(Payload {
            changes: after.clone(),
            reason: parsed.reason.clone(),
        })
        .map_err(AppError::internal_cause)?;
        let (_, task) = review::submit(
            c,
            who,
            Submission {
                unit_id,
                kind: kind_info(&UnitKeyChange),
                payload,
                material_ids: &parsed.material_ids,
                before: Some(before.to_json()),
                after: Some(after.to_json()),
            },
            now,
        )?;
        dto(c, task)
    })
}

/// The unit's key-information change requests, newest first, in one read
/// snapshot.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: PageReq,
) -> Result<KeyChangeRequestList, AppError> {
    read_transaction(conn, |c| {
        let (tasks, total) = store::list_unit_tasks(c, unit_id, KIND, page)?;
        let items = tasks
            .into_iter()
            .map(|t| dto(c, t))
            .collect::<Result<_, _>>()?;
        Ok(KeyChangeRequestList {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// One of the unit's requests by its business item id, in one read
/// snapshot; another unit's (or none) is 404 `KEY_CHANGE_REQUEST_NOT_FOUND`.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: BusinessItemId,
) -> Result<KeyChangeRequestDto, AppError> {
    read_transaction(conn, |c| {
        match store::get_task_by_item(c, id).optional()? {
            Some(t) if t.unit_id == unit_id && t.kind == KIND => dto(c, t),
            _ => Err(AppError::new(ErrorCode::KeyChangeRequestNotFound)),
        }
    })
}

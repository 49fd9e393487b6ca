//! The review queue (审核): one mechanism for every business a back-office
//! reviewer must decide — key-information changes, labour-contract and
//! employee back-pay, refunds (DOMAIN "Counter service model": tasks by
//! role, every step timed and attributed, 受理绩效可考, 全程可视).
//!
//! A unit's request becomes a business item (办件, status `pending_review`)
//! with its supporting materials linked, a review task (`review_tasks`) that
//! needs a staff role, and a `created` event ([`submit`]). A reviewer with
//! that role claims the task (`open` → `claimed`; a conditional UPDATE, so
//! of concurrent claims exactly one wins), and then approves or rejects it,
//! or releases it back to the queue ([`dispatch`], [`queue`]). Approval
//! applies the kind's effect in the same transaction and sets the business
//! item `approved`; rejection sets it `rejected` with the reason the unit
//! reads. Each step is one `review_task_events` row (who, when, note).
//!
//! # Adding a kind of task
//!
//! 1. Write `review/<kind>.rs` with a unit struct implementing
//!    [`ReviewKind`]: its code (also the business item's kind), Chinese
//!    label, the staff role that decides it, whether a unit may have only
//!    one undecided task of it, and what approval (and rejection) does.
//! 2. Add it to [`KINDS`] — the one list the queue dispatches on.
//! 3. In the unit's use case, validate the request, then call [`submit`] in
//!    its transaction with the kind, the payload the approval needs, the
//!    material ids and the before/after values.
//!
//! Nothing else changes: listing, claiming, releasing, approving and
//! rejecting work for every registered kind.

pub mod dispatch;
pub mod labour_contract;
pub mod material;
pub mod queue;
pub mod refund;
pub mod unit_key_change;

pub use dispatch::{
    KINDS, ReviewKind, Reviewer, kind, kind_info, kind_label, load_for, task_not_found,
};

use qibao_db::DbConn;
use qibao_db::DbError;
use qibao_db::ids::{BusinessItemId, MaterialId, ReviewTaskId, UnitId};
use qibao_db::review::{
    self as store, MaterialMeta, NewReviewTask, NewTaskEvent, PageReq, ReviewTask, status,
};
use qibao_db::rows::BusinessItem;
use serde::Serialize;
use serde_json::Value;
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::error::{AppError, ErrorCode, ErrorKind, FieldError, corrupt};
use crate::items::{self, ItemRecord};

/// What the queue needs to know of a kind of review task to file one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// Stable code, stored as `review_tasks.kind` and as the business
    /// item's kind (`refund`).
    pub code: &'static str,
    /// What staff and units read (多缴退费申请).
    pub label_zh: &'static str,
    /// The staff role that claims and decides it (`reviewer`).
    pub required_role: &'static str,
    /// Whether a unit may have only one undecided task of this kind
    /// (enforced by the unique index `review_tasks_unit_id_open_key_key`).
    pub one_open_per_unit: bool,
}

/// What a unit submits for review.
#[derive(Clone)]
pub struct Submission<'a> {
    pub unit_id: UnitId,
    pub kind: Kind,
    /// What the approval needs to apply the request (kind-specific JSON).
    pub payload: Value,
    /// Supporting materials; each must belong to `unit_id`.
    pub material_ids: &'a [MaterialId],
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Submits a request for review, in the caller's transaction: the business
/// item (`pending_review`), its materials, the task (needing the kind's
/// role) and the task's `created` event. A material of another unit (or
/// none) is 422 `MATERIAL_NOT_FOUND`; a second undecided task of a
/// one-per-unit kind is 409 `REVIEW_PENDING`.
pub fn submit(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    s: Submission<'_>,
    now: PrimitiveDateTime,
) -> Result<(BusinessItem, ReviewTask), AppError> {
    let kind = qibao_core::business_item::BusinessItemKind::parse(s.kind.code)
        .ok_or_else(|| corrupt("review kind", s.kind.code))?;
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(s.unit_id),
            kind,
            status: "pending_review",
            before: s.before,
            after: s.after,
        },
        now,
    )?;
    link_materials(conn, s.unit_id, item.id, s.material_ids)?;
    let task = store::insert_task(
        conn,
        &NewReviewTask {
            business_item_id: item.id,
            unit_id: s.unit_id,
            kind: s.kind.code.to_owned(),
            required_role: s.kind.required_role.to_owned(),
            status: status::OPEN.to_owned(),
            payload_json: s.payload.to_string(),
            open_key: s.kind.one_open_per_unit.then(|| s.kind.code.to_owned()),
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|e| match e {
        DbError::Conflict { constraint } if constraint == "review_tasks_unit_id_open_key_key" => {
            review_pending(s.kind.label_zh)
        }
        other => other.into(),
    })?;
    record_event(conn, task.id, "created", who, now, None)?;
    Ok((item, task))
}

/// 409 `REVIEW_PENDING`: the unit already has an undecided request of the
/// kind labelled `label_zh`.
pub fn review_pending(label_zh: &str) -> AppError {
    AppError::new(ErrorCode::ReviewPending).with_detail(format!(
        "本单位已有一笔{label_zh}申请正在审核中，请等待审核结束后再提交。"
    ))
}

/// Records one step of a task (who, when, note), in the caller's transaction.
pub fn record_event(
    conn: &mut DbConn,
    task_id: ReviewTaskId,
    event: &str,
    who: &(impl AsActor + ?Sized),
    now: PrimitiveDateTime,
    note: Option<&str>,
) -> Result<(), AppError> {
    store::insert_event(
        conn,
        &NewTaskEvent {
            task_id,
            event: event.to_owned(),
            actor: who.as_actor().name,
            at: now,
            note: note.map(str::to_owned),
        },
    )?;
    Ok(())
}

/// Links the unit's materials `ids` to a business item. A material that does
/// not exist or belongs to another unit is refused alike (422
/// `MATERIAL_NOT_FOUND`, naming the field), so nothing about other units'
/// materials is revealed.
pub fn link_materials(
    conn: &mut DbConn,
    unit_id: UnitId,
    business_item_id: BusinessItemId,
    ids: &[MaterialId],
) -> Result<Vec<MaterialMeta>, AppError> {
    let found = store::get_materials(conn, ids)?;
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if !found.iter().any(|m| m.id == *id && m.unit_id == unit_id) {
            errors.push(FieldError::new(
                format!("material_ids[{i}]"),
                format!("材料{id}不存在，请先上传材料。"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::new(ErrorCode::MaterialNotFound)
            .with_detail("引用的证明材料不存在或不属于本单位。")
            .as_kind(ErrorKind::Unprocessable)
            .with_errors(errors));
    }
    for id in ids {
        store::link_material(conn, business_item_id, *id)?;
    }
    Ok(found)
}

/// A material's description (no content).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialDto {
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub id: i64,
    /// Decided from the content: `application/pdf`, `image/jpeg` or `image/png`.
    #[cfg_attr(feature = "openapi", schema(example = "application/pdf"))]
    pub media_type: String,
    /// The name the file was uploaded with (path removed).
    #[cfg_attr(feature = "openapi", schema(example = "营业执照.pdf"))]
    pub file_name: String,
    #[cfg_attr(feature = "openapi", schema(example = 183_204))]
    pub size_bytes: i64,
    /// SHA-256 of the content, lower-case hex, to check a download against.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    )]
    pub sha256: String,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, example = "新营业执照副本")
    )]
    pub description: Option<String>,
    /// Who uploaded it (`role:account:name`).
    #[cfg_attr(feature = "openapi", schema(example = "agent:420500198001011234:张三"))]
    pub uploaded_by: String,
    /// When it was uploaded (RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T10:15:00+08:00"))]
    pub created_at: String,
}

impl From<MaterialMeta> for MaterialDto {
    fn from(m: MaterialMeta) -> Self {
        MaterialDto {
            id: m.id.0,
            media_type: m.media_type,
            file_name: m.file_name,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            description: m.description,
            uploaded_by: m.uploaded_by,
            created_at: crate::clock::china_timestamp(m.created_at),
        }
    }
}

/// One step of a request, as the unit sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// `created`, `claimed`, `released`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "claimed"))]
    pub event: String,
    #[cfg_attr(feature = "openapi", schema(example = "审核人员已受理"))]
    pub label: String,
    /// When (RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T11:00:00+08:00"))]
    pub at: String,
    /// The reason of a rejection.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}

/// The steps of a task as the unit's timeline shows them, oldest first; only
/// a rejection keeps its note (the reason the unit reads).
pub fn timeline(conn: &mut DbConn, task_id: ReviewTaskId) -> Result<Vec<TimelineEntry>, AppError> {
    Ok(store::events_of_task(conn, task_id)?
        .into_iter()
        .map(|e| TimelineEntry {
            label: event_label(&e.event).to_owned(),
            note: if e.event == "rejected" { e.note } else { None },
            event: e.event,
            at: crate::clock::china_timestamp(e.at),
        })
        .collect())
}

/// The Chinese label of a task event, as the unit's timeline shows it.
pub fn event_label(event: &str) -> &'static str {
    match event {
        "created" => "已提交申请",
        "claimed" => "审核人员已受理",
        "released" => "已退回审核队列，等待重新受理",
        "approved" => "审核通过",
        "rejected" => "审核不通过",
        _ => "其他",
    }
}

/// Parses stored JSON text (written by this program) into a value.
pub fn json_of(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// A page of a list: where it is and how many there are in all.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageInfo {
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub page: i64,
    #[cfg_attr(feature = "openapi", schema(example = 20))]
    pub page_size: i64,
    /// Items matching the filters, over all pages.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub total: i64,
}

impl PageInfo {
    pub fn new(page: PageReq, total: i64) -> PageInfo {
        PageInfo {
            page: page.page,
            page_size: page.page_size,
            total,
        }
    }
}

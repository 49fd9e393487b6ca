//! The unit's business records (单位办件记录, R-UNDO-1): every item with its
//! type, time, actor, channel and status, whether it can still be revoked
//! (and why not), and the revocation itself.

use actix_web::{HttpResponse, get, post, web};
use qibao_db::business_items::{self as items_db, ItemFilter};
use qibao_db::rows::BusinessItem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{OffsetDateTime, PrimitiveDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, UnitUser};
use crate::blocking::run_db;
use crate::clock::CHINA_OFFSET;
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::{date_field, paging};
use crate::state::AppState;
use qibao_app::employees::{self as ops, RevocationResult};

/// One business item (办件).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessItemDto {
    pub id: i64,
    /// Stable kind, e.g. `employee_enrolment`.
    #[schema(example = "employee_enrolment")]
    pub kind: String,
    /// The type as the service hall names it (业务类型).
    #[schema(example = "单位职工参保登记")]
    pub kind_label: String,
    /// done, revoked, pending_review…
    #[schema(example = "done")]
    pub status: String,
    /// When it was done (UTC, RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who did it (经办人): the name.
    #[schema(example = "李经办")]
    pub actor_name: String,
    /// legal_rep, agent, payroll, staff…
    #[schema(example = "agent")]
    pub actor_role: String,
    /// portal, counter, api or system.
    #[schema(example = "portal")]
    pub channel: String,
    /// The person concerned, when the item is about one.
    pub person_no: Option<String>,
    /// Whether it can be revoked now.
    pub revocable: bool,
    /// Why not, when it cannot.
    pub not_revocable_code: Option<String>,
    pub not_revocable_reason: Option<String>,
}

/// One item with its before and after values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessItemDetail {
    #[serde(flatten)]
    pub item: BusinessItemDto,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessItemPage {
    pub items: Vec<BusinessItemDto>,
    pub total: i64,
    pub page: usize,
    pub page_size: usize,
}

fn actor_parts(actor: &str) -> (String, String) {
    let mut it = actor.splitn(3, ':');
    let role = it.next().unwrap_or_default().to_string();
    let _subject = it.next();
    let name = it
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| role.clone());
    (role, name)
}

fn person_of(item: &BusinessItem) -> Option<String> {
    if let Some(e) = ops::Effects::of_item(item) {
        return Some(e.person_no);
    }
    let from = |j: &Option<String>| {
        let v: Value = serde_json::from_str(j.as_deref()?).ok()?;
        v.get("person_no")
            .or_else(|| v.get("summary").and_then(|s| s.get("person_no")))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    from(&item.after_json).or_else(|| from(&item.before_json))
}

fn dto(conn: &mut qibao_db::DbConn, item: &BusinessItem) -> Result<BusinessItemDto, ApiError> {
    let (revocable, code, reason) = match ops::check_revocable(conn, item)? {
        Ok(_) => (true, None, None),
        Err(e) => (false, Some(e.code().to_string()), Some(e.to_string())),
    };
    let (role, name) = actor_parts(&item.actor);
    Ok(BusinessItemDto {
        id: item.id,
        kind: item.kind.clone(),
        kind_label: qibao_core::business_item::label_of(&item.kind).to_string(),
        status: item.status.clone(),
        created_at: item.created_at.assume_utc(),
        actor_name: name,
        actor_role: role,
        channel: item.channel.clone(),
        person_no: person_of(item),
        revocable,
        not_revocable_code: code,
        not_revocable_reason: reason,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BusinessItemQuery {
    /// Item kinds, comma-separated (e.g. `employee_enrolment,employee_suspension`).
    pub kind: Option<String>,
    /// done, revoked…
    pub status: Option<String>,
    /// From this date (China time), YYYY-MM-DD.
    pub from: Option<String>,
    /// To this date inclusive (China time), YYYY-MM-DD.
    pub to: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
    /// Rows per page, 1–200 (default 20).
    pub page_size: Option<String>,
}

fn utc_start_of(d: time::Date) -> PrimitiveDateTime {
    let t = PrimitiveDateTime::new(d, time::Time::MIDNIGHT)
        .assume_offset(CHINA_OFFSET)
        .to_offset(time::UtcOffset::UTC);
    PrimitiveDateTime::new(t.date(), t.time())
}

/// The unit's business records (单位办件记录), newest first: type, time,
/// actor, channel, status, and whether each can still be revoked.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_business_items",
    params(BusinessItemQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BusinessItemPage),
        (status = 400, description = "Malformed filter or page (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/business-items")]
pub async fn list_business_items(
    state: web::Data<AppState>,
    user: UnitUser,
    query: web::Query<BusinessItemQuery>,
) -> Result<web::Json<BusinessItemPage>, ApiError> {
    let mut errors = Vec::new();
    let from = date_field(&query.from, "from", false, &mut errors);
    let to = date_field(&query.to, "to", false, &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push(FieldError::new("to", "截止日期不能早于起始日期"));
    }
    let paging = paging(&query.page, &query.page_size, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let filter = ItemFilter {
        kinds: query.kind.as_deref().map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }),
        status: query
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        created_from: from.map(utc_start_of),
        created_before: to.and_then(|d| d.next_day()).map(utc_start_of),
    };
    let unit_id = user.unit_id;
    let page = run_db(&state, move |conn| {
        let offset = i64::try_from(paging.offset()).map_err(ApiError::internal_cause)?;
        let limit = i64::try_from(paging.page_size).map_err(ApiError::internal_cause)?;
        let (rows, total) = items_db::list_for_unit(conn, unit_id, &filter, offset, limit)?;
        let items = rows
            .iter()
            .map(|i| dto(conn, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BusinessItemPage {
            items,
            total,
            page: paging.page,
            page_size: paging.page_size,
        })
    })
    .await?;
    Ok(web::Json(page))
}

fn item_id(s: &str) -> Result<i64, ApiError> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::invalid_field("id", "办件编号应为正整数"))
}

fn item_not_found() -> ApiError {
    ApiError::not_found("BUSINESS_ITEM_NOT_FOUND", "本单位没有该办件记录。")
}

/// One of the unit's business items with its before and after values.
#[utoipa::path(
    tag = "portal",
    operation_id = "get_business_item",
    params(("id" = i64, Path, description = "Business item id (办件编号).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BusinessItemDetail),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such item of this unit (`BUSINESS_ITEM_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/business-items/{id}")]
pub async fn get_business_item(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<BusinessItemDetail>, ApiError> {
    let id = item_id(&path)?;
    let unit_id = user.unit_id;
    let detail = run_db(&state, move |conn| {
        let item = items_db::get(conn, id)?
            .filter(|i| i.unit_id == Some(unit_id))
            .ok_or_else(item_not_found)?;
        let parse = |j: &Option<String>| j.as_deref().and_then(|s| serde_json::from_str(s).ok());
        Ok(BusinessItemDetail {
            before: parse(&item.before_json),
            after: parse(&item.after_json),
            item: dto(conn, &item)?,
        })
    })
    .await?;
    Ok(web::Json(detail))
}

/// Revokes an enrolment, suspension or insurance change (R-UNDO-1) while
/// none of its lines is billed on a live order or paid and no later item of
/// the same person depends on it; the previous state is restored exactly
/// and a revocation item is recorded.
#[utoipa::path(
    tag = "portal",
    operation_id = "revoke_business_item",
    params(("id" = i64, Path, description = "Business item id (办件编号).")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Revoked.", body = RevocationResult),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such item of this unit (`BUSINESS_ITEM_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Cannot be revoked, with the reason: `NOT_REVOCABLE_KIND`, `ALREADY_REVOKED`, `NOT_REVOCABLE_STATUS`, `LATER_ITEM_DEPENDS`, `LINE_BILLED`, `LINE_PAID`, `LINE_CHANGED`, `LINE_REFERENCED`, `STATE_CHANGED`, `ACTIVE_ELSEWHERE`, `REFUND_DEPENDS` (a suspension a live refund application rests on).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/business-items/{id}/revocation")]
pub async fn revoke_business_item(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = item_id(&path)?;
    let now = state.clock.now_utc();
    let result = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(ops::revoke(conn, &who, user.unit_id, id, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_business_items)
        .service(get_business_item)
        .service(revoke_business_item);
}

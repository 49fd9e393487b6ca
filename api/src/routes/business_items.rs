//! The unit's business records (单位办件记录, R-UNDO-1): every item with its
//! type, time, actor, channel and status, whether it can still be revoked
//! (and why not), and the revocation itself.
//!
//! HTTP only: the use cases are in [`qibao_app::business_items`] and
//! [`qibao_app::employees::revoke`].

use actix_web::{HttpResponse, get, post, web};
use qibao_app::business_items::{self as items, BusinessItemDetail, BusinessItemPage, ItemQuery};
use qibao_app::employees::{self as ops, RevocationResult};
use qibao_app::ids::BusinessItemId;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::{run_db, run_read};
use crate::http::extract::Query;
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::date_field;
use crate::state::AppState;

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

/// 单位办件记录 — the unit's business records
///
/// The unit's business records (单位办件记录), newest first: type, time,
/// actor, channel, status, and whether each can still be revoked.
#[utoipa::path(
    tag = "records",
    operation_id = "list_business_items",
    params(BusinessItemQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BusinessItemPage),
        (status = 400, description = "Malformed filter or page (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/business-items")]
pub async fn list_business_items(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<BusinessItemQuery>,
) -> Result<web::Json<BusinessItemPage>, ApiError> {
    let mut errors = Vec::new();
    let from = date_field(&query.from, "from", false, &mut errors);
    let to = date_field(&query.to, "to", false, &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push(FieldError::new("to", "截止日期不能早于起始日期"));
    }
    let (page, page_size) = PageQuery::from_text(query.page.as_deref(), query.page_size.as_deref())
        .check_into(&paging::TEXT, &mut errors)
        .to_usize();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let q = ItemQuery {
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
        from,
        to,
        page,
        page_size,
    };
    let unit_id = user.unit_id;
    let page = run_read(&state, user.principal.read_after.clone(), move |conn| {
        Ok(items::list(conn, unit_id, &q)?)
    })
    .await?;
    Ok(web::Json(page))
}

fn item_id(s: &str) -> Result<BusinessItemId, ApiError> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .map(BusinessItemId)
        .ok_or_else(|| ApiError::invalid_field("id", "办件编号应为正整数"))
}

/// 办件详情 — one business item
///
/// One of the unit's business items with its before and after values.
#[utoipa::path(
    tag = "records",
    operation_id = "get_business_item",
    params(("id" = i64, Path, description = "Business item id (办件编号).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BusinessItemDetail),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    let detail = run_read(&state, user.principal.read_after.clone(), move |conn| {
        Ok(items::get(conn, unit_id, id)?)
    })
    .await?;
    Ok(web::Json(detail))
}

/// 业务撤销 — revoke a business item
///
/// Revokes an enrolment, suspension or insurance change (R-UNDO-1) while
/// none of its lines is billed on a live order or paid and no later item of
/// the same person depends on it; the previous state is restored exactly
/// and a revocation item is recorded.
#[utoipa::path(
    tag = "records",
    operation_id = "revoke_business_item",
    params(("id" = i64, Path, description = "Business item id (办件编号).")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Revoked.", body = RevocationResult),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
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

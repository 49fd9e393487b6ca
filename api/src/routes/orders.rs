//! 应缴认定单: payment orders (R-DECL-4…6) with interest and late fees
//! (R-LATE-1…4), the unit's orders query (业务单据查询, FAQ 27) and the
//! amounts still owed by period (arrears, R-BACK-4).
//!
//! HTTP only: the use cases are in [`qibao_app::orders`]. Orders past their
//! due date expire by themselves: every read and issue first closes the
//! unit's overdue live orders and frees their lines.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use qibao_app::orders::{self, expire_overdue, progress_of};
pub use qibao_app::orders::{OrderDto, load};
use qibao_core::{Money, Period};
use qibao_db::orders as orders_db;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, UnitUser};
use crate::blocking::run_db;
use crate::problem::corrupt;
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// An order in a list (without lines).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderSummaryDto {
    pub order_no: String,
    pub status: String,
    /// The latest progress step reached (R-PAY-1): its code and name.
    pub progress_step: String,
    pub progress_name: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummaryDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Amounts still owed for one period (pending + billed lines).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrearsDto {
    pub period: Period,
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
    /// Lines on a live order.
    pub billed: Money,
    /// Lines on no order yet.
    pub pending: Money,
}

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => match v.to_str().map(str::trim) {
            Ok(s) if !s.is_empty() && s.len() <= 200 => Ok(Some(s.to_string())),
            _ => Err(ApiError::bad_request(
                "INVALID_IDEMPOTENCY_KEY",
                "Idempotency-Key 应为1至200个可见字符",
            )),
        },
    }
}

/// Issues a payment order billing every pending line of the unit (this
/// month's and back-pay), with interest and late fees as of today.
#[utoipa::path(
    tag = "portal",
    operation_id = "create_order",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the first response.")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued (or the first response for this Idempotency-Key).", body = OrderDto),
        (status = 400, description = "Bad Idempotency-Key (`INVALID_IDEMPOTENCY_KEY`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent issue could not be resolved (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No pending line (`NOTHING_TO_BILL`); no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Order numbers of the next hour used up (`ORDER_NUMBERS_EXHAUSTED`), or the database is busy; retry after `Retry-After`.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/orders")]
pub async fn create_order(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let today = state.clock.today();
    let local_now = state.clock.now();
    let now = state.clock.now_utc();
    let body = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(orders::create(
            conn,
            &who,
            user.unit_id,
            key.as_deref(),
            today,
            local_now,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .body(body))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrderQuery {
    /// live, paid, expired or revoked.
    pub status: Option<String>,
    /// Orders with a line of this month (YYYYMM).
    pub period: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The unit's orders (业务单据查询), newest first.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_orders",
    params(OrderQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrderPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    user: UnitUser,
    q: web::Query<OrderQuery>,
) -> Result<web::Json<OrderPage>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s @ ("live" | "paid" | "expired" | "revoked")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "status",
                "状态应为 live、paid、expired 或 revoked",
            ));
        }
    };
    let period = q
        .period
        .as_deref()
        .map(Period::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("period", e.to_string()))?;
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(20);
    if page < 1 {
        return Err(ApiError::invalid_field("page", "页码应从1开始"));
    }
    if !(1..=200).contains(&per_page) {
        return Err(ApiError::invalid_field("per_page", "每页条数应为1至200"));
    }
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |c| {
            expire_overdue(c, user.unit_id, today, now)?;
            let ids = period
                .map(|p| orders_db::order_ids_with_period(c, user.unit_id, p.yyyymm()))
                .transpose()?;
            let (rows, total) = orders_db::list(
                c,
                user.unit_id,
                status.as_deref(),
                ids.as_deref(),
                (page - 1).saturating_mul(per_page),
                per_page,
            )?;
            Ok::<_, ApiError>(OrderPage {
                items: rows
                    .iter()
                    .map(|o| {
                        let last = progress_of(o).into_iter().rev().find(|s| s.done);
                        let (progress_step, progress_name) =
                            last.map(|s| (s.step, s.name)).unwrap_or_default();
                        OrderSummaryDto {
                            order_no: o.order_no.clone(),
                            status: o.status.clone(),
                            progress_step,
                            progress_name,
                            issue_date: o.issue_date,
                            due_date: o.due_date,
                            total: Money::from_fen(o.total_fen),
                        }
                    })
                    .collect(),
                total,
                page,
                per_page,
            })
        })
    })
    .await?;
    Ok(web::Json(out))
}

/// One order with every line and each person's base (FAQ 27).
#[utoipa::path(
    tag = "portal",
    operation_id = "get_order",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits.")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrderDto),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders/{order_no}")]
pub async fn get_order(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let no = path.into_inner();
    let dto = run_db(&state, move |conn| {
        Ok(orders::get(conn, user.unit_id, &no, today, now)?)
    })
    .await?;
    Ok(web::Json(dto))
}

/// Revokes an unpaid order (R-DECL-5): its lines are free for a new order.
#[utoipa::path(
    tag = "portal",
    operation_id = "revoke_order",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked.", body = OrderDto),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Paid, expired or revoked already (`ORDER_NOT_LIVE`); invoiced by the tax bureau (`ORDER_INVOICED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/orders/{order_no}/revocation")]
pub async fn revoke_order(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let no = path.into_inner();
    let dto = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(orders::revoke(conn, &who, user.unit_id, &no, today, now)?)
    })
    .await?;
    Ok(web::Json(dto))
}

/// Amounts the unit still owes, by period (pending + billed lines).
#[utoipa::path(
    tag = "portal",
    operation_id = "list_arrears",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ArrearsDto>),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/arrears")]
pub async fn list_arrears(
    state: web::Data<AppState>,
    user: UnitUser,
) -> Result<web::Json<Vec<ArrearsDto>>, ApiError> {
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |c| {
            expire_overdue(c, user.unit_id, today, now)?;
            let mut by: BTreeMap<i32, ArrearsDto> = BTreeMap::new();
            for l in orders_db::unpaid_lines(c, user.unit_id)? {
                let period = Period::from_yyyymm(l.period).map_err(|e| corrupt("period", e))?;
                let e = by.entry(l.period).or_insert(ArrearsDto {
                    period,
                    unit: Money::ZERO,
                    individual: Money::ZERO,
                    total: Money::ZERO,
                    billed: Money::ZERO,
                    pending: Money::ZERO,
                });
                let amount = Money::from_fen(l.unit_fen + l.individual_fen);
                e.unit += Money::from_fen(l.unit_fen);
                e.individual += Money::from_fen(l.individual_fen);
                e.total += amount;
                if l.status == qibao_db::assessments::BILLED {
                    e.billed += amount;
                } else {
                    e.pending += amount;
                }
            }
            Ok::<_, ApiError>(by.into_values().collect())
        })
    })
    .await?;
    Ok(web::Json(out))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(revoke_order)
        .service(list_arrears);
}

//! 应缴认定单: payment orders (R-DECL-4…6) with interest and late fees
//! (R-LATE-1…4), the unit's orders query (业务单据查询, FAQ 27) and the
//! amounts still owed by period (arrears, R-BACK-4).
//!
//! HTTP only: the use cases are in [`qibao_app::orders`]. An order answer
//! carries the order's sums (by insurance, data type and period), its
//! progress and `lines_total`, not its lines: they are read a page at a
//! time at `/orders/{order_no}/lines` (the tax bureau's feed alone carries
//! every line). Orders past their due date expire by themselves: reads show
//! them expired without writing; issue and revocation close the unit's
//! overdue orders first, and the server's job closes every unit's each
//! minute. Unknown query parameters are refused (400).

use actix_web::{HttpResponse, get, post, web};
use qibao_app::orders::{self, OrderFilter};
pub use qibao_app::orders::{
    ArrearsDto, OrderDto, OrderLinePage, OrderPage, OrderSummaryDto, OrderWithLines, load,
};
use qibao_core::Period;
use qibao_core::payment::OrderState;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::{run_db, run_read};
use crate::http::export::{self, Cell, Format};
use crate::http::extract::Query;
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// No query parameter is accepted: any is refused (400).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// 应缴认定单生成 — issue a payment order
///
/// Issues a payment order billing every pending line of the unit (this
/// month's and back-pay), with interest and late fees as of today.
#[utoipa::path(
    tag = "orders",
    operation_id = "create_order",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued: the order's sums and `lines_total`; its lines at `/orders/{order_no}/lines`.", body = OrderDto),
        (status = 400, description = "An unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent issue could not be resolved (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No pending line (`NOTHING_TO_BILL`); no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Order numbers of the next hour used up (`ORDER_NUMBERS_EXHAUSTED`), or the database is busy; retry after `Retry-After`.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/orders")]
pub async fn create_order(
    state: web::Data<AppState>,
    user: UnitUser,
    _q: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let today = state.clock.today();
    let local_now = state.clock.now();
    let now = state.clock.now_utc();
    let order = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(orders::create(
            conn,
            &who,
            user.unit_id,
            today,
            local_now,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(order))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// live, paid, expired or revoked (a live order past its due date is expired).
    pub status: Option<String>,
    /// Orders with a line of this month (YYYYMM).
    pub period: Option<String>,
    /// From 1 (default 1).
    pub page: Option<i64>,
    /// 1–200 (default 20).
    pub page_size: Option<i64>,
}

/// 业务单据查询 — the unit's orders
///
/// The unit's orders (业务单据查询), newest first.
#[utoipa::path(
    tag = "orders",
    operation_id = "list_orders",
    params(OrderQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrderPage),
        (status = 400, description = "Bad filter or paging, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    user: UnitUser,
    q: Query<OrderQuery>,
) -> Result<web::Json<OrderPage>, ApiError> {
    let q = q.into_inner();
    let mut errors = Vec::new();
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match OrderState::parse(s) {
            Some(st) => Some(st),
            None => {
                errors.push(FieldError::new(
                    "status",
                    "状态应为 live、paid、expired 或 revoked",
                ));
                None
            }
        },
    };
    let period = match q.period.as_deref().map(Period::parse).transpose() {
        Ok(p) => p,
        Err(e) => {
            errors.push(FieldError::new("period", e.to_string()));
            None
        }
    };
    let Page { page, page_size } = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::LIST, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let today = state.clock.today();
    let filter = OrderFilter { status, period };
    let out = run_read(&state, user.principal.read_after.clone(), move |conn| {
        Ok(orders::list(
            conn,
            user.unit_id,
            filter,
            page,
            page_size,
            today,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 应缴认定单详情 — one order
///
/// One order: its sums by insurance, data type and period, its payment
/// progress and `lines_total` (FAQ 27); its lines, with each person's base,
/// at `/orders/{order_no}/lines`.
#[utoipa::path(
    tag = "orders",
    operation_id = "get_order",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits."), NoQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrderDto),
        (status = 400, description = "An unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders/{order_no}")]
pub async fn get_order(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    _q: Query<NoQuery>,
) -> Result<web::Json<OrderDto>, ApiError> {
    let today = state.clock.today();
    let no = path.into_inner();
    let dto = run_read(&state, user.principal.read_after.clone(), move |conn| {
        Ok(orders::get(conn, user.unit_id, &no, today)?)
    })
    .await?;
    Ok(web::Json(dto))
}

/// 应缴认定单打印 — an order as PDF
///
/// The order as printed (单位社会保险费应缴认定单, A4 PDF): its lines with
/// each person's base (up to 2,000; a larger order prints its totals and
/// says so), interest and late fees with days and rates, totals by
/// insurance, the total in figures and in capitals (R-MON-3), the due date.
/// The same figures as the JSON.
#[utoipa::path(
    tag = "orders",
    operation_id = "get_order_pdf",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits."), NoQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order as a PDF.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 400, description = "An unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders/{order_no}/pdf")]
pub async fn get_order_pdf(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    _q: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::http::documents::{self, ORDER_PDF_MAX_LINES};
    let today = state.clock.today();
    let no = path.into_inner();
    let filename = format!("order-{}.pdf", no.trim());
    let bytes = run_db(&state, move |conn| {
        let order = orders::get(conn, user.unit_id, &no, today)?;
        let lines = if order.lines_total <= ORDER_PDF_MAX_LINES {
            orders::all_lines(conn, user.unit_id, &no)?
        } else {
            Vec::new()
        };
        let project = qibao_app::projects::premium_line_of(conn, user.unit_id, &no)?;
        documents::payment_order(&order, &lines, project.as_ref())
    })
    .await?;
    Ok(documents::pdf_response(bytes, &filename))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LinesQuery {
    /// From 1 (default 1).
    pub page: Option<i64>,
    /// 1–200 (default 20).
    pub page_size: Option<i64>,
    /// json (default), csv (UTF-8 with BOM) or xlsx: every line of the
    /// order as a file (amounts as numbers, numbers of persons as text).
    pub format: Option<String>,
}

/// The export's columns.
const LINE_HEADERS: &[&str] = &[
    "姓名",
    "个人编号",
    "险种",
    "所属期",
    "数据类型",
    "缴费基数",
    "单位费率",
    "个人费率",
    "单位缴费",
    "个人缴费",
    "利息",
    "滞纳金",
    "合计",
];

fn line_cells(l: &qibao_app::orders::OrderLineDto) -> Vec<Cell> {
    vec![
        Cell::Text(l.name.clone()),
        Cell::Id(l.person_no.clone()),
        Cell::Text(l.insurance_name.clone()),
        Cell::Id(l.period.clone()),
        Cell::Text(l.data_type.clone()),
        Cell::Money(l.base),
        Cell::Text(l.unit_rate.percent_text()),
        Cell::Text(l.individual_rate.percent_text()),
        Cell::Money(l.unit_amount),
        Cell::Money(l.individual_amount),
        Cell::Money(l.interest),
        Cell::Money(l.late_fee),
        Cell::Money(l.total),
    ]
}

/// 应缴认定单明细 — an order's lines
///
/// A page of an order's lines (每人每险种每月一行), in the order's order,
/// with each person's base, rates, amounts, interest and late fee; or, with
/// `format=csv|xlsx`, every line as a file.
#[utoipa::path(
    tag = "orders",
    operation_id = "list_order_lines",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits."), LinesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of lines, or the export file.", content(
            (OrderLinePage = "application/json"),
            (String = "text/csv"),
            (crate::http::export::FileBody = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "Bad `page`, `page_size` or `format`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders/{order_no}/lines")]
pub async fn list_order_lines(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    q: Query<LinesQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let format = Format::parse(q.format.as_deref(), &mut errors);
    let Page { page, page_size } = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::LIST, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let no = path.into_inner();
    if format == Format::Json {
        let out = run_read(&state, user.principal.read_after.clone(), move |conn| {
            Ok(orders::lines(conn, user.unit_id, &no, page, page_size)?)
        })
        .await?;
        return Ok(HttpResponse::Ok().json(out));
    }
    let stem = format!("order-{}-lines", no.trim());
    let rows = run_read(&state, user.principal.read_after.clone(), move |conn| {
        let lines = orders::all_lines(conn, user.unit_id, &no)?;
        Ok(lines.iter().map(line_cells).collect::<Vec<_>>())
    })
    .await?;
    export::file(format, &stem, LINE_HEADERS, &rows)
}

/// 应缴认定单作废 — revoke an unpaid order
///
/// Revokes an unpaid order (R-DECL-5): its lines are free for a new order.
#[utoipa::path(
    tag = "orders",
    operation_id = "revoke_order",
    params(("order_no" = String, Path, description = "Order number (征集通知单据号), 16 digits."), NoQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked.", body = OrderDto),
        (status = 400, description = "An unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such order of this unit (`ORDER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Paid, expired or revoked already (`ORDER_NOT_LIVE`); invoiced by the tax bureau (`ORDER_INVOICED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/orders/{order_no}/revocation")]
pub async fn revoke_order(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    _q: Query<NoQuery>,
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

/// 欠费查询 — what the unit still owes
///
/// Amounts the unit still owes, by period (pending + billed lines).
#[utoipa::path(
    tag = "orders",
    operation_id = "list_arrears",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ArrearsList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/arrears")]
pub async fn list_arrears(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ArrearsList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(orders::arrears(conn, user.unit_id, today)?)
    })
    .await?;
    Ok(web::Json(ArrearsList::cut(out, page)))
}

paging::whole_list! {
    /// A page of what the unit owes, by period, earliest first.
    ArrearsList of ArrearsDto
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(get_order_pdf)
        .service(list_order_lines)
        .service(revoke_order)
        .service(list_arrears);
}

//! The tax bureau's API (`/api/v1/tax`, the tax client credential only):
//! the feed of orders to collect, the events tax sends, and the daily
//! reconciliation; and the staff's view of the reconciliation.
//!
//! Every message the tax bureau sends (events, statements) is kept as
//! received (`tax_messages`), replays and malformed ones included. Feed
//! reads are not messages and are not logged; a poll writes only when it
//! finds orders past their due date to expire.
//!
//! HTTP only: the use cases are in [`qibao_app::tax`].

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use qibao_app::AppError;
use qibao_app::error::ErrorCode;
use qibao_app::tax::events::{self, Answer, TaxEventReceipt, TaxEventRequest};
use qibao_app::tax::feed::{self, FeedPage};
use qibao_app::tax::reconciliation::{self, ReconciliationDto, StatementPayment};
use qibao_core::Money;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffRole, StaffUser, TaxUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Query, check_json_text, storable_text};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The last cursor already processed (0 to start).
    pub after: Option<i64>,
    /// Entries per page, 1…500 (default 100).
    pub limit: Option<i64>,
}

fn log_message(
    state: &AppState,
    client: String,
    endpoint: &'static str,
    serial: Option<String>,
    body: String,
    status: u16,
    replay: bool,
) -> impl std::future::Future<Output = Result<(), ApiError>> {
    let now = state.clock.now_utc();
    let state = state.clone();
    async move {
        run_db(&state, move |conn| {
            Ok(events::log_message(
                conn,
                &client,
                endpoint,
                serial.as_deref(),
                &body,
                status,
                replay,
                now,
            )?)
        })
        .await
    }
}

/// 应缴认定单推送 — the orders to collect
///
/// The orders to collect: every issued, revoked and expired order in cursor
/// order. Resume with `after` = the last `seq` processed: an entry is never
/// skipped nor repeated.
#[utoipa::path(
    tag = "tax",
    operation_id = "list_feed",
    params(FeedQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FeedPage),
        (status = 400, description = "Bad cursor or limit (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the tax bureau (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/orders/feed")]
pub async fn list_feed(
    state: web::Data<AppState>,
    _user: TaxUser,
    q: Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, ApiError> {
    let (after, limit) = crate::http::paging::feed_cursor(q.after, q.limit)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let page = run_db(&state, move |conn| {
        Ok(feed::page(conn, after, limit, today, now)?)
    })
    .await?;
    Ok(web::Json(page))
}

/// A refusal of a tax event as its stored answer: the problem document's JSON.
fn problem_answer(code: ErrorCode, detail: &str) -> Result<String, AppError> {
    let e = ApiError::new(code).with_detail(detail);
    serde_json::to_string(&e.to_doc()).map_err(AppError::internal_cause)
}

fn answer_response(a: &Answer) -> HttpResponse {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut b = HttpResponse::build(status);
    b.content_type(if a.is_problem() {
        crate::http::problem::PROBLEM_JSON
    } else {
        "application/json"
    });
    if a.replay {
        b.insert_header(("Idempotent-Replayed", "true"));
    }
    b.body(a.body.clone())
}

/// 税务开票/登账/冲正 — a tax bureau message
///
/// A message from the tax bureau: `invoiced` (税务开票), `paid` (税务登账:
/// booked and allocated at once) or `reversed` (冲正). Idempotent by
/// `serial`: a replay changes nothing and gets the first answer (with
/// `Idempotent-Replayed: true`), refusals included. A refused message is
/// kept and listed in the day's reconciliation.
#[utoipa::path(
    tag = "tax",
    operation_id = "create_tax_event",
    request_body = TaxEventRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Accepted (or the first answer, replayed).", body = TaxEventReceipt),
        (status = 400, description = "Not a tax message: malformed JSON (`MALFORMED_MESSAGE`) or fields (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the tax bureau (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Refused: unknown order (`ORDER_NOT_FOUND`) or reversed payment (`PAYMENT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Refused for the order's state: `ORDER_REVOKED`, `ORDER_EXPIRED`, `ORDER_REISSUED`, `ORDER_ALREADY_PAID`, `ORDER_ALREADY_INVOICED`, `ORDER_NOT_INVOICED`, `PAYMENT_ALREADY_REVERSED`, `REFUND_EXISTS`; a serial reused for a different message (`SERIAL_REUSED`); the order changed while the message was booked, twice (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Refused for its content: `AMOUNT_MISMATCH`, `PAID_AFTER_DUE_DATE`, `PAID_BEFORE_ISSUE_DATE`, `REVERSAL_MISMATCH`.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/events")]
pub async fn create_tax_event(
    state: web::Data<AppState>,
    user: TaxUser,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let client = user.0.actor();
    let text = storable_text(&body);
    let parsed = check_json_text(&body)
        .and_then(|()| {
            serde_json::from_slice::<TaxEventRequest>(&body).map_err(|e| {
                ApiError::new(ErrorCode::MalformedMessage).with_detail(format!("报文格式错误：{e}"))
            })
        })
        .and_then(|r| r.validate().map(|()| r).map_err(ApiError::from));
    let req = match parsed {
        Ok(r) => r,
        Err(e) => {
            log_message(
                &state,
                client,
                "events",
                None,
                text,
                e.status().as_u16(),
                false,
            )
            .await?;
            return Err(e);
        }
    };
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let who = user.0.as_actor();
    let r = req.clone();
    let raw = text.clone();
    let answer = run_db(&state, move |conn| {
        Ok(events::deliver(
            conn,
            &who,
            &r,
            &raw,
            today,
            now,
            &problem_answer,
        )?)
    })
    .await;
    if let Err(e) = &answer {
        // Rolled back: keep the message on its own.
        log_message(
            &state,
            client,
            "events",
            Some(req.serial),
            text,
            e.status().as_u16(),
            false,
        )
        .await?;
    }
    Ok(answer_response(&answer?))
}

fn parse_day(s: &str) -> Result<Date, ApiError> {
    qibao_core::dates::parse_date(s)
        .ok_or_else(|| ApiError::invalid_field("date", qibao_core::dates::DATE_FORMAT_HINT))
}

/// The reconciliation of the day in the path, read from one snapshot.
async fn reconciliation_of(
    state: &AppState,
    path: &str,
) -> Result<web::Json<ReconciliationDto>, ApiError> {
    let day = parse_day(path)?;
    Ok(web::Json(
        run_db(state, move |conn| Ok(reconciliation::get(conn, day)?)).await?,
    ))
}

/// 税务对账 — a day's reconciliation
///
/// The reconciliation of a day: the count and sum of what tax reported and
/// of what was booked, with each difference listed.
#[utoipa::path(
    tag = "tax",
    operation_id = "get_tax_reconciliation",
    params(("date" = String, Path, description = "The day, YYYY-MM-DD (China date of the bank's time).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReconciliationDto),
        (status = 400, description = "Bad date (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the tax bureau (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/reconciliation/{date}")]
pub async fn get_tax_reconciliation(
    state: web::Data<AppState>,
    _user: TaxUser,
    path: web::Path<String>,
) -> Result<web::Json<ReconciliationDto>, ApiError> {
    reconciliation_of(&state, &path).await
}

/// One payment on the tax bureau's statement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementLineDto {
    pub serial: String,
    pub order_no: String,
    pub amount: Money,
}

/// The tax bureau's statement of a day (对账单): every payment it collected.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRequest {
    pub lines: Vec<StatementLineDto>,
}

/// 税务对账单报送 — send a day's statement
///
/// Sends (or replaces) the tax bureau's statement of a day and answers the
/// reconciliation against it.
#[utoipa::path(
    tag = "tax",
    operation_id = "update_tax_statement",
    params(("date" = String, Path, description = "The day, YYYY-MM-DD.")),
    request_body = StatementRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReconciliationDto),
        (status = 400, description = "Malformed (`MALFORMED_MESSAGE`), bad date or lines, a serial twice (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the tax bureau (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/reconciliation/{date}/statement")]
pub async fn update_tax_statement(
    state: web::Data<AppState>,
    user: TaxUser,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<ReconciliationDto>, ApiError> {
    let client = user.0.actor();
    let text = storable_text(&body);
    let parsed = parse_day(&path).and_then(|day| {
        check_json_text(&body)?;
        let req: StatementRequest = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(ErrorCode::MalformedMessage).with_detail(format!("报文格式错误：{e}"))
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut lines = Vec::with_capacity(req.lines.len());
        for (i, l) in req.lines.iter().enumerate() {
            if l.serial.is_empty()
                || l.serial.len() > 64
                || !l.serial.chars().all(|c| c.is_ascii_graphic())
            {
                return Err(ApiError::invalid_field(
                    format!("lines[{i}].serial"),
                    "流水号应为1至64个可见字符",
                ));
            }
            if !seen.insert(l.serial.clone()) {
                return Err(ApiError::invalid_field(
                    format!("lines[{i}].serial"),
                    "对账单中流水号重复",
                ));
            }
            if l.amount <= Money::ZERO {
                return Err(ApiError::invalid_field(
                    format!("lines[{i}].amount"),
                    "金额应大于0",
                ));
            }
            lines.push(StatementPayment {
                serial: l.serial.clone(),
                order_no: l.order_no.clone(),
                amount: l.amount,
            });
        }
        Ok((day, lines))
    });
    let (day, lines) = match parsed {
        Ok(v) => v,
        Err(e) => {
            log_message(
                &state,
                client,
                "statement",
                None,
                text,
                e.status().as_u16(),
                false,
            )
            .await?;
            return Err(e);
        }
    };
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        Ok(reconciliation::replace_statement(conn, day, &lines, now)?)
    })
    .await;
    let status = out.as_ref().map_or_else(|e| e.status().as_u16(), |_| 200);
    log_message(&state, client, "statement", None, text, status, false).await?;
    Ok(web::Json(out?))
}

/// 对账查询 — a day's reconciliation
///
/// The reconciliation of a day, for finance staff.
#[utoipa::path(
    tag = "staff-finance",
    operation_id = "get_reconciliation",
    params(("date" = String, Path, description = "The day, YYYY-MM-DD.")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReconciliationDto),
        (status = 400, description = "Bad date (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not finance staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/reconciliation/{date}")]
pub async fn get_reconciliation(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<ReconciliationDto>, ApiError> {
    user.0.require_staff_role(StaffRole::Finance)?;
    reconciliation_of(&state, &path).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_feed)
        .service(create_tax_event)
        .service(get_tax_reconciliation)
        .service(update_tax_statement);
}

pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(get_reconciliation);
}

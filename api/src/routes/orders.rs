//! 应缴认定单: payment orders (R-DECL-4…6) with interest and late fees
//! (R-LATE-1…4), the unit's orders query (业务单据查询, FAQ 27) and the
//! amounts still owed by period (arrears, R-BACK-4).
//!
//! Issuing bills every pending line of the unit. Orders past their due date
//! expire by themselves: every read and issue first closes the unit's
//! overdue live orders and frees their lines.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use qibao_core::employment::AssessmentKind;
use qibao_core::insurance::Insurance;
use qibao_core::late::{InterestSegment, late_fee, pension_interest};
use qibao_core::order::{agency_name, data_type_zh, order_number, order_number_prefix};
use qibao_core::payment::{OrderState, ProgressStep};
use qibao_core::rules::order_due_date;
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::Assessment;
use qibao_db::orders::{self as orders_db, NewOrder, NewOrderLine, Order};
use qibao_db::rows::Unit;
use qibao_db::{DbConn, DbError, employees as emp_db};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, UnitUser};
use crate::blocking::run_db;
use crate::clock::CHINA_OFFSET;
use crate::employment::{UnitContext, corrupt};
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

pub const KIND_ORDER_ISSUED: &str = "payment_order_issued";
pub const KIND_ORDER_REVOKED: &str = "payment_order_revoked";
use crate::retry::RETRY;

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLineDto {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    pub name: String,
    /// Contribution month (费款所属期, AAE002).
    pub period: String,
    /// Insurance (险种, AAE140).
    pub insurance: String,
    pub insurance_name: String,
    /// regular, back_pay, labour_contract, injury_only_transfer.
    pub kind: String,
    /// Data type (数据类型): 单位整体核定, 补缴, 工伤转入.
    pub data_type: String,
    /// Contribution base (缴费基数, AAE180).
    pub base: Money,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub unit_amount: Money,
    pub individual_amount: Money,
    /// Interest (利息, pension only, R-LATE-2) and the days counted.
    pub interest: Money,
    pub interest_days: i64,
    /// The yearly bookkeeping rates used.
    pub interest_segments: Vec<InterestSegmentDto>,
    /// Late fee (滞纳金, R-LATE-1): days counted from `late_fee_from`, daily rate.
    pub late_fee: Money,
    pub late_fee_days: i64,
    pub late_fee_daily_rate: Rate,
    pub late_fee_from: Option<Date>,
    /// Why the late fee is waived or shortened (deferral, R-BACK-5).
    pub late_fee_note: Option<String>,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterestSegmentDto {
    pub year: i32,
    pub from: Date,
    pub to: Date,
    pub days: i64,
    pub rate: Rate,
}

impl From<&InterestSegment> for InterestSegmentDto {
    fn from(s: &InterestSegment) -> Self {
        InterestSegmentDto {
            year: s.year,
            from: s.from,
            to: s.to,
            days: s.days,
            rate: s.rate,
        }
    }
}

/// Sums of lines.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct Amounts {
    pub unit: Money,
    pub individual: Money,
    pub interest: Money,
    pub late_fee: Money,
    pub total: Money,
}

impl Amounts {
    fn add(&mut self, l: &OrderLineDto) {
        self.unit += l.unit_amount;
        self.individual += l.individual_amount;
        self.interest += l.interest;
        self.late_fee += l.late_fee;
        self.total += l.total;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InsuranceAmounts {
    /// Insurance (险种, AAE140).
    pub insurance: String,
    pub insurance_name: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DataTypeAmounts {
    /// Data type (数据类型).
    pub data_type: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// A payment order (应缴认定单).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderDto {
    /// Order number (征集通知单据号), 16 digits.
    #[schema(example = "2022092809301501")]
    pub order_no: String,
    /// live, paid, expired, revoked.
    pub status: String,
    /// Unit number (单位编号, AAB001).
    pub unit_no: String,
    pub unit_name: String,
    /// Issuing agency (征收机构).
    pub agency: String,
    pub issue_date: Date,
    /// Due date: the validity in working days after the issue date.
    pub due_date: Date,
    pub totals: Amounts,
    /// Grand total in capitals (大写).
    pub total_in_capitals: String,
    pub by_insurance: Vec<InsuranceAmounts>,
    pub by_data_type: Vec<DataTypeAmounts>,
    /// Payment progress (R-PAY-1): the five steps with their times.
    pub progress: Vec<ProgressStepDto>,
    /// The tax bureau's invoice number (票据号), once invoiced.
    pub invoice_no: Option<String>,
    /// The tax serial (税务流水号) of the booked payment, once paid.
    pub payment_serial: Option<String>,
    pub lines: Vec<OrderLineDto>,
}

/// One step of an order's payment progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgressStepDto {
    /// issued, tax_invoiced, tax_booked, si_booked, allocated.
    pub step: String,
    /// 缴费认定, 税务开票, 税务登账, 社保登账, 实收分配.
    pub name: String,
    pub done: bool,
    /// When (China time); for 税务登账 the bank's time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

/// The five steps of an order as stored.
pub fn progress_of(order: &Order) -> Vec<ProgressStepDto> {
    ProgressStep::ALL
        .iter()
        .map(|&step| {
            let at = match step {
                ProgressStep::Issued => Some(order.created_at),
                ProgressStep::TaxInvoiced => order.invoiced_at,
                ProgressStep::TaxBooked => order.tax_booked_at,
                ProgressStep::SiBooked => order.booked_at,
                ProgressStep::Allocated => order.allocated_at,
            };
            ProgressStepDto {
                step: step_code(step).to_owned(),
                name: step.name_zh().to_owned(),
                done: at.is_some(),
                at: at.map(|t| t.assume_utc().to_offset(CHINA_OFFSET)),
            }
        })
        .collect()
}

fn step_code(step: ProgressStep) -> &'static str {
    match step {
        ProgressStep::Issued => "issued",
        ProgressStep::TaxInvoiced => "tax_invoiced",
        ProgressStep::TaxBooked => "tax_booked",
        ProgressStep::SiBooked => "si_booked",
        ProgressStep::Allocated => "allocated",
    }
}

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

fn retryable(e: DbError) -> ApiError {
    crate::retry::conflict_as_retry(e, "应缴认定单正在被其他请求开具，请稍后刷新后核对。")
}

/// Closes the unit's overdue live orders (R-DECL-4, R-DECL-5).
pub fn expire_overdue(
    conn: &mut DbConn,
    unit_id: i64,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<(), ApiError> {
    for o in orders_db::overdue_live(conn, unit_id, today)? {
        orders_db::close(conn, o.id, orders_db::EXPIRED, now)?;
    }
    Ok(())
}

fn kind_of(s: &str) -> Result<AssessmentKind, ApiError> {
    AssessmentKind::parse(s).ok_or_else(|| corrupt("line kind", s))
}

fn build_dto(unit: &Unit, order: &Order, lines: Vec<OrderLineDto>) -> Result<OrderDto, ApiError> {
    let mut totals = Amounts::default();
    let mut by_ins: BTreeMap<String, InsuranceAmounts> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Amounts> = BTreeMap::new();
    for l in &lines {
        totals.add(l);
        by_ins
            .entry(l.insurance.clone())
            .or_insert_with(|| InsuranceAmounts {
                insurance: l.insurance.clone(),
                insurance_name: l.insurance_name.clone(),
                amounts: Amounts::default(),
            })
            .amounts
            .add(l);
        by_type.entry(l.data_type.clone()).or_default().add(l);
    }
    Ok(OrderDto {
        order_no: order.order_no.clone(),
        status: order.status.clone(),
        unit_no: unit.unit_no.clone(),
        unit_name: unit.name.clone(),
        agency: order.agency.clone(),
        issue_date: order.issue_date,
        due_date: order.due_date,
        total_in_capitals: totals.total.to_capitals(),
        totals,
        by_insurance: by_ins.into_values().collect(),
        by_data_type: by_type
            .into_iter()
            .map(|(data_type, amounts)| DataTypeAmounts { data_type, amounts })
            .collect(),
        progress: progress_of(order),
        invoice_no: order.invoice_no.clone(),
        payment_serial: order.paid_serial.clone(),
        lines,
    })
}

fn person_names(
    conn: &mut DbConn,
    lines: &[Assessment],
) -> Result<HashMap<i64, (String, String)>, ApiError> {
    let mut ids: Vec<i64> = lines.iter().map(|l| l.person_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(5000) {
        for p in emp_db::get_persons(conn, chunk)? {
            out.insert(p.id, (p.person_no, p.name));
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn line_dto(
    a: &Assessment,
    names: &HashMap<i64, (String, String)>,
    interest: Money,
    interest_days: i64,
    segments: Vec<InterestSegmentDto>,
    fee: Money,
    fee_days: i64,
    fee_rate: Rate,
    fee_from: Option<Date>,
    fee_note: Option<String>,
) -> Result<OrderLineDto, ApiError> {
    let insurance = Insurance::from_code(&a.insurance).map_err(|e| corrupt("insurance", e))?;
    let kind = kind_of(&a.kind)?;
    let (no, name) = names.get(&a.person_id).cloned().unwrap_or_default();
    let unit_amount = Money::from_fen(a.unit_fen);
    let individual_amount = Money::from_fen(a.individual_fen);
    Ok(OrderLineDto {
        person_no: no,
        name,
        period: a.period.to_string(),
        insurance: a.insurance.clone(),
        insurance_name: insurance.name_zh().to_string(),
        kind: a.kind.clone(),
        data_type: data_type_zh(kind).to_string(),
        base: Money::from_fen(a.base_fen),
        unit_rate: Rate::from_ppm(a.unit_rate_ppm),
        individual_rate: Rate::from_ppm(a.individual_rate_ppm),
        unit_amount,
        individual_amount,
        interest,
        interest_days,
        interest_segments: segments,
        late_fee: fee,
        late_fee_days: fee_days,
        late_fee_daily_rate: fee_rate,
        late_fee_from: fee_from,
        late_fee_note: fee_note,
        total: unit_amount + individual_amount + interest + fee,
    })
}

/// Issues an order billing every pending line of the unit, in the caller's
/// transaction. `local_now`: China time, for the order number. The caller
/// expires the unit's overdue orders first, in a transaction of its own
/// (the feed's lock is then never taken before the order number's).
pub fn issue(
    conn: &mut DbConn,
    who: &Principal,
    unit_id: i64,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<OrderDto, ApiError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let pending = orders_db::pending_lines(conn, unit_id)?;
    if pending.is_empty() {
        return Err(ApiError::unprocessable(
            "NOTHING_TO_BILL",
            "没有待开具应缴认定单的核定明细（均已在有效的认定单上或已缴费）",
        ));
    }
    let table = qibao_db::policy::load_interest_table(conn)?;
    let calendar = qibao_db::policy::load_calendar(conn)?;
    let validity = ctx
        .params(Period::of(today))?
        .windows
        .order_validity_working_days;
    let due = order_due_date(&calendar, today, validity).date;
    let names = person_names(conn, &pending)?;
    let mut computed = Vec::with_capacity(pending.len());
    let mut dtos = Vec::with_capacity(pending.len());
    for a in &pending {
        let period = Period::from_yyyymm(a.period).map_err(|e| corrupt("period", e))?;
        let principal = Money::from_fen(a.unit_fen + a.individual_fen);
        let params = ctx.params(period)?;
        let fee = late_fee(
            principal,
            period,
            today,
            &params.late_fee,
            params.deferral.as_ref(),
        );
        let (interest, idays, segs) = if a.insurance == Insurance::Pension.code() {
            let i = pension_interest(principal, period, today, &table)?;
            let segs: Vec<InterestSegmentDto> = i.segments.iter().map(Into::into).collect();
            (i.amount, i.days, segs)
        } else {
            (Money::ZERO, 0, Vec::new())
        };
        let detail = serde_json::to_string(&segs).map_err(ApiError::internal_cause)?;
        computed.push((a.id, interest, idays, detail, fee.clone()));
        dtos.push(line_dto(
            a,
            &names,
            interest,
            idays,
            segs,
            fee.amount,
            fee.days,
            fee.daily_rate,
            fee.from,
            fee.waiver.clone(),
        )?);
    }
    let mut totals = Amounts::default();
    for l in &dtos {
        totals.add(l);
    }
    // The number is the issue second and a 2-digit sequence (99 a second):
    // past 99, the next second's numbers are used (still unique, 16 digits).
    let mut stamp = today.with_time(local_now.time());
    let seq = loop {
        let prefix = order_number_prefix(stamp.date(), stamp.time());
        match u8::try_from(orders_db::next_order_seq(conn, &prefix)?) {
            Ok(s) if s <= 99 => break s,
            _ if stamp - today.with_time(local_now.time()) < time::Duration::hours(1) => {
                stamp += time::Duration::SECOND;
            }
            _ => {
                return Err(ApiError::service_unavailable(
                    "ORDER_NUMBERS_EXHAUSTED",
                    "应缴认定单开具繁忙，请稍后重试。",
                ));
            }
        }
    };
    let order = orders_db::insert_order(
        conn,
        &NewOrder {
            order_no: order_number(stamp.date(), stamp.time(), seq),
            unit_id,
            status: orders_db::LIVE.to_string(),
            agency: agency_name(&ctx.policy.name),
            issue_date: today,
            due_date: due,
            unit_fen: totals.unit.fen(),
            individual_fen: totals.individual.fen(),
            interest_fen: totals.interest.fen(),
            late_fee_fen: totals.late_fee.fen(),
            total_fen: totals.total.fen(),
            issued_by: who.actor(),
            created_at: now,
            closed_at: None,
        },
    )
    .map_err(retryable)?;
    for (assessment_id, interest, idays, detail, fee) in computed {
        orders_db::insert_line(
            conn,
            &NewOrderLine {
                order_id: order.id,
                assessment_id,
                live: true,
                interest_fen: interest.fen(),
                interest_days: idays,
                interest_detail: detail,
                late_fee_fen: fee.amount.fen(),
                late_fee_days: fee.days,
                late_fee_rate_ppm: fee.daily_rate.ppm(),
                late_fee_from: fee.from,
                late_fee_note: fee.waiver,
            },
        )
        .map_err(retryable)?;
    }
    let ids: Vec<i64> = pending.iter().map(|a| a.id).collect();
    if orders_db::bill(conn, &ids, now)? != ids.len() {
        return Err(ApiError::conflict(
            RETRY,
            "核定明细已被其他请求开具，请刷新后核对。",
        ));
    }
    // Last: the feed's cursor lock is held until commit.
    qibao_db::tax::append_feed(conn, order.id, qibao_db::tax::FEED_ISSUED, now)?;
    items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_ORDER_ISSUED,
            status: crate::employment::DONE,
            before: None,
            after: Some(
                json!({"order_no": order.order_no, "lines": ids.len(), "total": totals.total}),
            ),
        },
        now,
    )?;
    build_dto(&ctx.unit, &order, dtos)
}

/// An order as stored, with its lines.
pub fn load(conn: &mut DbConn, unit: &Unit, order: &Order) -> Result<OrderDto, ApiError> {
    let lines = orders_db::lines_of(conn, order.id)?;
    let ids: Vec<i64> = lines.iter().map(|l| l.assessment_id).collect();
    let mut rows: HashMap<i64, Assessment> = HashMap::new();
    for chunk in ids.chunks(5000) {
        for a in qibao_db::assessments::get_many(conn, chunk)? {
            rows.insert(a.id, a);
        }
    }
    let all: Vec<Assessment> = rows.values().cloned().collect();
    let names = person_names(conn, &all)?;
    let mut dtos = Vec::with_capacity(lines.len());
    for l in &lines {
        let a = rows
            .get(&l.assessment_id)
            .ok_or_else(|| corrupt("order line", l.id))?;
        let segs: Vec<InterestSegmentDto> =
            serde_json::from_str(&l.interest_detail).map_err(|e| corrupt("interest detail", e))?;
        dtos.push(line_dto(
            a,
            &names,
            Money::from_fen(l.interest_fen),
            l.interest_days,
            segs,
            Money::from_fen(l.late_fee_fen),
            l.late_fee_days,
            Rate::from_ppm(l.late_fee_rate_ppm),
            l.late_fee_from,
            l.late_fee_note.clone(),
        )?);
    }
    build_dto(unit, order, dtos)
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
        qibao_db::conn::transaction(conn, |c| expire_overdue(c, user.unit_id, today, now))?;
        let mut first = true;
        crate::retry::transaction_with_retry(conn, |c| {
            let first_run = std::mem::replace(&mut first, false);
            if let Some(k) = &key
                && let Some(stored) = orders_db::find_key(c, user.unit_id, k)?
            {
                return Ok(stored.response_json);
            }
            let dto =
                issue(c, &user.principal, user.unit_id, today, local_now, now).map_err(|e| {
                    crate::retry::keyed_race(e, key.is_some(), first_run, "NOTHING_TO_BILL")
                })?;
            let text = serde_json::to_string(&dto).map_err(ApiError::internal_cause)?;
            if let Some(k) = &key {
                orders_db::store_key(c, user.unit_id, k, 201, &text, now).map_err(retryable)?;
            }
            Ok(text)
        })
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

fn invoiced() -> ApiError {
    ApiError::conflict(
        "ORDER_INVOICED",
        "税务机关已对该应缴认定单开票，不能撤销；未缴费的认定单过有效期后自动失效。",
    )
}

fn order_not_found() -> ApiError {
    ApiError::not_found("ORDER_NOT_FOUND", "没有找到该应缴认定单")
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
        qibao_db::conn::transaction(conn, |c| {
            expire_overdue(c, user.unit_id, today, now)?;
            let order = orders_db::find_by_no(c, user.unit_id, &no)?.ok_or_else(order_not_found)?;
            let unit = emp_db::get_unit(c, user.unit_id)?;
            load(c, &unit, &order)
        })
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
        // Expiry first, in its own transaction: it stands even if the
        // revocation is refused.
        qibao_db::conn::transaction(conn, |c| expire_overdue(c, user.unit_id, today, now))?;
        qibao_db::conn::transaction(conn, |c| {
            let order = orders_db::find_by_no(c, user.unit_id, &no)?.ok_or_else(order_not_found)?;
            if order.status == orders_db::LIVE && order.invoiced_at.is_some() {
                return Err(invoiced());
            }
            if !orders_db::close(c, order.id, orders_db::REVOKED, now)? {
                let order =
                    orders_db::find_by_no(c, user.unit_id, &no)?.ok_or_else(order_not_found)?;
                if order.status == orders_db::LIVE && order.invoiced_at.is_some() {
                    return Err(invoiced());
                }
                let state = OrderState::parse(&order.status)
                    .map_or_else(|| order.status.clone(), |s| s.name_zh().to_owned());
                return Err(ApiError::conflict(
                    "ORDER_NOT_LIVE",
                    format!(
                        "该应缴认定单{}，不能撤销",
                        state.trim_end_matches("（待缴费）")
                    ),
                ));
            }
            items::record(
                c,
                &user.principal,
                ItemRecord {
                    unit_id: Some(user.unit_id),
                    kind: KIND_ORDER_REVOKED,
                    status: crate::employment::DONE,
                    before: Some(json!({"order_no": order.order_no, "status": order.status})),
                    after: Some(json!({"order_no": order.order_no, "status": orders_db::REVOKED})),
                },
                now,
            )?;
            let order = orders_db::find_by_no(c, user.unit_id, &no)?.ok_or_else(order_not_found)?;
            let unit = emp_db::get_unit(c, user.unit_id)?;
            load(c, &unit, &order)
        })
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

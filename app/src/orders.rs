//! 应缴认定单: payment orders (R-DECL-4…6) with interest and late fees
//! (R-LATE-1…4). Issuing bills every pending line of the unit: the order
//! row, its lines in one set-based write ([`qibao_db::bulk`]) and the lines
//! billed in one statement. Orders past their due date expire (R-DECL-5):
//! [`expire_overdue`] closes them and frees their lines.

use std::collections::{BTreeMap, HashMap};

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

use crate::actor::Actor;
use crate::clock::CHINA_OFFSET;
use crate::context::UnitContext;
use crate::error::{AppError, corrupt};
use crate::items::{self, ItemRecord};
use crate::tx::RETRY;

pub const KIND_ORDER_ISSUED: &str = "payment_order_issued";
pub const KIND_ORDER_REVOKED: &str = "payment_order_revoked";

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amounts {
    pub unit: Money,
    pub individual: Money,
    pub interest: Money,
    pub late_fee: Money,
    pub total: Money,
}

impl Amounts {
    pub fn add(&mut self, l: &OrderLineDto) {
        self.unit += l.unit_amount;
        self.individual += l.individual_amount;
        self.interest += l.interest;
        self.late_fee += l.late_fee;
        self.total += l.total;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsuranceAmounts {
    /// Insurance (险种, AAE140).
    pub insurance: String,
    pub insurance_name: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataTypeAmounts {
    /// Data type (数据类型).
    pub data_type: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// A payment order (应缴认定单).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDto {
    /// Order number (征集通知单据号), 16 digits.
    #[cfg_attr(feature = "openapi", schema(example = "2022092809301501"))]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

fn retryable(e: DbError) -> AppError {
    crate::tx::conflict_as_retry(e, "应缴认定单正在被其他请求开具，请稍后刷新后核对。")
}

/// Closes the unit's overdue live orders (R-DECL-4, R-DECL-5).
pub fn expire_overdue(
    conn: &mut DbConn,
    unit_id: i64,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    for o in orders_db::overdue_live(conn, unit_id, today)? {
        orders_db::close(conn, o.id, orders_db::EXPIRED, now)?;
    }
    Ok(())
}

fn kind_of(s: &str) -> Result<AssessmentKind, AppError> {
    AssessmentKind::parse(s).ok_or_else(|| corrupt("line kind", s))
}

fn build_dto(unit: &Unit, order: &Order, lines: Vec<OrderLineDto>) -> Result<OrderDto, AppError> {
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
) -> Result<HashMap<i64, (String, String)>, AppError> {
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
) -> Result<OrderLineDto, AppError> {
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
    who: &Actor,
    unit_id: i64,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let pending = orders_db::pending_lines(conn, unit_id)?;
    if pending.is_empty() {
        return Err(AppError::unprocessable(
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
        let detail = serde_json::to_string(&segs).map_err(AppError::internal_cause)?;
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
                return Err(AppError::service_unavailable(
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
            issued_by: who.name.clone(),
            created_at: now,
            closed_at: None,
        },
    )
    .map_err(retryable)?;
    let rows: Vec<NewOrderLine> = computed
        .into_iter()
        .map(
            |(assessment_id, interest, idays, detail, fee)| NewOrderLine {
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
        .collect();
    qibao_db::bulk::insert_order_lines(conn, &rows).map_err(retryable)?;
    let billed = pending.len();
    if orders_db::bill_order(conn, order.id, now)? != billed {
        return Err(AppError::conflict(
            RETRY,
            "核定明细已被其他请求开具，请刷新后核对。",
        ));
    }
    // Last: the feed's cursor lock is held until commit.
    qibao_db::feed::append_feed(conn, order.id, qibao_db::feed::FEED_ISSUED, now)?;
    items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_ORDER_ISSUED,
            status: crate::items::DONE,
            before: None,
            after: Some(
                json!({"order_no": order.order_no, "lines": billed, "total": totals.total}),
            ),
        },
        now,
    )?;
    build_dto(&ctx.unit, &order, dtos)
}

/// An order as stored, with its lines.
pub fn load(conn: &mut DbConn, unit: &Unit, order: &Order) -> Result<OrderDto, AppError> {
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

/// Issues the unit's order (create_order) in transactions of its own: the
/// overdue orders expire first, then the issue runs with one retry. Under an
/// `Idempotency-Key` the first response is stored with the order and any
/// repeat returns it. Returns the response body (JSON).
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: i64,
    key: Option<&str>,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<String, AppError> {
    crate::tx::transaction(conn, |c| expire_overdue(c, unit_id, today, now))?;
    let mut first = true;
    crate::tx::transaction_with_retry(conn, |c| {
        let first_run = std::mem::replace(&mut first, false);
        if let Some(k) = key
            && let Some(stored) = orders_db::find_key(c, unit_id, k)?
        {
            return Ok(stored.response_json);
        }
        let dto = issue(c, who, unit_id, today, local_now, now)
            .map_err(|e| crate::tx::keyed_race(e, key.is_some(), first_run, "NOTHING_TO_BILL"))?;
        let text = serde_json::to_string(&dto).map_err(AppError::internal_cause)?;
        if let Some(k) = key {
            orders_db::store_key(c, unit_id, k, 201, &text, now).map_err(retryable)?;
        }
        Ok(text)
    })
}

/// One of the unit's orders with its lines; overdue orders expire first.
pub fn get(
    conn: &mut DbConn,
    unit_id: i64,
    order_no: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    crate::tx::transaction(conn, |c| {
        expire_overdue(c, unit_id, today, now)?;
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        let unit = emp_db::get_unit(c, unit_id)?;
        load(c, &unit, &order)
    })
}

/// Revokes an unpaid order (R-DECL-5): its lines are free for a new order.
/// Overdue orders expire first, in a transaction of their own that stands
/// even if the revocation is refused.
pub fn revoke(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: i64,
    order_no: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    crate::tx::transaction(conn, |c| expire_overdue(c, unit_id, today, now))?;
    crate::tx::transaction(conn, |c| {
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        if order.status == orders_db::LIVE && order.invoiced_at.is_some() {
            return Err(invoiced());
        }
        if !orders_db::close(c, order.id, orders_db::REVOKED, now)? {
            let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
            if order.status == orders_db::LIVE && order.invoiced_at.is_some() {
                return Err(invoiced());
            }
            let state = OrderState::parse(&order.status)
                .map_or_else(|| order.status.clone(), |s| s.name_zh().to_owned());
            return Err(AppError::conflict(
                "ORDER_NOT_LIVE",
                format!(
                    "该应缴认定单{}，不能撤销",
                    state.trim_end_matches("（待缴费）")
                ),
            ));
        }
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: KIND_ORDER_REVOKED,
                status: crate::items::DONE,
                before: Some(json!({"order_no": order.order_no, "status": order.status})),
                after: Some(json!({"order_no": order.order_no, "status": orders_db::REVOKED})),
            },
            now,
        )?;
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        let unit = emp_db::get_unit(c, unit_id)?;
        load(c, &unit, &order)
    })
}

fn invoiced() -> AppError {
    AppError::conflict(
        "ORDER_INVOICED",
        "税务机关已对该应缴认定单开票，不能撤销；未缴费的认定单过有效期后自动失效。",
    )
}

/// 404 for an order that is not the unit's.
pub fn order_not_found() -> AppError {
    AppError::not_found("ORDER_NOT_FOUND", "没有找到该应缴认定单")
}

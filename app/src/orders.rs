//! 应缴认定单: payment orders (R-DECL-4…6) with interest and late fees
//! (R-LATE-1…4). Issuing bills every pending line of the unit: the order
//! row, its lines in one set-based write ([`qibao_db::bulk`]) and the lines
//! billed in one statement. Orders past their due date expire (R-DECL-5):
//! [`expire_overdue`] closes a unit's before a write, [`expire_all_overdue`]
//! every unit's (the server's job, every minute), each in short
//! transactions of its own.
//!
//! Reads never write: the list, an order, its lines and the arrears run in
//! a read transaction ([`qibao_db::conn::read_transaction`]) and show a
//! live order past its due date as expired (R-DECL-4,
//! [`OrderState::as_of`]) whether or not it has been closed yet. An order
//! carries its sums (by insurance, data type and period, stored with it
//! when issued, `order_sums`) and
//! its progress; its lines are a paged sub-resource ([`lines`]), so that an
//! order of 50,000 persons stays small. Only the tax bureau's feed
//! ([`load`]) carries every line.

use qibao_core::business_item::BusinessItemKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use qibao_core::employment::AssessmentKind;
use qibao_core::insurance::Insurance;
use qibao_core::late::{InterestSegment, charge_free_terms, late_fee, pension_interest};
use qibao_core::order::{agency_name, data_type_zh, order_number, order_number_prefix};
use qibao_core::payment::{OrderState, ProgressStep};
use qibao_core::rules::order_due_date;
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::Assessment;
use qibao_db::bulk::SharedLineTerms;
use qibao_db::ids::{AssessmentId, PersonId, UnitId};
use qibao_db::orders::{self as orders_db, NewOrder, NewOrderLine, Order};
use qibao_db::rows::Unit;
use qibao_db::{DbConn, DbError, employees as emp_db};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::CHINA_OFFSET;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, corrupt};
use crate::items::{self, ItemRecord};

pub const KIND_ORDER_ISSUED: BusinessItemKind = BusinessItemKind::PaymentOrderIssued;
pub const KIND_ORDER_REVOKED: BusinessItemKind = BusinessItemKind::PaymentOrderRevoked;

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
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub late_fee_from: Option<Date>,
    /// Why the late fee is waived or shortened (deferral, R-BACK-5).
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
    /// Adds one line's four amounts.
    pub fn add_line(&mut self, unit: Money, individual: Money, interest: Money, late_fee: Money) {
        self.unit += unit;
        self.individual += individual;
        self.interest += interest;
        self.late_fee += late_fee;
        self.total += unit + individual + interest + late_fee;
    }

    /// Adds another sum.
    pub fn plus(&mut self, o: &Amounts) {
        self.unit += o.unit;
        self.individual += o.individual;
        self.interest += o.interest;
        self.late_fee += o.late_fee;
        self.total += o.total;
    }

    pub fn add(&mut self, l: &OrderLineDto) {
        self.add_line(l.unit_amount, l.individual_amount, l.interest, l.late_fee);
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodAmounts {
    /// Contribution month (费款所属期, AAE002), YYYYMM.
    pub period: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// A payment order (应缴认定单), without its lines: they are a paged
/// sub-resource (`GET /api/v1/portal/orders/{order_no}/lines`).
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
    /// Sums by contribution month, oldest first.
    pub by_period: Vec<PeriodAmounts>,
    /// Payment progress (R-PAY-1): the five steps with their times.
    pub progress: Vec<ProgressStepDto>,
    /// The tax bureau's invoice number (票据号), once invoiced.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub invoice_no: Option<String>,
    /// The tax serial (税务流水号) of the booked payment, once paid.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub payment_serial: Option<String>,
    /// How many lines the order has: read them a page at a time at
    /// `GET /api/v1/portal/orders/{order_no}/lines`.
    pub lines_total: i64,
}

/// An order with every line: the tax bureau's feed (its contract).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderWithLines {
    #[serde(flatten)]
    pub order: OrderDto,
    pub lines: Vec<OrderLineDto>,
    /// A construction or mining project's premium (R-PROJ-1), the order's
    /// one line of the project type; absent on the orders of persons' lines.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub project: Option<crate::projects::PremiumLine>,
}

/// A page of an order's lines, in the order's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLinePage {
    pub items: Vec<OrderLineDto>,
    /// The order's lines in all.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// An order in a list (without lines).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummaryDto {
    pub order_no: String,
    /// live, paid, expired, revoked (a live order past its due date is expired).
    pub status: String,
    /// The latest progress step reached (R-PAY-1): its code and name.
    pub progress_step: String,
    pub progress_name: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPage {
    pub items: Vec<OrderSummaryDto>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Amounts still owed for one period (pending + billed lines).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArrearsDto {
    pub period: Period,
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
    /// Lines on a live order.
    pub billed: Money,
    /// Lines on no order yet (or on one that has expired).
    pub pending: Money,
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
    #[serde(with = "crate::clock::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
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

/// Closes the unit's overdue live orders (R-DECL-4, R-DECL-5), in the
/// caller's (write) transaction.
pub fn expire_overdue(
    conn: &mut DbConn,
    unit_id: UnitId,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    for o in orders_db::overdue_live(conn, unit_id, today)? {
        orders_db::close(conn, o.id, orders_db::EXPIRED, now)?;
    }
    Ok(())
}

/// How many overdue orders one step of [`expire_all_overdue`] closes in
/// one transaction.
pub const EXPIRE_BATCH: i64 = 50;

/// Closes every unit's live orders past their due date (R-DECL-4, R-DECL-5)
/// and frees their lines, in transactions of [`EXPIRE_BATCH`] orders each,
/// so a writer never waits long behind it. Looks first without a write
/// lock: most runs find nothing. Returns how many it closed. Run by the
/// server every minute and before the tax bureau's feed is read.
pub fn expire_all_overdue(
    conn: &mut DbConn,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<usize, AppError> {
    if qibao_db::tax::overdue_live_all(conn, today, 1)?.is_empty() {
        return Ok(0);
    }
    let mut closed = 0;
    loop {
        let (n, seen) = crate::tx::transaction(conn, |c| {
            let due = qibao_db::tax::overdue_live_all(c, today, EXPIRE_BATCH)?;
            let mut n = 0;
            for o in &due {
                if orders_db::close(c, o.id, orders_db::EXPIRED, now)? {
                    n += 1;
                }
            }
            Ok::<_, AppError>((n, due.len()))
        })?;
        closed += n;
        if i64::try_from(seen).unwrap_or(0) < EXPIRE_BATCH {
            return Ok(closed);
        }
    }
}

/// The status a reader sees on `today` (R-DECL-4, [`OrderState::as_of`]).
pub fn status_as_of(order: &Order, today: Date) -> String {
    order.status.as_of(order.due_date, today).code().to_owned()
}

fn kind_of(s: &str) -> Result<AssessmentKind, AppError> {
    AssessmentKind::parse(s).ok_or_else(|| corrupt("line kind", s))
}

/// Sums of an order's lines by insurance, data type and period, built from
/// line groups (one per insurance, kind and period).
#[derive(Default)]
struct Sums {
    totals: Amounts,
    lines: i64,
    by_ins: BTreeMap<String, InsuranceAmounts>,
    by_type: BTreeMap<String, Amounts>,
    by_period: BTreeMap<i32, Amounts>,
}

impl Sums {
    fn add(
        &mut self,
        insurance: &str,
        kind: AssessmentKind,
        period: i32,
        lines: i64,
        a: &Amounts,
    ) -> Result<(), AppError> {
        let ins = Insurance::from_code(insurance).map_err(|e| corrupt("insurance", e))?;
        self.totals.plus(a);
        self.lines += lines;
        self.by_ins
            .entry(insurance.to_owned())
            .or_insert_with(|| InsuranceAmounts {
                insurance: insurance.to_owned(),
                insurance_name: ins.name_zh().to_string(),
                amounts: Amounts::default(),
            })
            .amounts
            .plus(a);
        self.by_type
            .entry(data_type_zh(kind).to_owned())
            .or_default()
            .plus(a);
        self.by_period.entry(period).or_default().plus(a);
        Ok(())
    }

    fn of_lines(lines: &[OrderLineDto]) -> Result<Sums, AppError> {
        let mut sums = Sums::default();
        for l in lines {
            let period: i32 = l.period.parse().map_err(|e| corrupt("period", e))?;
            let mut a = Amounts::default();
            a.add(l);
            sums.add(&l.insurance, kind_of(&l.kind)?, period, 1, &a)?;
        }
        Ok(sums)
    }

    fn of_groups(groups: &[orders_db::LineGroup]) -> Result<Sums, AppError> {
        let mut sums = Sums::default();
        for g in groups {
            let (unit, individual) = (
                Money::from_fen(g.unit_fen),
                Money::from_fen(g.individual_fen),
            );
            let (interest, late_fee) = (
                Money::from_fen(g.interest_fen),
                Money::from_fen(g.late_fee_fen),
            );
            let a = Amounts {
                unit,
                individual,
                interest,
                late_fee,
                total: unit + individual + interest + late_fee,
            };
            let kind = kind_of(&g.kind)?;
            // A project's premium is the order's line but no person's: the
            // `/lines` sub-resource lists persons' lines only.
            let lines = if kind == AssessmentKind::ProjectPremium {
                0
            } else {
                g.lines
            };
            sums.add(&g.insurance, kind, g.period, lines, &a)?;
        }
        Ok(sums)
    }
}

fn build_dto(unit: &Unit, order: &Order, status: String, sums: Sums) -> OrderDto {
    let Sums {
        totals,
        lines,
        by_ins,
        by_type,
        by_period,
    } = sums;
    OrderDto {
        order_no: order.order_no.clone(),
        status,
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
        by_period: by_period
            .into_iter()
            .map(|(period, amounts)| PeriodAmounts {
                period: period.to_string(),
                amounts,
            })
            .collect(),
        progress: progress_of(order),
        invoice_no: order.invoice_no.clone(),
        payment_serial: order.paid_serial.clone(),
        lines_total: lines,
    }
}

/// An order as a reader sees it on `today`: its stored sums, one statement.
fn summary(
    conn: &mut DbConn,
    unit: &Unit,
    order: &Order,
    today: Date,
) -> Result<OrderDto, AppError> {
    let sums = Sums::of_groups(&orders_db::line_groups(conn, order.id)?)?;
    Ok(build_dto(unit, order, status_as_of(order, today), sums))
}

fn person_names(
    conn: &mut DbConn,
    lines: &[Assessment],
) -> Result<HashMap<PersonId, (String, String)>, AppError> {
    let mut ids: Vec<PersonId> = lines.iter().map(|l| l.person_id).collect();
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
    names: &HashMap<PersonId, (String, String)>,
    interest: Money,
    interest_days: i64,
    segments: Vec<InterestSegmentDto>,
    fee: Money,
    fee_days: i64,
    fee_rate: Rate,
    fee_from: Option<Date>,
    fee_note: Option<String>,
) -> Result<OrderLineDto, AppError> {
    let (insurance, kind) = (a.insurance, a.kind);
    let (no, name) = names.get(&a.person_id).cloned().unwrap_or_default();
    let unit_amount = Money::from_fen(a.unit_fen);
    let individual_amount = Money::from_fen(a.individual_fen);
    Ok(OrderLineDto {
        person_no: no,
        name,
        period: a.period.to_string(),
        insurance: insurance.code().to_owned(),
        insurance_name: insurance.name_zh().to_string(),
        kind: kind.code().to_owned(),
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
    unit_id: UnitId,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    // The late fee of a line is waived only for a month the unit confirmed
    // it defers, of a scheme the region allows (R-BACK-5).
    let deferred =
        crate::declarations::deferrals::unit_deferrals(conn, unit_id, &ctx.policy.deferrals)?;
    let pending = orders_db::pending_groups(conn, unit_id)?;
    if pending.is_empty() {
        return Err(AppError::new(ErrorCode::NothingToBill));
    }
    let table = qibao_db::policy::load_interest_table(conn)?;
    let due = due_date(conn, &mut ctx, today)?;
    // Per month and insurance (whose deferral and, for pension, interest
    // differ), core says whether anything accrues on the issue date. Months
    // that accrue nothing (every current-month line, a deferred month
    // before its repay-by date) are billed without reading their lines: one
    // INSERT … SELECT per group with the terms they share. Only the lines
    // that owe interest or a late fee are read and computed one by one.
    let mut totals = Amounts::default();
    let mut groups: BTreeMap<(i32, Insurance), (SharedLineTerms, usize)> = BTreeMap::new();
    let mut charged: BTreeMap<(i32, Insurance), usize> = BTreeMap::new();
    // The order's sums by period, insurance and kind, stored with it.
    let mut sums: BTreeMap<(i32, String, String), orders_db::LineGroup> = BTreeMap::new();
    let mut add_sum = |period: i32, insurance: &str, kind: &str, add: [i64; 5]| {
        let g = sums
            .entry((period, insurance.to_owned(), kind.to_owned()))
            .or_insert_with(|| orders_db::LineGroup {
                insurance: insurance.to_owned(),
                kind: kind.to_owned(),
                period,
                lines: 0,
                unit_fen: 0,
                individual_fen: 0,
                interest_fen: 0,
                late_fee_fen: 0,
            });
        g.lines += add[0];
        g.unit_fen += add[1];
        g.individual_fen += add[2];
        g.interest_fen += add[3];
        g.late_fee_fen += add[4];
    };
    let mut billed = 0usize;
    for g in &pending {
        let (period, insurance) = (g.period, g.insurance);
        let pension = insurance == Insurance::Pension;
        let lines = usize::try_from(g.lines).map_err(|e| corrupt("line count", e))?;
        billed += lines;
        let params = ctx.params(period)?;
        let terms = charge_free_terms(
            period,
            today,
            &params.late_fee,
            deferred.waiver(period, insurance),
            pension,
            &table,
        )?;
        let Some(t) = terms else {
            *charged.entry((period.yyyymm(), insurance)).or_default() += lines;
            continue;
        };
        totals.add_line(
            Money::from_fen(g.unit_fen),
            Money::from_fen(g.individual_fen),
            Money::ZERO,
            Money::ZERO,
        );
        add_sum(
            period.yyyymm(),
            insurance.code(),
            g.kind.code(),
            [g.lines, g.unit_fen, g.individual_fen, 0, 0],
        );
        if let Some(group) = groups.get_mut(&(period.yyyymm(), insurance)) {
            group.1 += lines;
            continue;
        }
        let segs: Vec<InterestSegmentDto> = t
            .interest
            .as_ref()
            .map(|i| i.segments.iter().map(Into::into).collect())
            .unwrap_or_default();
        let shared = SharedLineTerms {
            interest_detail: serde_json::to_string(&segs).map_err(AppError::internal_cause)?,
            late_fee_rate_ppm: t.late_fee.daily_rate.ppm(),
            late_fee_from: t.late_fee.from,
            late_fee_note: t.late_fee.waiver.clone(),
        };
        groups.insert((period.yyyymm(), insurance), (shared, lines));
    }
    let periods: Vec<i32> = charged
        .keys()
        .map(|k| k.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut computed = Vec::new();
    for a in orders_db::pending_lines_of_periods(conn, unit_id, &periods)? {
        let insurance = a.insurance;
        let pension = insurance == Insurance::Pension;
        if !charged.contains_key(&(a.period.yyyymm(), insurance)) {
            continue;
        }
        let period = a.period;
        let principal = Money::from_fen(a.unit_fen + a.individual_fen);
        let params = ctx.params(period)?;
        let fee = late_fee(
            principal,
            period,
            today,
            &params.late_fee,
            deferred.waiver(period, insurance),
        );
        let (interest, idays, segs) = if pension {
            let i = pension_interest(principal, period, today, &table)?;
            let segs: Vec<InterestSegmentDto> = i.segments.iter().map(Into::into).collect();
            (i.amount, i.days, segs)
        } else {
            (Money::ZERO, 0, Vec::new())
        };
        let detail = serde_json::to_string(&segs).map_err(AppError::internal_cause)?;
        totals.add_line(
            Money::from_fen(a.unit_fen),
            Money::from_fen(a.individual_fen),
            interest,
            fee.amount,
        );
        add_sum(
            a.period.yyyymm(),
            a.insurance.code(),
            a.kind.code(),
            [
                1,
                a.unit_fen,
                a.individual_fen,
                interest.fen(),
                fee.amount.fen(),
            ],
        );
        computed.push((a.id, interest, idays, detail, fee));
    }
    if computed.len() != charged.values().sum::<usize>() {
        return Err(crate::tx::retry("核定明细已被其他请求开具，请刷新后核对。"));
    }
    let order_no = new_order_no(conn, today, local_now)?;
    let order = orders_db::insert_order(
        conn,
        &NewOrder {
            order_no,
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
    // One INSERT … SELECT per month and terms: the month's insurances that
    // share their terms (usually all of them) in one scan of its lines.
    let mut writes: Vec<(i32, &SharedLineTerms, Vec<&'static str>, usize)> = Vec::new();
    for ((period, insurance), (terms, expected)) in &groups {
        match writes.iter_mut().find(|w| w.0 == *period && w.1 == terms) {
            Some(w) => {
                w.2.push(insurance.code());
                w.3 += expected;
            }
            None => writes.push((*period, terms, vec![insurance.code()], *expected)),
        }
    }
    for (period, terms, insurances, expected) in writes {
        let put = qibao_db::bulk::order_lines_from_pending(
            conn,
            order.id,
            unit_id,
            period,
            &insurances,
            terms,
        )
        .map_err(retryable)?;
        if put != expected {
            return Err(crate::tx::retry("核定明细已被其他请求开具，请刷新后核对。"));
        }
    }
    let sums: Vec<orders_db::LineGroup> = sums.into_values().collect();
    let rows: Vec<orders_db::NewOrderSum> = sums
        .iter()
        .map(|g| orders_db::NewOrderSum::of(order.id, g))
        .collect();
    qibao_db::bulk::insert_order_sums(conn, &rows)?;
    if orders_db::bill_pending(conn, unit_id, now)? != billed {
        return Err(crate::tx::retry("核定明细已被其他请求开具，请刷新后核对。"));
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
    // The answer carries the order's sums as stored, not its lines: those
    // are the `/lines` sub-resource.
    let sums = Sums::of_groups(&sums)?;
    Ok(build_dto(
        &ctx.unit,
        &order,
        order.status.code().to_owned(),
        sums,
    ))
}

/// A new order number (R-DECL-5): the issue second and a 2-digit sequence
/// (99 a second); past 99, the next second's numbers are used (still
/// unique, 16 digits).
pub(crate) fn new_order_no(
    conn: &mut DbConn,
    today: Date,
    local_now: OffsetDateTime,
) -> Result<String, AppError> {
    let mut stamp = today.with_time(local_now.time());
    let seq = loop {
        let prefix = order_number_prefix(stamp.date(), stamp.time());
        match u8::try_from(orders_db::next_order_seq(conn, &prefix)?) {
            Ok(s) if s <= 99 => break s,
            _ if stamp - today.with_time(local_now.time()) < time::Duration::hours(1) => {
                stamp += time::Duration::SECOND;
            }
            _ => {
                return Err(AppError::new(ErrorCode::OrderNumbersExhausted));
            }
        }
    };
    Ok(order_number(stamp.date(), stamp.time(), seq))
}

/// The due date of an order issued on `today` in the unit's region
/// (R-DECL-5: the order's validity in working days).
pub(crate) fn due_date(
    conn: &mut DbConn,
    ctx: &mut UnitContext,
    today: Date,
) -> Result<Date, AppError> {
    let calendar = qibao_db::policy::load_calendar(conn)?;
    let validity = ctx
        .params(Period::of(today))?
        .windows
        .order_validity_working_days;
    Ok(order_due_date(&calendar, today, validity)?.date)
}

/// An order as stored, with every line (the tax bureau's feed, whose
/// contract carries them; it runs after the expiry sweep, so the stored
/// status is the one to show).
pub fn load(conn: &mut DbConn, unit: &Unit, order: &Order) -> Result<OrderWithLines, AppError> {
    let mut lines = orders_db::lines_of(conn, order.id)?;
    let ids: Vec<AssessmentId> = lines.iter().map(|l| l.assessment_id).collect();
    let mut rows: HashMap<AssessmentId, Assessment> = HashMap::new();
    for chunk in ids.chunks(5000) {
        for a in qibao_db::assessments::get_many(conn, chunk)? {
            rows.insert(a.id, a);
        }
    }
    // The order's lines in the order they were billed: by period, person
    // and insurance (as `issue` answers), whatever order they were written.
    lines.sort_by_key(|l| {
        rows.get(&l.assessment_id)
            .map(|a| (a.period, a.person_id, a.insurance))
    });
    let all: Vec<Assessment> = rows.values().cloned().collect();
    let names = person_names(conn, &all)?;
    let mut dtos = Vec::with_capacity(lines.len());
    for l in &lines {
        let a = rows
            .get(&l.assessment_id)
            .ok_or_else(|| corrupt("order line", l.id))?;
        dtos.push(stored_line_dto(l, a, &names)?);
    }
    // A project's premium order has no person lines: its stored sums.
    let sums = if dtos.is_empty() {
        Sums::of_groups(&orders_db::line_groups(conn, order.id)?)?
    } else {
        Sums::of_lines(&dtos)?
    };
    let project = crate::projects::premium_line(conn, order.id)?;
    Ok(OrderWithLines {
        order: build_dto(unit, order, order.status.code().to_owned(), sums),
        lines: dtos,
        project,
    })
}

/// A stored line as shown.
fn stored_line_dto(
    l: &orders_db::OrderLine,
    a: &Assessment,
    names: &HashMap<PersonId, (String, String)>,
) -> Result<OrderLineDto, AppError> {
    let segs: Vec<InterestSegmentDto> =
        serde_json::from_str(&l.interest_detail).map_err(|e| corrupt("interest detail", e))?;
    line_dto(
        a,
        names,
        Money::from_fen(l.interest_fen),
        l.interest_days,
        segs,
        Money::from_fen(l.late_fee_fen),
        l.late_fee_days,
        Rate::from_ppm(l.late_fee_rate_ppm),
        l.late_fee_from,
        l.late_fee_note.clone(),
    )
}

/// Issues the unit's order (create_order) in transactions of its own: the
/// overdue orders expire first, then the issue runs with one retry. (A
/// retry under an `Idempotency-Key` is answered by [`crate::idempotency`].)
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    crate::tx::transaction(conn, |c| expire_overdue(c, unit_id, today, now))?;
    crate::tx::transaction_with_retry(conn, |c| issue(c, who, unit_id, today, local_now, now))
}

/// One of the unit's orders with its sums and progress, without its lines;
/// a read: nothing is written (an overdue live order shows as expired).
/// A constant number of statements whatever the order's size.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    order_no: &str,
    today: Date,
) -> Result<OrderDto, AppError> {
    qibao_db::conn::read_transaction(conn, |c| {
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        let unit = emp_db::get_unit(c, unit_id)?;
        summary(c, &unit, &order, today)
    })
}

/// The largest page of a list or of an order's lines.
pub const MAX_PAGE_SIZE: i64 = 200;

/// A page of an order's lines (`page` from 1, `page_size` 1–[`MAX_PAGE_SIZE`],
/// checked by the caller), with their total (from the stored sums); a read,
/// four statements whatever the order's size or the page.
pub fn lines(
    conn: &mut DbConn,
    unit_id: UnitId,
    order_no: &str,
    page: i64,
    page_size: i64,
) -> Result<OrderLinePage, AppError> {
    qibao_db::conn::read_transaction(conn, |c| {
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        let total = orders_db::line_groups(c, order.id)?
            .iter()
            .map(|g| g.lines)
            .sum();
        let offset = (page - 1).saturating_mul(page_size);
        let rows = orders_db::lines_page(c, order.id, total, offset, page_size)?;
        let mut items = Vec::with_capacity(rows.len());
        for (l, a, (no, name)) in rows {
            let names = HashMap::from([(a.person_id, (no, name))]);
            items.push(stored_line_dto(&l, &a, &names)?);
        }
        Ok(OrderLinePage {
            items,
            total,
            page,
            page_size,
        })
    })
}

/// Every line of one of the unit's orders, in one read snapshot and one
/// page (for printing and exporting the order).
pub fn all_lines(
    conn: &mut DbConn,
    unit_id: UnitId,
    order_no: &str,
) -> Result<Vec<OrderLineDto>, AppError> {
    Ok(lines(conn, unit_id, order_no, 1, i64::MAX)?.items)
}

/// What a unit's order list is filtered by.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderFilter {
    /// As a reader sees it (a live order past its due date is expired).
    pub status: Option<OrderState>,
    /// Orders with a line of this month.
    pub period: Option<Period>,
}

/// The unit's orders (业务单据查询), newest first; a read, a constant
/// number of statements.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: OrderFilter,
    page: i64,
    page_size: i64,
    today: Date,
) -> Result<OrderPage, AppError> {
    let status = filter.status.map(|s| match s {
        OrderState::Live => orders_db::StatusFilter::Live,
        OrderState::Paid => orders_db::StatusFilter::Paid,
        OrderState::Expired => orders_db::StatusFilter::Expired,
        OrderState::Revoked => orders_db::StatusFilter::Revoked,
    });
    qibao_db::conn::read_transaction(conn, |c| {
        let ids = filter
            .period
            .map(|p| orders_db::order_ids_with_period(c, unit_id, p.yyyymm()))
            .transpose()?;
        let (rows, total) = orders_db::list(
            c,
            unit_id,
            status,
            ids.as_deref(),
            today,
            (page - 1).saturating_mul(page_size),
            page_size,
        )?;
        Ok(OrderPage {
            items: rows
                .iter()
                .map(|o| {
                    let last = progress_of(o).into_iter().rev().find(|s| s.done);
                    let (progress_step, progress_name) =
                        last.map(|s| (s.step, s.name)).unwrap_or_default();
                    OrderSummaryDto {
                        order_no: o.order_no.clone(),
                        status: status_as_of(o, today),
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
            page_size,
        })
    })
}

/// The amounts the unit still owes, by period (R-BACK-4): pending lines
/// and lines on an order live on `today`; summed in SQL, a read.
pub fn arrears(
    conn: &mut DbConn,
    unit_id: UnitId,
    today: Date,
) -> Result<Vec<ArrearsDto>, AppError> {
    let rows = qibao_db::conn::read_transaction(conn, |c| {
        orders_db::arrears_by_period(c, unit_id, today)
    })?;
    rows.into_iter()
        .map(|r| {
            let period = r.period;
            let unit = Money::from_fen(r.unit_fen);
            let individual = Money::from_fen(r.individual_fen);
            let total = unit + individual;
            let billed = Money::from_fen(r.billed_fen);
            Ok(ArrearsDto {
                period,
                unit,
                individual,
                total,
                billed,
                pending: total - billed,
            })
        })
        .collect()
}

/// Revokes an unpaid order (R-DECL-5): its lines are free for a new order.
/// Overdue orders expire first, in a transaction of their own that stands
/// even if the revocation is refused.
pub fn revoke(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    order_no: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<OrderDto, AppError> {
    crate::tx::transaction(conn, |c| expire_overdue(c, unit_id, today, now))?;
    crate::tx::transaction(conn, |c| {
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        if order.status == OrderState::Live && order.invoiced_at.is_some() {
            return Err(invoiced());
        }
        if !orders_db::close(c, order.id, orders_db::REVOKED, now)? {
            let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
            if order.status == OrderState::Live && order.invoiced_at.is_some() {
                return Err(invoiced());
            }
            let state = order.status.name_zh();
            return Err(AppError::new(ErrorCode::OrderNotLive).with_detail(format!(
                "该应缴认定单{}，不能撤销",
                state.trim_end_matches("（待缴费）")
            )));
        }
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: KIND_ORDER_REVOKED,
                status: crate::items::DONE,
                before: Some(json!({"order_no": order.order_no, "status": order.status.code()})),
                after: Some(json!({"order_no": order.order_no, "status": orders_db::REVOKED})),
            },
            now,
        )?;
        let order = orders_db::find_by_no(c, unit_id, order_no)?.ok_or_else(order_not_found)?;
        let unit = emp_db::get_unit(c, unit_id)?;
        summary(c, &unit, &order, today)
    })
}

fn invoiced() -> AppError {
    AppError::new(ErrorCode::OrderInvoiced)
}

/// 404 for an order that is not the unit's.
pub fn order_not_found() -> AppError {
    AppError::new(ErrorCode::OrderNotFound)
}

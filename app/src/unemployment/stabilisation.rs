//! 稳岗返还（稳岗补贴）申领 (issue 16; R-STAB-1): whether a unit qualifies
//! for year Y, from its own data of Y-1 and its arrears today, with every
//! figure and threshold; the application, decided through review; the
//! payout by finance to the unit's refund account (the step the refunds
//! use); one live application per unit and year, enforced by a partial
//! unique index (a rejected one may be made again).
//!
//! The figures, read in SQL in constant statements whatever the unit's size:
//! - months of Y-1 paid in full: months with unemployment lines and none
//!   unpaid;
//! - arrears today: what is owed for months before the current one (any
//!   insurance);
//! - the average insured headcount of Y-1: the persons assessed for
//!   unemployment insurance each month, summed over the 12 months ÷ 12;
//! - non-voluntary stops of Y-1: unemployment relations the unit stopped in
//!   Y-1 with an involuntary end reason (stops without a reason are shown
//!   apart, for the reviewer);
//! - what was paid for Y-1: the unit's and its employees' parts of the
//!   unemployment lines paid and not refunded (企业及其职工上年度实际缴纳).
//!
//! The rule is `qibao_core::unemployment::stabilisation`.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::insurance::Insurance;
use qibao_core::policy::Source;
use qibao_core::unemployment::{
    EndReason, SizeClass, StabilisationFacts, StabilisationParams, average_headcount, stabilisation,
};
use qibao_core::{Decimal, Money, Period, Rate};
use qibao_db::ids::{MaterialId, UnitId};
use qibao_db::review::{PageReq, ReviewTask};
use qibao_db::stabilisation::{self as store, Application, NewApplication};
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db, orders as orders_db};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, Month, PrimitiveDateTime};

use crate::actor::{Actor, AsActor};
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::review::{MaterialDto, PageInfo, ReviewKind, Submission, TimelineEntry};
use crate::tx::{read_transaction, transaction, transaction_with_retry};

/// One month of the base year's unemployment insurance.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StabilisationMonth {
    pub period: Period,
    /// Persons assessed for unemployment insurance.
    pub persons: i64,
    /// Lines still unpaid (pending or billed).
    pub unpaid_lines: i64,
    /// Paid and not refunded, the unit's and the employees' parts.
    pub paid: Money,
    pub paid_in_full: bool,
}

/// The stops of the base year by end reason.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopCounts {
    /// With an involuntary reason (dismissal, not renewed, closure,
    /// forced resignation): what the layoff rate counts.
    pub non_voluntary: i32,
    /// Resignation and other reasons of the person's own.
    pub voluntary: i32,
    /// Stops that gave no end reason: not counted; the reviewer sees them.
    pub without_reason: i32,
}

/// Whether a unit qualifies for year Y, with every figure and threshold.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StabilisationAssessment {
    /// The year applied for (Y).
    pub year: i32,
    /// The year the figures are of (Y-1).
    pub base_year: i32,
    /// `large` or `small_medium`.
    #[cfg_attr(feature = "openapi", schema(example = "small_medium"))]
    pub size_class: String,
    pub size_class_label: &'static str,
    pub months: Vec<StabilisationMonth>,
    /// Months of Y-1 whose unemployment contributions are paid in full (12
    /// needed).
    pub months_paid: i32,
    /// Owed today for months before the current one, any insurance.
    pub arrears: Money,
    /// The months owed.
    pub arrears_periods: Vec<Period>,
    /// Average insured headcount of Y-1, 2 decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.00"))]
    pub average_headcount: Decimal,
    pub stops: StopCounts,
    /// Non-voluntary stops ÷ average headcount, 4 decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.0833"))]
    pub layoff_rate: Decimal,
    /// The threshold that applies: 5.5%, or 20% for a unit of ≤ 30 insured.
    pub threshold: Rate,
    /// Which threshold and why.
    pub threshold_basis: String,
    pub layoff_threshold: Rate,
    pub small_unit_threshold: Rate,
    pub small_unit_headcount: i32,
    /// Paid for Y-1: the unit's part, the employees', and both.
    pub paid_unit_part: Money,
    pub paid_individual_part: Money,
    pub paid_total: Money,
    /// The share refunded for the size class.
    pub share: Rate,
    pub refund: Money,
    pub refund_in_capitals: String,
    /// 实缴失业保险费 × 返还比例.
    pub refund_formula: String,
    pub qualifies: bool,
    /// Each unmet condition, in Chinese.
    pub reasons: Vec<String>,
    pub source: Source,
    /// The unit's live application for the year, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub application_id: Option<i64>,
}

/// An application with its figures, account, decision and payout.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StabilisationRefundDto {
    pub id: i64,
    pub business_item_id: i64,
    pub unit_no: String,
    pub unit_name: String,
    pub year: i32,
    pub amount: Money,
    pub amount_in_capitals: String,
    /// `pending_review`, `approved`, `rejected` or `paid_out`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(value_type = StabilisationAssessment))]
    pub assessment: Value,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub paid_out_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub payout_reference: Option<String>,
    pub materials: Vec<MaterialDto>,
    pub applied_by: String,
    pub applied_at: String,
    pub timeline: Vec<TimelineEntry>,
}

/// A page of applications, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StabilisationRefundPage {
    pub items: Vec<StabilisationRefundDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn year_first(year: i32) -> Result<Date, AppError> {
    Date::from_calendar_date(year, Month::January, 1).map_err(|e| corrupt("year", e))
}

fn year_last(year: i32) -> Result<Date, AppError> {
    Date::from_calendar_date(year, Month::December, 31).map_err(|e| corrupt("year", e))
}

/// The assessment of the unit for `year`, in the caller's transaction.
fn assess(
    c: &mut DbConn,
    unit_id: UnitId,
    year: i32,
    today: Date,
) -> Result<StabilisationAssessment, AppError> {
    if year > today.year() {
        return Err(AppError::invalid_field(
            "year",
            format!("稳岗返还按上年度情况申请，{year}年度尚不能申请。"),
        ));
    }
    let params = store::year_params(c, year)?.ok_or_else(|| {
        AppError::new(ErrorCode::PolicyNotInForce).with_detail(format!(
            "{year}年度的稳岗返还政策参数（裁员率控制标准、返还比例）尚未公布，暂不能申请。"
        ))
    })?;
    let unit = emp_db::get_unit(c, unit_id)?;
    let size = SizeClass::parse(&unit.size_class)
        .ok_or_else(|| corrupt("unit size class", &unit.size_class))?;
    let base = year - 1;
    let rows = store::unemployment_months(
        c,
        unit_id,
        Insurance::Unemployment.code(),
        base * 100 + 1,
        base * 100 + 12,
    )?;
    let mut months = Vec::with_capacity(rows.len());
    let (mut paid_unit, mut paid_individual, mut persons_total) = (Money::ZERO, Money::ZERO, 0i64);
    for r in &rows {
        let paid = Money::from_fen(r.paid_unit_fen + r.paid_individual_fen);
        paid_unit += Money::from_fen(r.paid_unit_fen);
        paid_individual += Money::from_fen(r.paid_individual_fen);
        persons_total += r.persons;
        months.push(StabilisationMonth {
            period: Period::from_yyyymm(r.period).map_err(|e| corrupt("period", e))?,
            persons: r.persons,
            unpaid_lines: r.unpaid_lines,
            paid,
            paid_in_full: r.persons > 0 && r.unpaid_lines == 0,
        });
    }
    let months_paid =
        i32::try_from(months.iter().filter(|m| m.paid_in_full).count()).unwrap_or(i32::MAX);
    let current = Period::of(today);
    let owed: Vec<_> = orders_db::arrears_by_period(c, unit_id, today)?
        .into_iter()
        .filter(|r| r.period < current)
        .collect();
    let arrears = owed.iter().fold(Money::ZERO, |acc, r| {
        acc + Money::from_fen(r.unit_fen + r.individual_fen)
    });
    let mut stops = StopCounts {
        non_voluntary: 0,
        voluntary: 0,
        without_reason: 0,
    };
    for (reason, n) in store::stops_by_reason(
        c,
        unit_id,
        Insurance::Unemployment.code(),
        year_first(base)?,
        year_last(base)?,
    )? {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        match reason.as_deref().map(EndReason::parse) {
            None => stops.without_reason += n,
            Some(Some(r)) if r.involuntary() => stops.non_voluntary += n,
            Some(Some(_)) => stops.voluntary += n,
            Some(None) => return Err(corrupt("relation end reason", reason.unwrap_or_default())),
        }
    }
    let average_headcount = average_headcount(persons_total);
    let p = StabilisationParams {
        layoff_threshold: Rate::from_ppm(params.layoff_threshold_ppm),
        small_unit_threshold: Rate::from_ppm(params.small_unit_threshold_ppm),
        small_unit_headcount: params.small_unit_headcount,
        large_share: Rate::from_ppm(params.large_share_ppm),
        small_medium_share: Rate::from_ppm(params.small_medium_share_ppm),
    };
    let paid_total = paid_unit + paid_individual;
    let v = stabilisation(
        &StabilisationFacts {
            size,
            months_paid,
            arrears,
            average_headcount,
            non_voluntary_stops: stops.non_voluntary,
            unit_paid: paid_total,
        },
        &p,
    );
    let small = average_headcount <= Decimal::from(p.small_unit_headcount);
    let application_id = store::live_of_year(c, unit_id, year)?.map(|a| a.id);
    Ok(StabilisationAssessment {
        year,
        base_year: base,
        size_class: size.code().to_owned(),
        size_class_label: size.label_zh(),
        months,
        months_paid,
        arrears,
        arrears_periods: owed.iter().map(|r| r.period).collect(),
        average_headcount,
        layoff_rate: v.layoff_rate,
        threshold: v.threshold,
        threshold_basis: if small {
            format!(
                "参保职工{}人及以下的单位：裁员率不高于参保职工总数的{}",
                p.small_unit_headcount,
                p.small_unit_threshold.percent_text()
            )
        } else {
            format!(
                "裁员率不高于全国城镇调查失业率控制目标{}",
                p.layoff_threshold.percent_text()
            )
        },
        layoff_threshold: p.layoff_threshold,
        small_unit_threshold: p.small_unit_threshold,
        small_unit_headcount: p.small_unit_headcount,
        stops,
        paid_unit_part: paid_unit,
        paid_individual_part: paid_individual,
        paid_total,
        share: v.share,
        refund: v.refund,
        refund_in_capitals: v.refund.to_capitals(),
        refund_formula: format!(
            "{}年实缴失业保险费 {} × {}（{}）= {}",
            base,
            paid_total,
            v.share.percent_text(),
            size.label_zh(),
            paid_total.times_rate(v.share)
        ),
        qualifies: v.qualifies,
        reasons: v.reasons,
        source: Source {
            document: params.source,
            illustrative: params.illustrative,
        },
        application_id,
    })
}

/// 稳岗返还资格查询: the unit's figures for `year` and the verdict. A read.
pub fn assessment(
    conn: &mut DbConn,
    unit_id: UnitId,
    year: i32,
    today: Date,
) -> Result<StabilisationAssessment, AppError> {
    read_transaction(conn, |c| assess(c, unit_id, year, today))
}

fn dto(c: &mut DbConn, a: &Application) -> Result<StabilisationRefundDto, AppError> {
    let unit = emp_db::get_unit(c, a.unit_id)?;
    let task = qibao_db::review::get_task_by_item(c, a.business_item_id).optional()?;
    let timeline = match task {
        Some(t) => crate::review::timeline(c, t.id)?,
        None => Vec::new(),
    };
    let amount = Money::from_fen(a.amount_fen);
    Ok(StabilisationRefundDto {
        id: a.id,
        business_item_id: a.business_item_id.0,
        unit_no: unit.unit_no,
        unit_name: unit.name,
        year: a.year,
        amount,
        amount_in_capitals: amount.to_capitals(),
        status: a.status.clone(),
        assessment: serde_json::from_str(&a.calculation_json)
            .map_err(|e| corrupt("stabilisation assessment", e))?,
        bank_name: a.bank_name.clone(),
        account_name: a.account_name.clone(),
        account_no: a.account_no.clone(),
        rejection_reason: (a.status == store::REJECTED)
            .then(|| a.decision_note.clone())
            .flatten(),
        decided_at: a.decided_at.map(china_timestamp),
        paid_out_at: a.paid_out_at.map(china_timestamp),
        payout_reference: a.payout_reference.clone(),
        materials: qibao_db::review::materials_of_item(c, a.business_item_id)?
            .into_iter()
            .map(MaterialDto::from)
            .collect(),
        applied_by: a.applied_by.clone(),
        applied_at: china_timestamp(a.created_at),
        timeline,
    })
}

fn exists(year: i32) -> AppError {
    AppError::new(ErrorCode::StabilisationExists).with_detail(format!(
        "本单位{year}年度已申请稳岗返还（审核中、已通过或已发放），每个单位每年只能申请一次。"
    ))
}

/// 稳岗返还申领: submits the unit's application for `year` to review, in
/// one transaction. Refused with the reasons and figures when it does not
/// qualify, when one is live for the year, or without a refund account;
/// nothing is written then.
pub fn apply(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    year: i32,
    material_ids: &[MaterialId],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<StabilisationRefundDto, AppError> {
    if year != today.year() {
        return Err(AppError::invalid_field(
            "year",
            format!(
                "稳岗返还每年按上年度情况申请一次，只能申请{}年度（不能补申请以往年度）。",
                today.year()
            ),
        ));
    }
    transaction_with_retry(conn, |c| {
        let a = assess(c, unit_id, year, today)?;
        if a.application_id.is_some() {
            return Err(exists(year));
        }
        if !a.qualifies {
            let detail = format!("本单位不符合{year}年度稳岗返还条件：{}", a.reasons.join(""));
            return Err(AppError::new(ErrorCode::StabilisationRefused)
                .with_detail(detail.clone())
                .with_errors(vec![FieldError::new("year", detail)]));
        }
        let account = qibao_db::units::active_bank_account(c, unit_id, "refund")?.ok_or_else(|| {
            AppError::new(ErrorCode::NoRefundAccount).with_detail(
                "本单位尚未登记退收银行账户，稳岗返还无法发放：请先由单位法人在“银行账户”中登记退收银行账户（户名须为本单位名称），再申请。",
            )
        })?;
        let calc = serde_json::to_value(&a).map_err(AppError::internal_cause)?;
        let summary = json!({
            "year": year, "refund": a.refund, "share": a.share, "paid_total": a.paid_total,
            "months_paid": a.months_paid, "arrears": a.arrears,
            "average_headcount": a.average_headcount, "layoff_rate": a.layoff_rate,
            "threshold": a.threshold, "non_voluntary_stops": a.stops.non_voluntary,
            "stops_without_reason": a.stops.without_reason, "size_class": a.size_class,
            "bank_name": account.bank_name, "account_name": account.account_name,
            "account_no": account.account_number,
        });
        let (item, _) = crate::review::submit(
            c,
            who,
            Submission {
                unit_id,
                kind: crate::review::kind_info(&STABILISATION_REFUND),
                payload: summary.clone(),
                material_ids,
                before: None,
                after: Some(summary),
            },
            now,
        )?;
        let row = store::insert(
            c,
            &NewApplication {
                unit_id,
                year,
                business_item_id: item.id,
                amount_fen: a.refund.fen(),
                status: store::PENDING_REVIEW.to_owned(),
                calculation_json: calc.to_string(),
                bank_name: account.bank_name,
                account_name: account.account_name,
                account_no: account.account_number,
                applied_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == store::ONE_PER_YEAR_KEY => {
                exists(year)
            }
            other => other.into(),
        })?;
        dto(c, &row)
    })
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::StabilisationNotFound)
}

/// One application: the unit's own (`unit_id`), or any (staff, `None`).
pub fn get(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    id: i64,
) -> Result<StabilisationRefundDto, AppError> {
    read_transaction(conn, |c| {
        let a = store::get(c, id, unit_id)?.ok_or_else(not_found)?;
        dto(c, &a)
    })
}

/// A page of applications, newest first: the unit's own, or every unit's
/// with a status when given (staff).
pub fn list(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    status: Option<&str>,
    page: PageReq,
) -> Result<StabilisationRefundPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) = store::page(c, unit_id, status, page.offset(), page.page_size)?;
        let items = rows.iter().map(|a| dto(c, a)).collect::<Result<_, _>>()?;
        Ok(StabilisationRefundPage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// Finance records the payout of an approved application with the bank
/// transfer's reference, once (a conditional update decides).
pub fn pay_out(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    id: i64,
    reference: &str,
    now: PrimitiveDateTime,
) -> Result<StabilisationRefundDto, AppError> {
    transaction(conn, |c| {
        let a = store::get(c, id, None)?.ok_or_else(not_found)?;
        if !store::set_paid_out(c, a.id, &who.as_actor().name, reference, now)? {
            let detail = match a.status.as_str() {
                store::PAID_OUT => format!("{}年度稳岗返还已发放，不能重复支付。", a.year),
                store::REJECTED => format!("{}年度稳岗返还申请审核不通过，不能支付。", a.year),
                _ => format!("{}年度稳岗返还申请尚未审核通过，不能支付。", a.year),
            };
            return Err(AppError::new(ErrorCode::StabilisationNotApproved).with_detail(detail));
        }
        qibao_db::review::set_business_item_status(
            c,
            a.business_item_id,
            crate::refunds::ITEM_PAID_OUT,
            None,
            now,
        )?;
        let a = store::get(c, id, None)?.ok_or_else(not_found)?;
        dto(c, &a)
    })
}

/// Staff record a unit's size class (R-STAB-1), audited; answers the
/// unit's information.
pub fn set_size_class(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    unit_no: &str,
    size: SizeClass,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<crate::units::info::UnitInfo, AppError> {
    transaction(conn, |c| {
        let unit = match qibao_db::repo::get_unit_by_no(c, unit_no.trim()) {
            Ok(u) => u,
            Err(DbError::NotFound) => return Err(crate::units::unit_not_found()),
            Err(e) => return Err(e.into()),
        };
        store::set_size_class(c, unit.id, size.code(), now)?;
        crate::items::record(
            c,
            who,
            crate::items::ItemRecord {
                unit_id: Some(unit.id),
                kind: BusinessItemKind::UnitSizeClassChange,
                status: "done",
                before: Some(json!({ "size_class": unit.size_class })),
                after: Some(json!({ "size_class": size.code() })),
            },
            now,
        )?;
        crate::units::info::load(c, unit.id, today)
    })
}

/// The registered review kind.
pub struct StabilisationReview;

pub static STABILISATION_REFUND: StabilisationReview = StabilisationReview;

fn decide(
    c: &mut DbConn,
    task: &ReviewTask,
    status: &str,
    reviewer: &dyn AsActor,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let a = store::by_item(c, task.business_item_id)?.ok_or_else(|| {
        AppError::internal_cause(format_args!("task {} has no stabilisation refund", task.id))
    })?;
    if !store::decide(c, a.id, status, &reviewer.as_actor().name, note, now)? {
        return Err(
            AppError::new(ErrorCode::TaskState).with_detail("稳岗返还申请当前状态不能审核。")
        );
    }
    Ok(())
}

impl ReviewKind for StabilisationReview {
    fn code(&self) -> &'static str {
        BusinessItemKind::StabilisationRefund.code()
    }

    fn label_zh(&self) -> &'static str {
        BusinessItemKind::StabilisationRefund.label_zh()
    }

    fn required_role(&self) -> &'static str {
        "reviewer"
    }

    fn apply_approval(
        &self,
        c: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        decide(c, task, store::APPROVED, reviewer, None, now)
    }

    fn on_rejection(
        &self,
        c: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        decide(
            c,
            task,
            store::REJECTED,
            reviewer,
            task.reason.as_deref(),
            now,
        )
    }
}

// ---------------------------------------------------------------- parameters

/// 稳岗返还 parameters of a year (R-STAB-1, R-POL-4): staff-maintained.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StabilisationYearDto {
    /// The year applied for (its figures are Y-1's).
    #[cfg_attr(feature = "openapi", schema(example = 2027))]
    pub year: i32,
    /// The national surveyed-unemployment target ("0.055" = 5.5%).
    pub layoff_threshold: Rate,
    /// The layoff rate allowed units of ≤ `small_unit_headcount` insured.
    pub small_unit_threshold: Rate,
    #[cfg_attr(feature = "openapi", schema(example = 30))]
    pub small_unit_headcount: i32,
    /// Of the unit's paid contributions, for a large unit ("0.3").
    pub large_share: Rate,
    /// For a small or medium enterprise ("0.6").
    pub small_medium_share: Rate,
    pub source: Source,
}

/// Every year's parameters, oldest first.
pub fn year_parameters(conn: &mut DbConn) -> Result<Vec<StabilisationYearDto>, AppError> {
    read_transaction(conn, |c| {
        Ok(store::all_year_params(c)?
            .into_iter()
            .map(|p| StabilisationYearDto {
                year: p.year,
                layoff_threshold: Rate::from_ppm(p.layoff_threshold_ppm),
                small_unit_threshold: Rate::from_ppm(p.small_unit_threshold_ppm),
                small_unit_headcount: p.small_unit_headcount,
                large_share: Rate::from_ppm(p.large_share_ppm),
                small_medium_share: Rate::from_ppm(p.small_medium_share_ppm),
                source: Source {
                    document: p.source,
                    illustrative: p.illustrative,
                },
            })
            .collect())
    })
}

/// Adds a year's parameters, audited as a policy change; a year that has
/// them is 422 `POLICY_OVERLAP`. Applications decided before keep their
/// figures.
pub fn add_year_parameters(
    conn: &mut DbConn,
    who: &Actor,
    p: StabilisationYearDto,
    now: PrimitiveDateTime,
) -> Result<crate::policy::admin::PolicyChangeDto, AppError> {
    let overlap = format!("{}年度的稳岗返还政策参数已存在，不能重复设置。", p.year);
    let added = json!(p);
    crate::policy::admin::add_audited(
        conn,
        who,
        "stabilisation_year",
        None,
        added,
        &overlap,
        now,
        |c| {
            store::insert_year_params(
                c,
                &store::NewYearParams {
                    year: p.year,
                    layoff_threshold_ppm: p.layoff_threshold.ppm(),
                    small_unit_threshold_ppm: p.small_unit_threshold.ppm(),
                    small_unit_headcount: p.small_unit_headcount,
                    large_share_ppm: p.large_share.ppm(),
                    small_medium_share_ppm: p.small_medium_share.ppm(),
                    source: p.source.document.clone(),
                    illustrative: p.source.illustrative,
                    created_at: now,
                },
            )
        },
    )
}

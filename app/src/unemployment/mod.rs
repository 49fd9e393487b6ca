//! 失业保险金申领（单位） (issue 16, part; R-UNEMP-1, 2): the unit submits
//! the unemployment benefit claim of a former employee whose unemployment
//! insurance it has stopped, with the reason the employment ended, the
//! unemployment registration and the termination certificate (终止或解除劳动
//! 合同证明) as a material; a reviewer decides it.
//!
//! The facts come from the data: the months of unemployment insurance paid
//! at every unit (paid, not refunded) since the person's previous approved
//! claim (缴费时间重新计算), the months of that claim not drawn (it is
//! drawn month by month until the person pays again), and whether the
//! person is employed again (an active relation anywhere). The rules are
//! `qibao_core::unemployment`'s; a refusal names the reason and the
//! figures, and writes nothing. The claim lists its months and amounts.
//!
//! Decisions where DOMAIN.md is silent: the employment's end is the stop
//! date of the unit's unemployment relation; the benefit starts the month
//! after it, or the registration month if later; the parameters are the
//! unit's region's in force for the first benefit month's year.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::insurance::Insurance;
use qibao_core::unemployment::{
    BenefitParams, ClaimFacts, EndReason, claim, drawn_months, first_benefit_month,
};
use qibao_core::{Money, Period, Rate};
use qibao_db::ids::{MaterialId, UnitId};
use qibao_db::review::{PageReq, ReviewTask};
use qibao_db::rows::Person;
use qibao_db::unemployment::{self as store, Claim, NewClaim};
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use crate::actor::{Actor, AsActor};
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::persons::{same_person_ids, unit_person};
use crate::review::{MaterialDto, PageInfo, ReviewKind, Submission, TimelineEntry};
use crate::tx::{read_transaction, transaction_with_retry};

pub mod stabilisation;
pub mod termination;

/// The end reasons a claim may give (the involuntary ones).
pub const CLAIM_REASONS: [&str; 4] = [
    "dismissal",
    "not_renewed",
    "unit_closed",
    "forced_resignation",
];

/// The claim as the API parsed it.
#[derive(Debug, Clone)]
pub struct ClaimInput {
    pub person_no: String,
    /// The reason the employment ended; `None` takes the one the unit gave
    /// when it stopped the insurance (停保), which a stated one must match.
    pub end_reason: Option<EndReason>,
    /// The day the person registered as unemployed (失业登记).
    pub registered_on: Option<Date>,
    /// The termination certificate and other materials (at least one).
    pub material_ids: Vec<MaterialId>,
}

/// One month of benefit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BenefitMonth {
    pub month: Period,
    pub amount: Money,
}

/// How the claim was computed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimCalculation {
    /// Months of unemployment insurance paid since the previous claim.
    pub paid_months: i32,
    /// Months granted by those years (12, 18 or 24).
    pub months_by_years: i32,
    /// Months of the previous claim not drawn, carried (at most 24 in all).
    pub carried_months: i32,
    pub months: i32,
    pub minimum_wage: Money,
    pub percentage: Rate,
    pub subsistence: Money,
    pub monthly: Money,
    /// 最低工资标准 × 比例, not below 低保标准.
    pub monthly_formula: String,
    pub total: Money,
    pub total_in_capitals: String,
    /// The parameters' region, year and source.
    pub region: String,
    pub parameters_from_year: i32,
    pub source: String,
    pub illustrative: bool,
}

/// A claim with its months, amounts and steps.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnemploymentClaimDto {
    pub id: i64,
    pub business_item_id: i64,
    pub unit_no: String,
    pub unit_name: String,
    pub person_no: String,
    pub name: String,
    /// `dismissal`, `not_renewed`, `unit_closed` or `forced_resignation`.
    #[cfg_attr(feature = "openapi", schema(example = "dismissal"))]
    pub end_reason: String,
    pub end_reason_label: &'static str,
    pub end_date: Date,
    pub registered_on: Date,
    /// `pending_review`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(value_type = ClaimCalculation))]
    pub calculation: Value,
    /// Each month of benefit with its amount.
    pub schedule: Vec<BenefitMonth>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    pub applied_by: String,
    pub applied_at: String,
    pub timeline: Vec<TimelineEntry>,
}

/// A page of the unit's claims, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnemploymentClaimPage {
    pub items: Vec<UnemploymentClaimDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn period(v: i32) -> Result<Period, AppError> {
    Period::from_yyyymm(v).map_err(|e| corrupt("claim period", e))
}

fn dto(c: &mut DbConn, a: &Claim) -> Result<UnemploymentClaimDto, AppError> {
    let person = emp_db::get_persons(c, &[a.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("claim person", a.person_id))?;
    let reason =
        EndReason::parse(&a.end_reason).ok_or_else(|| corrupt("end reason", &a.end_reason))?;
    let first = period(a.first_period)?;
    let monthly = Money::from_fen(a.monthly_fen);
    let task = qibao_db::review::get_task_by_item(c, a.business_item_id).optional()?;
    let timeline = match task {
        Some(t) => crate::review::timeline(c, t.id)?,
        None => Vec::new(),
    };
    let unit = emp_db::get_unit(c, a.unit_id)?;
    Ok(UnemploymentClaimDto {
        id: a.id,
        business_item_id: a.business_item_id.0,
        unit_no: unit.unit_no,
        unit_name: unit.name,
        person_no: person.person_no,
        name: person.name,
        end_reason: a.end_reason.clone(),
        end_reason_label: reason.label_zh(),
        end_date: a.end_date,
        registered_on: a.registered_on,
        status: a.status.clone(),
        calculation: serde_json::from_str(&a.calculation_json)
            .map_err(|e| corrupt("claim calculation", e))?,
        schedule: (0..a.months)
            .map(|i| BenefitMonth {
                month: first.add_months(i),
                amount: monthly,
            })
            .collect(),
        rejection_reason: (a.status == store::REJECTED)
            .then(|| a.decision_note.clone())
            .flatten(),
        materials: qibao_db::review::materials_of_item(c, a.business_item_id)?
            .into_iter()
            .map(MaterialDto::from)
            .collect(),
        applied_by: a.applied_by.clone(),
        applied_at: china_timestamp(a.created_at),
        timeline,
    })
}

fn refused(message: String, field: &str) -> AppError {
    AppError::new(ErrorCode::UnemploymentClaimRefused)
        .with_detail(message.clone())
        .with_errors(vec![FieldError::new(field, message)])
}

/// A claim's figures as computed.
struct Computed {
    reason: EndReason,
    end_date: Date,
    registered_on: Date,
    first: Period,
    calc: ClaimCalculation,
    months: i32,
    monthly: Money,
}

/// The reason a claim rests on: the one given at the stop, or the claim's
/// own when the stop gave none; the two must agree.
fn claim_reason(recorded: Option<&str>, stated: Option<EndReason>) -> Result<EndReason, AppError> {
    let recorded = recorded
        .map(|r| EndReason::parse(r).ok_or_else(|| corrupt("relation end reason", r)))
        .transpose()?;
    match (recorded, stated) {
        (Some(r), Some(s)) if r != s => Err(refused(
            format!(
                "申领填写的劳动合同终止（解除）原因“{}”与停保时登记的“{}”不一致。",
                s.label_zh(),
                r.label_zh()
            ),
            "end_reason",
        )),
        (Some(r), _) | (None, Some(r)) => Ok(r),
        (None, None) => Err(AppError::invalid_field(
            "end_reason",
            "停保时未登记劳动合同终止（解除）原因，请在申领时填写。",
        )),
    }
}

/// The claim's figures for the person, from the data; refusals as 422.
fn compute(
    c: &mut DbConn,
    unit_id: UnitId,
    person: &Person,
    input: &ClaimInput,
    today: Date,
) -> Result<Computed, AppError> {
    let same = same_person_ids(c, person)?;
    let relations = emp_db::employments_of_persons(c, &same)?;
    let here = relations
        .iter()
        .filter(|e| e.unit_id == unit_id && e.insurance == Insurance::Unemployment)
        .max_by_key(|e| e.id)
        .ok_or_else(|| {
            AppError::new(ErrorCode::PersonNotActive)
                .with_detail("该人员没有在本单位参加失业保险，不能由本单位申领失业保险金。")
        })?;
    let end_date = match (here.status.as_str(), here.stop_date) {
        (s, Some(d)) if s != qibao_db::repo::ACTIVE => d,
        _ => return Err(AppError::new(ErrorCode::UnemploymentStillInsured)),
    };
    let reason = claim_reason(here.end_reason.as_deref(), input.end_reason)?;
    let Some(registered_on) = input.registered_on else {
        return Err(refused(
            qibao_core::unemployment::ClaimRefusal::NotRegistered.to_string(),
            "registered_on",
        ));
    };
    if registered_on < end_date || registered_on > today {
        return Err(AppError::invalid_field(
            "registered_on",
            "失业登记日期应在劳动合同终止（解除）之日以后、今天以前。",
        ));
    }
    let employed_again = relations.iter().any(|e| e.status == qibao_db::repo::ACTIVE);
    let paid: Vec<Period> = store::paid_months(
        c,
        &same,
        None,
        Insurance::Unemployment.code(),
        qibao_db::assessments::PAID,
    )?
    .into_iter()
    .map(period)
    .collect::<Result<_, _>>()?;
    let previous = store::approved_claims(c, &same)?.pop();
    let (since, unused) = match &previous {
        None => (None, 0),
        Some(p) => {
            let prev_end = Period::of(p.end_date);
            let first = period(p.first_period)?;
            let reemployed = paid.iter().copied().find(|m| *m > prev_end);
            let drawn = drawn_months(p.months, first, reemployed, Period::of(today));
            (Some(prev_end), p.months - drawn)
        }
    };
    let end = Period::of(end_date);
    let paid_months = i32::try_from(
        paid.iter()
            .filter(|m| since.is_none_or(|s| **m > s) && **m <= end)
            .count(),
    )
    .unwrap_or(i32::MAX);
    let first = first_benefit_month(end, Period::of(registered_on));
    let unit = emp_db::get_unit(c, unit_id)?;
    let row = store::benefit_params(c, &unit.region_code, first.year())?.ok_or_else(|| {
        AppError::new(ErrorCode::PolicyNotInForce).with_detail(format!(
            "参保地{}缺少{}年的失业保险金标准（最低工资标准、计发比例、低保标准），请联系经办机构。",
            unit.region_code,
            first.year()
        ))
    })?;
    let params = BenefitParams {
        minimum_wage: Money::from_fen(row.minimum_wage_fen),
        percentage: Rate::from_ppm(row.percentage_ppm),
        subsistence: Money::from_fen(row.subsistence_fen),
    };
    let facts = ClaimFacts {
        reason,
        paid_months,
        unused_months: unused,
        registered: true,
        employed_again,
    };
    let e = claim(&facts, &params).map_err(|r| {
        let field = match r {
            qibao_core::unemployment::ClaimRefusal::Voluntary { .. } => "end_reason",
            _ => "person_no",
        };
        refused(r.to_string(), field)
    })?;
    let calc = ClaimCalculation {
        paid_months,
        months_by_years: e.by_years,
        carried_months: e.carried,
        months: e.months,
        minimum_wage: params.minimum_wage,
        percentage: params.percentage,
        subsistence: params.subsistence,
        monthly: e.monthly,
        monthly_formula: format!(
            "最低工资标准 {} × {} = {}（不低于城市居民最低生活保障标准 {}）",
            params.minimum_wage,
            params.percentage.percent_text(),
            params.minimum_wage.times_rate(params.percentage),
            params.subsistence
        ),
        total: e.total,
        total_in_capitals: e.total.to_capitals(),
        region: unit.region_code.clone(),
        parameters_from_year: row.from_year,
        source: row.source,
        illustrative: row.illustrative,
    };
    Ok(Computed {
        reason,
        end_date,
        registered_on,
        first,
        calc,
        months: e.months,
        monthly: e.monthly,
    })
}

/// Submits the claim in one transaction; refused with nothing written.
pub fn apply(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &ClaimInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnemploymentClaimDto, AppError> {
    if input.material_ids.is_empty() {
        return Err(AppError::new(ErrorCode::MaterialRequired)
            .with_detail("申领失业保险金须上传终止或解除劳动合同证明。")
            .with_errors(vec![FieldError::new(
                "material_ids",
                "请至少提供一份材料。",
            )]));
    }
    transaction_with_retry(conn, |c| {
        let (person, _) = unit_person(c, unit_id, &input.person_no)?;
        let Computed {
            reason,
            end_date,
            registered_on,
            first,
            calc,
            months,
            monthly,
        } = compute(c, unit_id, &person, input, today)?;
        let summary = json!({
            "person_no": person.person_no, "name": person.name,
            "end_reason": reason.code(), "end_date": end_date.to_string(),
            "months": months, "monthly": monthly, "total": calc.total,
            "paid_months": calc.paid_months,
        });
        let (item, _) = crate::review::submit(
            c,
            who,
            Submission {
                unit_id,
                kind: crate::review::kind_info(&UNEMPLOYMENT_CLAIM),
                payload: summary.clone(),
                material_ids: &input.material_ids,
                before: None,
                after: Some(summary),
            },
            now,
        )?;
        let row = store::insert_claim(
            c,
            &NewClaim {
                unit_id,
                person_id: person.id,
                business_item_id: item.id,
                end_reason: reason.code().to_owned(),
                end_date,
                registered_on,
                first_period: first.yyyymm(),
                months,
                monthly_fen: monthly.fen(),
                total_fen: calc.total.fen(),
                status: store::PENDING_REVIEW.to_owned(),
                calculation_json: serde_json::to_string(&calc).map_err(AppError::internal_cause)?,
                applied_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == store::ONE_PENDING_KEY => {
                AppError::new(ErrorCode::UnemploymentClaimPending)
            }
            other => other.into(),
        })?;
        dto(c, &row)
    })
}

/// One claim: the unit's own, or any (staff, `None`).
pub fn get(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    id: i64,
) -> Result<UnemploymentClaimDto, AppError> {
    read_transaction(conn, |c| {
        let a = store::claim_of_unit(c, unit_id, id)?
            .ok_or_else(|| AppError::new(ErrorCode::UnemploymentClaimNotFound))?;
        dto(c, &a)
    })
}

/// A page of claims, newest first: the unit's own, or every unit's with a
/// status when given (staff).
pub fn list(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    status: Option<&str>,
    page: PageReq,
) -> Result<UnemploymentClaimPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) = store::claims_page(c, unit_id, status, page.offset(), page.page_size)?;
        let items = rows.iter().map(|a| dto(c, a)).collect::<Result<_, _>>()?;
        Ok(UnemploymentClaimPage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// The registered review kind.
pub struct UnemploymentClaimReview;

pub static UNEMPLOYMENT_CLAIM: UnemploymentClaimReview = UnemploymentClaimReview;

fn claim_of_task(c: &mut DbConn, task: &ReviewTask) -> Result<Claim, AppError> {
    store::claim_by_item(c, task.business_item_id)?.ok_or_else(|| {
        AppError::internal_cause(format_args!("claim task {} has no claim", task.id))
    })
}

fn decide(
    c: &mut DbConn,
    task: &ReviewTask,
    status: &str,
    reviewer: &dyn AsActor,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let a = claim_of_task(c, task)?;
    if !store::decide(c, a.id, status, &reviewer.as_actor().name, note, now)? {
        return Err(
            AppError::new(ErrorCode::TaskState).with_detail("失业保险金申领当前状态不能审核。")
        );
    }
    Ok(())
}

impl ReviewKind for UnemploymentClaimReview {
    fn code(&self) -> &'static str {
        BusinessItemKind::UnemploymentClaim.code()
    }

    fn label_zh(&self) -> &'static str {
        BusinessItemKind::UnemploymentClaim.label_zh()
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

/// The unemployment benefit's parameters of a region from a year
/// (R-UNEMP-2), as staff maintain them (R-POL-4).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BenefitParamsDto {
    #[cfg_attr(feature = "openapi", schema(example = "420500"))]
    pub region: String,
    #[cfg_attr(feature = "openapi", schema(example = 2025))]
    pub from_year: i32,
    /// 最低工资标准, yuan per month.
    pub minimum_wage: Money,
    /// The share of it paid ("0.9" = 90%).
    pub percentage: Rate,
    /// 城市居民最低生活保障标准, yuan per month: the floor.
    pub subsistence: Money,
    pub source: qibao_core::policy::Source,
}

/// Every region's parameters, by region and year.
pub fn parameters(conn: &mut DbConn) -> Result<Vec<BenefitParamsDto>, AppError> {
    read_transaction(conn, |c| {
        Ok(store::all_benefit_params(c)?
            .into_iter()
            .map(|r| BenefitParamsDto {
                region: r.region_code,
                from_year: r.from_year,
                minimum_wage: Money::from_fen(r.minimum_wage_fen),
                percentage: Rate::from_ppm(r.percentage_ppm),
                subsistence: Money::from_fen(r.subsistence_fen),
                source: qibao_core::policy::Source {
                    document: r.source,
                    illustrative: r.illustrative,
                },
            })
            .collect())
    })
}

/// Adds a region's parameters from a year, audited; a year that has them
/// is 422 `POLICY_OVERLAP`, an unknown region 404 `REGION_NOT_FOUND`.
/// Claims decided before keep their figures.
pub fn add_parameters(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    p: BenefitParamsDto,
    now: PrimitiveDateTime,
) -> Result<crate::policy::admin::PolicyChangeDto, AppError> {
    let overlap = format!(
        "参保地{}自{}年起的失业保险金标准已存在，不能重复设置。",
        p.region, p.from_year
    );
    let added = json!(p);
    crate::policy::admin::add_audited(
        conn,
        who,
        "unemployment_benefits",
        Some(&p.region),
        added,
        &overlap,
        now,
        |c| {
            store::insert_benefit_params(
                c,
                &store::BenefitParamsRow {
                    region_code: p.region.clone(),
                    from_year: p.from_year,
                    minimum_wage_fen: p.minimum_wage.fen(),
                    percentage_ppm: p.percentage.ppm(),
                    subsistence_fen: p.subsistence.fen(),
                    source: p.source.document.clone(),
                    illustrative: p.source.illustrative,
                    created_at: now,
                },
            )
        },
    )
}

//! 单位社会保险缴费申报: the monthly declaration of the current month
//! (R-DECL-1…3, 7), and 单位补缴申报: unit back-pay of undeclared months
//! within the online window (R-BACK-1). Declaring creates one pending line
//! per active, accountable person × insured insurance at the period's own
//! parameters, written set-based ([`qibao_db::bulk`]), lists the
//! non-accountable persons with the reason (R-EMP-7) and advances the
//! unit's latest accounted period (最大做账期号).
//!
//! Months beyond the online window are applied for one employee at a time
//! and decided by a reviewer ([`back_pay`]: R-BACK-2, 3); the months a unit
//! confirmed it defers are repaid by a date ([`deferrals`]: R-BACK-5).

pub mod back_pay;
pub mod deferrals;

use qibao_core::business_item::BusinessItemKind;
use std::collections::{BTreeSet, HashMap, HashSet};

use qibao_core::contribution::assess_one;
use qibao_core::declaration::{check_back_pay_period, check_current_period};
use qibao_core::employment::{PersonStatus, accountability};
use qibao_core::insurance::Insurance;
use qibao_core::rules::{DeclarationError, check_declaration};
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::{self as lines_db, NewAssessment};
use qibao_db::declarations::{self as decl_db, Declaration, NewDeclaration};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::{DbConn, DbError, employees as emp_db, repo};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::Actor;
use crate::context::UnitContext;
use crate::employees::LineTotals;
use crate::error::{AppError, ErrorCode, corrupt};
use crate::items::{self, ItemRecord};
use crate::wage_base::bases_for;

/// Business item kinds.
pub const KIND_DECLARATION: BusinessItemKind = BusinessItemKind::MonthlyDeclaration;
pub const KIND_BACK_PAY: BusinessItemKind = BusinessItemKind::UnitBackPayDeclaration;

/// What is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclarationKind {
    /// The current month (单位整体核定).
    Regular,
    /// An undeclared earlier month (单位补缴).
    BackPay,
}

impl DeclarationKind {
    fn code(self) -> &'static str {
        match self {
            DeclarationKind::Regular => "regular",
            DeclarationKind::BackPay => "back_pay",
        }
    }
}

/// One person's line in a declaration.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclaredLineDto {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub name: String,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    pub insurance_name: String,
    /// Contribution base (缴费基数, AAE180).
    pub base: Money,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub unit_amount: Money,
    pub individual_amount: Money,
    pub total: Money,
}

/// A person left out of the month (不可做账人员, R-EMP-7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExcludedPersonDto {
    pub person_no: String,
    pub name: String,
    /// Insurance (险种, AAE140).
    pub insurance: String,
    /// retired, prison or bilateral_exemption.
    pub reason_code: String,
    /// The reason (不可做账原因).
    pub reason: String,
}

/// The result of a month's declaration (R-DECL-7: that month's lines only;
/// back-pay lines appear on the order).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationDto {
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// regular (单位整体核定) or back_pay (单位补缴).
    pub kind: String,
    pub declared_by: String,
    /// RFC 3339, China time.
    #[serde(with = "crate::clock::rfc3339")]
    pub declared_at: OffsetDateTime,
    pub persons: usize,
    pub lines: Vec<DeclaredLineDto>,
    /// The month's unit, individual and total amounts (the same shape as an order's totals).
    pub totals: LineTotals,
    pub excluded: Vec<ExcludedPersonDto>,
}

fn statuses_by_person(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<HashMap<PersonId, Vec<PersonStatus>>, AppError> {
    let mut out: HashMap<PersonId, Vec<PersonStatus>> = HashMap::new();
    for chunk in person_ids.chunks(5000) {
        for s in emp_db::list_statuses(conn, chunk)? {
            out.entry(s.person_id).or_default().push(PersonStatus {
                kind: s.kind,
                from: s.from_period,
                to: s.to_period,
            });
        }
    }
    Ok(out)
}

fn persons_by_id(
    conn: &mut DbConn,
    ids: &[PersonId],
) -> Result<HashMap<PersonId, qibao_db::rows::Person>, AppError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(5000) {
        for p in emp_db::get_persons(conn, chunk)? {
            out.insert(p.id, p);
        }
    }
    Ok(out)
}

fn refusal(e: DeclarationError) -> AppError {
    let code = match e {
        DeclarationError::PeriodGap { .. } => ErrorCode::PeriodGap,
        DeclarationError::WageDeclarationMissing { .. } => ErrorCode::WageDeclarationMissing,
        DeclarationError::NotStarted { .. } => ErrorCode::InsuranceNotStarted,
    };
    AppError::new(code).with_detail(e.to_string())
}

/// The declaration's result as stored: the month's lines of its kind.
pub fn result_of(conn: &mut DbConn, d: &Declaration) -> Result<DeclarationDto, AppError> {
    let kinds: &[&str] = if d.kind == "regular" {
        &["regular"]
    } else {
        &["back_pay"]
    };
    let rows = decl_db::live_lines_of_period(conn, d.unit_id, d.period.yyyymm(), kinds)?;
    let mut ids: Vec<PersonId> = rows.iter().map(|r| r.person_id).collect();
    ids.dedup();
    let persons = persons_by_id(conn, &ids)?;
    let mut lines = Vec::with_capacity(rows.len());
    let (mut unit_total, mut individual_total) = (Money::ZERO, Money::ZERO);
    for r in &rows {
        let insurance = r.insurance;
        let p = persons.get(&r.person_id);
        let unit_amount = Money::from_fen(r.unit_fen);
        let individual_amount = Money::from_fen(r.individual_fen);
        unit_total += unit_amount;
        individual_total += individual_amount;
        lines.push(DeclaredLineDto {
            person_no: p.map(|p| p.person_no.clone()).unwrap_or_default(),
            name: p.map(|p| p.name.clone()).unwrap_or_default(),
            insurance,
            insurance_name: insurance.name_zh().to_string(),
            base: Money::from_fen(r.base_fen),
            unit_rate: Rate::from_ppm(r.unit_rate_ppm),
            individual_rate: Rate::from_ppm(r.individual_rate_ppm),
            unit_amount,
            individual_amount,
            total: unit_amount + individual_amount,
        });
    }
    let excluded: Vec<ExcludedPersonDto> =
        serde_json::from_str(&d.excluded_json).map_err(|e| corrupt("excluded persons", e))?;
    Ok(DeclarationDto {
        period: d.period,
        kind: d.kind.clone(),
        declared_by: d.declared_by.clone(),
        declared_at: d.created_at.assume_utc(),
        persons: ids.len(),
        lines,
        totals: LineTotals {
            unit: unit_total,
            individual: individual_total,
            total: unit_total + individual_total,
        },
        excluded,
    })
}

/// Declares `period` for the unit (the current month, or a back-pay month)
/// in the caller's transaction. Declaring a declared month again returns
/// the stored result (idempotent). Returns the declaration and whether it
/// was created now.
pub fn declare_period(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    period: Period,
    kind: DeclarationKind,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<(Declaration, bool), AppError> {
    if let Some(d) = decl_db::find_declaration(conn, unit_id, period.yyyymm())?
        && d.kind == kind.code()
    {
        return Ok((d, false));
    }
    let mut ctx = UnitContext::load(conn, unit_id)?;
    // The unit's registrations that cover the month.
    let regs: Vec<(Insurance, Period, Option<Period>)> = ctx
        .registrations
        .iter()
        .filter(|r| r.status == repo::ACTIVE)
        .map(|r| (r.insurance, r.start_period, r.latest_accounted_period))
        .collect();
    let bases = bases_for(conn, unit_id, period)?;
    match kind {
        DeclarationKind::Regular => {
            check_current_period(period, today).map_err(|e| {
                AppError::new(ErrorCode::NotCurrentPeriod).with_detail(e.to_string())
            })?;
            let covering: Vec<_> = regs.iter().filter(|r| r.1 <= period).collect();
            if covering.is_empty() {
                return Err(AppError::new(ErrorCode::InsuranceNotStarted)
                    .with_detail(format!("单位在{period}没有参保的险种，无需申报")));
            }
            for (_, start, latest) in covering {
                check_declaration(period, *latest, *start, bases.is_some()).map_err(refusal)?;
            }
        }
        DeclarationKind::BackPay => {
            let covering: Vec<_> = regs.iter().filter(|r| r.1 <= period).collect();
            let start = regs.iter().map(|r| r.1).min();
            let Some(start) = start else {
                return Err(AppError::new(ErrorCode::InsuranceNotStarted)
                    .with_detail("单位没有参保的险种，无需补缴"));
            };
            // The unit's latest accounted month: the most behind registration.
            let latest = if covering.iter().any(|r| r.2.is_none()) {
                None
            } else {
                covering.iter().filter_map(|r| r.2).min()
            };
            let window = ctx.params(Period::of(today))?.windows.back_pay_months;
            check_back_pay_period(period, today, window, latest, start)
                .map_err(|e| AppError::new(ErrorCode::BackPayRefused).with_detail(e.to_string()))?;
        }
    }
    let insured: Vec<Insurance> = regs.iter().filter(|r| r.1 <= period).map(|r| r.0).collect();
    let employments: Vec<qibao_db::rows::Employment> = emp_db::employments_of_unit(conn, unit_id)?
        .into_iter()
        .filter(|e| e.status == repo::ACTIVE && Period::of(e.start_date) <= period)
        .collect();
    let person_ids: Vec<PersonId> = employments
        .iter()
        .map(|e| e.person_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let statuses = statuses_by_person(conn, &person_ids)?;
    let existing: HashSet<(PersonId, Insurance)> =
        decl_db::live_lines_of_period(conn, unit_id, period.yyyymm(), &lines_db_kinds())?
            .into_iter()
            .map(|l| (l.person_id, l.insurance))
            .collect();
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: match kind {
                DeclarationKind::Regular => KIND_DECLARATION,
                DeclarationKind::BackPay => KIND_BACK_PAY,
            },
            status: crate::items::DONE,
            before: None,
            after: Some(json!({"period": period, "persons": person_ids.len()})),
        },
        now,
    )?;
    let mut excluded_ids = Vec::new();
    let mut excluded_raw = Vec::new();
    let injury = if insured.contains(&Insurance::WorkInjury) {
        Some(ctx.rating(period)?)
    } else {
        None
    };
    let mut rows = Vec::with_capacity(employments.len());
    for e in &employments {
        let insurance = e.insurance;
        if !insured.contains(&insurance) || existing.contains(&(e.person_id, insurance)) {
            continue;
        }
        let empty = Vec::new();
        let st = statuses.get(&e.person_id).unwrap_or(&empty);
        if let Err(reason) = accountability(st, insurance, period) {
            excluded_ids.push(e.person_id);
            excluded_raw.push((e.person_id, insurance, reason));
            continue;
        }
        // The person's wage of the year's declaration; a person not in it
        // (hired after it) keeps the wage declared at enrolment.
        let declared = bases
            .as_ref()
            .and_then(|b| b.get(&e.person_id).copied())
            .unwrap_or(Money::from_fen(e.monthly_wage_fen));
        let base = ctx.base(period, declared)?.base;
        let line = assess_one(ctx.params(period)?, base, insurance, injury)?;
        rows.push(NewAssessment {
            unit_id,
            person_id: e.person_id,
            employment_id: e.id,
            insurance: insurance.code().to_string(),
            period: period.yyyymm(),
            kind: kind.code().to_string(),
            base_fen: line.base.fen(),
            unit_rate_ppm: line.unit_rate.ppm(),
            individual_rate_ppm: line.individual_rate.ppm(),
            unit_fen: line.unit_amount.fen(),
            individual_fen: line.individual_amount.fen(),
            status: lines_db::PENDING.to_string(),
            source_item_id: Some(item.id),
            created_at: now,
            updated_at: now,
        });
    }
    qibao_db::bulk::insert_assessments(conn, &rows).map_err(retryable)?;
    let names = persons_by_id(conn, &excluded_ids)?;
    let excluded: Vec<ExcludedPersonDto> = excluded_raw
        .into_iter()
        .map(|(pid, ins, reason)| ExcludedPersonDto {
            person_no: names
                .get(&pid)
                .map(|p| p.person_no.clone())
                .unwrap_or_default(),
            name: names.get(&pid).map(|p| p.name.clone()).unwrap_or_default(),
            insurance: ins.code().to_string(),
            reason_code: reason.code().to_string(),
            reason: reason.to_string(),
        })
        .collect();
    decl_db::advance_latest_accounted(conn, unit_id, period.yyyymm())?;
    let d = decl_db::insert_declaration(
        conn,
        &NewDeclaration {
            unit_id,
            period: period.yyyymm(),
            kind: kind.code().to_string(),
            excluded_json: serde_json::to_string(&excluded).map_err(AppError::internal_cause)?,
            declared_by: who.name.clone(),
            created_at: now,
        },
    )
    .map_err(retryable)?;
    Ok((d, true))
}

fn lines_db_kinds() -> [&'static str; 4] {
    [
        "regular",
        "back_pay",
        "labour_contract",
        "injury_only_transfer",
    ]
}

fn retryable(e: DbError) -> AppError {
    crate::tx::conflict_as_retry(e, "该月申报正在被其他请求办理，请稍后刷新后核对。")
}

/// Declares `period` (the current month, or a back-pay month) in one
/// transaction of its own, retried once when a concurrent request wins a
/// race. Returns the result and whether it was declared now (false: the
/// stored result of an earlier declaration).
pub fn declare(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    period: Period,
    kind: DeclarationKind,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<(DeclarationDto, bool), AppError> {
    crate::tx::transaction_with_retry(conn, |c| {
        let (d, created) = declare_period(c, who, unit_id, period, kind, today, now)?;
        Ok((result_of(c, &d)?, created))
    })
}

/// A month's declaration result (R-DECL-7).
pub fn get(conn: &mut DbConn, unit_id: UnitId, period: Period) -> Result<DeclarationDto, AppError> {
    let d = decl_db::find_declaration(conn, unit_id, period.yyyymm())?.ok_or_else(|| {
        AppError::new(ErrorCode::DeclarationNotFound).with_detail(format!("{period}尚未申报"))
    })?;
    result_of(conn, &d)
}

/// One declared month in the unit's list: who declared it and when, and
/// the count and sums of its live lines now (a suspension or revocation
/// since the declaration lowers them).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationSummaryDto {
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// regular (单位整体核定) or back_pay (单位补缴).
    pub kind: String,
    pub declared_by: String,
    /// RFC 3339, China time.
    #[serde(with = "crate::clock::rfc3339")]
    pub declared_at: OffsetDateTime,
    /// Persons with a live line of the month.
    pub persons: i64,
    /// Live lines (one per person and insurance).
    pub lines: i64,
    /// Persons left out of the month (不可做账人员, R-EMP-7).
    pub excluded: usize,
    /// The live lines' unit, individual and total amounts now.
    pub totals: LineTotals,
}

/// A page of the unit's declarations, latest month first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclarationList {
    pub items: Vec<DeclarationSummaryDto>,
    #[serde(flatten)]
    pub page: crate::review::PageInfo,
}

/// The unit's declared months (regular and back-pay), latest first, in one
/// read snapshot.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: qibao_db::review::PageReq,
) -> Result<DeclarationList, AppError> {
    crate::tx::read_transaction(conn, |c| {
        let (rows, total) = decl_db::list_declarations(c, unit_id, page)?;
        let items = rows
            .into_iter()
            .map(|d| {
                let excluded: Vec<ExcludedPersonDto> = serde_json::from_str(&d.excluded_json)
                    .map_err(|e| corrupt("excluded persons", e))?;
                let unit_total = Money::from_fen(d.unit_fen);
                let individual_total = Money::from_fen(d.individual_fen);
                Ok(DeclarationSummaryDto {
                    period: d.period,
                    kind: d.kind,
                    declared_by: d.declared_by,
                    declared_at: d.created_at.assume_utc(),
                    persons: d.persons,
                    lines: d.lines,
                    excluded: excluded.len(),
                    totals: LineTotals {
                        unit: unit_total,
                        individual: individual_total,
                        total: unit_total + individual_total,
                    },
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(DeclarationList {
            items,
            page: crate::review::PageInfo::new(page, total),
        })
    })
}

/// Asks for the declaration of `period` as a background job (a large unit's
/// month; `Prefer: respond-async`): the job declares as [`declare`] does
/// and its result names the declaration. Asking again while it is queued or
/// running answers the same job (`true`: a replay).
pub fn enqueue(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    period: Period,
    kind: DeclarationKind,
    now: PrimitiveDateTime,
) -> Result<(crate::jobs::JobDto, bool), AppError> {
    use qibao_core::job::JobKind;
    let job_kind = match kind {
        DeclarationKind::Regular => JobKind::Declaration,
        DeclarationKind::BackPay => JobKind::BackPayDeclaration,
    };
    crate::tx::transaction(conn, |c| {
        let subject = i64::from(period.yyyymm());
        if let Some(open) = qibao_db::jobs::open_of(c, unit_id, job_kind, subject)? {
            return Ok((crate::jobs::JobDto::of(&open), true));
        }
        let job = qibao_db::jobs::enqueue_for(
            c,
            job_kind,
            Some(unit_id),
            subject,
            1,
            Some((&who.name, who.channel.as_str())),
            None,
            now,
        )?;
        Ok((crate::jobs::JobDto::of(&job), false))
    })
}

/// The declaration job: declares in one transaction with the job's end
/// (once more after a concurrent change); a refusal (a gap of months, no
/// wage-base declaration…) fails the job with its code and detail.
pub(crate) fn run_job(
    conn: &mut DbConn,
    job: &qibao_db::jobs::Job,
    node: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<qibao_core::job::JobState, AppError> {
    use qibao_core::job::{JobKind, JobState};
    let kind = match job.kind {
        JobKind::BackPayDeclaration => DeclarationKind::BackPay,
        _ => DeclarationKind::Regular,
    };
    let period = i32::try_from(job.subject_id)
        .ok()
        .and_then(|p| Period::from_yyyymm(p).ok())
        .ok_or_else(|| crate::error::corrupt("jobs.subject_id", job.subject_id))?;
    let unit_id = job
        .unit_id
        .ok_or_else(|| crate::error::corrupt("jobs.unit_id", "none"))?;
    let who = Actor {
        name: job.actor.clone().unwrap_or_default(),
        channel: job
            .channel
            .as_deref()
            .and_then(crate::actor::Channel::parse)
            .unwrap_or(crate::actor::Channel::Portal),
    };
    crate::tx::transaction_with_retry(conn, |c| {
        let (d, created) = declare_period(c, &who, unit_id, period, kind, today, now)?;
        let dto = result_of(c, &d)?;
        let result = serde_json::json!({
            "period": period,
            "declared_now": created,
            "declaration": format!("/api/v1/portal/declarations/{period}"),
            "persons": dto.persons,
            "lines": dto.lines.len(),
            "totals": dto.totals,
        })
        .to_string();
        if !qibao_db::jobs::finish(
            c,
            job.id,
            node,
            JobState::Succeeded,
            Some(&result),
            None,
            1,
            now,
        )? {
            return Err(AppError::internal_cause("the job was taken from this node"));
        }
        Ok(JobState::Succeeded)
    })
}

//! The monthly pension payroll (养老金月度发放, R-PEN-4) as a background job:
//! for month M, every approved pension is paid the months due (M, and any
//! months owed before it: after a late approval or a resumption), to its
//! payment account; the approved death benefits not paid yet go to the
//! heir's account; the list is grouped per payment account (bank or
//! social-security card, by bank) with totals. Pensions left out are listed
//! with why: suspended, not started, ended (the month after the death),
//! or no payment account yet (their months stay owed).
//!
//! Idempotent per month: one payroll a month (`pension_payrolls.period`
//! UNIQUE); asking again answers the one made; each month of a pension is
//! paid once (`pension_paid_months`' primary key), whatever runs.

use std::collections::{BTreeMap, BTreeSet};

use qibao_core::Period;
use qibao_core::job::{JobKind, JobState};
use qibao_core::money::Money;
use qibao_core::pension_life::{NotPayable, due};
use qibao_db::DbConn;
use qibao_db::ids::PersonId;
use qibao_db::jobs::Job;
use qibao_db::pension::{self as store, ExclusionRow, PayrollLineRow, PayrollRow};
use qibao_db::review::PageReq;
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use super::life::facts;
use crate::actor::AsActor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, corrupt};
use crate::jobs::JobDto;
use crate::review::PageInfo;
use crate::tx::{read_transaction, transaction_with_retry};

/// Totals of one payment account group.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayrollGroup {
    /// `bank` or `card`.
    #[cfg_attr(feature = "openapi", schema(example = "card"))]
    pub payment_kind: String,
    pub bank_name: String,
    pub lines: i64,
    pub total: Money,
    pub total_in_capitals: String,
}

/// A pension the payroll left out, and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayrollExclusion {
    pub person_no: String,
    pub name: String,
    /// `suspended`, `ended`, `before_first_month` or `no_payment_account`.
    #[cfg_attr(feature = "openapi", schema(example = "suspended"))]
    pub reason_code: String,
    pub reason: String,
}

/// A month's payroll.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayrollDto {
    pub month: Period,
    pub lines: i32,
    pub total: Money,
    pub total_in_capitals: String,
    /// Per payment account (bank or card, by bank), with totals.
    pub groups: Vec<PayrollGroup>,
    pub excluded: Vec<PayrollExclusion>,
    pub created_by: String,
    /// When (RFC 3339, China time).
    pub created_at: String,
}

/// One line of a payroll.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayrollLineDto {
    pub person_no: String,
    pub name: String,
    /// `pension` (the month), `arrears` (补发) or `death_benefit` (to the heir).
    #[cfg_attr(feature = "openapi", schema(example = "pension"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub from: Option<Period>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub to: Option<Period>,
    pub months: i32,
    pub amount: Money,
    /// `bank` or `card`.
    #[cfg_attr(feature = "openapi", schema(example = "card"))]
    pub payment_kind: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayrollLinePage {
    pub items: Vec<PayrollLineDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// What asking for a payroll answers: the payroll made, or the job making it.
#[derive(Debug, Clone)]
pub enum Requested {
    Done(PayrollDto),
    Queued(JobDto),
}

fn not_found(month: Period) -> AppError {
    AppError::new(ErrorCode::PayrollNotFound).with_detail(format!(
        "{}的养老金发放尚未生成（或正在生成）。",
        qibao_core::retirement::PeriodZh(month)
    ))
}

fn dto(c: &mut DbConn, p: &PayrollRow) -> Result<PayrollDto, AppError> {
    let groups = store::payroll_groups(c, p.id)?
        .into_iter()
        .map(|(kind, bank, lines, fen)| {
            let total = Money::from_fen(fen);
            PayrollGroup {
                payment_kind: kind,
                bank_name: bank,
                lines,
                total,
                total_in_capitals: total.to_capitals(),
            }
        })
        .collect();
    let rows = store::payroll_exclusions(c, p.id)?;
    let ids: Vec<PersonId> = rows.iter().map(|r| r.person_id).collect();
    let persons = qibao_db::employees::get_persons(c, &ids)?;
    let excluded = rows
        .into_iter()
        .map(|r| {
            let person = persons.iter().find(|x| x.id == r.person_id);
            PayrollExclusion {
                person_no: person.map(|x| x.person_no.clone()).unwrap_or_default(),
                name: person.map(|x| x.name.clone()).unwrap_or_default(),
                reason_code: r.reason_code,
                reason: r.reason,
            }
        })
        .collect();
    let total = Money::from_fen(p.total_fen);
    Ok(PayrollDto {
        month: Period::from_yyyymm(p.period).map_err(|e| corrupt("payroll period", e))?,
        lines: p.lines,
        total,
        total_in_capitals: total.to_capitals(),
        groups,
        excluded,
        created_by: p.created_by.clone(),
        created_at: china_timestamp(p.created_at),
    })
}

/// Asks for the payroll of `month`: the one made, or a job queued to make
/// it. A month after the current one is 422 `PAYROLL_MONTH_INVALID`.
pub fn request(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    month: Period,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<Requested, AppError> {
    if month > current {
        return Err(
            AppError::new(ErrorCode::PayrollMonthInvalid).with_detail(format!(
                "只能生成本月（{}）或以前月份的养老金发放。",
                qibao_core::retirement::PeriodZh(current)
            )),
        );
    }
    let actor = who.as_actor();
    transaction_with_retry(conn, |c| {
        if let Some(p) = store::payroll_of(c, month.yyyymm())? {
            return Ok(Requested::Done(dto(c, &p)?));
        }
        let job = qibao_db::jobs::enqueue_for(
            c,
            JobKind::PensionPayroll,
            None,
            i64::from(month.yyyymm()),
            1,
            Some((&actor.name, actor.channel.as_str())),
            None,
            now,
        )?;
        Ok(Requested::Queued(JobDto::of(&job)))
    })
}

/// The payroll of `month`, or 404 `PAYROLL_NOT_FOUND`.
pub fn get(conn: &mut DbConn, month: Period) -> Result<PayrollDto, AppError> {
    read_transaction(conn, |c| {
        let p = store::payroll_of(c, month.yyyymm())?.ok_or_else(|| not_found(month))?;
        dto(c, &p)
    })
}

/// One page of the payroll's lines.
pub fn lines(conn: &mut DbConn, month: Period, page: PageReq) -> Result<PayrollLinePage, AppError> {
    read_transaction(conn, |c| {
        let p = store::payroll_of(c, month.yyyymm())?.ok_or_else(|| not_found(month))?;
        let offset = (page.page - 1).saturating_mul(page.page_size);
        let (rows, total) = store::payroll_lines(c, p.id, offset, page.page_size)?;
        let ids: Vec<PersonId> = rows.iter().map(|r| r.person_id).collect();
        let persons = qibao_db::employees::get_persons(c, &ids)?;
        let period = |v: Option<i32>| {
            v.map(|v| Period::from_yyyymm(v).map_err(|e| corrupt("payroll period", e)))
                .transpose()
        };
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let person = persons.iter().find(|x| x.id == r.person_id);
            items.push(PayrollLineDto {
                person_no: person.map(|x| x.person_no.clone()).unwrap_or_default(),
                name: person.map(|x| x.name.clone()).unwrap_or_default(),
                kind: r.kind,
                from: period(r.from_period)?,
                to: period(r.to_period)?,
                months: r.months,
                amount: Money::from_fen(r.amount_fen),
                payment_kind: r.payment_kind,
                bank_name: r.bank_name,
                account_name: r.account_name,
                account_no: r.account_no,
            });
        }
        Ok(PayrollLinePage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// Makes the payroll of `month`, in the caller's transaction; the one made
/// already if there is one.
fn make(
    c: &mut DbConn,
    month: Period,
    who: &str,
    now: PrimitiveDateTime,
) -> Result<PayrollRow, AppError> {
    if let Some(p) = store::payroll_of(c, month.yyyymm())? {
        return Ok(p);
    }
    let pensions = store::pensions_for_payroll(c)?;
    let suspensions = store::all_suspensions(c)?;
    let mut paid: BTreeMap<PersonId, BTreeSet<Period>> = BTreeMap::new();
    for (person, m) in store::all_paid_months(c)? {
        paid.entry(person)
            .or_default()
            .insert(Period::from_yyyymm(m).map_err(|e| corrupt("paid month", e))?);
    }
    let deaths = store::unpaid_death_benefits(c)?;
    let empty = BTreeSet::new();
    let mut lines: Vec<PayrollLineRow> = Vec::new();
    let mut paid_rows: Vec<(PersonId, i32)> = Vec::new();
    let mut excluded: Vec<ExclusionRow> = Vec::new();
    let mut total = Money::ZERO;
    let by_person: BTreeMap<PersonId, Vec<qibao_db::pension::SuspensionRow>> =
        suspensions.into_iter().fold(BTreeMap::new(), |mut m, s| {
            m.entry(s.person_id).or_insert_with(Vec::new).push(s);
            m
        });
    for p in &pensions {
        let f = facts(
            p,
            by_person.get(&p.person_id).map_or(&[][..], Vec::as_slice),
        )?;
        let d = due(&f, month, paid.get(&p.person_id).unwrap_or(&empty));
        let exclude = |code: &str, reason: String| ExclusionRow {
            id: 0,
            payroll_id: 0,
            person_id: p.person_id,
            reason_code: code.to_owned(),
            reason,
        };
        if d.is_empty() {
            match d.not_paid {
                // An ended pension is listed once: the month after death.
                Some(NotPayable::Ended { death_month }) if death_month.add_months(1) != month => {}
                Some(n) => excluded.push(exclude(n.code(), n.to_string())),
                None => {}
            }
            continue;
        }
        let (Some(kind), Some(account_no)) = (&p.payment_kind, &p.account_no) else {
            excluded.push(exclude(
                "no_payment_account",
                format!(
                    "单位尚未登记养老待遇发放账户，应发{}个月共{}元暂缓发放，登记后补发。",
                    d.arrears.len() + usize::from(d.current.is_some()),
                    d.total()
                ),
            ));
            continue;
        };
        let line =
            |k: &str, from: Period, to: Period, months: usize, amount: Money| PayrollLineRow {
                id: 0,
                payroll_id: 0,
                person_id: p.person_id,
                kind: k.to_owned(),
                from_period: Some(from.yyyymm()),
                to_period: Some(to.yyyymm()),
                months: i32::try_from(months).unwrap_or(i32::MAX),
                amount_fen: amount.fen(),
                payment_kind: kind.clone(),
                bank_name: p.bank_name.clone().unwrap_or_default(),
                account_name: p.account_name.clone().unwrap_or_default(),
                account_no: account_no.clone(),
            };
        if let (Some(first), Some(last)) = (d.arrears.first(), d.arrears.last()) {
            lines.push(line(
                "arrears",
                *first,
                *last,
                d.arrears.len(),
                d.arrears_amount,
            ));
        }
        if let Some(m) = d.current {
            lines.push(line("pension", m, m, 1, d.current_amount));
        }
        total += d.total();
        paid_rows.extend(
            d.arrears
                .iter()
                .chain(d.current.iter())
                .map(|m| (p.person_id, m.yyyymm())),
        );
        if let Some(n) = d.not_paid {
            // Months owed paid although this month is not (a suspension or
            // death from this month): said too.
            excluded.push(exclude(n.code(), n.to_string()));
        }
    }
    for a in &deaths {
        let amount = Money::from_fen(a.payable_fen.unwrap_or(0));
        lines.push(PayrollLineRow {
            id: 0,
            payroll_id: 0,
            person_id: a.person_id,
            kind: "death_benefit".to_owned(),
            from_period: None,
            to_period: None,
            months: 0,
            amount_fen: amount.fen(),
            payment_kind: "bank".to_owned(),
            bank_name: a.bank_name.clone(),
            account_name: a.heir_name.clone(),
            account_no: a.account_no.clone(),
        });
        total += amount;
    }
    let payroll = store::insert_payroll(
        c,
        month.yyyymm(),
        i32::try_from(lines.len()).unwrap_or(i32::MAX),
        i32::try_from(excluded.len()).unwrap_or(i32::MAX),
        total.fen(),
        who,
        now,
    )
    .map_err(|e| match e {
        qibao_db::DbError::Conflict { .. } => {
            crate::tx::retry("该月的养老金发放正在生成，请稍后查询。")
        }
        other => other.into(),
    })?;
    for l in &mut lines {
        l.payroll_id = payroll.id;
    }
    for e in &mut excluded {
        e.payroll_id = payroll.id;
    }
    let paid_rows: Vec<(PersonId, i32, i64)> = paid_rows
        .into_iter()
        .map(|(p, m)| (p, m, payroll.id))
        .collect();
    qibao_db::bulk::insert_payroll(c, &lines, &paid_rows, &excluded)?;
    for a in &deaths {
        if !store::mark_death_paid(c, a.id, payroll.id)? {
            return Err(crate::tx::retry("死亡待遇正在被其他发放处理，请稍后重试。"));
        }
    }
    Ok(payroll)
}

/// Runs a payroll job: the payroll and the job's end in one transaction.
pub(crate) fn run_job(
    conn: &mut DbConn,
    job: &Job,
    node: &str,
    now: PrimitiveDateTime,
) -> Result<JobState, AppError> {
    let month = i32::try_from(job.subject_id)
        .ok()
        .and_then(|p| Period::from_yyyymm(p).ok())
        .ok_or_else(|| corrupt("jobs.subject_id", job.subject_id))?;
    let who = job.actor.clone().unwrap_or_default();
    transaction_with_retry(conn, |c| {
        let p = make(c, month, &who, now)?;
        let result = json!({
            "month": month,
            "payroll": format!("/api/v1/staff/pension-payrolls/{month}"),
            "lines": p.lines,
            "excluded": p.excluded,
            "total": Money::from_fen(p.total_fen),
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

//! The life of an approved pension (R-PEN-4), each step owning its
//! transaction: the unit's retirees (离退休人员查询) and where each is paid
//! (养老待遇发放账户变更 / 离退休人员发放账号维护: a bank account or the
//! social-security card, 启用社保卡发放); suspension and resumption by staff
//! with the months owed; the yearly qualification check (资格认证) staff
//! record and the unit reads; and the death benefits (丧葬补助金, 抚恤金,
//! 个人账户余额继承) of a retiree or of an employee in service, applied for
//! by the unit and decided through review. The rules are
//! `qibao_core::pension_life`'s; the monthly payroll is [`super::payroll`].

use std::collections::BTreeSet;

use qibao_core::business_item::BusinessItemKind;
use qibao_core::insurance::Insurance;
use qibao_core::pension_life::{
    DeathBenefits, DeathStandards, Deceased, NotPayable, PensionFacts, Resumption, SuspendReason,
    Suspension, death_benefits, payable, resume,
};
use qibao_core::pension_record::{RecordError, estimate};
use qibao_core::policy::Source;
use qibao_core::{Money, Period};
use qibao_db::ids::{MaterialId, PersonId, UnitId};
use qibao_db::pension::{
    self as store, DeathApplication, NewDeathApplication, PensionRow, QualificationRow,
    SuspensionRow,
};
use qibao_db::review::{PageReq, ReviewTask};
use qibao_db::rows::Person;
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use super::record_error;
use crate::actor::{Actor, AsActor};
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::items::{self, ItemRecord};
use crate::persons::{same_person_ids, unit_person};
use crate::review::{MaterialDto, PageInfo, ReviewKind, Submission, TimelineEntry};
use crate::tx::{read_transaction, transaction, transaction_with_retry};

fn period(v: i32) -> Result<Period, AppError> {
    Period::from_yyyymm(v).map_err(|e| corrupt("pension period", e))
}

fn retiree_not_found(person_no: &str) -> AppError {
    AppError::new(ErrorCode::RetireeNotFound).with_detail(format!(
        "本单位没有个人编号为{person_no}的离退休人员（须经退休审批通过）。"
    ))
}

/// The pension's facts for the rules.
pub fn facts(p: &PensionRow, suspensions: &[SuspensionRow]) -> Result<PensionFacts, AppError> {
    let mut out = Vec::new();
    for s in suspensions.iter().filter(|s| s.person_id == p.person_id) {
        out.push(Suspension {
            from: period(s.from_period)?,
            to: s.to_period.map(period).transpose()?,
            reason: SuspendReason::parse(&s.reason)
                .ok_or_else(|| corrupt("suspension reason", &s.reason))?,
        });
    }
    Ok(PensionFacts {
        first_month: period(p.first_period)?,
        monthly: Money::from_fen(p.monthly_fen),
        suspensions: out,
        death_month: p.death_period.map(period).transpose()?,
    })
}

/// Where a pension is paid.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentAccountDto {
    /// `bank` (银行账户) or `card` (社会保障卡, 启用社保卡发放).
    #[cfg_attr(feature = "openapi", schema(example = "card"))]
    pub kind: String,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
}

/// A suspension as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspensionDto {
    pub from: Period,
    /// The last suspended month; null while suspended.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub to: Option<Period>,
    pub reason: SuspendReason,
    pub reason_label: &'static str,
    pub note: String,
    /// When (RFC 3339, China time).
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub resumed_at: Option<String>,
}

/// One year's qualification check (资格认证).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualificationDto {
    pub year: i32,
    pub certified_on: Date,
    /// `face_recognition`, `counter`, `home_visit` or `data_comparison`.
    #[cfg_attr(feature = "openapi", schema(example = "face_recognition"))]
    pub method: String,
    pub method_label: &'static str,
}

/// One retiree of the unit and their pension.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetireeDto {
    pub person_no: String,
    pub name: String,
    pub first_pension_month: Period,
    pub monthly_pension: Money,
    /// `active`, `suspended` or `ended`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: &'static str,
    pub status_label: &'static str,
    /// Null until the unit sets it; the payroll leaves the pension out then.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub payment_account: Option<PaymentAccountDto>,
    pub suspensions: Vec<SuspensionDto>,
    pub qualifications: Vec<QualificationDto>,
    /// Whether this year's qualification check is recorded.
    pub qualified_this_year: bool,
    pub months_paid: i64,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_paid_month: Option<Period>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub death_month: Option<Period>,
}

/// A page of the unit's retirees.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetireePage {
    pub items: Vec<RetireeDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn method_label(m: &str) -> &'static str {
    match m {
        "face_recognition" => "人脸识别认证",
        "counter" => "经办机构窗口认证",
        "home_visit" => "上门认证",
        "data_comparison" => "数据比对认证",
        _ => "其他",
    }
}

/// The methods of a qualification check.
pub const QUALIFICATION_METHODS: [&str; 4] = [
    "face_recognition",
    "counter",
    "home_visit",
    "data_comparison",
];

fn retiree_dto(
    c: &mut DbConn,
    p: &PensionRow,
    person: &Person,
    current: Period,
) -> Result<RetireeDto, AppError> {
    let suspensions = store::suspensions_of(c, &[p.person_id])?;
    let f = facts(p, &suspensions)?;
    let status = match payable(&f, current.max(f.first_month)) {
        Err(NotPayable::Ended { .. }) => ("ended", "已停止发放"),
        Err(NotPayable::Suspended { .. }) => ("suspended", "暂停发放"),
        _ => ("active", "正常发放"),
    };
    let paid = store::paid_months_of(c, p.person_id)?;
    let qualifications: Vec<QualificationDto> = store::qualifications_of(c, p.person_id)?
        .into_iter()
        .map(|q| QualificationDto {
            year: q.year,
            certified_on: q.certified_on,
            method_label: method_label(&q.method),
            method: q.method,
        })
        .collect();
    Ok(RetireeDto {
        person_no: person.person_no.clone(),
        name: person.name.clone(),
        first_pension_month: f.first_month,
        monthly_pension: f.monthly,
        status: status.0,
        status_label: status.1,
        payment_account: match (&p.payment_kind, &p.account_no) {
            (Some(kind), Some(no)) => Some(PaymentAccountDto {
                kind: kind.clone(),
                bank_name: p.bank_name.clone().unwrap_or_default(),
                account_name: p.account_name.clone().unwrap_or_default(),
                account_no: no.clone(),
            }),
            _ => None,
        },
        suspensions: suspensions
            .iter()
            .map(|s| {
                let reason = SuspendReason::parse(&s.reason).unwrap_or(SuspendReason::Other);
                Ok(SuspensionDto {
                    from: period(s.from_period)?,
                    to: s.to_period.map(period).transpose()?,
                    reason,
                    reason_label: reason.label_zh(),
                    note: s.note.clone(),
                    created_at: china_timestamp(s.created_at),
                    resumed_at: s.resumed_at.map(china_timestamp),
                })
            })
            .collect::<Result<_, AppError>>()?,
        qualified_this_year: qualifications.iter().any(|q| q.year == current.year()),
        qualifications,
        months_paid: i64::try_from(paid.len()).unwrap_or(i64::MAX),
        last_paid_month: paid.last().copied().map(period).transpose()?,
        death_month: f.death_month,
    })
}

/// The unit's retiree `person_no` (its pension and the person).
fn unit_retiree(
    c: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
) -> Result<(PensionRow, Person), AppError> {
    let person =
        emp_db::find_by_person_no(c, person_no)?.ok_or_else(|| retiree_not_found(person_no))?;
    let p = store::pension_of(c, person.id)?
        .filter(|p| p.unit_id == unit_id)
        .ok_or_else(|| retiree_not_found(person_no))?;
    Ok((p, person))
}

/// A page of the unit's retirees (离退休人员查询).
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: PageReq,
    current: Period,
) -> Result<RetireePage, AppError> {
    read_transaction(conn, |c| {
        let offset = (page.page - 1).saturating_mul(page.page_size);
        let (rows, total) = store::pensions_of_unit(c, unit_id, offset, page.page_size)?;
        let ids: Vec<PersonId> = rows.iter().map(|r| r.person_id).collect();
        let persons = emp_db::get_persons(c, &ids)?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let person = persons
                .iter()
                .find(|p| p.id == r.person_id)
                .ok_or_else(|| corrupt("pension person", r.person_id))?;
            items.push(retiree_dto(c, r, person, current)?);
        }
        Ok(RetireePage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// One of the unit's retirees.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    current: Period,
) -> Result<RetireeDto, AppError> {
    read_transaction(conn, |c| {
        let (p, person) = unit_retiree(c, unit_id, person_no)?;
        retiree_dto(c, &p, &person, current)
    })
}

/// Any retiree, for staff.
pub fn get_staff(
    conn: &mut DbConn,
    person_no: &str,
    current: Period,
) -> Result<RetireeDto, AppError> {
    read_transaction(conn, |c| {
        let (p, person) = staff_pension(c, person_no)?;
        retiree_dto(c, &p, &person, current)
    })
}

/// A payment account as the API parsed it.
#[derive(Debug, Clone)]
pub struct AccountInput {
    /// `bank` or `card`.
    pub kind: &'static str,
    pub bank_name: String,
    pub account_name: String,
    pub account_no: String,
}

/// Sets where the unit's retiree is paid (audited); an ended pension is
/// 409 `PENSION_ENDED`.
pub fn set_account(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    a: &AccountInput,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<RetireeDto, AppError> {
    transaction(conn, |c| {
        let (p, person) = unit_retiree(c, unit_id, person_no)?;
        if p.death_period.is_some() {
            return Err(AppError::new(ErrorCode::PensionEnded));
        }
        let before = retiree_dto(c, &p, &person, current)?.payment_account;
        store::set_payment_account(
            c,
            p.person_id,
            a.kind,
            &a.bank_name,
            &a.account_name,
            &a.account_no,
            now,
        )?;
        let p =
            store::pension_of(c, p.person_id)?.ok_or_else(|| corrupt("pension", p.person_id))?;
        let out = retiree_dto(c, &p, &person, current)?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::PensionAccountChange,
                status: "done",
                before: Some(json!({ "person_no": person.person_no, "payment_account": before })),
                after: Some(
                    json!({ "person_no": person.person_no, "payment_account": out.payment_account }),
                ),
            },
            now,
        )?;
        Ok(out)
    })
}

/// Any person's approved pension, for staff; 404 `RETIREE_NOT_FOUND`.
fn staff_pension(c: &mut DbConn, person_no: &str) -> Result<(PensionRow, Person), AppError> {
    let no_pension = || {
        AppError::new(ErrorCode::RetireeNotFound).with_detail(format!(
            "个人编号为{person_no}的人员没有经审批的基本养老金。"
        ))
    };
    let person = emp_db::find_by_person_no(c, person_no)?.ok_or_else(no_pension)?;
    let p = store::pension_of(c, person.id)?.ok_or_else(no_pension)?;
    Ok((p, person))
}

fn audit(
    c: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    unit_id: UnitId,
    kind: BusinessItemKind,
    after: Value,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    items::record(
        c,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind,
            status: "done",
            before: None,
            after: Some(after),
        },
        now,
    )?;
    Ok(())
}

/// A suspension as staff ask for it.
#[derive(Debug, Clone)]
pub struct SuspensionRequest {
    /// The first month not paid.
    pub from: Period,
    pub reason: SuspendReason,
    pub note: String,
}

/// Suspends the pension from `req.from` (staff); audited. One open
/// suspension at a time (409 `PENSION_SUSPENDED`); an ended pension is 409.
pub fn suspend(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    req: &SuspensionRequest,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<RetireeDto, AppError> {
    let SuspensionRequest { from, reason, note } = req;
    let (from, reason, note) = (*from, *reason, note.as_str());
    transaction(conn, |c| {
        let (p, person) = staff_pension(c, person_no)?;
        if p.death_period.is_some() {
            return Err(AppError::new(ErrorCode::PensionEnded));
        }
        if from < period(p.first_period)? {
            return Err(AppError::invalid_field(
                "from",
                format!("暂停月份不能早于首次领取月份{}。", period(p.first_period)?),
            ));
        }
        let name = who.as_actor().name;
        store::insert_suspension(
            c,
            p.person_id,
            from.yyyymm(),
            reason.code(),
            note,
            &name,
            now,
        )
        .map_err(|e| match e {
            DbError::Conflict { .. } => AppError::new(ErrorCode::PensionSuspended),
            other => other.into(),
        })?;
        audit(
            c,
            who,
            p.unit_id,
            BusinessItemKind::PensionSuspension,
            json!({ "person_no": person.person_no, "from": from, "reason": reason, "note": note }),
            now,
        )?;
        retiree_dto(c, &p, &person, current)
    })
}

/// What a resumption answers: the months owed and the pension now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumptionDto {
    pub suspended_from: Period,
    pub suspended_to: Period,
    /// Months owed (补发), paid by the next payroll.
    pub months: i32,
    pub amount: Money,
    pub retiree: RetireeDto,
}

/// Resumes the pension from `from` (staff); the suspended months are owed
/// and the next payroll pays them (R-PEN-4); audited.
pub fn resume_pension(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    from: Period,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<ResumptionDto, AppError> {
    transaction(conn, |c| {
        let (p, person) = staff_pension(c, person_no)?;
        let suspensions = store::suspensions_of(c, &[p.person_id])?;
        let f = facts(&p, &suspensions)?;
        let r: Resumption = resume(&f, from).map_err(|e| match e {
            qibao_core::pension_life::ResumptionError::NotSuspended => {
                AppError::new(ErrorCode::PensionNotSuspended)
            }
            other => AppError::invalid_field("from", other.to_string()),
        })?;
        let name = who.as_actor().name;
        if !store::close_suspension(c, p.person_id, r.suspended_to.yyyymm(), &name, now)? {
            return Err(AppError::new(ErrorCode::PensionNotSuspended));
        }
        audit(
            c,
            who,
            p.unit_id,
            BusinessItemKind::PensionResumption,
            json!({ "person_no": person.person_no, "from": from, "owed_months": r.months,
                    "owed": r.amount }),
            now,
        )?;
        Ok(ResumptionDto {
            suspended_from: r.suspended_from,
            suspended_to: r.suspended_to,
            months: r.months,
            amount: r.amount,
            retiree: retiree_dto(c, &p, &person, current)?,
        })
    })
}

/// Records the year's qualification check (staff); a year recorded
/// already is 409 `QUALIFICATION_RECORDED`.
pub fn record_qualification(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    certified_on: Date,
    method: &str,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<RetireeDto, AppError> {
    transaction(conn, |c| {
        let (p, person) = staff_pension(c, person_no)?;
        let row = QualificationRow {
            person_id: p.person_id,
            year: certified_on.year(),
            certified_on,
            method: method.to_owned(),
            recorded_by: who.as_actor().name,
            recorded_at: now,
        };
        store::insert_qualification(c, &row).map_err(|e| match e {
            DbError::Conflict { .. } => AppError::new(ErrorCode::QualificationRecorded)
                .with_detail(format!("{}年度的资格认证已登记。", certified_on.year())),
            other => other.into(),
        })?;
        audit(
            c,
            who,
            p.unit_id,
            BusinessItemKind::PensionQualification,
            json!({ "person_no": person.person_no, "year": certified_on.year(),
                    "certified_on": certified_on.to_string(), "method": method }),
            now,
        )?;
        retiree_dto(c, &p, &person, current)
    })
}

// ---------------------------------------------------------------- death benefits

/// The standards in force for `year`.
fn standards_for(c: &mut DbConn, year: i32) -> Result<DeathStandards, AppError> {
    let row = store::death_standards(c)?
        .into_iter()
        .rev()
        .find(|r| r.from_year <= year)
        .ok_or_else(|| {
            AppError::new(ErrorCode::PensionDataMissing).with_detail(format!(
                "缺少{year}年适用的丧葬补助金、抚恤金标准，请联系经办机构维护。"
            ))
        })?;
    Ok(DeathStandards {
        from_year: row.from_year,
        funeral_grant: Money::from_fen(row.funeral_grant_fen),
        survivor_months: row.survivor_months,
        source: Source {
            document: row.source,
            illustrative: row.illustrative,
        },
    })
}

/// Who died and the rules' view of them: a retiree of the unit, or an
/// employee paying pension insurance at it.
fn deceased(
    c: &mut DbConn,
    unit_id: UnitId,
    person: &Person,
    death: Period,
) -> Result<Deceased, AppError> {
    if let Some(p) = store::pension_of(c, person.id)? {
        if p.unit_id != unit_id {
            return Err(retiree_not_found(&person.person_no));
        }
        let suspensions = store::suspensions_of(c, &[p.person_id])?;
        let paid: BTreeSet<Period> = store::paid_months_of(c, p.person_id)?
            .into_iter()
            .map(period)
            .collect::<Result<_, _>>()?;
        return Ok(Deceased::Retiree {
            facts: facts(&p, &suspensions)?,
            account_at_retirement: Money::from_fen(p.account_balance_fen),
            account_part: Money::from_fen(p.account_part_fen),
            paid,
        });
    }
    let active = emp_db::employments_of_persons(c, &[person.id])?
        .into_iter()
        .any(|e| {
            e.unit_id == unit_id
                && e.insurance == Insurance::Pension
                && e.status == qibao_db::repo::ACTIVE
        });
    if !active {
        return Err(AppError::new(ErrorCode::PersonNotActive).with_detail(
            "该人员既不是本单位经审批的离退休人员，也不在本单位参加养老保险，不能由本单位申领。",
        ));
    }
    let same = same_person_ids(c, person)?;
    let loaded = super::load(c, &same)?;
    let account_balance = match estimate(
        &loaded.core(),
        Period::of(person.birth_date),
        death,
        None,
        &loaded.years,
        &loaded.rates,
        qibao_core::Rate::ZERO,
    ) {
        Ok(e) => e.account_balance,
        Err(RecordError::NoContributions { .. }) => Money::ZERO,
        Err(e) => return Err(record_error(&e)),
    };
    let (wage, _) = loaded
        .years
        .for_year(death.year() - 1)
        .map_err(|e| record_error(&e))?;
    Ok(Deceased::InService {
        account_balance,
        average_wage: wage.average_wage,
    })
}

fn benefits_now(
    c: &mut DbConn,
    unit_id: UnitId,
    person: &Person,
    death: Period,
) -> Result<DeathBenefits, AppError> {
    let who = deceased(c, unit_id, person, death)?;
    let standards = standards_for(c, death.year())?;
    Ok(death_benefits(&who, death, &standards))
}

/// A death-benefit application as the API parsed it.
#[derive(Debug, Clone)]
pub struct DeathInput {
    pub person_no: String,
    pub death_date: Date,
    pub heir_name: String,
    pub heir_relation: String,
    pub bank_name: String,
    pub account_no: String,
    pub material_ids: Vec<MaterialId>,
}

/// A death-benefit application with its calculation and steps.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeathBenefitDto {
    pub id: i64,
    pub business_item_id: i64,
    pub person_no: String,
    pub name: String,
    pub in_service: bool,
    pub death_date: Date,
    pub heir_name: String,
    pub heir_relation: String,
    pub bank_name: String,
    pub account_no: String,
    /// `pending_review`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    /// The approved calculation (frozen) once approved, else as submitted.
    #[cfg_attr(feature = "openapi", schema(value_type = DeathBenefits))]
    pub calculation: Value,
    pub calculation_approved: bool,
    /// Whether a payroll has paid it.
    pub paid: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    pub applied_by: String,
    pub applied_at: String,
    pub timeline: Vec<TimelineEntry>,
}

fn death_dto(c: &mut DbConn, a: &DeathApplication) -> Result<DeathBenefitDto, AppError> {
    let person = emp_db::get_persons(c, &[a.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("death person", a.person_id))?;
    let (json, approved) = match &a.approved_json {
        Some(j) => (j, true),
        None => (&a.calculation_json, false),
    };
    let calculation: Value =
        serde_json::from_str(json).map_err(|e| corrupt("death calculation", e))?;
    let task = qibao_db::review::get_task_by_item(c, a.business_item_id).optional()?;
    let timeline = match task {
        Some(t) => crate::review::timeline(c, t.id)?,
        None => Vec::new(),
    };
    Ok(DeathBenefitDto {
        id: a.id,
        business_item_id: a.business_item_id.0,
        person_no: person.person_no,
        name: person.name,
        in_service: a.in_service,
        death_date: a.death_date,
        heir_name: a.heir_name.clone(),
        heir_relation: a.heir_relation.clone(),
        bank_name: a.bank_name.clone(),
        account_no: a.account_no.clone(),
        status: a.status.clone(),
        calculation,
        calculation_approved: approved,
        paid: a.paid_payroll_id.is_some(),
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

/// Applies for the death benefits (丧葬补助金、抚恤金、个人账户余额继承) of the
/// unit's retiree or employee, with the death certificate; to review.
pub fn apply_death(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &DeathInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<DeathBenefitDto, AppError> {
    if input.death_date > today {
        return Err(AppError::new(ErrorCode::DeathDateInvalid)
            .with_detail("死亡日期不能晚于今天。")
            .with_errors(vec![FieldError::new(
                "death_date",
                "死亡日期不能晚于今天。",
            )]));
    }
    if input.material_ids.is_empty() {
        return Err(AppError::new(ErrorCode::MaterialRequired)
            .with_detail("申领死亡待遇须上传死亡证明（或火化证明）及继承人身份、关系证明。")
            .with_errors(vec![FieldError::new(
                "material_ids",
                "请至少提供一份材料。",
            )]));
    }
    transaction_with_retry(conn, |c| {
        let (person, _) = unit_person(c, unit_id, &input.person_no)?;
        if input.death_date < person.birth_date {
            return Err(AppError::new(ErrorCode::DeathDateInvalid)
                .with_detail("死亡日期不能早于出生日期。"));
        }
        let death = Period::of(input.death_date);
        let benefits = benefits_now(c, unit_id, &person, death)?;
        let calculation = serde_json::to_string(&benefits).map_err(AppError::internal_cause)?;
        let summary = json!({
            "person_no": person.person_no, "name": person.name,
            "in_service": benefits.in_service, "death_date": input.death_date.to_string(),
            "heir_name": input.heir_name, "heir_relation": input.heir_relation,
            "payable": benefits.payable, "overpaid": benefits.overpaid.amount,
        });
        let (item, _) = crate::review::submit(
            c,
            who,
            Submission {
                unit_id,
                kind: crate::review::kind_info(&DEATH_BENEFIT),
                payload: summary.clone(),
                material_ids: &input.material_ids,
                before: None,
                after: Some(summary),
            },
            now,
        )?;
        let a = store::insert_death_application(
            c,
            &NewDeathApplication {
                unit_id,
                person_id: person.id,
                business_item_id: item.id,
                in_service: benefits.in_service,
                death_date: input.death_date,
                death_period: death.yyyymm(),
                heir_name: input.heir_name.clone(),
                heir_relation: input.heir_relation.clone(),
                bank_name: input.bank_name.clone(),
                account_no: input.account_no.clone(),
                status: store::PENDING_REVIEW.to_owned(),
                calculation_json: calculation,
                applied_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == store::ONE_LIVE_DEATH_KEY => {
                AppError::new(ErrorCode::DeathBenefitPending)
            }
            other => other.into(),
        })?;
        death_dto(c, &a)
    })
}

/// One of the unit's death-benefit applications with its steps.
pub fn get_death(conn: &mut DbConn, unit_id: UnitId, id: i64) -> Result<DeathBenefitDto, AppError> {
    read_transaction(conn, |c| {
        let a = store::death_application_of_unit(c, unit_id, id)?
            .ok_or_else(|| AppError::new(ErrorCode::DeathBenefitNotFound))?;
        death_dto(c, &a)
    })
}

/// The registered review kind of death benefits.
pub struct DeathBenefitReview;

pub static DEATH_BENEFIT: DeathBenefitReview = DeathBenefitReview;

fn death_of_task(c: &mut DbConn, task: &ReviewTask) -> Result<DeathApplication, AppError> {
    store::death_application_by_item(c, task.business_item_id)?.ok_or_else(|| {
        AppError::internal_cause(format_args!("death task {} has no application", task.id))
    })
}

impl ReviewKind for DeathBenefitReview {
    fn code(&self) -> &'static str {
        BusinessItemKind::DeathBenefit.code()
    }

    fn label_zh(&self) -> &'static str {
        BusinessItemKind::DeathBenefit.label_zh()
    }

    fn required_role(&self) -> &'static str {
        "reviewer"
    }

    /// Recomputes with the data of the day (months paid meanwhile are
    /// recovered), freezes it, and ends a retiree's pension after the
    /// death month; the next payroll pays the sums to the heir.
    fn apply_approval(
        &self,
        c: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        let a = death_of_task(c, task)?;
        let person = emp_db::get_persons(c, &[a.person_id])?
            .into_iter()
            .next()
            .ok_or_else(|| corrupt("death person", a.person_id))?;
        let death = period(a.death_period)?;
        let benefits = benefits_now(c, a.unit_id, &person, death)?;
        let frozen = serde_json::to_string(&benefits).map_err(AppError::internal_cause)?;
        if !store::decide_death(
            c,
            a.id,
            store::APPROVED,
            Some(&frozen),
            Some(benefits.payable.fen()),
            &reviewer.as_actor().name,
            None,
            now,
        )? {
            return Err(AppError::new(ErrorCode::RetirementState)
                .with_detail("死亡待遇申领当前状态不能审核。"));
        }
        if !a.in_service {
            store::set_death(c, a.person_id, a.death_period, now)?;
        }
        Ok(())
    }

    fn on_rejection(
        &self,
        c: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        let a = death_of_task(c, task)?;
        if !store::decide_death(
            c,
            a.id,
            store::REJECTED,
            None,
            None,
            &reviewer.as_actor().name,
            task.reason.as_deref(),
            now,
        )? {
            return Err(AppError::new(ErrorCode::RetirementState)
                .with_detail("死亡待遇申领当前状态不能审核。"));
        }
        Ok(())
    }
}

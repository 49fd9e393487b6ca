//! Retirement applications (R-RET-1…4): 职工正常退休(职)申请 from 3 months
//! before the retirement month, and early retirement for special-type work
//! (特殊工种) or complete loss of working capacity (因病或非因工完全丧失劳动能力),
//! each with materials, through the review queue (one kind each, decided by
//! the reviewer role); 退休审批进度查询 shows the steps with their times.
//!
//! Submitting checks the month (R-RET-1's window for a normal retirement,
//! R-RET-3's conditions for an early one), the minimum contribution years
//! (R-RET-2: refused with the figures and what the person can do) and
//! stores the calculation as submitted for the reviewer. One application a
//! person is pending or approved at a time (the database's partial unique
//! index); after a rejection the unit may apply again (重新申请).
//!
//! Approval recalculates with the data of that day, freezes that
//! calculation on the application, fixes the first pension month (the
//! month after the retirement month), starts the pension (`pensions`, paid
//! by the monthly payroll once the unit has set its payment account,
//! [`super::life`]) and sets the person's retired status from the
//! retirement month (R-EMP-7: later months are no longer assessed, pending
//! lines after it are cancelled), all in the decision's transaction.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::employment::{PersonStatus, PersonStatusKind};
use qibao_core::pension_record::Estimate;
use qibao_core::retirement::{
    ContributionMonths, EarlyFacts, EarlyKind, PeriodZh, RetirementCategory, check_chosen_month,
    check_early, check_minimum,
};
use qibao_core::{Money, Period};
use qibao_db::ids::{MaterialId, RetirementApplicationId, UnitId};
use qibao_db::pension::{self as store, NewRetirementApplication, RetirementApplication};
use qibao_db::review::{PageReq, ReviewTask};
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db};
use serde::Serialize;
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::estimate::{Basis, at, basis, birth_month, category_of};
use crate::actor::{Actor, AsActor};
use crate::clock::china_timestamp;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::persons::{same_person_ids, unit_person};
use crate::review::{MaterialDto, PageInfo, ReviewKind, Submission, TimelineEntry};
use crate::tx::read_transaction;

/// What is applied for: a normal retirement or one kind of early one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetirementKind {
    Normal,
    Early(EarlyKind),
}

impl RetirementKind {
    pub const CODES: [&'static str; 4] = ["normal", "special_heavy", "special_harmful", "illness"];

    pub fn parse(s: &str) -> Option<RetirementKind> {
        match s.trim() {
            "normal" => Some(RetirementKind::Normal),
            other => EarlyKind::parse(other).map(RetirementKind::Early),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RetirementKind::Normal => "normal",
            RetirementKind::Early(k) => k.code(),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RetirementKind::Normal => "职工正常退休(职)申请",
            RetirementKind::Early(k) => k.label_zh(),
        }
    }

    /// The review kind (and business item kind) it is filed under.
    pub fn review(self) -> &'static RetirementReview {
        match self {
            RetirementKind::Normal => &NORMAL,
            RetirementKind::Early(EarlyKind::SpecialHeavy | EarlyKind::SpecialHarmful) => {
                &SPECIAL_WORK
            }
            RetirementKind::Early(EarlyKind::Illness) => &ILLNESS,
        }
    }
}

/// A registered review kind of retirement applications.
pub struct RetirementReview(pub BusinessItemKind);

pub static NORMAL: RetirementReview = RetirementReview(BusinessItemKind::RetirementNormal);
pub static SPECIAL_WORK: RetirementReview =
    RetirementReview(BusinessItemKind::RetirementSpecialWork);
pub static ILLNESS: RetirementReview = RetirementReview(BusinessItemKind::RetirementIllness);

/// The application as the API parsed it.
#[derive(Debug, Clone)]
pub struct ApplyInput {
    pub person_no: String,
    pub kind: RetirementKind,
    /// Required for a woman.
    pub category: Option<RetirementCategory>,
    /// The retirement month; a normal retirement defaults to the statutory
    /// month.
    pub month: Option<Period>,
    /// Months of special-type work (特殊工种), required for those kinds.
    pub special_months: Option<i32>,
    /// The appraisal committee's certificate (劳动能力鉴定结论), required for
    /// illness; one of the unit's materials.
    pub certificate_material_id: Option<MaterialId>,
    /// Supporting materials (at least one).
    pub material_ids: Vec<MaterialId>,
    pub note: Option<String>,
}

/// One retirement application, with its progress (退休审批进度).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetirementApplicationDto {
    pub id: i64,
    pub business_item_id: i64,
    pub person_no: String,
    pub name: String,
    /// `normal`, `special_heavy`, `special_harmful` or `illness`.
    #[cfg_attr(feature = "openapi", schema(example = "normal"))]
    pub kind: String,
    pub kind_label: String,
    /// `man`, `woman_cadre` or `woman_worker`.
    #[cfg_attr(feature = "openapi", schema(example = "man"))]
    pub category: String,
    pub retirement_month: Period,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub special_months: Option<i32>,
    /// `pending_review`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    pub status_label: String,
    /// The first month of the pension (approved only).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub first_pension_month: Option<Period>,
    /// The approved monthly basic pension (approved only).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub monthly_pension: Option<Money>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub monthly_pension_in_capitals: Option<String>,
    /// The calculation approved (frozen), else the one submitted.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub calculation: Value,
    /// Whether `calculation` is the approved, frozen one.
    pub calculation_approved: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
    /// The reviewer's reason of a rejection.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    pub applied_by: String,
    /// When (RFC 3339, China time).
    pub applied_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<String>,
    /// The steps with their times (退休审批进度).
    pub timeline: Vec<TimelineEntry>,
}

/// A page of the unit's retirement applications, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetirementApplicationPage {
    pub items: Vec<RetirementApplicationDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn status_label(status: &str) -> &'static str {
    match status {
        store::PENDING_REVIEW => "审核中",
        store::APPROVED => "已批准退休",
        store::REJECTED => "审核不通过",
        _ => "其他",
    }
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::RetirementNotFound)
}

fn dto(c: &mut DbConn, a: &RetirementApplication) -> Result<RetirementApplicationDto, AppError> {
    let person = emp_db::get_persons(c, &[a.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("retirement person", a.person_id))?;
    let kind = RetirementKind::parse(&a.kind).ok_or_else(|| corrupt("retirement kind", &a.kind))?;
    let period = |v: i32| Period::from_yyyymm(v).map_err(|e| corrupt("retirement period", e));
    let (calculation, approved) = match &a.approved_json {
        Some(j) => (j, true),
        None => (&a.estimate_json, false),
    };
    let calculation: Value =
        serde_json::from_str(calculation).map_err(|e| corrupt("retirement calculation", e))?;
    let task = qibao_db::review::get_task_by_item(c, a.business_item_id).optional()?;
    let timeline = match task {
        Some(t) => crate::review::timeline(c, t.id)?,
        None => Vec::new(),
    };
    let materials = qibao_db::review::materials_of_item(c, a.business_item_id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let pension = a.pension_fen.map(Money::from_fen);
    Ok(RetirementApplicationDto {
        id: a.id.0,
        business_item_id: a.business_item_id.0,
        person_no: person.person_no,
        name: person.name,
        kind: a.kind.clone(),
        kind_label: kind.label_zh().to_owned(),
        category: a.category.clone(),
        retirement_month: period(a.retirement_period)?,
        special_months: a.special_months,
        status: a.status.clone(),
        status_label: status_label(&a.status).to_owned(),
        first_pension_month: a.first_pension_period.map(period).transpose()?,
        monthly_pension: pension,
        monthly_pension_in_capitals: pension.map(Money::to_capitals),
        calculation,
        calculation_approved: approved,
        note: a.note.clone(),
        rejection_reason: if a.status == store::REJECTED {
            a.decision_note.clone()
        } else {
            None
        },
        materials,
        applied_by: a.applied_by.clone(),
        applied_at: china_timestamp(a.created_at),
        decided_at: a.decided_at.map(china_timestamp),
        timeline,
    })
}

/// 422 with the rule's message.
fn refusal(code: ErrorCode, field: &str, message: String) -> AppError {
    AppError::new(code)
        .with_detail(message.clone())
        .with_errors(vec![FieldError::new(field, message)])
}

fn material_required(field: &str, message: &str) -> AppError {
    AppError::new(ErrorCode::MaterialRequired)
        .with_detail(message.to_owned())
        .with_errors(vec![FieldError::new(field, message)])
}

/// The checks of R-RET-1…3 for the month applied for, and the calculation.
fn checked_estimate(
    input: &ApplyInput,
    category: RetirementCategory,
    birth: Period,
    current: Period,
    loaded: &super::Loaded,
    basis: &Basis,
) -> Result<(Period, Estimate), AppError> {
    let month = match (input.kind, input.month) {
        (RetirementKind::Normal, m) => {
            let w = qibao_core::retirement::window(category, birth);
            let month = m.unwrap_or(w.statutory_month);
            check_chosen_month(category, birth, month)
                .map_err(|e| refusal(ErrorCode::RetirementMonthInvalid, "month", e.to_string()))?;
            month
        }
        (RetirementKind::Early(_), Some(m)) => m,
        (RetirementKind::Early(_), None) => {
            return Err(AppError::invalid_field("month", "提前退休请填写退休月份。"));
        }
    };
    // R-RET-4: from 3 months before the retirement month.
    let opens = month.add_months(-3);
    if current < opens {
        return Err(refusal(
            ErrorCode::RetirementTooSoon,
            "month",
            format!(
                "退休申请须在退休月份前3个月内提出：{}退休的，最早可于{}申请。",
                PeriodZh(month),
                PeriodZh(opens)
            ),
        ));
    }
    let estimate = at(loaded, birth, month, basis)?;
    if let RetirementKind::Early(kind) = input.kind {
        let facts = EarlyFacts {
            kind,
            category,
            birth,
            month,
            special_months: input.special_months.unwrap_or(0),
            contribution_months: estimate.months.total,
            appraisal_certificate: input.certificate_material_id.is_some(),
        };
        check_early(&facts).map_err(|e| {
            let field = match e {
                qibao_core::retirement::EarlyRefusal::SpecialYearsShort { .. } => "special_months",
                qibao_core::retirement::EarlyRefusal::CertificateMissing => {
                    "certificate_material_id"
                }
                _ => "month",
            };
            refusal(ErrorCode::EarlyRetirementRefused, field, e.to_string())
        })?;
    }
    check_minimum(
        month,
        ContributionMonths {
            paid: estimate.months.total - estimate.months.deemed,
            deemed: estimate.months.deemed,
        },
    )
    .map_err(|e| {
        refusal(
            ErrorCode::ContributionYearsShort,
            "person_no",
            e.to_string(),
        )
    })?;
    Ok((month, estimate))
}

fn apply_in(
    c: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &ApplyInput,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<RetirementApplicationDto, AppError> {
    let (person, relations) = unit_person(c, unit_id, &input.person_no)?;
    let active = relations.iter().any(|e| {
        e.insurance == qibao_core::insurance::Insurance::Pension
            && e.status == qibao_db::repo::ACTIVE
    });
    if !active {
        return Err(refusal(
            ErrorCode::PersonNotActive,
            "person_no",
            "该职工目前不在本单位参加企业职工基本养老保险，不能由本单位申请退休。".to_owned(),
        ));
    }
    let category = category_of(&person, input.category)?;
    if matches!(input.kind, RetirementKind::Early(k) if k != EarlyKind::Illness)
        && input.special_months.is_none()
    {
        return Err(AppError::invalid_field(
            "special_months",
            "特殊工种提前退休请填写从事特殊工种的月数。",
        ));
    }
    if input.material_ids.is_empty() && input.certificate_material_id.is_none() {
        return Err(material_required(
            "material_ids",
            "退休申请须上传证明材料（如退休申请表、身份证明、档案材料），请先上传材料再填写材料编号。",
        ));
    }
    let birth = birth_month(&person);
    let same = same_person_ids(c, &person)?;
    let loaded = super::load(c, &same)?;
    let mut ctx = UnitContext::load(c, unit_id)?;
    let basis = basis(c, &mut ctx, &person, &loaded, current)?;
    let (month, estimate) = checked_estimate(input, category, birth, current, &loaded, &basis)?;
    if let Some(a) = store::approved_of_person(c, person.id)? {
        return Err(
            AppError::new(ErrorCode::RetirementPending).with_detail(format!(
                "该职工已于{}批准退休，不能再申请。",
                a.decided_at.map(china_timestamp).unwrap_or_default()
            )),
        );
    }
    let estimate_json = serde_json::to_value(&estimate).unwrap_or(Value::Null);
    let mut materials: Vec<MaterialId> = input.material_ids.clone();
    if let Some(cert) = input.certificate_material_id
        && !materials.contains(&cert)
    {
        materials.push(cert);
    }
    let kind = input.kind.review();
    let payload = json!({
        "person_no": person.person_no,
        "name": person.name,
        "kind": input.kind.code(),
        "kind_label": input.kind.label_zh(),
        "category": category.code(),
        "retirement_month": month,
        "special_months": input.special_months,
        "certificate_material_id": input.certificate_material_id.map(|m| m.0),
        "pension": estimate.pension.total,
        "contribution_months": estimate.months,
        "minimum": estimate.minimum,
    });
    let (item, _) = crate::review::submit(
        c,
        who,
        Submission {
            unit_id,
            kind: crate::review::kind_info(kind),
            payload: payload.clone(),
            material_ids: &materials,
            before: None,
            after: Some(payload),
        },
        now,
    )?;
    let app = store::insert_application(
        c,
        &NewRetirementApplication {
            unit_id,
            person_id: person.id,
            business_item_id: item.id,
            kind: input.kind.code().to_owned(),
            category: category.code().to_owned(),
            retirement_period: month.yyyymm(),
            special_months: input.special_months,
            status: store::PENDING_REVIEW.to_owned(),
            estimate_json: estimate_json.to_string(),
            note: input.note.clone(),
            applied_by: who.name.clone(),
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|e| match e {
        DbError::Conflict { constraint } if constraint == store::ONE_LIVE_KEY => {
            AppError::new(ErrorCode::RetirementPending).with_detail(format!(
                "{}（个人编号{}）已有退休申请正在审核中，请等待审核结束。",
                person.name, person.person_no
            ))
        }
        other => other.into(),
    })?;
    dto(c, &app)
}

/// Submits the application in one transaction with its retry; nothing is
/// written when it is refused.
pub fn apply(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &ApplyInput,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<RetirementApplicationDto, AppError> {
    crate::tx::transaction_with_retry(conn, |c| apply_in(c, who, unit_id, input, current, now))
}

/// One of the unit's applications (退休审批进度查询); another unit's is 404.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: RetirementApplicationId,
) -> Result<RetirementApplicationDto, AppError> {
    read_transaction(conn, |c| {
        let a = store::application_of_unit(c, unit_id, id)?.ok_or_else(not_found)?;
        dto(c, &a)
    })
}

/// A page of the unit's applications, newest first, optionally of one person.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: Option<&str>,
    page: PageReq,
) -> Result<RetirementApplicationPage, AppError> {
    read_transaction(conn, |c| {
        let person_id = match person_no {
            Some(no) => match emp_db::find_by_person_no(c, no)? {
                Some(p) => Some(p.id),
                None => {
                    return Ok(RetirementApplicationPage {
                        items: Vec::new(),
                        page: PageInfo::new(page, 0),
                    });
                }
            },
            None => None,
        };
        let offset = (page.page - 1).saturating_mul(page.page_size);
        let (rows, total) =
            store::applications_of_unit(c, unit_id, person_id, offset, page.page_size)?;
        let items = rows
            .iter()
            .map(|a| dto(c, a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RetirementApplicationPage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

// ---------------------------------------------------------------- review

fn application_of(c: &mut DbConn, task: &ReviewTask) -> Result<RetirementApplication, AppError> {
    store::application_by_item(c, task.business_item_id)?.ok_or_else(|| {
        AppError::internal_cause(format_args!(
            "retirement task {} has no application (item {})",
            task.id, task.business_item_id
        ))
    })
}

fn not_pending() -> AppError {
    AppError::new(ErrorCode::RetirementState)
}

fn approve(
    c: &mut DbConn,
    task: &ReviewTask,
    reviewer: &dyn AsActor,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let a = application_of(c, task)?;
    if a.status != store::PENDING_REVIEW {
        return Err(not_pending());
    }
    let person = emp_db::get_persons(c, &[a.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("retirement person", a.person_id))?;
    let month =
        Period::from_yyyymm(a.retirement_period).map_err(|e| corrupt("retirement period", e))?;
    let current = Period::of(crate::clock::china_date(now));
    let same = same_person_ids(c, &person)?;
    let loaded = super::load(c, &same)?;
    let mut ctx = UnitContext::load(c, a.unit_id)?;
    let basis = basis(c, &mut ctx, &person, &loaded, current)?;
    let estimate = at(&loaded, birth_month(&person), month, &basis)?;
    if !estimate.minimum.met {
        return Err(AppError::new(ErrorCode::ContributionYearsShort)
            .with_detail(estimate.minimum.message.clone().unwrap_or_default()));
    }
    let frozen = serde_json::to_value(&estimate)
        .unwrap_or(Value::Null)
        .to_string();
    let note = qibao_db::review::events_of_task(c, task.id)?
        .into_iter()
        .rev()
        .find(|e| e.event == "approved")
        .and_then(|e| e.note);
    if !store::decide(
        c,
        a.id,
        store::APPROVED,
        Some(&frozen),
        Some(estimate.first_pension_month.yyyymm()),
        Some(estimate.pension.total.fen()),
        &reviewer.as_actor().name,
        note.as_deref(),
        now,
    )? {
        return Err(not_pending());
    }
    store::insert_pension(
        c,
        &store::PensionRow {
            person_id: a.person_id,
            unit_id: a.unit_id,
            application_id: a.id,
            first_period: estimate.first_pension_month.yyyymm(),
            monthly_fen: estimate.pension.total.fen(),
            account_part_fen: estimate.pension.account.amount.fen(),
            account_balance_fen: estimate.account_balance.fen(),
            payment_kind: None,
            bank_name: None,
            account_name: None,
            account_no: None,
            death_period: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    crate::staff::persons::add_status_in(
        c,
        reviewer,
        &person.person_no,
        PersonStatus {
            kind: PersonStatusKind::Retirement,
            from: month,
            to: None,
        },
        &format!(
            "退休审批通过（退休申请{}），{}起领取基本养老金",
            a.id,
            PeriodZh(estimate.first_pension_month)
        ),
        now,
    )?;
    Ok(())
}

fn reject(
    c: &mut DbConn,
    task: &ReviewTask,
    reviewer: &dyn AsActor,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let a = application_of(c, task)?;
    if !store::decide(
        c,
        a.id,
        store::REJECTED,
        None,
        None,
        None,
        &reviewer.as_actor().name,
        task.reason.as_deref(),
        now,
    )? {
        return Err(not_pending());
    }
    Ok(())
}

impl ReviewKind for RetirementReview {
    fn code(&self) -> &'static str {
        self.0.code()
    }

    fn label_zh(&self) -> &'static str {
        self.0.label_zh()
    }

    fn required_role(&self) -> &'static str {
        "reviewer"
    }

    fn apply_approval(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        approve(conn, task, reviewer, now)
    }

    fn on_rejection(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        reject(conn, task, reviewer, now)
    }
}

//! The employee business actions of a unit, each run inside the caller's
//! transaction: enrolment / continuation (R-EMP-1…4), adding an insurance,
//! suspension and removing an insurance (R-EMP-5), and revoking any of them
//! (R-UNDO-1). Rules come from `qibao_core::employment` and
//! `qibao_core::rules`; money from `qibao_core::contribution`.
//!
//! Every action records one business item. Its `after_json` holds
//! `{"summary": …, "effects": …}`: the effects (rows created and changed)
//! are what a revocation undoes, exactly.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;

use qibao_core::contribution::{WageBasis, assess_one, declared_monthly_wage};
use qibao_core::employment::{
    ActiveRelation, AssessmentKind, CoverSpan, EmployeeItemKind, EnrolmentRefusal, ExcludedLine,
    IdType, InsuredStatus, LineState, LineStatus, NonAccountable, NotRevocable, PersonStatus,
    PersonStatusKind, PlannedLine, accountability, check_lines_revocable, check_no_active_relation,
    check_stop, enrolment_periods, id_spellings, pension_elsewhere, plan_lines,
};
use qibao_core::ids::Gender;
use qibao_core::insurance::Insurance;
use qibao_core::rules::{EnrolmentError, enrolment_plan};
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::{self as lines_db, Assessment, NewAssessment};
use qibao_db::business_items as items_db;
use qibao_db::employees as emp_db;
use qibao_db::rows::{BusinessItem, Employment, NewEmployment, NewPerson, Person};
use qibao_db::{DbConn, DbError, repo};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::items::{self, ItemRecord};
use crate::problem::ApiError;

/// Item kinds recorded here besides [`EmployeeItemKind`].
pub const KIND_INFO_CHANGE: &str = "employee_info_change";
pub const KIND_KEY_CHANGE: &str = "person_key_change";
pub const KIND_STATUS_ADDED: &str = "person_status_added";
pub const KIND_MERGE: &str = "person_merge";
pub const KIND_REVOCATION: &str = "business_item_revocation";

pub use qibao_app::items::{DONE, REVOKED};

/// A stored value that does not parse (an internal error).
pub(crate) fn corrupt(what: &str, detail: impl Display) -> ApiError {
    qibao_app::error::corrupt(what, detail).into()
}

fn retryable(e: DbError) -> ApiError {
    qibao_app::tx::conflict_as_retry(e, "该人员的参保信息正在被其他业务办理，请稍后刷新后核对。")
}

// ---------------------------------------------------------------- DTOs

/// A person (参保人员) as the unit sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct PersonDto {
    /// Person number (个人编号, AAC001), 11 digits.
    #[schema(example = "10003726000")]
    pub person_no: String,
    /// Kind of identity document (证件类型).
    pub id_type: IdType,
    /// ID number (社会保障号码 / 身份证号码, AAC002).
    #[schema(example = "420500198001011235")]
    pub id_number: String,
    /// Name (姓名, AAC003).
    #[schema(example = "张三")]
    pub name: String,
    /// Gender (性别, AAC004): M or F.
    #[schema(example = "M")]
    pub gender: String,
    /// Birth date (出生日期, AAC006).
    pub birth_date: Date,
    /// Nationality, ISO 3166 alpha-3 (国籍, AAC161).
    #[schema(example = "CHN")]
    pub nationality: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// First-work date (首次参工时间, AAC007).
    pub first_work_date: Option<Date>,
}

impl PersonDto {
    pub fn of(p: &Person) -> PersonDto {
        PersonDto {
            person_no: p.person_no.clone(),
            id_type: IdType::parse(&p.id_type).unwrap_or(IdType::Resident),
            id_number: p.id_number.clone(),
            name: p.name.clone(),
            gender: p.gender.clone(),
            birth_date: p.birth_date,
            nationality: p.nationality.clone(),
            phone: p.phone.clone(),
            address: p.address.clone(),
            first_work_date: p.first_work_date,
        }
    }
}

/// One relation of the person with the unit for one insurance (参保关系).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelationDto {
    pub employment_id: i64,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    #[schema(example = "企业职工基本养老保险")]
    pub insurance_name: String,
    /// This-employment start date (本次参工时间).
    pub start_date: Date,
    /// The day employment ended (停保时间), when suspended.
    pub stop_date: Option<Date>,
    pub stop_reason: Option<String>,
    /// paying or suspended.
    pub status: InsuredStatus,
    /// Insured status code (参保状态, AAC031): 1 paying, 2 suspended.
    #[schema(example = "1")]
    pub status_code: String,
    /// Declared monthly wage, rounded to 10 yuan (申报工资, R-WAGE-2).
    pub declared_wage: Money,
}

impl RelationDto {
    pub fn of(e: &Employment) -> Result<RelationDto, ApiError> {
        let insurance =
            Insurance::from_code(&e.insurance).map_err(|err| corrupt("insurance", err))?;
        let status = if e.status == repo::ACTIVE {
            InsuredStatus::Paying
        } else {
            InsuredStatus::Suspended
        };
        Ok(RelationDto {
            employment_id: e.id,
            insurance,
            insurance_name: insurance.name_zh().to_string(),
            start_date: e.start_date,
            stop_date: e.stop_date,
            stop_reason: e.stop_reason.clone(),
            status,
            status_code: status.code().to_string(),
            declared_wage: Money::from_fen(e.monthly_wage_fen),
        })
    }
}

/// One assessment line (核定明细): base × rate per side, rounded half-up to
/// the fen, with the parameters of its own period (R-MON-2, R-POL-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineDto {
    pub id: i64,
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    /// What created the line (核定类型, AAA115).
    pub kind: AssessmentKind,
    #[schema(example = "单位补缴")]
    pub kind_label: String,
    /// Contribution base (缴费基数, AAE180).
    pub base: Money,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub unit_amount: Money,
    pub individual_amount: Money,
    pub total: Money,
    pub status: LineStatus,
    /// False for the work-injury line of a transfer month (R-EMP-4, R-REF-4).
    pub refundable: bool,
}

impl LineDto {
    pub fn of(a: &Assessment) -> Result<LineDto, ApiError> {
        let period = Period::from_yyyymm(a.period).map_err(|e| corrupt("period", e))?;
        let insurance = Insurance::from_code(&a.insurance).map_err(|e| corrupt("insurance", e))?;
        let kind = AssessmentKind::parse(&a.kind).ok_or_else(|| corrupt("line kind", &a.kind))?;
        let status =
            LineStatus::parse(&a.status).ok_or_else(|| corrupt("line status", &a.status))?;
        let unit_amount = Money::from_fen(a.unit_fen);
        let individual_amount = Money::from_fen(a.individual_fen);
        Ok(LineDto {
            id: a.id,
            period,
            insurance,
            kind,
            kind_label: kind.label_zh().to_string(),
            base: Money::from_fen(a.base_fen),
            unit_rate: Rate::from_ppm(a.unit_rate_ppm),
            individual_rate: Rate::from_ppm(a.individual_rate_ppm),
            unit_amount,
            individual_amount,
            total: unit_amount + individual_amount,
            status,
            refundable: kind != AssessmentKind::InjuryOnlyTransfer,
        })
    }

    pub fn many(rows: &[Assessment]) -> Result<Vec<LineDto>, ApiError> {
        rows.iter().map(LineDto::of).collect()
    }
}

/// Sums of lines.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct LineTotals {
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
}

impl LineTotals {
    pub fn of(lines: &[LineDto]) -> LineTotals {
        let mut t = LineTotals::default();
        for l in lines {
            t.unit += l.unit_amount;
            t.individual += l.individual_amount;
            t.total += l.total;
        }
        t
    }
}

/// Months older than the automatic window (R-EMP-3): they need a
/// labour-contract back-pay application (劳动合同补缴, R-BACK-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LabourContractNotice {
    pub from: Period,
    pub to: Period,
    #[schema(
        example = "本次参工时间早于可自动补缴的期间，202211至202303的缴费须另行申请劳动合同补缴"
    )]
    pub message: String,
}

/// The answer to an enrolment or an insurance addition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrolmentResult {
    /// The business item (办件) recorded; revoke it to undo.
    pub business_item_id: i64,
    pub person: PersonDto,
    /// True when a new person number was created; false when an existing
    /// person (same ID) was continued (续保).
    pub person_created: bool,
    /// The legacy 15-digit ID number the given ID was converted from (R-ID-1).
    pub id_number_converted_from: Option<String>,
    /// The declared monthly wage rounded to 10 yuan (R-WAGE-2).
    pub declared_wage: Money,
    pub relations: Vec<RelationDto>,
    /// The month the employment started.
    pub start_period: Period,
    /// The current month (always assessed unless excluded).
    pub current_period: Period,
    /// Months back-paid automatically (R-EMP-3).
    pub back_pay_periods: Vec<Period>,
    /// The pending lines created, each at its own period's rates.
    pub lines: Vec<LineDto>,
    pub totals: LineTotals,
    /// Months × insurances left out, with the reason (R-EMP-4, R-EMP-7).
    pub excluded: Vec<ExcludedLine>,
    pub labour_contract_back_pay: Option<LabourContractNotice>,
    /// Notes for the agent, in Chinese.
    pub messages: Vec<String>,
}

/// The answer to a suspension or an insurance removal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StopResult {
    pub business_item_id: i64,
    pub person_no: String,
    pub stop_date: Date,
    /// The month of the stop date: still paid (R-EMP-5).
    pub last_payable_period: Period,
    /// Contributions stop from this month.
    pub first_stopped_period: Period,
    pub relations: Vec<RelationDto>,
    /// Pending lines of later months, now cancelled.
    pub cancelled_lines: Vec<LineDto>,
    /// Later months already billed or paid: left for the refund application
    /// (多缴退费, R-REF).
    pub lines_for_refund: Vec<LineDto>,
    pub messages: Vec<String>,
}

// ---------------------------------------------------------------- effects

/// General fields of a person, as they were / became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralFields {
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
}

impl GeneralFields {
    pub fn of(p: &Person) -> GeneralFields {
        GeneralFields {
            phone: p.phone.clone(),
            address: p.address.clone(),
            first_work_date: p.first_work_date,
        }
    }
}

/// Status, stop date and reason of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationState {
    pub status: String,
    pub stop_date: Option<Date>,
    pub stop_reason: Option<String>,
}

impl RelationState {
    pub fn of(e: &Employment) -> RelationState {
        RelationState {
            status: e.status.clone(),
            stop_date: e.stop_date,
            stop_reason: e.stop_reason.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationChange {
    pub employment_id: i64,
    pub before: RelationState,
    pub after: RelationState,
}

/// What an item did, so that revoking it can undo exactly that.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    pub person_id: i64,
    pub person_no: String,
    #[serde(default)]
    pub person_created: bool,
    #[serde(default)]
    pub person_before: Option<GeneralFields>,
    #[serde(default)]
    pub person_after: Option<GeneralFields>,
    #[serde(default)]
    pub employments_created: Vec<i64>,
    #[serde(default)]
    pub employments_changed: Vec<RelationChange>,
    #[serde(default)]
    pub lines_created: Vec<i64>,
    #[serde(default)]
    pub lines_cancelled: Vec<i64>,
}

impl Effects {
    pub fn of_item(item: &BusinessItem) -> Option<Effects> {
        let after: Value = serde_json::from_str(item.after_json.as_deref()?).ok()?;
        serde_json::from_value(after.get("effects")?.clone()).ok()
    }
}

fn after_json(summary: Value, effects: &Effects) -> Result<String, ApiError> {
    let effects = serde_json::to_value(effects).map_err(ApiError::internal_cause)?;
    Ok(json!({ "summary": summary, "effects": effects }).to_string())
}

// ---------------------------------------------------------------- context

pub use qibao_app::context::UnitContext;

// ---------------------------------------------------------------- lookups

pub use qibao_app::persons::{person_id_type, person_key, same_person_ids};

pub fn statuses_of(conn: &mut DbConn, person_ids: &[i64]) -> Result<Vec<PersonStatus>, ApiError> {
    emp_db::list_statuses(conn, person_ids)?
        .iter()
        .map(person_status)
        .collect()
}

/// A stored status record as the rules read it; a corrupt one is a 500.
pub fn person_status(s: &emp_db::PersonStatusRow) -> Result<PersonStatus, ApiError> {
    Ok(PersonStatus {
        kind: PersonStatusKind::parse(&s.kind).ok_or_else(|| corrupt("status kind", &s.kind))?,
        from: Period::from_yyyymm(s.from_period).map_err(|e| corrupt("period", e))?,
        to: s
            .to_period
            .map(Period::from_yyyymm)
            .transpose()
            .map_err(|e| corrupt("period", e))?,
    })
}

/// Active relations of these persons, with the unit number.
pub fn active_relations(
    conn: &mut DbConn,
    person_ids: &[i64],
) -> Result<Vec<(Employment, ActiveRelation)>, ApiError> {
    let active: Vec<Employment> = emp_db::employments_of_persons(conn, person_ids)?
        .into_iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    let mut unit_ids: Vec<i64> = active.iter().map(|e| e.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let nos: HashMap<i64, String> = emp_db::unit_nos(conn, &unit_ids)?.into_iter().collect();
    active
        .into_iter()
        .map(|e| {
            let rel = ActiveRelation {
                unit_id: e.unit_id,
                unit_no: nos.get(&e.unit_id).cloned().unwrap_or_default(),
                insurance: Insurance::from_code(&e.insurance)
                    .map_err(|err| corrupt("insurance", err))?,
            };
            Ok((e, rel))
        })
        .collect()
}

pub fn parse_person_no(s: &str) -> Result<String, ApiError> {
    qibao_core::ids::PersonNo::parse(s)
        .map(|p| p.as_str().to_string())
        .map_err(|e| ApiError::invalid_field("person_no", e.to_string()))
}

pub use qibao_app::persons::{person_not_found, unit_person};

fn refusal(e: EnrolmentRefusal) -> ApiError {
    let msg = e.to_string();
    match e {
        EnrolmentRefusal::ActiveElsewhere { .. } => ApiError::conflict("ACTIVE_ELSEWHERE", msg),
        EnrolmentRefusal::AlreadyActiveHere { .. } => {
            ApiError::conflict("ALREADY_ENROLLED", msg.clone()).with_field_error("insurances", msg)
        }
        EnrolmentRefusal::InsuranceNotRegistered { .. } => {
            ApiError::unprocessable("INSURANCE_NOT_REGISTERED", msg.clone())
                .with_field_error("insurances", msg)
        }
    }
}

/// The labour-contract months of a plan (R-EMP-3), from the unit's
/// insurance start at the earliest; none when nothing is left.
fn clamp_labour_contract(
    plan: &qibao_core::rules::EnrolmentPlan,
    unit_starts: &HashMap<Insurance, Period>,
) -> Option<(Period, Period)> {
    let (from, to) = plan.labour_contract_periods?;
    let from = unit_starts
        .values()
        .min()
        .map_or(from, |start| from.max(*start));
    (from <= to).then_some((from, to))
}

fn plan_error(e: EnrolmentError) -> ApiError {
    let msg = e.to_string();
    let (code, field) = match e {
        EnrolmentError::StartInFuture { .. } => ("START_DATE_IN_FUTURE", "start_date"),
        EnrolmentError::UnderAge { .. } => ("UNDER_WORKING_AGE", "start_date"),
        EnrolmentError::BeforeFirstWork { .. } => ("START_BEFORE_FIRST_WORK", "start_date"),
    };
    ApiError::unprocessable(code, msg.clone()).with_field_error(field, msg)
}

// ---------------------------------------------------------------- lines

/// Creates the planned lines as pending, at each period's parameters.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_lines(
    conn: &mut DbConn,
    ctx: &mut UnitContext,
    person_id: i64,
    relation_of: &HashMap<Insurance, i64>,
    declared: Money,
    planned: &[PlannedLine],
    item_id: i64,
    now: PrimitiveDateTime,
) -> Result<Vec<Assessment>, ApiError> {
    let mut out = Vec::with_capacity(planned.len());
    for pl in planned {
        let employment_id = *relation_of
            .get(&pl.insurance)
            .ok_or_else(|| ApiError::internal_cause("line without relation"))?;
        let base = ctx.base(pl.period, declared)?.base;
        let injury = if pl.insurance == Insurance::WorkInjury {
            Some(ctx.rating(pl.period)?)
        } else {
            None
        };
        let line = assess_one(ctx.params(pl.period)?, base, pl.insurance, injury)?;
        let row = lines_db::insert(
            conn,
            &NewAssessment {
                unit_id: ctx.unit.id,
                person_id,
                employment_id,
                insurance: pl.insurance.code().to_string(),
                period: pl.period.yyyymm(),
                kind: pl.kind.code().to_string(),
                base_fen: line.base.fen(),
                unit_rate_ppm: line.unit_rate.ppm(),
                individual_rate_ppm: line.individual_rate.ppm(),
                unit_fen: line.unit_amount.fen(),
                individual_fen: line.individual_amount.fen(),
                status: lines_db::PENDING.to_string(),
                source_item_id: Some(item_id),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(retryable)?;
        out.push(row);
    }
    Ok(out)
}

/// The lines to create for `periods` × `insurances` of a person at the unit,
/// and what is left out: non-accountable months (R-EMP-7), months whose
/// pension is paid at another unit (R-EMP-4), months already assessed here.
pub(crate) fn plan_for(
    conn: &mut DbConn,
    unit_id: i64,
    person_ids: &[i64],
    periods: &[(Period, AssessmentKind)],
    insurances: &[Insurance],
    unit_starts: &HashMap<Insurance, Period>,
) -> Result<(Vec<PlannedLine>, Vec<ExcludedLine>), ApiError> {
    let statuses = statuses_of(conn, person_ids)?;
    let spans: Vec<CoverSpan> = emp_db::employments_of_persons(conn, person_ids)?
        .iter()
        .filter(|e| e.unit_id != unit_id && e.insurance == Insurance::Pension.code())
        .map(|e| CoverSpan::of(e.start_date, e.stop_date))
        .collect();
    let assessed: Vec<Period> =
        lines_db::live_periods_elsewhere(conn, person_ids, unit_id, Insurance::Pension.code())?
            .into_iter()
            .filter_map(|p| Period::from_yyyymm(p).ok())
            .collect();
    let plan = plan_lines(periods, insurances, &statuses, &|p| {
        pension_elsewhere(p, &spans, &assessed)
    });
    let first = periods.iter().map(|(p, _)| p.yyyymm()).min().unwrap_or(0);
    let mut here: Vec<(Period, Insurance)> = Vec::new();
    for ins in insurances {
        for l in lines_db::live_from_period(conn, unit_id, person_ids, ins.code(), first)? {
            if let Ok(p) = Period::from_yyyymm(l.period) {
                here.push((p, *ins));
            }
        }
    }
    let mut lines = Vec::new();
    let mut excluded = plan.excluded;
    for l in plan.lines {
        if let Some(start) = unit_starts.get(&l.insurance)
            && l.period < *start
        {
            excluded.push(ExcludedLine {
                period: l.period,
                insurance: l.insurance,
                reason: "before_unit_insurance".to_string(),
                message: format!(
                    "本单位{}自{start}起参保，{}不核定该险种",
                    l.insurance.name_zh(),
                    l.period
                ),
            });
        } else if here.contains(&(l.period, l.insurance)) {
            excluded.push(ExcludedLine {
                period: l.period,
                insurance: l.insurance,
                reason: "already_assessed".to_string(),
                message: format!(
                    "该人员{}的{}已在本单位核定，不再重复核定",
                    l.period,
                    l.insurance.name_zh()
                ),
            });
        } else {
            lines.push(l);
        }
    }
    Ok((lines, excluded))
}

// ---------------------------------------------------------------- enrolment

/// A checked enrolment request (R-EMP-1).
#[derive(Debug, Clone)]
pub struct EnrolInput {
    pub id_type: IdType,
    /// The normalised ID number (R-ID-1) or document number.
    pub id_number: String,
    pub converted_from: Option<String>,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub nationality: String,
    pub phone: String,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
    pub start_date: Date,
    /// `None`: every insurance the unit is registered for.
    pub insurances: Option<Vec<Insurance>>,
    pub monthly_wage: Money,
}

fn line_summary(lines: &[LineDto]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({
                    "period": l.period, "insurance": l.insurance, "kind": l.kind,
                    "base": l.base, "unit_amount": l.unit_amount,
                    "individual_amount": l.individual_amount
                })
            })
            .collect(),
    )
}

/// 单位职工参保登记/续保 (R-EMP-1…4), in the caller's transaction.
pub fn enrol(
    conn: &mut DbConn,
    who: &Principal,
    unit_id: i64,
    input: &EnrolInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, ApiError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let insurances: Vec<Insurance> = match &input.insurances {
        Some(list) => list.clone(),
        None => ctx
            .insurances()
            .into_iter()
            .filter(|i| ctx.registration(*i).is_some())
            .collect(),
    };
    if insurances.is_empty() {
        return Err(ApiError::unprocessable(
            "INSURANCE_NOT_REGISTERED",
            "本单位没有处于参保状态的险种，不能办理职工参保",
        )
        .with_field_error("insurances", "本单位没有处于参保状态的险种"));
    }
    for (i, ins) in insurances.iter().enumerate() {
        if ctx.registration(*ins).is_none() {
            let msg = EnrolmentRefusal::InsuranceNotRegistered { insurance: *ins }.to_string();
            return Err(
                ApiError::unprocessable("INSURANCE_NOT_REGISTERED", msg.clone())
                    .with_field_error(format!("insurances[{i}]"), msg),
            );
        }
    }

    // A known ID continues the existing person (any of its numbers).
    let existing = emp_db::find_by_id_spellings(conn, &id_spellings(&input.id_number))?;
    let ids: Vec<i64> = existing.iter().map(|p| p.id).collect();
    let active = active_relations(conn, &ids)?;
    let primary = existing
        .iter()
        .find(|p| active.iter().any(|(e, _)| e.person_id == p.id))
        .or_else(|| existing.first())
        .cloned();
    let rels: Vec<ActiveRelation> = active.iter().map(|(_, r)| r.clone()).collect();
    check_no_active_relation(unit_id, &insurances, &rels).map_err(refusal)?;
    // A continued person keeps the registered name: key information is
    // changed only at the counter (R-EMP-9); the agent is told.
    let name_differs = primary
        .as_ref()
        .is_some_and(|p| p.name.trim() != input.name);

    let first_work = primary
        .as_ref()
        .and_then(|p| p.first_work_date)
        .or(input.first_work_date);
    let current = Period::of(today);
    let window = ctx.params(current)?.windows.back_pay_months;
    let plan = enrolment_plan(
        input.start_date,
        today,
        input.birth_date,
        first_work,
        window,
    )
    .map_err(plan_error)?;
    if primary.is_none() && first_work.is_none() {
        return Err(ApiError::invalid_field(
            "first_work_date",
            "新参保人员须填写首次参工时间",
        ));
    }
    let unit_starts = ctx.starts(&insurances)?;
    let labour_contract_periods = clamp_labour_contract(&plan, &unit_starts);
    let periods = enrolment_periods(&plan);
    let (planned, excluded) = plan_for(conn, unit_id, &ids, &periods, &insurances, &unit_starts)?;

    // The person: continued, or created with the ID claimed.
    let (person, created, person_before, person_after) = match primary {
        Some(p) => {
            let before = GeneralFields::of(&p);
            let after = GeneralFields {
                phone: Some(input.phone.clone()),
                address: input.address.clone().or(p.address.clone()),
                first_work_date: p.first_work_date.or(input.first_work_date),
            };
            if after == before {
                (p, false, None, None)
            } else {
                let updated = emp_db::update_general(
                    conn,
                    p.id,
                    &emp_db::PersonGeneralChange {
                        phone: after.phone.clone(),
                        address: after.address.clone(),
                        first_work_date: after.first_work_date,
                        updated_at: now,
                    },
                )?;
                (updated, false, Some(before), Some(after))
            }
        }
        None => {
            let person_no = repo::next_sequence(conn, "person_no")?.to_string();
            let p = repo::insert_person(
                conn,
                &NewPerson {
                    person_no,
                    id_type: input.id_type.code().to_string(),
                    id_number: input.id_number.clone(),
                    name: input.name.clone(),
                    gender: input.gender.code().to_string(),
                    birth_date: input.birth_date,
                    nationality: input.nationality.clone(),
                    phone: Some(input.phone.clone()),
                    address: input.address.clone(),
                    first_work_date: input.first_work_date,
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(retryable)?;
            emp_db::claim_id_key(conn, &input.id_number, p.id).map_err(retryable)?;
            (p, true, None, None)
        }
    };

    let declared = declared_monthly_wage(WageBasis::Monthly {
        wage: input.monthly_wage,
    })?;
    let mut relations = Vec::new();
    let mut relation_of = HashMap::new();
    for ins in &insurances {
        let e = repo::insert_employment(
            conn,
            &NewEmployment {
                unit_id,
                person_id: person.id,
                insurance: ins.code().to_string(),
                start_date: input.start_date,
                stop_date: None,
                stop_reason: None,
                status: repo::ACTIVE.to_string(),
                monthly_wage_fen: declared.fen(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(retryable)?;
        relation_of.insert(*ins, e.id);
        relations.push(e);
    }

    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: EmployeeItemKind::Enrolment.code(),
            status: DONE,
            before: person_before.as_ref().map(|b| json!({ "person": b })),
            after: None,
        },
        now,
    )?;
    let rows = create_lines(
        conn,
        &mut ctx,
        person.id,
        &relation_of,
        declared,
        &planned,
        item.id,
        now,
    )?;
    let lines = LineDto::many(&rows)?;

    let mut messages = Vec::new();
    if !created {
        messages.push(format!(
            "该人员已有个人编号{}，本次为续保，未新建人员",
            person.person_no
        ));
    }
    if name_differs {
        messages.push(format!(
            "填写的姓名“{}”与登记的姓名“{}”不一致，已按登记信息办理；如登记有误，请携带证明材料到经办机构柜台变更",
            input.name, person.name
        ));
    }
    if let Some(from) = &input.converted_from {
        messages.push(format!(
            "15位身份证号码{from}已转换为18位号码{}",
            input.id_number
        ));
    }
    let labour_contract = labour_contract_periods.map(|(from, to)| {
        let message = format!(
            "本次参工时间早于可自动补缴的期间（当月及前{window}个月），已从{}起参保；{from}至{to}的缴费须另行申请劳动合同补缴",
            plan.current_period
        );
        messages.push(message.clone());
        LabourContractNotice { from, to, message }
    });
    if excluded.iter().any(|e| e.reason == "paid_elsewhere") {
        messages.push(
            "该人员当月养老保险已在原单位缴纳，本单位当月只核定工伤保险，该工伤保险费不予退费"
                .to_string(),
        );
    }

    let effects = Effects {
        person_id: person.id,
        person_no: person.person_no.clone(),
        person_created: created,
        person_before,
        person_after,
        employments_created: relations.iter().map(|e| e.id).collect(),
        employments_changed: Vec::new(),
        lines_created: rows.iter().map(|r| r.id).collect(),
        lines_cancelled: Vec::new(),
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name, "id_number": person.id_number,
        "person_created": created, "start_date": input.start_date,
        "insurances": insurances, "declared_wage": declared,
        "lines": line_summary(&lines),
        "labour_contract_back_pay": labour_contract.as_ref().map(|l| json!({"from": l.from, "to": l.to})),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;

    Ok(EnrolmentResult {
        business_item_id: item.id,
        person: PersonDto::of(&person),
        person_created: created,
        id_number_converted_from: input.converted_from.clone(),
        declared_wage: declared,
        relations: relations
            .iter()
            .map(RelationDto::of)
            .collect::<Result<_, _>>()?,
        start_period: plan.start_period,
        current_period: plan.current_period,
        back_pay_periods: plan.back_pay_periods.clone(),
        totals: LineTotals::of(&lines),
        lines,
        excluded,
        labour_contract_back_pay: labour_contract,
        messages,
    })
}

/// A checked request to add an insurance for an employee.
#[derive(Debug, Clone)]
pub struct AddInsuranceInput {
    pub insurance: Insurance,
    pub start_date: Date,
    pub monthly_wage: Option<Money>,
}

/// 单位职工增加险种: a new relation in one more insurance for a paying
/// employee, with the same back-pay window as an enrolment.
pub fn add_insurance(
    conn: &mut DbConn,
    who: &Principal,
    unit_id: i64,
    person_no: &str,
    input: &AddInsuranceInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, ApiError> {
    let (person, relations_here) = unit_person(conn, unit_id, person_no)?;
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let Some(reg) = ctx.registration(input.insurance) else {
        return Err(refusal(EnrolmentRefusal::InsuranceNotRegistered {
            insurance: input.insurance,
        }));
    };
    let unit_start = Period::from_yyyymm(reg.start_period).map_err(|e| corrupt("period", e))?;
    let active_here: Vec<&Employment> = relations_here
        .iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    let Some(latest) = active_here.iter().max_by_key(|e| e.id) else {
        return Err(ApiError::conflict(
            "NOT_ACTIVE",
            "该人员在本单位已暂停缴费，请办理参保登记（续保）后再增加险种",
        ));
    };
    let ids = same_person_ids(conn, &person)?;
    let active: Vec<ActiveRelation> = active_relations(conn, &ids)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    check_no_active_relation(unit_id, &[input.insurance], &active).map_err(refusal)?;

    let current = Period::of(today);
    let window = ctx.params(current)?.windows.back_pay_months;
    let plan = enrolment_plan(
        input.start_date,
        today,
        person.birth_date,
        person.first_work_date,
        window,
    )
    .map_err(plan_error)?;
    let unit_starts = HashMap::from([(input.insurance, unit_start)]);
    let labour_contract_periods = clamp_labour_contract(&plan, &unit_starts);
    let declared = match input.monthly_wage {
        Some(w) => declared_monthly_wage(WageBasis::Monthly { wage: w })?,
        None => Money::from_fen(latest.monthly_wage_fen),
    };
    let periods = enrolment_periods(&plan);
    let (planned, excluded) = plan_for(
        conn,
        unit_id,
        &ids,
        &periods,
        &[input.insurance],
        &unit_starts,
    )?;

    let e = repo::insert_employment(
        conn,
        &NewEmployment {
            unit_id,
            person_id: person.id,
            insurance: input.insurance.code().to_string(),
            start_date: input.start_date,
            stop_date: None,
            stop_reason: None,
            status: repo::ACTIVE.to_string(),
            monthly_wage_fen: declared.fen(),
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(retryable)?;
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: EmployeeItemKind::InsuranceAdded.code(),
            status: DONE,
            before: Some(json!({
                "insurances": active_here.iter().map(|e| e.insurance.clone()).collect::<Vec<_>>()
            })),
            after: None,
        },
        now,
    )?;
    let relation_of = HashMap::from([(input.insurance, e.id)]);
    let rows = create_lines(
        conn,
        &mut ctx,
        person.id,
        &relation_of,
        declared,
        &planned,
        item.id,
        now,
    )?;
    let lines = LineDto::many(&rows)?;
    let mut messages = Vec::new();
    let labour_contract = labour_contract_periods.map(|(from, to)| {
        let message = format!(
            "增加险种的参保时间早于可自动补缴的期间，已从{}起核定；{from}至{to}的缴费须另行申请劳动合同补缴",
            plan.current_period
        );
        messages.push(message.clone());
        LabourContractNotice { from, to, message }
    });
    let effects = Effects {
        person_id: person.id,
        person_no: person.person_no.clone(),
        employments_created: vec![e.id],
        lines_created: rows.iter().map(|r| r.id).collect(),
        ..Effects::default()
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name, "insurance": input.insurance,
        "start_date": input.start_date, "declared_wage": declared, "lines": line_summary(&lines),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;
    Ok(EnrolmentResult {
        business_item_id: item.id,
        person: PersonDto::of(&person),
        person_created: false,
        id_number_converted_from: None,
        declared_wage: declared,
        relations: vec![RelationDto::of(&e)?],
        start_period: plan.start_period,
        current_period: plan.current_period,
        back_pay_periods: plan.back_pay_periods.clone(),
        totals: LineTotals::of(&lines),
        lines,
        excluded,
        labour_contract_back_pay: labour_contract,
        messages,
    })
}

// ---------------------------------------------------------------- stop

/// A checked suspension or insurance removal.
#[derive(Debug, Clone)]
pub struct StopInput {
    /// Suspension or InsuranceRemoved.
    pub kind: EmployeeItemKind,
    /// `None`: every insurance the person pays at the unit.
    pub insurances: Option<Vec<Insurance>>,
    /// `None`: the last day of the previous month (contributions stop from
    /// the current month), or the start date when that is later.
    pub stop_date: Option<Date>,
    pub reason: String,
}

/// 单位职工社会保险暂停 / 单位职工减少险种 (R-EMP-5): the month of the stop
/// date stays payable; pending lines of later months are cancelled; billed
/// or paid later months are left for the refund application.
pub fn stop(
    conn: &mut DbConn,
    who: &Principal,
    unit_id: i64,
    person_no: &str,
    input: &StopInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<StopResult, ApiError> {
    let (person, relations_here) = unit_person(conn, unit_id, person_no)?;
    let active: Vec<&Employment> = relations_here
        .iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    if active.is_empty() {
        return Err(ApiError::conflict(
            "NOT_ACTIVE",
            "该人员在本单位已暂停缴费（停保），无需重复办理",
        ));
    }
    let targets: Vec<&Employment> = match &input.insurances {
        None => active.clone(),
        Some(list) => {
            let mut out = Vec::new();
            for (i, ins) in list.iter().enumerate() {
                match active.iter().find(|e| e.insurance == ins.code()) {
                    Some(e) => out.push(*e),
                    None => {
                        let msg = format!("该人员在本单位未参加{}或已停保", ins.name_zh());
                        return Err(ApiError::conflict("NOT_ACTIVE", msg.clone())
                            .with_field_error(format!("insurances[{i}]"), msg));
                    }
                }
            }
            out
        }
    };
    if input.kind == EmployeeItemKind::InsuranceRemoved && targets.len() == active.len() {
        return Err(ApiError::unprocessable(
            "LAST_INSURANCE",
            "该人员在本单位只参加这一个险种，减少后将不再参保，请办理单位职工社会保险暂停（停保）",
        ));
    }
    let stop_date = input.stop_date.unwrap_or_else(|| {
        let latest_start = targets.iter().map(|e| e.start_date).max();
        let prev_end = Period::of(today).prev().last_day();
        latest_start.map_or(prev_end, |s| s.max(prev_end))
    });
    let mut plan = None;
    for e in &targets {
        let p = check_stop(e.start_date, stop_date, today).map_err(|err| {
            let msg = err.to_string();
            ApiError::unprocessable("STOP_DATE_INVALID", msg.clone())
                .with_field_error("stop_date", msg)
        })?;
        plan = Some(p);
    }
    let plan = plan.ok_or_else(|| ApiError::internal_cause("no stop target"))?;

    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: input.kind.code(),
            status: DONE,
            before: Some(json!({
                "relations": targets.iter().map(|e| json!({
                    "employment_id": e.id, "insurance": e.insurance, "state": RelationState::of(e)
                })).collect::<Vec<_>>()
            })),
            after: None,
        },
        now,
    )?;
    let mut changes = Vec::new();
    let mut to_cancel: Vec<Assessment> = Vec::new();
    let mut for_refund: Vec<Assessment> = Vec::new();
    for e in &targets {
        let after = RelationState {
            status: emp_db::SUSPENDED.to_string(),
            stop_date: Some(stop_date),
            stop_reason: Some(input.reason.clone()),
        };
        let changed = emp_db::set_employment_state(
            conn,
            e.id,
            repo::ACTIVE,
            emp_db::SUSPENDED,
            after.stop_date,
            after.stop_reason.as_deref(),
            now,
        )?;
        if !changed {
            return Err(ApiError::conflict(
                "CONCURRENT_CHANGE",
                "该人员的参保信息正在被其他业务办理，请稍后刷新后核对。",
            ));
        }
        changes.push(RelationChange {
            employment_id: e.id,
            before: RelationState::of(e),
            after,
        });
        for l in lines_db::live_from_period(
            conn,
            unit_id,
            &[person.id],
            &e.insurance,
            plan.first_stopped.yyyymm(),
        )? {
            if l.status == lines_db::PENDING {
                to_cancel.push(l);
            } else {
                for_refund.push(l);
            }
        }
    }
    let cancel_ids: Vec<i64> = to_cancel.iter().map(|l| l.id).collect();
    lines_db::set_status(
        conn,
        &cancel_ids,
        lines_db::PENDING,
        lines_db::CANCELLED,
        now,
    )?;
    let cancelled = LineDto::many(&lines_db::get_many(conn, &cancel_ids)?)?;
    let refund_lines = LineDto::many(&for_refund)?;
    let mut messages = vec![format!(
        "{}为停保时间所在月份，仍应正常缴费；自{}起停止缴费",
        plan.last_payable, plan.first_stopped
    )];
    if !refund_lines.is_empty() {
        let mut periods: Vec<String> = refund_lines.iter().map(|l| l.period.to_string()).collect();
        periods.dedup();
        messages.push(format!(
            "{}已开具缴费单或已缴费，本次不作废，请在缴费到账后申请多缴退费",
            periods.join("、")
        ));
    }
    let now_relations =
        emp_db::get_employments(conn, &targets.iter().map(|e| e.id).collect::<Vec<_>>())?;
    let effects = Effects {
        person_id: person.id,
        person_no: person.person_no.clone(),
        employments_changed: changes,
        lines_cancelled: cancel_ids,
        ..Effects::default()
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name,
        "insurances": targets.iter().map(|e| e.insurance.clone()).collect::<Vec<_>>(),
        "stop_date": stop_date, "reason": input.reason,
        "last_payable_period": plan.last_payable, "first_stopped_period": plan.first_stopped,
        "cancelled_lines": line_summary(&cancelled),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;
    Ok(StopResult {
        business_item_id: item.id,
        person_no: person.person_no,
        stop_date,
        last_payable_period: plan.last_payable,
        first_stopped_period: plan.first_stopped,
        relations: now_relations
            .iter()
            .map(RelationDto::of)
            .collect::<Result<_, _>>()?,
        cancelled_lines: cancelled,
        lines_for_refund: refund_lines,
        messages,
    })
}

// ---------------------------------------------------------------- undo

/// What revoking an item will do, once it is known to be allowed.
#[derive(Debug, Clone)]
pub struct RevokePlan {
    pub kind: EmployeeItemKind,
    pub effects: Effects,
}

/// The label of a business item kind (办件类型).
pub fn kind_label(kind: &str) -> &'static str {
    if let Some(k) = EmployeeItemKind::parse(kind) {
        return k.label_zh();
    }
    match kind {
        KIND_INFO_CHANGE => "单位职工基本信息变更",
        KIND_KEY_CHANGE => "人员关键信息变更",
        KIND_STATUS_ADDED => "人员特殊状态登记",
        KIND_MERGE => "一人多号合并",
        KIND_REVOCATION => "业务撤销",
        "unit_registration" => "单位参保登记",
        "unit_general_change" => "单位基本信息变更",
        "unit_key_change" => "单位关键信息变更",
        "agent_added" => "经办人增加",
        "agent_changed" => "经办人变更",
        "agent_removed" => "经办人删除",
        "bank_account_added" => "银行账户增加",
        "bank_account_changed" => "银行账户变更",
        "bank_account_removed" => "银行账户删除",
        "api_key_created" => "接口凭证新增",
        "api_key_revoked" => "接口凭证注销",
        other => crate::review::kind_label(other),
    }
}

/// Whether `item` can be revoked now (R-UNDO-1), and if so what to undo.
/// The outer error is a storage failure; the inner one the reason why not.
pub fn check_revocable(
    conn: &mut DbConn,
    item: &BusinessItem,
) -> Result<Result<RevokePlan, NotRevocable>, ApiError> {
    let Some(kind) = EmployeeItemKind::parse(&item.kind) else {
        return Ok(Err(NotRevocable::KindNotRevocable));
    };
    if item.status == REVOKED {
        return Ok(Err(NotRevocable::AlreadyRevoked));
    }
    if item.status != DONE {
        return Ok(Err(NotRevocable::NotDone));
    }
    let Some(effects) = Effects::of_item(item) else {
        return Ok(Err(NotRevocable::NotDone));
    };
    let unit_id = item.unit_id.unwrap_or_default();
    let kinds: Vec<&str> = EmployeeItemKind::ALL.iter().map(|k| k.code()).collect();
    for later in items_db::later_items(conn, unit_id, item.id, &kinds, DONE)? {
        if Effects::of_item(&later).is_some_and(|e| e.person_id == effects.person_id) {
            return Ok(Err(NotRevocable::LaterItem {
                item_id: later.id,
                label: kind_label(&later.kind).to_string(),
            }));
        }
    }
    let states = |rows: Vec<Assessment>| -> Result<Vec<LineState>, ApiError> {
        rows.iter()
            .map(|a| {
                Ok(LineState {
                    period: Period::from_yyyymm(a.period).map_err(|e| corrupt("period", e))?,
                    insurance: Insurance::from_code(&a.insurance)
                        .map_err(|e| corrupt("insurance", e))?,
                    status: LineStatus::parse(&a.status)
                        .ok_or_else(|| corrupt("line status", &a.status))?,
                })
            })
            .collect()
    };
    let created = states(lines_db::get_many(conn, &effects.lines_created)?)?;
    let cancelled = states(lines_db::get_many(conn, &effects.lines_cancelled)?)?;
    if let Err(e) = check_lines_revocable(&created, &cancelled) {
        return Ok(Err(e));
    }
    match kind {
        EmployeeItemKind::Enrolment | EmployeeItemKind::InsuranceAdded => {
            let now = emp_db::get_employments(conn, &effects.employments_created)?;
            if now.iter().any(|e| e.status != repo::ACTIVE) {
                return Ok(Err(NotRevocable::StateChanged));
            }
        }
        EmployeeItemKind::Suspension | EmployeeItemKind::InsuranceRemoved => {
            let ids: Vec<i64> = effects
                .employments_changed
                .iter()
                .map(|c| c.employment_id)
                .collect();
            let now = emp_db::get_employments(conn, &ids)?;
            for c in &effects.employments_changed {
                match now.iter().find(|e| e.id == c.employment_id) {
                    Some(e) if RelationState::of(e) == c.after => {}
                    _ => return Ok(Err(NotRevocable::StateChanged)),
                }
            }
            // Restoring a paying relation must not break R-EMP-2.
            let restoring: Vec<&Employment> = now
                .iter()
                .filter(|n| {
                    effects
                        .employments_changed
                        .iter()
                        .any(|c| c.employment_id == n.id && c.before.status == repo::ACTIVE)
                })
                .collect();
            if !restoring.is_empty()
                && let Some(p) = emp_db::get_persons(conn, &[effects.person_id])?.first()
            {
                let same = same_person_ids(conn, p)?;
                for (e, rel) in active_relations(conn, &same)? {
                    if ids.contains(&e.id) {
                        continue;
                    }
                    if e.unit_id != unit_id {
                        return Ok(Err(NotRevocable::ActiveElsewhere {
                            unit_no: rel.unit_no,
                        }));
                    }
                    if restoring.iter().any(|r| r.insurance == e.insurance) {
                        return Ok(Err(NotRevocable::StateChanged));
                    }
                }
            }
            // A refund application rests on the stop (R-REF-2): while one is
            // live (pending, approved or paid out), the stop stays.
            let lines = qibao_db::refunds::assessment_ids_of_employments(conn, &ids)?;
            if let Some((_, refund_no, _)) =
                qibao_db::refunds::live_lines_of_assessments(conn, &lines)?
                    .into_iter()
                    .next()
            {
                return Ok(Err(NotRevocable::RefundApplied { refund_no }));
            }
        }
    }
    Ok(Ok(RevokePlan { kind, effects }))
}

/// The answer to a revocation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevocationResult {
    /// The item revoked (now `revoked`).
    pub revoked_item_id: i64,
    /// The revocation's own business item.
    pub revocation_item_id: i64,
    #[schema(example = "employee_enrolment")]
    pub kind: String,
    #[schema(example = "单位职工参保登记")]
    pub kind_label: String,
    pub person_no: String,
    /// Whether the person created by the enrolment was removed again.
    pub person_removed: bool,
    /// Lines the item had created, now removed.
    pub removed_line_ids: Vec<i64>,
    /// Lines the item had cancelled, pending again.
    pub restored_line_ids: Vec<i64>,
    pub message: String,
}

pub fn not_revocable(e: NotRevocable) -> ApiError {
    ApiError::conflict(e.code(), e.to_string())
}

fn referenced(e: DbError) -> ApiError {
    match e {
        DbError::Conflict { .. } => not_revocable(NotRevocable::Referenced),
        other => other.into(),
    }
}

/// Revokes one of the unit's items (R-UNDO-1), restoring exactly the state
/// before it; another unit's item is 404.
pub fn revoke(
    conn: &mut DbConn,
    who: &Principal,
    unit_id: i64,
    item_id: i64,
    now: PrimitiveDateTime,
) -> Result<RevocationResult, ApiError> {
    let item = items_db::get(conn, item_id)?
        .filter(|i| i.unit_id == Some(unit_id))
        .ok_or_else(|| ApiError::not_found("BUSINESS_ITEM_NOT_FOUND", "本单位没有该办件记录。"))?;
    let plan = check_revocable(conn, &item)?.map_err(not_revocable)?;
    if !items_db::set_status(conn, item.id, DONE, REVOKED, now)? {
        return Err(not_revocable(NotRevocable::AlreadyRevoked));
    }
    let effects = &plan.effects;
    let mut person_removed = false;
    let mut removed = Vec::new();
    let mut restored = Vec::new();
    match plan.kind {
        EmployeeItemKind::Enrolment | EmployeeItemKind::InsuranceAdded => {
            lines_db::delete_many(conn, &effects.lines_created).map_err(referenced)?;
            removed = effects.lines_created.clone();
            emp_db::delete_employments(conn, &effects.employments_created).map_err(referenced)?;
            if let (Some(before), Some(after)) = (&effects.person_before, &effects.person_after)
                && let Some(p) = emp_db::get_persons(conn, &[effects.person_id])?.first()
                && GeneralFields::of(p) == *after
            {
                emp_db::update_general(
                    conn,
                    p.id,
                    &emp_db::PersonGeneralChange {
                        phone: before.phone.clone(),
                        address: before.address.clone(),
                        first_work_date: before.first_work_date,
                        updated_at: now,
                    },
                )?;
            }
            if effects.person_created
                && !emp_db::person_is_referenced(conn, effects.person_id)?
                && !lines_db::person_has_lines(conn, effects.person_id)?
            {
                emp_db::delete_person(conn, effects.person_id).map_err(referenced)?;
                person_removed = true;
            }
        }
        EmployeeItemKind::Suspension | EmployeeItemKind::InsuranceRemoved => {
            for c in &effects.employments_changed {
                let ok = emp_db::set_employment_state(
                    conn,
                    c.employment_id,
                    &c.after.status,
                    &c.before.status,
                    c.before.stop_date,
                    c.before.stop_reason.as_deref(),
                    now,
                )
                .map_err(|e| match e {
                    DbError::Conflict { .. } => ApiError::conflict(
                        "ACTIVE_ELSEWHERE",
                        "该人员目前在其他单位处于参保缴费状态，不能撤销本单位的停保",
                    ),
                    other => other.into(),
                })?;
                if !ok {
                    return Err(not_revocable(NotRevocable::StateChanged));
                }
            }
            lines_db::set_status(
                conn,
                &effects.lines_cancelled,
                lines_db::CANCELLED,
                lines_db::PENDING,
                now,
            )
            .map_err(|e| match e {
                DbError::Conflict { .. } => not_revocable(NotRevocable::StateChanged),
                other => other.into(),
            })?;
            restored = effects.lines_cancelled.clone();
        }
    }
    let label = plan.kind.label_zh();
    let rev = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_REVOCATION,
            status: DONE,
            before: Some(json!({ "item_id": item.id, "kind": item.kind, "status": DONE })),
            after: Some(json!({
                "item_id": item.id, "kind": item.kind, "status": REVOKED,
                "person_no": effects.person_no, "person_removed": person_removed,
                "removed_line_ids": removed, "restored_line_ids": restored,
            })),
        },
        now,
    )?;
    Ok(RevocationResult {
        revoked_item_id: item.id,
        revocation_item_id: rev.id,
        kind: item.kind.clone(),
        kind_label: label.to_string(),
        person_no: effects.person_no.clone(),
        person_removed,
        removed_line_ids: removed,
        restored_line_ids: restored,
        message: format!(
            "{label}（办件编号{}）已撤销，相关数据已恢复到办理前的状态",
            item.id
        ),
    })
}

// ---------------------------------------------------------------- misc

/// Base per social-insurance year from a person's live lines (缴费基数).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearBase {
    /// Social-insurance year (社保年度), named by its first year.
    #[schema(example = 2022)]
    pub si_year: i32,
    /// The base of the year's latest assessed month.
    pub base: Money,
    /// Months assessed in the year.
    pub months: usize,
}

pub fn bases_by_year(lines: &[LineDto]) -> Vec<YearBase> {
    let mut by: BTreeMap<i32, (Period, Money, Vec<Period>)> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.status != LineStatus::Cancelled) {
        let y = l.period.si_year().0;
        let entry = by.entry(y).or_insert((l.period, l.base, Vec::new()));
        if l.period >= entry.0 {
            entry.0 = l.period;
            entry.1 = l.base;
        }
        if !entry.2.contains(&l.period) {
            entry.2.push(l.period);
        }
    }
    by.into_iter()
        .map(|(si_year, (_, base, months))| YearBase {
            si_year,
            base,
            months: months.len(),
        })
        .collect()
}

/// Whether the person is accountable for `insurance` now, for lists.
pub fn accountable_now(
    statuses: &[PersonStatus],
    insurance: Insurance,
    period: Period,
) -> Option<NonAccountable> {
    accountability(statuses, insurance, period).err()
}

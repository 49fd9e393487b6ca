//! The employee use cases of a unit (单位职工, R-EMP-1…9), one file per use
//! case: enrolment / continuation ([`enrol`], R-EMP-1…4), adding an
//! insurance ([`add_insurance`]), suspension and removing an insurance
//! ([`stop`], R-EMP-5), revoking any of them ([`revoke`], R-UNDO-1), the
//! change of general information ([`info_change`], R-EMP-9), the insured
//! persons list and export ([`list`]), one person's detail ([`detail`]),
//! the persons to verify ([`verify`], R-EMP-8) and the staff increases /
//! decreases summary ([`staff_changes`]). Each action owns its transaction.
//!
//! This module holds what they share: the output DTOs (their OpenAPI names
//! are the API's), and the lookups of a unit's person. Rules come from
//! `qibao_core::employment` and `qibao_core::rules`; money from
//! `qibao_core::contribution`.

use qibao_core::business_item::BusinessItemKind;
use std::collections::HashMap;

use qibao_core::employment::{
    ActiveRelation, AssessmentKind, ExcludedLine, IdType, InsuredStatus, LineStatus,
    NonAccountable, PersonStatus, accountability,
};
use qibao_core::insurance::Insurance;
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::Assessment;
use qibao_db::employees as emp_db;
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::{Employment, Person};
use qibao_db::{DbConn, repo};
use serde::Serialize;
use time::Date;

use crate::error::AppError;

pub mod add_insurance;
pub mod detail;
pub mod effects;
pub mod enrol;
pub mod fields;
pub mod info_change;
pub mod lines;
pub mod list;
pub mod requests;
pub mod revoke;
pub mod staff_changes;
pub mod stop;
pub mod verify;

pub use add_insurance::{AddInsuranceInput, add_insurance};
pub use detail::{EmployeeDetail, SpecialStatusDto, YearBase, bases_by_year};
pub use effects::{Effects, GeneralFields, RelationChange, RelationState};
pub use enrol::{BatchMode, EnrolInput, enrol, enrol_batch};
pub use info_change::{GeneralChange, update_general};
pub use lines::{create_lines, plan_for};
pub use list::{EmployeePage, EmployeeRow, ListFilter};
pub use revoke::{RevocationResult, RevokePlan, check_revocable, not_revocable, revoke};
pub use staff_changes::{InsuranceChanges, PeriodChanges, PersonRef, StaffChangesReport};
pub use stop::{StopInput, stop};
pub use verify::{OtherNumber, PersonToVerify, PersonsToVerify, persons_to_verify};

pub use crate::items::{DONE, REVOKED};

/// Item kinds recorded here besides [`qibao_core::employment::EmployeeItemKind`].
pub const KIND_INFO_CHANGE: BusinessItemKind = BusinessItemKind::EmployeeInfoChange;
pub const KIND_KEY_CHANGE: BusinessItemKind = BusinessItemKind::PersonKeyChange;
pub const KIND_STATUS_ADDED: BusinessItemKind = BusinessItemKind::PersonStatusAdded;
pub const KIND_MERGE: BusinessItemKind = BusinessItemKind::PersonMerge;
pub const KIND_REVOCATION: BusinessItemKind = BusinessItemKind::Revocation;

/// A unique-index conflict of an employee action: run it once more.
pub(crate) fn retryable(e: qibao_db::DbError) -> AppError {
    crate::tx::conflict_as_retry(e, "该人员的参保信息正在被其他业务办理，请稍后刷新后核对。")
}

// ---------------------------------------------------------------- DTOs

// ---------------------------------------------------------------- DTOs

/// A person (参保人员) as the unit sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDto {
    /// Person number (个人编号, AAC001), 11 digits.
    #[cfg_attr(feature = "openapi", schema(example = "10003726000"))]
    pub person_no: String,
    /// Kind of identity document (证件类型).
    pub id_type: IdType,
    /// ID number (社会保障号码 / 身份证号码, AAC002).
    #[cfg_attr(feature = "openapi", schema(example = "420500198001011235"))]
    pub id_number: String,
    /// Name (姓名, AAC003).
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
    pub name: String,
    /// Gender (性别, AAC004): M or F.
    #[cfg_attr(feature = "openapi", schema(example = "M"))]
    pub gender: String,
    /// Birth date (出生日期, AAC006).
    pub birth_date: Date,
    /// Nationality, ISO 3166 alpha-3 (国籍, AAC161).
    #[cfg_attr(feature = "openapi", schema(example = "CHN"))]
    pub nationality: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub address: Option<String>,
    /// First-work date (首次参工时间, AAC007).
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelationDto {
    pub employment_id: i64,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    #[cfg_attr(feature = "openapi", schema(example = "企业职工基本养老保险"))]
    pub insurance_name: String,
    /// This-employment start date (本次参工时间).
    pub start_date: Date,
    /// The day employment ended (停保时间), when suspended.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub stop_date: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub stop_reason: Option<String>,
    /// Why the employment ended (R-UNEMP-1), when the stop gave it:
    /// `dismissal`, `not_renewed`, `unit_closed`, `forced_resignation`,
    /// `resignation` or `other_voluntary`.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "dismissal"))]
    pub end_reason: Option<String>,
    /// paying or suspended.
    pub status: InsuredStatus,
    /// Insured status code (参保状态, AAC031): 1 paying, 2 suspended.
    #[cfg_attr(feature = "openapi", schema(example = "1"))]
    pub status_code: String,
    /// Declared monthly wage, rounded to 10 yuan (申报工资, R-WAGE-2).
    pub declared_wage: Money,
}

impl RelationDto {
    pub fn of(e: &Employment) -> Result<RelationDto, AppError> {
        let insurance = e.insurance;
        let status = if e.status == repo::ACTIVE {
            InsuredStatus::Paying
        } else {
            InsuredStatus::Suspended
        };
        Ok(RelationDto {
            employment_id: e.id.0,
            insurance,
            insurance_name: insurance.name_zh().to_string(),
            start_date: e.start_date,
            stop_date: e.stop_date,
            stop_reason: e.stop_reason.clone(),
            end_reason: e.end_reason.clone(),
            status,
            status_code: status.code().to_string(),
            declared_wage: Money::from_fen(e.monthly_wage_fen),
        })
    }
}

/// One assessment line (核定明细): base × rate per side, rounded half-up to
/// the fen, with the parameters of its own period (R-MON-2, R-POL-3).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDto {
    pub id: i64,
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    /// What created the line (核定类型, AAA115).
    pub kind: AssessmentKind,
    #[cfg_attr(feature = "openapi", schema(example = "单位补缴"))]
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
    pub fn of(a: &Assessment) -> Result<LineDto, AppError> {
        let period = a.period;
        let insurance = a.insurance;
        let kind = a.kind;
        let status = a.status;
        let unit_amount = Money::from_fen(a.unit_fen);
        let individual_amount = Money::from_fen(a.individual_fen);
        Ok(LineDto {
            id: a.id.0,
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

    pub fn many(rows: &[Assessment]) -> Result<Vec<LineDto>, AppError> {
        rows.iter().map(LineDto::of).collect()
    }
}

/// Sums of lines.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabourContractNotice {
    pub from: Period,
    pub to: Period,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "本次参工时间早于可自动补缴的期间，202211至202303的缴费须另行申请劳动合同补缴"
        )
    )]
    pub message: String,
}

/// The answer to an enrolment or an insurance addition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentResult {
    /// The business item (办件) recorded; revoke it to undo.
    pub business_item_id: i64,
    pub person: PersonDto,
    /// True when a new person number was created; false when an existing
    /// person (same ID) was continued (续保).
    pub person_created: bool,
    /// The legacy 15-digit ID number the given ID was converted from (R-ID-1).
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub labour_contract_back_pay: Option<LabourContractNotice>,
    /// Notes for the agent, in Chinese.
    pub messages: Vec<String>,
}

/// The answer to a suspension or an insurance removal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

// ---------------------------------------------------------------- lookups

pub use crate::persons::{
    person_id_type, person_key, person_not_found, same_person_ids, unit_person,
};

pub fn statuses_of(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<PersonStatus>, AppError> {
    emp_db::list_statuses(conn, person_ids)?
        .iter()
        .map(person_status)
        .collect()
}

/// A stored status record as the rules read it; a corrupt one is a 500.
pub fn person_status(s: &emp_db::PersonStatusRow) -> Result<PersonStatus, AppError> {
    Ok(PersonStatus {
        kind: s.kind,
        from: s.from_period,
        to: s.to_period,
    })
}

/// Active relations of these persons, with the unit number.
pub fn active_relations(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<(Employment, ActiveRelation)>, AppError> {
    let active: Vec<Employment> = emp_db::employments_of_persons(conn, person_ids)?
        .into_iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    let mut unit_ids: Vec<UnitId> = active.iter().map(|e| e.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let nos: HashMap<UnitId, String> = emp_db::unit_nos(conn, &unit_ids)?.into_iter().collect();
    active
        .into_iter()
        .map(|e| {
            let rel = ActiveRelation {
                unit_id: e.unit_id.0,
                unit_no: nos.get(&e.unit_id).cloned().unwrap_or_default(),
                insurance: e.insurance,
            };
            Ok((e, rel))
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

//! Back-pay applications decided by a reviewer: labour-contract back-pay
//! (劳动合同补缴, R-BACK-3, kind `labour_contract_back_pay`) and employee
//! back-pay beyond the unit's online window (职工补缴, R-BACK-2, kind
//! `employee_back_pay`).
//!
//! The unit's request is checked by `qibao_core::back_pay` and submitted
//! with its payload ([`Payload`]). Approval creates one pending assessment
//! line per month × insurance, each at its own period's parameters
//! (R-POL-3) and the unit's work-injury rating of that month, kind
//! `labour_contract` (or `back_pay`), `source_item_id` = the application's
//! business item, so the next payment order bills them. A month that
//! meanwhile got a line (or that the person's status makes non-accountable)
//! is skipped and reported in the business item's `after_json`.
//! Rejection creates nothing; the unit reads the reason.

use qibao_core::business_item::BusinessItemKind;
use std::collections::HashMap;

use qibao_core::back_pay::BackPayKind;
use qibao_core::contribution::{WageBasis, declared_monthly_wage};
use qibao_core::employment::ExcludedLine;
use qibao_core::insurance::Insurance;
use qibao_core::{Money, Period};
use qibao_db::DbConn;
use qibao_db::employees as emp_db;
use qibao_db::ids::{EmploymentId, PersonId};
use qibao_db::review::ReviewTask;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::ReviewKind;
use crate::actor::AsActor;
use crate::context::UnitContext;
use crate::employees::{self as employment, LineDto, same_person_ids};
use crate::error::{AppError, ErrorCode, corrupt};

/// The kind code of a labour-contract back-pay application.
pub const KIND_LABOUR_CONTRACT: &str = BusinessItemKind::LabourContractBackPay.code();
/// The kind code of an employee back-pay application.
pub const KIND_EMPLOYEE_BACK_PAY: &str = BusinessItemKind::EmployeeBackPay.code();
/// Both kinds, as listed to the unit.
pub const KINDS: [&str; 2] = [KIND_LABOUR_CONTRACT, KIND_EMPLOYEE_BACK_PAY];

/// A registered back-pay kind.
pub struct BackPayReview(pub BackPayKind);

pub static LABOUR_CONTRACT: BackPayReview = BackPayReview(BackPayKind::LabourContract);
pub static EMPLOYEE_BACK_PAY: BackPayReview = BackPayReview(BackPayKind::EmployeeBackPay);

/// The registered kind of an application kind.
pub fn review_kind(kind: BackPayKind) -> &'static BackPayReview {
    match kind {
        BackPayKind::LabourContract => &LABOUR_CONTRACT,
        BackPayKind::EmployeeBackPay => &EMPLOYEE_BACK_PAY,
    }
}

/// What the task carries to its approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// `labour_contract` or `employee_back_pay`.
    pub kind: String,
    pub person_id: PersonId,
    pub person_no: String,
    pub person_name: String,
    /// Insurance codes.
    pub insurances: Vec<String>,
    /// YYYYMM.
    pub from_period: i32,
    pub to_period: i32,
    /// The declared monthly wage (rounded), in fen.
    pub monthly_wage_fen: i64,
    pub reason: Option<String>,
}

impl Payload {
    pub fn kind(&self) -> Result<BackPayKind, AppError> {
        BackPayKind::parse(&self.kind).ok_or_else(|| corrupt("back-pay kind", &self.kind))
    }

    pub fn insurances(&self) -> Result<Vec<Insurance>, AppError> {
        self.insurances
            .iter()
            .map(|c| Insurance::from_code(c).map_err(|e| corrupt("insurance", e)))
            .collect()
    }

    pub fn months(&self) -> Result<Vec<Period>, AppError> {
        let from = Period::from_yyyymm(self.from_period).map_err(|e| corrupt("period", e))?;
        let to = Period::from_yyyymm(self.to_period).map_err(|e| corrupt("period", e))?;
        Ok(Period::range_inclusive(from, to))
    }

    pub fn of_task(task: &ReviewTask) -> Result<Payload, AppError> {
        serde_json::from_str(&task.payload_json).map_err(|e| corrupt("back-pay payload", e))
    }
}

/// The lines an application would create now and the months left out.
pub struct Plan {
    pub lines: Vec<qibao_core::employment::PlannedLine>,
    pub excluded: Vec<ExcludedLine>,
    /// The relation of each insurance the lines attach to.
    pub relation_of: HashMap<Insurance, EmploymentId>,
}

/// Plans the lines of `payload` for the unit (statuses, other units' pension
/// months, the unit's insurance start and lines already present are left
/// out), and checks that every planned line can be assessed with the
/// parameters in force for its period.
pub fn plan(conn: &mut DbConn, ctx: &mut UnitContext, payload: &Payload) -> Result<Plan, AppError> {
    let kind = payload.kind()?;
    let insurances = payload.insurances()?;
    let person = emp_db::get_persons(conn, &[payload.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("back-pay person", payload.person_id))?;
    let ids = same_person_ids(conn, &person)?;
    let mut relation_of: HashMap<Insurance, EmploymentId> = HashMap::new();
    for e in emp_db::employments_of_persons(conn, &[person.id])? {
        if e.unit_id != ctx.unit.id {
            continue;
        }
        // The latest relation of each insurance.
        let slot = relation_of.entry(e.insurance).or_insert(e.id);
        *slot = (*slot).max(e.id);
    }
    let periods: Vec<(Period, _)> = payload
        .months()?
        .into_iter()
        .map(|p| (p, kind.line_kind()))
        .collect();
    let unit_starts = ctx.starts(&insurances);
    let (lines, excluded) =
        employment::plan_for(conn, ctx.unit.id, &ids, &periods, &insurances, &unit_starts)?;
    for l in &lines {
        if !relation_of.contains_key(&l.insurance) {
            return Err(
                AppError::new(ErrorCode::NotInsuredHere).with_detail(format!(
                    "该人员未在本单位参加{}，不能申请补缴该险种",
                    l.insurance.name_zh()
                )),
            );
        }
        let base = ctx.base(l.period, Money::from_fen(payload.monthly_wage_fen))?;
        let injury = if l.insurance == Insurance::WorkInjury {
            Some(ctx.rating(l.period)?)
        } else {
            None
        };
        qibao_core::contribution::assess_one(
            ctx.params(l.period)?,
            base.base,
            l.insurance,
            injury,
        )?;
    }
    Ok(Plan {
        lines,
        excluded,
        relation_of,
    })
}

impl ReviewKind for BackPayReview {
    fn code(&self) -> &'static str {
        match self.0 {
            BackPayKind::LabourContract => KIND_LABOUR_CONTRACT,
            BackPayKind::EmployeeBackPay => KIND_EMPLOYEE_BACK_PAY,
        }
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
        _reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        let payload = Payload::of_task(task)?;
        let mut ctx = UnitContext::load(conn, task.unit_id)?;
        let planned = plan(conn, &mut ctx, &payload)?;
        let declared = declared_monthly_wage(WageBasis::Monthly {
            wage: Money::from_fen(payload.monthly_wage_fen),
        })?;
        let rows = employment::create_lines(
            conn,
            &mut ctx,
            payload.person_id,
            &planned.relation_of,
            declared,
            &planned.lines,
            task.business_item_id,
            now,
        )?;
        let lines = LineDto::many(&rows)?;
        let after = json!({
            "application": serde_json::to_value(&payload).unwrap_or(Value::Null),
            "lines_created": lines.len(),
            "skipped": planned.excluded.iter().map(|e| json!({
                "period": e.period.to_string(),
                "insurance": e.insurance.code(),
                "reason": e.reason,
                "message": e.message,
            })).collect::<Vec<_>>(),
        });
        qibao_db::back_pay::set_item_after(conn, task.business_item_id, &after.to_string(), now)?;
        Ok(())
    }
}

//! 基本养老金计算(单位): for an employee of the unit, the estimated monthly
//! basic pension at the statutory retirement month and at every month the
//! flexible choice allows (R-RET-1), each with its three parts, their
//! inputs and formulas (R-PEN-1…3), and whether the contribution years
//! reach the minimum (R-RET-2, with what the person can do if not).
//!
//! An estimate for a month still to come assumes the person keeps paying at
//! the base of the current month (their declared wage within this year's
//! floor and ceiling) from the month after the last month paid, and that
//! the provincial average wage and the bookkeeping rate stay at their
//! latest published values; the answer lists these assumptions.

use qibao_core::Period;
use qibao_core::ids::Gender;
use qibao_core::insurance::Insurance;
use qibao_core::pension::PensionPart;
use qibao_core::pension_record::{Estimate, Projection, estimate};
use qibao_core::retirement::{Age, RetirementCategory, RetirementWindow, window};
use qibao_core::{Money, Rate};
use qibao_db::DbConn;
use qibao_db::ids::UnitId;
use qibao_db::rows::Person;
use serde::Serialize;

use super::{Loaded, record_error};
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::persons::{same_person_ids, unit_person};
use crate::tx::read_transaction;

/// One month the person could retire in, in brief.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetirementOption {
    pub month: Period,
    pub age: Age,
    /// `statutory`, `early` (弹性提前) or `late` (弹性延迟).
    #[cfg_attr(feature = "openapi", schema(example = "statutory"))]
    pub choice: &'static str,
    pub contribution_months: i32,
    pub minimum_met: bool,
    pub basic: PensionPart,
    pub account: PensionPart,
    pub transitional: PensionPart,
    pub total: Money,
}

/// The window of months to choose from (R-RET-1).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowDto {
    pub statutory_age: Age,
    pub statutory_month: Period,
    /// 弹性提前退休 earliest month (never before the original age).
    pub earliest: Period,
    /// 弹性延迟退休 latest month.
    pub latest: Period,
}

impl From<RetirementWindow> for WindowDto {
    fn from(w: RetirementWindow) -> WindowDto {
        WindowDto {
            statutory_age: w.statutory_age,
            statutory_month: w.statutory_month,
            earliest: w.earliest,
            latest: w.latest,
        }
    }
}

/// The estimate (基本养老金计算).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PensionEstimateDto {
    pub person_no: String,
    pub name: String,
    /// `M` or `F`.
    #[cfg_attr(feature = "openapi", schema(example = "M"))]
    pub gender: String,
    pub birth_month: Period,
    /// `man`, `woman_cadre` or `woman_worker`.
    #[cfg_attr(feature = "openapi", schema(example = "man"))]
    pub category: &'static str,
    pub category_label: &'static str,
    pub window: WindowDto,
    /// The month calculated in full: the one asked for, else the statutory one.
    pub calculation: Estimate,
    /// Every month of the window, in brief.
    pub options: Vec<RetirementOption>,
    /// What the estimate assumes (Chinese).
    pub assumptions: Vec<String>,
}

/// The category of a person: men have one; a woman's must be given.
pub fn category_of(
    person: &Person,
    asked: Option<RetirementCategory>,
) -> Result<RetirementCategory, AppError> {
    let gender = Gender::parse(&person.gender).unwrap_or(Gender::Male);
    match (gender, asked) {
        (Gender::Male, None | Some(RetirementCategory::Man)) => Ok(RetirementCategory::Man),
        (Gender::Female, Some(c)) if c != RetirementCategory::Man => Ok(c),
        (Gender::Male, Some(_)) => Err(AppError::invalid_field(
            "category",
            "男职工的退休类别为man（男职工）。",
        )),
        (Gender::Female, _) => Err(AppError::invalid_field(
            "category",
            "女职工请选择退休类别：woman_cadre（原法定退休年龄为55周岁）或woman_worker（原法定退休年龄为50周岁）。",
        )),
    }
}

/// The person's birth month.
pub fn birth_month(person: &Person) -> Period {
    Period::of(person.birth_date)
}

/// What the estimate needs besides the record: the projection and the
/// individual pension rate, from the unit's active pension relation.
pub struct Basis {
    pub projection: Option<Projection>,
    pub individual_rate: Rate,
    pub assumptions: Vec<String>,
}

/// The projection for a person still paying at the unit: from the month
/// after the last month paid (or the current month), at the current base.
pub fn basis(
    c: &mut DbConn,
    ctx: &mut UnitContext,
    person: &Person,
    loaded: &Loaded,
    current: Period,
) -> Result<Basis, AppError> {
    let rate = ctx
        .params(current)?
        .rate(Insurance::Pension)
        .map_err(|e| AppError::new(ErrorCode::PolicyNotInForce).with_detail(e.to_string()))?
        .individual_rate;
    let active = qibao_db::employees::employments_of_persons(c, &[person.id])?
        .into_iter()
        .find(|e| {
            e.unit_id == ctx.unit.id
                && e.insurance == Insurance::Pension
                && e.status == qibao_db::repo::ACTIVE
        });
    let mut assumptions = vec![
        "缴费年限、本人平均缴费工资指数和个人账户按截至计算月份的缴费记录计算；尚未公布的年度按最近公布年度的全省在岗职工月平均工资和记账利率计算。".to_owned(),
    ];
    let projection = match active {
        Some(e) => {
            let base = ctx.base(current, Money::from_fen(e.monthly_wage_fen))?.base;
            let from = loaded
                .last_recorded()
                .map_or(current, |p| p.add_months(1).max(current.add_months(-1)));
            assumptions.push(format!(
                "自{}起至退休月份按当前缴费基数{}元继续缴费测算；实际缴费不同的，待遇以审批时核定为准。",
                qibao_core::retirement::PeriodZh(from),
                base
            ));
            Some(Projection { from, base })
        }
        None => {
            assumptions.push("该职工目前不在本单位参加养老保险，不测算今后的缴费。".to_owned());
            None
        }
    };
    Ok(Basis {
        projection,
        individual_rate: rate,
        assumptions,
    })
}

/// The pension at `month` for the loaded record.
pub fn at(
    loaded: &Loaded,
    birth: Period,
    month: Period,
    basis: &Basis,
) -> Result<Estimate, AppError> {
    estimate(
        &loaded.core(),
        birth,
        month,
        basis.projection,
        &loaded.years,
        &loaded.rates,
        basis.individual_rate,
    )
    .map_err(|e| record_error(&e))
}

/// The estimate for the unit's employee `person_no` (`category` for a
/// woman; `month` within the window, default the statutory month).
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    category: Option<RetirementCategory>,
    month: Option<Period>,
    current: Period,
) -> Result<PensionEstimateDto, AppError> {
    read_transaction(conn, |c| {
        let (person, _) = unit_person(c, unit_id, person_no)?;
        let category = category_of(&person, category)?;
        let birth = birth_month(&person);
        let w = window(category, birth);
        let chosen = month.unwrap_or(w.statutory_month);
        if chosen < w.earliest || chosen > w.latest {
            return Err(AppError::new(ErrorCode::RetirementMonthInvalid)
                .with_detail(format!(
                    "可选择的退休月份为{}至{}（法定退休月份{}）。",
                    w.earliest, w.latest, w.statutory_month
                ))
                .with_errors(vec![FieldError::new(
                    "month",
                    "不在可选择的退休月份范围内。",
                )]));
        }
        let same = same_person_ids(c, &person)?;
        let loaded = super::load(c, &same)?;
        let mut ctx = UnitContext::load(c, unit_id)?;
        let basis = basis(c, &mut ctx, &person, &loaded, current)?;
        let calculation = at(&loaded, birth, chosen, &basis)?;
        let mut options = Vec::new();
        for m in Period::range_inclusive(w.earliest, w.latest) {
            let e = at(&loaded, birth, m, &basis)?;
            options.push(RetirementOption {
                month: m,
                age: e.age,
                choice: match m.cmp(&w.statutory_month) {
                    std::cmp::Ordering::Less => "early",
                    std::cmp::Ordering::Equal => "statutory",
                    std::cmp::Ordering::Greater => "late",
                },
                contribution_months: e.months.total,
                minimum_met: e.minimum.met,
                total: e.pension.total,
                basic: e.pension.basic,
                account: e.pension.account,
                transitional: e.pension.transitional,
            });
        }
        Ok(PensionEstimateDto {
            person_no: person.person_no.clone(),
            name: person.name.clone(),
            gender: person.gender.clone(),
            birth_month: birth,
            category: category.code(),
            category_label: category.label_zh(),
            window: w.into(),
            calculation,
            options,
            assumptions: basis.assumptions,
        })
    })
}

//! What assessing for a unit needs, loaded once per use case: the unit, its
//! insurance registrations, its work-injury factors and its region's policy,
//! with the parameters of each period cached as they are asked for.

use std::collections::HashMap;

use qibao_core::contribution::{BaseDecision, contribution_base};
use qibao_core::insurance::{FloatFactor, InjuryRating, Insurance, RiskClass};
use qibao_core::policy::{PeriodParams, RegionPolicy};
use qibao_core::{Money, Period};
use qibao_db::ids::UnitId;
use qibao_db::rows::Unit;
use qibao_db::{DbConn, DbError, employees as emp_db, repo};

use crate::error::{AppError, ErrorCode, corrupt};

/// What assessing for a unit needs: the unit, its insurance registrations,
/// its work-injury factors and the policy of its region.
pub struct UnitContext {
    pub unit: Unit,
    pub registrations: Vec<qibao_db::rows::UnitInsurance>,
    pub factors: Vec<qibao_db::rows::UnitInjuryFactor>,
    pub policy: RegionPolicy,
    params: HashMap<Period, PeriodParams>,
}

impl UnitContext {
    pub fn load(conn: &mut DbConn, unit_id: UnitId) -> Result<UnitContext, AppError> {
        let unit = emp_db::get_unit(conn, unit_id).map_err(|e| match e {
            DbError::NotFound => {
                AppError::new(ErrorCode::UnitNotFound).with_detail("参保单位不存在。")
            }
            other => other.into(),
        })?;
        let registrations = emp_db::list_unit_insurances(conn, unit_id)?;
        let factors = emp_db::list_injury_factors(conn, unit_id)?;
        let policy = qibao_db::policy::load_region_policy(conn, &unit.region_code)?
            .ok_or_else(|| corrupt("unit region", &unit.region_code))?;
        Ok(UnitContext {
            unit,
            registrations,
            factors,
            policy,
            params: HashMap::new(),
        })
    }

    /// The unit's active registration of `insurance`.
    pub fn registration(&self, insurance: Insurance) -> Option<&qibao_db::rows::UnitInsurance> {
        self.registrations
            .iter()
            .find(|r| r.insurance == insurance && r.status == repo::ACTIVE)
    }

    /// The collected insurances the unit is registered for.
    pub fn insurances(&self) -> Vec<Insurance> {
        Insurance::COLLECTED
            .into_iter()
            .filter(|i| self.registrations.iter().any(|r| r.insurance == *i))
            .collect()
    }

    /// The start month of the unit's registration of each insurance.
    pub fn starts(&self, insurances: &[Insurance]) -> HashMap<Insurance, Period> {
        insurances
            .iter()
            .filter_map(|i| self.registration(*i).map(|r| (*i, r.start_period)))
            .collect()
    }

    pub fn params(&mut self, period: Period) -> Result<&PeriodParams, AppError> {
        if !self.params.contains_key(&period) {
            let p = self.policy.in_force(period)?;
            self.params.insert(period, p);
        }
        self.params
            .get(&period)
            .ok_or_else(|| AppError::internal_cause("params cache"))
    }

    /// The unit's work-injury rating in `period`: its risk class and the
    /// floating factor in force (100% when none is recorded).
    pub fn rating(&self, period: Period) -> Result<InjuryRating, AppError> {
        let class = RiskClass::new(i64::from(self.unit.risk_class))
            .map_err(|e| corrupt("risk class", e))?;
        let pct = self
            .factors
            .iter()
            .filter(|f| {
                f.from_period <= period.yyyymm() && f.to_period.is_none_or(|t| period.yyyymm() <= t)
            })
            .map(|f| i64::from(f.factor_pct))
            .next_back()
            .unwrap_or(100);
        let factor = FloatFactor::new(class, pct).map_err(|e| corrupt("injury factor", e))?;
        Ok(InjuryRating { class, factor })
    }

    /// The base of `period` for a declared wage (R-WAGE-2).
    pub fn base(&mut self, period: Period, declared: Money) -> Result<BaseDecision, AppError> {
        Ok(contribution_base(declared, &self.params(period)?.bounds))
    }
}

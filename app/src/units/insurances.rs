//! 单位增加/减少险种登记 (R-UNIT-3): the unit adds an insurance starting this
//! month or next (again after an earlier stop, from a month after its last
//! insured month; work injury extends the floating factor back to the
//! start), or stops one after its last insured month, once no person of
//! the unit is insured in it and it is not the unit's last.

use qibao_core::Period;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::insurance::Insurance;
use qibao_core::unit::{InjuryFactorCover, check_addition_start, check_stop, cover_injury_start};
use qibao_db::ids::UnitId;
use qibao_db::rows::{NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::{DbConn, repo, units as unit_db};
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use super::info::UnitInsuranceDto;
use super::{get_unit, rule_refused, stored_period};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode, ErrorKind};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::transaction;

/// Adds `insurance` for the unit from `start`.
pub fn add(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    insurance: Insurance,
    start: Period,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnitInsuranceDto, AppError> {
    transaction(conn, |conn| {
        get_unit(conn, unit_id)?;
        let existing = unit_db::find_unit_insurance(conn, unit_id, insurance.code())?;
        if existing.as_ref().is_some_and(|e| e.status == repo::ACTIVE) {
            return Err(
                AppError::new(ErrorCode::InsuranceAlreadyRegistered).with_detail(format!(
                    "本单位已参加{}，无需重复登记。",
                    insurance.name_zh()
                )),
            );
        }
        let previous_stop = existing.as_ref().and_then(|e| e.stop_period);
        check_addition_start(start, today, previous_stop)
            .map_err(|e| rule_refused(ErrorCode::StartPeriodNotAllowed, "start_period", &e))?;
        let before = existing
            .as_ref()
            .map(UnitInsuranceDto::from_row)
            .transpose()?;
        let row = match &existing {
            Some(e) => unit_db::restart_unit_insurance(conn, e.id, start.yyyymm())?,
            None => repo::insert_unit_insurance(
                conn,
                &NewUnitInsurance {
                    unit_id,
                    insurance: insurance.code().to_owned(),
                    start_period: start.yyyymm(),
                    status: repo::ACTIVE.to_owned(),
                    latest_accounted_period: None,
                    latest_paid_period: None,
                },
            )?,
        };
        let mut factor_note = None;
        if insurance == Insurance::WorkInjury {
            factor_note = cover_injury_factor(conn, unit_id, start)?;
        }
        let dto = UnitInsuranceDto::from_row(&row)?;
        let mut after = json!(dto);
        if let Some(note) = factor_note {
            after["floating_factor"] = note;
        }
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::UnitInsuranceAdded,
                status: DONE,
                before: before.map(|b| json!(b)),
                after: Some(after),
            },
            now,
        )?;
        Ok(dto)
    })
}

/// Makes the unit's work-injury floating factor cover `start`, as
/// [`cover_injury_start`] decides (R-UNIT-3, R-POL-2): the earliest factor
/// is extended back, or the standard factor is created when the unit has
/// none. Returns what changed, for the business item.
fn cover_injury_factor(
    conn: &mut DbConn,
    unit_id: UnitId,
    start: Period,
) -> Result<Option<Value>, AppError> {
    let factors = unit_db::list_injury_factors(conn, unit_id)?;
    let first = factors.first();
    let earliest = first.map(|f| stored_period(f.from_period)).transpose()?;
    match (cover_injury_start(earliest, start), first) {
        (InjuryFactorCover::Standard { from, factor_pct }, _) => {
            repo::insert_unit_injury_factor(
                conn,
                &NewUnitInjuryFactor {
                    unit_id,
                    from_period: from.yyyymm(),
                    to_period: None,
                    factor_pct,
                },
            )?;
            Ok(Some(
                json!({ "from_period": from, "factor_pct": factor_pct }),
            ))
        }
        (InjuryFactorCover::ExtendBack { from_before, from }, Some(first)) => {
            unit_db::set_injury_factor_from(conn, first.id, from.yyyymm())?;
            Ok(Some(json!({
                "factor_pct": first.factor_pct,
                "from_period_before": from_before,
                "from_period": from,
            })))
        }
        _ => Ok(None),
    }
}

/// Stops `insurance` for the unit after `stop`, its last insured month.
pub fn remove(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    insurance: Insurance,
    stop: Period,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnitInsuranceDto, AppError> {
    transaction(conn, |conn| {
        get_unit(conn, unit_id)?;
        let all = unit_db::list_unit_insurances(conn, unit_id)?;
        let Some(existing) = all.iter().find(|i| i.insurance == insurance) else {
            return Err(AppError::new(ErrorCode::InsuranceNotRegistered)
                .with_detail(format!("本单位未参加{}。", insurance.name_zh())));
        };
        if existing.status != repo::ACTIVE {
            return Err(
                AppError::new(ErrorCode::InsuranceAlreadyStopped).with_detail(format!(
                    "本单位的{}已经减少（暂停缴费）。",
                    insurance.name_zh()
                )),
            );
        }
        let persons = unit_db::count_active_employments(conn, unit_id, insurance.code())?;
        if persons > 0 {
            return Err(AppError::new(ErrorCode::ActiveEmployments).with_detail(format!(
                    "本单位尚有{persons}名人员正在参加{}，请先为这些人员办理停保（人员减少）后再减少险种。",
                    insurance.name_zh()
                )));
        }
        if !all
            .iter()
            .any(|i| i.status == repo::ACTIVE && i.insurance != insurance)
        {
            return Err(AppError::new(ErrorCode::LastInsurance)
                .with_detail(
                    "这是本单位唯一在参的险种，不能减少；如需注销单位参保，请到经办机构办理。",
                )
                .as_kind(ErrorKind::Conflict));
        }
        check_stop(
            stop,
            today,
            existing.start_period,
            existing.latest_accounted_period,
        )
        .map_err(|e| rule_refused(ErrorCode::StopPeriodNotAllowed, "stop_period", &e))?;
        let before = UnitInsuranceDto::from_row(existing)?;
        let row = unit_db::stop_unit_insurance(conn, existing.id, stop.yyyymm())?;
        let dto = UnitInsuranceDto::from_row(&row)?;
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::UnitInsuranceRemoved,
                status: DONE,
                before: Some(json!(before)),
                after: Some(json!(dto)),
            },
            now,
        )?;
        Ok(dto)
    })
}

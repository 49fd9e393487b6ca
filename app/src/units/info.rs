//! The comprehensive information of a unit (单位综合信息, R-UNIT-1): basic
//! data, per-insurance registration, the work-injury floating factor in
//! force, agents and bank accounts. The portal shows the token's unit; the
//! back office any unit.

use qibao_core::Period;
use qibao_core::insurance::Insurance;
use qibao_core::unit::{CollectionMethod, IdType, mask_id_number};
use qibao_db::ids::UnitId;
use qibao_db::rows::{Unit, UnitInjuryFactor, UnitInsurance};
use qibao_db::{DbConn, repo, units as unit_db};
use serde::Serialize;
use time::Date;

use super::agents::AgentDto;
use super::bank_accounts::BankAccountDto;
use super::get_unit;
use crate::clock::china_timestamp;
use crate::error::AppError;
use crate::tx::read_transaction;

/// A region (参保所属地).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionRef {
    /// Administrative code, 6 digits.
    #[cfg_attr(feature = "openapi", schema(example = "420500"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市本级"))]
    pub name: String,
}

/// The legal representative (法定代表人); the ID number is masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegalRepresentativeInfo {
    #[cfg_attr(feature = "openapi", schema(example = "刘建国"))]
    pub name: String,
    /// `resident` (居民身份证), `passport` (护照) or `residence_permit` (居留证件).
    #[cfg_attr(feature = "openapi", schema(example = "resident"))]
    pub id_type: String,
    #[cfg_attr(feature = "openapi", schema(example = "居民身份证"))]
    pub id_type_name: String,
    /// The ID number with its middle masked (AAC002).
    #[cfg_attr(feature = "openapi", schema(example = "420500********0016"))]
    pub id_number_masked: String,
    /// Null for units registered before the phone was kept.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "13972012345"))]
    pub phone: Option<String>,
}

/// The unit's registration of one insurance (单位参保险种).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitInsuranceDto {
    /// Insurance type (险种, AAE140).
    pub insurance: Insurance,
    #[cfg_attr(feature = "openapi", schema(example = "企业职工基本养老保险"))]
    pub name: String,
    /// `active` (参保缴费) or `suspended` (暂停缴费, stopped by the unit).
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(example = "参保缴费"))]
    pub status_name: String,
    /// First insured month.
    pub start_period: Period,
    /// Last insured month, once the unit stopped the insurance.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub stop_period: Option<Period>,
    /// Latest accounted period (最大做账期号): the latest month declared.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub latest_accounted_period: Option<Period>,
    /// Latest paid-up period (最大核止期号): the latest month paid.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub latest_paid_period: Option<Period>,
}

impl UnitInsuranceDto {
    pub fn from_row(row: &UnitInsurance) -> Result<UnitInsuranceDto, AppError> {
        let insurance = row.insurance;
        Ok(UnitInsuranceDto {
            insurance,
            name: insurance.name_zh().to_owned(),
            status: row.status.clone(),
            status_name: if row.status == repo::ACTIVE {
                "参保缴费"
            } else {
                "暂停缴费"
            }
            .to_owned(),
            start_period: row.start_period,
            stop_period: row.stop_period,
            latest_accounted_period: row.latest_accounted_period,
            latest_paid_period: row.latest_paid_period,
        })
    }
}

/// The comprehensive information of a unit (单位综合信息, R-UNIT-1).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitInfo {
    /// Unit number (单位编号, AAB001), 9 digits.
    #[cfg_attr(feature = "openapi", schema(example = "100047500"))]
    pub unit_no: String,
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub name: String,
    /// Unified social credit code (统一社会信用代码), 18 characters.
    #[cfg_attr(feature = "openapi", schema(example = "91420500MA4C8QD2X5"))]
    pub uscc: String,
    /// Unit type (单位类型).
    #[cfg_attr(feature = "openapi", schema(example = "企业"))]
    pub unit_type: String,
    /// Economic type (经济类型).
    #[cfg_attr(feature = "openapi", schema(example = "有限责任公司"))]
    pub economic_type: String,
    /// Industry (行业).
    #[cfg_attr(feature = "openapi", schema(example = "软件和信息技术服务业"))]
    pub industry: String,
    /// Industry risk class for work injury (行业风险类别, AAA149), 1–8.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub risk_class: i16,
    /// The work-injury floating factor in percent in force this month (or
    /// the first one in force, when it starts later).
    #[cfg_attr(feature = "openapi", schema(required = true, example = 100))]
    pub floating_factor: Option<i16>,
    /// Region (参保所属地).
    pub region: RegionRef,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "湖北省宜昌市西陵区东山大道100号")
    )]
    pub address: String,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "443000"))]
    pub postcode: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "0717-6441234"))]
    pub phone: String,
    /// Contact person (联系人).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub contact_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub contact_phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub email: Option<String>,
    pub legal_representative: LegalRepresentativeInfo,
    /// Collection method (征收方式, AAB033): `tax`.
    #[cfg_attr(feature = "openapi", schema(example = "tax"))]
    pub collection_method: String,
    #[cfg_attr(feature = "openapi", schema(example = "税务征收"))]
    pub collection_method_name: String,
    /// `active`, `suspended` or `closed`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    /// When the unit was registered (RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub registered_at: String,
    /// Enterprise size for the job-stabilisation refund (R-STAB-1), kept by
    /// staff: `large` or `small_medium`.
    #[cfg_attr(feature = "openapi", schema(example = "small_medium"))]
    pub size_class: String,
    #[cfg_attr(feature = "openapi", schema(example = "中小微企业"))]
    pub size_class_name: String,
    /// Per-insurance registration.
    pub insurances: Vec<UnitInsuranceDto>,
    /// Active authorised agents (经办人).
    pub agents: Vec<AgentDto>,
    /// Active bank accounts (退收银行账户).
    pub bank_accounts: Vec<BankAccountDto>,
}

fn id_type_name(code: &str) -> String {
    IdType::parse(code)
        .map(|t| t.label_zh().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// The factor in force in `current`, else the earliest one starting later.
fn current_factor(factors: &[UnitInjuryFactor], current: i32) -> Option<i16> {
    factors
        .iter()
        .find(|f| f.from_period <= current && f.to_period.is_none_or(|to| current <= to))
        .or_else(|| factors.iter().find(|f| f.from_period > current))
        .map(|f| f.factor_pct)
}

/// The comprehensive information of a unit, in one read-only snapshot
/// (单位综合信息查询).
pub fn get(conn: &mut DbConn, unit_id: UnitId, today: Date) -> Result<UnitInfo, AppError> {
    read_transaction(conn, |c| load(c, unit_id, today))
}

/// Reads the comprehensive information of a unit, in the caller's transaction.
pub fn load(conn: &mut DbConn, unit_id: UnitId, today: Date) -> Result<UnitInfo, AppError> {
    let unit = get_unit(conn, unit_id)?;
    unit_info(conn, unit, today)
}

/// The comprehensive information of a unit already read, in the caller's
/// transaction.
pub fn unit_info(conn: &mut DbConn, unit: Unit, today: Date) -> Result<UnitInfo, AppError> {
    let region = repo::get_region(conn, &unit.region_code)?;
    let insurances = unit_db::list_unit_insurances(conn, unit.id)?
        .iter()
        .map(UnitInsuranceDto::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let factors = unit_db::list_injury_factors(conn, unit.id)?;
    let agents = unit_db::list_active_agents(conn, unit.id)?
        .iter()
        .map(AgentDto::from_row)
        .collect();
    let bank_accounts = unit_db::list_active_bank_accounts(conn, unit.id)?
        .iter()
        .map(BankAccountDto::from_row)
        .collect();
    let method = CollectionMethod::from_code(&unit.collection_method);
    let size_class_name = qibao_core::unemployment::SizeClass::parse(&unit.size_class)
        .map(|s| s.label_zh().to_owned())
        .ok_or_else(|| crate::error::corrupt("unit size class", &unit.size_class))?;
    Ok(UnitInfo {
        floating_factor: current_factor(&factors, Period::of(today).yyyymm()),
        region: RegionRef {
            code: region.code,
            name: region.name,
        },
        legal_representative: LegalRepresentativeInfo {
            id_type_name: id_type_name(&unit.legal_rep_id_type),
            id_number_masked: mask_id_number(&unit.legal_rep_id_number),
            name: unit.legal_rep_name,
            id_type: unit.legal_rep_id_type,
            phone: unit.legal_rep_phone,
        },
        collection_method_name: method
            .map(|m| m.label_zh().to_owned())
            .unwrap_or_else(|| "其他".to_owned()),
        collection_method: unit.collection_method,
        registered_at: china_timestamp(unit.created_at),
        unit_no: unit.unit_no,
        name: unit.name,
        uscc: unit.uscc,
        unit_type: unit.unit_type,
        economic_type: unit.economic_type,
        industry: unit.industry,
        risk_class: unit.risk_class,
        address: unit.address,
        postcode: unit.postcode,
        phone: unit.phone,
        contact_name: unit.contact_name,
        contact_phone: unit.contact_phone,
        email: unit.email,
        status: unit.status,
        size_class: unit.size_class,
        size_class_name,
        insurances,
        agents,
        bank_accounts,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use qibao_db::ids::InjuryFactorId;

    #[test]
    fn factor_in_force_or_first_later() {
        let f = |id, from, to, pct| UnitInjuryFactor {
            id: InjuryFactorId(id),
            unit_id: UnitId(1),
            from_period: from,
            to_period: to,
            factor_pct: pct,
        };
        let factors = [f(1, 202001, Some(202212), 100), f(2, 202301, None, 120)];
        assert_eq!(current_factor(&factors, 202206), Some(100));
        assert_eq!(current_factor(&factors, 202304), Some(120));
        assert_eq!(current_factor(&factors, 201901), Some(100));
        assert_eq!(current_factor(&[], 202304), None);
    }
}

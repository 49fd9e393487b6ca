//! Units in the back office: registration at the counter (单位参保登记),
//! the unit search and a unit's comprehensive information by its number.

use std::collections::HashMap;

use qibao_core::Period;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::{Phone, Postcode, RegionCode, UnitNo, Uscc};
use qibao_core::insurance::{FloatFactor, Insurance, RiskClass};
use qibao_core::unit::{CollectionMethod, IdNumber};
use qibao_db::rows::{NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::units::{self as unit_db, NewLegalRepAccount, NewRegisteredUnit, UnitFilter};
use qibao_db::{DbConn, DbError, repo};
use serde::Serialize;
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use crate::actor::AsActor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, ErrorKind, FieldError};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{read_transaction, transaction};
use crate::units::info::{RegionRef, UnitInfo, unit_info};
use crate::units::unit_not_found;

/// The legal representative's account (法人账号), shown once.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegalRepAccountIssued {
    /// The account signs in with the unit's USCC (R-AUTH-1).
    #[cfg_attr(feature = "openapi", schema(example = "91420500MA4C8QD2X5"))]
    pub login: String,
    /// The one-time password: shown in this response only, never again;
    /// hand it to the legal representative.
    #[cfg_attr(feature = "openapi", schema(example = "k7PqR2mXw9Za"))]
    pub one_time_password: String,
    /// Always true: the password must be changed at the first sign-in.
    pub must_change_password: bool,
}

/// A registered unit, with its legal representative's account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRegistered {
    pub unit: UnitInfo,
    pub legal_rep_account: LegalRepAccountIssued,
    /// Things the clerk should know (e.g. a 15-digit ID converted, a USCC
    /// accepted under an exception).
    pub notices: Vec<String>,
}

/// A unit in search results.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitSummary {
    /// Unit number (单位编号, AAB001).
    #[cfg_attr(feature = "openapi", schema(example = "100047500"))]
    pub unit_no: String,
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub uscc: String,
    pub region: RegionRef,
    pub legal_rep_name: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// RFC 3339, China time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub registered_at: String,
}

/// One page of units, by unit number.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitListPage {
    pub items: Vec<UnitSummary>,
    /// All matches.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A registration whose every field parsed.
#[derive(Debug, Clone)]
pub struct Registration {
    pub uscc: Uscc,
    /// The USCC fails the checksum (why): accepted only with an exception.
    pub uscc_needs_exception: Option<String>,
    pub name: String,
    pub unit_type: String,
    pub economic_type: String,
    pub industry: String,
    pub risk_class: RiskClass,
    pub factor: FloatFactor,
    pub region: RegionCode,
    pub address: String,
    pub postcode: Postcode,
    pub phone: Phone,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub email: Option<String>,
    pub rep_name: String,
    pub rep_id: IdNumber,
    pub rep_phone: Phone,
    /// At least one, each with its first insured month.
    pub insurances: Vec<(Insurance, Period)>,
    pub collection: CollectionMethod,
}

/// A registration request as parsed: the registration when every field
/// parsed, the field errors (400) and the rule refusals (422) found without
/// the database, and a USCC of the right form that fails its checksum
/// (the code and why), which passes only with a registered exception.
#[derive(Debug, Clone, Default)]
pub struct RegistrationRequest {
    pub registration: Option<Registration>,
    pub errors: Vec<FieldError>,
    pub rules: Vec<FieldError>,
    pub uscc_exception_candidate: Option<(String, String)>,
}

/// The legal representative's first password, issued by the caller: the
/// password shown once and the hash that is stored.
#[derive(Debug, Clone)]
pub struct FirstPassword {
    pub password: String,
    pub hash: String,
}

/// Why a registration transaction stopped.
enum RegistrationFailed {
    Refused(AppError),
    /// The USCC is registered already (pre-check or unique index).
    UsccTaken(Option<String>),
}

impl From<DbError> for RegistrationFailed {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict { constraint } if constraint == "units_uscc_key" => {
                RegistrationFailed::UsccTaken(None)
            }
            other => RegistrationFailed::Refused(other.into()),
        }
    }
}

impl From<AppError> for RegistrationFailed {
    fn from(e: AppError) -> Self {
        RegistrationFailed::Refused(e)
    }
}

fn unit_exists(uscc: &str, unit_no: Option<&str>) -> AppError {
    let detail = match unit_no {
        Some(no) => format!("统一社会信用代码{uscc}已登记为单位{no}，不能重复参保登记。"),
        None => format!("统一社会信用代码{uscc}已登记参保，不能重复参保登记。"),
    };
    AppError::new(ErrorCode::UnitExists).with_detail(detail)
}

/// Registers a unit at the counter (单位参保登记).
///
/// Field errors are 400 `VALIDATION_FAILED` (a USCC failing its checksum
/// too, unless a reviewer registered an exception for it); rule refusals
/// 422 `REGISTRATION_REFUSED`; a region not served 422 `REGION_NOT_FOUND`;
/// a USCC registered already 409 `UNIT_EXISTS`. Then, in one transaction:
/// allocates the 9-digit unit number, registers the insurances with their
/// start months and the work-injury rating, creates the legal
/// representative's account with the password `issue_password` gives
/// (called once, only for a registration that passed the checks) and
/// records one business item (`unit_registration`).
pub fn register(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    request: RegistrationRequest,
    issue_password: impl FnOnce() -> Result<FirstPassword, AppError>,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnitRegistered, AppError> {
    let RegistrationRequest {
        registration,
        mut errors,
        rules,
        uscc_exception_candidate,
    } = request;
    if !errors.is_empty() && uscc_exception_candidate.is_none() {
        return Err(AppError::validation(errors));
    }
    if let Some((uscc, message)) = &uscc_exception_candidate
        && unit_db::find_uscc_exception(conn, uscc)?.is_none()
    {
        errors.insert(
            0,
            FieldError::new(
                "uscc",
                format!("{message}（如确为早期试点地区发放的真实代码，请审核岗先登记例外）"),
            ),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if !rules.is_empty() {
        let detail = rules
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；");
        return Err(AppError::new(ErrorCode::RegistrationRefused)
            .with_detail(detail)
            .with_errors(rules));
    }
    let Some(d) = registration else {
        return Err(AppError::internal_cause(
            "registration draft missing after checks",
        ));
    };
    let FirstPassword { password, hash } = issue_password()?;
    let actor = who.as_actor();
    let uscc = d.uscc.as_str().to_owned();
    let outcome = transaction(conn, |conn| {
        registration_tx(conn, &actor, &d, &hash, today, now)
    });
    match outcome {
        Ok(unit) => {
            let mut notices = Vec::new();
            if let Some(from) = &d.rep_id.converted_from {
                notices.push(format!(
                    "法定代表人的15位身份证号码{from}已转换为18位：{}。",
                    d.rep_id.number
                ));
            }
            if d.uscc_needs_exception.is_some() {
                notices.push(format!(
                    "统一社会信用代码{uscc}未通过校验位检查，已按审核登记的例外受理。"
                ));
            }
            Ok(UnitRegistered {
                legal_rep_account: LegalRepAccountIssued {
                    login: unit.uscc.clone(),
                    one_time_password: password,
                    must_change_password: true,
                },
                unit,
                notices,
            })
        }
        Err(RegistrationFailed::Refused(e)) => Err(e),
        Err(RegistrationFailed::UsccTaken(Some(no))) => Err(unit_exists(&uscc, Some(&no))),
        Err(RegistrationFailed::UsccTaken(None)) => {
            // The unique index refused a concurrent registration.
            let existing = repo::find_unit_by_uscc(conn, &uscc)?;
            Err(unit_exists(
                &uscc,
                existing.as_ref().map(|u| u.unit_no.as_str()),
            ))
        }
    }
}

fn registration_tx(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    d: &Registration,
    password_hash: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnitInfo, RegistrationFailed> {
    if let Err(DbError::NotFound) = repo::get_region(conn, d.region.as_str()) {
        let message = format!("参保地“{}”不存在或未开通。", d.region);
        return Err(AppError::new(ErrorCode::RegionNotFound)
            .with_detail(message.clone())
            .as_kind(ErrorKind::Unprocessable)
            .with_field_error("region", message)
            .into());
    }
    if let Some(existing) = repo::find_unit_by_uscc(conn, d.uscc.as_str())? {
        return Err(RegistrationFailed::UsccTaken(Some(existing.unit_no)));
    }
    let unit_no = repo::next_sequence(conn, "unit_no")?;
    let unit_no = UnitNo::parse(&unit_no.to_string())
        .map_err(|_| AppError::internal_cause(format!("unit number {unit_no} is not 9 digits")))?;
    let unit = unit_db::insert_registered_unit(
        conn,
        &NewRegisteredUnit {
            unit: NewUnit {
                unit_no: unit_no.as_str().to_owned(),
                uscc: d.uscc.as_str().to_owned(),
                name: d.name.clone(),
                region_code: d.region.as_str().to_owned(),
                unit_type: d.unit_type.clone(),
                economic_type: d.economic_type.clone(),
                industry: d.industry.clone(),
                risk_class: i16::from(d.risk_class.get()),
                address: d.address.clone(),
                postcode: Some(d.postcode.as_str().to_owned()),
                phone: d.phone.as_str().to_owned(),
                legal_rep_name: d.rep_name.clone(),
                legal_rep_id_type: d.rep_id.id_type.code().to_owned(),
                legal_rep_id_number: d.rep_id.number.clone(),
                collection_method: d.collection.code().to_owned(),
                status: "active".to_owned(),
                created_at: now,
                updated_at: now,
            },
            legal_rep_phone: Some(d.rep_phone.as_str().to_owned()),
            contact_name: d.contact_name.clone(),
            contact_phone: d.contact_phone.clone(),
            email: d.email.clone(),
        },
    )?;
    for (insurance, start) in &d.insurances {
        repo::insert_unit_insurance(
            conn,
            &NewUnitInsurance {
                unit_id: unit.id,
                insurance: insurance.code().to_owned(),
                start_period: start.yyyymm(),
                status: repo::ACTIVE.to_owned(),
                latest_accounted_period: None,
                latest_paid_period: None,
            },
        )?;
    }
    let first_start = d
        .insurances
        .iter()
        .map(|(_, start)| *start)
        .min()
        .ok_or_else(|| AppError::internal_cause("registration without insurances"))?;
    repo::insert_unit_injury_factor(
        conn,
        &NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: first_start.yyyymm(),
            to_period: None,
            factor_pct: i16::try_from(d.factor.percent()).map_err(AppError::internal_cause)?,
        },
    )?;
    unit_db::insert_legal_rep_account(
        conn,
        &NewLegalRepAccount {
            unit_id: unit.id,
            password_hash: password_hash.to_owned(),
            must_change_password: true,
            created_at: now,
            updated_at: now,
        },
    )?;
    let unit_id = unit.id;
    let info = unit_info(conn, unit, today)?;
    let mut after = json!(info);
    if let Some(note) = &d.uscc_needs_exception {
        after["uscc_exception"] = json!(note);
    }
    items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: BusinessItemKind::UnitRegistration,
            status: DONE,
            before: None,
            after: Some(after),
        },
        now,
    )?;
    Ok(info)
}

/// What the unit search filters by; `None` matches any.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    /// Exact unified social credit code, normalised.
    pub uscc: Option<String>,
    /// A part of the unit's name.
    pub name: Option<String>,
    /// Exact unit number.
    pub unit_no: Option<UnitNo>,
}

/// Searches units by USCC, name (a part) or unit number: page `page` (from
/// 1) of `page_size` units, by unit number, in one read-only snapshot.
pub fn search(
    conn: &mut DbConn,
    query: UnitQuery,
    page: i64,
    page_size: i64,
) -> Result<UnitListPage, AppError> {
    let filter = UnitFilter {
        uscc: query.uscc,
        name: query.name,
        unit_no: query.unit_no.map(|n| n.as_str().to_owned()),
    };
    let offset = (page - 1).saturating_mul(page_size);
    let (rows, total, regions) = read_transaction(conn, |conn| {
        let (rows, total) = unit_db::list_units(conn, &filter, offset, page_size)?;
        let regions: HashMap<String, String> = repo::list_regions(conn)?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
        Ok::<_, AppError>((rows, total, regions))
    })?;
    let items = rows
        .into_iter()
        .map(|u| UnitSummary {
            region: RegionRef {
                name: regions.get(&u.region_code).cloned().unwrap_or_default(),
                code: u.region_code,
            },
            registered_at: china_timestamp(u.created_at),
            unit_no: u.unit_no,
            name: u.name,
            uscc: u.uscc,
            legal_rep_name: u.legal_rep_name,
            status: u.status,
        })
        .collect();
    Ok(UnitListPage {
        items,
        total,
        page,
        page_size,
    })
}

/// A unit's comprehensive information by its number, in one read-only
/// snapshot; 404 `UNIT_NOT_FOUND` when there is none.
pub fn get_by_number(
    conn: &mut DbConn,
    unit_no: &UnitNo,
    today: Date,
) -> Result<UnitInfo, AppError> {
    read_transaction(conn, |conn| {
        let unit = match repo::get_unit_by_no(conn, unit_no.as_str()) {
            Ok(u) => u,
            Err(DbError::NotFound) => return Err(unit_not_found()),
            Err(e) => return Err(e.into()),
        };
        unit_info(conn, unit, today)
    })
}

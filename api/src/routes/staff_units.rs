//! Back office: unit registration at the counter (单位参保登记), unit search
//! and the unit's comprehensive information, and audited USCC exceptions
//! (R-ID-2).

use qibao_core::business_item::BusinessItemKind;
use std::collections::{BTreeSet, HashMap};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use qibao_core::Period;
use qibao_core::ids::{Email, Phone, Postcode, RegionCode, UnitNo, Uscc, UsccError};
use qibao_core::insurance::{FloatFactor, Insurance, RiskClass};
use qibao_core::unit::{
    CollectionMethod, IdNumber, IdType, check_registration_start, parse_id_number,
};
use qibao_db::rows::{NewUnit, NewUnitInjuryFactor, NewUnitInsurance};
use qibao_db::units::{
    self as unit_db, NewLegalRepAccount, NewRegisteredUnit, NewUsccException, UnitFilter,
    UsccException,
};
use qibao_db::{DbError, repo};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::password::{hash_password, one_time_password};
use crate::auth::{StaffRole, StaffUser};
use crate::blocking::run_db;
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{
    DONE, RegionRef, UnitInfo, iso_utc, load_unit_info, optional_text, paging, parse_field,
    required_text, unit_info, unit_not_found,
};
use crate::state::AppState;

pub const KIND_UNIT_REGISTRATION: BusinessItemKind = BusinessItemKind::UnitRegistration;
pub const KIND_USCC_EXCEPTION: BusinessItemKind = BusinessItemKind::UsccException;

/// The unit's legal representative (法定代表人).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRepresentativeInput {
    #[schema(example = "刘建国")]
    pub name: Option<String>,
    /// `resident` (居民身份证), `passport` (护照) or `residence_permit` (居留证件).
    #[schema(example = "resident")]
    pub id_type: Option<String>,
    /// ID number (AAC002); a resident ID is checked by GB 11643 and a 15-digit
    /// one converted.
    #[schema(example = "11010519491231002X")]
    pub id_number: Option<String>,
    #[schema(example = "13972012345")]
    pub phone: Option<String>,
}

/// One insurance the unit registers, with its first insured month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceStartInput {
    /// Insurance type (险种, AAE140): 110, 210 or 410.
    #[schema(example = "110")]
    pub insurance: Option<String>,
    /// First insured month, YYYYMM; at the latest next month.
    #[schema(example = "202304")]
    pub start_period: Option<String>,
}

/// Unit registration at the counter (单位参保登记).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRegistration {
    /// Unified social credit code (统一社会信用代码), 18 characters, checked
    /// by GB 32100 unless a reviewer registered an exception for it (R-ID-2).
    #[schema(example = "91420500MA4C8QD2X5")]
    pub uscc: Option<String>,
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub name: Option<String>,
    /// Unit type (单位类型).
    #[schema(example = "企业")]
    pub unit_type: Option<String>,
    /// Economic type (经济类型).
    #[schema(example = "有限责任公司")]
    pub economic_type: Option<String>,
    /// Industry (行业).
    #[schema(example = "软件和信息技术服务业")]
    pub industry: Option<String>,
    /// Industry risk class for work injury (行业风险类别, AAA149), 1–8.
    #[schema(example = 1)]
    pub risk_class: Option<i64>,
    /// Work-injury floating factor in percent (class 1: 100/120/150; classes
    /// 2–8: 50/80/100/120/150); default 100. In force from the first start month.
    #[schema(example = 100)]
    pub floating_factor: Option<i64>,
    /// Region code (参保所属地), 6 digits; must be a region served.
    #[schema(example = "420500")]
    pub region: Option<String>,
    #[schema(example = "湖北省宜昌市西陵区东山大道100号")]
    pub address: Option<String>,
    /// 6 digits.
    #[schema(example = "443000")]
    pub postcode: Option<String>,
    /// The unit's phone: a mobile number or a landline with area code.
    #[schema(example = "0717-6441234")]
    pub phone: Option<String>,
    /// Contact person (联系人), optional.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub email: Option<String>,
    pub legal_representative: Option<LegalRepresentativeInput>,
    /// At least one insurance with its first insured month.
    pub insurances: Option<Vec<InsuranceStartInput>>,
    /// Collection method (征收方式, AAB033): `tax` (税务征收), the default and
    /// the only one accepted.
    #[schema(example = "tax")]
    pub collection_method: Option<String>,
}

/// The legal representative's account (法人账号), shown once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalRepAccountIssued {
    /// The account signs in with the unit's USCC (R-AUTH-1).
    #[schema(example = "91420500MA4C8QD2X5")]
    pub login: String,
    /// The one-time password: shown in this response only, never again;
    /// hand it to the legal representative.
    #[schema(example = "k7PqR2mXw9Za")]
    pub one_time_password: String,
    /// Always true: the password must be changed at the first sign-in.
    pub must_change_password: bool,
}

/// A registered unit, with its legal representative's account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRegistered {
    pub unit: UnitInfo,
    pub legal_rep_account: LegalRepAccountIssued,
    /// Things the clerk should know (e.g. a 15-digit ID converted, a USCC
    /// accepted under an exception).
    pub notices: Vec<String>,
}

/// A unit in search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitSummary {
    /// Unit number (单位编号, AAB001).
    #[schema(example = "100047500")]
    pub unit_no: String,
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub uscc: String,
    pub region: RegionRef,
    pub legal_rep_name: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// ISO 8601, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub registered_at: String,
}

/// One page of units, by unit number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitListPage {
    pub items: Vec<UnitSummary>,
    /// All matches.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitSearch {
    /// Exact unified social credit code.
    pub uscc: Option<String>,
    /// A part of the unit's name.
    pub name: Option<String>,
    /// Exact unit number (AAB001), 9 digits.
    pub unit_no: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<i64>,
    /// Rows per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

/// Registers a USCC exception (R-ID-2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsccExceptionCreate {
    /// The code exactly as issued; its form (length, alphabet) must be right,
    /// its check character fails.
    #[schema(example = "91420500MA4C8QD2X0")]
    pub uscc: Option<String>,
    /// Why the code is genuine (document checked, issuing authority…).
    #[schema(example = "早期试点地区发放的代码，已核对营业执照原件")]
    pub reason: Option<String>,
}

/// An audited USCC exception.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsccExceptionDto {
    pub id: i64,
    pub uscc: String,
    pub reason: String,
    /// The reviewer who registered it (`role:username:name`).
    pub created_by: String,
    /// ISO 8601, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
}

impl UsccExceptionDto {
    fn from_row(e: &UsccException) -> UsccExceptionDto {
        UsccExceptionDto {
            id: e.id,
            uscc: e.uscc.clone(),
            reason: e.reason.clone(),
            created_by: e.created_by.clone(),
            created_at: iso_utc(e.created_at),
        }
    }
}

/// 403 unless the staff member has one of `roles`.
fn require_any_role(user: &StaffUser, roles: &[StaffRole], what: &str) -> Result<(), ApiError> {
    if roles.iter().any(|r| user.0.has_staff_role(*r)) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.label_zh()).collect();
    Err(ApiError::forbidden(
        "FORBIDDEN",
        format!("{what}需要{}权限。", names.join("或")),
    ))
}

/// A registration that passed the checks that need no database.
struct Draft {
    uscc: Uscc,
    /// The USCC fails the checksum: accepted only with an exception.
    uscc_needs_exception: Option<String>,
    name: String,
    unit_type: String,
    economic_type: String,
    industry: String,
    risk_class: RiskClass,
    factor: FloatFactor,
    region: RegionCode,
    address: String,
    postcode: Postcode,
    phone: Phone,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    email: Option<String>,
    rep_name: String,
    rep_id: IdNumber,
    rep_phone: Phone,
    insurances: Vec<(Insurance, Period)>,
    collection: CollectionMethod,
}

/// What the pure checks found: field errors (400) and rule refusals (422).
struct Checked {
    draft: Option<Draft>,
    errors: Vec<FieldError>,
    uscc_exception_candidate: Option<(String, String)>,
    rules: Vec<FieldError>,
}

fn check_registration(body: &UnitRegistration, today: time::Date) -> Checked {
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let mut candidate = None;
    let uscc = match body.uscc.as_deref() {
        None => {
            errors.push(FieldError::new("uscc", "缺少必填字段。"));
            None
        }
        Some(raw) => match Uscc::parse(raw) {
            Ok(u) => Some((u, None)),
            Err(e @ UsccError::Checksum { .. }) => {
                // Right form, wrong check character: an exception may exist.
                match Uscc::parse_with_exception(raw, true) {
                    Ok(u) => {
                        candidate = Some((u.as_str().to_owned(), e.to_string()));
                        Some((u, Some(e.to_string())))
                    }
                    Err(e) => {
                        errors.push(FieldError::new("uscc", e.to_string()));
                        None
                    }
                }
            }
            Err(e) => {
                errors.push(FieldError::new("uscc", e.to_string()));
                None
            }
        },
    };
    let name = required_text(body.name.as_deref(), "name", 100, &mut errors);
    let unit_type = required_text(body.unit_type.as_deref(), "unit_type", 50, &mut errors);
    let economic_type = required_text(
        body.economic_type.as_deref(),
        "economic_type",
        50,
        &mut errors,
    );
    let industry = required_text(body.industry.as_deref(), "industry", 100, &mut errors);
    let risk_class = match body.risk_class {
        None => {
            errors.push(FieldError::new("risk_class", "缺少必填字段。"));
            None
        }
        Some(c) => RiskClass::new(c)
            .map_err(|e| errors.push(FieldError::new("risk_class", e.to_string())))
            .ok(),
    };
    let factor = risk_class.and_then(|class| {
        FloatFactor::new(class, body.floating_factor.unwrap_or(100))
            .map_err(|e| errors.push(FieldError::new("floating_factor", e.to_string())))
            .ok()
    });
    let region = parse_field(
        body.region.as_deref(),
        "region",
        RegionCode::parse,
        &mut errors,
    );
    let address = required_text(body.address.as_deref(), "address", 200, &mut errors);
    let postcode = parse_field(
        body.postcode.as_deref(),
        "postcode",
        Postcode::parse,
        &mut errors,
    );
    let phone = parse_field(body.phone.as_deref(), "phone", Phone::parse, &mut errors);
    let contact_name = optional_text(
        body.contact_name.as_deref(),
        "contact_name",
        50,
        &mut errors,
    );
    let contact_phone = body
        .contact_phone
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_field(Some(s), "contact_phone", Phone::parse, &mut errors))
        .map(|p| p.as_str().to_owned());
    let email = body
        .email
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_field(Some(s), "email", Email::parse, &mut errors))
        .map(|e| e.as_str().to_owned());

    let (rep_name, rep_id, rep_phone) = match &body.legal_representative {
        None => {
            errors.push(FieldError::new("legal_representative", "缺少必填字段。"));
            (String::new(), None, None)
        }
        Some(rep) => {
            let name = required_text(
                rep.name.as_deref(),
                "legal_representative.name",
                50,
                &mut errors,
            );
            let id_type = parse_field(
                rep.id_type.as_deref(),
                "legal_representative.id_type",
                IdType::parse,
                &mut errors,
            );
            let id = id_type.and_then(|t| {
                parse_field(
                    rep.id_number.as_deref(),
                    "legal_representative.id_number",
                    |s| parse_id_number(t, s, today),
                    &mut errors,
                )
            });
            let phone = parse_field(
                rep.phone.as_deref(),
                "legal_representative.phone",
                Phone::parse,
                &mut errors,
            );
            (name, id, phone)
        }
    };

    let mut insurances = Vec::new();
    match &body.insurances {
        None => errors.push(FieldError::new("insurances", "缺少必填字段。")),
        Some(list) if list.is_empty() => {
            errors.push(FieldError::new("insurances", "至少登记一个险种。"));
        }
        Some(list) => {
            let mut seen = BTreeSet::new();
            for (i, entry) in list.iter().enumerate() {
                let field = |f: &str| format!("insurances[{i}].{f}");
                let ins = parse_field(
                    entry.insurance.as_deref(),
                    &field("insurance"),
                    Insurance::parse_collected,
                    &mut errors,
                );
                let start = parse_field(
                    entry.start_period.as_deref(),
                    &field("start_period"),
                    Period::parse,
                    &mut errors,
                );
                if let Some(ins) = ins
                    && !seen.insert(ins)
                {
                    errors.push(FieldError::new(field("insurance"), "险种重复登记。"));
                }
                if let Some(start) = start
                    && let Err(e) = check_registration_start(start, today)
                {
                    rules.push(FieldError::new(field("start_period"), e.to_string()));
                }
                if let (Some(ins), Some(start)) = (ins, start) {
                    insurances.push((ins, start));
                }
            }
        }
    }
    let collection =
        match CollectionMethod::parse(body.collection_method.as_deref().unwrap_or("tax")) {
            Ok(c) => Some(c),
            Err(e) => {
                rules.push(FieldError::new("collection_method", e.to_string()));
                None
            }
        };

    let draft = match (
        uscc, risk_class, factor, region, postcode, phone, rep_id, rep_phone, collection,
    ) {
        (
            Some((uscc, uscc_needs_exception)),
            Some(risk_class),
            Some(factor),
            Some(region),
            Some(postcode),
            Some(phone),
            Some(rep_id),
            Some(rep_phone),
            Some(collection),
        ) if !insurances.is_empty() => Some(Draft {
            uscc,
            uscc_needs_exception,
            name,
            unit_type,
            economic_type,
            industry,
            risk_class,
            factor,
            region,
            address,
            postcode,
            phone,
            contact_name,
            contact_phone,
            email,
            rep_name,
            rep_id,
            rep_phone,
            insurances,
            collection,
        }),
        _ => None,
    };
    Checked {
        draft,
        errors,
        uscc_exception_candidate: candidate,
        rules,
    }
}

/// Why a registration transaction stopped.
enum RegistrationFailed {
    Refused(ApiError),
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

impl From<qibao_app::AppError> for RegistrationFailed {
    fn from(e: qibao_app::AppError) -> Self {
        RegistrationFailed::Refused(e.into())
    }
}

impl From<ApiError> for RegistrationFailed {
    fn from(e: ApiError) -> Self {
        RegistrationFailed::Refused(e)
    }
}

fn unit_exists(uscc: &str, unit_no: Option<&str>) -> ApiError {
    let detail = match unit_no {
        Some(no) => format!("统一社会信用代码{uscc}已登记为单位{no}，不能重复参保登记。"),
        None => format!("统一社会信用代码{uscc}已登记参保，不能重复参保登记。"),
    };
    ApiError::conflict("UNIT_EXISTS", detail)
}

/// Registers a unit at the counter (单位参保登记; acceptor or handler).
///
/// Allocates the 9-digit unit number, registers the insurances with their
/// start months and the work-injury rating, creates the legal
/// representative's account (法人账号: USCC + password) and returns its
/// one-time password once. One transaction; one business item
/// (`unit_registration`).
#[utoipa::path(
    tag = "staff",
    operation_id = "create_unit",
    security(("bearer" = [])),
    request_body = UnitRegistration,
    responses(
        (status = 201, description = "Registered; `Location` names the unit. The one-time password is in this response only.", body = UnitRegistered),
        (status = 400, description = "Malformed body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`): USCC, ID number, risk class, floating factor, phone, postcode, insurances…; `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or staff without the acceptor or handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A unit with this USCC exists (`UNIT_EXISTS`); the detail names its unit number.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A start month later than next month or a collection method other than tax (`REGISTRATION_REFUSED`); a region not served (`REGION_NOT_FOUND`). `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/units")]
pub async fn create_unit(
    user: StaffUser,
    state: web::Data<AppState>,
    body: web::Json<UnitRegistration>,
) -> Result<HttpResponse, ApiError> {
    require_any_role(
        &user,
        &[StaffRole::Acceptor, StaffRole::Handler],
        "单位参保登记",
    )?;
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let Checked {
        draft,
        mut errors,
        uscc_exception_candidate,
        rules,
    } = check_registration(&body, today);
    if !errors.is_empty() && uscc_exception_candidate.is_none() {
        return Err(ApiError::validation(errors));
    }
    let principal = user.0;
    let registered = run_db(&state, move |conn| {
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
            return Err(ApiError::validation(errors));
        }
        if !rules.is_empty() {
            let detail = rules
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("；");
            return Err(ApiError::unprocessable("REGISTRATION_REFUSED", detail).with_errors(rules));
        }
        let Some(d) = draft else {
            return Err(ApiError::internal_cause(
                "registration draft missing after checks",
            ));
        };
        let password = one_time_password();
        let password_hash = hash_password(&password)?;
        let uscc = d.uscc.as_str().to_owned();
        let outcome = qibao_db::conn::transaction(conn, |conn| {
            registration_tx(conn, &principal, &d, &password_hash, today, now)
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
    })
    .await?;
    let location = format!("/api/v1/staff/units/{}", registered.unit.unit_no);
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .json(registered))
}

fn registration_tx(
    conn: &mut qibao_db::DbConn,
    principal: &crate::auth::Principal,
    d: &Draft,
    password_hash: &str,
    today: time::Date,
    now: time::PrimitiveDateTime,
) -> Result<UnitInfo, RegistrationFailed> {
    if let Err(DbError::NotFound) = repo::get_region(conn, d.region.as_str()) {
        let message = format!("参保地“{}”不存在或未开通。", d.region);
        return Err(ApiError::unprocessable("REGION_NOT_FOUND", message.clone())
            .with_field_error("region", message)
            .into());
    }
    if let Some(existing) = repo::find_unit_by_uscc(conn, d.uscc.as_str())? {
        return Err(RegistrationFailed::UsccTaken(Some(existing.unit_no)));
    }
    let unit_no = repo::next_sequence(conn, "unit_no")?;
    let unit_no = UnitNo::parse(&unit_no.to_string())
        .map_err(|_| ApiError::internal_cause(format!("unit number {unit_no} is not 9 digits")))?;
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
        .ok_or_else(|| ApiError::internal_cause("registration without insurances"))?;
    repo::insert_unit_injury_factor(
        conn,
        &NewUnitInjuryFactor {
            unit_id: unit.id,
            from_period: first_start.yyyymm(),
            to_period: None,
            factor_pct: i16::try_from(d.factor.percent()).map_err(ApiError::internal_cause)?,
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
        principal,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_UNIT_REGISTRATION,
            status: DONE,
            before: None,
            after: Some(after),
        },
        now,
    )?;
    Ok(info)
}

/// Searches units by USCC, name (a part) or unit number (any staff role).
#[utoipa::path(
    tag = "staff",
    operation_id = "list_units",
    security(("bearer" = [])),
    params(UnitSearch),
    responses(
        (status = 200, body = UnitListPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/units")]
pub async fn list_units(
    _user: StaffUser,
    state: web::Data<AppState>,
    query: web::Query<UnitSearch>,
) -> Result<web::Json<UnitListPage>, ApiError> {
    let q = query.into_inner();
    let mut errors = Vec::new();
    let (page, page_size, offset) = match paging(q.page, q.page_size) {
        Ok(p) => p,
        Err(e) => {
            errors.extend(e.errors().iter().cloned());
            (1, 1, 0)
        }
    };
    let unit_no = q
        .unit_no
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_field(Some(s), "unit_no", UnitNo::parse, &mut errors))
        .map(|n| n.as_str().to_owned());
    let name = optional_text(q.name.as_deref(), "name", 100, &mut errors);
    let uscc = q
        .uscc
        .as_deref()
        .map(Uscc::normalise)
        .filter(|s| !s.is_empty());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let filter = UnitFilter {
        uscc,
        name,
        unit_no,
    };
    let (rows, total, regions) = run_db(&state, move |conn| {
        let (rows, total) = unit_db::list_units(conn, &filter, offset, page_size)?;
        let regions: HashMap<String, String> = repo::list_regions(conn)?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
        Ok((rows, total, regions))
    })
    .await?;
    let items = rows
        .into_iter()
        .map(|u| UnitSummary {
            region: RegionRef {
                name: regions.get(&u.region_code).cloned().unwrap_or_default(),
                code: u.region_code,
            },
            registered_at: iso_utc(u.created_at),
            unit_no: u.unit_no,
            name: u.name,
            uscc: u.uscc,
            legal_rep_name: u.legal_rep_name,
            status: u.status,
        })
        .collect();
    Ok(web::Json(UnitListPage {
        items,
        total,
        page,
        page_size,
    }))
}

/// A unit's comprehensive information (any staff role), the same as the
/// unit sees it in the online hall.
#[utoipa::path(
    tag = "staff",
    operation_id = "get_unit_by_number",
    security(("bearer" = [])),
    params(("unit_no" = String, Path, description = "Unit number (单位编号, AAB001), 9 digits.")),
    responses(
        (status = 200, body = UnitInfo),
        (status = 400, description = "Malformed unit number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such unit (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/units/{unit_no}")]
pub async fn get_unit_by_number(
    _user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<UnitInfo>, ApiError> {
    let unit_no =
        UnitNo::parse(&path).map_err(|e| ApiError::invalid_field("unit_no", e.to_string()))?;
    let today = state.clock.today();
    let info = run_db(&state, move |conn| {
        let unit = match repo::get_unit_by_no(conn, unit_no.as_str()) {
            Ok(u) => u,
            Err(DbError::NotFound) => return Err(unit_not_found()),
            Err(e) => return Err(e.into()),
        };
        load_unit_info(conn, unit.id, today)
    })
    .await?;
    Ok(web::Json(info))
}

/// Registers an audited exception for one USCC that fails the checksum but
/// is genuine (R-ID-2; reviewer role). Exactly that code can then be
/// registered; nothing else bypasses the check.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_uscc_exception",
    security(("bearer" = [])),
    request_body = UsccExceptionCreate,
    responses(
        (status = 201, body = UsccExceptionDto),
        (status = 400, description = "Malformed body; a code of the wrong form; no reason (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or staff without the reviewer role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "An exception for this code exists (`USCC_EXCEPTION_EXISTS`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The code passes the checksum and needs no exception (`USCC_EXCEPTION_NOT_NEEDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/uscc-exceptions")]
pub async fn create_uscc_exception(
    user: StaffUser,
    state: web::Data<AppState>,
    body: web::Json<UsccExceptionCreate>,
) -> Result<HttpResponse, ApiError> {
    require_any_role(&user, &[StaffRole::Reviewer], "登记统一社会信用代码例外")?;
    let mut errors = Vec::new();
    let uscc = parse_field(
        body.uscc.as_deref(),
        "uscc",
        |s| Uscc::parse_with_exception(s, true),
        &mut errors,
    );
    let reason = required_text(body.reason.as_deref(), "reason", 500, &mut errors);
    let (Some(uscc), true) = (uscc, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    if Uscc::parse(uscc.as_str()).is_ok() {
        return Err(ApiError::unprocessable(
            "USCC_EXCEPTION_NOT_NEEDED",
            format!("统一社会信用代码{uscc}校验通过，无需登记例外。"),
        ));
    }
    let now = state.clock.now_utc();
    let principal = user.0;
    let exists = |uscc: &str| {
        ApiError::conflict(
            "USCC_EXCEPTION_EXISTS",
            format!("统一社会信用代码{uscc}的例外已经登记。"),
        )
    };
    let row = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            if unit_db::find_uscc_exception(conn, uscc.as_str())?.is_some() {
                return Err(exists(uscc.as_str()));
            }
            let row = unit_db::insert_uscc_exception(
                conn,
                &NewUsccException {
                    uscc: uscc.as_str().to_owned(),
                    reason: reason.clone(),
                    created_by: principal.actor(),
                    created_at: now,
                },
            )
            .map_err(|e| match e {
                DbError::Conflict { .. } => exists(uscc.as_str()),
                other => other.into(),
            })?;
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: None,
                    kind: KIND_USCC_EXCEPTION,
                    status: DONE,
                    before: None,
                    after: Some(json!({ "uscc": row.uscc, "reason": row.reason })),
                },
                now,
            )?;
            Ok(row)
        })
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(UsccExceptionDto::from_row(&row)))
}

/// Lists the audited USCC exceptions, newest first (any staff role).
#[utoipa::path(
    tag = "staff",
    operation_id = "list_uscc_exceptions",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<UsccExceptionDto>),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/uscc-exceptions")]
pub async fn list_uscc_exceptions(
    _user: StaffUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<UsccExceptionDto>>, ApiError> {
    let rows = run_db(&state, |conn| Ok(unit_db::list_uscc_exceptions(conn)?)).await?;
    Ok(web::Json(
        rows.iter().map(UsccExceptionDto::from_row).collect(),
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_unit)
        .service(list_units)
        .service(get_unit_by_number)
        .service(create_uscc_exception)
        .service(list_uscc_exceptions);
}

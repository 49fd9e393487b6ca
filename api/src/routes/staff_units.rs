//! Back office: unit registration at the counter (单位参保登记), unit search
//! and the unit's comprehensive information, and audited USCC exceptions
//! (R-ID-2).

use std::collections::BTreeSet;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use qibao_app::error::ErrorCode;
use qibao_app::staff::units::{
    self as staff_units, FirstPassword, Registration, RegistrationRequest, UnitListPage, UnitQuery,
    UnitRegistered,
};
use qibao_app::staff::uscc_exceptions::{self, UsccExceptionDto};
use qibao_app::units::info::UnitInfo;
use qibao_core::Period;
use qibao_core::ids::{Email, Phone, Postcode, RegionCode, UnitNo, Uscc, UsccError};
use qibao_core::insurance::{FloatFactor, Insurance, RiskClass};
use qibao_core::unit::{CollectionMethod, IdType, check_registration_start, parse_id_number};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::password::{hash_password, one_time_password};
use crate::auth::{AsActor, StaffRole, StaffUser};
use crate::http::blocking::run_db;
use crate::http::extract::{LateJson, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{optional_text, parse_field, required_text};
use crate::state::AppState;

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

/// 403 unless the staff member has one of `roles`.
pub(crate) fn require_any_role(
    user: &StaffUser,
    roles: &[StaffRole],
    what: &str,
) -> Result<(), ApiError> {
    if roles.iter().any(|r| user.0.has_staff_role(*r)) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.label_zh()).collect();
    Err(ApiError::new(ErrorCode::Forbidden)
        .with_detail(format!("{what}需要{}权限。", names.join("或"))))
}

/// Parses a registration: what needs no database, into the request the
/// use case checks further.
fn check_registration(body: &UnitRegistration, today: time::Date) -> RegistrationRequest {
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
        ) if !insurances.is_empty() => Some(Registration {
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
    RegistrationRequest {
        registration: draft,
        errors,
        rules,
        uscc_exception_candidate: candidate,
    }
}

/// 单位参保登记 — register a unit
///
/// Registers a unit at the counter (单位参保登记; acceptor or handler).
///
/// Allocates the 9-digit unit number, registers the insurances with their
/// start months and the work-injury rating, creates the legal
/// representative's account (法人账号: USCC + password) and returns its
/// one-time password once. One transaction; one business item
/// (`unit_registration`).
#[utoipa::path(
    tag = "staff-units",
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
    body: LateJson<UnitRegistration>,
) -> Result<HttpResponse, ApiError> {
    require_any_role(
        &user,
        &[StaffRole::Acceptor, StaffRole::Handler],
        "单位参保登记",
    )?;
    let body = body.into_inner()?;
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let request = check_registration(&body, today);
    let who = user.0.as_actor();
    let registered: UnitRegistered = run_db(&state, move |conn| {
        let issue_password = || {
            let password = one_time_password();
            let hash = hash_password(&password)
                .map_err(|_| qibao_app::AppError::internal_cause("hashing the first password"))?;
            Ok(FirstPassword { password, hash })
        };
        Ok(staff_units::register(
            conn,
            &who,
            request,
            issue_password,
            today,
            now,
        )?)
    })
    .await?;
    let location = format!("/api/v1/staff/units/{}", registered.unit.unit_no);
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .json(registered))
}

/// 单位查询 — search units
///
/// Searches units by USCC, name (a part) or unit number (any staff role).
#[utoipa::path(
    tag = "staff-units",
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
    query: Query<UnitSearch>,
) -> Result<web::Json<UnitListPage>, ApiError> {
    let q = query.into_inner();
    let mut errors = Vec::new();
    let Page { page, page_size } = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::LIST, &mut errors);
    let unit_no = q
        .unit_no
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_field(Some(s), "unit_no", UnitNo::parse, &mut errors));
    let name = optional_text(q.name.as_deref(), "name", 100, &mut errors);
    let uscc = q
        .uscc
        .as_deref()
        .map(Uscc::normalise)
        .filter(|s| !s.is_empty());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let query = UnitQuery {
        uscc,
        name,
        unit_no,
    };
    let out = run_db(&state, move |conn| {
        Ok(staff_units::search(conn, query, page, page_size)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 单位综合信息查询（经办） — one unit
///
/// A unit's comprehensive information (any staff role), the same as the
/// unit sees it in the online hall.
#[utoipa::path(
    tag = "staff-units",
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
        Ok(staff_units::get_by_number(conn, &unit_no, today)?)
    })
    .await?;
    Ok(web::Json(info))
}

/// 统一社会信用代码例外登记 — register a USCC exception
///
/// Registers an audited exception for one USCC that fails the checksum but
/// is genuine (R-ID-2; reviewer role). Exactly that code can then be
/// registered; nothing else bypasses the check.
#[utoipa::path(
    tag = "staff-units",
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
    body: LateJson<UsccExceptionCreate>,
) -> Result<HttpResponse, ApiError> {
    require_any_role(&user, &[StaffRole::Reviewer], "登记统一社会信用代码例外")?;
    let body = body.into_inner()?;
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
    let now = state.clock.now_utc();
    let who = user.0.as_actor();
    let dto = run_db(&state, move |conn| {
        Ok(uscc_exceptions::create(conn, &who, &uscc, &reason, now)?)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto))
}

/// 统一社会信用代码例外查询 — USCC exceptions
///
/// Lists the audited USCC exceptions, newest first (any staff role).
#[utoipa::path(
    tag = "staff-units",
    operation_id = "list_uscc_exceptions",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UsccExceptionList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/uscc-exceptions")]
pub async fn list_uscc_exceptions(
    _user: StaffUser,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<UsccExceptionList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let rows = run_db(&state, |conn| Ok(uscc_exceptions::list(conn)?)).await?;
    Ok(web::Json(UsccExceptionList::cut(rows, page)))
}

paging::whole_list! {
    /// A page of the audited USCC exceptions, newest first.
    UsccExceptionList of UsccExceptionDto
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_unit)
        .service(list_units)
        .service(get_unit_by_number)
        .service(create_uscc_exception)
        .service(list_uscc_exceptions);
}

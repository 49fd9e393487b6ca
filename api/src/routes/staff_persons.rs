//! Back-office work on persons: key-information changes with a supporting
//! document (R-EMP-9), dated statuses that decide assessment (R-EMP-6,
//! R-EMP-7), and one person under several numbers: the list and the audited
//! merge decision (R-EMP-8).
//!
//! HTTP only: the use cases are in [`qibao_app::staff::persons`].

use actix_web::{HttpResponse, get, patch, post, web};
use qibao_app::employees::PersonDto;
use qibao_app::error::ErrorCode;
use qibao_app::staff::persons::{
    self, DuplicatePage, MergeResult, PersonStatusList, PersonStatusResult, StaffPersonDetail,
    required_field,
};
use qibao_core::Period;
use qibao_core::employment::{PersonStatus, PersonStatusKind};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, Principal, StaffRole, StaffUser};
use crate::http::blocking::run_db;
use crate::http::extract::{LateJson, Query};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::parse_person_no;
use crate::state::AppState;

fn require_any(p: &Principal, roles: &[StaffRole]) -> Result<(), ApiError> {
    if roles.iter().any(|r| p.has_staff_role(*r)) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.label_zh()).collect();
        Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail(format!("此操作需要{}权限。", names.join("或"))))
    }
}

// ---------------------------------------------------------------- detail

/// 个人信息查询 — one person
///
/// A person with every relation, status and merge (any staff role).
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "get_person",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffPersonDetail),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/persons/{person_no}")]
pub async fn get_person(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<StaffPersonDetail>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let detail = run_db(&state, move |conn| Ok(persons::get(conn, &person_no)?)).await?;
    Ok(web::Json(detail))
}

// ---------------------------------------------------------------- key change

/// A key-information change (人员关键信息变更, R-EMP-9), at the counter,
/// with the supporting document.
#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyChangeRequest {
    /// New name (姓名, AAC003).
    pub name: Option<String>,
    /// New document type.
    pub id_type: Option<String>,
    /// New ID number (AAC002).
    pub id_number: Option<String>,
    /// Gender (must agree with a resident ID).
    pub gender: Option<String>,
    /// Birth date (must agree with a resident ID).
    pub birth_date: Option<String>,
    /// Nationality (3 letters).
    pub nationality: Option<String>,
    /// Required. Why (变更原因).
    #[schema(example = "身份证号码登记错误，按户籍证明更正")]
    pub reason: Option<String>,
    /// Required. The supporting document: an uploaded material id or the
    /// reference of the paper document (证明材料).
    #[schema(example = "MAT-2023-000123 户籍证明")]
    #[serde(
        alias = "document",
        alias = "document_reference",
        alias = "supporting_document",
        alias = "material_id",
        alias = "material_ref"
    )]
    pub document_ref: Option<String>,
}

/// 个人关键信息变更 — change a person's key information
///
/// Changes a person's key information (name, ID) at the counter, with the
/// reason and a supporting document; audited as a business item. An ID
/// already registered under another number is refused (merge instead).
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "update_person",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = KeyChangeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonDto),
        (status = 400, description = "Malformed fields, missing reason or document, nothing to change (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the acceptor or handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The new ID is registered under another number (`ID_NUMBER_IN_USE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[patch("/persons/{person_no}")]
pub async fn update_person(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: LateJson<KeyChangeRequest>,
) -> Result<web::Json<PersonDto>, ApiError> {
    require_any(&staff.0, &[StaffRole::Acceptor, StaffRole::Handler])?;
    let body = body.into_inner()?;
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let request = persons::KeyChangeRequest {
        name: body.name,
        id_type: body.id_type,
        id_number: body.id_number,
        gender: body.gender,
        birth_date: body.birth_date,
        nationality: body.nationality,
        reason: body.reason,
        document_ref: body.document_ref,
    };
    let who = staff.0.as_actor();
    let person = run_db(&state, move |conn| {
        Ok(persons::change_key(
            conn, &who, &person_no, &request, today, now,
        )?)
    })
    .await?;
    Ok(web::Json(person))
}

// ---------------------------------------------------------------- statuses

/// A dated status to record (R-EMP-6, R-EMP-7).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonStatusRequest {
    /// Required. retirement, prison or bilateral_exemption.
    #[schema(example = "retirement")]
    pub kind: Option<String>,
    /// Required. First month, YYYYMM; for retirement the approved retirement
    /// month (assessed through it, not after).
    #[schema(example = "202303")]
    pub from_period: Option<String>,
    /// Last month, YYYYMM (none for retirement; open-ended when absent).
    pub to_period: Option<String>,
    /// The basis (e.g. the approval document).
    #[schema(example = "鄂人社退休审批〔2023〕15号")]
    pub note: Option<String>,
}

/// 人员状态查询 — a person's statuses
///
/// The dated statuses of a person (any staff role).
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "list_person_statuses",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonStatusList),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/persons/{person_no}/statuses")]
pub async fn list_person_statuses(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<PersonStatusList>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let list = run_db(&state, move |conn| Ok(persons::statuses(conn, &person_no)?)).await?;
    Ok(web::Json(list))
}

/// 人员状态登记 — record a status
///
/// Records a retirement, prison or bilateral-exemption status. Pending lines
/// of months that are no longer accountable are cancelled at once; billed or
/// paid ones are listed for review. Each unit concerned gets a business item.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_person_status",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = PersonStatusRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = PersonStatusResult),
        (status = 400, description = "Malformed fields (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the acceptor or handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Refused by the rules (`STATUS_INVALID`): reversed months, an end for a retirement, a bilateral exemption for a citizen, an overlapping record.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/persons/{person_no}/statuses")]
pub async fn create_person_status(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: LateJson<PersonStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    require_any(&staff.0, &[StaffRole::Acceptor, StaffRole::Handler])?;
    let body = body.into_inner()?;
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let kind = match body.kind.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("kind", "缺少必填字段。"));
            None
        }
        Some(k) => {
            let parsed = PersonStatusKind::parse(k);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "kind",
                    "状态类型应为retirement（退休）、prison（服刑）或bilateral_exemption（中外互免）",
                ));
            }
            parsed
        }
    };
    let mut period = |v: &Option<String>, field: &str, required: bool| match v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            if required {
                errors.push(FieldError::new(field, "缺少必填字段。"));
            }
            None
        }
        Some(s) => match Period::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    };
    let from = period(&body.from_period, "from_period", true);
    let to = period(&body.to_period, "to_period", false);
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if note.chars().count() > 200 {
        errors.push(FieldError::new("note", "不能超过200个字符"));
    }
    let (Some(kind), Some(from)) = (kind, from) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let new = PersonStatus { kind, from, to };
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let result: PersonStatusResult = run_db(&state, move |conn| {
        Ok(persons::add_status(
            conn, &who, &person_no, new, &note, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

// ---------------------------------------------------------------- duplicates

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateQuery {
    /// Page, from 1.
    pub page: Option<String>,
    /// Groups per page, 1–200 (default 20).
    pub page_size: Option<String>,
}

/// 一人多号查询（全省） — duplicate persons
///
/// Every ID registered under more than one live person number in the
/// province (一人多号), including 15- vs 18-digit and x vs X spellings.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "list_duplicate_persons",
    params(DuplicateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DuplicatePage),
        (status = 400, description = "Malformed page (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/duplicate-persons")]
pub async fn list_duplicate_persons(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: Query<DuplicateQuery>,
) -> Result<web::Json<DuplicatePage>, ApiError> {
    let mut errors = Vec::new();
    let (page, page_size) = PageQuery::from_text(query.page.as_deref(), query.page_size.as_deref())
        .check_into(&paging::TEXT, &mut errors)
        .to_usize();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = run_db(&state, move |conn| {
        Ok(persons::duplicates(conn, page, page_size)?)
    })
    .await?;
    Ok(web::Json(page))
}

/// A staff decision to merge one number into another (R-EMP-8).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeRequest {
    /// Required. The number that stays (个人编号).
    #[schema(example = "10003726000")]
    pub keep_person_no: Option<String>,
    /// Required. The number merged into it; hidden afterwards.
    #[schema(example = "10003726001")]
    pub merge_person_no: Option<String>,
    /// Required. Why (核实情况).
    #[schema(example = "经核实为同一人，15位旧号码重复登记")]
    pub reason: Option<String>,
}

/// 一人多号合并 — merge two person numbers
///
/// Merges two numbers of the same person (一人多号合并), audited: both
/// must carry the same ID (any spelling); relations, lines and statuses of
/// the merged number move to the kept one. Refused while both pay in the
/// same insurance or both have a live line for the same month.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_person_merge",
    request_body = MergeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = MergeResult),
        (status = 400, description = "Malformed or identical numbers, missing reason (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler or reviewer role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "A number does not exist or is merged already (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Both pay in one insurance or both have a line for one month (`MERGE_CONFLICT`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The two numbers carry different IDs (`NOT_SAME_PERSON`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/duplicate-persons/merges")]
pub async fn create_person_merge(
    state: web::Data<AppState>,
    staff: StaffUser,
    body: LateJson<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    require_any(&staff.0, &[StaffRole::Handler, StaffRole::Reviewer])?;
    let body = body.into_inner()?;
    let mut errors = Vec::new();
    let mut number = |v: &Option<String>, field: &str| match v.as_deref() {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(s) => match parse_person_no(s) {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(field, "个人编号应为11位数字"));
                None
            }
        },
    };
    let keep = number(&body.keep_person_no, "keep_person_no");
    let merge = number(&body.merge_person_no, "merge_person_no");
    let reason = required_field(&body.reason, "reason", 500, &mut errors);
    if let (Some(k), Some(m)) = (&keep, &merge)
        && k == m
    {
        errors.push(FieldError::new(
            "merge_person_no",
            "保留编号与合并编号不能相同",
        ));
    }
    let (Some(keep), Some(merge), Some(reason)) = (keep, merge, reason) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let result: MergeResult = run_db(&state, move |conn| {
        Ok(persons::merge(conn, &who, &keep, &merge, &reason, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_person)
        .service(update_person)
        .service(list_person_statuses)
        .service(create_person_status)
        .service(list_duplicate_persons)
        .service(create_person_merge);
}

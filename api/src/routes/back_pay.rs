//! Back-pay applications reviewed by staff (劳动合同补缴 R-BACK-3, 职工补缴
//! R-BACK-2); the unit's deferred months (缓缴, R-BACK-5) are
//! [`crate::routes::deferrals`]. The use cases
//! are in [`qibao_app::declarations::back_pay`]; here the request is parsed
//! and the answer rendered.

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::declarations::back_pay::{
    self as use_case, Application, BackPayApplicationDto, BackPayApplicationList,
};
use qibao_app::ids::BusinessItemId;
use qibao_core::Period;
use qibao_core::back_pay::BackPayKind;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::review::material::check_material_ids;
use crate::routes::ServiceConfig;
use crate::routes::employees::{insurances_field, parse_person_no, wage_field};
use crate::state::AppState;

/// The longest reason accepted, in characters.
const MAX_REASON_CHARS: usize = 500;

/// A back-pay application (补缴申请).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackPayApplicationInput {
    /// Required. `labour_contract` (劳动合同补缴, R-BACK-3) or
    /// `employee_back_pay` (职工补缴, R-BACK-2).
    #[schema(example = "labour_contract")]
    pub kind: Option<String>,
    /// Required. Person number (个人编号, AAC001) of an employee of the unit.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Insurance codes (险种, AAE140); default every insurance the person
    /// has at the unit.
    #[schema(example = json!(["110", "210", "410"]))]
    pub insurances: Option<Vec<String>>,
    /// Required. First month (YYYYMM, 费款所属期 AAE002).
    #[schema(example = "202208")]
    pub from_period: Option<String>,
    /// Required. Last month (YYYYMM), before the current month.
    #[schema(example = "202303")]
    pub to_period: Option<String>,
    /// Required. The monthly wage of those months in yuan (string or
    /// integer); rounded, then clamped to each period's bounds.
    #[schema(value_type = String, example = "5234.56")]
    pub monthly_wage: Option<Value>,
    /// Required. Ids of the unit's uploaded materials: the labour contract
    /// and evidence of the employment (1–20).
    #[schema(example = json!([12]))]
    pub material_ids: Option<Vec<i64>>,
    /// Required. Why the months were not paid (shown to the reviewer), up
    /// to 500 characters.
    #[schema(example = "入职时未及时办理参保")]
    pub reason: Option<String>,
}

fn period_field(v: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<Period> {
    match v.as_deref() {
        None => {
            errors.push(FieldError::new(
                field,
                "缺少必填字段：请填写期号（YYYYMM）。",
            ));
            None
        }
        Some(s) => match Period::parse(s.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    }
}

fn parse(body: &BackPayApplicationInput) -> Result<Application, ApiError> {
    let mut errors = Vec::new();
    let kind = match body.kind.as_deref() {
        None => {
            errors.push(FieldError::new("kind", "缺少必填字段：请选择补缴类型。"));
            None
        }
        Some(k) => match BackPayKind::parse(k) {
            Some(k) => Some(k),
            None => {
                errors.push(FieldError::new(
                    "kind",
                    "补缴类型应为 labour_contract（劳动合同补缴）或 employee_back_pay（职工补缴）。",
                ));
                None
            }
        },
    };
    let person_no = match body.person_no.as_deref() {
        None => {
            errors.push(FieldError::new(
                "person_no",
                "缺少必填字段：请填写个人编号。",
            ));
            None
        }
        Some(s) => match parse_person_no(s.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.errors().iter().cloned());
                None
            }
        },
    };
    let insurances = insurances_field(&body.insurances, "insurances", false, &mut errors);
    let from = period_field(&body.from_period, "from_period", &mut errors);
    let to = period_field(&body.to_period, "to_period", &mut errors);
    let wage = wage_field(&body.monthly_wage, "monthly_wage", true, &mut errors);
    let material_ids = match check_material_ids(body.material_ids.as_deref().unwrap_or_default()) {
        Ok(ids) => Some(ids),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("reason", "请填写补缴原因。"));
            None
        }
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            errors.push(FieldError::new(
                "reason",
                format!("补缴原因最多{MAX_REASON_CHARS}个字。"),
            ));
            None
        }
        Some(r) => Some(r.to_owned()),
    };
    match (kind, person_no, from, to, wage, material_ids, reason) {
        (
            Some(kind),
            Some(person_no),
            Some(from),
            Some(to),
            Some(wage),
            Some(material_ids),
            Some(reason),
        ) if errors.is_empty() => Ok(Application {
            kind,
            person_no,
            insurances,
            from,
            to,
            wage,
            material_ids,
            reason,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// 劳动合同补缴/职工补缴申请 — apply for back-pay beyond the window
///
/// Applies for back-pay of an employee's months beyond the online window:
/// labour-contract back-pay (劳动合同补缴, R-BACK-3) or employee back-pay
/// (职工补缴, R-BACK-2), with the labour contract and evidence. A reviewer
/// decides; on approval the pending lines are created, each month at its
/// own period's parameters (R-POL-3), and the next payment order bills them.
#[utoipa::path(
    tag = "declarations",
    operation_id = "create_back_pay_application",
    security(("bearer" = [])),
    request_body = BackPayApplicationInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = BackPayApplicationDto),
        (status = 400, description = "Malformed body or fields: kind, person number, periods, insurances, wage, empty `material_ids`, missing reason (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A month already has a live line of the person and insurance at the unit (`ALREADY_ASSESSED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it: `from_period` after `to_period` (`PERIODS_REVERSED`), a future month (`PERIOD_IN_FUTURE`), the current month (`CURRENT_MONTH`), months before the 16th birthday (`UNDER_WORKING_AGE`), months the unit may back-pay online (`WITHIN_ONLINE_WINDOW`), an insurance the person does not have at the unit (`NOT_INSURED_HERE`), no month assessable (`NOTHING_TO_ASSESS`), no parameters for a month (`POLICY_NOT_IN_FORCE`), a material not the unit's (`MATERIAL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/back-pay-applications")]
pub async fn create_back_pay_application(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<BackPayApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::apply(
            conn,
            &who,
            user.unit_id,
            &parsed,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/back-pay-applications/{}", created.id),
        ))
        .json(created))
}

/// 补缴申请查询 — back-pay applications
///
/// The unit's back-pay applications, newest first.
#[utoipa::path(
    tag = "declarations",
    operation_id = "list_back_pay_applications",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = BackPayApplicationList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/back-pay-applications")]
pub async fn list_back_pay_applications(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<BackPayApplicationList>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| Ok(use_case::list(conn, unit_id, page)?)).await?;
    Ok(web::Json(list))
}

/// 补缴申请详情 — one back-pay application
///
/// One of the unit's back-pay applications: status, reason, months, lines
/// created and timeline.
#[utoipa::path(
    tag = "declarations",
    operation_id = "get_back_pay_application",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's business item id.")),
    responses(
        (status = 200, body = BackPayApplicationDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application of this unit (`BACK_PAY_APPLICATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/back-pay-applications/{id}")]
pub async fn get_back_pay_application(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<BackPayApplicationDto>, ApiError> {
    let id = BusinessItemId(path.into_inner());
    let unit_id = user.unit_id;
    let found = run_db(&state, move |conn| Ok(use_case::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(found))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_back_pay_application)
        .service(list_back_pay_applications)
        .service(get_back_pay_application);
}

//! Project-based work-injury insurance (按项目参保, issue 16; R-PROJ-1, 2):
//! the unit's projects, their premium orders and real-name rosters; the
//! staff's view of every project; the rates.

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::policy::admin::PolicyChangeDto;
use qibao_app::projects::{
    self as use_case, ChangeInput, ProjectDto, ProjectInput, ProjectPage, ProjectRateDto,
    RosterFilter, WorkerDto, WorkerInput, WorkerPage,
};
use qibao_core::policy::Source;
use qibao_core::project::ProjectKind;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::paging::{self, Page, PageQuery, whole_list};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::policy_admin::PolicyAdmin;
use crate::state::AppState;

/// The longest project number accepted, in characters.
const MAX_PROJECT_NO: usize = 50;

/// A construction or mining project (建筑工程项目登记 / 矿山项目登记).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRegistration {
    /// Required. The project's number (项目编号, e.g. the construction
    /// permit's number), 1–50 characters, unique.
    #[schema(example = "420502202603100101")]
    pub project_no: Option<String>,
    /// Required. 项目名称.
    #[schema(example = "宜昌市伍家岗区滨江住宅小区一期工程")]
    pub name: Option<String>,
    /// Required. `construction` (建筑工程项目) or `mining` (矿山项目).
    #[schema(example = "construction")]
    pub kind: Option<String>,
    /// Required. 项目地址.
    #[schema(example = "湖北省宜昌市伍家岗区沿江大道88号")]
    pub site: Option<String>,
    /// The site's region code (6 digits); default the unit's.
    #[schema(example = "420500")]
    pub region: Option<String>,
    /// Required. 开工日期, YYYY-MM-DD.
    #[schema(example = "2026-03-01")]
    pub start_date: Option<String>,
    /// Required. 竣工日期 (planned), YYYY-MM-DD, not before the start and not
    /// past.
    #[schema(example = "2027-02-28")]
    pub end_date: Option<String>,
    /// Required. 工程总造价, yuan, more than 0.
    #[schema(example = "12000000.00")]
    pub contract_value: Option<String>,
}

/// 建筑工程（矿山）项目登记 — register a project and bill its premium
///
/// Registers a construction or mining project of the unit (its general
/// contractor) and bills its work-injury premium, the total contract value
/// × the region's rate for the project's type (R-PROJ-1), on a payment
/// order (应缴认定单) the tax bureau collects like any other: one line of
/// the project type. Refusals name the reason and write nothing.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project",
    security(("bearer" = [])),
    request_body = ProjectRegistration,
    responses(
        (status = 201, description = "Registered and billed; `Location` names it.", body = ProjectDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The project number is registered (`PROJECT_EXISTS`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Nothing is written: no value or one whose premium rounds to nothing, an end before the start or in the past (`PROJECT_REFUSED`), no rate for the region and year (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/projects")]
pub async fn create_project(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<ProjectRegistration>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let project_no = fields::required_text(body.project_no.as_deref(), "project_no", &mut errors);
    if project_no
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_PROJECT_NO)
    {
        errors.push(FieldError::new(
            "project_no",
            format!("项目编号不能超过{MAX_PROJECT_NO}个字符。"),
        ));
    }
    let name = fields::required_text(body.name.as_deref(), "name", &mut errors);
    let kind = match body.kind.as_deref().map(ProjectKind::parse) {
        Some(Some(k)) => Some(k),
        _ => {
            errors.push(FieldError::new(
                "kind",
                "项目类型应为 construction（建筑工程项目）或 mining（矿山项目）。",
            ));
            None
        }
    };
    let site = fields::required_text(body.site.as_deref(), "site", &mut errors);
    let region = match body
        .region
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(r) if r.len() == 6 && r.bytes().all(|b| b.is_ascii_digit()) => Some(r.to_owned()),
        Some(_) => {
            errors.push(FieldError::new("region", "参保地代码应为6位数字。"));
            None
        }
    };
    let start = fields::required_date(body.start_date.as_deref(), "start_date", &mut errors);
    let end = fields::required_date(body.end_date.as_deref(), "end_date", &mut errors);
    let value = fields::money(
        body.contract_value.as_deref(),
        "contract_value",
        &mut errors,
    );
    let (
        Some(project_no),
        Some(name),
        Some(kind),
        Some(site),
        Some(start_date),
        Some(end_date),
        Some(contract_value),
    ) = (project_no, name, kind, site, start, end, value)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = ProjectInput {
        project_no,
        name,
        kind,
        site,
        region,
        start_date,
        end_date,
        contract_value,
    };
    let (today, local_now, now) = (
        state.clock.today(),
        state.clock.now(),
        state.clock.now_utc(),
    );
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::register(
            conn,
            &who,
            user.unit_id,
            &input,
            today,
            local_now,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/projects/{}", created.id),
        ))
        .json(created))
}

/// 建筑工程（矿山）项目查询 — the unit's projects
///
/// The unit's projects, newest first, each with its charges, their orders
/// and where they stand, and the roster's size.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_projects",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = ProjectPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ProjectPage>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let (unit_id, today) = (user.unit_id, state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, Some(unit_id), page, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建筑工程（矿山）项目详情 — one project
///
/// One of the unit's projects with its charges and orders.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id.")),
    responses(
        (status = 200, body = ProjectDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<ProjectDto>, ApiError> {
    let (id, unit_id, today) = (path.into_inner(), user.unit_id, state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, Some(unit_id), id, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// A project's new end date and/or value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChangeInput {
    /// The new planned end date (延期), YYYY-MM-DD, not earlier than now.
    #[schema(example = "2027-05-31")]
    pub end_date: Option<String>,
    /// The new total contract value, yuan, not lower than now.
    #[schema(example = "15000000.00")]
    pub contract_value: Option<String>,
}

/// 建筑工程（矿山）项目信息变更 — extend a project or raise its value
///
/// Changes the project's planned end date and/or its total contract value
/// (R-PROJ-1) and bills the difference on a new payment order: the added
/// value × the rate, and the added days pro rata to the registered term.
/// A lower value or an earlier end is refused; nothing is written then.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_change",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id.")),
    request_body = ProjectChangeInput,
    responses(
        (status = 200, description = "Changed; the difference billed.", body = ProjectDto),
        (status = 400, description = "Malformed body or fields, neither field given (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A lower value, an earlier end, no change (`PROJECT_REFUSED`), no rate (`POLICY_NOT_IN_FORCE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/projects/{id}/changes")]
pub async fn create_project_change(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
    body: Json<ProjectChangeInput>,
) -> Result<web::Json<ProjectDto>, ApiError> {
    let mut errors = Vec::new();
    let end_date = fields::date(body.end_date.as_deref(), "end_date", &mut errors);
    let contract_value = match body.contract_value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => fields::money(Some(v), "contract_value", &mut errors),
    };
    if errors.is_empty() && end_date.is_none() && contract_value.is_none() {
        errors.push(FieldError::new(
            "end_date",
            "请填写变更后的竣工日期或工程总造价。",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = ChangeInput {
        end_date,
        contract_value,
    };
    let id = path.into_inner();
    let (today, local_now, now) = (
        state.clock.today(),
        state.clock.now(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::change(
            conn,
            &who,
            user.unit_id,
            id,
            input,
            today,
            local_now,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建筑工程（矿山）项目工伤保险费单据重开 — bill unpaid premiums again
///
/// Issues a new payment order for each of the project's premiums whose
/// order expired or was revoked unpaid. 422 `NOTHING_TO_BILL` when every
/// premium is paid or on a live order.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_premium_orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id.")),
    responses(
        (status = 200, description = "Billed again.", body = ProjectDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Nothing left to bill (`NOTHING_TO_BILL`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/projects/{id}/premium-orders")]
pub async fn create_project_premium_orders(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<ProjectDto>, ApiError> {
    let id = path.into_inner();
    let (today, local_now, now) = (
        state.clock.today(),
        state.clock.now(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::bill_outstanding(
            conn,
            &who,
            user.unit_id,
            id,
            today,
            local_now,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// A worker put on a project's roster.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerRegistration {
    /// `resident` (default), `passport` or `residence_permit`.
    #[schema(example = "resident")]
    pub id_type: Option<String>,
    /// Required. 证件号码.
    #[schema(example = "420502199003150018")]
    pub id_number: Option<String>,
    /// Required. 姓名.
    #[schema(example = "张建军")]
    pub name: Option<String>,
    /// `M` or `F`; required for a passport or residence permit.
    #[schema(example = "M")]
    pub gender: Option<String>,
    /// YYYY-MM-DD; required for a passport or residence permit.
    pub birth_date: Option<String>,
    /// 进场日期, YYYY-MM-DD: today (default) or later, within the project's
    /// term; covered from this day.
    #[schema(example = "2026-03-10")]
    pub entered_on: Option<String>,
}

/// 建筑工程项目职工参保名册维护（增加） — put a worker on the roster
///
/// Adds a worker to the project's real-name roster (R-PROJ-2), covered for
/// work injury from the day of entry, without a contribution of their own.
/// The worker may be insured at a unit at the same time.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_worker",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id.")),
    request_body = WorkerRegistration,
    responses(
        (status = 201, description = "On the roster.", body = WorkerDto),
        (status = 400, description = "Malformed body or fields: ID number, name, dates (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "On the roster already (`WORKER_ON_ROSTER`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "An entry before today or outside the project's term (`ROSTER_REFUSED`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/projects/{id}/workers")]
pub async fn create_project_worker(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
    body: Json<WorkerRegistration>,
) -> Result<HttpResponse, ApiError> {
    let today = state.clock.today();
    let mut errors = Vec::new();
    let identity = qibao_app::employees::fields::identity_fields(
        &body.id_type,
        &body.id_number,
        &body.gender,
        &body.birth_date,
        today,
        &mut errors,
    );
    let name = fields::required_text(body.name.as_deref(), "name", &mut errors);
    let entered_on = fields::date(body.entered_on.as_deref(), "entered_on", &mut errors);
    let (Some(identity), Some(name)) = (identity, name) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = WorkerInput {
        identity,
        name,
        entered_on,
    };
    let id = path.into_inner();
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::add_worker(
            conn,
            &who,
            user.unit_id,
            id,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/projects/{id}/workers/{}", out.id),
        ))
        .json(out))
}

/// A worker leaving a project.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerRemovalInput {
    /// 离场日期, YYYY-MM-DD: today (default) or later, not before the entry
    /// (cover already given is never withdrawn); covered through this day.
    #[schema(example = "2026-05-31")]
    pub left_on: Option<String>,
}

/// 建筑工程项目职工参保名册维护（减少） — take a worker off the roster
///
/// Takes a worker off the project's roster (R-PROJ-2); covered through the
/// day of leaving.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_worker_removal",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The project's id."),
        ("worker_id" = i64, Path, description = "The roster entry's id."),
    ),
    request_body = WorkerRemovalInput,
    responses(
        (status = 200, description = "Off the roster.", body = WorkerDto),
        (status = 400, description = "Malformed date or ids (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`), no such entry (`WORKER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Off the roster already (`WORKER_OFF_ROSTER`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A leaving day before today or before the entry (`ROSTER_REFUSED`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/projects/{id}/workers/{worker_id}/removal")]
pub async fn create_project_worker_removal(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<(i64, i64)>,
    body: Json<WorkerRemovalInput>,
) -> Result<web::Json<WorkerDto>, ApiError> {
    let mut errors = Vec::new();
    let left_on = fields::date(body.left_on.as_deref(), "left_on", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (id, worker_id) = path.into_inner();
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let out = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::remove_worker(
            conn,
            &who,
            user.unit_id,
            id,
            worker_id,
            left_on,
            today,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterQuery {
    /// `current` (default: on the roster now) or `all`.
    #[param(example = "current")]
    pub status: Option<String>,
    /// Only the workers covered on this day (YYYY-MM-DD): what a
    /// work-injury claim checks.
    #[param(example = "2026-04-15")]
    pub covered_on: Option<String>,
    /// Only this ID number.
    pub id_number: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

fn roster_query(q: &RosterQuery) -> Result<(RosterFilter, Option<String>, Page), ApiError> {
    let mut errors = Vec::new();
    let covered = fields::date(q.covered_on.as_deref(), "covered_on", &mut errors);
    let filter = match (q.status.as_deref().map(str::trim), covered) {
        (_, Some(d)) => RosterFilter::CoveredOn(d),
        (None | Some("" | "current"), None) => RosterFilter::Current,
        (Some("all"), None) => RosterFilter::All,
        (Some(_), None) => {
            errors.push(FieldError::new("status", "状态应为 current 或 all。"));
            RosterFilter::Current
        }
    };
    let id_number = q
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase);
    let page = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::REVIEW, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((filter, id_number, page))
}

/// 建筑工程项目职工参保名册查询 — a project's roster
///
/// The project's real-name roster: those on it now (default), every entry,
/// or those covered on a day, each with the days covered.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id."), RosterQuery),
    responses(
        (status = 200, body = WorkerPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project of this unit (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects/{id}/workers")]
pub async fn list_project_workers(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
    query: Query<RosterQuery>,
) -> Result<web::Json<WorkerPage>, ApiError> {
    let (filter, id_number, page) = roster_query(&query)?;
    let (id, unit_id) = (path.into_inner(), user.unit_id);
    let out = run_db(&state, move |conn| {
        Ok(use_case::workers(
            conn,
            Some(unit_id),
            id,
            filter,
            id_number.as_deref(),
            page.req(),
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建筑工程（矿山）项目查询（全省） — every unit's projects
///
/// Every unit's projects, newest first, with their premiums and orders
/// (any staff role).
#[utoipa::path(
    tag = "staff-projects",
    operation_id = "list_staff_projects",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = ProjectPage),
        (status = 400, description = "Bad paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects")]
pub async fn list_staff_projects(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ProjectPage>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, None, page, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建筑工程（矿山）项目详情（全省） — one project (staff)
///
/// Any unit's project with its premiums and orders (any staff role).
#[utoipa::path(
    tag = "staff-projects",
    operation_id = "get_staff_project",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id.")),
    responses(
        (status = 200, body = ProjectDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects/{id}")]
pub async fn get_staff_project(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<ProjectDto>, ApiError> {
    let (id, today) = (path.into_inner(), state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, None, id, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建筑工程项目职工参保名册查询（全省） — a project's roster (staff)
///
/// Any project's roster; `covered_on` answers whether a worker was covered
/// on the day of an accident (any staff role).
#[utoipa::path(
    tag = "staff-projects",
    operation_id = "list_staff_project_workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The project's id."), RosterQuery),
    responses(
        (status = 200, body = WorkerPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such project (`PROJECT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/projects/{id}/workers")]
pub async fn list_staff_project_workers(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
    query: Query<RosterQuery>,
) -> Result<web::Json<WorkerPage>, ApiError> {
    let (filter, id_number, page) = roster_query(&query)?;
    let id = path.into_inner();
    let out = run_db(&state, move |conn| {
        Ok(use_case::workers(
            conn,
            None,
            id,
            filter,
            id_number.as_deref(),
            page.req(),
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 建设项目工伤保险费率查询 — project premium rates
///
/// The work-injury premium rate of each project type by region and year
/// (R-PROJ-1), with its source. Public.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_project_rates",
    params(PageQuery),
    responses(
        (status = 200, body = ProjectRateList),
        (status = 400, description = "Bad paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/project-rates")]
pub async fn list_project_rates(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<ProjectRateList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let all = run_db(&state, |conn| Ok(use_case::rates(conn)?)).await?;
    Ok(web::Json(ProjectRateList::cut(all, page)))
}

whole_list! {
    /// A page of the project premium rates, by region, type and year.
    ProjectRateList of ProjectRateDto
}

/// A project type's premium rate in a region from a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRateInput {
    /// Region code, 6 digits.
    #[schema(example = "420500")]
    pub region: String,
    /// `construction` (建筑工程项目) or `mining` (矿山项目).
    #[schema(example = "construction")]
    pub kind: String,
    #[schema(example = 2027)]
    pub from_year: i32,
    /// Of the total contract value, a decimal fraction ("0.0015" = 0.15%).
    #[schema(example = "0.0015")]
    pub rate: String,
    #[schema(example = "湖北省建筑业企业按项目参加工伤保险办法")]
    pub source: String,
    pub illustrative: bool,
}

/// 建设项目工伤保险费率维护 — add a project premium rate
///
/// Adds a region's work-injury premium rate of a project type from a year
/// (R-PROJ-1, R-POL-4); audited as a policy change. Projects billed before
/// keep their premium; registrations and changes from that year use it.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_project_rate",
    security(("bearer" = [])),
    request_body = ProjectRateInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The region has a rate of that type from that year already (`POLICY_OVERLAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/project-rates")]
pub async fn create_policy_project_rate(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<ProjectRateInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let region = fields::region(&body.region, &mut errors);
    let kind = ProjectKind::parse(&body.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "项目类型应为 construction（建筑工程项目）或 mining（矿山项目）。",
        ));
    }
    fields::year(body.from_year, "from_year", &mut errors);
    let rate = fields::fraction(&body.rate, "rate", "费率", &mut errors);
    let source = fields::source(&body.source, &mut errors);
    let (Some(region), Some(kind), Some(rate), Some(source)) = (region, kind, rate, source) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let r = ProjectRateDto {
        region,
        kind: kind.code().to_owned(),
        from_year: body.from_year,
        rate,
        source: Source {
            document: source,
            illustrative: body.illustrative,
        },
    };
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(use_case::add_rate(conn, &who.as_actor(), r, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_project)
        .service(list_projects)
        .service(get_project)
        .service(create_project_change)
        .service(create_project_premium_orders)
        .service(create_project_worker)
        .service(create_project_worker_removal)
        .service(list_project_workers);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(list_staff_projects)
        .service(get_staff_project)
        .service(list_staff_project_workers)
        .service(create_policy_project_rate);
}

/// Under `/policy`.
pub fn configure_policy(cfg: &mut ServiceConfig) {
    cfg.service(list_project_rates);
}

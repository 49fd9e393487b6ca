//! 社会保险关系转移接续 (issue 16; R-TRANS-1, 2): the contribution voucher
//! (参保缴费凭证) of a person leaving the province; the unit's transfer-in
//! applications and the progress of every transfer of its employees
//! (转移进度); staff's view of every transfer and their side of a transfer
//! out (transfer or refuse). The platform's side is in
//! [`crate::routes::platform`].

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::auth::StaffRole;
use qibao_app::transfer::{
    self as use_case, ContributionVoucher, TransferDto, TransferFilter, TransferInInput,
    TransferPage,
};
use qibao_core::transfer::{Direction, TransferStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::documents;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::parse_person_no;
use crate::state::AppState;

/// 基本养老保险参保缴费凭证 — the contribution voucher
///
/// The voucher of an employee who has left (停保) to work in another
/// province (R-TRANS-1, 2): every month paid once with its base and place,
/// the years since 1998 with their bases, the individual account valued at
/// the end of last month, and what a transfer would move: the account in
/// full and 12% of the bases since 1998 from the pooled fund. The PDF is
/// at `…/contribution-voucher/pdf`.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_contribution_voucher",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    responses(
        (status = 200, body = ContributionVoucher),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Still paying pension insurance in the province (`TRANSFER_STILL_INSURED`), nothing paid (`TRANSFER_NOTHING_PAID`), the relation transferred out of the province already (`TRANSFERRED_OUT`), the person paid at another unit since (`TRANSFER_NOT_LAST_UNIT`), no parameters or a bookkeeping rate missing (`POLICY_NOT_IN_FORCE`, `PENSION_DATA_MISSING`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}/contribution-voucher")]
pub async fn get_contribution_voucher(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<ContributionVoucher>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(use_case::voucher(conn, user.unit_id, &person_no, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 基本养老保险参保缴费凭证打印 — the voucher as a PDF
///
/// The same voucher as `…/contribution-voucher`, as an A4 PDF.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_contribution_voucher_pdf",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    responses(
        (status = 200, description = "The voucher as a PDF.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Still paying pension insurance in the province (`TRANSFER_STILL_INSURED`), nothing paid (`TRANSFER_NOTHING_PAID`), the relation transferred out of the province already (`TRANSFERRED_OUT`), the person paid at another unit since (`TRANSFER_NOT_LAST_UNIT`), no parameters or a bookkeeping rate missing (`POLICY_NOT_IN_FORCE`, `PENSION_DATA_MISSING`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}/contribution-voucher/pdf")]
pub async fn get_contribution_voucher_pdf(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let filename = format!("voucher-{person_no}.pdf");
    let bytes = run_db(&state, move |conn| {
        let v = use_case::voucher(conn, user.unit_id, &person_no, today)?;
        documents::contribution_voucher(&v)
    })
    .await?;
    Ok(documents::pdf_response(bytes, &filename))
}

/// A transfer-in application (养老保险关系转入申请).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInRequest {
    /// Required. The employee's person number (个人编号, AAC001); the person
    /// must pay pension insurance at the unit now.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Required. 转出地: the province and city the person paid in before.
    #[schema(example = "广东省深圳市")]
    pub from_place: Option<String>,
    /// 转出地经办机构, when known.
    #[schema(example = "深圳市社会保险基金管理局")]
    pub from_agency: Option<String>,
}

/// 养老保险关系转入申请 — apply to transfer an employee's pension in
///
/// For an employee who came from another province and pays pension
/// insurance at the unit now (R-TRANS-1): the request goes to the
/// inter-province platform at once; the old place has 15 working days
/// (State Council calendar) to transfer. Follow the steps at
/// `GET /portal/pension-transfers/{id}`. What arrives (the months with
/// their place, the account) is recorded in the person's pension record.
#[utoipa::path(
    tag = "pension",
    operation_id = "create_pension_transfer",
    security(("bearer" = [])),
    request_body = TransferInRequest,
    responses(
        (status = 201, description = "Requested; `Location` names it.", body = TransferDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A transfer in of this person is open (`TRANSFER_OPEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The person does not pay pension insurance at the unit (`TRANSFER_NOT_INSURED_HERE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/pension-transfers")]
pub async fn create_pension_transfer(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<TransferInRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let person_no = fields::person_no(body.person_no.as_deref(), &mut errors);
    let from_place = fields::required_text(body.from_place.as_deref(), "from_place", &mut errors);
    let from_agency = fields::text(body.from_agency.as_deref(), "from_agency", &mut errors);
    let (Some(person_no), Some(from_place)) = (person_no, from_place) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = TransferInInput {
        person_no,
        from_place,
        from_agency,
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::apply_in(
            conn,
            &who,
            user.unit_id,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/pension-transfers/{}", created.id),
        ))
        .json(created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferQuery {
    /// `in` (转入) or `out` (转出).
    #[param(example = "in")]
    pub direction: Option<String>,
    /// `requested`, `accepted`, `completed` or `refused`.
    #[param(example = "completed")]
    pub status: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

impl TransferQuery {
    fn filter(&self, errors: &mut Vec<FieldError>) -> TransferFilter {
        let direction = match self.direction.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => match Direction::parse(d) {
                Some(d) => Some(d.code().to_owned()),
                None => {
                    errors.push(FieldError::new(
                        "direction",
                        "方向应为 in（转入）或 out（转出）。",
                    ));
                    None
                }
            },
        };
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match TransferStatus::parse(s) {
                Some(s) => Some(s.code().to_owned()),
                None => {
                    errors.push(FieldError::new(
                        "status",
                        "状态应为 requested、accepted、completed 或 refused。",
                    ));
                    None
                }
            },
        };
        TransferFilter {
            unit_id: None,
            direction,
            status,
        }
    }

    fn check(&self) -> Result<(TransferFilter, paging::Page), ApiError> {
        let mut errors = Vec::new();
        let filter = self.filter(&mut errors);
        let page = PageQuery {
            page: self.page,
            page_size: self.page_size,
        }
        .check_into(&paging::REVIEW, &mut errors);
        if errors.is_empty() {
            Ok((filter, page))
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// 转移进度查询 — the unit's pension transfers
///
/// The transfers of the unit's employees, newest first: the transfers in
/// it applied for and the transfers out of persons who last paid pension
/// insurance at the unit, each with its steps, their dates and working
/// days, and the 15-working-day deadline (R-TRANS-1).
#[utoipa::path(
    tag = "pension",
    operation_id = "list_pension_transfers",
    security(("bearer" = [])),
    params(TransferQuery),
    responses(
        (status = 200, body = TransferPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-transfers")]
pub async fn list_pension_transfers(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<TransferQuery>,
) -> Result<web::Json<TransferPage>, ApiError> {
    let (mut filter, page) = query.check()?;
    filter.unit_id = Some(user.unit_id);
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, &filter, page.req(), today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 转移进度 — one pension transfer
///
/// One transfer of the unit's employee with its steps (转移进度) and, once
/// completed, what moved.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_pension_transfer",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The transfer's id.")),
    responses(
        (status = 200, body = TransferDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer of this unit (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-transfers/{id}")]
pub async fn get_pension_transfer(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let (id, unit_id, today) = (path.into_inner(), user.unit_id, state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, Some(unit_id), id, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 养老保险关系转移查询（全省） — every transfer
///
/// Every transfer both ways, newest first, with its steps and deadline:
/// the transfers out that other provinces asked for wait for a handler
/// (`direction=out&status=requested`; overdue ones say so).
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "list_staff_pension_transfers",
    security(("bearer" = [])),
    params(TransferQuery),
    responses(
        (status = 200, body = TransferPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-transfers")]
pub async fn list_staff_pension_transfers(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: Query<TransferQuery>,
) -> Result<web::Json<TransferPage>, ApiError> {
    let (filter, page) = query.check()?;
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, &filter, page.req(), today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 养老保险关系转移详情（经办） — one transfer (staff)
///
/// Any transfer with its steps and what moved.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "get_staff_pension_transfer",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The transfer's id.")),
    responses(
        (status = 200, body = TransferDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-transfers/{id}")]
pub async fn get_staff_pension_transfer(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let (id, today) = (path.into_inner(), state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, None, id, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 养老保险关系转出 — transfer a relation out (handler)
///
/// Answers another province's request (R-TRANS-1, 2): moves what the
/// person's 参保缴费凭证 lists, valued today: the account in full and 12%
/// of the bases since 1998 from the pooled fund; the platform carries the
/// answer back. The relation here ends: no voucher afterwards. Refused
/// while the person still pays pension insurance in the province.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "create_pension_transfer_out",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The transfer's id.")),
    responses(
        (status = 200, description = "Transferred.", body = TransferDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a handler (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer out (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Transferred or refused already (`TRANSFER_CLOSED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Still insured in the province (`TRANSFER_STILL_INSURED`), nothing paid (`TRANSFER_NOTHING_PAID`), transferred out before (`TRANSFERRED_OUT`), parameters missing (`POLICY_NOT_IN_FORCE`, `PENSION_DATA_MISSING`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/pension-transfers/{id}/transfer-out")]
pub async fn create_pension_transfer_out(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<TransferDto>, ApiError> {
    staff.require_staff_role(StaffRole::Handler)?;
    let (id, today, now) = (
        path.into_inner(),
        state.clock.today(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        Ok(use_case::staff_transfer_out(
            conn,
            &staff.as_actor(),
            id,
            today,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Why a transfer is refused.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRefusal {
    /// Required. The reason the other side reads, 1–500 characters.
    #[schema(example = "该人员仍在本省参保缴费，不符合转出条件。")]
    pub reason: Option<String>,
}

/// 养老保险关系转出不予办理 — refuse a transfer out (handler)
///
/// Refuses another province's request with the reason the platform
/// carries back.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "create_pension_transfer_out_refusal",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The transfer's id.")),
    request_body = TransferRefusal,
    responses(
        (status = 200, description = "Refused.", body = TransferDto),
        (status = 400, description = "Malformed id or body, no reason (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a handler (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer out (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Transferred or refused already (`TRANSFER_CLOSED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/pension-transfers/{id}/refusal")]
pub async fn create_pension_transfer_out_refusal(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: Json<TransferRefusal>,
) -> Result<web::Json<TransferDto>, ApiError> {
    staff.require_staff_role(StaffRole::Handler)?;
    let reason = body.reason.clone().unwrap_or_default();
    let (id, today, now) = (
        path.into_inner(),
        state.clock.today(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        Ok(use_case::staff_refuse_out(
            conn,
            &staff.as_actor(),
            id,
            &reason,
            today,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_contribution_voucher)
        .service(get_contribution_voucher_pdf)
        .service(create_pension_transfer)
        .service(list_pension_transfers)
        .service(get_pension_transfer);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(list_staff_pension_transfers)
        .service(get_staff_pension_transfer)
        .service(create_pension_transfer_out)
        .service(create_pension_transfer_out_refusal);
}

//! 社会保险关系转移接续 (issue 16, part; R-TRANS-1, 2): the contribution
//! voucher (参保缴费凭证) of a person leaving the province, with what a
//! transfer of the pension relation would move.

use actix_web::{HttpResponse, get, web};
use qibao_app::transfer::{self as use_case, ContributionVoucher};

use crate::auth::UnitUser;
use crate::http::blocking::run_db;
use crate::http::documents;
use crate::http::problem::{ApiError, ProblemDoc};
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
        (status = 422, description = "Still paying pension insurance in the province (`TRANSFER_STILL_INSURED`), nothing paid (`TRANSFER_NOTHING_PAID`), no parameters or a bookkeeping rate missing (`POLICY_NOT_IN_FORCE`, `PENSION_DATA_MISSING`).", body = ProblemDoc, content_type = "application/problem+json"),
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
        (status = 422, description = "Still paying pension insurance in the province (`TRANSFER_STILL_INSURED`), nothing paid (`TRANSFER_NOTHING_PAID`), no parameters or a bookkeeping rate missing (`POLICY_NOT_IN_FORCE`, `PENSION_DATA_MISSING`).", body = ProblemDoc, content_type = "application/problem+json"),
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

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_contribution_voucher)
        .service(get_contribution_voucher_pdf);
}

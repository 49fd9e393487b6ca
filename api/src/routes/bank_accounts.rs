//! The unit's refund bank account (退收银行账户, R-UNIT-2, R-REF-3): where
//! over-payments are refunded. One active account per unit; a new one
//! replaces the old. The holder must be the unit itself. Any of the unit's
//! callers may read it; only the legal representative changes it.
//!
//! HTTP only: the use cases are in [`qibao_app::units::bank_accounts`].

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use qibao_app::ids::BankAccountId;
use qibao_app::units::bank_accounts::{self, BankAccountDto, NewAccount, PURPOSE};
use qibao_core::ids::BankAccount;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, LegalRepUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{parse_field, required_text};
use crate::state::AppState;

/// Registers the unit's refund bank account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccountCreate {
    /// `refund` (the default and, for now, the only purpose).
    #[schema(example = "refund")]
    pub purpose: Option<String>,
    /// Bank and branch (开户银行).
    #[schema(example = "中国工商银行宜昌西陵支行")]
    pub bank_name: Option<String>,
    /// Account holder (户名): must be the unit's own name.
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub account_name: Option<String>,
    /// 8–30 digits; spaces are ignored.
    #[schema(example = "1807 0123 0902 4512 345")]
    pub account_number: Option<String>,
}

/// 单位银行账户查询 — the unit's bank accounts
///
/// Lists the unit's active bank accounts.
#[utoipa::path(
    tag = "unit",
    operation_id = "list_bank_accounts",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BankAccountList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/bank-accounts")]
pub async fn list_bank_accounts(
    user: UnitUser,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<BankAccountList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| Ok(bank_accounts::list(conn, unit_id)?)).await?;
    Ok(web::Json(BankAccountList::cut(list, page)))
}

whole_list! {
    /// A page of the unit's active bank accounts.
    BankAccountList of BankAccountDto
}

/// 单位退费账户登记 — register the refund account
///
/// Registers the unit's refund bank account (legal representative only); it
/// replaces the active one, which is kept as `removed`. The holder must be
/// the unit itself: refunds are paid only to the unit's own account. The
/// same account again changes nothing (200).
#[utoipa::path(
    tag = "unit",
    operation_id = "create_bank_account",
    security(("bearer" = [])),
    request_body = BankAccountCreate,
    responses(
        (status = 201, description = "Registered (replacing the previous account, if any).", body = BankAccountDto),
        (status = 200, description = "The same account is already registered; nothing changed.", body = BankAccountDto),
        (status = 400, description = "Malformed body or fields, e.g. the account number (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently (`BANK_ACCOUNT_CONFLICT`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The holder is not the unit (`ACCOUNT_NAME_MISMATCH`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/bank-accounts")]
pub async fn create_bank_account(
    user: LegalRepUser,
    state: web::Data<AppState>,
    body: Json<BankAccountCreate>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    match body.purpose.as_deref().map(str::trim) {
        None | Some(PURPOSE) => {}
        Some(_) => errors.push(FieldError::new(
            "purpose",
            "账户用途只能是refund（退收银行账户）。",
        )),
    }
    let bank_name = required_text(body.bank_name.as_deref(), "bank_name", 100, &mut errors);
    let account_name = required_text(
        body.account_name.as_deref(),
        "account_name",
        100,
        &mut errors,
    );
    let number = parse_field(
        body.account_number.as_deref(),
        "account_number",
        BankAccount::parse,
        &mut errors,
    );
    let (Some(number), true) = (number, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let new = NewAccount {
        bank_name,
        account_name,
        number,
    };
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let registered = run_db(&state, move |conn| {
        Ok(bank_accounts::register(conn, &who, unit_id, new, now)?)
    })
    .await?;
    let status = if registered.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(registered.account))
}

/// 单位银行账户删除 — remove a bank account
///
/// Removes a bank account of the unit (legal representative only). Refund
/// applications need an account again before they can be made (R-REF-3).
#[utoipa::path(
    tag = "unit",
    operation_id = "delete_bank_account",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id (of this unit).")),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No active account with this id in the unit (`BANK_ACCOUNT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[delete("/bank-accounts/{id}")]
pub async fn delete_bank_account(
    user: LegalRepUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let account_id = BankAccountId(path.into_inner());
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    run_db(&state, move |conn| {
        Ok(bank_accounts::remove(conn, &who, unit_id, account_id, now)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_bank_accounts)
        .service(create_bank_account)
        .service(delete_bank_account);
}

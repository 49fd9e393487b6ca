//! The unit's refund bank account (退收银行账户, R-UNIT-2, R-REF-3): where
//! over-payments are refunded. One active account per unit; a new one
//! replaces the old. The holder must be the unit itself. Any of the unit's
//! callers may read it; only the legal representative changes it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::BankAccount;
use qibao_core::unit::same_unit_name;
use qibao_db::DbError;
use qibao_db::units::{self as unit_db, NewUnitBankAccount, PURPOSE_REFUND, UnitBankAccount};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{LegalRepUser, UnitUser};
use crate::blocking::run_db;
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{DONE, iso_utc, parse_field, required_text, unit_not_found};
use crate::state::AppState;

pub const KIND_BANK_ACCOUNT_ADDED: BusinessItemKind = BusinessItemKind::BankAccountAdded;
pub const KIND_BANK_ACCOUNT_REMOVED: BusinessItemKind = BusinessItemKind::BankAccountRemoved;

/// A bank account of the unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BankAccountDto {
    pub id: i64,
    /// `refund` (退收银行账户).
    #[schema(example = "refund")]
    pub purpose: String,
    #[schema(example = "退收银行账户")]
    pub purpose_name: String,
    /// Bank and branch (开户银行).
    #[schema(example = "中国工商银行宜昌西陵支行")]
    pub bank_name: String,
    /// Account holder (户名): the unit's name.
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub account_name: String,
    /// Account number, 8–30 digits.
    #[schema(example = "1807012309024512345")]
    pub account_number: String,
    /// `active` or `removed`.
    #[schema(example = "active")]
    pub status: String,
    /// ISO 8601, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: String,
}

impl BankAccountDto {
    pub fn from_row(a: &UnitBankAccount) -> BankAccountDto {
        BankAccountDto {
            id: a.id,
            purpose_name: if a.purpose == PURPOSE_REFUND {
                "退收银行账户"
            } else {
                "银行账户"
            }
            .to_owned(),
            purpose: a.purpose.clone(),
            bank_name: a.bank_name.clone(),
            account_name: a.account_name.clone(),
            account_number: a.account_number.clone(),
            status: a.status.clone(),
            created_at: iso_utc(a.created_at),
            updated_at: iso_utc(a.updated_at),
        }
    }
}

fn snapshot(a: &UnitBankAccount) -> serde_json::Value {
    json!({
        "bank_account_id": a.id,
        "purpose": a.purpose,
        "bank_name": a.bank_name,
        "account_name": a.account_name,
        "account_number": a.account_number,
        "status": a.status,
    })
}

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

/// Lists the unit's active bank accounts.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_bank_accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<BankAccountDto>),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/bank-accounts")]
pub async fn list_bank_accounts(
    user: UnitUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<BankAccountDto>>, ApiError> {
    let unit_id = user.unit_id;
    let rows = run_db(&state, move |conn| {
        Ok(unit_db::list_active_bank_accounts(conn, unit_id)?)
    })
    .await?;
    Ok(web::Json(
        rows.iter().map(BankAccountDto::from_row).collect(),
    ))
}

/// Registers the unit's refund bank account (legal representative only); it
/// replaces the active one, which is kept as `removed`. The holder must be
/// the unit itself: refunds are paid only to the unit's own account. The
/// same account again changes nothing (200).
#[utoipa::path(
    tag = "portal",
    operation_id = "create_bank_account",
    security(("bearer" = [])),
    request_body = BankAccountCreate,
    responses(
        (status = 201, description = "Registered (replacing the previous account, if any).", body = BankAccountDto),
        (status = 200, description = "The same account is already registered; nothing changed.", body = BankAccountDto),
        (status = 400, description = "Malformed body or fields, e.g. the account number (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    body: web::Json<BankAccountCreate>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    match body.purpose.as_deref().map(str::trim) {
        None | Some(PURPOSE_REFUND) => {}
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
    let now = state.clock.now_utc();
    let LegalRepUser { principal, unit_id } = user;
    let (created, account) = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            let unit = match unit_db::get_unit(conn, unit_id) {
                Ok(u) => u,
                Err(DbError::NotFound) => return Err(unit_not_found()),
                Err(e) => return Err(e.into()),
            };
            if !same_unit_name(&account_name, &unit.name) {
                let message = format!(
                    "退收银行账户的户名必须是本单位名称“{}”：退费只能退到单位自己的账户，不能退到个人或其他单位的账户。",
                    unit.name
                );
                return Err(
                    ApiError::unprocessable("ACCOUNT_NAME_MISMATCH", message.clone())
                        .with_field_error("account_name", message),
                );
            }
            let current = unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?;
            if let Some(c) = &current
                && c.bank_name == bank_name
                && c.account_name == account_name
                && c.account_number == number.as_str()
            {
                return Ok((false, c.clone()));
            }
            if let Some(c) = &current {
                unit_db::remove_bank_account(conn, c.id, now)?;
            }
            let account = unit_db::insert_bank_account(
                conn,
                &NewUnitBankAccount {
                    unit_id,
                    purpose: PURPOSE_REFUND.to_owned(),
                    bank_name,
                    account_name,
                    account_number: number.as_str().to_owned(),
                    status: unit_db::ACTIVE.to_owned(),
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(|e| match e {
                DbError::Conflict { .. } => ApiError::conflict(
                    "BANK_ACCOUNT_CONFLICT",
                    "退收银行账户刚被其他操作修改，请刷新后重试。",
                ),
                other => other.into(),
            })?;
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_BANK_ACCOUNT_ADDED,
                    status: DONE,
                    before: current.as_ref().map(snapshot),
                    after: Some(snapshot(&account)),
                },
                now,
            )?;
            Ok((true, account))
        })
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(BankAccountDto::from_row(&account)))
}

/// Removes a bank account of the unit (legal representative only). Refund
/// applications need an account again before they can be made (R-REF-3).
#[utoipa::path(
    tag = "portal",
    operation_id = "delete_bank_account",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id (of this unit).")),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    let account_id = path.into_inner();
    let now = state.clock.now_utc();
    let LegalRepUser { principal, unit_id } = user;
    run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            let current = unit_db::find_active_bank_account(conn, unit_id, account_id)?
                .ok_or_else(|| {
                    ApiError::not_found("BANK_ACCOUNT_NOT_FOUND", "银行账户不存在或已被删除。")
                })?;
            let removed = unit_db::remove_bank_account(conn, account_id, now)?;
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_BANK_ACCOUNT_REMOVED,
                    status: DONE,
                    before: Some(snapshot(&current)),
                    after: Some(snapshot(&removed)),
                },
                now,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_bank_accounts)
        .service(create_bank_account)
        .service(delete_bank_account);
}

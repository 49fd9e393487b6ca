//! The unit's refund bank account (退收银行账户, R-UNIT-2, R-REF-3): where
//! over-payments are refunded. One active account per unit; a new one
//! replaces the old. The holder must be the unit itself. Read by any of the
//! unit's callers; changed by the legal representative (the API checks the
//! role).

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::BankAccount;
use qibao_core::unit::same_unit_name;
use qibao_db::ids::{BankAccountId, UnitId};
use qibao_db::units::{self as unit_db, NewUnitBankAccount, PURPOSE_REFUND, UnitBankAccount};
use qibao_db::{DbConn, DbError};
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use super::get_unit;
use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// The one purpose of a unit's bank account (`refund`).
pub const PURPOSE: &str = PURPOSE_REFUND;

/// A bank account of the unit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccountDto {
    pub id: i64,
    /// `refund` (退收银行账户).
    #[cfg_attr(feature = "openapi", schema(example = "refund"))]
    pub purpose: String,
    #[cfg_attr(feature = "openapi", schema(example = "退收银行账户"))]
    pub purpose_name: String,
    /// Bank and branch (开户银行).
    #[cfg_attr(feature = "openapi", schema(example = "中国工商银行宜昌西陵支行"))]
    pub bank_name: String,
    /// Account holder (户名): the unit's name.
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub account_name: String,
    /// Account number, 8–30 digits.
    #[cfg_attr(feature = "openapi", schema(example = "1807012309024512345"))]
    pub account_number: String,
    /// `active` or `removed`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    /// RFC 3339, China time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: String,
}

impl BankAccountDto {
    pub fn from_row(a: &UnitBankAccount) -> BankAccountDto {
        BankAccountDto {
            id: a.id.0,
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
            created_at: china_timestamp(a.created_at),
            updated_at: china_timestamp(a.updated_at),
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

/// A refund account as the API validated it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub bank_name: String,
    pub account_name: String,
    pub number: BankAccount,
}

/// What registering answers: whether an account was registered (false: the
/// same account was already active) and the active account.
#[derive(Debug, Clone)]
pub struct Registered {
    pub created: bool,
    pub account: BankAccountDto,
}

/// The unit's active bank accounts.
pub fn list(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<BankAccountDto>, AppError> {
    let rows = read_transaction(conn, |c| unit_db::list_active_bank_accounts(c, unit_id))?;
    Ok(rows.iter().map(BankAccountDto::from_row).collect())
}

/// Registers the unit's refund account, replacing the active one (kept as
/// `removed`); the holder must be the unit (422 `ACCOUNT_NAME_MISMATCH`).
pub fn register(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    new: NewAccount,
    now: PrimitiveDateTime,
) -> Result<Registered, AppError> {
    let (created, account) = transaction::<_, AppError>(conn, |conn| {
        let unit = get_unit(conn, unit_id)?;
        if !same_unit_name(&new.account_name, &unit.name) {
            let message = format!(
                "退收银行账户的户名必须是本单位名称“{}”：退费只能退到单位自己的账户，不能退到个人或其他单位的账户。",
                unit.name
            );
            return Err(AppError::new(ErrorCode::AccountNameMismatch)
                .with_detail(message.clone())
                .with_field_error("account_name", message));
        }
        let current = unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?;
        if let Some(c) = &current
            && c.bank_name == new.bank_name
            && c.account_name == new.account_name
            && c.account_number == new.number.as_str()
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
                bank_name: new.bank_name,
                account_name: new.account_name,
                account_number: new.number.as_str().to_owned(),
                status: unit_db::ACTIVE.to_owned(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { .. } => AppError::new(ErrorCode::BankAccountConflict),
            other => other.into(),
        })?;
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::BankAccountAdded,
                status: DONE,
                before: current.as_ref().map(snapshot),
                after: Some(snapshot(&account)),
            },
            now,
        )?;
        Ok((true, account))
    })?;
    Ok(Registered {
        created,
        account: BankAccountDto::from_row(&account),
    })
}

/// Removes one of the unit's bank accounts.
pub fn remove(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    account_id: BankAccountId,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        let current = unit_db::find_active_bank_account(conn, unit_id, account_id)?
            .ok_or_else(|| AppError::new(ErrorCode::BankAccountNotFound))?;
        let removed = unit_db::remove_bank_account(conn, account_id, now)?;
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::BankAccountRemoved,
                status: DONE,
                before: Some(snapshot(&current)),
                after: Some(snapshot(&removed)),
            },
            now,
        )?;
        Ok(())
    })
}

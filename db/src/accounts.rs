//! Accounts and credentials of sign-in (R-AUTH): staff and legal-representative
//! password accounts with their lock-out counters, rotating refresh tokens,
//! e-social-card QR tickets, payroll API keys and tax-bureau clients.
//!
//! Every state transition that two requests could race for (a ticket being
//! confirmed or consumed, a refresh token being used, a key being revoked) is
//! one conditional `UPDATE … WHERE <still in the old state>`, and the caller
//! looks at the number of rows changed: only one of two concurrent callers
//! can win.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::auth::AuthSession;
use crate::ids::{ApiKeyId, RefreshTokenId, StaffAccountId, UnitAccountId, UnitId};
use crate::rows::Unit;
use crate::schema::{
    agents, api_keys, auth_sessions, qr_sessions, refresh_tokens, staff_accounts, tax_clients,
    unit_accounts, units,
};
use crate::{DbConn, DbError};

// ---------------------------------------------------------------- staff

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = staff_accounts)]
pub struct StaffAccount {
    pub id: StaffAccountId,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    /// Comma-separated staff roles.
    pub roles: String,
    pub region_code: Option<String>,
    pub active: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = staff_accounts)]
pub struct NewStaffAccount {
    pub username: String,
    pub name: String,
    pub password_hash: String,
    pub roles: String,
    pub region_code: Option<String>,
    pub active: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A taken username is [`DbError::Conflict`] (`staff_accounts_username_key`).
pub fn insert_staff_account(
    conn: &mut DbConn,
    account: &NewStaffAccount,
) -> Result<StaffAccount, DbError> {
    Ok(diesel::insert_into(staff_accounts::table)
        .values(account)
        .returning(staff_accounts::all_columns)
        .get_result(conn)?)
}

pub fn find_staff_by_username(
    conn: &mut DbConn,
    username: &str,
) -> Result<Option<StaffAccount>, DbError> {
    Ok(staff_accounts::table
        .filter(staff_accounts::username.eq(username))
        .select(StaffAccount::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_staff_by_id(conn: &mut DbConn, id: StaffAccountId) -> Result<StaffAccount, DbError> {
    Ok(staff_accounts::table
        .find(id)
        .select(StaffAccount::as_select())
        .first(conn)?)
}

/// The lock-out bookkeeping of a sign-in table (`failed_attempts`,
/// `locked_until`, `updated_at`): the same three statements for staff and
/// legal-representative accounts.
macro_rules! lockout_fns {
    ($table:ident, $id:ty, $increment:ident, $lock:ident, $reset:ident) => {
        /// Counts one more failed sign-in; returns the new count.
        pub fn $increment(
            conn: &mut DbConn,
            id: $id,
            now: PrimitiveDateTime,
        ) -> Result<i32, DbError> {
            Ok(diesel::update($table::table.find(id))
                .set((
                    $table::failed_attempts.eq($table::failed_attempts + 1),
                    $table::updated_at.eq(now),
                ))
                .returning($table::failed_attempts)
                .get_result(conn)?)
        }

        /// Locks the account until `until` and starts the count again.
        pub fn $lock(
            conn: &mut DbConn,
            id: $id,
            until: PrimitiveDateTime,
            now: PrimitiveDateTime,
        ) -> Result<(), DbError> {
            diesel::update($table::table.find(id))
                .set((
                    $table::failed_attempts.eq(0),
                    $table::locked_until.eq(Some(until)),
                    $table::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        }

        /// After a successful sign-in: no failures, no lock.
        pub fn $reset(conn: &mut DbConn, id: $id, now: PrimitiveDateTime) -> Result<(), DbError> {
            diesel::update($table::table.find(id))
                .set((
                    $table::failed_attempts.eq(0),
                    $table::locked_until.eq(None::<PrimitiveDateTime>),
                    $table::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        }
    };
}

lockout_fns!(
    staff_accounts,
    StaffAccountId,
    increment_staff_failures,
    lock_staff,
    reset_staff_failures
);

// ---------------------------------------------------------------- legal representative

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_accounts)]
pub struct UnitAccount {
    pub id: UnitAccountId,
    pub unit_id: UnitId,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<PrimitiveDateTime>,
    pub password_changed_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = unit_accounts)]
pub struct NewUnitAccount {
    pub unit_id: UnitId,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A second account for the unit is [`DbError::Conflict`]
/// (`unit_accounts_unit_id_key`).
pub fn insert_unit_account(
    conn: &mut DbConn,
    account: &NewUnitAccount,
) -> Result<UnitAccount, DbError> {
    Ok(diesel::insert_into(unit_accounts::table)
        .values(account)
        .returning(unit_accounts::all_columns)
        .get_result(conn)?)
}

pub fn find_unit_account(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Option<UnitAccount>, DbError> {
    Ok(unit_accounts::table
        .filter(unit_accounts::unit_id.eq(unit_id))
        .select(UnitAccount::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_unit_account_by_id(
    conn: &mut DbConn,
    id: UnitAccountId,
) -> Result<UnitAccount, DbError> {
    Ok(unit_accounts::table
        .find(id)
        .select(UnitAccount::as_select())
        .first(conn)?)
}

/// The legal-representative account and its unit, by the unit's USCC.
pub fn find_unit_account_by_uscc(
    conn: &mut DbConn,
    uscc: &str,
) -> Result<Option<(UnitAccount, Unit)>, DbError> {
    Ok(unit_accounts::table
        .inner_join(units::table)
        .filter(units::uscc.eq(uscc))
        .select((UnitAccount::as_select(), Unit::as_select()))
        .first(conn)
        .optional()?)
}

lockout_fns!(
    unit_accounts,
    UnitAccountId,
    increment_unit_failures,
    lock_unit_account,
    reset_unit_failures
);

/// Stores a new password hash and whether it must be changed at the next
/// sign-in (true for a one-time password handed out by staff).
pub fn set_unit_password(
    conn: &mut DbConn,
    id: UnitAccountId,
    password_hash: &str,
    must_change_password: bool,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let n = diesel::update(unit_accounts::table.find(id))
        .set((
            unit_accounts::password_hash.eq(password_hash),
            unit_accounts::must_change_password.eq(must_change_password),
            unit_accounts::password_changed_at.eq(Some(now)),
            unit_accounts::failed_attempts.eq(0),
            unit_accounts::locked_until.eq(None::<PrimitiveDateTime>),
            unit_accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------- sessions

/// A unit by its id.
pub fn get_unit(conn: &mut DbConn, id: UnitId) -> Result<Unit, DbError> {
    Ok(units::table
        .find(id)
        .select(Unit::as_select())
        .first(conn)?)
}

/// A session in any state (live, revoked or expired).
pub fn find_session(conn: &mut DbConn, id: &str) -> Result<Option<AuthSession>, DbError> {
    Ok(auth_sessions::table
        .find(id)
        .select(AuthSession::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes every live session of `kind` for a unit; returns how many.
pub fn revoke_unit_sessions(
    conn: &mut DbConn,
    unit_id: UnitId,
    kind: &str,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        auth_sessions::table
            .filter(auth_sessions::unit_id.eq(unit_id))
            .filter(auth_sessions::kind.eq(kind))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(Some(now)))
    .execute(conn)?)
}

// ---------------------------------------------------------------- refresh tokens

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub session_id: String,
    /// SHA-256 hex of the token.
    pub token_hash: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub used_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken {
    pub session_id: String,
    pub token_hash: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
}

pub fn insert_refresh_token(conn: &mut DbConn, token: &NewRefreshToken) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<RefreshToken>, DbError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a refresh token used; `false` when it was used already (by a
/// concurrent request, or before).
pub fn use_refresh_token(
    conn: &mut DbConn,
    id: RefreshTokenId,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- QR tickets

/// `qr_sessions.status`.
pub const QR_PENDING: &str = "pending";
pub const QR_CONFIRMED: &str = "confirmed";
pub const QR_CONSUMED: &str = "consumed";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = qr_sessions)]
pub struct QrSession {
    /// SHA-256 hex of the ticket (the ticket itself is never stored).
    pub id: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub holder_id_number: Option<String>,
    pub holder_name: Option<String>,
    /// The card platform's confirmation id (`jti`), unique.
    pub confirmation_id: Option<String>,
    pub confirmed_at: Option<PrimitiveDateTime>,
    pub consumed_at: Option<PrimitiveDateTime>,
}

pub fn insert_qr_session(conn: &mut DbConn, session: &QrSession) -> Result<(), DbError> {
    diesel::insert_into(qr_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

pub fn find_qr_session(conn: &mut DbConn, id: &str) -> Result<Option<QrSession>, DbError> {
    Ok(qr_sessions::table
        .find(id)
        .select(QrSession::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes tickets that expired before `before`; returns how many.
pub fn delete_expired_qr_sessions(
    conn: &mut DbConn,
    before: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(
        diesel::delete(qr_sessions::table.filter(qr_sessions::expires_at.lt(before)))
            .execute(conn)?,
    )
}

/// Whether a confirmation id was seen before (on any ticket).
pub fn confirmation_seen(conn: &mut DbConn, confirmation_id: &str) -> Result<bool, DbError> {
    let n: i64 = qr_sessions::table
        .filter(qr_sessions::confirmation_id.eq(confirmation_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Who confirmed a ticket.
#[derive(Debug, Clone, Copy)]
pub struct QrConfirmation<'a> {
    pub holder_id_number: &'a str,
    pub holder_name: &'a str,
    pub confirmation_id: &'a str,
    /// Until when the portal may take the session.
    pub expires_at: PrimitiveDateTime,
}

/// Confirms a pending, unexpired ticket; `false` when it is no longer
/// pending or has expired (another confirmation won). A confirmation id
/// used before is [`DbError::Conflict`] (`qr_sessions_confirmation_id_key`).
pub fn confirm_qr_session(
    conn: &mut DbConn,
    id: &str,
    c: QrConfirmation<'_>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        qr_sessions::table
            .find(id)
            .filter(qr_sessions::status.eq(QR_PENDING))
            .filter(qr_sessions::expires_at.gt(now)),
    )
    .set((
        qr_sessions::status.eq(QR_CONFIRMED),
        qr_sessions::holder_id_number.eq(Some(c.holder_id_number)),
        qr_sessions::holder_name.eq(Some(c.holder_name)),
        qr_sessions::confirmation_id.eq(Some(c.confirmation_id)),
        qr_sessions::confirmed_at.eq(Some(now)),
        qr_sessions::expires_at.eq(c.expires_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Consumes a confirmed, unexpired ticket; `false` when it was consumed
/// already (or expired meanwhile).
pub fn consume_qr_session(
    conn: &mut DbConn,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        qr_sessions::table
            .find(id)
            .filter(qr_sessions::status.eq(QR_CONFIRMED))
            .filter(qr_sessions::expires_at.gt(now)),
    )
    .set((
        qr_sessions::status.eq(QR_CONSUMED),
        qr_sessions::consumed_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A unit a card holder may act for, and as what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderUnit {
    pub unit: Unit,
    /// The holder is the unit's legal representative (else an agent).
    pub legal_rep: bool,
}

/// The units a person may sign in for (R-AUTH-2): where they are an active
/// agent (ID number and name match), or the legal representative (the
/// unit's legal-representative ID number and name match). Ordered by unit
/// number; a unit where both hold appears once, as legal representative.
pub fn units_for_holder(
    conn: &mut DbConn,
    id_number: &str,
    name: &str,
) -> Result<Vec<HolderUnit>, DbError> {
    let as_legal_rep: Vec<Unit> = units::table
        .filter(units::legal_rep_id_number.eq(id_number))
        .filter(units::legal_rep_name.eq(name))
        .select(Unit::as_select())
        .load(conn)?;
    let as_agent: Vec<Unit> = agents::table
        .inner_join(units::table)
        .filter(agents::id_number.eq(id_number))
        .filter(agents::name.eq(name))
        .filter(agents::status.eq("active"))
        .select(Unit::as_select())
        .load(conn)?;
    let mut out: Vec<HolderUnit> = as_legal_rep
        .into_iter()
        .map(|unit| HolderUnit {
            unit,
            legal_rep: true,
        })
        .collect();
    for unit in as_agent {
        if !out.iter().any(|h| h.unit.id == unit.id) {
            out.push(HolderUnit {
                unit,
                legal_rep: false,
            });
        }
    }
    out.sort_by(|a, b| a.unit.unit_no.cmp(&b.unit.unit_no));
    Ok(out)
}

// ---------------------------------------------------------------- API keys

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub unit_id: UnitId,
    pub name: String,
    pub key_prefix: String,
    /// SHA-256 hex of the whole key.
    pub key_hash: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub last_used_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub unit_id: UnitId,
    pub name: String,
    pub key_prefix: String,
    pub key_hash: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// A taken prefix is [`DbError::Conflict`] (`api_keys_key_prefix_key`).
pub fn insert_api_key(conn: &mut DbConn, key: &NewApiKey) -> Result<ApiKey, DbError> {
    Ok(diesel::insert_into(api_keys::table)
        .values(key)
        .returning(api_keys::all_columns)
        .get_result(conn)?)
}

/// One page of a unit's keys (revoked ones included), newest first, and
/// the total count.
pub fn list_api_keys(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ApiKey>, i64), DbError> {
    let total: i64 = api_keys::table
        .filter(api_keys::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let items = api_keys::table
        .filter(api_keys::unit_id.eq(unit_id))
        .order(api_keys::id.desc())
        .offset(offset)
        .limit(limit)
        .select(ApiKey::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn find_api_key_by_prefix(conn: &mut DbConn, prefix: &str) -> Result<Option<ApiKey>, DbError> {
    Ok(api_keys::table
        .filter(api_keys::key_prefix.eq(prefix))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?)
}

/// A key of this unit (another unit's key is `None`).
pub fn find_unit_api_key(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: ApiKeyId,
) -> Result<Option<ApiKey>, DbError> {
    Ok(api_keys::table
        .find(id)
        .filter(api_keys::unit_id.eq(unit_id))
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes a live key of this unit; `false` when it was revoked already.
pub fn revoke_api_key(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: ApiKeyId,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::unit_id.eq(unit_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn touch_api_key(
    conn: &mut DbConn,
    id: ApiKeyId,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- tax clients

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tax_clients)]
pub struct TaxClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    /// SHA-256 hex of the (random, high-entropy) secret.
    pub secret_hash: String,
    pub active: bool,
    pub created_at: PrimitiveDateTime,
    /// `tax` (the tax bureau) or `platform` (the inter-province transfer
    /// platform): the role its sessions get.
    pub role: String,
}

/// The role of the tax bureau's clients.
pub const CLIENT_TAX: &str = "tax";
/// The role of the inter-province transfer platform's clients.
pub const CLIENT_PLATFORM: &str = "platform";

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = tax_clients)]
pub struct NewTaxClient {
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub active: bool,
    pub created_at: PrimitiveDateTime,
    pub role: String,
}

/// A taken client id is [`DbError::Conflict`] (`tax_clients_client_id_key`).
pub fn insert_tax_client(conn: &mut DbConn, client: &NewTaxClient) -> Result<TaxClient, DbError> {
    Ok(diesel::insert_into(tax_clients::table)
        .values(client)
        .returning(tax_clients::all_columns)
        .get_result(conn)?)
}

pub fn find_tax_client(conn: &mut DbConn, client_id: &str) -> Result<Option<TaxClient>, DbError> {
    Ok(tax_clients::table
        .filter(tax_clients::client_id.eq(client_id))
        .select(TaxClient::as_select())
        .first(conn)
        .optional()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::repo;
    use crate::rows::NewUnit;
    use crate::testing::TestDb;

    fn each_backend(test: impl Fn(&mut DbConn)) {
        let mut dbs = vec![TestDb::sqlite()];
        if let Some(url) = TestDb::server_url() {
            dbs.push(TestDb::postgres(&url));
        }
        for db in &dbs {
            let pool = db.pool();
            let mut conn = pool.get().unwrap();
            test(&mut conn);
        }
    }

    const NOW: PrimitiveDateTime = datetime!(2023-04-20 01:00);

    fn unit(conn: &mut DbConn, unit_no: &str, uscc: &str, rep_id: &str, rep: &str) -> Unit {
        repo::insert_unit(
            conn,
            &NewUnit {
                unit_no: unit_no.into(),
                uscc: uscc.into(),
                name: format!("单位{unit_no}"),
                region_code: "420500".into(),
                unit_type: "企业".into(),
                economic_type: "有限责任公司".into(),
                industry: "制造业".into(),
                risk_class: 1,
                address: "宜昌".into(),
                postcode: None,
                phone: "0717-1234567".into(),
                legal_rep_name: rep.into(),
                legal_rep_id_type: "resident".into(),
                legal_rep_id_number: rep_id.into(),
                collection_method: "tax".into(),
                status: "active".into(),
                created_at: NOW,
                updated_at: NOW,
            },
        )
        .unwrap()
    }

    fn agent(conn: &mut DbConn, unit_id: UnitId, id_number: &str, name: &str, status: &str) {
        diesel::insert_into(agents::table)
            .values((
                agents::unit_id.eq(unit_id),
                agents::id_number.eq(id_number),
                agents::name.eq(name),
                agents::phone.eq("13800000000"),
                agents::status.eq(status),
                agents::created_at.eq(NOW),
                agents::updated_at.eq(NOW),
            ))
            .execute(conn)
            .unwrap();
    }

    fn ticket(conn: &mut DbConn, id: &str) {
        insert_qr_session(
            conn,
            &QrSession {
                id: id.into(),
                status: QR_PENDING.into(),
                created_at: NOW,
                expires_at: NOW + time::Duration::minutes(2),
                holder_id_number: None,
                holder_name: None,
                confirmation_id: None,
                confirmed_at: None,
                consumed_at: None,
            },
        )
        .unwrap();
    }

    fn confirmation(jti: &str) -> QrConfirmation<'_> {
        QrConfirmation {
            holder_id_number: "420500199202020079",
            holder_name: "王芳",
            confirmation_id: jti,
            expires_at: NOW + time::Duration::minutes(4),
        }
    }

    #[test]
    fn a_ticket_is_confirmed_once_consumed_once_and_a_jti_used_once() {
        each_backend(|c| {
            ticket(c, "t1");
            ticket(c, "t2");
            ticket(c, "t3");
            assert!(
                !consume_qr_session(c, "t1", NOW).unwrap(),
                "not confirmed yet"
            );
            assert!(confirm_qr_session(c, "t1", confirmation("j1"), NOW).unwrap());
            assert!(!confirm_qr_session(c, "t1", confirmation("j2"), NOW).unwrap());
            assert!(confirmation_seen(c, "j1").unwrap());
            assert!(!confirmation_seen(c, "j2").unwrap());
            assert_eq!(
                confirm_qr_session(c, "t2", confirmation("j1"), NOW),
                Err(DbError::Conflict {
                    constraint: "qr_sessions_confirmation_id_key".into()
                })
            );
            // Expired tickets can be neither confirmed nor consumed.
            let late = NOW + time::Duration::minutes(3);
            assert!(!confirm_qr_session(c, "t3", confirmation("j3"), late).unwrap());
            let row = find_qr_session(c, "t1").unwrap().unwrap();
            assert_eq!(row.status, QR_CONFIRMED);
            assert_eq!(row.expires_at, NOW + time::Duration::minutes(4));
            assert!(consume_qr_session(c, "t1", late).unwrap());
            assert!(!consume_qr_session(c, "t1", late).unwrap());
            // Cleaning up removes only tickets expired before the cut-off.
            assert_eq!(
                delete_expired_qr_sessions(c, NOW + time::Duration::minutes(3)).unwrap(),
                2
            );
            assert!(find_qr_session(c, "t1").unwrap().is_some());
        });
    }

    #[test]
    fn a_refresh_token_is_used_once() {
        each_backend(|c| {
            crate::auth::insert_session(
                c,
                &AuthSession {
                    id: "s1".into(),
                    kind: "staff".into(),
                    subject: "admin".into(),
                    name: "管理员".into(),
                    unit_id: None,
                    roles: "reviewer".into(),
                    channel: "counter".into(),
                    created_at: NOW,
                    expires_at: NOW + time::Duration::hours(12),
                    revoked_at: None,
                    read_after_lsn: None,
                },
            )
            .unwrap();
            let new = NewRefreshToken {
                session_id: "s1".into(),
                token_hash: "h1".into(),
                created_at: NOW,
                expires_at: NOW + time::Duration::hours(12),
            };
            insert_refresh_token(c, &new).unwrap();
            assert_eq!(
                insert_refresh_token(c, &new),
                Err(DbError::Conflict {
                    constraint: "refresh_tokens_token_hash_key".into()
                })
            );
            let stored = find_refresh_token(c, "h1").unwrap().unwrap();
            assert!(use_refresh_token(c, stored.id, NOW).unwrap());
            assert!(!use_refresh_token(c, stored.id, NOW).unwrap());
            assert!(find_refresh_token(c, "h2").unwrap().is_none());
            assert!(find_session(c, "s1").unwrap().is_some());
        });
    }

    #[test]
    fn holders_get_the_units_they_are_registered_for() {
        each_backend(|c| {
            let a = unit(
                c,
                "100000001",
                "91420500MA4C8QD2XA",
                "420500197001010011",
                "刘建国",
            );
            let b = unit(
                c,
                "100000002",
                "91420500MA4C8QD2XB",
                "420500196001010022",
                "吴刚",
            );
            let x = unit(
                c,
                "100000003",
                "91420500MA4C8QD2XC",
                "420500196001010033",
                "郑华",
            );
            // 刘建国 is also registered as an agent of his own unit A and of B.
            agent(c, a.id, "420500197001010011", "刘建国", "active");
            agent(c, b.id, "420500197001010011", "刘建国", "active");
            agent(c, x.id, "420500197001010011", "刘建国", "removed");
            let got = units_for_holder(c, "420500197001010011", "刘建国").unwrap();
            let got: Vec<(&str, bool)> = got
                .iter()
                .map(|h| (h.unit.unit_no.as_str(), h.legal_rep))
                .collect();
            assert_eq!(got, vec![("100000001", true), ("100000002", false)]);
            assert!(
                units_for_holder(c, "420500197001010011", "刘建")
                    .unwrap()
                    .is_empty()
            );
            assert!(
                units_for_holder(c, "420500199001010011", "刘建国")
                    .unwrap()
                    .is_empty()
            );
        });
    }

    #[test]
    fn failures_count_lock_and_reset() {
        each_backend(|c| {
            let s = insert_staff_account(
                c,
                &NewStaffAccount {
                    username: "clerk".into(),
                    name: "柜员".into(),
                    password_hash: "x".into(),
                    roles: "acceptor".into(),
                    region_code: None,
                    active: true,
                    created_at: NOW,
                    updated_at: NOW,
                },
            )
            .unwrap();
            assert_eq!(s.failed_attempts, 0);
            assert_eq!(increment_staff_failures(c, s.id, NOW).unwrap(), 1);
            assert_eq!(increment_staff_failures(c, s.id, NOW).unwrap(), 2);
            lock_staff(c, s.id, NOW + time::Duration::minutes(15), NOW).unwrap();
            let locked = find_staff_by_id(c, s.id).unwrap();
            assert_eq!(
                (locked.failed_attempts, locked.locked_until),
                (0, Some(NOW + time::Duration::minutes(15)))
            );
            reset_staff_failures(c, s.id, NOW).unwrap();
            assert_eq!(
                find_staff_by_username(c, "clerk")
                    .unwrap()
                    .unwrap()
                    .locked_until,
                None
            );
            let dup = insert_staff_account(
                c,
                &NewStaffAccount {
                    username: "clerk".into(),
                    name: "另一个".into(),
                    password_hash: "x".into(),
                    roles: "acceptor".into(),
                    region_code: None,
                    active: true,
                    created_at: NOW,
                    updated_at: NOW,
                },
            );
            assert_eq!(
                dup.unwrap_err(),
                DbError::Conflict {
                    constraint: "staff_accounts_username_key".into()
                }
            );

            let u = unit(
                c,
                "100000009",
                "91420500MA4C8QD2XD",
                "420500197001010099",
                "孙立",
            );
            let acct = insert_unit_account(
                c,
                &NewUnitAccount {
                    unit_id: u.id,
                    password_hash: "old".into(),
                    must_change_password: true,
                    created_at: NOW,
                    updated_at: NOW,
                },
            )
            .unwrap();
            assert_eq!(increment_unit_failures(c, acct.id, NOW).unwrap(), 1);
            lock_unit_account(c, acct.id, NOW + time::Duration::minutes(15), NOW).unwrap();
            set_unit_password(c, acct.id, "new", false, NOW).unwrap();
            let (after, of) = find_unit_account_by_uscc(c, "91420500MA4C8QD2XD")
                .unwrap()
                .unwrap();
            assert_eq!(of.id, u.id);
            assert_eq!(
                (
                    after.password_hash.as_str(),
                    after.must_change_password,
                    after.failed_attempts,
                    after.locked_until,
                    after.password_changed_at
                ),
                ("new", false, 0, None, Some(NOW))
            );
            assert_eq!(
                set_unit_password(c, UnitAccountId(999), "h", false, NOW),
                Err(DbError::NotFound)
            );
        });
    }
}

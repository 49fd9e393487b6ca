//! Sign-in (R-AUTH-1…3) as use cases: the legal representative's and
//! staff's password logins, the tax bureau's client credentials, refresh
//! and logout, the e-social-card QR login and the legal representative's
//! password change. Each file is one use case; this module holds what they
//! share: the roles, the session a sign-in opens and its refresh token.
//!
//! Signing and checking the access token (a JWT) is the API's business:
//! a use case returns a [`Grant`] (the stored session and its refresh
//! token) and the API signs it.

pub mod api_key_token;
pub mod api_keys;
pub mod logout;
pub mod password;
pub mod password_change;
pub mod qr_confirm;
pub mod qr_start;
pub mod qr_status;
pub mod qr_tokens;
pub mod refresh;
pub mod session;
pub mod staff_login;
pub mod tax_token;
pub mod throttle;
pub mod unit_login;

use qibao_db::DbConn;
use qibao_db::accounts::{self, NewRefreshToken};
use qibao_db::auth::{self as sessions, AuthSession};
use qibao_db::ids::UnitId;
use qibao_db::rows::Unit;
use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime};

use crate::actor::Channel;
use crate::error::AppError;
use password::sha256_hex;

/// A session (and its refresh tokens) lives at most this long.
pub const SESSION_TTL: Duration = Duration::hours(12);

/// What kind of caller a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 法人账号: the unit's legal representative.
    LegalRep,
    /// 经办人: an authorised agent of the unit.
    Agent,
    /// Payroll software acting for one unit through an API key.
    Payroll,
    /// Back-office staff.
    Staff,
    /// The tax bureau's client.
    Tax,
    /// The inter-province transfer platform's client (R-TRANS-1).
    Platform,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::LegalRep => "legal_rep",
            Role::Agent => "agent",
            Role::Payroll => "payroll",
            Role::Staff => "staff",
            Role::Tax => "tax",
            Role::Platform => "platform",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "legal_rep" => Role::LegalRep,
            "agent" => Role::Agent,
            "payroll" => Role::Payroll,
            "staff" => Role::Staff,
            "tax" => Role::Tax,
            "platform" => Role::Platform,
            _ => return None,
        })
    }
}

/// Back-office roles (受理 / 经办 / 审核 / 财务 / 政策管理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Acceptor,
    Handler,
    Reviewer,
    Finance,
    PolicyAdmin,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Acceptor => "acceptor",
            StaffRole::Handler => "handler",
            StaffRole::Reviewer => "reviewer",
            StaffRole::Finance => "finance",
            StaffRole::PolicyAdmin => "policy_admin",
        }
    }
    pub fn parse(s: &str) -> Option<StaffRole> {
        Some(match s.trim() {
            "acceptor" => StaffRole::Acceptor,
            "handler" => StaffRole::Handler,
            "reviewer" => StaffRole::Reviewer,
            "finance" => StaffRole::Finance,
            "policy_admin" => StaffRole::PolicyAdmin,
            _ => return None,
        })
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            StaffRole::Acceptor => "受理岗",
            StaffRole::Handler => "经办岗",
            StaffRole::Reviewer => "审核岗",
            StaffRole::Finance => "财务岗",
            StaffRole::PolicyAdmin => "政策参数管理岗",
        }
    }
    /// Parses a comma-separated list as stored.
    pub fn parse_list(s: &str) -> Vec<StaffRole> {
        s.split(',').filter_map(StaffRole::parse).collect()
    }
    pub fn join(roles: &[StaffRole]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub use crate::clock::china_timestamp;

fn random_hex(bytes: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// A new opaque random identifier (256 bits), for session ids, tickets and secrets.
pub fn new_secret() -> String {
    random_hex(32)
}

/// A signed-in caller as its session row says (the authority for unit and
/// role: a token's claims are not trusted over it): who, for which unit, in
/// which role and through which channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session_id: String,
    pub role: Role,
    pub subject: String,
    pub name: String,
    pub unit_id: Option<UnitId>,
    pub staff_roles: Vec<StaffRole>,
    pub channel: Channel,
    /// The legal representative still has to replace a one-time password.
    pub must_change_password: bool,
    /// With a read replica: the primary's WAL position after this
    /// session's last write; the replica serves its reads once it has
    /// replayed that far (read-your-writes).
    pub read_after: Option<String>,
}

impl Session {
    /// The caller a stored session stands for (`None` for a row this build
    /// cannot read, e.g. an unknown kind).
    pub fn of_row(row: &AuthSession, must_change_password: bool) -> Option<Session> {
        Some(Session {
            session_id: row.id.clone(),
            role: Role::parse(&row.kind)?,
            subject: row.subject.clone(),
            name: row.name.clone(),
            unit_id: row.unit_id,
            staff_roles: StaffRole::parse_list(&row.roles),
            channel: Channel::parse(&row.channel)?,
            must_change_password,
            read_after: row.read_after_lsn.clone(),
        })
    }
}

impl crate::actor::AsActor for Session {
    /// `role:subject:name` and the session's channel.
    fn as_actor(&self) -> crate::actor::Actor {
        crate::actor::Actor {
            name: format!("{}:{}:{}", self.role.as_str(), self.subject, self.name),
            channel: self.channel,
        }
    }
}

/// Who a new session is for.
#[derive(Debug, Clone)]
pub struct SessionSpec<'a> {
    pub role: Role,
    pub subject: &'a str,
    pub name: &'a str,
    pub unit_id: Option<UnitId>,
    pub staff_roles: &'a [StaffRole],
    pub channel: Channel,
}

/// Opens a session in the database and returns it. Runs in the caller's
/// transaction.
pub fn open_session(
    conn: &mut DbConn,
    spec: &SessionSpec<'_>,
    now: PrimitiveDateTime,
) -> Result<Session, AppError> {
    let SessionSpec {
        role,
        subject,
        name,
        unit_id,
        staff_roles,
        channel,
    } = spec.clone();
    let row = AuthSession {
        id: new_secret(),
        kind: role.as_str().to_owned(),
        subject: subject.to_owned(),
        name: name.to_owned(),
        unit_id,
        roles: StaffRole::join(staff_roles),
        channel: channel.as_str().to_owned(),
        created_at: now,
        expires_at: now + SESSION_TTL,
        revoked_at: None,
        read_after_lsn: None,
    };
    sessions::insert_session(conn, &row)?;
    Ok(Session {
        session_id: row.id,
        role,
        subject: subject.to_owned(),
        name: name.to_owned(),
        unit_id,
        staff_roles: staff_roles.to_vec(),
        channel,
        must_change_password: false,
        read_after: None,
    })
}

/// The unit a token acts for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenUnit {
    /// Unit number (单位编号, AAB001).
    #[cfg_attr(feature = "openapi", schema(example = "100047513"))]
    pub unit_no: String,
    /// Unit name.
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub name: String,
}

impl From<&Unit> for TokenUnit {
    fn from(u: &Unit) -> Self {
        TokenUnit {
            unit_no: u.unit_no.clone(),
            name: u.name.clone(),
        }
    }
}

/// The staff member a token belongs to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenStaff {
    #[cfg_attr(feature = "openapi", schema(example = "admin"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(example = "系统管理员"))]
    pub name: String,
    pub roles: Vec<StaffRole>,
}

/// What the new session carries besides its [`SessionSpec`].
#[derive(Debug, Clone, Default)]
pub struct Issue {
    pub must_change_password: bool,
    /// Hand out a refresh token (interactive sign-ins; not API credentials).
    pub refresh: bool,
    pub unit: Option<TokenUnit>,
    pub staff: Option<TokenStaff>,
}

/// A sign-in's outcome: the session opened (or refreshed), its new refresh
/// token, and the unit or staff member to show. The API signs the access
/// token for it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub session: Session,
    pub refresh_token: Option<String>,
    pub unit: Option<TokenUnit>,
    pub staff: Option<TokenStaff>,
}

/// Stores a new refresh token for a session and returns it.
pub fn issue_refresh_token(
    conn: &mut DbConn,
    session_id: &str,
    session_expires_at: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> Result<String, AppError> {
    let token = new_secret();
    accounts::insert_refresh_token(
        conn,
        &NewRefreshToken {
            session_id: session_id.to_owned(),
            token_hash: sha256_hex(&token),
            created_at: now,
            expires_at: session_expires_at,
        },
    )?;
    Ok(token)
}

/// Opens a session and issues its refresh token, in the caller's transaction.
pub fn start_session(
    conn: &mut DbConn,
    spec: &SessionSpec<'_>,
    issue: Issue,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let mut session = open_session(conn, spec, now)?;
    session.must_change_password = issue.must_change_password;
    let refresh_token = if issue.refresh {
        Some(issue_refresh_token(
            conn,
            &session.session_id,
            now + SESSION_TTL,
            now,
        )?)
    } else {
        None
    };
    Ok(Grant {
        session,
        refresh_token,
        unit: issue.unit,
        staff: issue.staff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_china_time() {
        assert_eq!(
            china_timestamp(datetime!(2023-04-20 16:05:09)),
            "2023-04-21T00:05:09+08:00"
        );
    }
}

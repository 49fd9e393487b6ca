//! Who is calling (R-AUTH-3): short-lived JWT access tokens bound to a
//! revocable session in the database, and the extractors handlers use to
//! say who may call them. The unit always comes from the token, never from
//! the URL, so a unit's people cannot reach another unit's data.

pub mod esscard;
pub mod tokens;

pub use qibao_app::auth::{password, throttle};

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use qibao_app::auth::Session;
use qibao_app::error::ErrorCode;
use qibao_db::ids::UnitId;
use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime};

use crate::http::blocking::run_db;
use crate::http::problem::ApiError;
use crate::state::AppState;

/// Access tokens live this long; refresh for more.
pub const ACCESS_TTL: Duration = Duration::minutes(15);

pub use qibao_app::auth::{Role, SESSION_TTL, SessionSpec, StaffRole, new_secret};

const ISSUER: &str = "qibao";
const AUDIENCE: &str = "qibao-api";

pub use qibao_app::actor::{Actor, AsActor, Channel};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account: staff username, the holder's ID number, the API key prefix…
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub role: Role,
    pub name: String,
    pub unit_id: Option<UnitId>,
    #[serde(default)]
    pub staff_roles: Vec<StaffRole>,
    pub channel: Channel,
    /// The legal representative still has to replace a one-time password:
    /// every portal endpoint but the password change refuses the token.
    #[serde(default)]
    pub must_change_password: bool,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub session_id: String,
    pub role: Role,
    pub subject: String,
    pub name: String,
    pub unit_id: Option<UnitId>,
    pub staff_roles: Vec<StaffRole>,
    pub channel: Channel,
    /// See [`Claims::must_change_password`].
    pub must_change_password: bool,
    /// See [`Session::read_after`] (from the session row, not the token).
    pub read_after: Option<String>,
}

impl Principal {
    /// How the actor is written in business items and the audit trail:
    /// `role:subject:name`.
    pub fn actor(&self) -> String {
        format!("{}:{}:{}", self.role.as_str(), self.subject, self.name)
    }

    pub fn has_staff_role(&self, role: StaffRole) -> bool {
        self.role == Role::Staff && self.staff_roles.contains(&role)
    }

    /// 403 unless a staff member with `role`.
    pub fn require_staff_role(&self, role: StaffRole) -> Result<(), ApiError> {
        if self.has_staff_role(role) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden)
                .with_detail(format!("此操作需要{}权限。", role.label_zh())))
        }
    }
}

impl AsActor for Principal {
    /// Who acts, as the use cases record it.
    fn as_actor(&self) -> Actor {
        Actor {
            name: self.actor(),
            channel: self.channel,
        }
    }
}

fn unix(t: PrimitiveDateTime) -> i64 {
    t.assume_utc().unix_timestamp()
}

/// Signs an access token for `p`, valid for [`ACCESS_TTL`] from `now` (UTC).
pub fn issue_access_token(
    secret: &[u8],
    p: &Principal,
    now: PrimitiveDateTime,
) -> Result<String, ApiError> {
    let claims = Claims {
        sub: p.subject.clone(),
        sid: p.session_id.clone(),
        role: p.role,
        name: p.name.clone(),
        unit_id: p.unit_id,
        staff_roles: p.staff_roles.clone(),
        channel: p.channel,
        must_change_password: p.must_change_password,
        iat: unix(now),
        exp: unix(now + ACCESS_TTL),
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(ApiError::internal_cause)
}

fn token_invalid() -> ApiError {
    ApiError::new(ErrorCode::TokenInvalid)
}

/// Verifies signature, issuer and audience, and expiry against the server's
/// clock (which tests and demos may pin to another date).
pub fn decode_access_token(
    secret: &[u8],
    token: &str,
    now: PrimitiveDateTime,
) -> Result<Claims, ApiError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .map_err(|_| token_invalid())?;
    if data.claims.exp <= unix(now) {
        return Err(ApiError::new(ErrorCode::TokenExpired));
    }
    Ok(data.claims)
}

/// Opens a session in the database (through the use cases' session
/// store) and returns its principal. Runs in the caller's transaction.
pub fn open_session(
    conn: &mut qibao_db::DbConn,
    spec: &SessionSpec<'_>,
    now: PrimitiveDateTime,
) -> Result<Principal, ApiError> {
    Ok(qibao_app::auth::open_session(conn, spec, now)?.into())
}

impl From<Session> for Principal {
    fn from(s: Session) -> Self {
        Principal {
            session_id: s.session_id,
            role: s.role,
            subject: s.subject,
            name: s.name,
            unit_id: s.unit_id,
            staff_roles: s.staff_roles,
            channel: s.channel,
            must_change_password: s.must_change_password,
            read_after: s.read_after,
        }
    }
}

impl Principal {
    /// The session this principal stands for, as the use cases take it.
    pub fn session(&self) -> Session {
        Session {
            session_id: self.session_id.clone(),
            role: self.role,
            subject: self.subject.clone(),
            name: self.name.clone(),
            unit_id: self.unit_id,
            staff_roles: self.staff_roles.clone(),
            channel: self.channel,
            must_change_password: self.must_change_password,
            read_after: self.read_after.clone(),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    let text = value.to_str().map_err(|_| token_invalid())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(token_invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(token_invalid());
    }
    Ok(token.trim().to_owned())
}

/// The session a request was authenticated with, kept in the request's
/// extensions (for [`crate::http::middleware::after_write`]).
#[derive(Debug, Clone)]
pub struct SignedInSession(pub String);

/// Authenticates a request: a valid, unexpired access token whose session is
/// still live (not logged out, not revoked). Role, unit, staff roles and
/// channel come from the session row, not from the token's claims.
pub async fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal_cause("AppState missing"))?;
    let token = bearer(req)?;
    let now = state.clock.now_utc();
    let claims = decode_access_token(state.config.jwt_secret.as_bytes(), &token, now)?;
    let sid = claims.sid.clone();
    let live = run_db(&state, move |conn| {
        Ok(qibao_app::auth::session::live(conn, &sid, now)?)
    })
    .await?;
    let Some(session) = live else {
        return Err(ApiError::new(ErrorCode::SessionEnded));
    };
    // The session row is the authority for who the caller is; the claims
    // only name it (and carry the one-time-password gate of this token).
    let mut principal = Principal::from(session);
    principal.must_change_password = claims.must_change_password;
    req.extensions_mut()
        .insert(SignedInSession(principal.session_id.clone()));
    Ok(principal)
}

/// 403 `PASSWORD_CHANGE_REQUIRED` while the caller signed in with a
/// one-time password that has not been replaced yet.
fn require_password_changed(p: &Principal) -> Result<(), ApiError> {
    if p.must_change_password {
        Err(ApiError::new(ErrorCode::PasswordChangeRequired))
    } else {
        Ok(())
    }
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

/// A caller acting for a unit: its legal representative, an agent, or
/// payroll software with the unit's API key. `unit_id` is the token's unit.
#[derive(Debug, Clone)]
pub struct UnitUser {
    pub principal: Principal,
    pub unit_id: UnitId,
}

impl FromRequest for UnitUser {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let p = authenticate(&req).await?;
            require_password_changed(&p)?;
            match (p.role, p.unit_id) {
                (Role::LegalRep | Role::Agent | Role::Payroll, Some(unit_id)) => Ok(UnitUser {
                    principal: p,
                    unit_id,
                }),
                _ => Err(ApiError::new(ErrorCode::Forbidden)
                    .with_detail("此功能仅限参保单位（法人、经办人或单位授权的接口）使用。")),
            }
        })
    }
}

/// The unit's legal representative only (R-AUTH-4: agents and API keys are
/// managed by the legal representative alone, FAQ 31).
#[derive(Debug, Clone)]
pub struct LegalRepUser {
    pub principal: Principal,
    pub unit_id: UnitId,
}

impl FromRequest for LegalRepUser {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let p = authenticate(&req).await?;
            require_password_changed(&p)?;
            match (p.role, p.unit_id) {
                (Role::LegalRep, Some(unit_id)) => Ok(LegalRepUser {
                    principal: p,
                    unit_id,
                }),
                _ => Err(ApiError::new(ErrorCode::LegalRepOnly)),
            }
        })
    }
}

/// Back-office staff (any staff role; check the specific one with
/// [`Principal::require_staff_role`]).
#[derive(Debug, Clone)]
pub struct StaffUser(pub Principal);

impl FromRequest for StaffUser {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let p = authenticate(&req).await?;
            if p.role == Role::Staff {
                Ok(StaffUser(p))
            } else {
                Err(ApiError::new(ErrorCode::Forbidden)
                    .with_detail("此功能仅限经办机构工作人员使用。"))
            }
        })
    }
}

/// The signed-in caller when it is a client of `role`; 403 with `refusal`
/// otherwise.
async fn client_of(req: &HttpRequest, role: Role, refusal: &str) -> Result<Principal, ApiError> {
    let p = authenticate(req).await?;
    if p.role == role {
        Ok(p)
    } else {
        Err(ApiError::new(ErrorCode::Forbidden).with_detail(refusal))
    }
}

/// The tax bureau's client.
#[derive(Debug, Clone)]
pub struct TaxUser(pub Principal);

impl FromRequest for TaxUser {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            client_of(&req, Role::Tax, "此接口仅限税务部门调用。")
                .await
                .map(TaxUser)
        })
    }
}

/// The inter-province transfer platform's client (R-TRANS-1).
#[derive(Debug, Clone)]
pub struct PlatformUser(pub Principal);

impl FromRequest for PlatformUser {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            client_of(&req, Role::Platform, "此接口仅限跨省转移接续平台调用。")
                .await
                .map(PlatformUser)
        })
    }
}

/// Test support: open a session and mint a bearer token directly.
pub mod testing {
    use super::*;
    use crate::db_glue::Pool;

    /// The channel a role signs in through by default.
    pub fn default_channel(role: Role) -> Channel {
        match role {
            Role::Staff => Channel::Counter,
            Role::Payroll | Role::Tax | Role::Platform => Channel::Api,
            Role::LegalRep | Role::Agent => Channel::Portal,
        }
    }

    /// Opens a session for the given caller and returns its access token.
    ///
    /// # Panics
    /// When the database refuses (a test cannot go on).
    pub fn mint_token(
        pool: &Pool,
        secret: &[u8],
        now: PrimitiveDateTime,
        spec: &SessionSpec<'_>,
    ) -> String {
        let result = pool.get().map_err(ApiError::from).and_then(|mut conn| {
            let p = open_session(&mut conn, spec, now)?;
            issue_access_token(secret, &p, now)
        });
        match result {
            Ok(t) => t,
            Err(e) => panic!("mint_token: {}", e.detail()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn principal() -> Principal {
        Principal {
            session_id: "s1".into(),
            role: Role::Agent,
            subject: "420500198001011234".into(),
            name: "张三".into(),
            unit_id: Some(UnitId(7)),
            staff_roles: vec![],
            channel: Channel::Portal,
            must_change_password: false,
            read_after: None,
        }
    }

    #[test]
    fn token_round_trip_and_expiry_by_the_servers_clock() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let now = datetime!(2022-08-15 09:00);
        let t = issue_access_token(secret, &principal(), now).unwrap();
        let c = decode_access_token(secret, &t, now + Duration::minutes(14)).unwrap();
        assert_eq!(
            (c.role, c.unit_id, c.sid.as_str()),
            (Role::Agent, Some(UnitId(7)), "s1")
        );
        assert_eq!(
            decode_access_token(secret, &t, now + Duration::minutes(15))
                .unwrap_err()
                .code(),
            ErrorCode::TokenExpired
        );
        assert_eq!(
            decode_access_token(b"another-secret-another-secret-xx", &t, now)
                .unwrap_err()
                .code(),
            ErrorCode::TokenInvalid
        );
        let mut tampered = t.clone();
        tampered.insert(t.len() / 2, 'x');
        assert!(decode_access_token(secret, &tampered, now).is_err());
    }
}

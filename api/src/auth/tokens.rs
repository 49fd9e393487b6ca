//! The token answer of a sign-in or refresh: the use case's [`Grant`] (the
//! session it opened or refreshed, see [`qibao_app::auth`]) with a signed
//! access token for it. Refresh-token rotation itself is
//! [`qibao_app::auth::refresh`].

use qibao_app::auth::Grant;
use serde::Serialize;
use time::PrimitiveDateTime;
use utoipa::ToSchema;

pub use qibao_app::auth::{Issue, TokenStaff, TokenUnit};

use super::{ACCESS_TTL, Channel, Principal, Role, issue_access_token};
use crate::http::problem::ApiError;

/// Tokens of a new or refreshed session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds the access token is valid.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// One-time refresh token for `POST /api/v1/auth/refresh`; absent for
    /// API-key and tax-bureau tokens (exchange the credential again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub role: Role,
    pub channel: Channel,
    /// The password is a one-time password: change it with
    /// `PUT /api/v1/portal/password` before anything else.
    pub must_change_password: bool,
    /// The unit the token acts for (unit callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<TokenUnit>,
    /// The staff member (staff tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<TokenStaff>,
}

/// Signs the access token of a grant and renders the answer.
pub fn render(
    secret: &[u8],
    grant: Grant,
    now: PrimitiveDateTime,
) -> Result<TokenResponse, ApiError> {
    let Grant {
        session,
        refresh_token,
        unit,
        staff,
    } = grant;
    let p = Principal::from(session);
    Ok(TokenResponse {
        access_token: issue_access_token(secret, &p, now)?,
        token_type: "Bearer".to_owned(),
        expires_in: ACCESS_TTL.whole_seconds(),
        refresh_token,
        role: p.role,
        channel: p.channel,
        must_change_password: p.must_change_password,
        unit,
        staff,
    })
}

//! Checking a request's session (R-AUTH-3): the access token names a
//! session; the session must still be live (not logged out, not revoked,
//! not expired). The row is the authority for who the caller is (role,
//! unit, staff roles, channel): a token's claims only name the session.

use qibao_db::DbConn;
use time::PrimitiveDateTime;

use super::Session;
use crate::error::AppError;

/// The session `session_id` if it is live at `now`.
pub fn live(
    conn: &mut DbConn,
    session_id: &str,
    now: PrimitiveDateTime,
) -> Result<Option<Session>, AppError> {
    Ok(qibao_db::auth::live_session(conn, session_id, now)?
        .and_then(|row| Session::of_row(&row, false)))
}

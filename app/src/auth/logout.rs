//! Signing out: the session ends, its access token is refused at once and
//! its refresh token no longer works.

use qibao_db::DbConn;
use time::PrimitiveDateTime;

use crate::error::AppError;

/// Ends the session `session_id`.
pub fn run(conn: &mut DbConn, session_id: &str, now: PrimitiveDateTime) -> Result<(), AppError> {
    qibao_db::auth::revoke_session(conn, session_id, now)?;
    Ok(())
}

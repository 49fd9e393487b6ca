//! The storage error, the same on both backends.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error};

/// PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1).
const MAX_IDENTIFIER_LEN: usize = 63;

/// What went wrong in storage, in terms a caller can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DbError {
    /// No connection became free in time (pool exhausted or database
    /// unreachable), or the database asked to retry (lock, serialization).
    /// Answer 503 with Retry-After.
    #[error("the database is busy; try again later")]
    Busy,
    /// The requested row does not exist.
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write. `constraint` is
    /// the constraint or unique index name (`units_uscc_key`,
    /// `employments_person_id_insurance_key`, `employments_unit_id_fkey`, ...).
    /// SQLite does not name violated foreign keys: there it is `foreign_key`.
    #[error("conflicts with existing data ({constraint})")]
    Conflict { constraint: String },
    /// The database URL or pool settings are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// Anything else; the text is for the log, not for users.
    #[error("database error: {0}")]
    Other(String),
}

impl From<Error> for DbError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => DbError::NotFound,
            Error::DatabaseError(
                kind
                @ (DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation),
                info,
            ) => DbError::Conflict {
                constraint: constraint_name(kind, info.as_ref()),
            },
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => DbError::Busy,
            // PostgreSQL chose this transaction to break a deadlock: retryable.
            Error::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                DbError::Busy
            }
            // SQLITE_BUSY after busy_timeout has run out.
            Error::DatabaseError(_, info) if info.message().contains("database is locked") => {
                DbError::Busy
            }
            other => DbError::Other(other.to_string()),
        }
    }
}

impl From<diesel::ConnectionError> for DbError {
    fn from(error: diesel::ConnectionError) -> Self {
        match error {
            diesel::ConnectionError::InvalidConnectionUrl(message) => DbError::Config(message),
            other => DbError::Other(format!("cannot connect: {other}")),
        }
    }
}

/// Turns `Err(DbError::NotFound)` into `Ok(None)`.
pub trait OptionalExt<T> {
    fn optional(self) -> Result<Option<T>, DbError>;
}

impl<T> OptionalExt<T> for Result<T, DbError> {
    fn optional(self) -> Result<Option<T>, DbError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// PostgreSQL names the violated constraint. SQLite only says
/// `UNIQUE constraint failed: units.uscc` (or `t.a, t.b`), so the name is
/// rebuilt as `<table>_<columns>_key`, which is how both migration trees name
/// every unique index.
fn constraint_name(kind: DatabaseErrorKind, info: &dyn DatabaseErrorInformation) -> String {
    if let Some(name) = info.constraint_name() {
        return name.to_owned();
    }
    if kind == DatabaseErrorKind::ForeignKeyViolation {
        return "foreign_key".to_owned();
    }
    sqlite_unique_name(info.message()).unwrap_or_else(|| info.message().to_owned())
}

fn sqlite_unique_name(message: &str) -> Option<String> {
    let detail = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(index) = detail.strip_prefix("index '") {
        return index.strip_suffix('\'').map(str::to_owned);
    }
    let mut columns = detail.split(", ").map(|column| column.split_once('.'));
    let (table, first) = columns.next()??;
    let mut name = format!("{table}_{first}");
    for column in columns {
        name.push('_');
        name.push_str(column?.1);
    }
    name.push_str("_key");
    // Like PostgreSQL, keep at most 63 bytes.
    while name.len() > MAX_IDENTIFIER_LEN {
        name.pop();
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::sqlite_unique_name;

    #[test]
    fn sqlite_messages_name_the_unique_index() {
        let name = |m| sqlite_unique_name(m);
        assert_eq!(
            name("UNIQUE constraint failed: units.uscc").as_deref(),
            Some("units_uscc_key")
        );
        assert_eq!(
            name("UNIQUE constraint failed: employments.person_id, employments.insurance")
                .as_deref(),
            Some("employments_person_id_insurance_key")
        );
        assert_eq!(
            name("UNIQUE constraint failed: policy_injury_class_rates.region_code, policy_injury_class_rates.risk_class, policy_injury_class_rates.from_period").as_deref(),
            Some("policy_injury_class_rates_region_code_risk_class_from_period_ke")
        );
        assert_eq!(
            name("UNIQUE constraint failed: index 'x_key'").as_deref(),
            Some("x_key")
        );
        assert_eq!(name("CHECK constraint failed: x"), None);
    }
}

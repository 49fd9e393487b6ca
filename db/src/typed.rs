//! Reading nullable columns as optional domain values. Non-null columns
//! read through `#[diesel(deserialize_as = i32 | String)]` and the
//! `TryFrom` impls of `qibao_core::stored`; `Option<Period>` cannot have a
//! `TryFrom<Option<i32>>` impl (both types are foreign), so a nullable period
//! reads through [`NullablePeriod`].

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromStaticSqlRow, Queryable};
use diesel::sql_types::{Integer, Nullable, Text};
use qibao_core::Period;
use qibao_core::employment::AssessmentKind;
use qibao_core::insurance::Insurance;

/// A nullable `YYYYMM` column (`to_period`: open-ended when NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NullablePeriod(pub Option<Period>);

impl<DB: Backend> Queryable<Nullable<Integer>, DB> for NullablePeriod
where
    Option<i32>: FromStaticSqlRow<Nullable<Integer>, DB>,
{
    type Row = Option<i32>;

    fn build(row: Option<i32>) -> deserialize::Result<Self> {
        Ok(NullablePeriod(row.map(Period::try_from).transpose()?))
    }
}

impl From<NullablePeriod> for Option<Period> {
    fn from(p: NullablePeriod) -> Option<Period> {
        p.0
    }
}

/// A column of a raw-SQL row (`QueryableByName`) read as its domain value
/// and checked when read, so a corrupt value fails here, as a
/// deserialisation error, instead of in every use case. `QueryableByName`
/// converts with `Into` (not `TryInto` as `Queryable` does), so the check
/// sits in `FromSql`: `#[diesel(sql_type = Integer, deserialize_as =
/// Stored<Period>)] period: Period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored<T>(pub T);

impl<DB, T> FromSql<Integer, DB> for Stored<T>
where
    DB: Backend,
    i32: FromSql<Integer, DB>,
    T: TryFrom<i32>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Stored(T::try_from(i32::from_sql(bytes)?)?))
    }
}

impl<DB, T> FromSql<Text, DB> for Stored<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Stored(T::try_from(String::from_sql(bytes)?)?))
    }
}

macro_rules! stored_into {
    ($($t:ty),*) => {$(
        impl From<Stored<$t>> for $t {
            fn from(s: Stored<$t>) -> $t {
                s.0
            }
        }
    )*};
}
stored_into!(Period, Insurance, AssessmentKind);

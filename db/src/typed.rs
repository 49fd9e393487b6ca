//! Reading nullable columns as optional domain values. Non-null columns
//! read through `#[diesel(deserialize_as = i32 | String)]` and the
//! `TryFrom` impls of `qibao_core::stored`; `Option<Period>` cannot have a
//! `TryFrom<Option<i32>>` impl (both types are foreign), so a nullable period
//! reads through [`NullablePeriod`].

use diesel::backend::Backend;
use diesel::deserialize::{self, FromStaticSqlRow, Queryable};
use diesel::sql_types::{Integer, Nullable};
use qibao_core::Period;

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

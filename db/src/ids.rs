//! Typed row ids (ENGINEERING convention 7): one newtype per table whose id
//! crosses a function boundary, so that a person id cannot be passed where
//! a unit id is wanted. Each wraps the `BIGINT` key as it is stored and is
//! used for the table's `id` and for every foreign key that points at it
//! (`employments.unit_id` is a [`UnitId`]).
//!
//! An id is a diesel expression of SQL type `BigInt` (`units::id.eq(unit_id)`,
//! `eq_any(&[UnitId])`, `.bind::<BigInt, _>(unit_id)`) and reads back from a
//! `BigInt` column. Its `ToSql`/`FromSql` impls delegate to `i64` for every
//! backend where `i64` has them: PostgreSQL, SQLite and the `MultiBackend`
//! that `#[derive(MultiConnection)]` generates for [`crate::DbConn`] (which
//! only knows the types it was given impls for; its own `i64` impls then
//! hand the value to the inner backend). COPY on PostgreSQL and chunked
//! INSERTs on SQLite ([`crate::bulk`]) use the backend impls directly.
//!
//! Serde sees the bare number (`#[serde(transparent)]`): ids are stored in
//! JSON columns (a business item's effects, a review task's payload) and
//! travel in access tokens, whose shape must not change. `Display` prints
//! the number.
//!
//! Tables whose ids are never handed to another query keep `i64` (their
//! row's `id` is at most shown to a client as a number): the policy tables,
//! monthly declarations, wage-declaration rows, person statuses, merges and
//! ID claims, refund lines, task events, item–material links, order sums,
//! idempotency keys, tax clients, events, messages and statement lines,
//! USCC exceptions and unit deferrals (and the feed's `seq`, a cursor
//! rather than an id).

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;
use diesel::{AsExpression, FromSqlRow};
use serde::{Deserialize, Serialize};

/// Defines one id newtype per name, with its diesel and serde impls.
macro_rules! define_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            AsExpression,
            FromSqlRow,
            Serialize,
            Deserialize,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

define_ids! {
    /// `units.id`.
    UnitId;
    /// `persons.id`.
    PersonId;
    /// `employments.id`: a person's relation with a unit for one insurance.
    EmploymentId;
    /// `assessments.id`: one assessed line.
    AssessmentId;
    /// `orders.id`: a payment order.
    OrderId;
    /// `order_lines.id`.
    OrderLineId;
    /// `business_items.id` (办件).
    BusinessItemId;
    /// `review_tasks.id`.
    ReviewTaskId;
    /// `refund_applications.id`.
    RefundApplicationId;
    /// `retirement_applications.id`.
    RetirementApplicationId;
    /// `materials.id`: an uploaded supporting material.
    MaterialId;
    /// `unit_accounts.id`: a legal representative's password account.
    UnitAccountId;
    /// `staff_accounts.id`.
    StaffAccountId;
    /// `refresh_tokens.id`.
    RefreshTokenId;
    /// `agents.id`: an authorised agent of a unit.
    AgentId;
    /// `api_keys.id`: a payroll API key of a unit.
    ApiKeyId;
    /// `unit_bank_accounts.id`.
    BankAccountId;
    /// `unit_insurances.id`: a unit's registration of one insurance.
    UnitInsuranceId;
    /// `unit_injury_factors.id`: a work-injury floating factor of a unit.
    InjuryFactorId;
    /// `wage_declarations.id`: one version of a wage-base declaration.
    WageDeclarationId;
    /// `certificates.id`: an issued certificate.
    CertificateId;
    /// `jobs.id`: a background job.
    JobId;
    /// `imports.id`: a batch import (导盘).
    ImportId;
    /// `webhook_endpoints.id`: a unit's registered webhook address.
    WebhookEndpointId;
    /// `webhook_deliveries.id`: one event's delivery to one endpoint.
    WebhookDeliveryId;
}

#[cfg(test)]
mod tests {
    use super::{PersonId, UnitId};

    #[test]
    fn ids_print_and_serialise_as_the_bare_number() {
        assert_eq!(UnitId(42).to_string(), "42");
        assert_eq!(
            serde_json::to_string(&PersonId(7)).ok().as_deref(),
            Some("7")
        );
        assert_eq!(serde_json::from_str::<UnitId>("9").ok(), Some(UnitId(9)));
    }
}

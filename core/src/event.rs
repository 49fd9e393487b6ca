//! The kinds of event in a unit's event feed (单位业务动态, issue 14): one
//! closed set, each with its stable code (`order.paid`, stored and sent to
//! integrators) and the Chinese label a unit reads.
//!
//! What raises which event: a business item recorded for the unit
//! (enrolment, suspension, declaration, order issue, payment booked,
//! certificate, refund application, …: every [`BusinessItemKind`]) or moved
//! to another status (approved or rejected in review, revoked, a refund
//! paid); an order issued, paid, expired, revoked or reopened (a payment
//! reversed); a background job of the unit's finished (an import's
//! validation, commit or revocation, an export).
//!
//! [`BusinessItemKind`]: crate::business_item::BusinessItemKind

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $label:literal; )+) => {
        /// A kind of unit event.
        ///
        /// (Its OpenAPI schema, the enum of the codes, is in `crate::schema`.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum UnitEventType {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )+
        }

        impl UnitEventType {
            /// Every type, in declaration order.
            pub const ALL: &'static [UnitEventType] = &[$(UnitEventType::$variant),+];

            /// The stable code (stored and sent; never changes).
            pub const fn code(self) -> &'static str {
                match self { $(UnitEventType::$variant => $code,)+ }
            }

            /// The Chinese name.
            pub const fn label_zh(self) -> &'static str {
                match self { $(UnitEventType::$variant => $label,)+ }
            }

            /// The type of a stored code.
            pub fn parse(code: &str) -> Option<UnitEventType> {
                match code { $($code => Some(UnitEventType::$variant),)+ _ => None }
            }
        }
    };
}

events! {
    /// A business item was recorded (its kind says which business).
    BusinessItemRecorded = "business_item.recorded", "业务办件登记";
    /// A business item changed status (review decision, revocation, refund paid).
    BusinessItemStatusChanged = "business_item.status_changed", "业务办件状态变更";
    /// A payment order was issued (应缴认定单开具).
    OrderIssued = "order.issued", "应缴认定单开具";
    /// The tax bureau's payment was booked and allocated (缴费到账).
    OrderPaid = "order.paid", "应缴认定单缴费到账";
    /// The order passed its due date unpaid.
    OrderExpired = "order.expired", "应缴认定单逾期作废";
    /// The unit revoked the order.
    OrderRevoked = "order.revoked", "应缴认定单撤销";
    /// A reversed payment made a paid order live again.
    OrderReopened = "order.reopened", "应缴认定单冲正后恢复待缴";
    /// A background job of the unit finished (succeeded or failed).
    JobFinished = "job.finished", "后台任务完成";
}

impl UnitEventType {
    /// The event of an order reaching `status` (`live` after a reversal).
    pub fn of_order_status(status: &str) -> Option<UnitEventType> {
        Some(match status {
            "issued" => UnitEventType::OrderIssued,
            "paid" => UnitEventType::OrderPaid,
            "expired" => UnitEventType::OrderExpired,
            "revoked" => UnitEventType::OrderRevoked,
            "live" => UnitEventType::OrderReopened,
            _ => return None,
        })
    }
}

impl fmt::Display for UnitEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_and_labels_are_unique_and_round_trip() {
        let codes: HashSet<_> = UnitEventType::ALL.iter().map(|t| t.code()).collect();
        let labels: HashSet<_> = UnitEventType::ALL.iter().map(|t| t.label_zh()).collect();
        assert_eq!(codes.len(), UnitEventType::ALL.len());
        assert_eq!(labels.len(), UnitEventType::ALL.len());
        for t in UnitEventType::ALL {
            assert_eq!(UnitEventType::parse(t.code()), Some(*t));
            let json = serde_json::to_string(t).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", t.code()));
        }
        assert_eq!(UnitEventType::parse("order.unknown"), None);
    }

    #[test]
    fn order_statuses_map_to_their_events() {
        assert_eq!(
            UnitEventType::of_order_status("paid"),
            Some(UnitEventType::OrderPaid)
        );
        assert_eq!(
            UnitEventType::of_order_status("live"),
            Some(UnitEventType::OrderReopened)
        );
        assert_eq!(
            UnitEventType::of_order_status("issued"),
            Some(UnitEventType::OrderIssued)
        );
        assert_eq!(UnitEventType::of_order_status("other"), None);
    }
}

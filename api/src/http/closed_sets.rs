//! The closed sets of the spec's code fields (issue 14: "one status
//! vocabulary per resource, each an enum in the spec").
//!
//! Most DTOs carry their codes as typed enums whose schemas list their
//! values (`JobState`, `ImportState`, `Insurance`, …). The fields here are
//! text in their DTOs, read from columns the database constrains (`CHECK
//! (status IN …)`) or written from the core enums' codes; this table gives
//! each its values, taken from those enums where one exists, and
//! [`document`] writes them into the spec as `enum`. The scenario tests
//! check every answer against the spec (`qibao-e2e::spec`), so a value the
//! server sends that is missing here fails them; the test below fails when
//! a code field is added without its set.

use qibao_app::actor::Channel;
use qibao_app::imports::TemplateKind;
use qibao_app::pension::retirement::RetirementKind;
use qibao_core::back_pay::BackPayKind;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::employment::{AssessmentKind, IdType, InsuredStatus, LineStatus, PersonStatusKind};
use qibao_core::payment::OrderState;
use qibao_core::pension_life::SuspendReason;
use qibao_core::retirement::RetirementCategory;
use serde_json::Value;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// The insurances the province's enterprise system collects (险种, AAE140),
/// as `qibao_core::insurance::Insurance`'s schema lists them.
const INSURANCES: &[&str] = &["110", "210", "410"];
/// A unit, a unit insurance or a registration: `units.status`.
const UNIT_STATUSES: &[&str] = &["active", "suspended", "closed"];
/// `unit_insurances.status`.
const UNIT_INSURANCE_STATUSES: &[&str] = &["active", "suspended"];
/// Agents and bank accounts.
const ACTIVE_REMOVED: &[&str] = &["active", "removed"];
/// A review task (`review_tasks.status`).
const TASK_STATUSES: &[&str] = &["open", "claimed", "approved", "rejected"];
/// A request decided by review (back-pay and key-change applications).
const REQUEST_STATUSES: &[&str] = &["pending_review", "approved", "rejected"];
/// A refund document (`refund_applications.status`).
const REFUND_STATUSES: &[&str] = &["pending_review", "approved", "rejected", "paid_out"];
/// A business item (`business_items.status`): in effect, revoked, or where
/// its review stands.
const ITEM_STATUSES: &[&str] = &[
    "done",
    "revoked",
    "pending_review",
    "approved",
    "rejected",
    "paid_out",
];
/// Channels of a deferral confirmation (`deferral_confirmations.channel`).
const DEFERRAL_CHANNELS: &[&str] = &["portal", "counter", "api"];
/// The monthly declaration's kinds (`declarations.kind`).
const DECLARATION_KINDS: &[&str] = &["regular", "back_pay"];
/// What happened to an order on the tax feed (`tax_feed.event`).
const FEED_EVENTS: &[&str] = &["issued", "revoked", "expired"];
/// A step of a review task (`review_task_events.event`).
const TASK_EVENTS: &[&str] = &["created", "claimed", "released", "approved", "rejected"];
/// A refund's payout, the one timeline step that is not a review task's.
const PAID_OUT_STEP: &str = "paid_out";
/// A tax-bureau message's type (`tax_events.kind`).
const TAX_EVENT_TYPES: &[&str] = &["invoiced", "paid", "reversed"];
/// The termination material a refund rests on (R-REF-2).
const REFUND_DOCUMENT_TYPES: &[&str] = &["termination_notice", "staff_reduction_form"];
/// Where a pension is paid: a bank account or the social-security card.
const PAYMENT_KINDS: &[&str] = &["bank", "card"];
/// A personal certificate's month: paid and allocated (实缴到账).
const CERTIFICATE_MONTH: &[&str] = &[qibao_app::certificates::PAID_STATUS];

fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&v| code(v)).collect()
}

/// Every (schema, property) code field with its values.
pub fn table() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let channels = codes(
        &[
            Channel::Portal,
            Channel::Counter,
            Channel::Api,
            Channel::System,
        ],
        Channel::as_str,
    );
    let item_kinds = codes(BusinessItemKind::ALL, BusinessItemKind::code);
    let line_kinds = codes(&AssessmentKind::ALL, AssessmentKind::code);
    let line_statuses = codes(&LineStatus::ALL, LineStatus::code);
    let order_states = codes(
        &[
            OrderState::Live,
            OrderState::Paid,
            OrderState::Expired,
            OrderState::Revoked,
        ],
        OrderState::code,
    );
    let back_pay_kinds = codes(
        &[BackPayKind::LabourContract, BackPayKind::EmployeeBackPay],
        BackPayKind::code,
    );
    let person_statuses = codes(
        &[
            PersonStatusKind::Retirement,
            PersonStatusKind::Prison,
            PersonStatusKind::BilateralExemption,
        ],
        PersonStatusKind::code,
    );
    // What a non-accountable person is left out for (NonAccountable::code).
    let non_accountable = vec!["retired", "prison", "bilateral_exemption"];
    let insured = codes(
        &[InsuredStatus::Paying, InsuredStatus::Suspended],
        InsuredStatus::code,
    );
    let import_kinds = codes(&TemplateKind::ALL, TemplateKind::code);
    let id_types = codes(
        &[IdType::Resident, IdType::Passport, IdType::ResidencePermit],
        IdType::code,
    );
    let categories = codes(&RetirementCategory::ALL, RetirementCategory::code);
    let suspend_reasons = codes(&SuspendReason::ALL, SuspendReason::code);
    let end_reasons = codes(
        &qibao_core::unemployment::EndReason::ALL,
        qibao_core::unemployment::EndReason::code,
    );
    let size_classes = codes(
        &qibao_core::unemployment::SizeClass::ALL,
        qibao_core::unemployment::SizeClass::code,
    );
    let project_kinds = codes(
        &qibao_core::project::ProjectKind::ALL,
        qibao_core::project::ProjectKind::code,
    );
    let charge_reasons = vec!["registration", "change"];
    let transfer_statuses = codes(
        &qibao_core::transfer::TransferStatus::ALL,
        qibao_core::transfer::TransferStatus::code,
    );
    let directions = codes(
        &qibao_core::transfer::Direction::ALL,
        qibao_core::transfer::Direction::code,
    );
    let v = |s: &[&'static str]| s.to_vec();
    vec![
        ("AddInsuranceRequest", "insurance", v(INSURANCES)),
        ("AgentDto", "status", v(ACTIVE_REMOVED)),
        ("BackPayApplicationDto", "kind", back_pay_kinds.clone()),
        ("BackPayApplicationDto", "review_status", v(TASK_STATUSES)),
        ("BackPayApplicationDto", "status", v(REQUEST_STATUSES)),
        ("BackPayApplicationInput", "kind", back_pay_kinds),
        ("BankAccountDto", "status", v(ACTIVE_REMOVED)),
        ("BusinessItemDto", "channel", channels.clone()),
        ("BusinessItemDto", "kind", item_kinds.clone()),
        ("BusinessItemDto", "status", v(ITEM_STATUSES)),
        ("CertRow", "status", v(CERTIFICATE_MONTH)),
        ("ChangeHistoryItem", "channel", channels.clone()),
        ("ChangeHistoryItem", "kind", item_kinds.clone()),
        ("ChangeHistoryItem", "status", v(ITEM_STATUSES)),
        ("DeclarationDto", "kind", v(DECLARATION_KINDS)),
        ("DeclarationSummaryDto", "kind", v(DECLARATION_KINDS)),
        ("DeferralConfirmationDto", "channel", v(DEFERRAL_CHANNELS)),
        ("EmployeeUpdateRequest", "id_type", id_types.clone()),
        ("EnrolmentRequest", "id_type", id_types.clone()),
        ("EmployeeDetail", "insured_status_code", insured.clone()),
        ("EmployeeRow", "insured_status_code", insured.clone()),
        ("ExcludedPersonDto", "insurance", v(INSURANCES)),
        ("ExcludedPersonDto", "reason_code", non_accountable),
        ("FeedEntryDto", "event", v(FEED_EVENTS)),
        ("HealthStatus", "status", vec!["ok"]),
        ("ImportDto", "kind", import_kinds.clone()),
        ("ImportJson", "kind", import_kinds.clone()),
        ("ImportUpload", "kind", import_kinds),
        ("InsuranceStartInput", "insurance", v(INSURANCES)),
        ("KeyChangeInput", "legal_rep_id_type", id_types.clone()),
        ("KeyChangeRequest", "id_type", id_types.clone()),
        ("LegalRepresentativeInfo", "id_type", id_types.clone()),
        ("LegalRepresentativeInput", "id_type", id_types.clone()),
        ("KeyChangeRequestDto", "review_status", v(TASK_STATUSES)),
        ("KeyChangeRequestDto", "status", v(REQUEST_STATUSES)),
        ("OrderDto", "status", order_states.clone()),
        ("OrderLineDto", "insurance", v(INSURANCES)),
        ("OrderLineDto", "kind", line_kinds.clone()),
        ("OrderSummaryDto", "status", order_states.clone()),
        ("PaidMonthsDto", "insurance", v(INSURANCES)),
        ("PersonStatusRequest", "kind", person_statuses),
        ("PersonalMonth", "status", v(CERTIFICATE_MONTH)),
        ("PolicyChangeDto", "channel", channels.clone()),
        ("RateInput", "insurance", vec!["110", "210"]),
        ("RefundCandidateDto", "kind", line_kinds),
        ("RefundCandidateDto", "status", line_statuses),
        (
            "RefundApplicationInput",
            "document_type",
            v(REFUND_DOCUMENT_TYPES),
        ),
        ("RefundDocument", "document_type", v(REFUND_DOCUMENT_TYPES)),
        ("RefundDocument", "review_status", v(TASK_STATUSES)),
        ("RefundDocument", "status", v(REFUND_STATUSES)),
        ("RefundLineInput", "insurance", v(INSURANCES)),
        ("RefundSummary", "status", v(REFUND_STATUSES)),
        ("RelationDto", "status_code", insured),
        (
            "RetirementApplicationDto",
            "kind",
            v(&RetirementKind::CODES),
        ),
        ("RetirementApplicationDto", "status", v(REQUEST_STATUSES)),
        ("RetirementApplicationDto", "category", categories.clone()),
        (
            "RetirementApplicationInput",
            "kind",
            v(&RetirementKind::CODES),
        ),
        ("RetirementApplicationInput", "category", categories.clone()),
        ("PensionEstimateDto", "category", categories),
        (
            "RetirementOption",
            "choice",
            vec!["early", "statutory", "late"],
        ),
        ("RetireeDto", "status", vec!["active", "suspended", "ended"]),
        ("PaymentAccountDto", "kind", v(PAYMENT_KINDS)),
        ("PaymentAccountInput", "kind", v(PAYMENT_KINDS)),
        ("PayrollGroup", "payment_kind", v(PAYMENT_KINDS)),
        ("PayrollLineDto", "payment_kind", v(PAYMENT_KINDS)),
        (
            "PayrollLineDto",
            "kind",
            vec!["pension", "arrears", "death_benefit"],
        ),
        (
            "PayrollExclusion",
            "reason_code",
            vec![
                "suspended",
                "ended",
                "before_first_month",
                "no_payment_account",
            ],
        ),
        (
            "QualificationDto",
            "method",
            v(&qibao_app::pension::life::QUALIFICATION_METHODS),
        ),
        (
            "QualificationInput",
            "method",
            v(&qibao_app::pension::life::QUALIFICATION_METHODS),
        ),
        ("SuspensionInput", "reason", suspend_reasons),
        ("DeathBenefitDto", "status", v(REQUEST_STATUSES)),
        ("UnemploymentClaimDto", "status", v(REQUEST_STATUSES)),
        (
            "UnemploymentClaimDto",
            "end_reason",
            v(&qibao_app::unemployment::CLAIM_REASONS),
        ),
        ("UnemploymentClaimInput", "end_reason", end_reasons.clone()),
        ("SuspensionRequest", "end_reason", end_reasons.clone()),
        ("RelationDto", "end_reason", end_reasons.clone()),
        ("TerminationCertificate", "end_reason", end_reasons),
        ("UnitInfo", "size_class", size_classes.clone()),
        ("SizeClassInput", "size_class", size_classes.clone()),
        ("StabilisationAssessment", "size_class", size_classes),
        ("StabilisationRefundDto", "status", v(REFUND_STATUSES)),
        ("ProjectRegistration", "kind", project_kinds.clone()),
        ("ProjectDto", "kind", project_kinds.clone()),
        ("ProjectRateDto", "kind", project_kinds.clone()),
        ("ProjectRateInput", "kind", project_kinds.clone()),
        ("PremiumLine", "kind", project_kinds),
        ("PremiumLine", "insurance", vec!["410"]),
        ("PremiumLine", "data_type", vec!["project_premium"]),
        ("PremiumLine", "reason", charge_reasons.clone()),
        ("ChargeDto", "reason", charge_reasons),
        ("TransferDto", "status", transfer_statuses.clone()),
        ("TransferDto", "direction", directions),
        ("PlatformRequest", "status", transfer_statuses),
        (
            "TransferStep",
            "step",
            vec![
                "requested",
                "accepted",
                "transferred",
                "recorded",
                "refused",
            ],
        ),
        ("ChargeDto", "billing", vec!["paid", "billed", "unbilled"]),
        ("ChargeOrderDto", "status", order_states.clone()),
        ("WorkerDto", "id_type", id_types.clone()),
        ("WorkerRegistration", "id_type", id_types.clone()),
        ("RevocationResult", "kind", item_kinds.clone()),
        ("SkippedMonth", "insurance", v(INSURANCES)),
        ("TaskBusinessItem", "channel", channels),
        ("TaskBusinessItem", "kind", item_kinds.clone()),
        ("TaskBusinessItem", "status", v(ITEM_STATUSES)),
        ("TaskEventDto", "event", v(TASK_EVENTS)),
        ("TaskSummary", "kind", item_kinds),
        ("TaskSummary", "status", v(TASK_STATUSES)),
        ("TaxEventReceipt", "order_status", order_states),
        ("TaxEventReceipt", "outcome", vec!["accepted"]),
        ("TaxEventReceipt", "type", v(TAX_EVENT_TYPES)),
        ("TaxEventRequest", "type", v(TAX_EVENT_TYPES)),
        // A business item's timeline: its task's steps, and a refund's payout.
        (
            "TimelineEntry",
            "event",
            [TASK_EVENTS, &[PAID_OUT_STEP]].concat(),
        ),
        ("UnitCertificateRequest", "insurance", v(INSURANCES)),
        ("UnitInfo", "status", v(UNIT_STATUSES)),
        ("UnitInsuranceAddition", "insurance", v(INSURANCES)),
        ("UnitInsuranceDto", "status", v(UNIT_INSURANCE_STATUSES)),
        ("UnitSummary", "status", v(UNIT_STATUSES)),
    ]
}

/// Writes the sets into the spec's component schemas (a nullable field
/// keeps `null` among its values). Panics on a schema or property the spec
/// does not have, so the table cannot drift from the DTOs unnoticed.
pub fn document(api: &mut OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for (schema, property, values) in table() {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
            panic!("closed set for {schema}: no such object schema");
        };
        let Some(RefOr::T(Schema::Object(field))) = object.properties.get_mut(property) else {
            panic!("closed set for {schema}.{property}: no such string property");
        };
        let nullable =
            matches!(&field.schema_type, SchemaType::Array(types) if types.contains(&Type::Null));
        let mut listed: Vec<Value> = values.iter().map(|v| Value::from(*v)).collect();
        if nullable {
            listed.push(Value::Null);
        }
        field.enum_values = Some(listed);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Property names that hold a code of a closed set.
    fn is_code_field(schema: &str, name: &str) -> bool {
        if schema == "ProblemDoc" {
            // `type` is the problem's URI.
            return false;
        }
        if ["event", "type", "outcome"].contains(&name)
            || name.ends_with("id_type")
            || name == "document_type"
        {
            return true;
        }
        !name.ends_with("_label")
            && !name.ends_with("_name")
            && [
                "status",
                "kind",
                "state",
                "reason_code",
                "channel",
                "insurance",
            ]
            .iter()
            .any(|k| name.contains(k))
    }

    #[test]
    fn every_code_field_of_the_spec_lists_its_values() {
        let spec = serde_json::to_value(crate::openapi::openapi()).unwrap();
        let mut open = Vec::new();
        for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
            let Some(props) = schema["properties"].as_object() else {
                continue;
            };
            for (prop, p) in props {
                let string = p["type"] == "string"
                    || p["type"]
                        .as_array()
                        .is_some_and(|t| t.contains(&"string".into()));
                if is_code_field(name, prop) && string && p.get("enum").is_none() {
                    open.push(format!("{name}.{prop}"));
                }
            }
        }
        assert!(
            open.is_empty(),
            "code fields without their values (add them to closed_sets::table): {open:?}"
        );
    }

    #[test]
    fn sets_have_distinct_values() {
        for (schema, property, values) in table() {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), values.len(), "{schema}.{property}");
            assert!(!values.is_empty(), "{schema}.{property}");
        }
    }
}

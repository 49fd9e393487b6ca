//! Route registration. Every handler is an actix handler annotated with
//! `#[utoipa::path]` and registered through utoipa-actix-web's
//! [`ServiceConfig`], so it lands both in the app and in the OpenAPI spec.
//!
//! To add an area, write `routes/<area>.rs` with handlers such as
//!
//! ```ignore
//! #[utoipa::path(tag = "policy", operation_id = "list_regions",
//!     responses((status = 200, body = Vec<RegionDto>),
//!               (status = 400, body = ProblemDoc, content_type = "application/problem+json")))]
//! #[get("/regions")]                     // relative to the area's scope
//! pub async fn list_regions(state: web::Data<AppState>) -> Result<web::Json<Vec<RegionDto>>, ApiError> { … }
//!
//! pub fn configure(cfg: &mut ServiceConfig) {
//!     cfg.service(list_regions);
//! }
//! ```
//!
//! and mount it in [`configure_v1`] with `scope("/<area>")`; the spec then
//! shows `/api/v1/<area>/regions`. Routes added with `.route(...)` or
//! `web::resource` are NOT documented: always use `.service(handler)`.

pub mod agents;
pub mod api_keys;
pub mod auth;
pub mod back_pay;
pub mod bank_accounts;
pub mod business_items;
pub mod certificates;
pub mod declarations;
pub mod deferrals;
pub mod employees;
pub mod events;
pub mod imports;
pub mod key_changes;
pub mod materials;
pub mod orders;
pub mod paid_months;
pub mod pension;
pub mod platform;
pub mod policy;
pub mod policy_admin;
pub mod projects;
pub mod public;
pub mod quote;
pub mod refunds;
pub mod stabilisation;
pub mod staff_persons;
pub mod staff_units;
pub mod system;
pub mod tasks;
pub mod tax;
pub mod transfer;
pub mod unemployment;
pub mod units;
pub mod wage_declarations;
pub mod webhooks;

use utoipa_actix_web::scope;
pub use utoipa_actix_web::service_config::ServiceConfig;

/// A function that registers routes; used for extra routes in tests.
pub type RouteFn = fn(&mut ServiceConfig);

/// Registers every route of the app: the probes at the root and the
/// versioned API under `/api/v1`. `extra` is mounted under `/api/v1` as
/// well (tests use it for dummy routes; production passes [`no_routes`]).
pub fn register(cfg: &mut ServiceConfig, extra: RouteFn) {
    cfg.service(system::healthz)
        .service(system::readyz)
        .service(certificates::get_certificate_key);
    cfg.service(scope::scope("/api/v1").configure(|v1| {
        configure_v1(v1);
        extra(v1);
    }));
}

/// The `/api/v1` areas, one scope each. Scopes match by prefix in the order
/// registered, so two areas must not share a prefix (`/policy/quotes` goes
/// inside the `/policy` scope, not beside it).
pub fn configure_v1(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/auth")
            .configure(auth::configure) // /api/v1/auth/password-login, /refresh, /qr-sessions, …
            .configure(api_keys::configure_auth), // /api/v1/auth/api-key-tokens
    );
    cfg.service(
        scope::scope("/policy")
            .configure(policy::configure) // /api/v1/policy/regions[/{code}[/parameters]], …
            .configure(quote::configure) // /api/v1/policy/quotes
            .configure(pension::configure_policy) // /api/v1/policy/pension-years, death-benefits
            .configure(unemployment::configure_policy) // /api/v1/policy/unemployment-benefits
            .configure(projects::configure_policy) // /api/v1/policy/project-rates
            .configure(stabilisation::configure_policy), // /api/v1/policy/stabilisation-years
    );
    cfg.service(
        scope::scope("/public")
            .configure(public::configure) // /api/v1/public/identifier-checks
            .configure(certificates::configure_public), // /api/v1/public/certificates/{code}
    );
    // The tax bureau: the feed of orders, its events, reconciliation.
    cfg.service(scope::scope("/tax").configure(tax::configure));
    // The inter-province transfer platform (R-TRANS-1).
    cfg.service(scope::scope("/platform").configure(platform::configure));
    // ONE scope per audience: every portal / staff module configures into it.
    // The unit's online hall: the unit is the token's, never the URL's.
    cfg.service(
        scope::scope("/portal")
            .configure(auth::configure_portal) // /api/v1/portal/password
            .configure(api_keys::configure_portal) // /api/v1/portal/api-keys[/{id}]
            .configure(units::configure) // /api/v1/portal/unit[/change-history|/insurances[/{code}]]
            .configure(agents::configure) // /api/v1/portal/agents[/{id}]
            .configure(bank_accounts::configure) // /api/v1/portal/bank-accounts[/{id}]
            .configure(materials::configure_portal) // /api/v1/portal/materials[/{id}/content]
            .configure(key_changes::configure) // /api/v1/portal/key-change-requests[/{id}]
            .configure(back_pay::configure) // /api/v1/portal/back-pay-applications[/{id}]
            .configure(deferrals::configure_portal) // /api/v1/portal/deferrals[/confirmations]
            .configure(employees::configure) // /api/v1/portal/employees…, persons-to-verify, staff-changes
            .configure(declarations::configure) // /api/v1/portal/declarations[/{period}], back-pay-declarations
            .configure(orders::configure) // /api/v1/portal/orders[/{order_no}[/revocation]], arrears
            .configure(paid_months::configure) // /api/v1/portal/paid-months
            .configure(pension::configure_portal) // /api/v1/portal/employees/{no}/pension-estimate, retirement-applications[/{id}]
            .configure(unemployment::configure) // /api/v1/portal/unemployment-claims[/{id}], employees/{no}/termination-certificate[/pdf]
            .configure(stabilisation::configure) // /api/v1/portal/stabilisation-refunds[/assessment|/{id}]
            .configure(transfer::configure) // /api/v1/portal/employees/{no}/contribution-voucher[/pdf], pension-transfers[/{id}]
            .configure(projects::configure) // /api/v1/portal/projects[/{id}[/changes|/premium-orders|/workers[/{id}/removal]]]
            .configure(wage_declarations::configure) // /api/v1/portal/wage-declarations/{si_year}
            .configure(refunds::configure_portal) // /api/v1/portal/refund-applications[/candidates|/{refund_no}]
            .configure(business_items::configure) // /api/v1/portal/business-items[/{id}/revocation]
            .configure(certificates::configure_portal) // /api/v1/portal/certificates[/unit|/personal|/{code}]
            .configure(imports::configure) // /api/v1/portal/import-templates/{kind}, imports[/{id}[/report|/commit]], jobs[/{id}]
            .configure(events::configure) // /api/v1/portal/events
            .configure(webhooks::configure), // /api/v1/portal/webhooks[/{id}[/deliveries[/{id}/redelivery]]]
    );
    cfg.service(
        scope::scope("/staff")
            .configure(staff_units::configure) // /api/v1/staff/units[/{unit_no}], /uscc-exceptions
            .configure(deferrals::configure_staff) // /api/v1/staff/units/{unit_no}/deferrals/confirmations
            .configure(staff_persons::configure) // /api/v1/staff/persons…, duplicate-persons…
            .configure(materials::configure_staff) // /api/v1/staff/materials/{id}/content
            .configure(tasks::configure) // /api/v1/staff/tasks[/{id}[/claim|release|approve|reject]]
            .configure(tax::configure_staff) // /api/v1/staff/reconciliation/{date}
            .configure(refunds::configure_staff) // /api/v1/staff/refunds[/{refund_no}[/payout]]
            .configure(policy_admin::configure) // /api/v1/staff/policy/…
            .configure(pension::configure_staff) // /api/v1/staff/persons/{no}/pension-record, contribution-history, policy/pension-years
            .configure(unemployment::configure_staff) // /api/v1/staff/policy/unemployment-benefits
            .configure(stabilisation::configure_staff) // /api/v1/staff/stabilisation-refunds[/{id}[/payout]], units/{unit_no}/size-class
            .configure(projects::configure_staff) // /api/v1/staff/projects[/{id}[/workers]]
            .configure(transfer::configure_staff) // /api/v1/staff/pension-transfers[/{id}[/transfer-out|/refusal]]
            .configure(certificates::configure_staff), // /api/v1/staff/units/{unit_no}/audit-verification
    );
}

/// Registers nothing: the `extra` of production.
pub fn no_routes(_: &mut ServiceConfig) {}

//! The OpenAPI document: a base doc plus every path registered through
//! [`crate::routes::register`].

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::http::problem::{FieldError, ProblemDoc};
use crate::routes::{self, RouteFn};

/// Base document; paths and their schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "qibao API",
        description = "The employer-facing online service hall of a social-insurance system: \
            unit information, employee enrolment, wage declarations, monthly contribution \
            declarations, payment orders, back pay and refunds, certificates, and the \
            back-office, tax-bureau and public verification interfaces.\n\n\
            All errors are RFC 9457 problem details (`application/problem+json`) with a stable \
            machine `code`, a Chinese `detail` for the person using the service hall and, for \
            validation errors, `errors[]` naming each field. Dates are ISO 8601, contribution \
            periods are `YYYYMM` strings and money amounts are decimal strings in yuan with two \
            decimals.",
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "auth", description = "Logging in and out: password, QR code, social security card; tokens."),
        (name = "policy", description = "Contribution policy by region: rates, base bounds, windows; contribution quotes."),
        (name = "portal", description = "The unit's online service hall; the unit comes from the token."),
        (name = "staff", description = "Back office for social-insurance staff."),
        (name = "tax", description = "Interface for the tax bureau: order feed, events, reconciliation."),
        (name = "public", description = "Public services without login, such as certificate verification."),
        (name = "system", description = "Health and readiness probes."),
    ),
    components(schemas(ProblemDoc, FieldError)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme (JWT access tokens from `/api/v1/auth`)
/// that operations name in `security(("bearer" = []))`.
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from one of the `/api/v1/auth` sign-ins, sent as \
                         `Authorization: Bearer <token>`. Valid for 15 minutes; renew with \
                         `POST /api/v1/auth/refresh`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The spec of the app as `serve` runs it, built without a server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_with(routes::no_routes)
}

/// The spec with `extra` routes under `/api/v1` (tests).
pub fn openapi_with(extra: RouteFn) -> utoipa::openapi::OpenApi {
    let (_app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(|cfg| routes::register(cfg, extra))
        .split_for_parts();
    let mut api = api;
    document_unsupported_media_type(&mut api);
    api
}

/// Every operation that takes a body answers 415 `UNSUPPORTED_MEDIA_TYPE`
/// when the `Content-Type` is missing or not the one it reads (the JSON
/// extractor, the upload's multipart check): documented on each, unless
/// the operation already describes its own 415.
fn document_unsupported_media_type(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    for item in api.paths.paths.values_mut() {
        let operations = [
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            if op.request_body.is_none() || op.responses.responses.contains_key("415") {
                continue;
            }
            let response = ResponseBuilder::new()
                .description(
                    "The body's `Content-Type` is missing or is not the one this operation \
                     reads (`UNSUPPORTED_MEDIA_TYPE`).",
                )
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ProblemDoc")))
                        .build(),
                )
                .build();
            op.responses
                .responses
                .insert("415".to_owned(), response.into());
        }
    }
}

/// The spec as YAML (what `qibao openapi` prints and `openapi.yaml` holds).
pub fn openapi_yaml() -> Result<String, String> {
    openapi().to_yaml().map_err(|e| e.to_string())
}

//! The actix `App`: state, extractor configs, docs, routes, fallback and
//! middleware. The same [`crate::routes::register`] feeds the app and the
//! spec, so they cannot disagree.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, Error, HttpResponse, guard, http::header, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::http::middleware::{self, RouteTable};
use crate::http::{cors, etag, extract, idempotency, openapi, request_id, security_headers};
use crate::routes::{self, RouteFn};
use crate::state::AppState;

/// Where the spec is served (JSON).
pub const OPENAPI_JSON_PATH: &str = "/api/v1/openapi.json";

/// Routes served with GET that are not in the spec (docs and redirects);
/// they count for 405 detection.
pub const UNDOCUMENTED_GET_ROUTES: &[&str] = &["/", "/docs", "/docs/{_:.*}", OPENAPI_JSON_PATH];

/// The app as `serve` runs it.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    build_app_with(state, routes::no_routes)
}

/// The app with `extra` routes mounted under `/api/v1` (tests).
pub fn build_app_with(
    state: AppState,
    extra: RouteFn,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let spec = openapi::openapi_with(extra);
    let table = RouteTable::from_openapi(&spec);
    let cors = cors::layer(&state.config.cors_origins);

    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(table))
        .app_data(extract::json_config())
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        // Before the `/api/v1` scope: scopes match by prefix and would
        // swallow `/api/v1/openapi.json`.
        .service(SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_JSON_PATH, spec))
        .service(web::resource("/docs").guard(guard::Get()).to(to_docs))
        .service(web::resource("/").guard(guard::Get()).to(to_docs))
        .into_utoipa_app()
        .configure(|cfg| routes::register(cfg, extra))
        .into_app()
        .default_service(web::to(middleware::fallback))
        // Innermost first: panics become 500s, a keyed POST is run once and
        // its answer kept (or replayed), a query parameter the operation
        // does not declare is refused before that, then every error becomes a
        // problem with `instance`, HEAD is routed as GET, GETs get their
        // validator (on the uncompressed body) and 304s, every answer its
        // security headers, then compression, CORS (preflights answered
        // before routing) and, outermost, the request id, its log span and
        // the access line with the final status.
        .wrap(from_fn(middleware::catch_panic))
        .wrap(from_fn(middleware::after_write))
        .wrap(from_fn(idempotency::keyed))
        .wrap(from_fn(middleware::known_query))
        .wrap(from_fn(middleware::problems))
        .wrap(from_fn(middleware::head_as_get))
        .wrap(from_fn(etag::conditional))
        .wrap(from_fn(security_headers::add))
        .wrap(Compress::default())
        .wrap(cors)
        .wrap(from_fn(request_id::track))
}

async fn to_docs() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

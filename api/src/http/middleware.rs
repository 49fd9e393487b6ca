//! App-wide middleware and the fallback service:
//!
//! - [`problems`]: every 4xx/5xx leaves as `application/problem+json` with
//!   `instance` set; foreign errors are replaced, 5xx without internals.
//! - [`catch_panic`]: a panicking handler answers 500 `INTERNAL`.
//! - [`head_as_get`]: HEAD is answered like GET (the server sends no body).
//! - [`fallback`]: unknown path → 404 `NOT_FOUND`; known path with a method
//!   it does not serve → 405 `METHOD_NOT_ALLOWED` with `Allow`.
//! - [`redact_path`]: a path fit for the access log, QR sign-in tickets redacted.
//! - [`after_write`]: a write that succeeded may have raised unit events:
//!   this node's webhook workers look at once instead of at their next poll;
//!   with a read replica, the session is marked for read-your-writes.
//! - [`known_query`]: a query parameter the operation does not document
//!   (in the spec) is refused with 400, before anything runs.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use qibao_app::error::ErrorCode;

use std::collections::HashSet;

use utoipa::openapi::path::ParameterIn;

use crate::http::problem::{ApiError, FieldError, PROBLEM_JSON, problem_for_status};

/// `/api/v1/auth/qr-sessions/<ticket>[/…]` → `/api/v1/auth/qr-sessions/[redacted][/…]`;
/// any other path as it is.
pub fn redact_path(path: &str) -> String {
    const QR: &str = "/auth/qr-sessions/";
    match path.find(QR) {
        Some(i) => {
            let start = i + QR.len();
            let rest = &path[start..];
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            format!("{}[redacted]{}", &path[..start], &rest[end..])
        }
        None => path.to_owned(),
    }
}

/// Makes every error response a problem document (see module docs).
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path().to_owned();
    match next.call(req).await {
        Ok(res) => Ok(finalize(res.map_into_boxed_body(), &path)),
        // Errors that escaped the app's services (e.g. a caught panic) are
        // rendered by the server through `ResponseError`: make them ours.
        Err(err) => Err(
            problem_from_error(&err, err.as_response_error().status_code())
                .with_instance(path)
                .into(),
        ),
    }
}

/// Rewrites an error response as a problem with `instance`.
fn finalize(res: ServiceResponse<BoxBody>, path: &str) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let problem = match res.response().error() {
        Some(err) => problem_from_error(err, status),
        None if is_problem_json(res.headers()) => return res,
        None => problem_for_status(status),
    };
    let (req, old) = res.into_parts();
    let mut new = actix_web::ResponseError::error_response(&problem.with_instance(path));
    // Keep protocol headers the original answer carried.
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = old.headers().get(&name)
            && !new.headers().contains_key(&name)
        {
            new.headers_mut().insert(name, value.clone());
        }
    }
    ServiceResponse::new(req, new.map_into_boxed_body())
}

/// Our own [`ApiError`] as is; anything else by status only, and logged
/// when it is a server error.
fn problem_from_error(err: &Error, status: actix_web::http::StatusCode) -> ApiError {
    if let Some(api) = err.as_error::<ApiError>() {
        return api.clone();
    }
    if status.is_server_error() {
        log::error!("unhandled server error ({status}): {err} / {err:?}");
    } else {
        log::debug!("client error ({status}): {err}");
    }
    problem_for_status(status)
}

fn is_problem_json(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// Routes `HEAD` requests as `GET`: every GET resource then answers HEAD,
/// and the HTTP/1 codec, which remembers the request was HEAD, sends the
/// headers without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// After a successful request that is not a read: wakes this node's
/// webhook workers ([`crate::webhook_worker`]), and, when reads may go to a
/// replica, marks the caller's session with the primary's WAL position
/// before the answer leaves, so the session's next reads wait for the
/// replica to have its write ([`crate::http::blocking::run_read`]).
pub async fn after_write(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = write
        .then(|| req.app_data::<web::Data<crate::state::AppState>>().cloned())
        .flatten();
    let res = next.call(req).await?.map_into_boxed_body();
    if let Some(state) = state
        && res.status().is_success()
    {
        state.webhooks.wake();
        let session = res
            .request()
            .extensions()
            .get::<crate::auth::SignedInSession>()
            .cloned();
        if state.replica.is_some()
            && let Some(crate::auth::SignedInSession(id)) = session
        {
            let marked = crate::http::blocking::run_db(&state, move |conn| {
                Ok(qibao_db::replica::mark_write(conn, &id)?)
            })
            .await;
            if let Err(e) = marked {
                // The write stands; the session's next reads may miss it
                // on the replica for a moment.
                tracing::warn!("cannot mark the session's write for the replica: {e:?}");
            }
        }
    }
    Ok(res)
}

/// Refuses a request whose query string names a parameter its operation
/// does not declare in the spec (`orders?pagesize=5` would otherwise answer
/// the default page as if it had been understood): 400 `VALIDATION_FAILED`
/// naming each unknown parameter. Paths the spec does not know are left to
/// routing (404/405).
pub async fn known_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.query_string().is_empty()
        && let Some(table) = req.app_data::<web::Data<RouteTable>>()
        && let Some(known) = table.query_params(req.path(), req.method())
    {
        let names = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
        let mut errors: Vec<FieldError> = Vec::new();
        for (name, _) in names {
            if !known.contains(&name) && !errors.iter().any(|e| e.field == name) {
                let hint = if known.is_empty() {
                    "该接口不接受查询参数，请删除。".to_owned()
                } else {
                    let mut list: Vec<&str> = known.iter().map(String::as_str).collect();
                    list.sort_unstable();
                    format!(
                        "不支持的查询参数，请删除；可用的参数：{}。",
                        list.join("、")
                    )
                };
                errors.push(FieldError::new(name, hint));
            }
        }
        if !errors.is_empty() {
            let (req, _) = req.into_parts();
            let res = actix_web::ResponseError::error_response(&ApiError::validation(errors));
            return Ok(ServiceResponse::new(req, res));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Catches a panic in the services below and answers 500 `INTERNAL`; the
/// panic message goes to the log only.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path().to_owned();
    let method = req.method().clone();
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| next.call(req))) {
        Ok(fut) => CatchUnwind(Box::pin(fut)).await,
        Err(payload) => Err(payload),
    };
    match outcome {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(payload) => {
            log::error!(
                "handler panicked on {method} {path}: {}",
                panic_message(payload.as_ref())
            );
            Err(ApiError::internal().with_instance(path).into())
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}

/// A future that turns a panic while polling into `Err(payload)`.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.get_mut().0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// Path templates the app serves and the methods of each, to tell 405 from
/// 404. Built from the generated OpenAPI plus the few undocumented routes.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
    /// Each documented operation's query parameters.
    queries: Vec<(ResourceDef, Method, Vec<String>)>,
}

impl RouteTable {
    /// Every operation of `api`, plus the docs routes.
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut table = RouteTable::default();
        for (path, item) in &api.paths.paths {
            let mut methods = Vec::new();
            let ops = [
                (Method::GET, item.get.is_some()),
                (Method::HEAD, item.head.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
                (Method::OPTIONS, item.options.is_some()),
                (Method::TRACE, item.trace.is_some()),
            ];
            for (method, present) in ops {
                if present && !methods.contains(&method) {
                    methods.push(method);
                }
            }
            let operations = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in operations {
                let Some(op) = op else { continue };
                let names = item
                    .parameters
                    .iter()
                    .chain(op.parameters.iter())
                    .flatten()
                    .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                    .map(|p| p.name.clone())
                    .collect();
                table
                    .queries
                    .push((ResourceDef::new(path.as_str()), method, names));
            }
            // HEAD is served wherever GET is (see `head_as_get`).
            if item.get.is_some() && !methods.contains(&Method::HEAD) {
                methods.insert(1, Method::HEAD);
            }
            table.add(path, methods);
        }
        for path in crate::app::UNDOCUMENTED_GET_ROUTES {
            table.add(path, vec![Method::GET, Method::HEAD]);
        }
        table
    }

    /// Adds a path template (actix syntax, e.g. `/orders/{order_no}`).
    pub fn add(&mut self, template: &str, methods: Vec<Method>) {
        self.routes.push((ResourceDef::new(template), methods));
    }

    /// The query parameters the operations matching `path` and `method`
    /// declare (HEAD as GET), or `None` when no documented operation does.
    pub fn query_params(&self, path: &str, method: &Method) -> Option<HashSet<String>> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let mut found: Option<HashSet<String>> = None;
        for (def, m, names) in &self.queries {
            if m == method && def.is_match(path) {
                found
                    .get_or_insert_with(HashSet::new)
                    .extend(names.iter().cloned());
            }
        }
        found
    }

    /// The methods served on `path`, or `None` when no template matches.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let mut found: Option<Vec<Method>> = None;
        for (def, methods) in &self.routes {
            if def.is_match(path) {
                let all = found.get_or_insert_with(Vec::new);
                for m in methods {
                    if !all.contains(m) {
                        all.push(m.clone());
                    }
                }
            }
        }
        found
    }
}

/// The app's default service: 405 with `Allow` when the path is served with
/// other methods, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: Option<web::Data<RouteTable>>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let allowed = table.and_then(|t| t.allowed(req.path()));
    match allowed {
        Some(methods) if !methods.is_empty() && !methods.contains(req.method()) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut err = ApiError::new(ErrorCode::MethodNotAllowed).with_detail(format!(
                "该资源不支持 {} 请求方法，可用的方法：{allow}。",
                req.method()
            ));
            if let Ok(value) = HeaderValue::from_str(&allow) {
                err = err.with_header(header::ALLOW, value);
            }
            Err(err)
        }
        _ => Err(ApiError::new(ErrorCode::NotFound)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn qr_tickets_are_redacted_from_logged_paths() {
        assert_eq!(
            redact_path("/api/v1/auth/qr-sessions/abc123/tokens"),
            "/api/v1/auth/qr-sessions/[redacted]/tokens"
        );
        assert_eq!(
            redact_path("/api/v1/auth/qr-sessions/abc123"),
            "/api/v1/auth/qr-sessions/[redacted]"
        );
        assert_eq!(
            redact_path("/api/v1/auth/qr-sessions"),
            "/api/v1/auth/qr-sessions"
        );
        assert_eq!(
            redact_path("/api/v1/portal/unit?x=1"),
            "/api/v1/portal/unit?x=1"
        );
    }

    #[test]
    fn route_table_matches_templates() {
        let mut t = RouteTable::default();
        t.add("/api/v1/orders/{order_no}", vec![Method::GET]);
        t.add("/api/v1/orders/{order_no}", vec![Method::DELETE]);
        t.add("/docs/{_:.*}", vec![Method::GET]);
        assert_eq!(
            t.allowed("/api/v1/orders/123"),
            Some(vec![Method::GET, Method::DELETE])
        );
        assert_eq!(t.allowed("/api/v1/orders/123/x"), None);
        assert_eq!(t.allowed("/docs/index.css"), Some(vec![Method::GET]));
        assert_eq!(t.allowed("/nope"), None);
    }
}

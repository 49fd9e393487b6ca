//! HTTP behaviour of the skeleton: problem responses for everything a client
//! can send wrong, probes, docs. Uses dummy routes mounted only in tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test as at;
use actix_web::{get, post, web};
use qibao_api::routes::ServiceConfig;
use qibao_api::{AppState, Clock, Config, app};
use qibao_db::testing::TestDb;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EchoBody {
    period: String,
    count: u32,
}

#[utoipa::path(tag = "system", request_body = EchoBody, responses((status = 200)))]
#[post("/test/echo")]
async fn echo(body: web::Json<EchoBody>) -> web::Json<EchoBody> {
    body
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct PageQuery {
    #[allow(dead_code)]
    page: u32,
}

#[utoipa::path(tag = "system", params(("order_no" = u64, Path), PageQuery), responses((status = 200)))]
#[get("/test/orders/{order_no}")]
async fn get_order(path: web::Path<u64>, query: web::Query<PageQuery>) -> web::Json<Value> {
    web::Json(json!({ "order_no": path.into_inner(), "page": query.page }))
}

#[utoipa::path(tag = "system", responses((status = 200)))]
#[get("/test/panic")]
async fn panics() -> &'static str {
    panic!("secret internals: table xyz")
}

#[utoipa::path(tag = "system", responses((status = 200)))]
#[get("/test/foreign-error")]
async fn foreign_error() -> Result<&'static str, actix_web::Error> {
    Err(actix_web::error::ErrorInternalServerError(
        "secret internals: password=hunter2",
    ))
}

#[utoipa::path(tag = "system", responses((status = 200)))]
#[get("/test/today")]
async fn today(state: web::Data<AppState>) -> String {
    state.clock.today().to_string()
}

fn test_routes(cfg: &mut ServiceConfig) {
    cfg.service(echo)
        .service(get_order)
        .service(panics)
        .service(foreign_error)
        .service(today);
}

struct Fixture {
    state: AppState,
    _db: TestDb,
}

fn fixture(pool_size: u32) -> Fixture {
    let db = TestDb::new();
    let pool = qibao_db::Pool::connect(&db.url, pool_size).unwrap();
    let state = AppState::new(pool, Clock::system(), Config::for_tests(db.url.clone()));
    Fixture { state, _db: db }
}

async fn call(
    state: &AppState,
    req: at::TestRequest,
) -> (StatusCode, actix_web::http::header::HeaderMap, Vec<u8>) {
    let app = at::init_service(app::build_app_with(state.clone(), test_routes)).await;
    let res: ServiceResponse<_> = match app.call(req.to_request()).await {
        Ok(res) => res,
        Err(err) => {
            let resp = err.error_response();
            let (status, headers) = (resp.status(), resp.headers().clone());
            let body = resp.into_body().try_into_bytes().unwrap().to_vec();
            return (status, headers, body);
        }
    };
    let status = res.status();
    let headers = res.headers().clone();
    let body = at::read_body(res).await.to_vec();
    (status, headers, body)
}

/// Asserts a problem+json answer and returns its body.
fn problem(
    status: StatusCode,
    headers: &actix_web::http::header::HeaderMap,
    body: &[u8],
    expected_status: u16,
    code: &str,
) -> Value {
    assert_eq!(
        status.as_u16(),
        expected_status,
        "{}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["status"], expected_status);
    assert_eq!(v["code"], code);
    let kebab = code.to_ascii_lowercase().replace('_', "-");
    assert_eq!(v["type"], format!("https://qibao.example/problems/{kebab}"));
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(v["detail"].as_str().is_some_and(|t| !t.is_empty()));
    v
}

#[actix_web::test]
async fn healthz_and_readyz_answer_ok() {
    let f = fixture(2);
    let (status, _, body) = call(&f.state, at::TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"status": "ok"})
    );

    let (status, _, body) = call(&f.state, at::TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"status": "ok"})
    );
}

#[actix_web::test]
async fn readyz_is_503_when_no_connection_is_free() {
    let f = fixture(1);
    let held = f.state.pool.get().unwrap();
    let (status, headers, body) = call(&f.state, at::TestRequest::get().uri("/readyz")).await;
    drop(held);
    let v = problem(status, &headers, &body, 503, "NOT_READY");
    assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "1");
    assert_eq!(v["instance"], "/readyz");
}

#[actix_web::test]
async fn valid_json_passes() {
    let f = fixture(1);
    let req = at::TestRequest::post()
        .uri("/api/v1/test/echo")
        .set_json(json!({"period": "202403", "count": 2}));
    let (status, _, body) = call(&f.state, req).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"period": "202403", "count": 2})
    );
}

#[actix_web::test]
async fn malformed_json_is_400_with_location() {
    let f = fixture(1);
    let req = at::TestRequest::post()
        .uri("/api/v1/test/echo")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{\"period\" \"202403\"}");
    let (status, headers, body) = call(&f.state, req).await;
    let v = problem(status, &headers, &body, 400, "MALFORMED_JSON");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("请求体不是有效的 JSON：第 1 行第 11 列"),
        "{detail}"
    );
    assert_eq!(v["instance"], "/api/v1/test/echo");

    let req = at::TestRequest::post()
        .uri("/api/v1/test/echo")
        .insert_header((header::CONTENT_TYPE, "application/json"));
    let (status, headers, body) = call(&f.state, req).await;
    problem(status, &headers, &body, 400, "MALFORMED_JSON");
}

#[actix_web::test]
async fn wrong_shape_is_400_validation_naming_the_field() {
    let f = fixture(1);
    let cases = [
        (json!({"count": 1}), "period"),
        (
            json!({"period": "202403", "count": 1, "extra": true}),
            "extra",
        ),
        (json!({"period": "202403", "count": "two"}), "body"),
        (json!([1, 2]), "body"),
    ];
    for (payload, field) in cases {
        let req = at::TestRequest::post()
            .uri("/api/v1/test/echo")
            .set_json(&payload);
        let (status, headers, body) = call(&f.state, req).await;
        let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
        assert_eq!(v["detail"], "请求参数有误，请按提示修改后重试。");
        assert_eq!(v["errors"][0]["field"], field, "{payload}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[actix_web::test]
async fn wrong_or_missing_content_type_is_415() {
    let f = fixture(1);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = at::TestRequest::post()
            .uri("/api/v1/test/echo")
            .set_payload(r#"{"period": "202403", "count": 2}"#);
        if let Some(ct) = content_type {
            req = req.insert_header((header::CONTENT_TYPE, ct));
        }
        let (status, headers, body) = call(&f.state, req).await;
        let v = problem(status, &headers, &body, 415, "UNSUPPORTED_MEDIA_TYPE");
        assert_eq!(v["detail"], "请求体必须是 application/json。");
    }
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let f = fixture(1);
    let big = format!(r#"{{"period": "{}", "count": 1}}"#, "x".repeat(1024 * 1024));
    let req = at::TestRequest::post()
        .uri("/api/v1/test/echo")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(big);
    let (status, headers, body) = call(&f.state, req).await;
    problem(status, &headers, &body, 413, "PAYLOAD_TOO_LARGE");
}

#[actix_web::test]
async fn unknown_routes_are_404() {
    let f = fixture(1);
    for uri in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/healthz",
        "/api/v1/test/orders/1/x",
    ] {
        let (status, headers, body) = call(&f.state, at::TestRequest::get().uri(uri)).await;
        let v = problem(status, &headers, &body, 404, "NOT_FOUND");
        assert_eq!(v["detail"], "请求的资源不存在。");
        assert_eq!(v["instance"], uri);
    }
}

#[actix_web::test]
async fn wrong_method_is_405_with_allow() {
    let f = fixture(1);
    let cases = [
        (at::TestRequest::post().uri("/healthz"), "GET, HEAD"),
        (at::TestRequest::delete().uri("/readyz"), "GET, HEAD"),
        (at::TestRequest::get().uri("/api/v1/test/echo"), "POST"),
        (
            at::TestRequest::put().uri("/api/v1/test/orders/12"),
            "GET, HEAD",
        ),
        (at::TestRequest::post().uri("/docs/"), "GET, HEAD"),
        (
            at::TestRequest::post().uri("/api/v1/openapi.json"),
            "GET, HEAD",
        ),
    ];
    for (req, allow) in cases {
        let (status, headers, body) = call(&f.state, req).await;
        problem(status, &headers, &body, 405, "METHOD_NOT_ALLOWED");
        assert_eq!(headers.get(header::ALLOW).unwrap(), allow);
    }
}

#[actix_web::test]
async fn head_is_served_where_get_is() {
    let f = fixture(1);
    let (status, _, _) = call(
        &f.state,
        at::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/healthz"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/api/v1/test/echo"),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(headers.get(header::ALLOW).unwrap(), "POST");
}

#[actix_web::test]
async fn bad_query_and_path_params_are_400() {
    let f = fixture(1);
    let (status, _, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12?page=3"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12?page=x"),
    )
    .await;
    let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
    assert_eq!(v["errors"][0]["field"], "query");

    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12"),
    )
    .await;
    let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
    assert_eq!(v["errors"][0]["field"], "page");

    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/abc?page=1"),
    )
    .await;
    let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
    assert_eq!(v["errors"][0]["field"], "order_no");
}

/// Every operation of the spec refuses a query parameter it does not
/// declare, naming it, before anything else (sign-in, body) is looked at;
/// the declared ones pass.
#[actix_web::test]
async fn undeclared_query_parameters_are_refused_everywhere() {
    let f = fixture(1);
    let spec = qibao_api::openapi::openapi();
    let mut checked = 0;
    for (path, item) in &spec.paths.paths {
        let uri = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let methods = [
            (item.get.is_some(), at::TestRequest::get()),
            (item.post.is_some(), at::TestRequest::post()),
            (item.put.is_some(), at::TestRequest::put()),
            (item.patch.is_some(), at::TestRequest::patch()),
            (item.delete.is_some(), at::TestRequest::delete()),
        ];
        for (present, req) in methods {
            if !present {
                continue;
            }
            let (status, headers, body) =
                call(&f.state, req.uri(&format!("{uri}?pagesize=5&limit2=1"))).await;
            let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
            let fields: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(fields, ["pagesize", "limit2"], "{path}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} operations");

    // Declared parameters pass; an undeclared one is named with the usable ones.
    let (status, _, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12?page=3"),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12?page=3&per_page=5"),
    )
    .await;
    let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
    assert_eq!(v["errors"][0]["field"], "per_page");
    assert_eq!(
        v["errors"][0]["message"],
        "不支持的查询参数，请删除；可用的参数：page。"
    );
    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/today?x=1"),
    )
    .await;
    let v = problem(status, &headers, &body, 400, "VALIDATION_FAILED");
    assert_eq!(v["errors"][0]["message"], "该接口不接受查询参数，请删除。");
}

#[actix_web::test]
async fn panics_and_foreign_errors_are_500_without_internals() {
    let f = fixture(1);
    for uri in ["/api/v1/test/panic", "/api/v1/test/foreign-error"] {
        let (status, headers, body) = call(&f.state, at::TestRequest::get().uri(uri)).await;
        let v = problem(status, &headers, &body, 500, "INTERNAL");
        assert_eq!(v["detail"], "系统繁忙，请稍后再试。");
        assert_eq!(v["instance"], uri);
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secret"), "{text}");
    }
    // The app still works after a panic.
    let (status, _, _) = call(&f.state, at::TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn docs_are_served_offline() {
    let f = fixture(1);
    let (status, headers, _) = call(&f.state, at::TestRequest::get().uri("/")).await;
    assert_eq!(status, 302);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/docs/");
    let (status, headers, _) = call(&f.state, at::TestRequest::get().uri("/docs")).await;
    assert_eq!(status, 302);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/docs/");

    let (status, _, body) = call(&f.state, at::TestRequest::get().uri("/docs/")).await;
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://"),
        "the docs page must not load from the internet"
    );

    let (status, _, body) = call(
        &f.state,
        at::TestRequest::get().uri("/docs/swagger-initializer.js"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("/api/v1/openapi.json"));

    let (status, _, body) =
        call(&f.state, at::TestRequest::get().uri("/api/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let spec: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(spec["info"]["title"], "qibao API");
    assert!(spec["paths"]["/healthz"]["get"].is_object());
    assert!(spec["paths"]["/readyz"]["get"].is_object());
}

#[test]
fn test_server_serves_over_tcp_and_follows_its_clock() {
    let f = fixture(2);
    let server = qibao_api::spawn_test_server_with(f.state.clone(), test_routes);
    let client = reqwest::blocking::Client::new();

    let res = client.get(server.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), 200);

    server.clock.set_today(time::macros::date!(2024 - 02 - 29));
    let res = client.get(server.url("/api/v1/test/today")).send().unwrap();
    assert_eq!(res.text().unwrap(), "2024-02-29");

    // A panic over a real connection: a 500 problem, and the server lives on.
    let res = client.get(server.url("/api/v1/test/panic")).send().unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let v: Value = res.json().unwrap();
    assert_eq!(v["code"], "INTERNAL");
    let res = client.get(server.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), 200);

    // Dropping stops the server and joins its thread (whether the port then
    // refuses is not asserted: a parallel test's server may reuse it).
    drop(server);
}

/// Issue 11: every answer carries the security headers — JSON, problems
/// (a 404, a caught panic) and the docs, the docs with the policy that lets
/// the offline Swagger UI run and the API with one that allows nothing; no
/// HSTS unless configured.
#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    use qibao_api::security_headers::{API_CSP, DOCS_CSP};
    let f = fixture(2);
    for (uri, csp) in [
        ("/healthz", API_CSP),
        ("/api/v1/policy/regions", API_CSP),
        ("/api/v1/no-such-thing", API_CSP),
        ("/api/v1/test/panic", API_CSP),
        ("/docs/", DOCS_CSP),
        ("/docs/swagger-initializer.js", DOCS_CSP),
    ] {
        let (status, headers, _) = call(&f.state, at::TestRequest::get().uri(uri)).await;
        let h = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            h("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{uri} {status}"
        );
        assert_eq!(h("content-security-policy").as_deref(), Some(csp), "{uri}");
        assert_eq!(h("x-frame-options").as_deref(), Some("DENY"), "{uri}");
        assert_eq!(
            h("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{uri}"
        );
        assert_eq!(h("strict-transport-security"), None, "{uri}");
    }

    let mut config = Config::for_tests(f.state.config.database_url.clone());
    config.hsts_max_age = Some(31_536_000);
    let state = AppState::new(f.state.pool.clone(), Clock::system(), config);
    let (_, headers, _) = call(&state, at::TestRequest::get().uri("/healthz")).await;
    assert_eq!(
        headers.get("strict-transport-security").unwrap(),
        "max-age=31536000; includeSubDomains"
    );
}

fn fixture_with_origins(origins: &[&str]) -> Fixture {
    let db = TestDb::new();
    let pool = qibao_db::Pool::connect(&db.url, 2).unwrap();
    let mut config = Config::for_tests(db.url.clone());
    config.cors_origins = origins.iter().map(|o| (*o).to_owned()).collect();
    let state = AppState::new(pool, Clock::system(), config);
    Fixture { state, _db: db }
}

#[actix_web::test]
async fn a_configured_origin_gets_its_preflight_and_cors_headers() {
    let f = fixture_with_origins(&["https://hr.example.com"]);
    // The preflight of a keyed JSON POST with a token.
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/test/echo")
            .insert_header((header::ORIGIN, "https://hr.example.com"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
            .insert_header((
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization, content-type, idempotency-key",
            )),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "https://hr.example.com"
    );
    let allowed = headers
        .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert!(headers.get("x-request-id").is_some());

    // The request itself: the origin is allowed and the headers a client
    // reads are exposed.
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/test/orders/12?page=1")
            .insert_header((header::ORIGIN, "https://hr.example.com")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "https://hr.example.com"
    );
    let exposed = headers
        .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .unwrap()
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "location",
        "etag",
        "x-request-id",
        "idempotent-replayed",
        "retry-after",
    ] {
        assert!(exposed.contains(h), "{exposed}");
    }

    // Another origin: served, but no CORS header, so a browser withholds it.
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/test/orders/12?page=1")
            .insert_header((header::ORIGIN, "https://evil.example.net")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[actix_web::test]
async fn without_configured_origins_no_origin_is_allowed() {
    let f = fixture(2);
    let (_, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/test/orders/12?page=1")
            .insert_header((header::ORIGIN, "https://hr.example.com")),
    )
    .await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[actix_web::test]
async fn the_request_id_is_echoed_or_made() {
    let f = fixture(2);
    let (_, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/healthz")
            .insert_header(("X-Request-Id", "payroll-7f3a:42")),
    )
    .await;
    assert_eq!(headers.get("x-request-id").unwrap(), "payroll-7f3a:42");
    // Not a token (spaces, too long): replaced by a new one; errors too.
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/nowhere")
            .insert_header(("X-Request-Id", "a b")),
    )
    .await;
    assert_eq!(status, 404);
    let made = headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(made.len(), 32);
    assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[actix_web::test]
async fn gets_carry_a_validator_and_answer_304_when_unchanged() {
    let f = fixture(2);
    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get().uri("/api/v1/test/orders/12?page=1"),
    )
    .await;
    assert_eq!(status, 200);
    let etag = headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(
        headers.get(header::CACHE_CONTROL).unwrap(),
        "private, no-cache"
    );
    assert!(!body.is_empty());
    let (status, headers, body) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/test/orders/12?page=1")
            .insert_header((header::IF_NONE_MATCH, etag.as_str())),
    )
    .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(headers.get(header::ETAG).unwrap(), etag.as_str());
    // Other content, other validator.
    let (status, headers, _) = call(
        &f.state,
        at::TestRequest::get()
            .uri("/api/v1/test/orders/13?page=1")
            .insert_header((header::IF_NONE_MATCH, etag.as_str())),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(headers.get(header::ETAG).unwrap(), etag.as_str());
}

#[actix_web::test]
async fn answers_are_compressed_when_the_client_accepts_it() {
    let f = fixture(2);
    let (_, headers, plain) =
        call(&f.state, at::TestRequest::get().uri("/api/v1/openapi.json")).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    for (accept, encoding) in [("gzip", "gzip"), ("br", "br"), ("br;q=0.5, gzip", "gzip")] {
        let (status, headers, body) = call(
            &f.state,
            at::TestRequest::get()
                .uri("/api/v1/openapi.json")
                .insert_header((header::ACCEPT_ENCODING, accept)),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            headers.get(header::CONTENT_ENCODING).unwrap(),
            encoding,
            "{accept}"
        );
        assert!(
            body.len() * 3 < plain.len(),
            "{accept}: {} of {} bytes",
            body.len(),
            plain.len()
        );
    }
}

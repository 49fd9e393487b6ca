//! The OpenAPI document: a base doc plus every path registered through
//! [`crate::routes::register`].
//!
//! Error codes: `ProblemDoc.code` is the [`ErrorCode`] enum, whose schema
//! lists every code with its status and default detail. Each error response
//! of each operation lists the codes it answers with in `x-error-codes`
//! (and in its description): the codes its description names in backticks,
//! written next to the handler, plus what the operation's shape implies (a
//! bearer token: the four session codes of a 401). A test checks every
//! listed code exists with that status; the scenario tests (`qibao-e2e`)
//! check every problem they receive against this list, on both backends,
//! so a code an operation answers cannot be missing from it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::App;
use actix_web::dev::ResourceDef;
use qibao_app::error::ErrorCode;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::http::problem::{FieldError, ProblemDoc};
use crate::routes::{self, RouteFn};

/// The extension of an error response that lists its codes.
pub const ERROR_CODES_EXTENSION: &str = "x-error-codes";

/// Codes any request may be answered with, whatever its operation: a fault
/// of ours or a busy database (500, 503), a request whose bytes could not be
/// read (400 `BAD_REQUEST`), storage's generic refusals where a use case has
/// no more specific code (404 `NOT_FOUND`: a row gone between two reads;
/// 409 `CONFLICT`: a unique rule), and what the HTTP server answers before
/// any handler runs. Listed on the `ErrorCode` schema, not per operation.
pub const ANY_OPERATION: &[ErrorCode] = &[
    ErrorCode::BadRequest,
    ErrorCode::NotFound,
    ErrorCode::Conflict,
    ErrorCode::Internal,
    ErrorCode::ServiceUnavailable,
    ErrorCode::Unauthorized,
    ErrorCode::NotAcceptable,
    ErrorCode::RequestTimeout,
    ErrorCode::LengthRequired,
    ErrorCode::UriTooLong,
    ErrorCode::Unprocessable,
    ErrorCode::TooManyRequests,
    ErrorCode::HeadersTooLarge,
    ErrorCode::MethodNotAllowed,
];

/// What every operation that takes a bearer token may answer with 401:
/// no token, a token that is not ours, an expired one, an ended session.
pub const BEARER_401: &[ErrorCode] = &[
    ErrorCode::Unauthenticated,
    ErrorCode::TokenInvalid,
    ErrorCode::TokenExpired,
    ErrorCode::SessionEnded,
];

/// Base document; paths and their schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "qibao API",
        description = "The employer-facing online service hall of a social-insurance system: \
            unit information, employee enrolment, wage declarations, monthly contribution \
            declarations, payment orders, back pay and refunds, certificates, retirement \
            and the pension (estimate, applications, retirees, death benefits, the monthly \
            payroll), unemployment benefit claims and termination certificates, the \
            job-stabilisation refund, construction and mining projects with their premium \
            orders and rosters, the unit's event feed and signed \
            webhooks, and the back-office, tax-bureau and public verification interfaces.\n\n\
            All errors are RFC 9457 problem details (`application/problem+json`) with a stable \
            machine `code`, a Chinese `detail` for the person using the service hall and, for \
            validation errors, `errors[]` naming each field. Each error response of an \
            operation lists the codes it answers with (`x-error-codes`); the `ErrorCode` schema \
            gives every code's status and default detail. Dates are ISO 8601, contribution \
            periods are `YYYYMM` strings and money amounts are decimal strings in yuan with two \
            decimals.",
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "auth", description = "登录与令牌: the legal representative's password, the e-social-card QR code, staff, payroll API keys, the tax bureau and the transfer platform; tokens, refresh and sign-out."),
        (name = "unit", description = "单位信息: the unit's comprehensive information, general and key-information changes, insurances of the unit, bank accounts. The unit always comes from the token."),
        (name = "access", description = "经办授权: the unit's agents, API keys for payroll software and the legal representative's password."),
        (name = "employees", description = "人员参保: enrolment, changes, insurances and suspensions of the unit's employees; staff changes; persons to verify."),
        (name = "declarations", description = "缴费申报: the monthly declaration, wage bases by year, back-pay (online and by application) and deferrals."),
        (name = "orders", description = "单据与缴费: payment orders (应缴认定单), their lines and PDF, arrears and paid months."),
        (name = "refunds", description = "退费: what can be refunded, refund applications and their documents."),
        (name = "pension", description = "养老保险服务: the pension estimate (基本养老金计算), retirement applications and their progress (退休(职)审批), the unit's retirees, their payment accounts and qualification checks, death benefits; the contribution voucher (参保缴费凭证), transfers of the pension relation across provinces (养老保险关系转入申请) and their progress (转移进度)."),
        (name = "records", description = "办件记录: the unit's business items and their revocation (R-UNDO-1)."),
        (name = "certificates", description = "证明: unit and personal certificates, frozen, signed and verifiable."),
        (name = "materials", description = "材料: supporting documents for applications and requests."),
        (name = "imports", description = "批量导入（导盘）: templates, uploads, validation reports, commits and revocations."),
        (name = "jobs", description = "后台任务: long work (imports, exports) and its progress."),
        (name = "events", description = "单位业务动态: the unit's event feed, resumable by cursor; the same events as the webhooks."),
        (name = "webhooks", description = "事件推送: addresses that receive the unit's events as signed POSTs (schema `WebhookEvent`), their delivery logs and redelivery; legal representative only."),
        (name = "policy", description = "政策参数: rates, base bounds, windows and interest rates by region and period; pension parameters by year and death-benefit standards; unemployment benefit parameters; project premium rates; contribution quotes; working days. No sign-in needed."),
        (name = "unemployment", description = "失业保险待遇: the unit's unemployment benefit claims for former employees (失业保险金申领（单位）), their months, amounts and progress; the termination certificate (终止或解除劳动合同证明); the job-stabilisation refund (稳岗返还): the assessment of a year with each figure, the application and its payout."),
        (name = "projects", description = "建设项目参保: construction and mining projects (建筑工程项目 / 矿山项目) registered by the unit as general contractor, their work-injury premium on payment orders, extensions and value changes, and the real-name roster of workers (职工参保名册)."),
        (name = "staff-review", description = "经办审核: the review queue (claim, approve, reject, release) and the materials of the requests; every unit's unemployment benefit claims with the figures they rest on."),
        (name = "staff-units", description = "经办单位管理: unit registration at the counter, unit search and information, record-chain verification, USCC exceptions, counter deferral confirmations."),
        (name = "staff-persons", description = "经办人员管理: persons, their statuses and key information, duplicate person numbers and merges; pension records before the system's data (history, deemed months, opening balance); retirees' suspensions, resumptions and qualification checks."),
        (name = "staff-policy", description = "政策参数维护: effective-dated policy parameters and their audit trail."),
        (name = "staff-finance", description = "财务: refunds and job-stabilisation refunds to pay out, and the day's reconciliation."),
        (name = "staff-projects", description = "建设项目: every unit's construction and mining projects, their premiums and rosters (who was covered on a day)."),
        (name = "staff-pension", description = "养老金发放与关系转移: the monthly pension payroll (a job), its lines per payment account, and back-office jobs; every transfer of a pension relation across provinces and the handler's side of a transfer out."),
        (name = "platform", description = "跨省转移接续平台: for the inter-province platform's client: this province's transfer-in requests, the old place's acceptance, answer or refusal; other provinces' requests for persons who left and their answers."),
        (name = "tax", description = "税务接口: the order feed, payment messages and the day's reconciliation, for the tax bureau."),
        (name = "public", description = "公共服务: without sign-in: certificate verification, its public key, identifier checks."),
        (name = "system", description = "Health and readiness probes."),
    ),
    components(schemas(ProblemDoc, FieldError, ErrorCode, qibao_app::webhooks::WebhookEvent)),
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

/// Describes the `ErrorCode` schema: every code with its status(es) and
/// default detail, and which codes any operation may answer.
pub struct ErrorCodeTable;

impl Modify for ErrorCodeTable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::Object(schema))) = components.schemas.get_mut("ErrorCode") else {
            return;
        };
        let any = ANY_OPERATION
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = format!(
            "The stable machine code of a problem (`ProblemDoc.code`). Each code is answered \
             with the status given here; four have two (404 for the resource the URL \
             addresses, 422 for one the body references; `LAST_INSURANCE`: 422 for an \
             employee's last insurance, 409 for the unit's). `detail` is the default Chinese \
             message, which an operation may replace with a more specific one. Each error \
             response of an operation lists its codes in `x-error-codes`; any \
             operation may also answer {any}.\n\n| code | status | default detail |\n|---|---|---|\n"
        );
        for &code in ErrorCode::ALL {
            let statuses = code
                .kinds()
                .iter()
                .map(|k| k.status().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            text.push_str(&format!(
                "| `{code}` | {statuses} | {} |\n",
                code.default_detail()
            ));
        }
        schema.description = Some(text);
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
    document_idempotency(&mut api);
    document_not_modified(&mut api);
    document_error_codes(&mut api);
    crate::http::closed_sets::document(&mut api);
    document_examples(&mut api);
    // After the routes' schemas are merged (they bring `ErrorCode` again).
    ErrorCodeTable.modify(&mut api);
    api
}

/// Examples recorded from the scenario tests' real answers (`make
/// examples`): per `operationId`, the request body and the answer of each
/// 2xx status.
const EXAMPLES: &str = include_str!("../../examples.json");

/// Gives each JSON request body and 2xx JSON answer its recorded example
/// where the code wrote none.
fn document_examples(api: &mut utoipa::openapi::OpenApi) {
    let Ok(serde_json::Value::Object(examples)) = serde_json::from_str(EXAMPLES) else {
        return;
    };
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let Some(recorded) = op.operation_id.as_ref().and_then(|id| examples.get(id)) else {
                continue;
            };
            if let Some(body) = op.request_body.as_mut()
                && let Some(example) = recorded.get("request")
                && let Some(content) = body.content.get_mut("application/json")
                && content.example.is_none()
                && content.examples.is_empty()
            {
                content.example = Some(example.clone());
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let (RefOr::T(response), Some(example)) =
                    (response, recorded["responses"].get(status.as_str()))
                else {
                    continue;
                };
                if let Some(content) = response.content.get_mut("application/json")
                    && content.example.is_none()
                    && content.examples.is_empty()
                {
                    content.example = Some(example.clone());
                }
            }
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Whether the operation names the `bearer` security scheme.
fn takes_bearer(op: &Operation) -> bool {
    op.security.iter().flatten().any(|req| {
        serde_json::to_value(req)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.contains_key("bearer")))
            .unwrap_or(false)
    })
}

/// The codes a description names in backticks (`PERIOD_GAP`); words in
/// backticks that are not codes (`Retry-After`, `type`) are skipped.
pub fn codes_named_in(description: &str) -> Vec<ErrorCode> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(ErrorCode::parse)
        .collect()
}

/// Words in backticks that look like a code (SCREAMING_SNAKE_CASE) but are
/// none: a typo in a description.
pub fn unknown_codes_named_in(description: &str) -> Vec<String> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 2
                && w.contains('_')
                && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                && ErrorCode::parse(w).is_none()
        })
        .map(str::to_owned)
        .collect()
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDoc")))
                .build(),
        )
        .build()
}

/// Lists each error response's codes in `x-error-codes` (see the module
/// doc); the codes a description does not name yet are appended to it.
fn document_error_codes(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let bearer = takes_bearer(op);
            if bearer && !op.responses.responses.contains_key("401") {
                op.responses.responses.insert(
                    "401".to_owned(),
                    problem_response("No or invalid token.").into(),
                );
            }
            for (status, response) in &mut op.responses.responses {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                let RefOr::T(response) = response else {
                    continue;
                };
                if status < 400 {
                    continue;
                }
                let mut codes = codes_named_in(&response.description);
                if bearer && status == 401 {
                    codes.extend_from_slice(BEARER_401);
                }
                codes.sort_unstable();
                codes.dedup();
                let unnamed: Vec<String> = codes
                    .iter()
                    .filter(|c| !response.description.contains(&format!("`{c}`")))
                    .map(|c| format!("`{c}`"))
                    .collect();
                if !unnamed.is_empty() {
                    let text = response.description.trim_end().to_owned();
                    response.description = format!("{text} ({})", unnamed.join(", "));
                }
                let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                response
                    .extensions
                    .get_or_insert_with(Default::default)
                    .insert(ERROR_CODES_EXTENSION.to_owned(), serde_json::json!(list));
            }
        }
    }
}

/// The codes each error status of the operation `method path` lists
/// (`path` as requested, e.g. `/api/v1/portal/orders/2023042009301501`),
/// or `None` when no documented operation serves it. Where several path
/// templates match, the one with the most literal segments wins (as the
/// routes are registered).
pub fn documented_codes(
    api: &utoipa::openapi::OpenApi,
    method: &str,
    path: &str,
) -> Option<BTreeMap<u16, Vec<ErrorCode>>> {
    let method = if method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        method
    };
    let (_, op) = api
        .paths
        .paths
        .iter()
        .filter(|(template, _)| ResourceDef::new(template.as_str()).is_match(path))
        .filter_map(|(template, item)| {
            let op = match method.to_ascii_uppercase().as_str() {
                "GET" => item.get.as_ref(),
                "POST" => item.post.as_ref(),
                "PUT" => item.put.as_ref(),
                "PATCH" => item.patch.as_ref(),
                "DELETE" => item.delete.as_ref(),
                _ => None,
            }?;
            let literal = template.split('/').filter(|s| !s.starts_with('{')).count();
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal)?;
    let mut out = BTreeMap::new();
    for (status, response) in &op.responses.responses {
        let (Ok(status), RefOr::T(response)) = (status.parse::<u16>(), response) else {
            continue;
        };
        let codes = response
            .extensions
            .as_ref()
            .and_then(|e| e.get(ERROR_CODES_EXTENSION))
            .and_then(|v| v.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().and_then(ErrorCode::parse))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        out.insert(status, codes);
    }
    Some(out)
}

/// Operations that read their body as bytes whatever its `Content-Type`:
/// the tax bureau's messages (kept as sent, refused ones too) and a task's
/// approval (an empty body approves). They never answer 415.
pub const RAW_BODY_OPERATIONS: &[&str] = &[
    "create_tax_event",
    "update_tax_statement",
    "create_task_approval",
];

/// Every operation that takes a body answers 415 `UNSUPPORTED_MEDIA_TYPE`
/// when the `Content-Type` is missing or not the one it reads (the JSON
/// extractor, the upload's multipart check): documented on each, unless
/// the operation already describes its own 415 or reads raw bytes
/// ([`RAW_BODY_OPERATIONS`]).
fn document_unsupported_media_type(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        let operations = [
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            let raw = op
                .operation_id
                .as_deref()
                .is_some_and(|id| RAW_BODY_OPERATIONS.contains(&id));
            if raw || op.request_body.is_none() || op.responses.responses.contains_key("415") {
                continue;
            }
            let response = problem_response(
                "The body's `Content-Type` is missing or is not the one this operation \
                 reads (`UNSUPPORTED_MEDIA_TYPE`).",
            );
            op.responses
                .responses
                .insert("415".to_owned(), response.into());
        }
    }
}

/// What a keyed request may answer besides the operation's own answers.
const IDEMPOTENCY_ANSWERS: [(&str, &str); 3] = [
    (
        "400",
        "A bad `Idempotency-Key` (`INVALID_IDEMPOTENCY_KEY`).",
    ),
    (
        "409",
        "The `Idempotency-Key` was used for another request (`IDEMPOTENCY_KEY_REUSED`), or the first request with it is still running (`IDEMPOTENCY_KEY_IN_FLIGHT`, retry after `Retry-After`).",
    ),
    (
        "413",
        "A keyed request's body over 24 MiB (`PAYLOAD_TOO_LARGE`).",
    ),
];

/// Every POST that takes a bearer token accepts `Idempotency-Key`
/// ([`crate::http::idempotency`]): the header, and the answers it adds,
/// documented on each.
fn document_idempotency(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    for item in api.paths.paths.values_mut() {
        let Some(op) = item.post.as_mut() else {
            continue;
        };
        if !takes_bearer(op) {
            continue;
        }
        let params = op.parameters.get_or_insert_with(Vec::new);
        if !params
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case("Idempotency-Key"))
        {
            params.push(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .description(Some(
                        "1–200 visible characters, unique per intended action (a UUID). A retry with the same key and request gets the first 2xx answer again (kept 24 hours) with `Idempotent-Replayed: true`, without the action running twice; a refused request keeps nothing, so its retry runs afresh.",
                    ))
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .min_length(Some(1))
                            .max_length(Some(200)),
                    ))
                    .build(),
            );
        }
        for (status, text) in IDEMPOTENCY_ANSWERS {
            match op.responses.responses.get_mut(status) {
                Some(RefOr::T(response)) => {
                    let old = response.description.trim_end().to_owned();
                    response.description = format!("{old} {text}");
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    op.responses
                        .responses
                        .insert(status.to_owned(), problem_response(text).into());
                }
            }
        }
    }
}

/// Every GET answered 200 carries an `ETag` and answers a matching
/// `If-None-Match` with 304 ([`crate::http::etag`]): documented on each.
fn document_not_modified(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        let Some(op) = item.get.as_mut() else {
            continue;
        };
        if op.responses.responses.contains_key("200") && !op.responses.responses.contains_key("304")
        {
            op.responses.responses.insert(
                "304".to_owned(),
                ResponseBuilder::new()
                    .description(
                        "Not modified: `If-None-Match` names the current `ETag` (sent with every 200); no body.",
                    )
                    .build()
                    .into(),
            );
        }
    }
}

/// The spec as YAML (what `qibao openapi` prints and `openapi.yaml` holds).
pub fn openapi_yaml() -> Result<String, String> {
    openapi().to_yaml().map_err(|e| e.to_string())
}

/// [`documented_codes`] of the served spec, built once (for the scenario
/// tests' check of every problem they receive).
pub fn served_codes(method: &str, path: &str) -> Option<BTreeMap<u16, Vec<ErrorCode>>> {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    documented_codes(SPEC.get_or_init(openapi), method, path)
}

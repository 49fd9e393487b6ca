//! The inter-province transfer platform (跨省转移接续平台, issue 16;
//! R-TRANS-1, 2), signed in with its client credentials
//! (`POST /auth/platform-tokens`, role `platform`). It carries this side's
//! transfer-in requests to the old place and brings back the acceptance,
//! the answer (months, bases, places, the money moved) or a refusal; and
//! it brings other provinces' requests for persons who left, whose answer
//! staff give and the platform reads.

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::transfer::{
    self as use_case, AnswerInput, OutRequestInput, PlatformFeed, TransferDto,
};
use qibao_core::transfer::ArrivingSpan;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, PlatformUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::transfer::TransferRefusal;
use crate::state::AppState;

/// The most spans an answer may list.
const MAX_SPANS: usize = 600;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlatformFeedQuery {
    /// The last id already processed (0 to start).
    pub after: Option<i64>,
    /// Entries per page, 1…500 (default 100).
    pub limit: Option<i64>,
}

/// 转入联系函 — this side's transfer-in requests
///
/// This province's requests to other provinces (transfers in), oldest
/// first after the cursor `after`, each in its current state; resume with
/// `next_after`. The old place accepts, answers or refuses each by its
/// `transfer_no`.
#[utoipa::path(
    tag = "platform",
    operation_id = "list_platform_transfer_requests",
    security(("bearer" = [])),
    params(PlatformFeedQuery),
    responses(
        (status = 200, body = PlatformFeed),
        (status = 400, description = "Bad cursor or limit (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/transfer-requests")]
pub async fn list_platform_transfer_requests(
    state: web::Data<AppState>,
    _platform: PlatformUser,
    q: Query<PlatformFeedQuery>,
) -> Result<web::Json<PlatformFeed>, ApiError> {
    let (after, limit) = crate::http::paging::feed_cursor(q.after, q.limit)?;
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_feed(conn, after, limit)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 转出地受理 — the old place accepts a request
///
/// The old place has received this side's request and works on it.
/// Accepting again answers the same.
#[utoipa::path(
    tag = "platform",
    operation_id = "create_platform_transfer_acceptance",
    security(("bearer" = [])),
    params(("transfer_no" = String, Path, description = "This side's transfer number (ZR…).")),
    responses(
        (status = 200, description = "Accepted.", body = TransferDto),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Completed or refused already (`TRANSFER_CLOSED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/transfer-requests/{transfer_no}/acceptance")]
pub async fn create_platform_transfer_acceptance(
    state: web::Data<AppState>,
    _platform: PlatformUser,
    path: web::Path<String>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let (no, today, now) = (
        path.into_inner(),
        state.clock.today(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_accept(conn, &no, today, now)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Months paid at the old place at one monthly base.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerSpan {
    /// Required. First month, YYYYMM.
    #[schema(example = "202101")]
    pub from: Option<String>,
    /// Required. Last month, YYYYMM, before the request's month.
    #[schema(example = "202312")]
    pub to: Option<String>,
    /// Required. The monthly contribution base, yuan, more than 0.
    #[schema(example = "6000.00")]
    pub base: Option<String>,
    /// Where they were paid; default the request's 转出地.
    #[schema(example = "广东省深圳市")]
    pub place: Option<String>,
}

/// What the old place transferred (R-TRANS-2).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferAnswer {
    /// Required. The day the old place transferred (funds sent),
    /// YYYY-MM-DD, between the request's day and today.
    #[schema(example = "2026-10-14")]
    pub transferred_on: Option<String>,
    /// Required. Every month paid there, by spans of one base.
    pub spans: Option<Vec<AnswerSpan>>,
    /// Required. 个人账户储存额 moved, yuan.
    #[schema(example = "17280.00")]
    pub account: Option<String>,
    /// Required. 统筹基金转移额, yuan: exactly 12% of the bases listed from
    /// 1998 (rounded once, half-up), else refused.
    #[schema(example = "25920.00")]
    pub pooled: Option<String>,
}

/// 转出地办结转出 — the old place's answer
///
/// The old place transferred: the months paid there with their bases and
/// places and the money moved. It is checked (ordered, apart, before the
/// request's month, a base each; the pooled amount 12% of the bases since
/// 1998) and recorded here at once: the months in the person's
/// contribution history with their place (a month known here already is
/// kept as it is), the account balance as a sum arriving this month.
/// Refused answers write nothing.
#[utoipa::path(
    tag = "platform",
    operation_id = "create_platform_transfer_answer",
    security(("bearer" = [])),
    params(("transfer_no" = String, Path, description = "This side's transfer number (ZR…).")),
    request_body = TransferAnswer,
    responses(
        (status = 200, description = "Recorded.", body = TransferDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Completed or refused already (`TRANSFER_CLOSED`); a month already in the person's recognised history at another base (`TRANSFER_HISTORY_OVERLAP`; one at the same base, or paid in this system, is kept as it is).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The answer breaks R-TRANS-2 (`TRANSFER_ANSWER_INVALID`; `detail` says how).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/transfer-requests/{transfer_no}/answer")]
pub async fn create_platform_transfer_answer(
    state: web::Data<AppState>,
    PlatformUser(platform): PlatformUser,
    path: web::Path<String>,
    body: Json<TransferAnswer>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let mut errors = Vec::new();
    let transferred_on = fields::required_date(
        body.transferred_on.as_deref(),
        "transferred_on",
        &mut errors,
    );
    let account = fields::money(body.account.as_deref(), "account", &mut errors);
    let pooled = fields::money(body.pooled.as_deref(), "pooled", &mut errors);
    let given = body.spans.as_deref().unwrap_or_default();
    if given.is_empty() || given.len() > MAX_SPANS {
        errors.push(FieldError::new(
            "spans",
            format!("请列出1至{MAX_SPANS}段缴费期间。"),
        ));
    }
    let mut spans = Vec::with_capacity(given.len());
    for (i, s) in given.iter().enumerate() {
        let from =
            fields::required_month(s.from.as_deref(), &format!("spans[{i}].from"), &mut errors);
        let to = fields::required_month(s.to.as_deref(), &format!("spans[{i}].to"), &mut errors);
        let base = fields::money(s.base.as_deref(), &format!("spans[{i}].base"), &mut errors);
        let place = fields::text(
            s.place.as_deref(),
            &format!("spans[{i}].place"),
            &mut errors,
        );
        if let (Some(from), Some(to), Some(base)) = (from, to, base) {
            spans.push((ArrivingSpan { from, to, base }, place));
        }
    }
    let (Some(transferred_on), Some(account), Some(pooled)) = (transferred_on, account, pooled)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = AnswerInput {
        transferred_on,
        spans,
        account,
        pooled,
    };
    let (no, today, now) = (
        path.into_inner(),
        state.clock.today(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_answer(
            conn,
            &platform.as_actor(),
            &no,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 转出地不予转移 — the old place refuses
///
/// The old place refuses this side's request, with its reason (the unit
/// sees it in the steps).
#[utoipa::path(
    tag = "platform",
    operation_id = "create_platform_transfer_refusal",
    security(("bearer" = [])),
    params(("transfer_no" = String, Path, description = "This side's transfer number (ZR…).")),
    request_body = TransferRefusal,
    responses(
        (status = 200, description = "Refused.", body = TransferDto),
        (status = 400, description = "Malformed body, no reason (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Completed or refused already (`TRANSFER_CLOSED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/transfer-requests/{transfer_no}/refusal")]
pub async fn create_platform_transfer_refusal(
    state: web::Data<AppState>,
    _platform: PlatformUser,
    path: web::Path<String>,
    body: Json<TransferRefusal>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let reason = body.reason.clone().unwrap_or_default();
    let (no, today, now) = (
        path.into_inner(),
        state.clock.today(),
        state.clock.now_utc(),
    );
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_refuse(conn, &no, &reason, today, now)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Another province's request for a person who left.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferOutRequest {
    /// Required. The new place's request number (联系函编号), 1–40 letters,
    /// digits or `-`; sending it again answers the request as registered.
    #[schema(example = "GD-2026-000123")]
    pub request_no: Option<String>,
    /// Required. The person's resident ID number.
    #[schema(example = "420500197805150038")]
    pub id_number: Option<String>,
    /// Required. The person's name, as on the ID.
    #[schema(example = "转移甲")]
    pub name: Option<String>,
    /// Required. 转入地: the new place.
    #[schema(example = "广东省深圳市")]
    pub to_place: Option<String>,
    /// 转入地经办机构.
    #[schema(example = "深圳市社会保险基金管理局")]
    pub to_agency: Option<String>,
}

/// 转出联系函 — another province asks for a person who left
///
/// Registers the new place's request for a person insured here before
/// (R-TRANS-1): staff transfer within 15 working days (the State Council
/// calendar) or refuse; read the answer at
/// `GET /platform/transfer-out-requests/{request_no}`. The unit where the
/// person last paid pension insurance sees the steps.
#[utoipa::path(
    tag = "platform",
    operation_id = "create_platform_transfer_out_request",
    security(("bearer" = [])),
    request_body = TransferOutRequest,
    responses(
        (status = 201, description = "Registered (or registered before: the same request); `Location` names it.", body = TransferDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No person insured here with this ID (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The request number names another person (`CONFLICT`); a transfer out of this person is open (`TRANSFER_OPEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/transfer-out-requests")]
pub async fn create_platform_transfer_out_request(
    state: web::Data<AppState>,
    PlatformUser(platform): PlatformUser,
    body: Json<TransferOutRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let request_no = fields::required_text(body.request_no.as_deref(), "request_no", &mut errors);
    let id_number = fields::required_text(body.id_number.as_deref(), "id_number", &mut errors);
    let name = fields::required_text(body.name.as_deref(), "name", &mut errors);
    let to_place = fields::required_text(body.to_place.as_deref(), "to_place", &mut errors);
    let to_agency = fields::text(body.to_agency.as_deref(), "to_agency", &mut errors);
    let (Some(request_no), Some(id_number), Some(name), Some(to_place)) =
        (request_no, id_number, name, to_place)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = OutRequestInput {
        request_no,
        id_number,
        name,
        to_place,
        to_agency,
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_request_out(
            conn,
            &platform.as_actor(),
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/platform/transfer-out-requests/{}", out.transfer_no),
        ))
        .json(out))
}

/// 转出办理结果 — the answer to a request for a person who left
///
/// The request with its steps and, once transferred, what moved (the
/// months with their bases and places, the account, the pooled amount),
/// or the reason it was refused.
#[utoipa::path(
    tag = "platform",
    operation_id = "get_platform_transfer_out_request",
    security(("bearer" = [])),
    params(("request_no" = String, Path, description = "The new place's request number.")),
    responses(
        (status = 200, body = TransferDto),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the platform's client (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request (`TRANSFER_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/transfer-out-requests/{request_no}")]
pub async fn get_platform_transfer_out_request(
    state: web::Data<AppState>,
    _platform: PlatformUser,
    path: web::Path<String>,
) -> Result<web::Json<TransferDto>, ApiError> {
    let (no, today) = (path.into_inner(), state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(use_case::platform_out(conn, &no, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Under `/platform`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_platform_transfer_requests)
        .service(create_platform_transfer_acceptance)
        .service(create_platform_transfer_answer)
        .service(create_platform_transfer_refusal)
        .service(create_platform_transfer_out_request)
        .service(get_platform_transfer_out_request);
}

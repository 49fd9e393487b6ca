//! Certificates (参保证明, R-CERT-1…3): the unit issues, lists and reads its
//! own (portal); anyone verifies one by its authorisation code for three
//! months (public); the signing key's public half is published at
//! `/.well-known/qibao-certificate-key.pem`; staff walk a unit's
//! tamper-evident business record (audit verification).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use qibao_app::actor::AsActor as _;
use qibao_app::audit::{self, ChainReport};
use qibao_app::certificates::{
    self, CertificatePage, Issuer, PersonChoice, SignedCertificate, UnitCertificateInput,
};
use qibao_core::certificate::Span;
use qibao_core::ids::UnitNo;
use qibao_core::insurance::Insurance;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::documents;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// Where the public verification of a code is.
pub const VERIFY_PATH: &str = "/api/v1/public/certificates/";

/// A unit certificate to issue (单位参保证明).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitCertificateRequest {
    /// Insurance code (险种, AAE140): 110, 210 or 410.
    #[schema(example = "210")]
    pub insurance: String,
    /// 时间选择: 3, 6, 9, 12 or 24 months, ending with the latest accounted period.
    #[schema(example = 3)]
    pub span_months: u8,
    /// The persons to list (个人编号); omitted or empty: everyone with paid months in the span.
    #[schema(example = json!(["4205000000000001"]))]
    pub person_nos: Option<Vec<String>>,
}

/// A personal certificate to issue (个人参保缴费证明).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalCertificateRequest {
    /// 个人编号 of one of the unit's persons.
    #[schema(example = "4205000000000001")]
    pub person_no: String,
    /// 3, 6, 9, 12 or 24 months ending with the unit's latest accounted
    /// period; omitted: every month paid at this unit.
    #[schema(example = 12)]
    pub span_months: Option<u8>,
}

fn span(months: u8, errors: &mut Vec<FieldError>) -> Option<Span> {
    match Span::try_from(months) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(FieldError::new("span_months", e.to_string()));
            None
        }
    }
}

fn issuer_parts(state: &AppState) -> (qibao_app::certificates::CertificateSigner, String) {
    (
        state.config.certificate_key.clone(),
        format!("{}{VERIFY_PATH}", state.config.public_url),
    )
}

fn created(cert: &SignedCertificate) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/certificates/{}", cert.code),
        ))
        .json(cert)
}

/// 单位参保证明 — issue a unit certificate
///
/// Issues a unit certificate (单位参保证明, R-CERT-1): one insurance, a span
/// of 3/6/9/12/24 months ending with the unit's latest accounted period
/// (做账期号), all persons or the chosen ones; each person's paid-from /
/// paid-to months (实缴到账) inside the span, the unit's region, headcount
/// and whether it is in arrears. The content is frozen and signed (Ed25519
/// over its canonical JSON, R-CERT-3) and carries an authorisation code
/// that anyone can verify for three months (R-CERT-2).
#[utoipa::path(
    tag = "certificates",
    operation_id = "create_unit_certificate",
    security(("bearer" = [])),
    request_body = UnitCertificateRequest,
    responses(
        (status = 201, description = "Issued; `Location` names it.", body = SignedCertificate),
        (status = 400, description = "Malformed body, insurance or span (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent change could not be resolved (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The unit does not have the insurance (`INSURANCE_NOT_REGISTERED`), has no accounted period yet (`CERTIFICATE_NOT_ACCOUNTED`), nobody paid in the span (`CERTIFICATE_NO_PAID_MONTHS`), or a chosen person has no paid month of the insurance at this unit in the span (`CERTIFICATE_PERSON_UNKNOWN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/certificates/unit")]
pub async fn create_unit_certificate(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<UnitCertificateRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let insurance = match Insurance::from_code(body.insurance.trim()) {
        Ok(i) => Some(i),
        Err(_) => {
            errors.push(FieldError::new("insurance", "险种代码应为110、210或410"));
            None
        }
    };
    let span = span(body.span_months, &mut errors);
    let persons = match &body.person_nos {
        None => PersonChoice::All,
        Some(nos) if nos.iter().all(|n| n.trim().is_empty()) => PersonChoice::All,
        Some(nos) => {
            if nos.len() > 1000 {
                errors.push(FieldError::new("person_nos", "一次最多选择1000名人员"));
            }
            PersonChoice::Chosen(
                nos.iter()
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .collect(),
            )
        }
    };
    let (Some(insurance), Some(span), true) = (insurance, span, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let input = UnitCertificateInput {
        insurance,
        span,
        persons,
    };
    let (signer, verify_base) = issuer_parts(&state);
    let now = state.clock.now_utc();
    let cert = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        let issuer = Issuer {
            signer: &signer,
            verify_base: &verify_base,
        };
        Ok(certificates::issue_unit(
            conn,
            &who,
            user.unit_id,
            &input,
            issuer,
            now,
        )?)
    })
    .await?;
    Ok(created(&cert))
}

/// 个人参保缴费证明 — issue a personal certificate
///
/// Issues a personal certificate (个人参保缴费证明) for one of the unit's
/// persons: every insurance, month by month with base and amounts, the
/// months paid and allocated at this unit (in the span, or all). Frozen,
/// signed and verifiable like the unit certificate.
#[utoipa::path(
    tag = "certificates",
    operation_id = "create_personal_certificate",
    security(("bearer" = [])),
    request_body = PersonalCertificateRequest,
    responses(
        (status = 201, description = "Issued; `Location` names it.", body = SignedCertificate),
        (status = 400, description = "Malformed body or span (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent change could not be resolved (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The person has no paid month at this unit (`CERTIFICATE_PERSON_UNKNOWN`), none in the span (`CERTIFICATE_NO_PAID_MONTHS`), or the unit has no accounted period yet (`CERTIFICATE_NOT_ACCOUNTED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/certificates/personal")]
pub async fn create_personal_certificate(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<PersonalCertificateRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let person_no = body.person_no.trim().to_owned();
    if person_no.is_empty() || person_no.chars().count() > 30 {
        errors.push(FieldError::new("person_no", "请填写个人编号"));
    }
    let span = body.span_months.and_then(|m| span(m, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (signer, verify_base) = issuer_parts(&state);
    let now = state.clock.now_utc();
    let cert = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        let issuer = Issuer {
            signer: &signer,
            verify_base: &verify_base,
        };
        Ok(certificates::issue_personal(
            conn,
            &who,
            user.unit_id,
            &person_no,
            span,
            issuer,
            now,
        )?)
    })
    .await?;
    Ok(created(&cert))
}

/// 证明查询 — the unit's certificates
///
/// The unit's certificates, newest first, each as issued.
#[utoipa::path(
    tag = "certificates",
    operation_id = "list_certificates",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = CertificatePage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/certificates")]
pub async fn list_certificates(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<CertificatePage>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(certificates::list(
            conn,
            unit_id,
            page.page,
            page.page_size,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 证明详情 — one certificate
///
/// One of the unit's certificates by its authorisation code (spaces and
/// case ignored). Another unit's code is not found.
#[utoipa::path(
    tag = "certificates",
    operation_id = "get_certificate",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The authorisation code (授权码).", example = "20230815103012KRHSFG")),
    responses(
        (status = 200, body = SignedCertificate),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No certificate of this unit with the code (`CERTIFICATE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/certificates/{code}")]
pub async fn get_certificate(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<SignedCertificate>, ApiError> {
    let code = path.into_inner();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(certificates::get(conn, unit_id, &code)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 证明打印 — a certificate as PDF
///
/// One of the unit's certificates as printed (A4 PDF), from its frozen
/// content: the authorisation code, the verification address and its QR
/// code, and the print date.
#[utoipa::path(
    tag = "certificates",
    operation_id = "get_certificate_pdf",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The authorisation code (授权码).", example = "20230815103012KRHSFG")),
    responses(
        (status = 200, description = "The certificate as a PDF.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No certificate of this unit with the code (`CERTIFICATE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/certificates/{code}/pdf")]
pub async fn get_certificate_pdf(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let unit_id = user.unit_id;
    let (bytes, code) = run_db(&state, move |conn| {
        let cert = certificates::get(conn, unit_id, &code)?;
        Ok((documents::certificate(&cert)?, cert.code))
    })
    .await?;
    Ok(documents::pdf_response(
        bytes,
        &format!("certificate-{code}.pdf"),
    ))
}

/// 证明真伪核验 — verify a certificate
///
/// Public verification of a certificate (R-CERT-2): the content as issued
/// (never current data; ID numbers masked as on the paper), its Ed25519
/// signature and the key id; check it offline against
/// `/.well-known/qibao-certificate-key.pem` (the signature is over the
/// content's canonical JSON, RFC 8785). For three months after issue; 410
/// after. Unknown codes are 404; many failed lookups from one address are
/// slowed down (429 with `Retry-After`).
#[utoipa::path(
    tag = "public",
    operation_id = "verify_certificate",
    params(("code" = String, Path, description = "The authorisation code (授权码) as printed; spaces and case are ignored.", example = "2023 0815 1030 12KR HSFG")),
    responses(
        (status = 200, body = SignedCertificate),
        (status = 404, description = "No certificate with this code (`CERTIFICATE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 410, description = "Issued more than three months ago (`CERTIFICATE_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed lookups from this address (`CERTIFICATE_LOOKUP_THROTTLED`); `Retry-After` says when.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/certificates/{code}")]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<web::Json<SignedCertificate>, ApiError> {
    let code = path.into_inner();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        Ok(certificates::verify_public(conn, &code, &address, now)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 证明签名公钥 — the certificate signing key (PEM)
///
/// The agency's certificate signing key, public half (SPKI PEM): verify a
/// certificate's signature offline with it.
#[utoipa::path(
    tag = "public",
    operation_id = "get_certificate_key",
    responses(
        (status = 200, description = "The Ed25519 public key (PEM); `X-Key-Id` is the id certificates name.", body = String, content_type = "application/x-pem-file"),
    ),
)]
#[get("/.well-known/qibao-certificate-key.pem")]
pub async fn get_certificate_key(state: web::Data<AppState>) -> HttpResponse {
    let key = &state.config.certificate_key;
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .insert_header(("X-Key-Id", key.key_id().to_owned()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(key.public_key_pem())
}

/// 办件记录防篡改校验 — verify a unit's record chain
///
/// Walks the unit's tamper-evident business record: every business item
/// and each of its versions is a link of the unit's SHA-256 hash chain;
/// names the first item changed, removed or added by hand in the database.
#[utoipa::path(
    tag = "staff-units",
    operation_id = "get_unit_audit_verification",
    security(("bearer" = [])),
    params(("unit_no" = String, Path, description = "单位编号, 9 digits.", example = "100047500")),
    responses(
        (status = 200, description = "The walk's outcome; `intact` false names the first problem.", body = ChainReport),
        (status = 400, description = "Malformed unit number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such unit (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/units/{unit_no}/audit-verification")]
pub async fn get_unit_audit_verification(
    _user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ChainReport>, ApiError> {
    let unit_no =
        UnitNo::parse(&path).map_err(|e| ApiError::invalid_field("unit_no", e.to_string()))?;
    let out = run_db(&state, move |conn| Ok(audit::verify_unit(conn, &unit_no)?)).await?;
    Ok(web::Json(out))
}

pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(create_unit_certificate)
        .service(create_personal_certificate)
        .service(list_certificates)
        .service(get_certificate)
        .service(get_certificate_pdf);
}

pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(verify_certificate);
}

pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(get_unit_audit_verification);
}

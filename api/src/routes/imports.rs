//! HTTP for batch imports (导盘, R-IMP-1) and background jobs: template
//! downloads, the upload (multipart XLSX/CSV, or JSON rows from payroll
//! software), the import and its report (JSON, or the workbook with the
//! problems marked in red), the commit, and the jobs a front end polls for
//! a progress bar. The reading, the rules and the jobs are in
//! [`qibao_app::imports`] and [`qibao_app::jobs`].

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use qibao_app::error::ErrorCode;
use qibao_app::ids::{ImportId, JobId};
use qibao_app::imports::{
    self, ImportAccepted, ImportDto, ImportOptions, ImportPage, ImportReport, Limits, Source,
    TemplateKind, Upload,
};
use qibao_app::jobs::{self, JobDto, JobPage, job_path};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::export::XLSX;
use crate::http::extract::Query;
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// The largest file (and JSON body) an import reads (20 MiB).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// The limits of a file: [`MAX_IMPORT_BYTES`], 100,000 rows, 64 columns.
fn limits() -> Limits {
    Limits {
        max_bytes: MAX_IMPORT_BYTES,
        ..Limits::default()
    }
}

fn attachment(bytes: Vec<u8>, content_type: &str, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            })],
        })
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// 导入模板下载 — an import template
///
/// Downloads an import template (导入模板): XLSX with the Chinese headers,
/// the national field codes in a hidden second row, drop-down lists on the
/// closed sets, a 填写说明 sheet with an example row and the template's
/// version; or the CSV variant.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import_template",
    security(("bearer" = [])),
    params(
        ("kind" = String, Path, description = "enrolment (职工参保登记), suspension (职工停保), wage_declaration (缴费工资申报) or insurance_change (职工险种增减)."),
        TemplateQuery,
    ),
    responses(
        (status = 200, description = "The template file.", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "A bad `format` or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such template (`IMPORT_TEMPLATE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/import-templates/{kind}")]
pub async fn get_import_template(
    _user: UnitUser,
    path: web::Path<String>,
    query: Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = imports::kind_from_path(&path)?;
    let csv = match query.format.as_deref().map(str::trim) {
        None | Some("" | "xlsx") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid_field("format", "模板格式应为xlsx或csv")),
    };
    let (name, bytes) = web::block(move || imports::template(kind, csv))
        .await
        .map_err(ApiError::internal_cause)??;
    Ok(attachment(
        bytes,
        if csv { "text/csv; charset=utf-8" } else { XLSX },
        &name,
    ))
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// Required: enrolment, suspension, wage_declaration or insurance_change.
    #[schema(example = "enrolment")]
    pub kind: String,
    /// Required: the filled template, .xlsx or .csv, at most 20 MiB and
    /// 100,000 rows. Its type is decided from its content.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
    /// Wage-base declarations: the social-insurance year (社保年度).
    #[schema(example = 2023)]
    pub si_year: Option<i32>,
    /// Wage-base declarations: `true` (the unit confirms the 申报承诺书).
    pub commitment_confirmed: Option<bool>,
}

/// JSON rows from payroll software: the same columns as the template, by key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportJson {
    /// enrolment, suspension, wage_declaration or insurance_change.
    #[schema(example = "enrolment")]
    pub kind: String,
    /// One object per row, keyed by the template's column keys (see the
    /// template's 填写说明): values as text (numbers accepted where the
    /// column is a number; ID numbers only as text).
    #[schema(value_type = Vec<Object>, example = json!([{"id_number": "420500198001011235", "name": "张三", "phone": "13807171234", "first_work_date": "2005-07-01", "start_date": "2023-04-01", "monthly_wage": "5234.56"}]))]
    pub rows: Value,
    #[schema(example = 2023)]
    pub si_year: Option<i32>,
    pub commitment_confirmed: Option<bool>,
}

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => too_large(),
        other => {
            log::info!("bad multipart body: {other}");
            ApiError::new(ErrorCode::BadMultipart)
                .with_detail("上传内容不是有效的 multipart/form-data 格式，请检查后重试。")
        }
    }
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::ImportFileTooLarge).with_detail(format!(
        "导入文件不能超过{}MiB，请拆分后分批导入。",
        MAX_IMPORT_BYTES / 1024 / 1024
    ))
}

/// Reads a field up to `limit` bytes (more: too large).
async fn read_field(field: &mut Field, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

async fn read_body(payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut payload = payload;
    let mut buf = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            log::info!("import body: {e}");
            ApiError::new(ErrorCode::MalformedJson)
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn text(bytes: &[u8], field: &str) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec())
        .map(|s| s.trim().to_string())
        .map_err(|_| ApiError::invalid_field(field, "应为UTF-8文本"))
}

/// What an upload carried.
struct Received {
    kind: TemplateKind,
    options: ImportOptions,
    body: Body,
}

enum Body {
    File {
        bytes: Vec<u8>,
        file_name: Option<String>,
        content_type: Option<String>,
    },
    Json {
        rows: Value,
        raw: Vec<u8>,
    },
}

fn kind_field(s: &str) -> Result<TemplateKind, ApiError> {
    TemplateKind::parse(s.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            "kind",
            "导盘业务应为enrolment（职工参保登记）、suspension（职工停保）、wage_declaration（缴费工资申报）或insurance_change（职工险种增减）",
        )
    })
}

async fn receive(req: &HttpRequest, payload: web::Payload) -> Result<Received, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES + 64 * 1024) {
        return Err(too_large());
    }
    if content_type.starts_with("application/json") {
        let raw = read_body(payload, MAX_IMPORT_BYTES).await?;
        let body: ImportJson = serde_json::from_slice(&raw).map_err(|e| {
            ApiError::new(ErrorCode::MalformedJson)
                .with_detail(format!("请求体不是有效的导盘JSON：{e}"))
        })?;
        return Ok(Received {
            kind: kind_field(&body.kind)?,
            options: ImportOptions {
                si_year: body.si_year,
                commitment_confirmed: body.commitment_confirmed,
            },
            body: Body::Json {
                rows: body.rows,
                raw,
            },
        });
    }
    if !content_type.starts_with("multipart/form-data") {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType).with_detail(
            "请以 multipart/form-data 上传导入文件（字段 kind 和 file），或以 application/json 提交数据行。",
        ));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut kind = None;
    let mut file = None;
    let mut options = ImportOptions::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        match field.name().unwrap_or_default() {
            "file" => {
                if file.is_some() {
                    return Err(ApiError::invalid_field("file", "一次只能上传一个文件。"));
                }
                let file_name = field.content_disposition().and_then(|cd| {
                    cd.get_filename_ext()
                        .and_then(|e| String::from_utf8(e.value.clone()).ok())
                        .or_else(|| cd.get_filename().map(str::to_owned))
                });
                let declared_type = field.content_type().map(ToString::to_string);
                let bytes = read_field(&mut field, MAX_IMPORT_BYTES).await?;
                file = Some((bytes, file_name, declared_type));
            }
            "kind" => {
                kind = Some(kind_field(&text(
                    &read_field(&mut field, 100).await?,
                    "kind",
                )?)?)
            }
            "si_year" => {
                let t = text(&read_field(&mut field, 100).await?, "si_year")?;
                options.si_year = Some(t.parse().map_err(|_| {
                    ApiError::invalid_field("si_year", "社保年度应为四位年份，如 2022")
                })?);
            }
            "commitment_confirmed" => {
                let t = text(&read_field(&mut field, 100).await?, "commitment_confirmed")?;
                options.commitment_confirmed = Some(matches!(t.as_str(), "true" | "1" | "是"));
            }
            other => {
                return Err(ApiError::invalid_field(
                    other.to_string(),
                    "未知的表单字段；可用字段：kind、file、si_year、commitment_confirmed",
                ));
            }
        }
    }
    let kind =
        kind.ok_or_else(|| ApiError::invalid_field("kind", "缺少必填字段：请选择导盘业务。"))?;
    let Some((bytes, file_name, content_type)) = file else {
        return Err(ApiError::invalid_field(
            "file",
            "请选择要上传的文件（表单字段名为 file）。",
        ));
    };
    Ok(Received {
        kind,
        options,
        body: Body::File {
            bytes,
            file_name,
            content_type,
        },
    })
}

fn accepted(out: &ImportAccepted) -> HttpResponse {
    let mut res = if out.replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Accepted()
    };
    res.insert_header((header::LOCATION, job_path(JobId(out.job.id))));
    if out.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(out)
}

/// 批量导入 — upload an import
///
/// Uploads a batch import (导盘): a filled template (.xlsx or .csv, as
/// `multipart/form-data` with `kind` and `file`), or the same rows as JSON
/// from payroll software. A bad file is refused at once and nothing is
/// stored; otherwise the import is stored with its file's SHA-256 and its
/// validation runs as a job (`Location`: the job to poll).
#[utoipa::path(
    tag = "imports",
    operation_id = "create_import",
    security(("bearer" = [])),
    request_body(content(
        (ImportUpload = "multipart/form-data"),
        (ImportJson = "application/json"),
    )),
    responses(
        (status = 202, description = "Stored; its validation job is queued (`Location`: the job).", body = ImportAccepted),
        (status = 400, description = "A missing or bad `kind`, `file`, `si_year` (`VALIDATION_FAILED`), a malformed form (`BAD_MULTIPART`) or JSON (`MALFORMED_JSON`), `rows` not an array of objects (`IMPORT_BAD_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Over 20 MiB (`IMPORT_FILE_TOO_LARGE`) or over 100,000 rows (`IMPORT_TOO_MANY_ROWS`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Neither multipart nor JSON (`UNSUPPORTED_MEDIA_TYPE`); a name or declared type that contradicts the content (`IMPORT_TYPE_MISMATCH`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not a workbook or CSV (`IMPORT_NOT_A_WORKBOOK`), damaged (`IMPORT_TRUNCATED`), a zip bomb (`IMPORT_ZIP_BOMB`), macros (`IMPORT_MACRO_ENABLED`), a password (`IMPORT_ENCRYPTED`), an .xls (`IMPORT_LEGACY_XLS`), another or a hand-made template (`IMPORT_WRONG_TEMPLATE`), an old template version (`IMPORT_TEMPLATE_OUTDATED`), too many columns (`IMPORT_TOO_MANY_COLUMNS`), no data rows (`IMPORT_EMPTY`), a wage declaration without the commitment (`COMMITMENT_NOT_CONFIRMED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let received = receive(&req, payload).await?;
    // Read (a large file takes a while) without holding a connection.
    let file = web::block(move || {
        let source = match &received.body {
            Body::File {
                bytes,
                file_name,
                content_type,
            } => Source::File(Upload {
                bytes,
                file_name: file_name.as_deref(),
                content_type: content_type.as_deref(),
            }),
            Body::Json { rows, raw } => Source::Json { rows, raw },
        };
        imports::read(received.kind, &source, &received.options, &limits())
    })
    .await
    .map_err(ApiError::internal_cause)??;
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(imports::create(conn, &who, unit_id, &file, now)?)
    })
    .await?;
    state.jobs.wake();
    Ok(accepted(&out))
}

fn import_id(s: &str) -> Result<ImportId, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ImportId)
        .ok_or_else(|| ApiError::new(ErrorCode::ImportNotFound))
}

/// 导盘历史 — the unit's imports
///
/// The unit's imports (导盘历史), newest first: each with its file's
/// SHA-256, who and when, row and problem counts, state and the business
/// items its commit created.
#[utoipa::path(
    tag = "imports",
    operation_id = "list_imports",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = ImportPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ImportPage>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(imports::list(conn, unit_id, page.page, page.page_size)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 导盘详情 — one import
///
/// One of the unit's imports; another unit's is not found.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The import's id.")),
    responses(
        (status = 200, body = ImportDto),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such import of this unit (`IMPORT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<ImportDto>, ApiError> {
    let id = import_id(&path)?;
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| Ok(imports::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `json` (default) or `xlsx`: the uploaded rows with each problem
    /// marked in red and an error column (错误信息), to correct and upload again.
    pub format: Option<String>,
}

/// 校验报告 — an import's validation report
///
/// The validation report (校验报告): every problem as (sheet, row, column,
/// code, Chinese message), as JSON or as the uploaded workbook marked in red.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import_report",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The import's id."), ReportQuery),
    responses(
        (status = 200, description = "The report (JSON, or the marked workbook with `format=xlsx`).", body = ImportReport),
        (status = 400, description = "A bad `format` or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such import of this unit (`IMPORT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/imports/{id}/report")]
pub async fn get_import_report(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = import_id(&path)?;
    let xlsx = match query.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("xlsx") => true,
        Some(_) => return Err(ApiError::invalid_field("format", "报告格式应为json或xlsx")),
    };
    let unit_id = user.unit_id;
    if xlsx {
        let (name, bytes) = run_db(&state, move |conn| {
            Ok(imports::report_workbook(conn, unit_id, id)?)
        })
        .await?;
        return Ok(attachment(bytes, XLSX, &name));
    }
    let out = run_db(&state, move |conn| Ok(imports::report(conn, unit_id, id)?)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// 导盘提交 — commit an import
///
/// Commits a validated import (提交), all or nothing, as a job (`Location`:
/// the job). Committing a committed (or committing) import answers the
/// first commit (`Idempotent-Replayed: true`). A row that the unit's data
/// changed since the validation refuses the whole commit: the job fails
/// with `IMPORT_DATA_CHANGED`, the report names the rows.
#[utoipa::path(
    tag = "imports",
    operation_id = "create_import_commit",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The import's id.")),
    responses(
        (status = 202, description = "The commit job is queued (`Location`: the job).", body = ImportAccepted),
        (status = 200, description = "Committed or committing already: the first commit's job (`Idempotent-Replayed: true`).", body = ImportAccepted),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such import of this unit (`IMPORT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not validated without problems (`IMPORT_NOT_VALID`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/imports/{id}/commit")]
pub async fn create_import_commit(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = import_id(&path)?;
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(imports::commit(conn, &who, unit_id, id, now)?)
    })
    .await?;
    state.jobs.wake();
    Ok(accepted(&out))
}

/// 导盘撤销 — revoke an import
///
/// Revokes (撤销) every business item a committed import created, all or
/// nothing, as a job (`Location`: the job): each item as its own
/// revocation would (R-UNDO-1: not after a later change of the person, a
/// line billed or paid since…); one item that cannot be revoked refuses
/// the whole revocation (the job fails with `IMPORT_NOT_REVOCABLE`, naming
/// the person). Asking again answers the first revocation's job.
#[utoipa::path(
    tag = "imports",
    operation_id = "create_import_revocation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The import's id.")),
    responses(
        (status = 202, description = "The revocation job is queued (`Location`: the job).", body = ImportAccepted),
        (status = 200, description = "Revoked or revoking already: the first revocation's job (`Idempotent-Replayed: true`).", body = ImportAccepted),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such import of this unit (`IMPORT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not committed (`IMPORT_NOT_COMMITTED`); a wage-base declaration, corrected by declaring again (`IMPORT_NOT_REVOCABLE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/imports/{id}/revocation")]
pub async fn create_import_revocation(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = import_id(&path)?;
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(imports::revoke(conn, &who, unit_id, id, now)?)
    })
    .await?;
    state.jobs.wake();
    Ok(accepted(&out))
}

/// Queues an export as a job (a list asked with `format=csv|xlsx` and
/// `Prefer: respond-async`): 202 with the job; its file at
/// `/api/v1/portal/jobs/{id}/file` once it succeeded.
pub(crate) async fn export_job(
    state: &web::Data<AppState>,
    user: &UnitUser,
    input: Value,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let job = run_db(state, move |conn| {
        Ok(jobs::enqueue_export(conn, &who, unit_id, &input, now)?)
    })
    .await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, job_path(JobId(job.id))))
        .insert_header(("Preference-Applied", "respond-async"))
        .json(job))
}

/// 导出文件下载 — a job's file
///
/// The file an export job made (CSV or XLSX), once it succeeded.
#[utoipa::path(
    tag = "jobs",
    operation_id = "get_job_file",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job's id.")),
    responses(
        (status = 200, description = "The file.", content_type = "application/octet-stream"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such job of this unit, or no file (yet) (`JOB_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/jobs/{id}/file")]
pub async fn get_job_file(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = job_id(&path)?;
    let unit_id = user.unit_id;
    let (name, content_type, bytes) =
        run_db(&state, move |conn| Ok(jobs::file(conn, unit_id, id)?)).await?;
    Ok(attachment(bytes, &content_type, &name))
}

fn job_id(s: &str) -> Result<JobId, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(JobId)
        .ok_or_else(|| ApiError::new(ErrorCode::JobNotFound))
}

/// 后台任务详情 — one job and its progress
///
/// One of the unit's background jobs (后台任务): kind, state (queued,
/// running, succeeded, failed), progress (done of total), result or error.
/// Poll it to draw a progress bar.
#[utoipa::path(
    tag = "jobs",
    operation_id = "get_job",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job's id.")),
    responses(
        (status = 200, body = JobDto),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such job of this unit (`JOB_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/jobs/{id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<JobDto>, ApiError> {
    let id = job_id(&path)?;
    let unit_id = user.unit_id;
    let mut out = run_db(&state, move |conn| Ok(jobs::get(conn, unit_id, id)?)).await?;
    state.jobs.overlay(&mut out);
    Ok(web::Json(out))
}

/// 后台任务查询 — the unit's jobs
///
/// The unit's background jobs, newest first.
#[utoipa::path(
    tag = "jobs",
    operation_id = "list_jobs",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = JobPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<JobPage>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let mut out = run_db(&state, move |conn| {
        Ok(jobs::list(conn, unit_id, page.page, page.page_size)?)
    })
    .await?;
    for job in &mut out.items {
        state.jobs.overlay(job);
    }
    Ok(web::Json(out))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_import_template)
        .service(create_import)
        .service(list_imports)
        .service(get_import)
        .service(get_import_report)
        .service(create_import_commit)
        .service(create_import_revocation)
        .service(list_jobs)
        .service(get_job_file)
        .service(get_job);
}

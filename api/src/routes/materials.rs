//! Supporting materials (材料): a unit uploads PDF, JPEG or PNG files once
//! and cites them in requests that need review; reviewers read them.
//! Stored in the database, so every API instance serves them.
//!
//! HTTP only: the multipart form is read and the file's type decided here;
//! the use cases are in [`qibao_app::materials`].

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{
    self, CacheControl, CacheDirective, Charset, ContentDisposition, DispositionParam,
    DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use qibao_app::error::ErrorCode;
use qibao_app::ids::MaterialId;
use qibao_app::materials::{self, Content, Upload as Stored};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::Query;
use crate::http::paging::{self, PageInfo, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::review::material::{
    MAX_MATERIAL_BYTES, MaterialDto, MaterialType, clean_file_name, sha256_hex, too_large,
    unsupported_type,
};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// The most bytes of a request body read before giving up (the file limit
/// plus room for the other fields; a larger file is read to the end up to
/// this, so that the client receives the 413 answer).
const MAX_BODY_BYTES: usize = 4 * MAX_MATERIAL_BYTES;

/// The longest description kept, in characters.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MaterialUpload {
    /// The file: PDF, JPEG or PNG, at most 5 MiB. Its type is decided from
    /// its content, not from its name or declared type.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
    /// What the material is (营业执照副本…), up to 200 characters.
    pub description: Option<String>,
}

/// A page of materials.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialList {
    pub items: Vec<MaterialDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn bad_upload(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::BadMultipart).with_detail(detail.to_owned())
}

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => too_large(),
        other => {
            log::info!("bad multipart body: {other}");
            bad_upload("上传内容不是有效的 multipart/form-data 格式，请检查后重试。")
        }
    }
}

fn not_multipart() -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType)
        .with_detail("请以 multipart/form-data 方式上传材料，文件放在 file 字段中。")
}

/// Reads a field to its end. Keeps at most `keep` bytes; returns them and
/// whether the field was longer. `read` counts every byte of the body.
async fn read_field(
    field: &mut Field,
    keep: usize,
    read: &mut usize,
) -> Result<(Vec<u8>, bool), ApiError> {
    let mut buf = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        *read += chunk.len();
        if *read > MAX_BODY_BYTES {
            return Err(too_large());
        }
        if !over {
            if buf.len() + chunk.len() > keep {
                over = true;
                buf = Vec::new();
            } else {
                buf.extend_from_slice(&chunk);
            }
        }
    }
    Ok((buf, over))
}

fn file_name_of(field: &Field) -> Option<String> {
    let cd = field.content_disposition()?;
    if let Some(ext) = cd.get_filename_ext() {
        return String::from_utf8(ext.value.clone()).ok();
    }
    cd.get_filename().map(str::to_owned)
}

struct Upload {
    file_name: Option<String>,
    content: Vec<u8>,
    description: Option<String>,
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload, ApiError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !is_form {
        return Err(not_multipart());
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut read = 0usize;
    let mut file: Option<(Option<String>, Vec<u8>, bool)> = None;
    let mut description: Option<String> = None;
    let mut errors: Vec<&str> = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        match field.name().unwrap_or_default() {
            "file" => {
                let name = file_name_of(&field);
                let (content, over) = read_field(&mut field, MAX_MATERIAL_BYTES, &mut read).await?;
                if file.is_some() {
                    errors.push("一次只能上传一个文件。");
                }
                file = Some((name, content, over));
            }
            "description" => {
                let (text, over) = read_field(&mut field, 4 * 1024, &mut read).await?;
                match String::from_utf8(text) {
                    Ok(t) if !over && t.trim().chars().count() <= MAX_DESCRIPTION_CHARS => {
                        let t = t.trim();
                        description = (!t.is_empty()).then(|| t.to_owned());
                    }
                    Ok(_) => errors.push("材料说明不能超过200个字符。"),
                    Err(_) => errors.push("材料说明须为UTF-8文本。"),
                }
            }
            _ => {
                read_field(&mut field, 0, &mut read).await?;
            }
        }
    }
    if let Some(first) = errors.first() {
        return Err(ApiError::invalid_field(
            if first.contains("说明") {
                "description"
            } else {
                "file"
            },
            *first,
        ));
    }
    let Some((file_name, content, over)) = file else {
        return Err(ApiError::invalid_field(
            "file",
            "请选择要上传的文件（表单字段名为 file）。",
        ));
    };
    if over {
        return Err(too_large());
    }
    if content.is_empty() {
        return Err(
            ApiError::new(ErrorCode::EmptyMaterial).with_field_error("file", "文件内容为空。")
        );
    }
    Ok(Upload {
        file_name,
        content,
        description,
    })
}

/// 材料上传 — upload a material
///
/// Uploads a supporting material (PDF, JPEG or PNG, at most 5 MiB) for the
/// caller's unit. The type is decided from the file's content.
#[utoipa::path(
    tag = "materials",
    operation_id = "create_material",
    security(("bearer" = [])),
    request_body(content = MaterialUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; `Location` names it.", body = MaterialDto),
        (status = 400, description = "No `file` field or a bad description (`VALIDATION_FAILED`), an empty file (`EMPTY_MATERIAL`), or a malformed form (`BAD_MULTIPART`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The file is over 5 MiB (`MATERIAL_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not `multipart/form-data` (`UNSUPPORTED_MEDIA_TYPE`), or the content is not PDF, JPEG or PNG (`UNSUPPORTED_MATERIAL_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/materials")]
pub async fn create_material(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let upload = read_upload(&req, payload).await?;
    let kind = MaterialType::sniff(&upload.content).ok_or_else(unsupported_type)?;
    let now = state.clock.now_utc();
    let stored = Stored {
        media_type: kind.media_type().to_owned(),
        file_name: clean_file_name(upload.file_name.as_deref(), kind),
        sha256: sha256_hex(&upload.content),
        description: upload.description,
        content: upload.content,
    };
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let stored = run_db(&state, move |conn| {
        Ok(materials::upload(conn, &who, unit_id, stored, now)?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/materials/{}/content", stored.id),
        ))
        .json(stored))
}

/// 材料查询 — the unit's materials
///
/// The caller's unit's materials, newest first (without content).
#[utoipa::path(
    tag = "materials",
    operation_id = "list_materials",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = MaterialList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/materials")]
pub async fn list_materials(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<MaterialList>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        Ok(materials::list(conn, unit_id, page)?)
    })
    .await?;
    Ok(web::Json(MaterialList {
        items: list.items,
        page: PageInfo::new(page, list.total),
    }))
}

fn content_response(c: Content) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(c.media_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Inline,
            parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: c.file_name.into_bytes(),
            })],
        })
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(CacheControl(vec![CacheDirective::Private]))
        .insert_header((header::ETAG, format!("\"{}\"", c.sha256)))
        .body(c.bytes)
}

/// 材料下载 — a material's bytes
///
/// The bytes of one of the caller's unit's materials, with its media type.
#[utoipa::path(
    tag = "materials",
    operation_id = "get_material_content",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Material id.")),
    responses(
        (status = 200, description = "The file; `ETag` is its SHA-256.", content(("application/pdf"), ("image/jpeg"), ("image/png"))),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such material of this unit (`MATERIAL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/materials/{id}/content")]
pub async fn get_material_content(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = MaterialId(path.into_inner());
    let unit_id = user.unit_id;
    let content = run_db(&state, move |conn| {
        Ok(materials::content(conn, id, Some(unit_id))?)
    })
    .await?;
    Ok(content_response(content))
}

/// 审核材料查看 — a material's bytes
///
/// The bytes of any unit's material, for back-office staff (reviewers read
/// the materials of the requests they decide).
#[utoipa::path(
    tag = "staff-review",
    operation_id = "get_staff_material_content",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Material id.")),
    responses(
        (status = 200, description = "The file; `ETag` is its SHA-256.", content(("application/pdf"), ("image/jpeg"), ("image/png"))),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such material (`MATERIAL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/materials/{id}/content")]
pub async fn get_staff_material_content(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = MaterialId(path.into_inner());
    let content = run_db(&state, move |conn| Ok(materials::content(conn, id, None)?)).await?;
    Ok(content_response(content))
}

/// Under `/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(create_material)
        .service(list_materials)
        .service(get_material_content);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(get_staff_material_content);
}

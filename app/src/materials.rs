//! Supporting materials (材料): a unit uploads a PDF, JPEG or PNG file once
//! and cites it in requests that need review; reviewers read it. Stored in
//! the database, so every API instance serves them. What a file is (its
//! type, from its content) and its name are decided by the API when it
//! reads the upload.

use qibao_db::ids::{MaterialId, UnitId};
use qibao_db::review::{self as store, NewMaterial, PageReq};
use qibao_db::{DbConn, OptionalExt};
use time::PrimitiveDateTime;

use crate::actor::Actor;
use crate::error::{AppError, ErrorCode};
use crate::review::MaterialDto;
use crate::tx::{read_transaction, transaction};

/// An upload as the API read it.
#[derive(Debug, Clone)]
pub struct Upload {
    /// `application/pdf`, `image/jpeg` or `image/png`, from the content.
    pub media_type: String,
    /// The cleaned file name.
    pub file_name: String,
    /// SHA-256 of `content`, lower-case hex.
    pub sha256: String,
    pub description: Option<String>,
    pub content: Vec<u8>,
}

/// A page of a unit's materials, newest first, and how many it has in all.
#[derive(Debug, Clone)]
pub struct Materials {
    pub items: Vec<MaterialDto>,
    pub total: i64,
}

/// A material's bytes with what a download needs to describe them.
#[derive(Debug, Clone)]
pub struct Content {
    pub media_type: String,
    pub file_name: String,
    /// SHA-256 of `bytes`, lower-case hex (the download's `ETag`).
    pub sha256: String,
    pub bytes: Vec<u8>,
}

fn material_not_found() -> AppError {
    AppError::new(ErrorCode::MaterialNotFound)
}

/// Stores an upload for the unit.
pub fn upload(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    upload: Upload,
    now: PrimitiveDateTime,
) -> Result<MaterialDto, AppError> {
    let row = NewMaterial {
        unit_id,
        media_type: upload.media_type,
        file_name: upload.file_name,
        size_bytes: i64::try_from(upload.content.len()).map_err(AppError::internal_cause)?,
        sha256: upload.sha256,
        description: upload.description,
        content: upload.content,
        uploaded_by: who.name.clone(),
        created_at: now,
    };
    let stored = transaction(conn, |c| store::insert_material(c, &row))?;
    Ok(MaterialDto::from(stored))
}

/// A page of the unit's materials (without content), newest first.
pub fn list(conn: &mut DbConn, unit_id: UnitId, page: PageReq) -> Result<Materials, AppError> {
    let (rows, total) =
        read_transaction(conn, |c| store::list_materials_for_unit(c, unit_id, page))?;
    Ok(Materials {
        items: rows.into_iter().map(MaterialDto::from).collect(),
        total,
    })
}

/// The bytes of a material; `unit_id` limits it to one unit's (another
/// unit's material is 404, like a missing one).
pub fn content(
    conn: &mut DbConn,
    id: MaterialId,
    unit_id: Option<UnitId>,
) -> Result<Content, AppError> {
    let (meta, bytes) = read_transaction(conn, |c| store::get_material_content(c, id).optional())?
        .filter(|(m, _)| unit_id.is_none_or(|u| m.unit_id == u))
        .ok_or_else(material_not_found)?;
    Ok(Content {
        media_type: meta.media_type,
        file_name: meta.file_name,
        sha256: meta.sha256,
        bytes,
    })
}

//! Supporting materials (材料) as the API refuses an upload: too large (413)
//! or of a type not accepted (415). What is accepted and how a file's type
//! is decided are in [`qibao_app::review::material`].

pub use qibao_app::review::material::*;

use qibao_app::error::ErrorCode;

use crate::http::problem::ApiError;

/// 415 `UNSUPPORTED_MATERIAL_TYPE`.
pub fn unsupported_type() -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMaterialType)
}

/// 413 `MATERIAL_TOO_LARGE`.
pub fn too_large() -> ApiError {
    ApiError::new(ErrorCode::MaterialTooLarge).with_detail(format!(
        "材料文件过大：单个文件不能超过{}MB。",
        MAX_MATERIAL_BYTES / 1024 / 1024
    ))
}

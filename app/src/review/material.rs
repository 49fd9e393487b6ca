//! Supporting materials (材料): what is accepted, how a file's type is
//! decided, and linking materials to business items. (Refusing an upload
//! as too large or of the wrong type is the API's: 413 and 415.)
//!
//! The type is decided from the content's first bytes (its "magic"), never
//! from the file name or the content type the client declares: a PNG named
//! `x.pdf` is stored as `image/png`, a text file named `x.pdf` is refused.

use qibao_db::ids::MaterialId;
use sha2::{Digest, Sha256};

use crate::error::FieldError;

/// The largest material accepted: 5 MiB.
pub const MAX_MATERIAL_BYTES: usize = 5 * 1024 * 1024;

/// The most materials one request may cite.
pub const MAX_MATERIALS_PER_ITEM: usize = 20;

/// The longest file name kept, in characters.
const MAX_FILE_NAME_CHARS: usize = 120;

/// The accepted kinds of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialType {
    Pdf,
    Jpeg,
    Png,
}

impl MaterialType {
    /// Decides the type from the content's signature: `%PDF-`,
    /// `FF D8 FF` (JPEG) or `89 50 4E 47 0D 0A 1A 0A` (PNG).
    pub fn sniff(content: &[u8]) -> Option<MaterialType> {
        if content.starts_with(b"%PDF-") {
            Some(MaterialType::Pdf)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MaterialType::Jpeg)
        } else if content.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(MaterialType::Png)
        } else {
            None
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            MaterialType::Pdf => "application/pdf",
            MaterialType::Jpeg => "image/jpeg",
            MaterialType::Png => "image/png",
        }
    }

    fn default_name(self) -> &'static str {
        match self {
            MaterialType::Pdf => "材料.pdf",
            MaterialType::Jpeg => "材料.jpg",
            MaterialType::Png => "材料.png",
        }
    }
}

/// The file name as kept: the last path component, without control
/// characters, at most 120 characters; a default name when nothing is left.
pub fn clean_file_name(raw: Option<&str>, kind: MaterialType) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        kind.default_name().to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Lower-case hex SHA-256 of the content.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

pub use super::{MaterialDto, link_materials};

/// Checks `ids` (1–20 distinct, positive) as a request's field
/// `material_ids`; returns them without duplicates, in order.
pub fn check_material_ids(ids: &[i64]) -> Result<Vec<MaterialId>, FieldError> {
    if ids.is_empty() {
        return Err(FieldError::new(
            "material_ids",
            "请至少提供一份证明材料（先上传材料，再填写材料编号）。",
        ));
    }
    let mut out: Vec<MaterialId> = Vec::with_capacity(ids.len());
    for id in ids {
        if *id <= 0 {
            return Err(FieldError::new("material_ids", "材料编号应为正整数。"));
        }
        if !out.contains(&MaterialId(*id)) {
            out.push(MaterialId(*id));
        }
    }
    if out.len() > MAX_MATERIALS_PER_ITEM {
        return Err(FieldError::new(
            "material_ids",
            format!("一次最多引用{MAX_MATERIALS_PER_ITEM}份材料。"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(
            MaterialType::sniff(b"%PDF-1.7\n..."),
            Some(MaterialType::Pdf)
        );
        assert_eq!(
            MaterialType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(MaterialType::Jpeg)
        );
        assert_eq!(
            MaterialType::sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(MaterialType::Png)
        );
        // Truncated signatures, text, a near miss and nothing.
        assert_eq!(MaterialType::sniff(b"%PDF"), None);
        assert_eq!(MaterialType::sniff(&[0x89, b'P', b'N', b'G', 0x0D]), None);
        assert_eq!(MaterialType::sniff(b"hello, this is not a PDF"), None);
        assert_eq!(MaterialType::sniff(&[0xFF, 0xD8, 0x00]), None);
        assert_eq!(MaterialType::sniff(b""), None);
        assert_eq!(MaterialType::sniff(b" %PDF-1.4"), None);
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        let pdf = MaterialType::Pdf;
        assert_eq!(clean_file_name(Some("营业执照.pdf"), pdf), "营业执照.pdf");
        assert_eq!(
            clean_file_name(Some("C:\\Users\\x\\scan.pdf"), pdf),
            "scan.pdf"
        );
        assert_eq!(clean_file_name(Some("../../etc/passwd"), pdf), "passwd");
        assert_eq!(clean_file_name(Some("a\u{0}b\nc.png"), pdf), "abc.png");
        assert_eq!(clean_file_name(None, pdf), "材料.pdf");
        assert_eq!(clean_file_name(Some("dir/"), MaterialType::Png), "材料.png");
        assert_eq!(
            clean_file_name(Some(&"长".repeat(500)), pdf)
                .chars()
                .count(),
            120
        );
    }

    #[test]
    fn material_ids_are_checked_and_deduplicated() {
        assert_eq!(
            check_material_ids(&[3, 1, 3]).unwrap(),
            vec![MaterialId(3), MaterialId(1)]
        );
        assert!(check_material_ids(&[]).is_err());
        assert!(check_material_ids(&[0]).is_err());
        assert!(check_material_ids(&(1..=21).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

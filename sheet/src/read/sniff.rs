//! What the upload is: by its content first, then checked against what its
//! name and content type claim.

use std::borrow::Cow;

use crate::refusal::Refusal;

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// A zip archive (`PK\x03\x04`): an XLSX.
    Zip,
    /// An OLE compound file: an encrypted XLSX or a legacy .xls.
    Cfb,
    /// Text without control characters (CSV, or JSON when declared so).
    Text,
    Other,
}

/// What a file name or content type says the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    Xlsx,
    Xls,
    Csv,
    Json,
    Macro,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declared {
    pub kind: Claim,
    /// For the message, e.g. `扩展名为.csv`.
    pub said: String,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What the bytes are, with the decoded text for text.
pub(crate) fn sniff(bytes: &[u8]) -> (Content, Option<Cow<'_, str>>) {
    if bytes.starts_with(ZIP_MAGIC) {
        (Content::Zip, None)
    } else if bytes.starts_with(CFB_MAGIC) {
        (Content::Cfb, None)
    } else {
        match decode_text(bytes) {
            Some(text) => (Content::Text, Some(text)),
            None => (Content::Other, None),
        }
    }
}

#[cfg(test)]
fn content(bytes: &[u8]) -> Content {
    sniff(bytes).0
}

/// An encrypted OOXML package is a compound file with the streams
/// `EncryptionInfo` and `EncryptedPackage` (names are UTF-16LE in the
/// directory; plain ASCII is accepted too).
pub(crate) fn is_encrypted_package(bytes: &[u8]) -> bool {
    ["EncryptedPackage", "EncryptionInfo"].iter().any(|name| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        contains(bytes, name.as_bytes()) || contains(bytes, &utf16)
    })
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 (BOM optional), else GB18030/GBK as Excel on Chinese Windows saves
/// CSV. `None` when neither decodes, or the text has control characters
/// other than tab, CR and LF.
pub(crate) fn decode_text(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text: Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.strip_prefix('\u{FEFF}').unwrap_or(s)),
        Err(_) => {
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)?
        }
    };
    let clean = !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\u{1A}'));
    clean.then_some(text)
}

/// What the file name's extension and the content type claim.
pub(crate) fn declared(upload: &super::Upload<'_>) -> Vec<Declared> {
    let mut out = Vec::new();
    if let Some(name) = upload.file_name
        && let Some((_, ext)) = name.trim().rsplit_once('.')
    {
        let ext = ext.to_ascii_lowercase();
        let kind = match ext.as_str() {
            "xlsx" | "xltx" => Some(Claim::Xlsx),
            "xlsm" | "xltm" | "xlam" => Some(Claim::Macro),
            "xls" | "xlt" => Some(Claim::Xls),
            "csv" => Some(Claim::Csv),
            "json" => Some(Claim::Json),
            _ => None,
        };
        if let Some(kind) = kind {
            out.push(Declared {
                kind,
                said: format!("扩展名为.{ext}"),
            });
        }
    }
    if let Some(ct) = upload.content_type {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let kind = match mime.as_str() {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.template"
            | "application/zip"
            | "application/x-zip-compressed" => Some(Claim::Xlsx),
            "application/vnd.ms-excel.sheet.macroenabled.12"
            | "application/vnd.ms-excel.template.macroenabled.12"
            | "application/vnd.ms-excel.addin.macroenabled.12" => Some(Claim::Macro),
            "text/csv"
            | "application/csv"
            | "text/x-csv"
            | "application/x-csv"
            | "text/comma-separated-values" => Some(Claim::Csv),
            "application/json" | "text/json" => Some(Claim::Json),
            // application/vnd.ms-excel is sent by browsers on Windows for
            // .csv as well as .xls: it says nothing.
            _ => None,
        };
        if let Some(kind) = kind {
            out.push(Declared {
                kind,
                said: format!("声明的类型为{mime}"),
            });
        }
    }
    out
}

/// Refuses a claim that contradicts the content.
pub(crate) fn check_claims(declared: &[Declared], content: Content) -> Result<(), Refusal> {
    for d in declared {
        let contradicts = match content {
            Content::Zip => matches!(d.kind, Claim::Csv | Claim::Json | Claim::Xls),
            Content::Text => matches!(d.kind, Claim::Xlsx | Claim::Xls),
            Content::Cfb | Content::Other => false,
        };
        if contradicts {
            return Err(Refusal::TypeMismatch {
                declared: d.said.clone(),
                actual: match content {
                    Content::Zip => "Excel 工作簿（.xlsx）",
                    _ => "文本（CSV）",
                },
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::read::Upload;

    #[test]
    fn sniffs_content() {
        assert_eq!(content(b"PK\x03\x04rest"), Content::Zip);
        assert_eq!(content(CFB_MAGIC), Content::Cfb);
        assert_eq!(content("姓名,电话\r\n".as_bytes()), Content::Text);
        assert_eq!(content(b""), Content::Text);
        let (gbk, _, _) = encoding_rs::GBK.encode("个人编号,姓名\r\n");
        assert_eq!(content(&gbk), Content::Text);
        assert_eq!(decode_text(&gbk).unwrap(), "个人编号,姓名\r\n");
        assert_eq!(content(&[0, 1, 2, 3, 0xFF]), Content::Other);
        assert_eq!(content(b"\xEF\xBB\xBFa,b"), Content::Text);
    }

    #[test]
    fn claims() {
        let up = |name, ct| Upload {
            bytes: b"",
            file_name: name,
            content_type: ct,
        };
        let d = declared(&up(Some("x.CSV"), Some("text/csv; charset=utf-8")));
        assert_eq!(d.len(), 2);
        assert!(check_claims(&d, Content::Zip).is_err());
        assert!(check_claims(&d, Content::Text).is_ok());
        let d = declared(&up(Some("报表.xlsx"), Some("application/vnd.ms-excel")));
        assert_eq!(d.len(), 1);
        assert!(check_claims(&d, Content::Text).is_err());
        assert!(check_claims(&d, Content::Zip).is_ok());
        assert_eq!(declared(&up(Some("a.xlsm"), None))[0].kind, Claim::Macro);
        assert!(declared(&up(Some("noext"), Some("application/octet-stream"))).is_empty());
    }
}

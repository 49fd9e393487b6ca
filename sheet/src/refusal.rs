//! Why a whole file is refused, with the stable code, the HTTP status the API
//! answers with and the Chinese message that tells the clerk what to do.

use thiserror::Error;

use crate::template::TemplateKind;

/// A file refused as a whole (nothing of it is imported).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("文件大小超过上限（{actual_mib} MB，最大 {max_mib} MB）；请把数据拆分为多个文件后分批导入", actual_mib = mib(*.actual), max_mib = mib(*.max))]
    TooLarge { actual: usize, max: usize },

    #[error("无法识别文件内容；请上传用系统模板填写的 .xlsx 文件，或 UTF-8/GBK 编码的 .csv 文件")]
    NotAWorkbook,

    #[error("文件不完整或已损坏（可能没有上传完整）；请在 Excel 中重新保存后再上传")]
    Truncated,

    #[error("文件解压后的体积异常，已拒绝；请用系统模板重新填写后上传")]
    ZipBomb,

    #[error("不接受启用宏的工作簿（.xlsm）；请在 Excel 中“另存为”“Excel 工作簿(*.xlsx)”后上传")]
    MacroEnabled,

    #[error(
        "文件设置了打开密码，系统无法读取；请在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新上传"
    )]
    Encrypted,

    #[error(
        "不支持 Excel 97-2003 格式（.xls）；请在 Excel 中“另存为”“Excel 工作簿(*.xlsx)”后上传，或下载新模板重新填写"
    )]
    LegacyXls,

    #[error("{reason}；{}", download_advice(*.expected))]
    WrongTemplate {
        expected: TemplateKind,
        reason: Mismatch,
    },

    #[error("模板版本已过期（文件为 v{found}，当前为 v{current}）；{}", download_advice(*.kind), current = .kind.version())]
    TemplateOutdated { kind: TemplateKind, found: u32 },

    #[error("数据行超过上限（最多 {max} 行）；请把数据拆分为多个文件后分批导入")]
    TooManyRows { max: usize },

    #[error("第{row}行的列数超过上限（最多 {max} 列）；请只在模板的列中填写数据")]
    TooManyColumns { max: usize, row: u32 },

    #[error(
        "文件类型与内容不符（{declared}，但内容是{actual}）；请直接上传用系统模板填写并保存的文件，不要修改扩展名"
    )]
    TypeMismatch {
        /// What the name or content type said, e.g. `扩展名为.csv`.
        declared: String,
        /// What the content is, e.g. `Excel 工作簿`.
        actual: &'static str,
    },

    #[error("文件中没有数据行；请从第3行起填写数据后再上传")]
    Empty,

    #[error("{0}")]
    BadJson(String),
}

/// What about the file shows it is not the expected template.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Mismatch {
    /// The marker names another template.
    #[error("上传的是《{}》，而本次办理的是《{}》", .found.title_zh(), .expected.title_zh())]
    OtherTemplate {
        found: TemplateKind,
        expected: TemplateKind,
    },
    /// No marker: a hand-made file or a template of another system.
    #[error("文件不是由系统提供的模板填写的，请使用系统提供的模板")]
    NotFromSystem,
    /// A marker with an unknown version (newer than this system knows).
    #[error("无法识别的模板版本 v{0}，请使用系统提供的模板")]
    UnknownVersion(u32),
    /// A header cell that is not the template's.
    #[error(
        "第1行第{column}列的表头应为“{expected}”，文件中为“{found}”（请勿增删、移动或改名模板的列）"
    )]
    UnexpectedHeader {
        column: String,
        found: String,
        expected: String,
    },
    /// A header right of the template's columns (other than the report's 错误信息).
    #[error("第1行第{column}列的表头“{found}”不是模板的列（请勿增加列；备注请另行记录）")]
    ExtraHeader { column: String, found: String },
    /// A header cell missing.
    #[error("第1行缺少表头“{expected}”（应在第{column}列；请勿增删、移动或改名模板的列）")]
    MissingHeader { column: String, expected: String },
    /// The hidden field-code row (row 2) was changed or overwritten.
    #[error("第2行（隐藏的字段代码行）第{column}列被改动，数据应从第3行起填写")]
    CodeRowChanged { column: String },
}

fn mib(bytes: usize) -> String {
    let tenths = bytes.saturating_mul(10) / (1024 * 1024);
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

fn download_advice(kind: TemplateKind) -> String {
    format!(
        "请在“批量导入”中下载《{}》(v{}) 后重新填写",
        kind.title_zh(),
        kind.version()
    )
}

impl Refusal {
    /// The stable machine code (`IMPORT_…`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::TooLarge { .. } => "IMPORT_FILE_TOO_LARGE",
            Refusal::NotAWorkbook => "IMPORT_NOT_A_WORKBOOK",
            Refusal::Truncated => "IMPORT_TRUNCATED",
            Refusal::ZipBomb => "IMPORT_ZIP_BOMB",
            Refusal::MacroEnabled => "IMPORT_MACRO_ENABLED",
            Refusal::Encrypted => "IMPORT_ENCRYPTED",
            Refusal::LegacyXls => "IMPORT_LEGACY_XLS",
            Refusal::WrongTemplate { .. } => "IMPORT_WRONG_TEMPLATE",
            Refusal::TemplateOutdated { .. } => "IMPORT_TEMPLATE_OUTDATED",
            Refusal::TooManyRows { .. } => "IMPORT_TOO_MANY_ROWS",
            Refusal::TooManyColumns { .. } => "IMPORT_TOO_MANY_COLUMNS",
            Refusal::TypeMismatch { .. } => "IMPORT_TYPE_MISMATCH",
            Refusal::Empty => "IMPORT_EMPTY",
            Refusal::BadJson(_) => "IMPORT_BAD_JSON",
        }
    }

    /// The HTTP status: 413 too large / too many rows, 415 type mismatch,
    /// 400 bad JSON, 422 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::TooLarge { .. } | Refusal::TooManyRows { .. } => 413,
            Refusal::TypeMismatch { .. } => 415,
            Refusal::BadJson(_) => 400,
            _ => 422,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_tell_what_to_do() {
        let r = Refusal::WrongTemplate {
            expected: TemplateKind::Enrolment,
            reason: Mismatch::OtherTemplate {
                found: TemplateKind::Suspension,
                expected: TemplateKind::Enrolment,
            },
        };
        let m = r.to_string();
        assert!(m.contains("《职工停保导入模板》"), "{m}");
        assert!(
            m.contains("请在“批量导入”中下载《职工参保登记导入模板》(v1) 后重新填写"),
            "{m}"
        );
        assert_eq!(r.code(), "IMPORT_WRONG_TEMPLATE");
        assert_eq!(r.status(), 422);
        let r = Refusal::TemplateOutdated {
            kind: TemplateKind::Suspension,
            found: 0,
        };
        assert!(r.to_string().contains("v0"));
        assert!(r.to_string().contains("当前为 v1"));
        let r = Refusal::TooLarge {
            actual: 21 * 1024 * 1024,
            max: 20 * 1024 * 1024,
        };
        assert!(r.to_string().contains("最大 20 MB"), "{r}");
        assert_eq!(r.status(), 413);
        assert_eq!(Refusal::TooManyRows { max: 1 }.status(), 413);
        assert_eq!(
            Refusal::TypeMismatch {
                declared: "扩展名为.csv".into(),
                actual: "Excel 工作簿"
            }
            .status(),
            415
        );
        assert_eq!(Refusal::BadJson("x".into()).status(), 400);
        assert_eq!(
            Refusal::Empty.to_string(),
            "文件中没有数据行；请从第3行起填写数据后再上传"
        );
    }
}

//! The import templates: which columns each kind has, in which order, with
//! which national field code, kind of cell and closed set of choices.
//!
//! The column order is the file layout: column A is `columns()[0]`. A change
//! of columns, headers or choices is a new template version (`version()`),
//! and files made from an older version are refused with a clear message
//! (R-IMP-1: only templates the system provides are accepted).

use serde::Serialize;

/// The kinds of batch import (导盘) a unit can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// 职工参保登记(续保)
    Enrolment,
    /// 职工停保
    Suspension,
    /// 缴费工资申报
    WageDeclaration,
    /// 职工险种增减
    InsuranceChange,
}

/// One column of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Field name used by the application.
    pub key: &'static str,
    /// Header shown in row 1.
    pub header_zh: &'static str,
    /// National field code (AAC002 …); empty where the core platform has none.
    pub code: &'static str,
    pub required: bool,
    pub cell: CellKind,
    /// Closed set of values (empty = free text); shown as a drop-down of labels.
    pub choices: &'static [Choice],
    /// Example value shown on the 填写说明 sheet (never on the data sheet).
    pub example: &'static str,
    /// Short fill-in guidance (header note and 填写说明 sheet).
    pub note_zh: &'static str,
}

/// One value of a closed set: what the application receives and what the clerk sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label_zh: &'static str,
}

/// How a cell is read and normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Free text, whitespace collapsed.
    Text,
    /// An identity document number: never a spreadsheet number.
    IdNumber,
    /// 个人编号: digits.
    PersonNo,
    /// A calendar date, output `YYYY-MM-DD`.
    Date,
    /// Yuan, at most two decimals, output canonical decimal text.
    Money,
    /// A whole number.
    Integer,
    /// One of the column's choices, output its value.
    Choice,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 4] = [
        TemplateKind::Enrolment,
        TemplateKind::Suspension,
        TemplateKind::WageDeclaration,
        TemplateKind::InsuranceChange,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TemplateKind::Enrolment => "enrolment",
            TemplateKind::Suspension => "suspension",
            TemplateKind::WageDeclaration => "wage_declaration",
            TemplateKind::InsuranceChange => "insurance_change",
        }
    }

    pub fn parse(s: &str) -> Option<TemplateKind> {
        let s = s.trim();
        TemplateKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TemplateKind::Enrolment => "职工参保登记(续保)",
            TemplateKind::Suspension => "职工停保",
            TemplateKind::WageDeclaration => "缴费工资申报",
            TemplateKind::InsuranceChange => "职工险种增减",
        }
    }

    /// The template's title as the clerk sees it in the download list and in
    /// messages, e.g. 职工参保登记导入模板.
    pub fn title_zh(self) -> &'static str {
        match self {
            TemplateKind::Enrolment => "职工参保登记导入模板",
            TemplateKind::Suspension => "职工停保导入模板",
            TemplateKind::WageDeclaration => "缴费工资申报导入模板",
            TemplateKind::InsuranceChange => "职工险种增减导入模板",
        }
    }

    /// The current template version. Files of a lower version are refused
    /// (`Refusal::TemplateOutdated`).
    pub fn version(self) -> u32 {
        match self {
            TemplateKind::Enrolment
            | TemplateKind::Suspension
            | TemplateKind::WageDeclaration
            | TemplateKind::InsuranceChange => 1,
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            TemplateKind::Enrolment => ENROLMENT,
            TemplateKind::Suspension => SUSPENSION,
            TemplateKind::WageDeclaration => WAGE_DECLARATION,
            TemplateKind::InsuranceChange => INSURANCE_CHANGE,
        }
    }

    /// The download name, e.g. `职工参保登记导入模板-v1.xlsx` for `"xlsx"`
    /// (a leading dot in `ext` is accepted).
    pub fn file_name(self, ext: &str) -> String {
        let ext = ext.trim_start_matches('.');
        format!("{}-v{}.{}", self.title_zh(), self.version(), ext)
    }

    /// The column with this key, if the template has it.
    pub fn column(self, key: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.key == key)
    }

    /// The 0-based position of the column with this key.
    pub fn column_index(self, key: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.key == key)
    }
}

impl std::fmt::Display for TemplateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Column {
    /// True for the 是/否 columns (which also accept Y/N, 1/0, √ …).
    pub fn is_yes_no(&self) -> bool {
        self.cell == CellKind::Choice
            && self.choices.len() == 2
            && self.choices[0].value == "yes"
            && self.choices[1].value == "no"
    }

    /// The inclusive range a whole-number column accepts, if it has one.
    pub fn integer_range(&self) -> Option<(u64, u64)> {
        match (self.cell, self.key) {
            (CellKind::Integer, "months_paid") => Some((1, 12)),
            _ => None,
        }
    }
}

/// The yes/no closed set of the per-insurance columns.
pub const YES_NO: &[Choice] = &[
    Choice {
        value: "yes",
        label_zh: "是",
    },
    Choice {
        value: "no",
        label_zh: "否",
    },
];

const ID_TYPES: &[Choice] = &[
    Choice {
        value: "resident",
        label_zh: "居民身份证",
    },
    Choice {
        value: "passport",
        label_zh: "护照",
    },
    Choice {
        value: "residence_permit",
        label_zh: "外国人永久居留身份证",
    },
];

const GENDERS: &[Choice] = &[
    Choice {
        value: "M",
        label_zh: "男",
    },
    Choice {
        value: "F",
        label_zh: "女",
    },
];

const STOP_REASONS: &[Choice] = &[
    Choice {
        value: "解除劳动合同",
        label_zh: "解除劳动合同",
    },
    Choice {
        value: "终止劳动合同",
        label_zh: "终止劳动合同",
    },
    Choice {
        value: "调出本单位",
        label_zh: "调出本单位",
    },
    Choice {
        value: "退休",
        label_zh: "退休",
    },
    Choice {
        value: "死亡",
        label_zh: "死亡",
    },
    Choice {
        value: "其他",
        label_zh: "其他",
    },
];

const ACTIONS: &[Choice] = &[
    Choice {
        value: "add",
        label_zh: "增加",
    },
    Choice {
        value: "remove",
        label_zh: "减少",
    },
];

/// The insurances this system collects (codes and names as in
/// `qibao_core::insurance::Insurance::COLLECTED`).
const INSURANCES: &[Choice] = &[
    Choice {
        value: "110",
        label_zh: "企业职工基本养老保险",
    },
    Choice {
        value: "210",
        label_zh: "失业保险",
    },
    Choice {
        value: "410",
        label_zh: "工伤保险",
    },
];

const fn col(
    key: &'static str,
    header_zh: &'static str,
    code: &'static str,
    required: bool,
    cell: CellKind,
    example: &'static str,
    note_zh: &'static str,
) -> Column {
    Column {
        key,
        header_zh,
        code,
        required,
        cell,
        choices: &[],
        example,
        note_zh,
    }
}

const fn choice(
    key: &'static str,
    header_zh: &'static str,
    code: &'static str,
    required: bool,
    choices: &'static [Choice],
    example: &'static str,
    note_zh: &'static str,
) -> Column {
    Column {
        key,
        header_zh,
        code,
        required,
        cell: CellKind::Choice,
        choices,
        example,
        note_zh,
    }
}

const PERSON_NO: Column = col(
    "person_no",
    "个人编号",
    "AAC001",
    true,
    CellKind::PersonNo,
    "10003726255",
    "11位个人编号，可在“职工信息查询”中查到",
);

const NAME_CHECK: Column = col(
    "name",
    "姓名",
    "AAC003",
    true,
    CellKind::Text,
    "张三",
    "用于核对，须与个人编号对应的姓名一致",
);

const ENROLMENT: &[Column] = &[
    choice(
        "id_type",
        "证件类型",
        "AAC058",
        false,
        ID_TYPES,
        "居民身份证",
        "从下拉列表选择；不填视为居民身份证",
    ),
    col(
        "id_number",
        "社会保障号码(身份证号码)",
        "AAC002",
        true,
        CellKind::IdNumber,
        "420102199001011236",
        "18位身份证号码，末位x填大写X；本列已设为“文本”格式，请勿改为数字",
    ),
    col(
        "name",
        "姓名",
        "AAC003",
        true,
        CellKind::Text,
        "张三",
        "与证件上的姓名一致",
    ),
    choice(
        "gender",
        "性别",
        "AAC004",
        false,
        GENDERS,
        "男",
        "可不填，居民身份证可推出性别",
    ),
    col(
        "birth_date",
        "出生日期",
        "AAC006",
        false,
        CellKind::Date,
        "1990-01-01",
        "可不填，居民身份证可推出出生日期；格式如2023-04-01",
    ),
    col(
        "nationality",
        "国籍",
        "AAC161",
        false,
        CellKind::Text,
        "CHN",
        "三位字母国家代码，如CHN；外籍人员请填写",
    ),
    col(
        "phone",
        "联系电话",
        "AAE005",
        true,
        CellKind::Text,
        "13800138000",
        "手机号码或固定电话",
    ),
    col(
        "address",
        "居住地址",
        "AAE006",
        false,
        CellKind::Text,
        "武汉市武昌区中北路1号",
        "现居住地址",
    ),
    col(
        "first_work_date",
        "首次参工时间",
        "AAC007",
        false,
        CellKind::Date,
        "2015-07-01",
        "首次参加工作的日期；首次在本系统参保的人员必填",
    ),
    col(
        "start_date",
        "本次参工时间",
        "AAC030",
        true,
        CellKind::Date,
        "2024-03-01",
        "本次到本单位参加工作（参保）的日期，格式如2023-04-01",
    ),
    choice(
        "ins_110",
        "企业职工基本养老保险",
        "AAE140-110",
        false,
        YES_NO,
        "是",
        "填“是”或“否”；三个险种都不填表示参加本单位已登记的全部险种",
    ),
    choice(
        "ins_210",
        "失业保险",
        "AAE140-210",
        false,
        YES_NO,
        "是",
        "填“是”或“否”；三个险种都不填表示参加本单位已登记的全部险种",
    ),
    choice(
        "ins_410",
        "工伤保险",
        "AAE140-410",
        false,
        YES_NO,
        "是",
        "填“是”或“否”；三个险种都不填表示参加本单位已登记的全部险种",
    ),
    col(
        "monthly_wage",
        "申报月工资(元)",
        "AAC040",
        true,
        CellKind::Money,
        "6000.00",
        "税前应发月工资，单位元，最多两位小数",
    ),
];

const SUSPENSION: &[Column] = &[
    PERSON_NO,
    NAME_CHECK,
    col(
        "stop_date",
        "停保时间",
        "AAE031",
        true,
        CellKind::Date,
        "2024-06-30",
        "停止缴费的日期，格式如2023-04-01",
    ),
    choice(
        "reason",
        "停保原因",
        "AAC050",
        true,
        STOP_REASONS,
        "解除劳动合同",
        "从下拉列表选择",
    ),
    choice(
        "ins_110",
        "企业职工基本养老保险",
        "AAE140-110",
        false,
        YES_NO,
        "",
        "填“是”表示停该险种；三个险种都不填表示停该职工正在缴纳的全部险种",
    ),
    choice(
        "ins_210",
        "失业保险",
        "AAE140-210",
        false,
        YES_NO,
        "",
        "填“是”表示停该险种；三个险种都不填表示停该职工正在缴纳的全部险种",
    ),
    choice(
        "ins_410",
        "工伤保险",
        "AAE140-410",
        false,
        YES_NO,
        "",
        "填“是”表示停该险种；三个险种都不填表示停该职工正在缴纳的全部险种",
    ),
];

const WAGE_DECLARATION: &[Column] = &[
    PERSON_NO,
    NAME_CHECK,
    col(
        "previous_year_total_wages",
        "上年工资总额(元)",
        "AAC041",
        false,
        CellKind::Money,
        "72000.00",
        "上一年度实发工资总额，单位元；上年在本单位工作过的职工填写",
    ),
    col(
        "months_paid",
        "上年实发工资月数",
        "",
        false,
        CellKind::Integer,
        "12",
        "上一年度实际发放工资的月数，1至12的整数；与上年工资总额一起填写",
    ),
    col(
        "first_month_wage",
        "本年首月工资(元)(当年新参工人员填写)",
        "",
        false,
        CellKind::Money,
        "",
        "当年新参加工作的职工填写首月工资，单位元；其他职工不填",
    ),
];

const INSURANCE_CHANGE: &[Column] = &[
    PERSON_NO,
    NAME_CHECK,
    choice(
        "action",
        "增减标志",
        "",
        true,
        ACTIONS,
        "增加",
        "“增加”为该职工新增险种，“减少”为停该险种",
    ),
    choice(
        "insurance",
        "险种",
        "AAE140",
        true,
        INSURANCES,
        "失业保险",
        "从下拉列表选择险种",
    ),
    col(
        "start_date",
        "参保时间",
        "AAC030",
        false,
        CellKind::Date,
        "2024-03-01",
        "增加险种时填写，格式如2023-04-01",
    ),
    col(
        "monthly_wage",
        "申报月工资(元)",
        "AAC040",
        false,
        CellKind::Money,
        "6000.00",
        "增加险种时填写，单位元",
    ),
    col(
        "stop_date",
        "停保时间",
        "AAE031",
        false,
        CellKind::Date,
        "",
        "减少险种时填写，格式如2023-04-01",
    ),
    col(
        "reason",
        "减少原因",
        "AAC050",
        false,
        CellKind::Text,
        "",
        "减少险种时填写",
    ),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_round_trip_and_names() {
        for kind in TemplateKind::ALL {
            assert_eq!(TemplateKind::parse(kind.code()), Some(kind));
            assert_eq!(kind.version(), 1);
        }
        assert_eq!(TemplateKind::parse("nope"), None);
        assert_eq!(
            TemplateKind::Enrolment.file_name("xlsx"),
            "职工参保登记导入模板-v1.xlsx"
        );
        assert_eq!(
            TemplateKind::Suspension.file_name(".csv"),
            "职工停保导入模板-v1.csv"
        );
    }

    #[test]
    fn columns_are_well_formed() {
        for kind in TemplateKind::ALL {
            let mut keys = HashSet::new();
            let mut headers = HashSet::new();
            for c in kind.columns() {
                assert!(keys.insert(c.key), "{kind}: duplicate key {}", c.key);
                assert!(headers.insert(c.header_zh), "{kind}: duplicate header");
                assert_eq!(c.cell == CellKind::Choice, !c.choices.is_empty());
                assert!(!c.note_zh.is_empty());
                // Excel's data-validation list is limited to 255 characters.
                let list: usize = c.choices.iter().map(|ch| ch.label_zh.len() + 1).sum();
                assert!(list < 255);
            }
            assert!(kind.columns().len() <= 26);
        }
        assert_eq!(TemplateKind::Enrolment.columns().len(), 14);
        assert_eq!(TemplateKind::Suspension.columns().len(), 7);
        assert_eq!(TemplateKind::WageDeclaration.columns().len(), 5);
        assert_eq!(TemplateKind::InsuranceChange.columns().len(), 8);
    }
}

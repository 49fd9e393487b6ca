//! Parsers of body fields that several routes share: each adds its field
//! error (Chinese) to the request's list and returns the value if valid, so
//! a route reports every bad field at once.

use qibao_app::ids::MaterialId;
use qibao_core::ids::BankAccount;
use qibao_core::{Money, Period, Rate};
use time::Date;

use crate::http::problem::FieldError;
use crate::review::material::check_material_ids;
use crate::routes::employees::parse_person_no;

/// A required person number (个人编号, AAC001).
pub fn person_no(v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    match v.map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(
                "person_no",
                "缺少必填字段：请填写个人编号。",
            ));
            None
        }
        Some(s) => parse_person_no(s)
            .map_err(|_| errors.push(FieldError::new("person_no", "个人编号格式不正确。")))
            .ok(),
    }
}

/// Material ids (1–20); absent or empty is none (the use case says whether
/// it needs one).
pub fn material_ids(v: Option<&[i64]>, errors: &mut Vec<FieldError>) -> Vec<MaterialId> {
    match v {
        None | Some([]) => Vec::new(),
        Some(ids) => check_material_ids(ids)
            .map_err(|e| errors.push(e))
            .unwrap_or_default(),
    }
}

/// An optional date, `YYYY-MM-DD`.
pub fn date(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    let d = qibao_core::dates::parse_date(s);
    if d.is_none() {
        errors.push(FieldError::new(field, "日期格式应为YYYY-MM-DD。"));
    }
    d
}

/// A required date, `YYYY-MM-DD`.
pub fn required_date(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    if v.map(str::trim).is_none_or(str::is_empty) {
        errors.push(FieldError::new(field, "缺少必填字段。"));
        return None;
    }
    date(v, field, errors)
}

/// An optional month, `YYYYMM`.
pub fn month(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<Period> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    match Period::parse(s) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

/// A required month, `YYYYMM`.
pub fn required_month(
    v: Option<&str>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Period> {
    if v.map(str::trim).is_none_or(str::is_empty) {
        errors.push(FieldError::new(field, "缺少必填字段。"));
        return None;
    }
    month(v, field, errors)
}

/// A policy parameter's year, 1990–2999.
pub fn year(v: i32, field: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    if (1990..=2999).contains(&v) {
        Some(v)
    } else {
        errors.push(FieldError::new(field, "年度应在1990至2999之间。"));
        None
    }
}

/// A policy parameter's source (文件名称或文号), required, at most 200
/// characters.
pub fn source(v: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = v.trim();
    if s.is_empty() || s.chars().count() > 200 {
        errors.push(FieldError::new(
            "source",
            "请填写参数来源（文件名称或文号），不超过200个字符。",
        ));
        return None;
    }
    Some(s.to_owned())
}

/// The longest free text (a note, a place, a document reference) accepted,
/// in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// An optional free text, trimmed; blank is absent.
pub fn text(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    if s.chars().count() > MAX_TEXT_CHARS {
        errors.push(FieldError::new(
            field,
            format!("不能超过{MAX_TEXT_CHARS}个字符。"),
        ));
        return None;
    }
    Some(s.to_owned())
}

/// A required free text, trimmed.
pub fn required_text(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let out = text(v, field, errors);
    if out.is_none() && v.map(str::trim).is_none_or(str::is_empty) {
        errors.push(FieldError::new(field, "缺少必填字段。"));
    }
    out
}

/// A required amount in yuan, not negative.
pub fn money(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        errors.push(FieldError::new(field, "缺少必填字段。"));
        return None;
    };
    match Money::parse_non_negative(s) {
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

/// A required bank account number ([`BankAccount`]'s rule), as digits.
pub fn bank_account(v: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        errors.push(FieldError::new(field, "缺少必填字段。"));
        return None;
    };
    match BankAccount::parse(s) {
        Ok(a) => Some(a.as_str().to_owned()),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

/// A share as a decimal fraction in (0, 1] ("0.9" = 90%); the message
/// names it by `label` (计发比例).
pub fn fraction(v: &str, field: &str, label: &str, errors: &mut Vec<FieldError>) -> Option<Rate> {
    match Rate::parse(v.trim()) {
        Ok(r) if r > Rate::ZERO && r.ppm() <= 1_000_000 => Some(r),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label}应为0至1之间的小数，例如0.9表示90%。"),
            ));
            None
        }
    }
}

/// A region code, 6 digits.
pub fn region(v: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let r = v.trim();
    if r.len() == 6 && r.bytes().all(|b| b.is_ascii_digit()) {
        Some(r.to_owned())
    } else {
        errors.push(FieldError::new("region", "参保地代码应为6位数字。"));
        None
    }
}

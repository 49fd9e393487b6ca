//! Turning one cell, whatever the file said it was, into normalised text for
//! its column, or into a problem the clerk can fix.
//!
//! Every format (XLSX, CSV, JSON) first maps its cell to [`Raw`]; the rules
//! of each [`CellKind`] then live here once. Money never goes through
//! floating-point arithmetic: a float cell is formatted, and the digits are
//! checked.

use std::borrow::Cow;

use crate::template::{CellKind, Column};

/// Longest text a cell may hold (characters, after normalising).
pub const MAX_TEXT_CHARS: usize = 200;

/// A cell as the file gave it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw<'a> {
    Empty,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A spreadsheet date/time (a serial in a date-formatted cell).
    DateTime {
        y: u16,
        m: u8,
        d: u8,
        hh: u8,
        mm: u8,
        ss: u8,
        ms: u16,
    },
    /// A spreadsheet duration (`[hh]:mm` formats).
    Duration(f64),
    /// An error value such as `#N/A` (also the cached result of a failed formula).
    Error(String),
}

/// Why a cell was not accepted: a stable code and the Chinese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub code: &'static str,
    pub message: String,
}

impl Issue {
    fn new(code: &'static str, message: String) -> Issue {
        Issue { code, message }
    }
}

/// Converts one cell for its column: `Ok(None)` when it is empty.
pub(crate) fn convert(col: &Column, raw: Raw<'_>) -> Result<Option<String>, Issue> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Error(e) => Err(Issue::new(
            "CELL_ERROR",
            format!(
                "“{}”的单元格是错误值 {e}（通常是公式出错），请改为实际内容",
                col.header_zh
            ),
        )),
        Raw::Text(t) => {
            let s = normalise(&t);
            if s.is_empty() {
                return Ok(None);
            }
            let n = s.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(Issue::new(
                    "TEXT_TOO_LONG",
                    format!(
                        "“{}”超过{MAX_TEXT_CHARS}个字符（当前{n}个），请精简",
                        col.header_zh
                    ),
                ));
            }
            convert_text(col, &s).map(Some)
        }
        Raw::Int(i) => convert_number(col, Number::Int(i)).map(Some),
        Raw::Float(f) => convert_number(col, Number::Float(f)).map(Some),
        Raw::Bool(b) => convert_bool(col, b).map(Some),
        Raw::DateTime {
            y,
            m,
            d,
            hh,
            mm,
            ss,
            ms,
        } => convert_datetime(col, (y, m, d), (hh, mm, ss, ms)).map(Some),
        Raw::Duration(_) => Err(invalid(col, "时长")),
    }
}

// ---------------------------------------------------------------------------
// Normalising text
// ---------------------------------------------------------------------------

/// Full-width digits, letters and `－／．` to ASCII; U+3000 and every other
/// whitespace (NBSP, tabs, line breaks) collapsed to one space; zero-width
/// characters dropped; trimmed.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = fold_width(c);
        if is_zero_width(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// True when the text has nothing but whitespace and zero-width characters.
pub(crate) fn is_blank_text(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || is_zero_width(c))
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '－' | '／' | '．' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A header as compared with the template: normalised, without spaces and
/// without the `*` that marks a required column.
pub(crate) fn header_key(s: &str) -> String {
    normalise(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .collect()
}

// ---------------------------------------------------------------------------
// Text cells
// ---------------------------------------------------------------------------

fn convert_text(col: &Column, s: &str) -> Result<String, Issue> {
    match col.cell {
        CellKind::Text => Ok(s.to_string()),
        CellKind::IdNumber => id_number_text(col, s),
        CellKind::PersonNo => person_no_text(col, s),
        CellKind::Date => parse_date(s).ok_or_else(|| date_invalid(col, s)),
        CellKind::Money => money_text(col, s),
        CellKind::Integer => integer_text(col, s),
        CellKind::Choice => choice_text(col, s),
    }
}

fn id_number_text(col: &Column, s: &str) -> Result<String, Issue> {
    let s = without_spaces(s);
    let s = s.strip_prefix('\'').unwrap_or(&s).to_ascii_uppercase();
    if looks_like_e_notation(&s) {
        return Err(id_as_number(col, &s));
    }
    if s.len() == 18 && s.ends_with("000") && s.bytes().all(|b| b.is_ascii_digit()) {
        // Excel keeps 15 significant digits: an 18-digit number that went
        // through a numeric cell ends in 000. A real ID ending in 000 has
        // the check digit 0; one whose check digit does not fit was mangled.
        if !resident_check_ok(&s) {
            return Err(Issue::new(
                "ID_NUMBER_AS_NUMBER",
                format!(
                    "“{}”（{s}）末三位为000且校验位不符，疑似被Excel存成过数字，后几位已丢失；请将该列设置为“文本”格式后重新录入号码，不要直接改格式",
                    col.header_zh
                ),
            ));
        }
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Issue::new(
            "ID_NUMBER_INVALID",
            format!(
                "“{}”（{s}）只能包含数字和字母，请检查是否多填了符号",
                col.header_zh
            ),
        ));
    }
    Ok(s)
}

/// `4.20500198001012E+17`, `4.2E17`, `4.20501e+17`.
fn looks_like_e_notation(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let mantissa_ok = {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    mantissa_ok && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
}

/// GB 11643 check character of an 18-character resident ID.
fn resident_check_ok(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let mut sum = 0u32;
    for (i, w) in WEIGHTS.iter().enumerate() {
        let Some(d) = char::from(b[i]).to_digit(10) else {
            return false;
        };
        sum += d * w;
    }
    CHECK[(sum % 11) as usize] == b[17]
}

fn id_as_number(col: &Column, shown: &str) -> Issue {
    Issue::new(
        "ID_NUMBER_AS_NUMBER",
        format!(
            "“{}”被Excel存成了数字（{shown}），后几位已丢失；请将该列设置为“文本”格式后重新录入号码，不要直接改格式",
            col.header_zh
        ),
    )
}

fn person_no_text(col: &Column, s: &str) -> Result<String, Issue> {
    let s = without_spaces(s);
    let s = s.strip_prefix('\'').unwrap_or(&s);
    if s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(person_no_invalid(col, s))
    }
}

fn person_no_invalid(col: &Column, shown: &str) -> Issue {
    Issue::new(
        "PERSON_NO_INVALID",
        format!("“{}”（{shown}）只能是数字", col.header_zh),
    )
}

fn integer_text(col: &Column, s: &str) -> Result<String, Issue> {
    let s = without_spaces(s);
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(integer_invalid(col, &s));
    }
    let trimmed = s.trim_start_matches('0');
    let canonical = if trimmed.is_empty() { "0" } else { trimmed };
    check_integer_range(col, canonical)
}

fn check_integer_range(col: &Column, canonical: &str) -> Result<String, Issue> {
    if let Some((lo, hi)) = col.integer_range() {
        let v: u64 = canonical.parse().unwrap_or(u64::MAX);
        if v < lo || v > hi {
            return Err(Issue::new(
                "INTEGER_OUT_OF_RANGE",
                format!(
                    "“{}”应为{lo}至{hi}之间的整数（当前为{canonical}）",
                    col.header_zh
                ),
            ));
        }
    }
    Ok(canonical.to_string())
}

fn integer_invalid(col: &Column, shown: &str) -> Issue {
    Issue::new(
        "INTEGER_INVALID",
        format!("“{}”应为整数（当前为“{shown}”）", col.header_zh),
    )
}

fn choice_text(col: &Column, s: &str) -> Result<String, Issue> {
    let s = s.trim();
    for ch in col.choices {
        if ch.value.eq_ignore_ascii_case(s) || ch.label_zh.eq_ignore_ascii_case(s) {
            return Ok(ch.value.to_string());
        }
    }
    if col.is_yes_no() {
        let folded = s.to_ascii_lowercase();
        match folded.as_str() {
            "y" | "1" | "√" | "✓" | "✔" | "true" => return Ok("yes".into()),
            "n" | "0" | "×" | "✗" | "✘" | "false" => return Ok("no".into()),
            _ => {}
        }
    }
    Err(choice_invalid(col, s))
}

fn choice_invalid(col: &Column, shown: &str) -> Issue {
    let labels: Vec<&str> = col.choices.iter().map(|c| c.label_zh).collect();
    Issue::new(
        "CHOICE_INVALID",
        format!(
            "“{}”只能填写：{}（当前为“{shown}”）",
            col.header_zh,
            labels.join("、")
        ),
    )
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// The forms a date may be written in, for messages.
pub const DATE_FORMS_ZH: &str =
    "2023-04-01、2023/4/1、2023.4.1、20230401、2023年4月1日，或设置为日期格式的单元格";

fn date_invalid(col: &Column, shown: &str) -> Issue {
    Issue::new(
        "DATE_INVALID",
        format!(
            "“{}”不是有效日期（当前为“{shown}”）；请填写如 {DATE_FORMS_ZH}",
            col.header_zh
        ),
    )
}

/// Parses the accepted date forms into `YYYY-MM-DD`; a time part is accepted
/// only when it is midnight.
pub(crate) fn parse_date(s: &str) -> Option<String> {
    let s = s.replace('：', ":");
    let s = s.trim();
    let date_part = match s.find(':') {
        Some(colon) => {
            let head = &s[..colon];
            let sep = head.rfind([' ', 'T'])?;
            if !is_midnight(s[sep + 1..].trim()) {
                return None;
            }
            &s[..sep]
        }
        None => s,
    };
    let d = without_spaces(date_part);
    let (y, m, dd) = split_date(&d)?;
    valid_date(y, m, dd)
}

fn is_midnight(t: &str) -> bool {
    let (hms, frac) = match t.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let zeros =
        |p: &str, max: usize| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b == b'0');
    let parts: Vec<&str> = hms.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| zeros(p, 2))
        && frac.is_none_or(|f| zeros(f, 9))
}

fn split_date(d: &str) -> Option<(&str, &str, &str)> {
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        return Some((&d[0..4], &d[4..6], &d[6..8]));
    }
    if let Some((y, rest)) = d.split_once('年') {
        let (m, rest) = rest.split_once('月')?;
        let day = rest.strip_suffix('日').or_else(|| rest.strip_suffix('号'));
        let day = day.unwrap_or(rest);
        return Some((y, m, day));
    }
    for sep in ['-', '/', '.'] {
        let parts: Vec<&str> = d.split(sep).collect();
        if parts.len() == 3 {
            return Some((parts[0], parts[1], parts[2]));
        }
    }
    None
}

fn valid_date(y: &str, m: &str, d: &str) -> Option<String> {
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    let d: u8 = d.parse().ok()?;
    ymd(y, m, d)
}

fn ymd(y: i32, m: u8, d: u8) -> Option<String> {
    if !(1900..=2100).contains(&y) {
        return None;
    }
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

// ---------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------

/// Largest number of digits before the decimal point of an amount.
const MONEY_INT_DIGITS: usize = 12;

fn money_invalid(col: &Column, shown: &str, why: &str) -> Issue {
    Issue::new(
        "MONEY_INVALID",
        format!(
            "“{}”{why}（当前为“{shown}”）；请填写金额，单位元，最多两位小数，如 5234.56",
            col.header_zh
        ),
    )
}

fn money_text(col: &Column, s: &str) -> Result<String, Issue> {
    let t = without_spaces(s).replace(['，'], ",").replace('．', ".");
    let mut t = t.as_str();
    let negative = t.starts_with('-') || t.starts_with('−');
    if negative {
        t = t.trim_start_matches(['-', '−']);
    }
    t = t.trim_start_matches(['￥', '¥']);
    t = t.strip_suffix('元').unwrap_or(t);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let ok = (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(money_invalid(col, s, "不是有效金额"));
        }
        groups.concat()
    } else {
        int.to_string()
    };
    let has_point = t.contains('.');
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (has_point && frac.is_empty())
    {
        return Err(money_invalid(col, s, "不是有效金额"));
    }
    let canonical = canonical_money(&int, frac)
        .ok_or_else(|| money_invalid(col, s, "最多两位小数且不超过12位整数"))?;
    if negative && canonical != "0" {
        return Err(money_invalid(col, s, "不能为负数"));
    }
    Ok(canonical)
}

/// `int` and `frac` are ASCII digits; digits of `frac` past the second must
/// be zeros. Returns e.g. `5234.56`, `5234.5`, `6000`.
fn canonical_money(int: &str, frac: &str) -> Option<String> {
    if frac.len() > 2 && !frac[2..].bytes().all(|b| b == b'0') {
        return None;
    }
    let frac = &frac[..frac.len().min(2)];
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int.len() > MONEY_INT_DIGITS {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

/// An f64 cell as money: formatted, never computed with. Accepted only when
/// it is within 1e-6 of a two-decimal value (`{:.6}` shows zeros past the
/// second decimal).
fn money_float(col: &Column, f: f64) -> Result<String, Issue> {
    let shown = format_float(f);
    if !f.is_finite() {
        return Err(money_invalid(col, &shown, "不是有效金额"));
    }
    let s = format!("{f:.6}");
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let canonical = canonical_money(int, frac)
        .ok_or_else(|| money_invalid(col, &shown, "最多两位小数且不超过12位整数"))?;
    if negative && canonical != "0" {
        return Err(money_invalid(col, &shown, "不能为负数"));
    }
    Ok(canonical)
}

// ---------------------------------------------------------------------------
// Numbers, booleans and spreadsheet dates in cells
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Number {
    Int(i64),
    Float(f64),
}

/// The f64 as an i64 when it is a whole number that f64 holds exactly.
pub(crate) fn exact_int(f: f64) -> Option<i64> {
    if !f.is_finite() || f.abs() >= 9.007_199_254_740_992e15 {
        return None;
    }
    let t = f.trunc();
    (t.to_bits() == f.to_bits()).then_some(t as i64)
}

/// How a spreadsheet shows a number in a General cell: whole numbers up to
/// 11 digits in full, larger ones (or fractions) in E-notation with up to 15
/// significant digits, e.g. `4.20500198001012E+17`.
pub(crate) fn format_float(f: f64) -> String {
    if let Some(i) = exact_int(f) {
        if i.unsigned_abs() < 100_000_000_000 {
            return i.to_string();
        }
    } else if f.is_finite() && f.abs() < 1e11 {
        return f.to_string();
    }
    let s = format!("{f:.14E}");
    let Some((mantissa, exp)) = s.split_once('E') else {
        return s;
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}E{sign}{digits:0>2}")
}

fn number_text(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => match exact_int(f) {
            Some(i) => i.to_string(),
            None => f.to_string(),
        },
    }
}

fn convert_number(col: &Column, n: Number) -> Result<String, Issue> {
    let whole = match n {
        Number::Int(i) => Some(i),
        Number::Float(f) => exact_int(f),
    };
    match col.cell {
        CellKind::Text => Ok(number_text(n)),
        CellKind::IdNumber => {
            let shown = match n {
                Number::Int(i) if i.unsigned_abs() < 100_000_000_000 => i.to_string(),
                Number::Int(i) => format_float(i as f64),
                Number::Float(f) => format_float(f),
            };
            Err(id_as_number(col, &shown))
        }
        CellKind::PersonNo => match whole {
            Some(i) if i >= 0 => Ok(i.to_string()),
            _ => Err(person_no_invalid(col, &number_text(n))),
        },
        CellKind::Date => match whole {
            Some(i) if (10_000_000..100_000_000).contains(&i) => {
                parse_date(&i.to_string()).ok_or_else(|| date_invalid(col, &number_text(n)))
            }
            _ => Err(Issue::new(
                "DATE_INVALID",
                format!(
                    "“{}”是数字（{}）而不是日期；请填写如 {DATE_FORMS_ZH}",
                    col.header_zh,
                    number_text(n)
                ),
            )),
        },
        CellKind::Money => match n {
            Number::Int(i) if i >= 0 => canonical_money(&i.to_string(), "")
                .ok_or_else(|| money_invalid(col, &i.to_string(), "超过12位整数")),
            Number::Int(i) => Err(money_invalid(col, &i.to_string(), "不能为负数")),
            Number::Float(f) => money_float(col, f),
        },
        CellKind::Integer => match whole {
            Some(i) if i >= 0 => check_integer_range(col, &i.to_string()),
            _ => Err(integer_invalid(col, &number_text(n))),
        },
        CellKind::Choice => match whole {
            Some(i) => choice_text(col, &i.to_string()),
            None => Err(choice_invalid(col, &number_text(n))),
        },
    }
}

fn convert_bool(col: &Column, b: bool) -> Result<String, Issue> {
    let shown = if b { "TRUE" } else { "FALSE" };
    match col.cell {
        CellKind::Text => Ok(shown.to_string()),
        CellKind::Choice if col.is_yes_no() => Ok(if b { "yes" } else { "no" }.to_string()),
        CellKind::Choice => Err(choice_invalid(col, shown)),
        _ => Err(invalid(col, shown)),
    }
}

fn convert_datetime(
    col: &Column,
    (y, m, d): (u16, u8, u8),
    (hh, mm, ss, ms): (u8, u8, u8, u16),
) -> Result<String, Issue> {
    let midnight = hh == 0 && mm == 0 && ss == 0 && ms == 0;
    let date = ymd(i32::from(y), m, d);
    let shown = if midnight {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
    };
    match col.cell {
        CellKind::Date => match date {
            Some(date) if midnight => Ok(date),
            _ => Err(date_invalid(col, &shown)),
        },
        CellKind::Text => Ok(shown),
        _ => Err(invalid(col, &shown)),
    }
}

/// A value of the wrong type for the column (a date in a money column …).
fn invalid(col: &Column, shown: &str) -> Issue {
    match col.cell {
        CellKind::Text => Issue::new(
            "VALUE_INVALID",
            format!("“{}”的内容无法识别（{shown}）", col.header_zh),
        ),
        CellKind::IdNumber => Issue::new(
            "ID_NUMBER_INVALID",
            format!(
                "“{}”应为证件号码（当前为“{shown}”），请将该列设置为“文本”格式后重新录入",
                col.header_zh
            ),
        ),
        CellKind::PersonNo => person_no_invalid(col, shown),
        CellKind::Date => date_invalid(col, shown),
        CellKind::Money => money_invalid(col, shown, "不是有效金额"),
        CellKind::Integer => integer_invalid(col, shown),
        CellKind::Choice => choice_invalid(col, shown),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::template::TemplateKind;

    fn column(kind: TemplateKind, key: &str) -> &'static Column {
        kind.column(key).unwrap()
    }

    fn text(c: &Column, s: &str) -> Result<Option<String>, Issue> {
        convert(c, Raw::Text(Cow::Borrowed(s)))
    }

    fn ok(c: &Column, s: &str) -> String {
        text(c, s).unwrap().unwrap()
    }

    fn code(r: Result<Option<String>, Issue>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn normalise_folds_full_width_and_whitespace() {
        assert_eq!(normalise("  张\u{3000}\u{3000}三\t\n "), "张 三");
        assert_eq!(normalise("ＡＢｃ１２３－／．"), "ABc123-/.");
        assert_eq!(normalise("a\u{00A0}\u{00A0}b"), "a b");
        assert_eq!(normalise("\u{FEFF}x\u{200B}y"), "xy");
        assert_eq!(normalise("（武汉）"), "（武汉）");
        assert_eq!(header_key(" *姓 名 "), "姓名");
    }

    #[test]
    fn id_numbers() {
        let c = column(TemplateKind::Enrolment, "id_number");
        assert_eq!(ok(c, "４２０１０２ 19900101123x"), "42010219900101123X");
        assert_eq!(ok(c, "'420102199001011236"), "420102199001011236");
        assert_eq!(ok(c, "420102900101123"), "420102900101123");
        assert_eq!(code(text(c, "4.20500198001012E+17")), "ID_NUMBER_AS_NUMBER");
        assert_eq!(code(text(c, "4.20501e17")), "ID_NUMBER_AS_NUMBER");
        assert_eq!(code(text(c, "420500198001012000")), "ID_NUMBER_AS_NUMBER");
        // A real ID whose check digit is 0 and sequence ends in 00 is fine.
        assert_eq!(ok(c, "420500198001011230"), "420500198001011230");
        let e = convert(c, Raw::Float(4.205_001_980_010_12e17)).unwrap_err();
        assert_eq!(e.code, "ID_NUMBER_AS_NUMBER");
        assert!(e.message.contains("4.20500198001012E+17"), "{}", e.message);
        assert!(e.message.contains("社会保障号码(身份证号码)"));
        // Strict: any numeric cell, even a 15-digit whole number.
        let e = convert(c, Raw::Float(420_102_900_101_123.0)).unwrap_err();
        assert_eq!(e.code, "ID_NUMBER_AS_NUMBER");
        assert_eq!(
            convert(c, Raw::Int(420_102_900_101_123)).unwrap_err().code,
            "ID_NUMBER_AS_NUMBER"
        );
        assert_eq!(code(text(c, "4201#")), "ID_NUMBER_INVALID");
    }

    #[test]
    fn format_float_like_excel() {
        assert_eq!(
            format_float(4.205_001_980_010_12e17),
            "4.20500198001012E+17"
        );
        assert_eq!(format_float(4.2e17), "4.2E+17");
        assert_eq!(format_float(12345.0), "12345");
        assert_eq!(format_float(0.5), "0.5");
    }

    #[test]
    fn person_numbers() {
        let c = column(TemplateKind::Suspension, "person_no");
        assert_eq!(ok(c, " 1000 3726255 "), "10003726255");
        assert_eq!(
            convert(c, Raw::Float(10_003_726_255.0)).unwrap(),
            Some("10003726255".into())
        );
        assert_eq!(
            convert(c, Raw::Int(10_003_726_255)).unwrap(),
            Some("10003726255".into())
        );
        assert_eq!(code(text(c, "1000372625A")), "PERSON_NO_INVALID");
        assert_eq!(
            convert(c, Raw::Float(1.5)).unwrap_err().code,
            "PERSON_NO_INVALID"
        );
    }

    #[test]
    fn dates() {
        let c = column(TemplateKind::Enrolment, "start_date");
        for s in [
            "2023-04-01",
            "2023/4/1",
            "2023.4.1",
            "20230401",
            "2023年4月1日",
            "2023年04月01日",
            "２０２３－０４－０１",
            "2023-04-01 00:00:00",
            "2023/4/1 0:00",
            "2023-04-01T00:00:00",
            " 2023 - 4 - 1 ",
        ] {
            assert_eq!(ok(c, s), "2023-04-01", "{s}");
        }
        for s in [
            "2023-02-30",
            "2023-13-01",
            "2023-04-01 08:30",
            "2023-4",
            "April 1",
            "23-4-1",
            "2023-04/01",
            "1899-12-31",
        ] {
            let e = text(c, s).unwrap_err();
            assert_eq!(e.code, "DATE_INVALID", "{s}");
            assert!(e.message.contains("本次参工时间"));
            assert!(e.message.contains("20230401"));
        }
        let dt = |hh| Raw::DateTime {
            y: 2023,
            m: 4,
            d: 1,
            hh,
            mm: 0,
            ss: 0,
            ms: 0,
        };
        assert_eq!(convert(c, dt(0)).unwrap(), Some("2023-04-01".into()));
        assert_eq!(convert(c, dt(9)).unwrap_err().code, "DATE_INVALID");
        assert_eq!(
            convert(c, Raw::Float(20_230_401.0)).unwrap(),
            Some("2023-04-01".into())
        );
        assert_eq!(
            convert(c, Raw::Float(45017.0)).unwrap_err().code,
            "DATE_INVALID"
        );
        assert_eq!(
            convert(c, Raw::Duration(1.5)).unwrap_err().code,
            "DATE_INVALID"
        );
    }

    #[test]
    fn money() {
        let c = column(TemplateKind::Enrolment, "monthly_wage");
        for (s, want) in [
            ("5234.56", "5234.56"),
            ("6000", "6000"),
            ("6000.00", "6000"),
            ("6,000.50", "6000.5"),
            ("1，234，567.8", "1234567.8"),
            ("￥6000元", "6000"),
            ("¥ 6 000", "6000"),
            ("０６０００．１", "6000.1"),
            ("5234.5600", "5234.56"),
            ("0.5", "0.5"),
        ] {
            assert_eq!(ok(c, s), want, "{s}");
        }
        for s in [
            "-100", "5234.567", "abc", "6,00", "1.2.3", ".5", "6000.", "1e3", "12,34",
        ] {
            assert_eq!(code(text(c, s)), "MONEY_INVALID", "{s}");
        }
        let f = |v: f64| convert(c, Raw::Float(v));
        assert_eq!(f(5234.56).unwrap(), Some("5234.56".into()));
        assert_eq!(f(5_234.560_000_000_1).unwrap(), Some("5234.56".into()));
        assert_eq!(f(0.300_000_000_000_000_04).unwrap(), Some("0.3".into()));
        assert_eq!(f(6000.0).unwrap(), Some("6000".into()));
        assert_eq!(f(-0.0).unwrap(), Some("0".into()));
        assert_eq!(f(5234.567).unwrap_err().code, "MONEY_INVALID");
        assert_eq!(f(-1.0).unwrap_err().code, "MONEY_INVALID");
        assert_eq!(f(1e15).unwrap_err().code, "MONEY_INVALID");
        assert_eq!(f(f64::NAN).unwrap_err().code, "MONEY_INVALID");
        assert_eq!(
            convert(c, Raw::Int(6000)).unwrap(),
            Some("6000".to_string())
        );
        assert_eq!(convert(c, Raw::Int(-1)).unwrap_err().code, "MONEY_INVALID");
    }

    #[test]
    fn integers() {
        let c = column(TemplateKind::WageDeclaration, "months_paid");
        assert_eq!(ok(c, "12"), "12");
        assert_eq!(ok(c, "０３"), "3");
        assert_eq!(convert(c, Raw::Float(6.0)).unwrap(), Some("6".into()));
        assert_eq!(code(text(c, "6.5")), "INTEGER_INVALID");
        assert_eq!(
            convert(c, Raw::Float(6.5)).unwrap_err().code,
            "INTEGER_INVALID"
        );
        assert_eq!(code(text(c, "13")), "INTEGER_OUT_OF_RANGE");
        assert_eq!(code(text(c, "0")), "INTEGER_OUT_OF_RANGE");
    }

    #[test]
    fn choices() {
        let c = column(TemplateKind::Enrolment, "gender");
        assert_eq!(ok(c, "男"), "M");
        assert_eq!(ok(c, "f"), "F");
        let e = text(c, "未知").unwrap_err();
        assert_eq!(e.code, "CHOICE_INVALID");
        assert!(e.message.contains("男、女"), "{}", e.message);
        let yn = column(TemplateKind::Enrolment, "ins_110");
        for s in ["是", "Y", "y", "yes", "1", "√"] {
            assert_eq!(ok(yn, s), "yes", "{s}");
        }
        for s in ["否", "N", "no", "0"] {
            assert_eq!(ok(yn, s), "no", "{s}");
        }
        assert_eq!(convert(yn, Raw::Int(1)).unwrap(), Some("yes".into()));
        assert_eq!(convert(yn, Raw::Bool(false)).unwrap(), Some("no".into()));
        assert_eq!(code(text(yn, "也许")), "CHOICE_INVALID");
        let ins = column(TemplateKind::InsuranceChange, "insurance");
        assert_eq!(ok(ins, "失业保险"), "210");
        assert_eq!(convert(ins, Raw::Float(410.0)).unwrap(), Some("410".into()));
        let id_type = column(TemplateKind::Enrolment, "id_type");
        assert_eq!(ok(id_type, "RESIDENCE_PERMIT"), "residence_permit");
        assert_eq!(ok(id_type, "外国人永久居留身份证"), "residence_permit");
        let reason = column(TemplateKind::Suspension, "reason");
        assert_eq!(ok(reason, "退休"), "退休");
    }

    #[test]
    fn text_cells() {
        let c = column(TemplateKind::Enrolment, "phone");
        assert_eq!(
            convert(c, Raw::Float(13_800_138_000.0)).unwrap(),
            Some("13800138000".into())
        );
        let name = column(TemplateKind::Enrolment, "name");
        assert_eq!(text(name, " \u{3000} ").unwrap(), None);
        let long = "长".repeat(201);
        assert_eq!(code(text(name, &long)), "TEXT_TOO_LONG");
        assert!(text(name, &"长".repeat(200)).is_ok());
        let e = convert(name, Raw::Error("#N/A".into())).unwrap_err();
        assert_eq!(e.code, "CELL_ERROR");
        assert!(e.message.contains("#N/A"));
    }
}

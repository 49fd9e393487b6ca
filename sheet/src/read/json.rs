//! JSON rows from payroll software: an array of objects keyed by column key,
//! values string, number, bool or null. The same cell rules apply; an
//! identity-document number must be a string.

use std::borrow::Cow;

use serde_json::Value;

use super::{Builder, Format, Limits, Problem, Sheet};
use crate::cell::Raw;
use crate::refusal::Refusal;
use crate::template::{CellKind, TemplateKind};

/// Reads JSON rows for `kind`. Unknown keys are a problem on their row; an
/// empty array is refused (`Refusal::Empty`).
pub fn read_json(kind: TemplateKind, rows: &Value, limits: &Limits) -> Result<Sheet, Refusal> {
    read_json_value(kind, rows, limits, false)
}

pub(crate) fn read_json_value(
    kind: TemplateKind,
    rows: &Value,
    limits: &Limits,
    allow_empty: bool,
) -> Result<Sheet, Refusal> {
    let Some(items) = rows.as_array() else {
        return Err(Refusal::BadJson(
            "rows 应为对象数组（每个对象是一行，键为字段名）".into(),
        ));
    };
    let sheet_name = kind.label_zh().to_string();
    let mut builder = Builder::new(kind, Format::Json, sheet_name, limits);
    for (i, item) in items.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some(object) = item.as_object() else {
            return Err(Refusal::BadJson(format!(
                "rows 的第{number}项不是对象（应为 {{\"字段名\": 值}}）"
            )));
        };
        if object.len() > limits.max_columns {
            return Err(Refusal::TooManyColumns {
                max: limits.max_columns,
                row: number,
            });
        }
        let mut cells = Vec::with_capacity(object.len());
        let mut extra = Vec::new();
        for (key, value) in object {
            let problem = |code: &str, message: String| {
                Problem::new(
                    builder.sheet_name(),
                    number,
                    Some(key),
                    kind,
                    Format::Json,
                    code,
                    message,
                )
            };
            let Some((index, col)) = kind
                .columns()
                .iter()
                .enumerate()
                .find(|(_, c)| c.key == key.as_str())
            else {
                let mut p = problem(
                    "UNKNOWN_FIELD",
                    format!(
                        "未知字段“{key}”；《{}》的字段为：{}",
                        kind.title_zh(),
                        keys(kind)
                    ),
                );
                p.field = None;
                extra.push(p);
                continue;
            };
            let raw = match value {
                Value::Null => Raw::Empty,
                Value::String(s) => Raw::Text(Cow::Borrowed(s)),
                Value::Bool(b) => Raw::Bool(*b),
                Value::Number(n) if col.cell == CellKind::IdNumber => {
                    extra.push(problem(
                        "ID_NUMBER_AS_NUMBER",
                        format!(
                            "“{}”应以字符串传递（收到数字 {n}），数字会丢失位数或前导零",
                            col.header_zh
                        ),
                    ));
                    continue;
                }
                Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => Raw::Int(i),
                    (None, Some(f)) => Raw::Float(f),
                    (None, None) => Raw::Text(Cow::Owned(n.to_string())),
                },
                Value::Array(_) | Value::Object(_) => {
                    extra.push(problem(
                        "VALUE_INVALID",
                        format!("“{}”的值应为字符串、数字、布尔值或 null", col.header_zh),
                    ));
                    continue;
                }
            };
            cells.push((index, raw));
        }
        builder.push_row(number, cells, extra)?;
    }
    builder.finish(None, Vec::new(), allow_empty)
}

fn keys(kind: TemplateKind) -> String {
    kind.columns()
        .iter()
        .map(|c| c.key)
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_by_key() {
        let rows = json!([
            {"person_no": "10003726255", "name": "张三", "stop_date": "2024/6/30", "reason": "退休"},
            {"person_no": 10003726256u64, "name": null, "stop_date": "2024-02-30", "reason": "退休", "ins_110": true, "memo": "x"},
            {"person_no": null},
        ]);
        let s = read_json(TemplateKind::Suspension, &rows, &Limits::default()).unwrap();
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.template_version, None);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].number, 1);
        assert_eq!(s.rows[0].values["stop_date"], "2024-06-30");
        assert_eq!(s.rows[1].values["person_no"], "10003726256");
        assert_eq!(s.rows[1].values["ins_110"], "yes");
        let codes: Vec<(&str, Option<&str>, u32)> = s
            .problems
            .iter()
            .map(|p| (p.code.as_str(), p.column.as_deref(), p.row))
            .collect();
        assert!(codes.contains(&("REQUIRED", Some("name"), 2)), "{codes:?}");
        assert!(codes.contains(&("DATE_INVALID", Some("stop_date"), 2)));
        assert!(codes.contains(&("UNKNOWN_FIELD", Some("memo"), 2)));
    }

    #[test]
    fn refusals() {
        let l = Limits::default();
        let k = TemplateKind::Enrolment;
        assert_eq!(
            read_json(k, &json!({}), &l).unwrap_err().code(),
            "IMPORT_BAD_JSON"
        );
        assert_eq!(
            read_json(k, &json!([1]), &l).unwrap_err().code(),
            "IMPORT_BAD_JSON"
        );
        assert_eq!(
            read_json(k, &json!([]), &l).unwrap_err().code(),
            "IMPORT_EMPTY"
        );
        let small = Limits {
            max_rows: 1,
            ..Limits::default()
        };
        let two = json!([{"name": "a"}, {"name": "b"}]);
        assert_eq!(
            read_json(k, &two, &small).unwrap_err().code(),
            "IMPORT_TOO_MANY_ROWS"
        );
        let id = json!([{"id_number": 420102199001011236u64}]);
        let s = read_json(k, &id, &l).unwrap();
        assert!(s.problems.iter().any(|p| p.code == "ID_NUMBER_AS_NUMBER"));
        assert!(!s.rows[0].values.contains_key("id_number"));
    }
}

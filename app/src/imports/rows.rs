//! One import row → the request of the one-by-one use case, and the use
//! case's answer → the row's problems. The rows run through the very use
//! cases the endpoints call ([`crate::employees`], [`crate::wage_declarations`]),
//! so an import refuses exactly what the endpoints refuse, with the same
//! Chinese messages.

use std::collections::BTreeMap;

use qibao_core::insurance::Insurance;
use qibao_sheet::TemplateKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::employees::requests::{AddInsuranceRequest, EnrolmentRequest};
use crate::error::{AppError, FieldError};
use crate::wage_declarations::WagePersonRequest;

/// A row as stored: its number in the file and its normalised cells by
/// column key (non-empty only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRow {
    /// The spreadsheet row number the unit sees (or the 1-based index of a JSON row).
    pub n: u32,
    pub v: BTreeMap<String, String>,
}

impl StoredRow {
    pub fn get(&self, key: &str) -> Option<String> {
        self.v.get(key).cloned()
    }
}

/// The yes/no insurance columns of the templates, in column order.
pub const INSURANCE_COLUMNS: [(&str, Insurance); 3] = [
    ("ins_110", Insurance::Pension),
    ("ins_210", Insurance::Unemployment),
    ("ins_410", Insurance::WorkInjury),
];

/// The insurances a row marks "yes" (`None`: none marked, the default of
/// the use case), and whether any column says "no" only.
pub fn insurances_of(row: &StoredRow) -> Option<Vec<String>> {
    let marked: Vec<(&str, bool)> = INSURANCE_COLUMNS
        .iter()
        .filter_map(|(k, _)| row.v.get(*k).map(|v| (*k, v == "yes")))
        .collect();
    if marked.is_empty() {
        return None;
    }
    Some(
        INSURANCE_COLUMNS
            .iter()
            .filter(|(k, _)| marked.iter().any(|(m, yes)| m == k && *yes))
            .map(|(_, i)| i.code().to_string())
            .collect(),
    )
}

/// The enrolment request of a row (职工参保登记).
pub fn enrolment(row: &StoredRow) -> EnrolmentRequest {
    EnrolmentRequest {
        id_type: row.get("id_type"),
        id_number: row.get("id_number"),
        name: row.get("name"),
        gender: row.get("gender"),
        birth_date: row.get("birth_date"),
        nationality: row.get("nationality"),
        phone: row.get("phone"),
        address: row.get("address"),
        first_work_date: row.get("first_work_date"),
        start_date: row.get("start_date"),
        insurances: insurances_of(row),
        monthly_wage: row.get("monthly_wage").map(Value::String),
    }
}

/// The add-insurance request of an insurance-change row marked 增加.
pub fn add_insurance(row: &StoredRow) -> AddInsuranceRequest {
    AddInsuranceRequest {
        insurance: row.get("insurance"),
        start_date: row.get("start_date"),
        monthly_wage: row.get("monthly_wage").map(Value::String),
    }
}

/// The wage of one person in a wage-base declaration row: the previous
/// year's total (with its months), or a new hire's first month.
pub fn wage_person(row: &StoredRow) -> WagePersonRequest {
    WagePersonRequest {
        person_no: row.get("person_no"),
        previous_year_total_wages: row.get("previous_year_total_wages").map(Value::String),
        months_paid: row.get("months_paid").map(|m| {
            m.parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(m))
        }),
        first_month_wage: row.get("first_month_wage").map(Value::String),
        monthly_wage: None,
    }
}

/// The column key a use case's field names (`insurances[1]` → the first
/// yes/no column, `persons[3].person_no` → `person_no`); `None` when it
/// names no column of the template.
pub fn column_of(kind: TemplateKind, field: &str) -> Option<&'static str> {
    let base = field.rsplit('.').next().unwrap_or(field);
    let base = base.split('[').next().unwrap_or(base);
    let base = match (kind, base) {
        (TemplateKind::Enrolment, "insurances") => "ins_110",
        (TemplateKind::Suspension, "insurances") => "ins_110",
        (_, "monthly_wage") if kind == TemplateKind::WageDeclaration => "first_month_wage",
        (_, b) => b,
    };
    kind.columns().iter().find(|c| c.key == base).map(|c| c.key)
}

/// The index `i` of a field named `persons[i]…`.
pub fn person_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("persons[")?;
    rest.split(']').next()?.parse().ok()
}

/// A refusal of a row: one problem per field error (on its column), or
/// one for the row.
pub fn problems_of(
    kind: TemplateKind,
    e: &AppError,
) -> Vec<(Option<&'static str>, String, String)> {
    if e.errors().is_empty() {
        return vec![(None, e.code().as_str().to_string(), e.detail().to_string())];
    }
    field_problems(kind, e.code().as_str(), e.errors())
}

/// Field errors of a request as problems (column key, code, message).
pub fn field_problems(
    kind: TemplateKind,
    code: &str,
    errors: &[FieldError],
) -> Vec<(Option<&'static str>, String, String)> {
    errors
        .iter()
        .map(|f| {
            let col = column_of(kind, &f.field);
            let header = col
                .and_then(|k| kind.columns().iter().find(|c| c.key == k))
                .map(|c| c.header_zh);
            let message = match header {
                Some(h) if !f.message.contains(h) => format!("{h}：{}", f.message),
                _ => f.message.clone(),
            };
            (col, code.to_string(), message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> StoredRow {
        StoredRow {
            n: 3,
            v: cells
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    #[test]
    fn yes_no_columns_become_the_insurance_list() {
        assert_eq!(insurances_of(&row(&[])), None);
        assert_eq!(
            insurances_of(&row(&[
                ("ins_110", "yes"),
                ("ins_410", "yes"),
                ("ins_210", "no")
            ])),
            Some(vec!["110".to_string(), "410".to_string()])
        );
        assert_eq!(insurances_of(&row(&[("ins_210", "no")])), Some(vec![]));
    }

    #[test]
    fn fields_map_to_their_columns() {
        assert_eq!(
            column_of(TemplateKind::Enrolment, "start_date"),
            Some("start_date")
        );
        assert_eq!(
            column_of(TemplateKind::Enrolment, "insurances[1]"),
            Some("ins_110")
        );
        assert_eq!(
            column_of(TemplateKind::WageDeclaration, "persons[3].months_paid"),
            Some("months_paid")
        );
        assert_eq!(column_of(TemplateKind::Enrolment, "persons"), None);
        assert_eq!(person_index("persons[12].person_no"), Some(12));
        assert_eq!(person_index("name"), None);
    }
}

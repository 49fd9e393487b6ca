//! 待核实人员查询 / 一人多号查询 (R-EMP-8): the unit's persons whose ID is
//! registered under more than one person number, including 15- vs 18-digit
//! and x vs X spellings of the same ID. Never merged silently: staff decide.

use std::collections::BTreeSet;

use qibao_core::employment::id_spellings;
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::Person;
use qibao_db::{DbConn, employees as emp_db, repo};
use serde::Serialize;

use super::person_key;
use crate::error::AppError;

/// Another person number under the same ID.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtherNumber {
    pub person_no: String,
    pub name: String,
    /// The ID number as stored under that number.
    pub id_number: String,
    /// Whether that number pays anywhere now.
    pub paying: bool,
}

/// A person of the unit to verify (待核实人员): the same ID under several
/// person numbers (一人多号, R-EMP-8). Never merged silently: staff decide.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonToVerify {
    pub person_no: String,
    pub name: String,
    pub id_number: String,
    /// The normalised ID number (18 characters, upper-case X).
    pub id_key: String,
    #[cfg_attr(feature = "openapi", schema(example = "one_person_several_numbers"))]
    pub reason: String,
    pub message: String,
    pub other_numbers: Vec<OtherNumber>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonsToVerify {
    pub items: Vec<PersonToVerify>,
    pub total: usize,
}

/// The unit's persons to verify, by person number.
pub fn persons_to_verify(conn: &mut DbConn, unit_id: UnitId) -> Result<PersonsToVerify, AppError> {
    let relations = emp_db::employments_of_unit(conn, unit_id)?;
    let ids: Vec<PersonId> = relations
        .iter()
        .map(|e| e.person_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for p in emp_db::get_persons(conn, &ids)? {
        let key = person_key(&p);
        let others: Vec<Person> = emp_db::find_by_id_spellings(conn, &id_spellings(&key))?
            .into_iter()
            .filter(|o| o.id != p.id)
            .collect();
        if others.is_empty() {
            continue;
        }
        let other_ids: Vec<PersonId> = others.iter().map(|o| o.id).collect();
        let active = emp_db::employments_of_persons(conn, &other_ids)?;
        let numbers: Vec<String> = others.iter().map(|o| o.person_no.clone()).collect();
        out.push(PersonToVerify {
            message: format!(
                "证件号码{key}同时登记在个人编号{}和{}下（一人多号），请携带身份证件到经办机构核实合并",
                p.person_no,
                numbers.join("、")
            ),
            person_no: p.person_no.clone(),
            name: p.name.clone(),
            id_number: p.id_number.clone(),
            id_key: key,
            reason: "one_person_several_numbers".to_string(),
            other_numbers: others
                .iter()
                .map(|o| OtherNumber {
                    person_no: o.person_no.clone(),
                    name: o.name.clone(),
                    id_number: o.id_number.clone(),
                    paying: active
                        .iter()
                        .any(|e| e.person_id == o.id && e.status == repo::ACTIVE),
                })
                .collect(),
        });
    }
    out.sort_by(|a, b| a.person_no.cmp(&b.person_no));
    Ok(PersonsToVerify {
        total: out.len(),
        items: out,
    })
}

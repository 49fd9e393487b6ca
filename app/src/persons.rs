//! The person a unit names (R-UNIT-2 isolation): a live person number with
//! at least one relation with the unit, and every person number that
//! carries the same ID (one human, several numbers). Shared by the use
//! cases that act on one of the unit's employees.

use qibao_core::employment::{IdType, id_key, id_spellings};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::{Employment, Person};
use qibao_db::{DbConn, employees as emp_db};

use crate::error::{AppError, ErrorCode};

pub fn person_id_type(p: &Person) -> IdType {
    IdType::parse(&p.id_type).unwrap_or(IdType::Resident)
}

pub fn person_key(p: &Person) -> String {
    id_key(person_id_type(p), &p.id_number)
}

/// Ids of every live person number with the same ID as `p` (itself first).
pub fn same_person_ids(conn: &mut DbConn, p: &Person) -> Result<Vec<PersonId>, AppError> {
    let mut ids = vec![p.id];
    for other in emp_db::find_by_id_spellings(conn, &id_spellings(&person_key(p)))? {
        if !ids.contains(&other.id) {
            ids.push(other.id);
        }
    }
    Ok(ids)
}

pub fn person_not_found(person_no: &str) -> AppError {
    AppError::new(ErrorCode::PersonNotFound)
        .with_detail(format!("本单位没有个人编号为{person_no}的参保职工。"))
}

/// A person of the unit: a live person number with at least one relation
/// (any status) with the unit; another unit's person is 404 (isolation).
pub fn unit_person(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
) -> Result<(Person, Vec<Employment>), AppError> {
    let person =
        emp_db::find_by_person_no(conn, person_no)?.ok_or_else(|| person_not_found(person_no))?;
    let relations: Vec<Employment> = emp_db::employments_of_persons(conn, &[person.id])?
        .into_iter()
        .filter(|e| e.unit_id == unit_id)
        .collect();
    if relations.is_empty() {
        return Err(person_not_found(person_no));
    }
    Ok((person, relations))
}

//! 单位职工基本信息变更 (R-EMP-9): the unit changes an employee's general
//! information (phone, address, first-work date) online; key information is
//! refused by the API (counter only). One business item with the values
//! before and after. A former unit of a person who now pays at another
//! unit cannot change it (the current employer keeps the shared contact
//! data). The first-work date is checked by
//! `qibao_core::rules::check_first_work` (R-EMP-1).

use qibao_core::rules::check_first_work;
use qibao_db::ids::UnitId;
use qibao_db::{DbConn, employees as emp_db, repo};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::effects::GeneralFields;
use super::{DONE, KIND_INFO_CHANGE, PersonDto, active_relations, same_person_ids, unit_person};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction;

/// The general fields to change; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct GeneralChange {
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
}

/// Changes an employee's general information, in one transaction.
pub fn update_general(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    change: &GeneralChange,
    now: PrimitiveDateTime,
) -> Result<PersonDto, AppError> {
    let GeneralChange {
        phone,
        address,
        first_work_date: first_work,
    } = change;
    let first_work = *first_work;
    transaction(conn, |c| {
        let (p, relations) = unit_person(c, unit_id, person_no)?;
        // The shared contact data belongs to the current employer: a
        // former unit does not overwrite it while another unit pays.
        if !relations.iter().any(|e| e.status == repo::ACTIVE) {
            let same = same_person_ids(c, &p)?;
            if active_relations(c, &same)?
                .iter()
                .any(|(e, _)| e.unit_id != unit_id)
            {
                return Err(AppError::new(ErrorCode::NotCurrentEmployer));
            }
        }
        if let Some(fw) = first_work {
            let all = emp_db::employments_of_persons(c, &[p.id])?;
            let earliest = all.iter().map(|e| e.start_date).min();
            check_first_work(fw, None, Some(p.birth_date), earliest)
                .map_err(|e| AppError::invalid_field("first_work_date", e.to_string()))?;
        }
        let before = GeneralFields::of(&p);
        let after = GeneralFields {
            phone: phone.clone().or(before.phone.clone()),
            address: address.clone().or(before.address.clone()),
            first_work_date: first_work.or(before.first_work_date),
        };
        let updated = emp_db::update_general(
            c,
            p.id,
            &emp_db::PersonGeneralChange {
                phone: after.phone.clone(),
                address: after.address.clone(),
                first_work_date: after.first_work_date,
                updated_at: now,
            },
        )?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: KIND_INFO_CHANGE,
                status: DONE,
                before: Some(json!({ "person_no": p.person_no, "person": before })),
                after: Some(json!({ "person_no": p.person_no, "person": after })),
            },
            now,
        )?;
        Ok(PersonDto::of(&updated))
    })
}

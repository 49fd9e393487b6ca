//! What an employee action did (R-UNDO-1): every action records one
//! business item whose `after_json` holds `{"summary": …, "effects": …}`.
//! The effects (rows created and changed) are what a revocation undoes,
//! exactly, and what the business-items list reads the person from.

use qibao_db::ids::{AssessmentId, EmploymentId, PersonId};
use qibao_db::rows::{BusinessItem, Employment, Person};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;

use crate::error::AppError;

/// General fields of a person, as they were / became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralFields {
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
}

impl GeneralFields {
    pub fn of(p: &Person) -> GeneralFields {
        GeneralFields {
            phone: p.phone.clone(),
            address: p.address.clone(),
            first_work_date: p.first_work_date,
        }
    }
}

/// Status, stop date and reason of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationState {
    pub status: String,
    pub stop_date: Option<Date>,
    pub stop_reason: Option<String>,
    /// Why the employment ended (R-UNEMP-1); absent in items recorded
    /// before it was kept.
    #[serde(default)]
    pub end_reason: Option<String>,
}

impl RelationState {
    pub fn of(e: &Employment) -> RelationState {
        RelationState {
            status: e.status.clone(),
            stop_date: e.stop_date,
            stop_reason: e.stop_reason.clone(),
            end_reason: e.end_reason.clone(),
        }
    }

    /// The stop fields as the store sets them.
    pub fn stop_fields(&self) -> qibao_db::employees::StopFields<'_> {
        qibao_db::employees::StopFields {
            stop_date: self.stop_date,
            stop_reason: self.stop_reason.as_deref(),
            end_reason: self.end_reason.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationChange {
    pub employment_id: EmploymentId,
    pub before: RelationState,
    pub after: RelationState,
}

/// What an item did, so that revoking it can undo exactly that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    pub person_id: PersonId,
    pub person_no: String,
    #[serde(default)]
    pub person_created: bool,
    #[serde(default)]
    pub person_before: Option<GeneralFields>,
    #[serde(default)]
    pub person_after: Option<GeneralFields>,
    #[serde(default)]
    pub employments_created: Vec<EmploymentId>,
    #[serde(default)]
    pub employments_changed: Vec<RelationChange>,
    #[serde(default)]
    pub lines_created: Vec<AssessmentId>,
    #[serde(default)]
    pub lines_cancelled: Vec<AssessmentId>,
}

impl Effects {
    /// The effects of an item on `person` that created and changed nothing
    /// yet (the caller fills in what it did).
    pub fn of_person(person: &Person) -> Effects {
        Effects {
            person_id: person.id,
            person_no: person.person_no.clone(),
            person_created: false,
            person_before: None,
            person_after: None,
            employments_created: Vec::new(),
            employments_changed: Vec::new(),
            lines_created: Vec::new(),
            lines_cancelled: Vec::new(),
        }
    }

    pub fn of_item(item: &BusinessItem) -> Option<Effects> {
        let after: Value = serde_json::from_str(item.after_json.as_deref()?).ok()?;
        serde_json::from_value(after.get("effects")?.clone()).ok()
    }
}

pub(crate) fn after_json(summary: Value, effects: &Effects) -> Result<String, AppError> {
    let effects = serde_json::to_value(effects).map_err(AppError::internal_cause)?;
    Ok(json!({ "summary": summary, "effects": effects }).to_string())
}

//! Back-office work on persons: one person with every relation, status and
//! merge; key-information changes with a supporting document (R-EMP-9);
//! dated statuses that decide assessment (R-EMP-6, R-EMP-7); one person
//! under several numbers: the list and the audited merge decision
//! (R-EMP-8). Each action owns its transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use qibao_core::Period;
use qibao_core::employment::{
    IdType, LineStatus, PersonStatus, PersonStatusError, PersonStatusKind, accountability,
    check_new_status, id_key, id_spellings, parse_name,
};
use qibao_db::employees::{self as emp_db, NewPersonMerge, NewPersonStatus, PersonStatusRow};
use qibao_db::ids::{AssessmentId, PersonId, UnitId};
use qibao_db::rows::{Employment, Person};
use qibao_db::{DbConn, DbError, assessments as lines_db, repo};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::AsActor;
use crate::employees::fields::{identity_fields, nationality_field};
use crate::employees::{
    self as ops, DONE, KIND_KEY_CHANGE, KIND_MERGE, KIND_STATUS_ADDED, LineDto, PersonDto,
    RelationDto,
};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::items::{self, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// 404 `PERSON_NOT_FOUND`: no such live number.
fn staff_person_not_found(person_no: &str) -> AppError {
    AppError::new(ErrorCode::PersonNotFound).with_detail(format!(
        "没有个人编号为{person_no}的参保人员（或该编号已合并）。"
    ))
}

/// A live person number, for staff; 404 `PERSON_NOT_FOUND` otherwise.
pub(crate) fn live_person(conn: &mut DbConn, person_no: &str) -> Result<Person, AppError> {
    emp_db::find_by_person_no(conn, person_no)?.ok_or_else(|| staff_person_not_found(person_no))
}

/// A required text field, trimmed: missing, blank or longer than `max`
/// characters adds a field error.
pub fn required_field(
    v: &Option<String>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(s) if s.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字符")));
            None
        }
        Some(s) => Some(s.to_string()),
    }
}

/// The unit an item about a person belongs to: a unit where the person pays,
/// else the latest relation's unit.
fn unit_of(relations: &[Employment]) -> Option<UnitId> {
    relations
        .iter()
        .filter(|e| e.status == repo::ACTIVE)
        .map(|e| e.unit_id)
        .next()
        .or_else(|| relations.iter().max_by_key(|e| e.id).map(|e| e.unit_id))
}

// ---------------------------------------------------------------- detail

/// A relation of a person with some unit (staff view).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRelation {
    /// Unit number (单位编号, AAB001).
    pub unit_no: String,
    #[serde(flatten)]
    pub relation: RelationDto,
}

/// A dated status record.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonStatusDto {
    pub id: i64,
    pub kind: PersonStatusKind,
    #[cfg_attr(feature = "openapi", schema(example = "退休"))]
    pub label: String,
    pub from_period: Period,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub to_period: Option<Period>,
    pub note: String,
    pub created_by: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl PersonStatusDto {
    fn of(s: &PersonStatusRow) -> Result<PersonStatusDto, AppError> {
        let kind = s.kind;
        Ok(PersonStatusDto {
            id: s.id,
            kind,
            label: kind.label_zh().to_string(),
            from_period: s.from_period,
            to_period: s.to_period,
            note: s.note.clone(),
            created_by: s.created_by.clone(),
            created_at: s.created_at.assume_utc(),
        })
    }
}

/// A person as staff see it: every relation, statuses, merges.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffPersonDetail {
    pub person: PersonDto,
    /// Set when this number was merged into another (R-EMP-8).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub merged_into: Option<String>,
    /// Numbers merged into this one.
    pub merged_from: Vec<String>,
    pub relations: Vec<StaffRelation>,
    pub statuses: Vec<PersonStatusDto>,
    /// Other live numbers under the same ID.
    pub other_person_numbers: Vec<String>,
}

fn staff_detail(conn: &mut DbConn, person: &Person) -> Result<StaffPersonDetail, AppError> {
    let relations = emp_db::employments_of_persons(conn, &[person.id])?;
    let mut unit_ids: Vec<UnitId> = relations.iter().map(|e| e.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let nos: HashMap<UnitId, String> = emp_db::unit_nos(conn, &unit_ids)?.into_iter().collect();
    let merges = emp_db::merges_of_person(conn, person.id)?;
    let mut ids: Vec<PersonId> = merges
        .iter()
        .flat_map(|m| [m.keep_person_id, m.merge_person_id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let numbers: HashMap<PersonId, String> = emp_db::get_persons(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p.person_no))
        .collect();
    let others = emp_db::find_by_id_spellings(conn, &id_spellings(&ops::person_key(person)))?
        .into_iter()
        .filter(|o| o.id != person.id)
        .map(|o| o.person_no)
        .collect();
    Ok(StaffPersonDetail {
        person: PersonDto::of(person),
        merged_into: merges
            .iter()
            .find(|m| m.merge_person_id == person.id)
            .and_then(|m| numbers.get(&m.keep_person_id).cloned()),
        merged_from: merges
            .iter()
            .filter(|m| m.keep_person_id == person.id)
            .filter_map(|m| numbers.get(&m.merge_person_id).cloned())
            .collect(),
        relations: relations
            .iter()
            .map(|e| {
                Ok(StaffRelation {
                    unit_no: nos.get(&e.unit_id).cloned().unwrap_or_default(),
                    relation: RelationDto::of(e)?,
                })
            })
            .collect::<Result<_, AppError>>()?,
        statuses: emp_db::list_statuses(conn, &[person.id])?
            .iter()
            .map(PersonStatusDto::of)
            .collect::<Result<_, _>>()?,
        other_person_numbers: others,
    })
}

/// A person with every relation, status and merge, by any number (merged
/// ones too): 404 `PERSON_NOT_FOUND` when none.
pub fn get(conn: &mut DbConn, person_no: &str) -> Result<StaffPersonDetail, AppError> {
    read_transaction(conn, |c| {
        let p = emp_db::get_person_any(c, person_no)?
            .ok_or_else(|| staff_person_not_found(person_no))?;
        staff_detail(c, &p)
    })
}

// ---------------------------------------------------------------- key change

/// A key-information change (人员关键信息变更, R-EMP-9) as requested: the
/// fields to change, unparsed (an absent one keeps the person's current
/// value), with the reason and the supporting document.
#[derive(Debug, Clone, Default)]
pub struct KeyChangeRequest {
    pub name: Option<String>,
    pub id_type: Option<String>,
    pub id_number: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub nationality: Option<String>,
    pub reason: Option<String>,
    pub document_ref: Option<String>,
}

/// Changes a live person's key information (name, ID) at the counter, with
/// the reason and a supporting document; audited as a business item. The
/// fields are parsed against the person's current values (400
/// `VALIDATION_FAILED`, also when nothing changes); an ID already registered
/// under another number is 409 `ID_NUMBER_IN_USE` (merge instead).
pub fn change_key(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    body: &KeyChangeRequest,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<PersonDto, AppError> {
    transaction(conn, |c| {
        let p = live_person(c, person_no)?;
        let mut errors = Vec::new();
        let reason = required_field(&body.reason, "reason", 200, &mut errors);
        let document = required_field(&body.document_ref, "document_ref", 200, &mut errors);
        let name = match body.name.as_deref() {
            None => Some(p.name.clone()),
            Some(n) => match parse_name(n) {
                Ok(n) => Some(n),
                Err(e) => {
                    errors.push(FieldError::new("name", e.to_string()));
                    None
                }
            },
        };
        let current_type = ops::person_id_type(&p);
        let id_type = body
            .id_type
            .clone()
            .or_else(|| Some(current_type.code().to_string()));
        let id_number = body.id_number.clone().or_else(|| Some(p.id_number.clone()));
        let new_type = id_type.as_deref().and_then(IdType::parse);
        let (gender, birth) = if new_type == Some(IdType::Resident) {
            (body.gender.clone(), body.birth_date.clone())
        } else {
            (
                body.gender.clone().or_else(|| Some(p.gender.clone())),
                body.birth_date
                    .clone()
                    .or_else(|| Some(p.birth_date.to_string())),
            )
        };
        let identity = identity_fields(&id_type, &id_number, &gender, &birth, today, &mut errors);
        let nationality = match &body.nationality {
            None if new_type == Some(IdType::Resident) => Some("CHN".to_string()),
            None => Some(p.nationality.clone()),
            Some(_) => nationality_field(&body.nationality, new_type, &mut errors),
        };
        let (Some(reason), Some(document), Some(name), Some(identity), Some(nationality)) =
            (reason, document, name, identity, nationality)
        else {
            return Err(AppError::validation(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let change = emp_db::PersonKeyChange {
            id_type: identity.id_type.code().to_string(),
            id_number: identity.id_number.clone(),
            name: name.clone(),
            gender: identity.gender.code().to_string(),
            birth_date: identity.birth_date,
            nationality,
            updated_at: now,
        };
        let unchanged = change.id_type == p.id_type
            && change.id_number == p.id_number
            && change.name == p.name
            && change.gender == p.gender
            && change.birth_date == p.birth_date
            && change.nationality == p.nationality;
        if unchanged {
            return Err(AppError::invalid_field(
                "body",
                "填写的信息与现登记信息相同，没有需要变更的内容",
            ));
        }
        let new_key = id_key(identity.id_type, &identity.id_number);
        let taken: Vec<String> = emp_db::find_by_id_spellings(c, &id_spellings(&new_key))?
            .into_iter()
            .filter(|o| o.id != p.id)
            .map(|o| o.person_no)
            .collect();
        let in_use = |numbers: &str| {
            AppError::new(ErrorCode::IdNumberInUse).with_detail(format!(
                    "证件号码{new_key}已登记在个人编号{numbers}下，属于一人多号，请办理一人多号合并而不是变更证件号码"
                ))
            .with_field_error("id_number", "该证件号码已登记在其他个人编号下")
        };
        if !taken.is_empty() {
            return Err(in_use(&taken.join("、")));
        }
        let updated = emp_db::update_key(c, p.id, &change)?;
        emp_db::release_id_keys(c, p.id)?;
        if let Err(e) = emp_db::claim_id_key(c, &new_key, p.id) {
            return Err(match e {
                DbError::Conflict { .. } => in_use("（其他编号）"),
                other => other.into(),
            });
        }
        let relations = emp_db::employments_of_persons(c, &[p.id])?;
        let snapshot = |x: &Person| {
            json!({
                "person_no": x.person_no, "name": x.name, "id_type": x.id_type,
                "id_number": x.id_number, "gender": x.gender, "birth_date": x.birth_date,
                "nationality": x.nationality,
            })
        };
        let mut after = snapshot(&updated);
        after["reason"] = json!(reason);
        after["document_ref"] = json!(document);
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: unit_of(&relations),
                kind: KIND_KEY_CHANGE,
                status: DONE,
                before: Some(snapshot(&p)),
                after: Some(after),
            },
            now,
        )?;
        Ok(PersonDto::of(&updated))
    })
}

// ---------------------------------------------------------------- statuses

/// The answer to recording a status.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonStatusResult {
    pub status: PersonStatusDto,
    /// Pending lines of months now not accountable, cancelled.
    pub cancelled_lines: Vec<LineDto>,
    /// Billed or paid lines of such months: for the refund flow.
    pub lines_to_review: Vec<LineDto>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonStatusList {
    pub items: Vec<PersonStatusDto>,
}

/// The dated statuses of a live person number.
pub fn statuses(conn: &mut DbConn, person_no: &str) -> Result<PersonStatusList, AppError> {
    read_transaction(conn, |c| {
        let p = live_person(c, person_no)?;
        let items = emp_db::list_statuses(c, &[p.id])?
            .iter()
            .map(PersonStatusDto::of)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PersonStatusList { items })
    })
}

/// Records a retirement, prison or bilateral-exemption status (with its
/// basis, `note`). Pending lines of months that are no longer accountable
/// are cancelled at once; billed or paid ones are listed for review. Each
/// unit concerned gets a business item. A status the rules refuse is 422
/// `STATUS_INVALID`, naming the field.
pub fn add_status(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    new: PersonStatus,
    note: &str,
    now: PrimitiveDateTime,
) -> Result<PersonStatusResult, AppError> {
    transaction(conn, |c| add_status_in(c, who, person_no, new, note, now))
}

/// [`add_status`] in the caller's transaction (the retirement approval sets
/// the retired status this way, R-RET-4).
pub(crate) fn add_status_in(
    c: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    new: PersonStatus,
    note: &str,
    now: PrimitiveDateTime,
) -> Result<PersonStatusResult, AppError> {
    let PersonStatus { kind, from, to } = new;
    let actor = who.as_actor();
    {
        let p = live_person(c, person_no)?;
        let same = ops::same_person_ids(c, &p)?;
        let mut statuses = ops::statuses_of(c, &same)?;
        check_new_status(&new, ops::person_id_type(&p), &statuses).map_err(|e| {
            let field = match e {
                PersonStatusError::ToBeforeFrom { .. } | PersonStatusError::RetirementWithEnd => {
                    "to_period"
                }
                PersonStatusError::BilateralForCitizen => "kind",
                PersonStatusError::Overlap { .. } => "from_period",
            };
            AppError::new(ErrorCode::StatusInvalid)
                .with_detail(e.to_string())
                .with_field_error(field, e.to_string())
        })?;
        let row = emp_db::insert_status(
            c,
            &NewPersonStatus {
                person_id: p.id,
                kind: kind.code().to_string(),
                from_period: from.yyyymm(),
                to_period: to.map(Period::yyyymm),
                note: note.to_owned(),
                created_by: actor.name.clone(),
                created_at: now,
            },
        )?;
        statuses.push(new);
        let mut cancel: Vec<lines_db::Assessment> = Vec::new();
        let mut review: Vec<lines_db::Assessment> = Vec::new();
        for l in lines_db::list_for_persons(c, &same)? {
            if accountability(&statuses, l.insurance, l.period).is_ok() {
                continue;
            }
            match l.status {
                LineStatus::Pending => cancel.push(l),
                LineStatus::Billed | LineStatus::Paid => review.push(l),
                LineStatus::Cancelled => {}
            }
        }
        let ids: Vec<AssessmentId> = cancel.iter().map(|l| l.id).collect();
        lines_db::set_status(c, &ids, lines_db::PENDING, lines_db::CANCELLED, now)?;
        let cancelled = LineDto::many(&lines_db::get_many(c, &ids)?)?;
        let status = PersonStatusDto::of(&row)?;
        let mut units: BTreeMap<Option<UnitId>, Vec<AssessmentId>> = BTreeMap::new();
        for l in &cancel {
            units.entry(Some(l.unit_id)).or_default().push(l.id);
        }
        if units.is_empty() {
            let relations = emp_db::employments_of_persons(c, &same)?;
            units.insert(unit_of(&relations), Vec::new());
        }
        for (unit_id, line_ids) in units {
            items::record(
                c,
                who,
                ItemRecord {
                    unit_id,
                    kind: KIND_STATUS_ADDED,
                    status: DONE,
                    before: None,
                    after: Some(json!({
                        "person_no": p.person_no, "kind": kind, "from_period": from,
                        "to_period": to, "note": note, "cancelled_line_ids": line_ids,
                    })),
                },
                now,
            )?;
        }
        Ok(PersonStatusResult {
            status,
            cancelled_lines: cancelled,
            lines_to_review: LineDto::many(&review)?,
        })
    }
}

// ---------------------------------------------------------------- duplicates

/// One number of a duplicated person.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateNumber {
    pub person_no: String,
    pub name: String,
    pub id_type: IdType,
    /// As stored (15 or 18 digits, x or X).
    pub id_number: String,
    /// Units where this number pays now (单位编号).
    pub paying_unit_nos: Vec<String>,
}

/// The same ID under several person numbers (一人多号).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateGroup {
    /// The normalised ID number.
    pub id_key: String,
    pub persons: Vec<DuplicateNumber>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicatePage {
    pub items: Vec<DuplicateGroup>,
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
}

/// Every ID registered under more than one live person number in the
/// province (一人多号), including 15- vs 18-digit and x vs X spellings: the
/// page `page` (from 1) of `page_size` groups.
pub fn duplicates(
    conn: &mut DbConn,
    page: usize,
    page_size: usize,
) -> Result<DuplicatePage, AppError> {
    read_transaction(conn, |conn| {
        let mut groups: BTreeMap<String, Vec<emp_db::PersonIdentity>> = BTreeMap::new();
        for p in emp_db::list_identities(conn)? {
            let t = IdType::parse(&p.id_type).unwrap_or(IdType::Resident);
            groups.entry(id_key(t, &p.id_number)).or_default().push(p);
        }
        let dups: Vec<(String, Vec<emp_db::PersonIdentity>)> =
            groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
        let total = dups.len();
        let slice: Vec<(String, Vec<emp_db::PersonIdentity>)> = dups
            .into_iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .collect();
        let ids: Vec<PersonId> = slice
            .iter()
            .flat_map(|(_, v)| v.iter().map(|p| p.id))
            .collect();
        let active: Vec<Employment> = emp_db::employments_of_persons(conn, &ids)?
            .into_iter()
            .filter(|e| e.status == repo::ACTIVE)
            .collect();
        let unit_ids: Vec<UnitId> = active
            .iter()
            .map(|e| e.unit_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let nos: HashMap<UnitId, String> = emp_db::unit_nos(conn, &unit_ids)?.into_iter().collect();
        let items = slice
            .into_iter()
            .map(|(id_key, v)| DuplicateGroup {
                id_key,
                persons: v
                    .into_iter()
                    .map(|p| DuplicateNumber {
                        paying_unit_nos: active
                            .iter()
                            .filter(|e| e.person_id == p.id)
                            .filter_map(|e| nos.get(&e.unit_id).cloned())
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect(),
                        person_no: p.person_no,
                        name: p.name,
                        id_type: IdType::parse(&p.id_type).unwrap_or(IdType::Resident),
                        id_number: p.id_number,
                    })
                    .collect(),
            })
            .collect();
        Ok(DuplicatePage {
            items,
            total,
            page,
            page_size,
        })
    })
}

// ---------------------------------------------------------------- merge

/// The answer to a merge.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeResult {
    pub merge_id: i64,
    pub keep_person_no: String,
    pub merged_person_no: String,
    pub moved_relations: usize,
    pub moved_lines: usize,
    pub moved_statuses: usize,
    pub business_item_ids: Vec<i64>,
}

/// Merges two numbers of the same person (一人多号合并), audited: both
/// must carry the same ID (any spelling), else 422 `NOT_SAME_PERSON`;
/// relations, lines and statuses of the merged number move to the kept one.
/// Refused (409 `MERGE_CONFLICT`) while both pay in the same insurance or
/// both have a live line for the same month.
pub fn merge(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    keep: &str,
    merge: &str,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<MergeResult, AppError> {
    let actor = who.as_actor();
    transaction(conn, |c| {
        let k = live_person(c, keep)?;
        let m = live_person(c, merge)?;
        if ops::person_key(&k) != ops::person_key(&m) {
            return Err(AppError::new(ErrorCode::NotSamePerson).with_detail(format!(
                "个人编号{}与{}的证件号码不同，不是同一人，不能合并",
                k.person_no, m.person_no
            )));
        }
        let rel_k = emp_db::employments_of_persons(c, &[k.id])?;
        let rel_m = emp_db::employments_of_persons(c, &[m.id])?;
        let conflict = |msg: String| AppError::new(ErrorCode::MergeConflict).with_detail(msg);
        for a in rel_m.iter().filter(|e| e.status == repo::ACTIVE) {
            if rel_k
                .iter()
                .any(|b| b.status == repo::ACTIVE && b.insurance == a.insurance)
            {
                return Err(conflict(format!(
                    "两个编号在险种{}均处于参保缴费状态，请先为其中一个办理停保后再合并",
                    a.insurance
                )));
            }
            if rel_k
                .iter()
                .any(|b| b.status == repo::ACTIVE && b.unit_id != a.unit_id)
            {
                return Err(conflict(
                    "两个编号分别在不同单位处于参保缴费状态，请先由其中一个单位办理停保后再合并"
                        .to_string(),
                ));
            }
        }
        let lines_k = lines_db::list_for_persons(c, &[k.id])?;
        let lines_m = lines_db::list_for_persons(c, &[m.id])?;
        for a in lines_m.iter().filter(|l| l.status != LineStatus::Cancelled) {
            if lines_k.iter().any(|b| {
                b.status != LineStatus::Cancelled
                    && b.unit_id == a.unit_id
                    && b.insurance == a.insurance
                    && b.period == a.period
            }) {
                return Err(conflict(format!(
                    "两个编号在同一单位均有{}期险种{}的核定记录，请先核实处理后再合并",
                    a.period, a.insurance
                )));
            }
        }
        let db_conflict = |e: DbError| match e {
            DbError::Conflict { .. } => {
                conflict("两个编号的参保记录相互冲突，请先核实处理后再合并".to_string())
            }
            other => other.into(),
        };
        let moved_relations = emp_db::move_employments(c, m.id, k.id, now).map_err(db_conflict)?;
        let moved_lines = lines_db::move_person(c, m.id, k.id, now).map_err(db_conflict)?;
        let moved_statuses = emp_db::move_statuses(c, m.id, k.id)?;
        emp_db::move_id_keys(c, m.id, k.id)?;
        let key = ops::person_key(&k);
        if emp_db::id_key_holder(c, &key)?.is_none() {
            emp_db::claim_id_key(c, &key, k.id)?;
        }
        let moved = json!({
            "employment_ids": rel_m.iter().map(|e| e.id).collect::<Vec<_>>(),
            "line_ids": lines_m.iter().map(|l| l.id).collect::<Vec<_>>(),
            "statuses": moved_statuses,
        });
        let record = emp_db::insert_merge(
            c,
            &NewPersonMerge {
                keep_person_id: k.id,
                merge_person_id: m.id,
                reason: reason.to_owned(),
                decided_by: actor.name.clone(),
                moved_json: moved.to_string(),
                created_at: now,
            },
        )?;
        let mut units: BTreeSet<Option<UnitId>> = rel_k
            .iter()
            .chain(rel_m.iter())
            .map(|e| Some(e.unit_id))
            .collect();
        if units.is_empty() {
            units.insert(None);
        }
        let mut item_ids = Vec::new();
        for unit_id in units {
            let item = items::record(
                c,
                who,
                ItemRecord {
                    unit_id,
                    kind: KIND_MERGE,
                    status: DONE,
                    before: Some(json!({
                        "person_nos": [k.person_no, m.person_no],
                        "id_numbers": [k.id_number, m.id_number],
                    })),
                    after: Some(json!({
                        "person_no": k.person_no, "merged_person_no": m.person_no,
                        "reason": reason, "merge_id": record.id, "moved": moved,
                    })),
                },
                now,
            )?;
            item_ids.push(item.id);
        }
        Ok(MergeResult {
            merge_id: record.id,
            keep_person_no: k.person_no,
            merged_person_no: m.person_no,
            moved_relations,
            moved_lines,
            moved_statuses,
            business_item_ids: item_ids.iter().map(|id| id.0).collect(),
        })
    })
}

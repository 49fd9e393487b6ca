//! 单位一般信息变更 (R-UNIT-2): the unit changes its address, postcode,
//! phone and contact online. One business item records the before/after
//! values of the changed fields; a request that changes nothing records
//! nothing. Name, USCC and legal representative are key information: a
//! value that differs from the current one is refused here and needs a
//! reviewed key-information change request.

use std::collections::BTreeMap;

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::Uscc;
use qibao_db::DbConn;
use qibao_db::ids::UnitId;
use qibao_db::rows::Unit;
use qibao_db::units::{self as unit_db, UnitGeneralChanges};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use super::get_unit;
use super::info::{UnitInfo, unit_info};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::transaction;

/// The general fields as the API validated them: absent stays as it is;
/// `Some(None)` clears an optional contact field.
#[derive(Debug, Clone, Default)]
pub struct GeneralFields {
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub phone: Option<String>,
    pub contact_name: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

/// Key information as sent with a general change: accepted only when equal
/// to the unit's current values (the JSON values as sent).
#[derive(Debug, Clone, Default)]
pub struct KeyValues {
    pub name: Option<Value>,
    pub uscc: Option<Value>,
    /// `name`, `id_type`, `id_number`, `phone`.
    pub legal_representative: Option<Value>,
}

/// The outcome of a general-information change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitChangeResult {
    /// The fields that changed (empty when the request changed nothing).
    pub changed_fields: Vec<String>,
    /// The business item recorded, if anything changed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub business_item_id: Option<i64>,
    pub unit: UnitInfo,
}

/// The key fields of `key` whose value differs from the unit's.
fn changed_key_fields(key: &KeyValues, unit: &Unit) -> Vec<FieldError> {
    let text = |v: &Value| v.as_str().map(|s| s.trim().to_owned());
    let mut fields = Vec::new();
    let mut refuse = |field: &str, what: &str| {
        fields.push(FieldError::new(
            field,
            format!("{what}属于关键信息，须提交关键信息变更申请，经审核后变更。"),
        ));
    };
    if let Some(v) = key.name.as_ref().filter(|v| !v.is_null())
        && text(v).as_deref() != Some(unit.name.as_str())
    {
        refuse("name", "单位名称");
    }
    if let Some(v) = key.uscc.as_ref().filter(|v| !v.is_null())
        && text(v).map(|s| Uscc::normalise(&s)).as_deref() != Some(unit.uscc.as_str())
    {
        refuse("uscc", "统一社会信用代码");
    }
    if let Some(v) = key.legal_representative.as_ref().filter(|v| !v.is_null()) {
        let same = v.as_object().is_some_and(|o| {
            o.iter().all(|(k, v)| {
                let v = text(v);
                match k.as_str() {
                    "name" => v.as_deref() == Some(unit.legal_rep_name.as_str()),
                    "id_type" => v.as_deref() == Some(unit.legal_rep_id_type.as_str()),
                    "id_number" => {
                        v.map(|s| s.to_uppercase()).as_deref()
                            == Some(unit.legal_rep_id_number.as_str())
                    }
                    "phone" => v.as_deref() == unit.legal_rep_phone.as_deref(),
                    _ => false,
                }
            })
        });
        if !same {
            refuse("legal_representative", "法定代表人信息");
        }
    }
    fields
}

/// Changes the unit's general information; refuses a differing key field
/// with 422 `KEY_INFO_NEEDS_REVIEW`.
pub fn change(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    fields: GeneralFields,
    key: &KeyValues,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<UnitChangeResult, AppError> {
    transaction(conn, |conn| {
        let unit = get_unit(conn, unit_id)?;
        let refused = changed_key_fields(key, &unit);
        if !refused.is_empty() {
            return Err(AppError::new(ErrorCode::KeyInfoNeedsReview).with_errors(refused));
        }
        let mut before = BTreeMap::new();
        let mut after = BTreeMap::new();
        let mut changes = UnitGeneralChanges::default();
        let mut diff = |field: &str, old: Value, new: Value| -> bool {
            if old == new {
                return false;
            }
            before.insert(field.to_owned(), old);
            after.insert(field.to_owned(), new);
            true
        };
        if let Some(v) = fields.address
            && diff("address", json!(unit.address), json!(v))
        {
            changes.address = Some(v);
        }
        if let Some(v) = fields.postcode
            && diff("postcode", json!(unit.postcode), json!(v))
        {
            changes.postcode = Some(Some(v));
        }
        if let Some(v) = fields.phone
            && diff("phone", json!(unit.phone), json!(v))
        {
            changes.phone = Some(v);
        }
        if let Some(v) = fields.contact_name
            && diff("contact_name", json!(unit.contact_name), json!(v))
        {
            changes.contact_name = Some(v);
        }
        if let Some(v) = fields.contact_phone
            && diff("contact_phone", json!(unit.contact_phone), json!(v))
        {
            changes.contact_phone = Some(v);
        }
        if let Some(v) = fields.email
            && diff("email", json!(unit.email), json!(v))
        {
            changes.email = Some(v);
        }
        let changed_fields: Vec<String> = after.keys().cloned().collect();
        if changed_fields.is_empty() {
            return Ok(UnitChangeResult {
                changed_fields,
                business_item_id: None,
                unit: unit_info(conn, unit, today)?,
            });
        }
        let updated = unit_db::update_unit_general(conn, unit_id, &changes, now)?;
        let item = items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::UnitGeneralChange,
                status: DONE,
                before: Some(json!(before)),
                after: Some(json!(after)),
            },
            now,
        )?;
        Ok(UnitChangeResult {
            changed_fields,
            business_item_id: Some(item.id.0),
            unit: unit_info(conn, updated, today)?,
        })
    })
}

//! Key-information changes of a unit (R-UNIT-2): name, USCC and legal
//! representative change only after a reviewer approves them, with
//! supporting material. The request's payload holds the new values; approval
//! writes them to the unit (re-checking that no other unit holds the USCC)
//! and leaves the business item `unit_key_change` with before/after values
//! in the unit's change history.
//!
//! The legal representative's login is unaffected: the unit's account is
//! kept by unit id, not by USCC or the representative's identity.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::{Phone, ResidentId, Uscc};
use qibao_db::ids::MaterialId;
use qibao_db::review::unit_key::{UnitKeyChanges, UnitKeyInfo};
use qibao_db::review::{self as store, ReviewTask};
use qibao_db::{DbConn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, PrimitiveDateTime};

use super::ReviewKind;
use super::material::check_material_ids;
use crate::actor::AsActor;
use crate::error::{AppError, ErrorCode, FieldError};

/// The kind code (also the business item's kind).
pub const KIND: &str = BusinessItemKind::UnitKeyChange.code();

/// The longest unit name accepted, in characters.
const MAX_NAME_CHARS: usize = 100;
/// The longest person name accepted, in characters.
const MAX_PERSON_NAME_CHARS: usize = 50;
/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// The registered kind.
pub struct UnitKeyChange;

/// What a unit asks to change (R-UNIT-2). Give only the fields that change;
/// at least one must differ from the current value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyChangeInput {
    /// New unit name (单位名称, AAB004).
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡新材料科技有限公司"))]
    pub name: Option<String>,
    /// New unified social credit code (统一社会信用代码, AAB003), 18 characters, checksum verified.
    #[cfg_attr(feature = "openapi", schema(example = "91420500MA4C8QD2XY"))]
    pub uscc: Option<String>,
    /// New legal representative's name (法定代表人姓名).
    #[cfg_attr(feature = "openapi", schema(example = "王建华"))]
    pub legal_rep_name: Option<String>,
    /// The representative's ID type: `resident` (居民身份证), `passport`, `residence_permit`.
    #[cfg_attr(feature = "openapi", schema(example = "resident"))]
    pub legal_rep_id_type: Option<String>,
    /// The representative's ID number (AAC002 for a resident ID, checksum verified).
    #[cfg_attr(feature = "openapi", schema(example = "420500198002020024"))]
    pub legal_rep_id_number: Option<String>,
    /// The representative's phone (mobile or landline with area code).
    #[cfg_attr(feature = "openapi", schema(example = "13972000001"))]
    pub legal_rep_phone: Option<String>,
    /// Ids of the unit's uploaded supporting materials (营业执照, 变更通知书…), 1–20.
    #[cfg_attr(feature = "openapi", schema(example = json!([12])))]
    pub material_ids: Vec<i64>,
    /// Why the change is asked for (shown to the reviewer), up to 500 characters.
    #[cfg_attr(feature = "openapi", schema(example = "工商登记变更"))]
    pub reason: Option<String>,
}

/// Key-information values; a field is present when it changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_id_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_phone: Option<String>,
}

impl KeyFields {
    fn is_empty(&self) -> bool {
        *self == KeyFields::default()
    }

    /// The current values of the fields present in `self`.
    fn current_of(&self, unit: &UnitKeyInfo) -> KeyFields {
        let pick = |asked: &Option<String>, now: &str| asked.as_ref().map(|_| now.to_owned());
        KeyFields {
            name: pick(&self.name, &unit.name),
            uscc: pick(&self.uscc, &unit.uscc),
            legal_rep_name: pick(&self.legal_rep_name, &unit.legal_rep_name),
            legal_rep_id_type: pick(&self.legal_rep_id_type, &unit.legal_rep_id_type),
            legal_rep_id_number: pick(&self.legal_rep_id_number, &unit.legal_rep_id_number),
            legal_rep_phone: self
                .legal_rep_phone
                .as_ref()
                .map(|_| unit.legal_rep_phone.clone().unwrap_or_default()),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// What the task carries to its approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub changes: KeyFields,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A request whose fields are well-formed (not yet compared with the unit).
#[derive(Debug, Clone)]
pub struct ParsedRequest {
    pub fields: KeyFields,
    pub material_ids: Vec<MaterialId>,
    pub reason: Option<String>,
}

fn text_field(
    value: &Option<String>,
    field: &str,
    max: usize,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = value.as_deref()?.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("{what}不能为空。")));
        return None;
    }
    if v.chars().any(char::is_control) {
        errors.push(FieldError::new(field, format!("{what}含有无效字符。")));
        return None;
    }
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{what}不能超过{max}个字符。"),
        ));
        return None;
    }
    Some(v.to_owned())
}

const ID_TYPES: [&str; 3] = ["resident", "passport", "residence_permit"];

/// Checks the form of every field (400 naming each bad one).
pub fn parse_request(input: &KeyChangeInput) -> Result<ParsedRequest, AppError> {
    let mut errors = Vec::new();
    let name = text_field(&input.name, "name", MAX_NAME_CHARS, "单位名称", &mut errors);
    let uscc = input.uscc.as_deref().and_then(|u| match Uscc::parse(u) {
        Ok(u) => Some(u.as_str().to_owned()),
        Err(e) => {
            errors.push(FieldError::new("uscc", e.to_string()));
            None
        }
    });
    let legal_rep_name = text_field(
        &input.legal_rep_name,
        "legal_rep_name",
        MAX_PERSON_NAME_CHARS,
        "法定代表人姓名",
        &mut errors,
    );
    let legal_rep_id_type = input.legal_rep_id_type.as_deref().and_then(|t| {
        let t = t.trim();
        if ID_TYPES.contains(&t) {
            Some(t.to_owned())
        } else {
            errors.push(FieldError::new(
                "legal_rep_id_type",
                "证件类型应为resident（居民身份证）、passport（护照）或residence_permit（居留证）。",
            ));
            None
        }
    });
    let legal_rep_id_number = text_field(
        &input.legal_rep_id_number,
        "legal_rep_id_number",
        30,
        "法定代表人证件号码",
        &mut errors,
    );
    let legal_rep_phone = input
        .legal_rep_phone
        .as_deref()
        .and_then(|p| match Phone::parse(p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::new("legal_rep_phone", e.to_string()));
                None
            }
        });
    let material_ids = check_material_ids(&input.material_ids)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let reason = match input.reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            errors.push(FieldError::new(
                "reason",
                format!("变更原因不能超过{MAX_REASON_CHARS}个字符。"),
            ));
            None
        }
        Some(r) => Some(r.to_owned()),
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(ParsedRequest {
        fields: KeyFields {
            name,
            uscc,
            legal_rep_name,
            legal_rep_id_type,
            legal_rep_id_number,
            legal_rep_phone,
        },
        material_ids,
        reason,
    })
}

/// Checks a foreign ID number's form: 5–30 letters and digits.
fn foreign_id(number: &str) -> Option<String> {
    let n = number.trim().to_uppercase();
    ((5..=30).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(n)
}

/// Compares the request with the unit's current values: returns the
/// before/after of the fields that really change. The representative's ID
/// type and number are checked together as they will be (a resident ID by
/// GB 11643, with `today` bounding the birth date). Nothing changing is 422
/// `NO_KEY_CHANGE`.
pub fn diff(
    unit: &UnitKeyInfo,
    requested: &KeyFields,
    today: Date,
) -> Result<(KeyFields, KeyFields), AppError> {
    let mut asked = requested.clone();
    if asked.legal_rep_id_type.is_some() || asked.legal_rep_id_number.is_some() {
        let id_type = asked
            .legal_rep_id_type
            .clone()
            .unwrap_or_else(|| unit.legal_rep_id_type.clone());
        let number = asked
            .legal_rep_id_number
            .clone()
            .unwrap_or_else(|| unit.legal_rep_id_number.clone());
        let field = if asked.legal_rep_id_number.is_some() {
            "legal_rep_id_number"
        } else {
            "legal_rep_id_type"
        };
        let checked = if id_type == "resident" {
            ResidentId::parse(&number, today)
                .map(|p| p.id.as_str().to_owned())
                .map_err(|e| e.to_string())
        } else {
            foreign_id(&number).ok_or_else(|| "护照或居留证号码应为5至30位字母或数字。".to_owned())
        };
        match checked {
            Ok(n) => {
                if asked.legal_rep_id_number.is_some() {
                    asked.legal_rep_id_number = Some(n);
                }
            }
            Err(message) => {
                let message = if field == "legal_rep_id_type" {
                    format!("证件类型与现有证件号码不符，请同时填写新的证件号码（{message}）")
                } else {
                    message
                };
                return Err(AppError::invalid_field(field, message));
            }
        }
    }
    let keep = |asked: Option<String>, now: &str| asked.filter(|v| v != now);
    let after = KeyFields {
        name: keep(asked.name, &unit.name),
        uscc: keep(asked.uscc, &unit.uscc),
        legal_rep_name: keep(asked.legal_rep_name, &unit.legal_rep_name),
        legal_rep_id_type: keep(asked.legal_rep_id_type, &unit.legal_rep_id_type),
        legal_rep_id_number: keep(asked.legal_rep_id_number, &unit.legal_rep_id_number),
        legal_rep_phone: keep(
            asked.legal_rep_phone,
            unit.legal_rep_phone.as_deref().unwrap_or_default(),
        ),
    };
    if after.is_empty() {
        return Err(AppError::new(ErrorCode::NoKeyChange));
    }
    Ok((after.current_of(unit), after))
}

/// 409 `USCC_IN_USE`.
pub fn uscc_in_use() -> AppError {
    AppError::new(ErrorCode::UsccInUse)
}

impl ReviewKind for UnitKeyChange {
    fn code(&self) -> &'static str {
        KIND
    }

    fn label_zh(&self) -> &'static str {
        "单位关键信息变更"
    }

    fn required_role(&self) -> &'static str {
        "reviewer"
    }

    fn one_open_per_unit(&self) -> bool {
        true
    }

    /// Writes the new values to the unit. The USCC is checked again: held
    /// by another unit by now is 409 `USCC_IN_USE`, and nothing is applied.
    /// The business item's `before` is refreshed to the values actually
    /// replaced.
    fn apply_approval(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        _reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        let payload: Payload = serde_json::from_str(&task.payload_json)
            .map_err(|e| AppError::internal_cause(format_args!("task {}: {e}", task.id)))?;
        let c = payload.changes;
        if let Some(uscc) = &c.uscc
            && store::uscc_taken_by_other(conn, uscc, task.unit_id)?
        {
            return Err(uscc_in_use());
        }
        let unit = store::get_unit_key_info(conn, task.unit_id)?;
        let before = c.current_of(&unit);
        store::update_unit_key_info(
            conn,
            task.unit_id,
            &UnitKeyChanges {
                uscc: c.uscc.clone(),
                name: c.name.clone(),
                legal_rep_name: c.legal_rep_name.clone(),
                legal_rep_id_type: c.legal_rep_id_type.clone(),
                legal_rep_id_number: c.legal_rep_id_number.clone(),
                legal_rep_phone: c.legal_rep_phone.clone(),
                updated_at: Some(now),
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == "units_uscc_key" => uscc_in_use(),
            other => other.into(),
        })?;
        store::set_business_item_status(
            conn,
            task.business_item_id,
            "approved",
            Some(before.to_json().to_string()),
            now,
        )?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use qibao_db::ids::UnitId;
    use time::macros::date;

    fn unit() -> UnitKeyInfo {
        UnitKeyInfo {
            id: UnitId(1),
            unit_no: "100000001".into(),
            uscc: "91420500MA4C8QD2X0".into(),
            name: "甲公司".into(),
            legal_rep_name: "刘建国".into(),
            legal_rep_id_type: "resident".into(),
            legal_rep_id_number: "420500197001010014".into(),
            legal_rep_phone: None,
        }
    }

    fn input() -> KeyChangeInput {
        KeyChangeInput {
            material_ids: vec![1],
            ..Default::default()
        }
    }

    #[test]
    fn only_real_changes_are_kept_with_their_old_values() {
        let mut i = input();
        i.name = Some("  乙公司 ".into());
        i.legal_rep_name = Some("刘建国".into());
        i.legal_rep_phone = Some("139 7200 0001".into());
        let parsed = parse_request(&i).unwrap();
        let (before, after) = diff(&unit(), &parsed.fields, date!(2023 - 04 - 20)).unwrap();
        assert_eq!(after.name.as_deref(), Some("乙公司"));
        assert_eq!(after.legal_rep_name, None);
        assert_eq!(after.legal_rep_phone.as_deref(), Some("13972000001"));
        assert_eq!(before.name.as_deref(), Some("甲公司"));
        assert_eq!(before.legal_rep_phone.as_deref(), Some(""));
        assert_eq!(
            after.to_json(),
            serde_json::json!({"name": "乙公司", "legal_rep_phone": "13972000001"})
        );
    }

    #[test]
    fn nothing_new_is_refused() {
        let mut i = input();
        i.name = Some("甲公司".into());
        let parsed = parse_request(&i).unwrap();
        let err = diff(&unit(), &parsed.fields, date!(2023 - 04 - 20)).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::NoKeyChange);
        assert_eq!(err.kind(), crate::error::ErrorKind::Unprocessable);
    }

    #[test]
    fn malformed_fields_are_named() {
        let i = KeyChangeInput {
            name: Some(" ".into()),
            uscc: Some("91420500MA4C8QD2X1".into()),
            legal_rep_id_type: Some("driver_licence".into()),
            legal_rep_phone: Some("12345".into()),
            reason: Some("长".repeat(501)),
            material_ids: vec![],
            ..Default::default()
        };
        let err = parse_request(&i).unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "uscc",
                "legal_rep_id_type",
                "legal_rep_phone",
                "material_ids",
                "reason"
            ]
        );
    }

    #[test]
    fn the_id_type_and_number_are_checked_together() {
        let today = date!(2023 - 04 - 20);
        // A bad resident ID checksum.
        let mut i = input();
        i.legal_rep_id_number = Some("420500197001010015".into());
        let parsed = parse_request(&i).unwrap();
        let err = diff(&unit(), &parsed.fields, today).unwrap_err();
        assert_eq!(err.errors()[0].field, "legal_rep_id_number");
        // A passport holder switched to a resident ID needs a resident number.
        let mut u = unit();
        u.legal_rep_id_type = "passport".into();
        u.legal_rep_id_number = "E12345678".into();
        let mut i = input();
        i.legal_rep_id_type = Some("resident".into());
        let parsed = parse_request(&i).unwrap();
        let err = diff(&u, &parsed.fields, today).unwrap_err();
        assert_eq!(err.errors()[0].field, "legal_rep_id_type");
        // A lower-case x is normalised and a passport number upper-cased.
        let mut i = input();
        i.legal_rep_id_type = Some("passport".into());
        i.legal_rep_id_number = Some("e7654321".into());
        let parsed = parse_request(&i).unwrap();
        let (_, after) = diff(&unit(), &parsed.fields, today).unwrap();
        assert_eq!(after.legal_rep_id_number.as_deref(), Some("E7654321"));
    }
}

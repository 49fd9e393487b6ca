//! Parsing of a person's fields, shared by the unit's enrolment (the API
//! parses the request) and the staff key-information change (parsed here,
//! against the person's current values): dates, the identity (ID type,
//! number, gender and birth date, checked against each other) and the
//! nationality. Each fault adds a [`FieldError`] naming the field.

use qibao_core::employment::{IdType, parse_document_number};
use qibao_core::ids::{Gender, IdentityMismatch, ResidentId, check_identity};
use time::Date;

use crate::error::FieldError;

/// Parses a date written exactly YYYY-MM-DD within 1900–2099
/// ([`qibao_core::dates::parse_date`]), surrounding spaces trimmed.
pub fn parse_date(s: &str) -> Option<Date> {
    qibao_core::dates::parse_date(s.trim())
}

/// An optional or required date field (YYYY-MM-DD), adding a field error
/// when missing (if required) or malformed.
pub fn date_field(
    v: &Option<String>,
    field: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Date> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if required {
                errors.push(FieldError::new(field, "缺少必填字段。"));
            }
            None
        }
        Some(s) => {
            let d = parse_date(s);
            if d.is_none() {
                errors.push(FieldError::new(
                    field,
                    "日期格式应为YYYY-MM-DD，且应为有效日期，如2023-03-01",
                ));
            }
            d
        }
    }
}

fn resident_id(
    s: &str,
    today: Date,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<(ResidentId, Option<String>)> {
    match ResidentId::parse(s, today) {
        Ok(p) => Some((p.id, p.converted_from)),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

fn gender_field(v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<Option<Gender>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => match Gender::parse(match s.to_ascii_lowercase().as_str() {
            "male" => "M",
            "female" => "F",
            _ => s,
        }) {
            Some(g) => Some(Some(g)),
            None => {
                errors.push(FieldError::new("gender", "性别应为M（男）或F（女）"));
                None
            }
        },
    }
}

fn id_type_field(v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<IdType> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(IdType::Resident),
        Some(s) => match IdType::parse(s) {
            Some(t) => Some(t),
            None => {
                errors.push(FieldError::new(
                    "id_type",
                    "证件类型应为resident（居民身份证）、passport（护照）或residence_permit（外国人永久居留身份证）",
                ));
                None
            }
        },
    }
}

/// The identity part shared by enrolment and the staff key change: ID type,
/// number, gender and birth date, checked against each other (R-ID-1, R-ID-3).
pub struct Identity {
    pub id_type: IdType,
    pub id_number: String,
    pub converted_from: Option<String>,
    pub gender: Gender,
    pub birth_date: Date,
}

/// Parses the identity fields (`id_type` defaults to resident), adding a
/// field error for each fault; `None` when any is wrong.
pub fn identity_fields(
    id_type: &Option<String>,
    id_number: &Option<String>,
    gender: &Option<String>,
    birth_date: &Option<String>,
    today: Date,
    errors: &mut Vec<FieldError>,
) -> Option<Identity> {
    let id_type = id_type_field(id_type, errors);
    let gender = gender_field(gender, errors);
    let birth = match birth_date
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(None),
        Some(_) => date_field(birth_date, "birth_date", true, errors).map(Some),
    };
    let number = match id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            errors.push(FieldError::new(
                "id_number",
                "缺少必填字段：请填写证件号码。",
            ));
            None
        }
        Some(s) => Some(s.to_string()),
    };
    let (id_type, gender, birth, number) = (id_type?, gender?, birth?, number?);
    match id_type {
        IdType::Resident => {
            let (id, converted_from) = resident_id(&number, today, "id_number", errors)?;
            match check_identity(&id, gender, birth) {
                Ok(()) => {}
                Err(e @ IdentityMismatch::Gender { .. }) => {
                    errors.push(FieldError::new("gender", e.to_string()));
                    return None;
                }
                Err(e @ IdentityMismatch::BirthDate { .. }) => {
                    errors.push(FieldError::new("birth_date", e.to_string()));
                    return None;
                }
            }
            Some(Identity {
                id_type,
                id_number: id.to_string(),
                converted_from,
                gender: id.gender(),
                birth_date: id.birth_date(),
            })
        }
        IdType::Passport | IdType::ResidencePermit => {
            let number = match parse_document_number(&number) {
                Ok(n) => Some(n),
                Err(e) => {
                    errors.push(FieldError::new("id_number", e.to_string()));
                    None
                }
            };
            if gender.is_none() {
                errors.push(FieldError::new("gender", "外籍人员须填写性别"));
            }
            match birth {
                None => errors.push(FieldError::new("birth_date", "外籍人员须填写出生日期")),
                Some(b) if b > today => {
                    errors.push(FieldError::new("birth_date", "出生日期不能晚于今天"));
                }
                Some(_) => {}
            }
            Some(Identity {
                id_type,
                id_number: number?,
                converted_from: None,
                gender: gender?,
                birth_date: birth.filter(|b| *b <= today)?,
            })
        }
    }
}

/// The nationality (3 letters, upper-cased): CHN by default for a resident
/// ID, required for foreigners.
pub fn nationality_field(
    v: &Option<String>,
    id_type: Option<IdType>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let given = v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_uppercase);
    match (id_type, given) {
        (Some(IdType::Resident) | None, None) => Some("CHN".to_string()),
        (_, Some(n)) if n.len() == 3 && n.chars().all(|c| c.is_ascii_uppercase()) => Some(n),
        (_, Some(_)) => {
            errors.push(FieldError::new(
                "nationality",
                "国籍应为三位字母代码（GB/T 2659），如CHN、USA",
            ));
            None
        }
        (Some(_), None) => {
            errors.push(FieldError::new("nationality", "外籍人员须填写国籍"));
            None
        }
    }
}

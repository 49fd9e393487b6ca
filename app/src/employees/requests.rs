//! The requests of the employee use cases as a client sends them (every
//! field optional, as text), and their parsing into the checked inputs:
//! one place for the one-by-one endpoints and the batch import (导盘), so
//! both refuse the same things with the same messages. Each fault adds a
//! [`FieldError`] naming the field.

use qibao_core::Money;
use qibao_core::employment::{EmployeeItemKind, IdType, parse_name};
use qibao_core::ids::Phone;
use qibao_core::insurance::Insurance;
use qibao_core::rules::check_first_work;
use qibao_core::unemployment::EndReason;
use serde::Deserialize;
use serde_json::Value;
use time::Date;

use super::fields::{date_field, identity_fields, nationality_field};
use super::{AddInsuranceInput, EnrolInput, StopInput};
use crate::error::FieldError;

/// A money amount given as a string ("5234.56") or an integer; must be > 0.
pub fn wage_field(
    v: &Option<Value>,
    field: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Money> {
    let parsed = match v {
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::new(field, "缺少必填字段。"));
            }
            return None;
        }
        Some(Value::String(s)) => Money::parse_non_negative(s).map_err(|e| e.to_string()),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
            Money::parse_non_negative(&n.to_string()).map_err(|e| e.to_string())
        }
        Some(Value::Number(_)) => {
            Err("带小数的金额请用字符串表示，如 \"5234.56\"，以免精度损失".to_string())
        }
        Some(_) => Err("金额应为字符串，如 \"5230.00\"".to_string()),
    };
    match parsed {
        Ok(m) if m.is_zero() => {
            errors.push(FieldError::new(field, "月工资应大于0"));
            None
        }
        Ok(m) => Some(m),
        Err(message) => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

/// A list of insurance codes (险种, AAE140): 110, 210, 410, no duplicates.
pub fn insurances_field(
    v: &Option<Vec<String>>,
    field: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<Insurance>> {
    let Some(codes) = v else {
        if required {
            errors.push(FieldError::new(field, "缺少必填字段：请选择参保险种。"));
        }
        return None;
    };
    if codes.is_empty() {
        errors.push(FieldError::new(field, "至少选择一个险种"));
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, c) in codes.iter().enumerate() {
        match Insurance::parse_collected(c) {
            Ok(ins) if out.contains(&ins) => {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("险种{c}重复"),
                ));
                ok = false;
            }
            Ok(ins) => out.push(ins),
            Err(e) => {
                errors.push(FieldError::new(format!("{field}[{i}]"), e.to_string()));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub fn text_field(
    v: &Option<String>,
    field: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if required {
                errors.push(FieldError::new(field, "缺少必填字段。"));
            }
            None
        }
        Some(s) if s.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字符")));
            None
        }
        Some(s) if s.chars().any(char::is_control) => {
            errors.push(FieldError::new(field, "不能包含控制字符"));
            None
        }
        Some(s) => Some(s.to_string()),
    }
}

pub fn phone_field(
    v: &Option<String>,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if required {
                errors.push(FieldError::new("phone", "缺少必填字段：请填写联系电话。"));
            }
            None
        }
        Some(s) => match Phone::parse(s) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(e) => {
                errors.push(FieldError::new("phone", e.to_string()));
                None
            }
        },
    }
}

/// 单位职工参保登记/续保 (R-EMP-1). Fields marked required must be present.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentRequest {
    /// Kind of identity document (证件类型, AAC058): `resident` (default),
    /// `passport` or `residence_permit` (national codes 01, 03, 06 accepted).
    #[cfg_attr(feature = "openapi", schema(example = "resident"))]
    pub id_type: Option<String>,
    /// Required. ID number (社会保障号码, AAC002): 18 characters (a legacy
    /// 15-digit number is converted; lower-case x is normalised).
    #[cfg_attr(feature = "openapi", schema(example = "420500198001011235"))]
    pub id_number: Option<String>,
    /// Required. Name (姓名, AAC003).
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
    pub name: Option<String>,
    /// M or F (性别, AAC004); derived from a resident ID and must agree with it.
    #[cfg_attr(feature = "openapi", schema(example = "M"))]
    pub gender: Option<String>,
    /// Birth date (出生日期, AAC006); derived from a resident ID and must agree with it.
    #[cfg_attr(feature = "openapi", schema(example = "1980-01-01"))]
    pub birth_date: Option<String>,
    /// Nationality (国籍, AAC161), 3 letters; CHN for resident IDs.
    #[cfg_attr(feature = "openapi", schema(example = "CHN"))]
    pub nationality: Option<String>,
    /// Required. Contact phone (联系电话).
    #[cfg_attr(feature = "openapi", schema(example = "13807171234"))]
    pub phone: Option<String>,
    /// Address (居住地址).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "湖北省宜昌市西陵区东山大道100号")
    )]
    pub address: Option<String>,
    /// First-work date (首次参工时间, AAC007); required for a new person.
    #[cfg_attr(feature = "openapi", schema(example = "2005-07-01"))]
    pub first_work_date: Option<String>,
    /// Required. This-employment start date (本次参工时间).
    #[cfg_attr(feature = "openapi", schema(example = "2023-02-15"))]
    pub start_date: Option<String>,
    /// Insurance codes (险种, AAE140) the unit is registered for; default
    /// every insurance the unit is registered for.
    #[cfg_attr(feature = "openapi", schema(example = json!(["110", "210", "410"])))]
    pub insurances: Option<Vec<String>>,
    /// Required. Declared monthly wage in yuan (申报月工资), string or integer;
    /// rounded to 10 yuan, the base is clamped to each year's bounds.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5234.56"))]
    pub monthly_wage: Option<Value>,
}

/// Parses an enrolment request (every field error at once).
pub fn parse_enrolment(req: &EnrolmentRequest, today: Date) -> Result<EnrolInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let identity = identity_fields(
        &req.id_type,
        &req.id_number,
        &req.gender,
        &req.birth_date,
        today,
        &mut errors,
    );
    let id_type_hint = IdType::parse(req.id_type.as_deref().unwrap_or("resident"));
    let nationality = nationality_field(&req.nationality, id_type_hint, &mut errors);
    let name = match req.name.as_deref() {
        None => {
            errors.push(FieldError::new("name", "缺少必填字段：请填写姓名。"));
            None
        }
        Some(n) => match parse_name(n) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(FieldError::new("name", e.to_string()));
                None
            }
        },
    };
    let phone = phone_field(&req.phone, true, &mut errors);
    let address = text_field(&req.address, "address", 200, false, &mut errors);
    let first_work = date_field(&req.first_work_date, "first_work_date", false, &mut errors);
    let start = date_field(&req.start_date, "start_date", true, &mut errors);
    let insurances = insurances_field(&req.insurances, "insurances", false, &mut errors);
    let wage = wage_field(&req.monthly_wage, "monthly_wage", true, &mut errors);
    if let (Some(fw), Some(id)) = (first_work, &identity)
        && let Err(e) = check_first_work(fw, Some(today), Some(id.birth_date), None)
    {
        errors.push(FieldError::new("first_work_date", e.to_string()));
    }
    match (identity, nationality, name, phone, start, wage) {
        (Some(id), Some(nationality), Some(name), Some(phone), Some(start), Some(w))
            if errors.is_empty() =>
        {
            Ok(EnrolInput {
                id_type: id.id_type,
                id_number: id.id_number,
                converted_from: id.converted_from,
                name,
                gender: id.gender,
                birth_date: id.birth_date,
                nationality,
                phone,
                address,
                first_work_date: first_work,
                start_date: start,
                insurances,
                monthly_wage: w,
            })
        }
        _ => Err(errors),
    }
}

/// 单位职工社会保险暂停 (R-EMP-5).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspensionRequest {
    /// Required. The day employment ended (停保时间); its month is still paid.
    #[cfg_attr(feature = "openapi", schema(example = "2023-03-01"))]
    pub stop_date: Option<String>,
    /// Required. Reason (停保原因), e.g. 解除劳动合同.
    #[cfg_attr(feature = "openapi", schema(example = "解除劳动合同"))]
    pub reason: Option<String>,
    /// Why the employment ended (R-UNEMP-1), kept for the unemployment
    /// benefit claim and the termination certificate: `dismissal`
    /// (用人单位解除劳动合同), `not_renewed` (劳动合同期满用人单位不续订),
    /// `unit_closed` (用人单位破产、关闭或撤销), `forced_resignation`
    /// (因用人单位过错本人解除劳动合同), `resignation` (本人辞职) or
    /// `other_voluntary` (其他本人原因). Optional; without it a claim must
    /// state the reason itself.
    #[cfg_attr(feature = "openapi", schema(example = "dismissal"))]
    pub end_reason: Option<String>,
    /// Insurance codes (险种, AAE140) to stop; default every insurance the
    /// person pays at the unit.
    #[cfg_attr(feature = "openapi", schema(example = json!(["110", "210", "410"])))]
    pub insurances: Option<Vec<String>>,
}

/// 单位职工增加险种.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddInsuranceRequest {
    /// Required. Insurance code (险种, AAE140).
    #[cfg_attr(feature = "openapi", schema(example = "410"))]
    pub insurance: Option<String>,
    /// Start date of the insurance (参保时间); default today.
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-01"))]
    pub start_date: Option<String>,
    /// Declared monthly wage; default the wage declared for the employee.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "5230.00"))]
    pub monthly_wage: Option<Value>,
}

/// Parses a suspension request (停保, R-EMP-5).
pub fn parse_suspension(req: &SuspensionRequest) -> Result<StopInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let stop_date = date_field(&req.stop_date, "stop_date", true, &mut errors);
    let reason = text_field(&req.reason, "reason", 200, true, &mut errors);
    let insurances = insurances_field(&req.insurances, "insurances", false, &mut errors);
    let end_reason = end_reason_field(&req.end_reason, &mut errors);
    match (stop_date, reason) {
        (Some(stop_date), Some(reason)) if errors.is_empty() => Ok(StopInput {
            kind: EmployeeItemKind::Suspension,
            insurances,
            stop_date: Some(stop_date),
            reason,
            end_reason,
        }),
        _ => Err(errors),
    }
}

/// Parses a request to add an insurance (单位职工增加险种); the start date
/// defaults to `today`.
pub fn parse_add_insurance(
    req: &AddInsuranceRequest,
    today: Date,
) -> Result<AddInsuranceInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let insurance = match req.insurance.as_deref() {
        None => {
            errors.push(FieldError::new("insurance", "缺少必填字段：请选择险种。"));
            None
        }
        Some(c) => match Insurance::parse_collected(c) {
            Ok(i) => Some(i),
            Err(e) => {
                errors.push(FieldError::new("insurance", e.to_string()));
                None
            }
        },
    };
    let start = date_field(&req.start_date, "start_date", false, &mut errors).unwrap_or(today);
    let wage = wage_field(&req.monthly_wage, "monthly_wage", false, &mut errors);
    match insurance {
        Some(insurance) if errors.is_empty() => Ok(AddInsuranceInput {
            insurance,
            start_date: start,
            monthly_wage: wage,
        }),
        _ => Err(errors),
    }
}

/// Parses the removal of one insurance (单位职工减少险种): the stop date
/// is optional (see [`StopInput::stop_date`]), the reason defaults to
/// 单位职工减少险种.
pub fn parse_insurance_removal(
    insurance: Insurance,
    stop_date: &Option<String>,
    reason: &Option<String>,
) -> Result<StopInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let stop_date = date_field(stop_date, "stop_date", false, &mut errors);
    let reason = text_field(reason, "reason", 200, false, &mut errors)
        .unwrap_or_else(|| "单位职工减少险种".to_string());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(StopInput {
        kind: EmployeeItemKind::InsuranceRemoved,
        insurances: Some(vec![insurance]),
        stop_date,
        reason,
        end_reason: None,
    })
}

/// An optional end reason code (R-UNEMP-1), `end_reason`.
pub fn end_reason_field(v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<EndReason> {
    let code = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = EndReason::parse(code);
    if parsed.is_none() {
        errors.push(FieldError::new(
            "end_reason",
            format!(
                "劳动合同终止（解除）原因“{code}”无效，应为：{}。",
                EndReason::ALL
                    .iter()
                    .map(|r| format!("{}（{}）", r.code(), r.label_zh()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    parsed
}

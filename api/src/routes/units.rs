//! The unit's own information in the online hall (R-UNIT-1…3): the
//! comprehensive information, its change history, general-information
//! changes, and adding or removing an insurance. The unit is always the
//! token's unit; no portal path names a unit.

use qibao_core::business_item::BusinessItemKind;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use qibao_core::Period;
use qibao_core::ids::{Email, Phone, Postcode, Uscc};
use qibao_core::insurance::Insurance;
use qibao_core::unit::{
    CollectionMethod, IdType, InjuryFactorCover, UnitRuleError, check_addition_start, check_stop,
    cover_injury_start, mask_id_number,
};
use qibao_db::rows::{BusinessItem, NewUnitInjuryFactor, NewUnitInsurance, Unit, UnitInsurance};
use qibao_db::units::{self as unit_db, UnitGeneralChanges};
use qibao_db::{DbConn, DbError, repo};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, PrimitiveDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::auth::UnitUser;
use crate::blocking::run_db;
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::agents::AgentDto;
use crate::routes::bank_accounts::BankAccountDto;
use crate::state::AppState;

/// Default page size of lists.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// Largest page size of lists.
pub const MAX_PAGE_SIZE: i64 = 200;
const MAX_PAGE: i64 = 1_000_000;

/// Kinds of the business items written here.
pub const KIND_GENERAL_CHANGE: BusinessItemKind = BusinessItemKind::UnitGeneralChange;
pub const KIND_INSURANCE_ADDED: BusinessItemKind = BusinessItemKind::UnitInsuranceAdded;
pub const KIND_INSURANCE_REMOVED: BusinessItemKind = BusinessItemKind::UnitInsuranceRemoved;

/// The status of a business item that is complete.
pub const DONE: &str = "done";

/// Checks `page` (from 1) and `page_size` (1–200, default 20); returns them
/// with the row offset.
pub fn paging(page: Option<i64>, page_size: Option<i64>) -> Result<(i64, i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut errors = Vec::new();
    if !(1..=MAX_PAGE).contains(&page) {
        errors.push(FieldError::new("page", "页码应为从1开始的整数。"));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        errors.push(FieldError::new(
            "page_size",
            format!("每页条数应在1至{MAX_PAGE_SIZE}之间。"),
        ));
    }
    if errors.is_empty() {
        Ok((page, size, (page - 1).saturating_mul(size)))
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A stored UTC timestamp as ISO 8601 (`2023-04-20T01:30:00Z`).
pub fn iso_utc(t: PrimitiveDateTime) -> String {
    t.assume_utc().format(&Rfc3339).unwrap_or_default()
}

/// A stored `YYYYMM` column.
pub fn stored_period(v: i32) -> Result<Period, ApiError> {
    Period::from_yyyymm(v).map_err(ApiError::internal_cause)
}

/// Trims a required text field: missing, blank or longer than `max`
/// characters adds a field error.
pub fn required_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    match value.map(str::trim) {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            String::new()
        }
        Some("") => {
            errors.push(FieldError::new(field, "不能为空。"));
            String::new()
        }
        Some(v) if v.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字。")));
            String::new()
        }
        Some(v) => v.to_owned(),
    }
}

/// Trims an optional text field; blank is `None`.
pub fn optional_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) if v.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字。")));
            None
        }
        Some(v) => Some(v.to_owned()),
    }
}

/// Parses with `parse`, adding a field error on failure.
pub fn parse_field<T, E: std::fmt::Display>(
    value: Option<&str>,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(v) => match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    }
}

/// 404 for a unit that is gone (a token of a deleted or unknown unit).
pub fn unit_not_found() -> ApiError {
    ApiError::not_found("UNIT_NOT_FOUND", "单位不存在。")
}

/// A unit rule refused the request: 422 naming `field`.
pub fn rule_refused(code: &'static str, field: &str, e: &UnitRuleError) -> ApiError {
    ApiError::unprocessable(code, e.to_string()).with_field_error(field, e.to_string())
}

/// A region (参保所属地).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    /// Administrative code, 6 digits.
    #[schema(example = "420500")]
    pub code: String,
    #[schema(example = "宜昌市本级")]
    pub name: String,
}

/// The legal representative (法定代表人); the ID number is masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalRepresentativeInfo {
    #[schema(example = "刘建国")]
    pub name: String,
    /// `resident` (居民身份证), `passport` (护照) or `residence_permit` (居留证件).
    #[schema(example = "resident")]
    pub id_type: String,
    #[schema(example = "居民身份证")]
    pub id_type_name: String,
    /// The ID number with its middle masked (AAC002).
    #[schema(example = "420500********0016")]
    pub id_number_masked: String,
    /// Null for units registered before the phone was kept.
    #[schema(example = "13972012345")]
    pub phone: Option<String>,
}

/// The unit's registration of one insurance (单位参保险种).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitInsuranceDto {
    /// Insurance type (险种, AAE140).
    pub insurance: Insurance,
    #[schema(example = "企业职工基本养老保险")]
    pub name: String,
    /// `active` (参保缴费) or `suspended` (暂停缴费, stopped by the unit).
    #[schema(example = "active")]
    pub status: String,
    #[schema(example = "参保缴费")]
    pub status_name: String,
    /// First insured month.
    pub start_period: Period,
    /// Last insured month, once the unit stopped the insurance.
    pub stop_period: Option<Period>,
    /// Latest accounted period (最大做账期号): the latest month declared.
    pub latest_accounted_period: Option<Period>,
    /// Latest paid-up period (最大核止期号): the latest month paid.
    pub latest_paid_period: Option<Period>,
}

impl UnitInsuranceDto {
    pub fn from_row(row: &UnitInsurance) -> Result<UnitInsuranceDto, ApiError> {
        let insurance = Insurance::from_code(&row.insurance).map_err(ApiError::internal_cause)?;
        let opt = |v: Option<i32>| v.map(stored_period).transpose();
        Ok(UnitInsuranceDto {
            insurance,
            name: insurance.name_zh().to_owned(),
            status: row.status.clone(),
            status_name: if row.status == repo::ACTIVE {
                "参保缴费"
            } else {
                "暂停缴费"
            }
            .to_owned(),
            start_period: stored_period(row.start_period)?,
            stop_period: opt(row.stop_period)?,
            latest_accounted_period: opt(row.latest_accounted_period)?,
            latest_paid_period: opt(row.latest_paid_period)?,
        })
    }
}

/// The comprehensive information of a unit (单位综合信息, R-UNIT-1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitInfo {
    /// Unit number (单位编号, AAB001), 9 digits.
    #[schema(example = "100047500")]
    pub unit_no: String,
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub name: String,
    /// Unified social credit code (统一社会信用代码), 18 characters.
    #[schema(example = "91420500MA4C8QD2X5")]
    pub uscc: String,
    /// Unit type (单位类型).
    #[schema(example = "企业")]
    pub unit_type: String,
    /// Economic type (经济类型).
    #[schema(example = "有限责任公司")]
    pub economic_type: String,
    /// Industry (行业).
    #[schema(example = "软件和信息技术服务业")]
    pub industry: String,
    /// Industry risk class for work injury (行业风险类别, AAA149), 1–8.
    #[schema(example = 1)]
    pub risk_class: i16,
    /// The work-injury floating factor in percent in force this month (or
    /// the first one in force, when it starts later).
    #[schema(example = 100)]
    pub floating_factor: Option<i16>,
    /// Region (参保所属地).
    pub region: RegionRef,
    #[schema(example = "湖北省宜昌市西陵区东山大道100号")]
    pub address: String,
    #[schema(example = "443000")]
    pub postcode: Option<String>,
    #[schema(example = "0717-6441234")]
    pub phone: String,
    /// Contact person (联系人).
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub email: Option<String>,
    pub legal_representative: LegalRepresentativeInfo,
    /// Collection method (征收方式, AAB033): `tax`.
    #[schema(example = "tax")]
    pub collection_method: String,
    #[schema(example = "税务征收")]
    pub collection_method_name: String,
    /// `active`, `suspended` or `closed`.
    #[schema(example = "active")]
    pub status: String,
    /// When the unit was registered (ISO 8601, UTC).
    #[schema(value_type = String, format = DateTime)]
    pub registered_at: String,
    /// Per-insurance registration.
    pub insurances: Vec<UnitInsuranceDto>,
    /// Active authorised agents (经办人).
    pub agents: Vec<AgentDto>,
    /// Active bank accounts (退收银行账户).
    pub bank_accounts: Vec<BankAccountDto>,
}

fn id_type_name(code: &str) -> String {
    IdType::parse(code)
        .map(|t| t.label_zh().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// The factor in force in `current`, else the earliest one starting later.
fn current_factor(factors: &[qibao_db::rows::UnitInjuryFactor], current: i32) -> Option<i16> {
    factors
        .iter()
        .find(|f| f.from_period <= current && f.to_period.is_none_or(|to| current <= to))
        .or_else(|| factors.iter().find(|f| f.from_period > current))
        .map(|f| f.factor_pct)
}

/// Reads the comprehensive information of a unit.
pub fn load_unit_info(conn: &mut DbConn, unit_id: i64, today: Date) -> Result<UnitInfo, ApiError> {
    let unit = match unit_db::get_unit(conn, unit_id) {
        Ok(u) => u,
        Err(DbError::NotFound) => return Err(unit_not_found()),
        Err(e) => return Err(e.into()),
    };
    unit_info(conn, unit, today)
}

/// The comprehensive information of a unit already read.
pub fn unit_info(conn: &mut DbConn, unit: Unit, today: Date) -> Result<UnitInfo, ApiError> {
    let region = repo::get_region(conn, &unit.region_code)?;
    let insurances = unit_db::list_unit_insurances(conn, unit.id)?
        .iter()
        .map(UnitInsuranceDto::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let factors = unit_db::list_injury_factors(conn, unit.id)?;
    let agents = unit_db::list_active_agents(conn, unit.id)?
        .iter()
        .map(AgentDto::from_row)
        .collect();
    let bank_accounts = unit_db::list_active_bank_accounts(conn, unit.id)?
        .iter()
        .map(BankAccountDto::from_row)
        .collect();
    let method = CollectionMethod::from_code(&unit.collection_method);
    Ok(UnitInfo {
        floating_factor: current_factor(&factors, Period::of(today).yyyymm()),
        region: RegionRef {
            code: region.code,
            name: region.name,
        },
        legal_representative: LegalRepresentativeInfo {
            id_type_name: id_type_name(&unit.legal_rep_id_type),
            id_number_masked: mask_id_number(&unit.legal_rep_id_number),
            name: unit.legal_rep_name,
            id_type: unit.legal_rep_id_type,
            phone: unit.legal_rep_phone,
        },
        collection_method_name: method
            .map(|m| m.label_zh().to_owned())
            .unwrap_or_else(|| "其他".to_owned()),
        collection_method: unit.collection_method,
        registered_at: iso_utc(unit.created_at),
        unit_no: unit.unit_no,
        name: unit.name,
        uscc: unit.uscc,
        unit_type: unit.unit_type,
        economic_type: unit.economic_type,
        industry: unit.industry,
        risk_class: unit.risk_class,
        address: unit.address,
        postcode: unit.postcode,
        phone: unit.phone,
        contact_name: unit.contact_name,
        contact_phone: unit.contact_phone,
        email: unit.email,
        status: unit.status,
        insurances,
        agents,
        bank_accounts,
    })
}

/// The unit's comprehensive information (单位综合信息查询, R-UNIT-1): basic
/// data, per-insurance registration, agents and bank accounts.
#[utoipa::path(
    tag = "portal",
    operation_id = "get_unit",
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnitInfo),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unit")]
pub async fn get_unit(
    user: UnitUser,
    state: web::Data<AppState>,
) -> Result<web::Json<UnitInfo>, ApiError> {
    let today = state.clock.today();
    let unit_id = user.unit_id;
    let info = run_db(&state, move |conn| load_unit_info(conn, unit_id, today)).await?;
    Ok(web::Json(info))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    #[param(example = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1–200 (default 20).
    #[param(example = 20)]
    pub page_size: Option<i64>,
}

/// One entry of the unit's change history (办件记录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeHistoryItem {
    /// The business item's id.
    pub id: i64,
    /// Stable kind, e.g. `unit_general_change`, `agent_added`.
    #[schema(example = "unit_general_change")]
    pub kind: String,
    /// The kind in Chinese.
    #[schema(example = "单位一般信息变更")]
    pub label: String,
    /// `done`, `pending_review`, `approved`, `rejected`, `revoked`…
    #[schema(example = "done")]
    pub status: String,
    /// Who acted: `legal_rep`, `agent`, `payroll`, `staff`, `tax` (null when
    /// recorded by the system or the demo loader).
    #[schema(example = "legal_rep")]
    pub actor_role: Option<String>,
    /// The acting person's (or credential's) name.
    #[schema(example = "刘建国")]
    pub actor_name: String,
    /// `portal`, `counter`, `api` or `system`.
    #[schema(example = "portal")]
    pub channel: String,
    /// The values before the change (null when something was created).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The values after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// When (ISO 8601, UTC).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
}

/// One page of the change history, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeHistoryPage {
    pub items: Vec<ChangeHistoryItem>,
    /// All entries of the unit.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

fn history_item(item: BusinessItem) -> ChangeHistoryItem {
    let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let mut parts = item.actor.splitn(3, ':');
    let (actor_role, actor_name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(role), Some(_), Some(name)) => (Some(role.to_owned()), name.to_owned()),
        _ => (None, item.actor.clone()),
    };
    ChangeHistoryItem {
        id: item.id,
        label: qibao_core::business_item::label_of(&item.kind).to_owned(),
        kind: item.kind,
        status: item.status,
        actor_role,
        actor_name,
        channel: item.channel,
        before: parse(item.before_json),
        after: parse(item.after_json),
        created_at: iso_utc(item.created_at),
    }
}

/// The unit's change history (单位办件记录, R-UNIT-1, R-UNDO-1): every
/// business item with who, when, the channel and the before/after values,
/// newest first.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_unit_change_history",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = ChangeHistoryPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unit/change-history")]
pub async fn list_unit_change_history(
    user: UnitUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ChangeHistoryPage>, ApiError> {
    let (page, page_size, offset) = paging(query.page, query.page_size)?;
    let unit_id = user.unit_id;
    let (rows, total) = run_db(&state, move |conn| {
        Ok(unit_db::list_unit_business_items(
            conn, unit_id, offset, page_size,
        )?)
    })
    .await?;
    Ok(web::Json(ChangeHistoryPage {
        items: rows.into_iter().map(history_item).collect(),
        total,
        page,
        page_size,
    }))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A change of the unit's general information (单位一般信息变更, R-UNIT-2).
/// Absent fields stay as they are; `null` clears an optional contact field.
/// Key information (`name`, `uscc`, `legal_representative`) is not changed
/// here: a value that differs from the current one is refused with
/// `KEY_INFO_NEEDS_REVIEW` (use a key-information change request).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitGeneralChange {
    #[schema(example = "湖北省宜昌市西陵区东山大道200号")]
    pub address: Option<String>,
    /// 6 digits.
    #[schema(example = "443000")]
    pub postcode: Option<String>,
    /// The unit's phone: a mobile number or a landline with area code.
    #[schema(example = "0717-6449999")]
    pub phone: Option<String>,
    /// Contact person (联系人); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_name: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Key information: only the current value is accepted here.
    #[schema(value_type = Option<String>)]
    pub name: Option<Value>,
    /// Key information: only the current value is accepted here.
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Value>,
    /// Key information (`name`, `id_type`, `id_number`, `phone`): only the
    /// current values are accepted here.
    #[schema(value_type = Option<Object>)]
    pub legal_representative: Option<Value>,
}

/// The outcome of a general-information change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitChangeResult {
    /// The fields that changed (empty when the request changed nothing).
    pub changed_fields: Vec<String>,
    /// The business item recorded, if anything changed.
    pub business_item_id: Option<i64>,
    pub unit: UnitInfo,
}

/// The validated general fields.
struct GeneralFields {
    address: Option<String>,
    postcode: Option<String>,
    phone: Option<String>,
    contact_name: Option<Option<String>>,
    contact_phone: Option<Option<String>>,
    email: Option<Option<String>>,
}

fn validate_general(body: &UnitGeneralChange) -> Result<GeneralFields, ApiError> {
    let mut errors = Vec::new();
    let address = body
        .address
        .as_deref()
        .map(|a| required_text(Some(a), "address", 200, &mut errors));
    let postcode = body.postcode.as_deref().and_then(|p| {
        parse_field(Some(p), "postcode", Postcode::parse, &mut errors).map(|p| p.to_string())
    });
    let phone = body.phone.as_deref().and_then(|p| {
        parse_field(Some(p), "phone", Phone::parse, &mut errors).map(|p| p.as_str().to_owned())
    });
    let contact_name = body
        .contact_name
        .as_ref()
        .map(|v| optional_text(v.as_deref(), "contact_name", 50, &mut errors));
    let clearable = |v: &Option<Option<String>>,
                     field: &str,
                     errors: &mut Vec<FieldError>,
                     parse: &dyn Fn(&str) -> Result<String, String>| {
        v.as_ref()
            .map(|inner| match inner.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => match parse(s) {
                    Ok(v) => Some(v),
                    Err(m) => {
                        errors.push(FieldError::new(field, m));
                        None
                    }
                },
            })
    };
    let contact_phone = clearable(&body.contact_phone, "contact_phone", &mut errors, &|s| {
        Phone::parse(s)
            .map(|p| p.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    let email = clearable(&body.email, "email", &mut errors, &|s| {
        Email::parse(s)
            .map(|e| e.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(GeneralFields {
        address,
        postcode,
        phone,
        contact_name,
        contact_phone,
        email,
    })
}

/// The key fields of `body` whose value differs from the unit's.
fn changed_key_fields(body: &UnitGeneralChange, unit: &Unit) -> Vec<FieldError> {
    let text = |v: &Value| v.as_str().map(|s| s.trim().to_owned());
    let mut fields = Vec::new();
    let mut refuse = |field: &str, what: &str| {
        fields.push(FieldError::new(
            field,
            format!("{what}属于关键信息，须提交关键信息变更申请，经审核后变更。"),
        ));
    };
    if let Some(v) = body.name.as_ref().filter(|v| !v.is_null())
        && text(v).as_deref() != Some(unit.name.as_str())
    {
        refuse("name", "单位名称");
    }
    if let Some(v) = body.uscc.as_ref().filter(|v| !v.is_null())
        && text(v).map(|s| Uscc::normalise(&s)).as_deref() != Some(unit.uscc.as_str())
    {
        refuse("uscc", "统一社会信用代码");
    }
    if let Some(v) = body.legal_representative.as_ref().filter(|v| !v.is_null()) {
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

/// Changes the unit's general information online (单位一般信息变更,
/// R-UNIT-2): address, postcode, phone and contact. Records one business
/// item with the before/after values of the changed fields; a request that
/// changes nothing records nothing. The unit's name, USCC and legal
/// representative are key information and need a reviewed key-information
/// change request (`POST /api/v1/portal/key-change-requests`).
#[utoipa::path(
    tag = "portal",
    operation_id = "update_unit",
    security(("bearer" = [])),
    request_body = UnitGeneralChange,
    responses(
        (status = 200, body = UnitChangeResult),
        (status = 400, description = "Malformed body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A key field differs (`KEY_INFO_NEEDS_REVIEW`): name, USCC and legal representative change only through a reviewed key-information change request.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[patch("/unit")]
pub async fn update_unit(
    user: UnitUser,
    state: web::Data<AppState>,
    body: web::Json<UnitGeneralChange>,
) -> Result<web::Json<UnitChangeResult>, ApiError> {
    let body = body.into_inner();
    let fields = validate_general(&body)?;
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let UnitUser { principal, unit_id } = user;
    let result = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            let unit = match unit_db::get_unit(conn, unit_id) {
                Ok(u) => u,
                Err(DbError::NotFound) => return Err(unit_not_found()),
                Err(e) => return Err(e.into()),
            };
            let key = changed_key_fields(&body, &unit);
            if !key.is_empty() {
                return Err(ApiError::unprocessable(
                    "KEY_INFO_NEEDS_REVIEW",
                    "单位名称、统一社会信用代码和法定代表人属于关键信息，不能在此直接修改：请通过关键信息变更申请（POST /api/v1/portal/key-change-requests）提交并上传证明材料，经经办机构审核后变更。",
                )
                .with_errors(key));
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
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_GENERAL_CHANGE,
                    status: DONE,
                    before: Some(json!(before)),
                    after: Some(json!(after)),
                },
                now,
            )?;
            Ok(UnitChangeResult {
                changed_fields,
                business_item_id: Some(item.id),
                unit: unit_info(conn, updated, today)?,
            })
        })
    })
    .await?;
    Ok(web::Json(result))
}

/// Adding an insurance for the unit (单位增加险种登记, R-UNIT-3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInsuranceAddition {
    /// Insurance type (险种, AAE140): 110, 210 or 410.
    #[schema(example = "210")]
    pub insurance: Option<String>,
    /// First insured month, YYYYMM: this month or next.
    #[schema(example = "202305")]
    pub start_period: Option<String>,
}

/// Adds an insurance for the unit (单位增加险种登记, R-UNIT-3), starting this
/// month or next. An insurance the unit stopped earlier is registered again
/// from a month after its last insured month. Adding work injury (410)
/// extends the unit's floating factor back to the start month when needed.
#[utoipa::path(
    tag = "portal",
    operation_id = "create_unit_insurance",
    security(("bearer" = [])),
    request_body = UnitInsuranceAddition,
    responses(
        (status = 201, body = UnitInsuranceDto),
        (status = 400, description = "Malformed body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The unit already has this insurance (`INSURANCE_ALREADY_REGISTERED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The start month is not this month or next, or not after the last insured month of an earlier stop (`START_PERIOD_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/unit/insurances")]
pub async fn create_unit_insurance(
    user: UnitUser,
    state: web::Data<AppState>,
    body: web::Json<UnitInsuranceAddition>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let insurance = parse_field(
        body.insurance.as_deref(),
        "insurance",
        Insurance::parse_collected,
        &mut errors,
    );
    let start = parse_field(
        body.start_period.as_deref(),
        "start_period",
        Period::parse,
        &mut errors,
    );
    let (Some(insurance), Some(start), true) = (insurance, start, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let UnitUser { principal, unit_id } = user;
    let dto = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            if let Err(DbError::NotFound) = unit_db::get_unit(conn, unit_id) {
                return Err(unit_not_found());
            }
            let existing = unit_db::find_unit_insurance(conn, unit_id, insurance.code())?;
            if existing.as_ref().is_some_and(|e| e.status == repo::ACTIVE) {
                return Err(ApiError::conflict(
                    "INSURANCE_ALREADY_REGISTERED",
                    format!("本单位已参加{}，无需重复登记。", insurance.name_zh()),
                ));
            }
            let previous_stop = existing
                .as_ref()
                .and_then(|e| e.stop_period)
                .map(stored_period)
                .transpose()?;
            check_addition_start(start, today, previous_stop)
                .map_err(|e| rule_refused("START_PERIOD_NOT_ALLOWED", "start_period", &e))?;
            let before = existing
                .as_ref()
                .map(UnitInsuranceDto::from_row)
                .transpose()?;
            let row = match &existing {
                Some(e) => unit_db::restart_unit_insurance(conn, e.id, start.yyyymm())?,
                None => repo::insert_unit_insurance(
                    conn,
                    &NewUnitInsurance {
                        unit_id,
                        insurance: insurance.code().to_owned(),
                        start_period: start.yyyymm(),
                        status: repo::ACTIVE.to_owned(),
                        latest_accounted_period: None,
                        latest_paid_period: None,
                    },
                )?,
            };
            let mut factor_note = None;
            if insurance == Insurance::WorkInjury {
                factor_note = cover_injury_factor(conn, unit_id, start)?;
            }
            let dto = UnitInsuranceDto::from_row(&row)?;
            let mut after = json!(dto);
            if let Some(note) = factor_note {
                after["floating_factor"] = note;
            }
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_INSURANCE_ADDED,
                    status: DONE,
                    before: before.map(|b| json!(b)),
                    after: Some(after),
                },
                now,
            )?;
            Ok(dto)
        })
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto))
}

/// Makes the unit's work-injury floating factor cover `start`, as
/// [`cover_injury_start`] decides (R-UNIT-3, R-POL-2): the earliest factor
/// is extended back, or the standard factor is created when the unit has
/// none. Returns what changed, for the business item.
fn cover_injury_factor(
    conn: &mut DbConn,
    unit_id: i64,
    start: Period,
) -> Result<Option<Value>, ApiError> {
    let factors = unit_db::list_injury_factors(conn, unit_id)?;
    let first = factors.first();
    let earliest = first.map(|f| stored_period(f.from_period)).transpose()?;
    match (cover_injury_start(earliest, start), first) {
        (InjuryFactorCover::Standard { from, factor_pct }, _) => {
            repo::insert_unit_injury_factor(
                conn,
                &NewUnitInjuryFactor {
                    unit_id,
                    from_period: from.yyyymm(),
                    to_period: None,
                    factor_pct,
                },
            )?;
            Ok(Some(
                json!({ "from_period": from, "factor_pct": factor_pct }),
            ))
        }
        (InjuryFactorCover::ExtendBack { from_before, from }, Some(first)) => {
            unit_db::set_injury_factor_from(conn, first.id, from.yyyymm())?;
            Ok(Some(json!({
                "factor_pct": first.factor_pct,
                "from_period_before": from_before,
                "from_period": from,
            })))
        }
        _ => Ok(None),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StopQuery {
    /// The last insured month, YYYYMM: last month, this month or next, and
    /// not before the latest accounted period.
    #[param(example = "202304")]
    pub stop_period: Option<String>,
}

/// Removes an insurance from the unit (单位减少险种登记, R-UNIT-3): the
/// insurance is stopped after `stop_period`, its last insured month.
/// Refused while persons of the unit are still insured in it (suspend them
/// first) and for the unit's last insurance.
#[utoipa::path(
    tag = "portal",
    operation_id = "delete_unit_insurance",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "Insurance type (险种, AAE140): 110, 210 or 410."),
        StopQuery,
    ),
    responses(
        (status = 200, description = "The insurance, now `suspended` with its stop period.", body = UnitInsuranceDto),
        (status = 400, description = "Bad insurance code or missing/malformed `stop_period` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The unit does not have this insurance (`INSURANCE_NOT_REGISTERED`), or the token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already stopped (`INSURANCE_ALREADY_STOPPED`); persons still insured in it (`ACTIVE_EMPLOYMENTS`); the unit's last insurance (`LAST_INSURANCE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The stop month is outside last month … next month, before the latest accounted period or before the start (`STOP_PERIOD_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[delete("/unit/insurances/{code}")]
pub async fn delete_unit_insurance(
    user: UnitUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<StopQuery>,
) -> Result<web::Json<UnitInsuranceDto>, ApiError> {
    let mut errors = Vec::new();
    let insurance = parse_field(
        Some(path.as_str()),
        "code",
        Insurance::parse_collected,
        &mut errors,
    );
    let stop = parse_field(
        query.stop_period.as_deref(),
        "stop_period",
        Period::parse,
        &mut errors,
    );
    let (Some(insurance), Some(stop), true) = (insurance, stop, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let UnitUser { principal, unit_id } = user;
    let dto = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            if let Err(DbError::NotFound) = unit_db::get_unit(conn, unit_id) {
                return Err(unit_not_found());
            }
            let all = unit_db::list_unit_insurances(conn, unit_id)?;
            let Some(existing) = all.iter().find(|i| i.insurance == insurance.code()) else {
                return Err(ApiError::not_found(
                    "INSURANCE_NOT_REGISTERED",
                    format!("本单位未参加{}。", insurance.name_zh()),
                ));
            };
            if existing.status != repo::ACTIVE {
                return Err(ApiError::conflict(
                    "INSURANCE_ALREADY_STOPPED",
                    format!("本单位的{}已经减少（暂停缴费）。", insurance.name_zh()),
                ));
            }
            let persons = unit_db::count_active_employments(conn, unit_id, insurance.code())?;
            if persons > 0 {
                return Err(ApiError::conflict(
                    "ACTIVE_EMPLOYMENTS",
                    format!(
                        "本单位尚有{persons}名人员正在参加{}，请先为这些人员办理停保（人员减少）后再减少险种。",
                        insurance.name_zh()
                    ),
                ));
            }
            if !all
                .iter()
                .any(|i| i.status == repo::ACTIVE && i.insurance != insurance.code())
            {
                return Err(ApiError::conflict(
                    "LAST_INSURANCE",
                    "这是本单位唯一在参的险种，不能减少；如需注销单位参保，请到经办机构办理。",
                ));
            }
            let accounted = existing
                .latest_accounted_period
                .map(stored_period)
                .transpose()?;
            check_stop(stop, today, stored_period(existing.start_period)?, accounted)
                .map_err(|e| rule_refused("STOP_PERIOD_NOT_ALLOWED", "stop_period", &e))?;
            let before = UnitInsuranceDto::from_row(existing)?;
            let row = unit_db::stop_unit_insurance(conn, existing.id, stop.yyyymm())?;
            let dto = UnitInsuranceDto::from_row(&row)?;
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_INSURANCE_REMOVED,
                    status: DONE,
                    before: Some(json!(before)),
                    after: Some(json!(dto)),
                },
                now,
            )?;
            Ok(dto)
        })
    })
    .await?;
    Ok(web::Json(dto))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_unit)
        .service(update_unit)
        .service(list_unit_change_history)
        .service(create_unit_insurance)
        .service(delete_unit_insurance);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use qibao_db::rows::UnitInjuryFactor;

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(paging(None, None).unwrap(), (1, 20, 0));
        assert_eq!(paging(Some(3), Some(200)).unwrap(), (3, 200, 400));
        let e = paging(Some(0), Some(201)).unwrap_err();
        let fields: Vec<&str> = e.errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["page", "page_size"]);
    }

    #[test]
    fn factor_in_force_or_first_later() {
        let f = |id, from, to, pct| UnitInjuryFactor {
            id,
            unit_id: 1,
            from_period: from,
            to_period: to,
            factor_pct: pct,
        };
        let factors = [f(1, 202001, Some(202212), 100), f(2, 202301, None, 120)];
        assert_eq!(current_factor(&factors, 202206), Some(100));
        assert_eq!(current_factor(&factors, 202304), Some(120));
        assert_eq!(current_factor(&factors, 201901), Some(100));
        assert_eq!(current_factor(&[], 202304), None);
    }

    #[test]
    fn actors_are_split_without_their_subject() {
        let item = |actor: &str| BusinessItem {
            id: 1,
            unit_id: Some(1),
            kind: "agent_added".into(),
            status: "done".into(),
            actor: actor.into(),
            channel: "portal".into(),
            before_json: None,
            after_json: Some(r#"{"a":1}"#.into()),
            created_at: time::macros::datetime!(2023-04-20 01:30),
            updated_at: time::macros::datetime!(2023-04-20 01:30),
        };
        let h = history_item(item("legal_rep:91420500MA4C8QD2X5:刘建国"));
        assert_eq!(h.actor_role.as_deref(), Some("legal_rep"));
        assert_eq!(h.actor_name, "刘建国");
        assert_eq!(h.label, "增加经办人");
        assert_eq!(h.after, Some(json!({"a": 1})));
        assert_eq!(h.created_at, "2023-04-20T01:30:00Z");
        let demo = history_item(item("demo"));
        assert_eq!((demo.actor_role, demo.actor_name.as_str()), (None, "demo"));
    }
}

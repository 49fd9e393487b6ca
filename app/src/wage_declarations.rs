//! 缴费工资申报: the unit's yearly wage-base declaration (R-WAGE-1…4).
//! Per employee the previous year's total wages and months paid, or the
//! first month's wage, or an average monthly wage → declared wage rounded to
//! 10 yuan → base clamped to the year's floor and ceiling
//! (`qibao_core::contribution`). Corrections inside the window replace the
//! current version; every version is kept.

use std::collections::{BTreeSet, HashMap};

use qibao_core::business_item::BusinessItemKind;
use qibao_core::contribution::{
    BaseAdjustment, WageBasis, contribution_base, declared_monthly_wage,
};
use qibao_core::declaration::check_wage_window;
use qibao_core::{Money, SiYear};
use qibao_db::declarations::{self as decl_db, NewWageDeclaration, NewWagePerson, WagePerson};
use qibao_db::ids::{PersonId, UnitId, WageDeclarationId};
use qibao_db::rows::Person;
use qibao_db::{DbConn, DbError, employees as emp_db, repo};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::employees::requests::wage_field;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::AsActor;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::items::{self, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// Business item kind of a wage-base declaration.
pub const KIND_WAGE_DECLARATION: BusinessItemKind = BusinessItemKind::WageDeclaration;

/// One employee's declared wage, as the API parsed it.
#[derive(Debug, Clone)]
pub struct WagePersonInput {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    pub basis: WageBasis,
}

/// One employee's declared wage. Give exactly one of: the previous year's
/// total wages with the months paid, the first month's wage (new hires), or
/// an average monthly wage.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WagePersonRequest {
    /// Person number (个人编号, AAC001), 11 digits.
    #[cfg_attr(feature = "openapi", schema(example = "10003726000"))]
    pub person_no: Option<String>,
    /// The previous calendar year's total wages (上年工资总额), yuan as a string.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "62815.20"))]
    pub previous_year_total_wages: Option<Value>,
    /// Months actually paid in the previous year (实发月数), 1–12.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 12))]
    pub months_paid: Option<Value>,
    /// A new hire's first month's wage (首月工资).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "5234.56"))]
    pub first_month_wage: Option<Value>,
    /// An average monthly wage computed by the unit (月平均工资).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "5234.56"))]
    pub monthly_wage: Option<Value>,
}

/// 缴费工资申报 with the commitment statement (申报承诺书, R-WAGE-4).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageDeclarationRequest {
    /// Must be true: the unit confirms the commitment statement (申报承诺书).
    pub commitment_confirmed: Option<bool>,
    pub persons: Option<Vec<WagePersonRequest>>,
}

fn months_field(v: &Option<Value>, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match v {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(Value::Number(n)) => match n.as_i64() {
            Some(m) if (1..=12).contains(&m) => Some(m),
            _ => {
                errors.push(FieldError::new(field, "实发月数应为1至12的整数"));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(field, "实发月数应为1至12的整数"));
            None
        }
    }
}

/// Parses the persons of a declaration request (every field error at
/// once; fields named `persons[i].…`).
pub fn parse_persons(
    req: &WageDeclarationRequest,
) -> Result<Vec<WagePersonInput>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(persons) = req.persons.as_ref() else {
        return Err(vec![FieldError::new("persons", "缺少必填字段。")]);
    };
    if persons.is_empty() {
        return Err(vec![FieldError::new("persons", "至少申报一名职工")]);
    }
    let mut out = Vec::with_capacity(persons.len());
    let mut seen = BTreeSet::new();
    for (i, p) in persons.iter().enumerate() {
        let f = |name: &str| format!("persons[{i}].{name}");
        let person_no = match p.person_no.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new(f("person_no"), "缺少必填字段。"));
                None
            }
            Some(s) => match qibao_core::ids::PersonNo::parse(s) {
                Ok(_) if !seen.insert(s.to_string()) => {
                    errors.push(FieldError::new(f("person_no"), "同一人员不能重复申报"));
                    None
                }
                Ok(_) => Some(s.to_string()),
                Err(e) => {
                    errors.push(FieldError::new(f("person_no"), e.to_string()));
                    None
                }
            },
        };
        let given = [
            p.previous_year_total_wages
                .as_ref()
                .is_some_and(|v| !v.is_null()),
            p.first_month_wage.as_ref().is_some_and(|v| !v.is_null()),
            p.monthly_wage.as_ref().is_some_and(|v| !v.is_null()),
        ];
        let basis = match given {
            [true, false, false] => {
                let total = wage_field(
                    &p.previous_year_total_wages,
                    &f("previous_year_total_wages"),
                    true,
                    &mut errors,
                );
                let months = months_field(&p.months_paid, &f("months_paid"), &mut errors);
                match (total, months) {
                    (Some(total_wages), Some(months_paid)) => Some(WageBasis::PreviousYear {
                        total_wages,
                        months_paid,
                    }),
                    _ => None,
                }
            }
            [false, true, false] => wage_field(
                &p.first_month_wage,
                &f("first_month_wage"),
                true,
                &mut errors,
            )
            .map(|wage| WageBasis::FirstMonth { wage }),
            [false, false, true] => {
                wage_field(&p.monthly_wage, &f("monthly_wage"), true, &mut errors)
                    .map(|wage| WageBasis::Monthly { wage })
            }
            _ => {
                errors.push(FieldError::new(
                    format!("persons[{i}]"),
                    "请填写且只填写一种工资：上年工资总额和实发月数、首月工资或月平均工资",
                ));
                None
            }
        };
        if let (Some(person_no), Some(basis)) = (person_no, basis) {
            out.push(WagePersonInput { person_no, basis });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(out)
}

/// One employee in a wage-base declaration.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WagePersonDto {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub name: String,
    /// previous_year, first_month or monthly.
    pub basis: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub previous_year_total_wages: Option<Money>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub months_paid: Option<i32>,
    /// The first month's or average monthly wage, as given.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub wage: Option<Money>,
    /// Declared monthly wage rounded to 10 yuan (申报工资, R-WAGE-2).
    pub declared_wage: Money,
    /// Contribution base (缴费基数, AAE180) = clamp(declared, floor, ceiling).
    pub base: Money,
    pub adjustment: BaseAdjustment,
}

/// One version of the declaration (history).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageVersionDto {
    pub version: i32,
    /// Who confirmed the commitment statement.
    pub committed_by: String,
    /// RFC 3339, China time.
    #[serde(with = "crate::clock::rfc3339")]
    pub committed_at: OffsetDateTime,
    /// When a correction replaced it (None: current; UTC, RFC 3339).
    #[serde(with = "crate::clock::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub superseded_at: Option<OffsetDateTime>,
}

/// A unit's current wage-base declaration for a social-insurance year.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageDeclarationDto {
    /// Social-insurance year (社保年度): July of this year to June of the next.
    #[cfg_attr(feature = "openapi", schema(example = 2022))]
    pub si_year: i32,
    pub version: i32,
    /// Declared after the window (later months may carry interest and late fees).
    pub late: bool,
    pub commitment_confirmed: bool,
    pub committed_by: String,
    /// When the commitment was confirmed (RFC 3339, China time).
    #[serde(with = "crate::clock::rfc3339")]
    pub committed_at: OffsetDateTime,
    /// The year's floor and ceiling (缴费基数下限/上限).
    pub floor: Money,
    pub ceiling: Money,
    pub persons: Vec<WagePersonDto>,
    /// Every version, oldest first.
    pub history: Vec<WageVersionDto>,
}

fn basis_code(b: &WageBasis) -> &'static str {
    match b {
        WageBasis::PreviousYear { .. } => "previous_year",
        WageBasis::FirstMonth { .. } => "first_month",
        WageBasis::Monthly { .. } => "monthly",
    }
}

fn adjustment_code(a: BaseAdjustment) -> &'static str {
    match a {
        BaseAdjustment::None => "none",
        BaseAdjustment::RaisedToFloor => "raised_to_floor",
        BaseAdjustment::LoweredToCeiling => "lowered_to_ceiling",
    }
}

fn adjustment_of(s: &str) -> BaseAdjustment {
    match s {
        "raised_to_floor" => BaseAdjustment::RaisedToFloor,
        "lowered_to_ceiling" => BaseAdjustment::LoweredToCeiling,
        _ => BaseAdjustment::None,
    }
}

fn not_declared(si_year: SiYear) -> AppError {
    AppError::new(ErrorCode::WageDeclarationNotFound)
        .with_detail(format!("单位尚未办理{si_year}社保年度的缴费工资申报"))
}

/// The current declaration of the unit for the year, as the unit sees it.
fn load_dto(
    conn: &mut DbConn,
    ctx: &UnitContext,
    si_year: SiYear,
) -> Result<Option<WageDeclarationDto>, AppError> {
    let versions = decl_db::wage_declaration_versions(conn, ctx.unit.id, si_year.0)?;
    let Some(current) = versions.iter().find(|v| v.superseded_at.is_none()).cloned() else {
        return Ok(None);
    };
    let rows = decl_db::wage_persons(conn, current.id)?;
    let ids: Vec<PersonId> = rows.iter().map(|r| r.person_id).collect();
    let persons: HashMap<PersonId, Person> = emp_db::get_persons(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let bounds = ctx.policy.bounds_for(si_year)?;
    Ok(Some(WageDeclarationDto {
        si_year: si_year.0,
        version: current.version,
        late: current.late,
        commitment_confirmed: true,
        committed_by: current.committed_by.clone(),
        committed_at: current.committed_at.assume_utc(),
        floor: bounds.floor,
        ceiling: bounds.ceiling,
        persons: rows
            .iter()
            .map(|r: &WagePerson| WagePersonDto {
                person_no: persons
                    .get(&r.person_id)
                    .map(|p| p.person_no.clone())
                    .unwrap_or_default(),
                name: persons
                    .get(&r.person_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                basis: r.basis.clone(),
                previous_year_total_wages: r.previous_year_total_fen.map(Money::from_fen),
                months_paid: r.months_paid,
                wage: r.wage_fen.map(Money::from_fen),
                declared_wage: Money::from_fen(r.declared_fen),
                base: Money::from_fen(r.base_fen),
                adjustment: adjustment_of(&r.adjustment),
            })
            .collect(),
        history: versions
            .iter()
            .map(|v| WageVersionDto {
                version: v.version,
                committed_by: v.committed_by.clone(),
                committed_at: v.committed_at.assume_utc(),
                superseded_at: v.superseded_at.map(PrimitiveDateTime::assume_utc),
            })
            .collect(),
    }))
}

/// The unit's current wage-base declaration for `si_year`, with its
/// history, or `WAGE_DECLARATION_NOT_FOUND`.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    si_year: SiYear,
) -> Result<WageDeclarationDto, AppError> {
    read_transaction(conn, |c| {
        let ctx = UnitContext::load(c, unit_id)?;
        load_dto(c, &ctx, si_year)?.ok_or_else(|| not_declared(si_year))
    })
}

/// Declares (or corrects, inside the window) the unit's wage bases for
/// `si_year` in one transaction; the commitment statement is confirmed
/// (the API refuses a request without it).
pub fn declare_year(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    unit_id: UnitId,
    si_year: SiYear,
    persons: &[WagePersonInput],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<WageDeclarationDto, AppError> {
    transaction(conn, |c| {
        declare(c, who, unit_id, si_year, persons, today, now)
    })
}

/// Declares each person's monthly wage for `si_year`, in the caller's
/// transaction (the demo's first month).
pub fn declare_monthly_wages(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    unit_id: UnitId,
    si_year: SiYear,
    wages: &[(String, Money)],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<WageDeclarationDto, AppError> {
    let persons: Vec<WagePersonInput> = wages
        .iter()
        .map(|(no, wage)| WagePersonInput {
            person_no: no.clone(),
            basis: WageBasis::Monthly { wage: *wage },
        })
        .collect();
    declare(conn, who, unit_id, si_year, &persons, today, now)
}

fn declare(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    unit_id: UnitId,
    si_year: SiYear,
    persons: &[WagePersonInput],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<WageDeclarationDto, AppError> {
    let ctx = UnitContext::load(conn, unit_id)?;
    // The window's dates alone (the year's bounds may be missing: then the
    // window answers first).
    let windows = ctx
        .policy
        .windows
        .iter()
        .find(|w| w.range.contains(si_year.first_period()))
        .cloned()
        .ok_or_else(|| {
            AppError::new(ErrorCode::PolicyNotInForce)
                .with_detail(format!("参保地没有{si_year}社保年度的申报期参数"))
        })?;
    let existing = decl_db::current_wage_declaration(conn, unit_id, si_year.0)?;
    let late = check_wage_window(
        si_year,
        today,
        windows.wage_window_start,
        windows.wage_window_end,
        existing.is_some(),
    )
    .map_err(|e| AppError::new(ErrorCode::WageWindowClosed).with_detail(e.to_string()))?;
    let bounds = ctx.policy.bounds_for(si_year)?.clone();
    // Only the unit's active employees.
    let active: BTreeSet<PersonId> = emp_db::employments_of_unit(conn, unit_id)?
        .into_iter()
        .filter(|e| e.status == repo::ACTIVE)
        .map(|e| e.person_id)
        .collect();
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(persons.len());
    for (i, p) in persons.iter().enumerate() {
        let person = emp_db::find_by_person_no(conn, &p.person_no)?;
        let Some(person) = person.filter(|x| active.contains(&x.id)) else {
            errors.push(FieldError::new(
                format!("persons[{i}].person_no"),
                format!("{}不是本单位在职参保职工", p.person_no),
            ));
            continue;
        };
        let declared = declared_monthly_wage(p.basis)?;
        let d = contribution_base(declared, &bounds);
        let (total, months, wage) = match p.basis {
            WageBasis::PreviousYear {
                total_wages,
                months_paid,
            } => (
                Some(total_wages.fen()),
                i32::try_from(months_paid).ok(),
                None,
            ),
            WageBasis::FirstMonth { wage } | WageBasis::Monthly { wage } => {
                (None, None, Some(wage.fen()))
            }
        };
        rows.push(NewWagePerson {
            declaration_id: WageDeclarationId(0),
            person_id: person.id,
            basis: basis_code(&p.basis).to_string(),
            previous_year_total_fen: total,
            months_paid: months,
            wage_fen: wage,
            declared_fen: d.declared.fen(),
            base_fen: d.base.fen(),
            adjustment: adjustment_code(d.adjustment).to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::new(ErrorCode::PersonNotActive).with_errors(errors));
    }
    let before = match &existing {
        Some(e) => {
            decl_db::supersede(conn, e.id, now)?;
            load_dto(conn, &ctx, si_year)?
                .map(|d| json!({"version": d.version, "persons": d.persons.len()}))
        }
        None => None,
    };
    let version = decl_db::wage_declaration_versions(conn, unit_id, si_year.0)?
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(0)
        + 1;
    decl_db::insert_wage_declaration(
        conn,
        &NewWageDeclaration {
            unit_id,
            si_year: si_year.0,
            version,
            late,
            committed_by: who.as_actor().name,
            committed_at: now,
            superseded_at: None,
            created_at: now,
        },
        &rows,
    )
    .map_err(|e| match e {
        DbError::Conflict { .. } => AppError::new(ErrorCode::ConcurrentChange)
            .with_detail("该社保年度的缴费工资申报正在被其他请求办理，请刷新后核对。"),
        other => other.into(),
    })?;
    items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_WAGE_DECLARATION,
            status: items::DONE,
            before,
            after: Some(
                json!({"si_year": si_year.0, "version": version, "late": late, "persons": rows.len()}),
            ),
        },
        now,
    )?;
    load_dto(conn, &ctx, si_year)?.ok_or_else(|| AppError::internal_cause("declaration vanished"))
}

//! Contribution quotes for payroll software (R-WAGE-2, R-MON-2, R-POL-3):
//! declared wages in, bases and per-insurance lines out, with the
//! parameters that were applied. Nothing is stored.

use actix_web::{post, web};
use qibao_core::contribution::{
    AssessmentLine, BaseAdjustment, Totals, WageBasis, assess, contribution_base,
    declared_monthly_wage,
};
use qibao_core::insurance::{FloatFactor, InjuryRating, Insurance, RiskClass};
use qibao_core::policy::{BaseBounds, Source};
use qibao_core::{Money, Period, Rate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::blocking::run_db;
use crate::http::extract::Json;
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::policy::{load_policy, parse_period, parse_region};
use crate::state::AppState;

/// The most persons one quote may carry.
pub const MAX_QUOTE_PERSONS: usize = 5000;

/// One person's wage, in one of two forms (R-WAGE-1): the monthly wage
/// (`monthly_wage`, e.g. a new hire's first month), or the previous year's
/// total wages with the months actually paid.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuotePerson {
    /// The client's own reference (payroll id, name…), echoed back;
    /// optional.
    #[schema(example = "emp-001")]
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Declared monthly wage in yuan, as a string ("5234.56") or an integer.
    #[schema(value_type = Option<String>, example = "3450.00")]
    pub monthly_wage: Option<serde_json::Value>,
    /// The previous calendar year's total wages (1990 NBS wage composition).
    #[schema(value_type = Option<String>, example = "62815.00")]
    pub previous_year_total_wages: Option<serde_json::Value>,
    /// Months actually paid in the previous year, 1–12 (with the total).
    #[schema(example = 12)]
    pub months_paid: Option<i64>,
}

/// A quote request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// Region code (参保所属地), 6 digits.
    #[schema(example = "420500")]
    pub region: String,
    /// Contribution month YYYYMM (费款所属期, AAE002).
    #[schema(example = "202208")]
    pub period: String,
    /// Insurance codes (险种, AAE140); default all three: 110, 210, 410.
    #[schema(example = json!(["110", "210", "410"]))]
    pub insurances: Option<Vec<String>>,
    /// Industry risk class 1–8 (行业风险类别, AAA149); required with 410.
    #[schema(example = 1)]
    pub risk_class: Option<i64>,
    /// Work-injury floating factor in percent (class 1: 100/120/150;
    /// classes 2–8: 50/80/100/120/150). Default 100.
    #[schema(example = 100)]
    pub floating_factor: Option<i64>,
    /// 1 to 5000 persons.
    pub persons: Vec<QuotePerson>,
}

/// One person's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotePersonResult {
    /// Position in the request, from 0.
    pub index: usize,
    /// The request's `ref` of this person, echoed (null when none was given).
    #[serde(rename = "ref")]
    #[schema(required = true)]
    pub reference: Option<String>,
    /// The declared monthly wage rounded to 10 yuan (R-WAGE-2).
    pub declared_wage: Money,
    /// The contribution base: the declared wage within [floor, ceiling].
    pub base: Money,
    pub base_adjustment: BaseAdjustment,
    pub lines: Vec<AssessmentLine>,
    pub totals: Totals,
}

/// Totals per insurance across all persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct InsuranceTotal {
    pub insurance: Insurance,
    #[schema(example = "企业职工基本养老保险")]
    pub name: String,
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
}

/// The work-injury rate applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct InjuryRateApplied {
    pub risk_class: u8,
    /// The class's base rate for the period.
    pub class_rate: Rate,
    /// The unit's floating factor in percent.
    pub floating_factor: u16,
    /// class_rate × floating_factor.
    pub effective_rate: Rate,
    pub source: Source,
}

/// A rate applied, with its source.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateApplied {
    pub insurance: Insurance,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub source: Source,
}

/// Which parameters were applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteParameters {
    pub bounds: BaseBounds,
    pub rates: Vec<RateApplied>,
    #[schema(required = true)]
    pub injury: Option<InjuryRateApplied>,
}

/// A quote: per person and insurance, and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteResponse {
    #[schema(example = "420500")]
    pub region: String,
    #[schema(example = "宜昌市本级")]
    pub region_name: String,
    pub period: Period,
    /// The social-insurance year of the period (July–June), named by its first year.
    #[schema(example = 2022)]
    pub si_year: i32,
    pub persons: Vec<QuotePersonResult>,
    pub by_insurance: Vec<InsuranceTotal>,
    pub totals: Totals,
    /// The grand total in Chinese capital numerals (R-MON-3).
    #[schema(example = "捌佰陆拾玖元肆角整")]
    pub total_in_capitals: String,
    pub parameters: QuoteParameters,
}

/// A money field of a person: string or integer JSON, exact.
fn money_field(v: &serde_json::Value, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    let parsed = match v {
        serde_json::Value::String(s) => Money::parse_non_negative(s).map_err(|e| e.to_string()),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
            Money::parse_non_negative(&n.to_string()).map_err(|e| e.to_string())
        }
        serde_json::Value::Number(_) => {
            Err("带小数的金额请用字符串表示，如 \"5234.56\"，以免精度损失".to_string())
        }
        _ => Err("金额应为字符串，如 \"3450.00\"".to_string()),
    };
    match parsed {
        Ok(m) => Some(m),
        Err(message) => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

fn person_basis(i: usize, p: &QuotePerson, errors: &mut Vec<FieldError>) -> Option<WageBasis> {
    let at = |f: &str| format!("persons[{i}].{f}");
    match (&p.monthly_wage, &p.previous_year_total_wages, p.months_paid) {
        (Some(w), None, None) => {
            money_field(w, &at("monthly_wage"), errors).map(|wage| WageBasis::Monthly { wage })
        }
        (None, Some(t), Some(months)) => {
            let total = money_field(t, &at("previous_year_total_wages"), errors);
            if !(1..=12).contains(&months) {
                errors.push(FieldError::new(at("months_paid"), "实发工资月数应为1至12"));
                return None;
            }
            total.map(|total_wages| WageBasis::PreviousYear {
                total_wages,
                months_paid: months,
            })
        }
        (None, Some(_), None) => {
            errors.push(FieldError::new(
                at("months_paid"),
                "填写上年工资总额时须同时填写实发工资月数",
            ));
            None
        }
        (None, None, _) => {
            errors.push(FieldError::new(
                at("monthly_wage"),
                "请填写月缴费工资（monthly_wage），或上年工资总额及实发月数",
            ));
            None
        }
        _ => {
            errors.push(FieldError::new(
                at("monthly_wage"),
                "月缴费工资与上年工资总额只能填写一种",
            ));
            None
        }
    }
}

struct ParsedQuote {
    region: qibao_core::ids::RegionCode,
    period: Period,
    insurances: Vec<Insurance>,
    rating: Option<InjuryRating>,
    persons: Vec<(Option<String>, WageBasis)>,
}

fn parse_request(req: QuoteRequest) -> Result<ParsedQuote, ApiError> {
    let mut errors = Vec::new();
    let region = parse_region(&req.region, "region")
        .map_err(|e| errors.extend(e.errors().to_vec()))
        .ok();
    let period = parse_period(&req.period, "period")
        .map_err(|e| errors.extend(e.errors().to_vec()))
        .ok();
    let codes = req.insurances.unwrap_or_else(|| {
        Insurance::COLLECTED
            .iter()
            .map(|i| i.code().to_string())
            .collect()
    });
    let mut insurances = Vec::new();
    if codes.is_empty() {
        errors.push(FieldError::new("insurances", "至少选择一个险种"));
    }
    for (i, c) in codes.iter().enumerate() {
        match Insurance::parse_collected(c) {
            Ok(ins) if insurances.contains(&ins) => {
                errors.push(FieldError::new(
                    format!("insurances[{i}]"),
                    format!("险种{c}重复"),
                ));
            }
            Ok(ins) => insurances.push(ins),
            Err(e) => errors.push(FieldError::new(format!("insurances[{i}]"), e.to_string())),
        }
    }
    let mut rating = None;
    if insurances.contains(&Insurance::WorkInjury) {
        match req.risk_class.map(RiskClass::new) {
            None => errors.push(FieldError::new(
                "risk_class",
                "参保工伤保险须填写行业风险类别（1-8）",
            )),
            Some(Err(e)) => errors.push(FieldError::new("risk_class", e.to_string())),
            Some(Ok(class)) => match FloatFactor::new(class, req.floating_factor.unwrap_or(100)) {
                Ok(factor) => rating = Some(InjuryRating { class, factor }),
                Err(e) => errors.push(FieldError::new("floating_factor", e.to_string())),
            },
        }
    }
    if req.persons.is_empty() {
        errors.push(FieldError::new("persons", "至少填写一名人员"));
    } else if req.persons.len() > MAX_QUOTE_PERSONS {
        errors.push(FieldError::new(
            "persons",
            format!(
                "一次最多测算{MAX_QUOTE_PERSONS}人，当前为{}人",
                req.persons.len()
            ),
        ));
    }
    let mut persons = Vec::with_capacity(req.persons.len());
    for (i, p) in req.persons.iter().enumerate().take(MAX_QUOTE_PERSONS) {
        if let Some(basis) = person_basis(i, p, &mut errors) {
            persons.push((p.reference.clone(), basis));
        }
    }
    match (region, period) {
        (Some(region), Some(period)) if errors.is_empty() => Ok(ParsedQuote {
            region,
            period,
            insurances,
            rating,
            persons,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// 缴费试算 — compute contributions
///
/// Computes contributions for one or many persons: the declared wage is
/// rounded to 10 yuan and clamped to the region's floor and ceiling for the
/// period's social-insurance year; each line is base × rate rounded half-up
/// to the fen; totals are sums of lines. Uses the parameters in force for
/// the period. Stores nothing.
#[utoipa::path(
    tag = "policy",
    operation_id = "create_quote",
    request_body = QuoteRequest,
    responses(
        (status = 200, body = QuoteResponse),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No parameters in force for the period (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/quotes")]
pub async fn create_quote(
    state: web::Data<AppState>,
    body: Json<QuoteRequest>,
) -> Result<web::Json<QuoteResponse>, ApiError> {
    let q = parse_request(body.into_inner())?;
    let code = q.region.clone();
    let policy = run_db(&state, move |conn| load_policy(conn, &code)).await?;
    let params = policy.in_force(q.period)?;

    let mut persons = Vec::with_capacity(q.persons.len());
    let mut totals = Totals::default();
    let mut by_insurance: Vec<InsuranceTotal> = q
        .insurances
        .iter()
        .map(|&insurance| InsuranceTotal {
            insurance,
            name: insurance.name_zh().to_string(),
            unit: Money::ZERO,
            individual: Money::ZERO,
            total: Money::ZERO,
        })
        .collect();
    for (index, (reference, basis)) in q.persons.into_iter().enumerate() {
        let declared = declared_monthly_wage(basis)?;
        let decision = contribution_base(declared, &params.bounds);
        let lines = assess(&params, decision.base, &q.insurances, q.rating)?;
        for l in &lines {
            totals.add_line(l.unit_amount, l.individual_amount, Money::ZERO, Money::ZERO);
            if let Some(t) = by_insurance.iter_mut().find(|t| t.insurance == l.insurance) {
                t.unit += l.unit_amount;
                t.individual += l.individual_amount;
                t.total += l.total;
            }
        }
        persons.push(QuotePersonResult {
            index,
            reference,
            declared_wage: decision.declared,
            base: decision.base,
            base_adjustment: decision.adjustment,
            totals: Totals::of_lines(&lines),
            lines,
        });
    }

    let mut rates = Vec::new();
    for &ins in q.insurances.iter().filter(|i| **i != Insurance::WorkInjury) {
        let r = params.rate(ins)?;
        rates.push(RateApplied {
            insurance: ins,
            unit_rate: r.unit_rate,
            individual_rate: r.individual_rate,
            source: r.source.clone(),
        });
    }
    let injury = match q.rating {
        Some(rating) => {
            let class_rate = params.injury_rate(rating.class)?;
            Some(InjuryRateApplied {
                risk_class: rating.class.get(),
                class_rate: class_rate.rate,
                floating_factor: rating.factor.percent(),
                effective_rate: class_rate.rate.times_percent(rating.factor.percent()),
                source: class_rate.source.clone(),
            })
        }
        None => None,
    };

    Ok(web::Json(QuoteResponse {
        region: policy.region.to_string(),
        region_name: policy.name.clone(),
        period: q.period,
        si_year: q.period.si_year().0,
        total_in_capitals: totals.total.to_capitals(),
        persons,
        by_insurance,
        totals,
        parameters: QuoteParameters {
            bounds: params.bounds.clone(),
            rates,
            injury,
        },
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_quote);
}

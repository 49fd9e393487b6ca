//! Maintaining policy parameters (R-POL-4) by staff with the policy role
//! (政策参数管理岗): each POST adds an effective-dated version of one
//! parameter of a region (or a year's bookkeeping interest rate). A version
//! starting inside an open-ended version of the same parameter closes that
//! one at the month before; the region's whole parameter set is then checked
//! ([`qibao_core::policy_change`]) and an invalid result is refused with 422,
//! writing nothing. Every change is audited as a business item
//! `policy_change` (no unit) with who, when and before/after, listed by
//! `GET /staff/policy/changes`.
//!
//! HTTP only: the use cases are in [`qibao_app::policy::admin`].
//!
//! A change never rewrites money already assessed: stored assessments keep
//! the amounts computed when they were made; a declaration for period P uses
//! the parameters in force for P (R-POL-3).

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, get, post, web};
use qibao_app::policy::admin::{self, PolicyChangeDto};
use qibao_core::ids::RegionCode;
use qibao_core::insurance::{Insurance, RiskClass};
use qibao_core::policy::{
    BaseBounds, Deferral, InjuryClassRate, LateFeeCap, LateFeeRule, MonthDay, RateRule, Source,
    Windows,
};
use qibao_core::policy_change::NewVersion;
use qibao_core::{Money, Period, PeriodRange, Rate, SiYear};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;

use crate::auth::{AsActor, Principal, StaffRole, StaffUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageInfo, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::policy::parse_region;
use crate::state::AppState;

/// The earliest period and year the storage accepts.
const FIRST_PERIOD: i32 = 199_001;
const FIRST_YEAR: i32 = 1990;
const LAST_YEAR: i32 = 2999;
/// The longest source text, in characters.
const MAX_SOURCE_CHARS: usize = 300;

/// Staff with the policy role (政策参数管理岗); others get 403.
#[derive(Debug, Clone)]
pub struct PolicyAdmin(pub Principal);

impl FromRequest for PolicyAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let staff = StaffUser::from_request(req, &mut Payload::None);
        Box::pin(async move {
            let StaffUser(p) = staff.await?;
            p.require_staff_role(StaffRole::PolicyAdmin)?;
            Ok(PolicyAdmin(p))
        })
    }
}

// ------------------------------------------------------------------ inputs

/// Contribution base bounds of one social-insurance year (R-POL-1), yuan per month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseBoundsInput {
    /// The social-insurance year by its first calendar year (2025 = 2025-07 … 2026-06).
    #[schema(example = 2027)]
    pub si_year: i32,
    /// 社平口径 (standard), yuan, as a decimal string.
    #[schema(example = "7500.00")]
    pub standard: String,
    /// 下限 (floor), yuan, greater than 0.
    #[schema(example = "4500.00")]
    pub floor: String,
    /// 上限 (ceiling), yuan; floor ≤ standard ≤ ceiling.
    #[schema(example = "22500.00")]
    pub ceiling: String,
    /// The published document (or "illustrative: …").
    #[schema(example = "鄂人社发〔2027〕1号")]
    pub source: String,
    /// True when the figures are not from a published source.
    pub illustrative: bool,
}

/// Unit and individual rates of pension (110) or unemployment (210) insurance (R-POL-2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    /// Insurance type (险种, AAE140): `110` or `210`.
    #[schema(example = "210")]
    pub insurance: String,
    /// First month in force, YYYYMM.
    #[schema(example = "202601")]
    pub from_period: String,
    /// Last month in force, YYYYMM; absent: open-ended.
    #[schema(example = json!(null))]
    pub to_period: Option<String>,
    /// Unit rate as a decimal fraction ("0.007" = 0.7%).
    #[schema(example = "0.005")]
    pub unit_rate: String,
    /// Individual rate as a decimal fraction.
    #[schema(example = "0.005")]
    pub individual_rate: String,
    #[schema(example = "鄂人社发〔2025〕12号")]
    pub source: String,
    pub illustrative: bool,
}

/// Work-injury base rate of one industry risk class (行业风险类别, AAA149).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InjuryRateInput {
    /// Industry risk class 1–8.
    #[schema(example = 1)]
    pub risk_class: i64,
    #[schema(example = "202601")]
    pub from_period: String,
    pub to_period: Option<String>,
    /// The class's base rate as a decimal fraction ("0.002" = 0.2%).
    #[schema(example = "0.002")]
    pub rate: String,
    #[schema(example = "人社部发〔2015〕71号")]
    pub source: String,
    pub illustrative: bool,
}

/// The late-fee rule (R-LATE-1, R-LATE-4).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateFeeInput {
    #[schema(example = "202601")]
    pub from_period: String,
    pub to_period: Option<String>,
    /// Per day of the overdue principal, decimal fraction ("0.0005" = 0.05%).
    #[schema(example = "0.0005")]
    pub daily_rate: String,
    /// The legal due date as a day (1–31) of the month after the
    /// contribution month; absent: the last day of the contribution month.
    #[schema(example = json!(null))]
    pub due_day_of_next_month: Option<i64>,
    /// `none`, or `principal` (the fee never exceeds the overdue principal).
    #[schema(example = "none")]
    pub cap: String,
    #[schema(example = "社会保险法 第八十六条")]
    pub source: String,
    pub illustrative: bool,
}

/// Windows and periods of grace (R-BACK-1, R-REF-1, R-DECL-4, R-WAGE-3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowsInput {
    #[schema(example = "202601")]
    pub from_period: String,
    pub to_period: Option<String>,
    /// Months before the current one a unit may back-pay online, 0–120.
    #[schema(example = 3)]
    pub back_pay_months: i64,
    /// Months before the current one a unit may claim refunds for, 0–120.
    #[schema(example = 3)]
    pub refund_months: i64,
    /// Working days a payment order stays valid, 1–60.
    #[schema(example = 10)]
    pub order_validity_working_days: i64,
    /// Wage-declaration window start, "MM-DD".
    #[schema(example = "04-01")]
    pub wage_window_start: String,
    /// Wage-declaration window end, "MM-DD", not before the start.
    #[schema(example = "06-30")]
    pub wage_window_end: String,
    #[schema(example = "鄂人社函〔2025〕8号")]
    pub source: String,
    pub illustrative: bool,
}

/// A deferral scheme (缓缴, R-BACK-5): the periods may be repaid until
/// `repay_by` without late fees.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeferralInput {
    #[schema(example = "202601")]
    pub from_period: String,
    #[schema(example = "202606")]
    pub to_period: String,
    /// ISO date.
    #[schema(example = "2026-12-31")]
    pub repay_by: String,
    #[schema(example = "人社部发〔2026〕5号")]
    pub source: String,
    pub illustrative: bool,
}

/// The national bookkeeping rate of individual accounts for a year (记账利率, R-LATE-2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestRateInput {
    #[schema(example = 2025)]
    pub year: i32,
    /// Decimal fraction ("0.0262" = 2.62%).
    #[schema(example = "0.0262")]
    pub rate: String,
    #[schema(example = "人社部·财政部 记账利率公告 2025")]
    pub source: String,
    pub illustrative: bool,
}

/// A page of the audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyChangeList {
    pub items: Vec<PolicyChangeDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

// ----------------------------------------------------------------- parsing

#[derive(Default)]
struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn period(&mut self, field: &str, s: &str) -> Option<Period> {
        match Period::parse(s) {
            Ok(p) if p.yyyymm() >= FIRST_PERIOD => Some(p),
            Ok(_) => {
                self.err(field, "期号不能早于199001。");
                None
            }
            Err(e) => {
                self.err(field, e.to_string());
                None
            }
        }
    }

    /// `Some(None)` for an absent (open-ended) period; `None` on error.
    fn opt_period(&mut self, field: &str, s: Option<&str>) -> Option<Option<Period>> {
        match s {
            None => Some(None),
            Some(s) => self.period(field, s).map(Some),
        }
    }

    fn money(&mut self, field: &str, s: &str) -> Option<Money> {
        match Money::parse_non_negative(s) {
            Ok(m) if m.is_zero() => {
                self.err(field, "金额应大于0。");
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.err(field, e.to_string());
                None
            }
        }
    }

    fn rate(&mut self, field: &str, s: &str) -> Option<Rate> {
        Rate::parse(s)
            .map_err(|e| self.err(field, e.to_string()))
            .ok()
    }

    fn small(&mut self, field: &str, v: i64, range: std::ops::RangeInclusive<i64>) -> Option<u8> {
        if range.contains(&v) {
            u8::try_from(v).ok()
        } else {
            self.err(
                field,
                format!("应在{}至{}之间。", range.start(), range.end()),
            );
            None
        }
    }

    fn source(&mut self, s: &str, illustrative: bool) -> Option<Source> {
        let t = s.trim();
        if t.is_empty() {
            self.err("source", "请填写参数依据的文件（文号或名称）。");
            None
        } else if t.chars().count() > MAX_SOURCE_CHARS || t.chars().any(char::is_control) {
            self.err(
                "source",
                format!("依据文件不能超过{MAX_SOURCE_CHARS}个字符，且不能含控制字符。"),
            );
            None
        } else {
            Some(Source {
                document: t.to_owned(),
                illustrative,
            })
        }
    }

    fn year(&mut self, field: &str, y: i32) -> Option<i32> {
        if (FIRST_YEAR..=LAST_YEAR).contains(&y) {
            Some(y)
        } else {
            self.err(field, format!("年度应在{FIRST_YEAR}至{LAST_YEAR}之间。"));
            None
        }
    }

    fn done<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(ApiError::validation(self.errors)),
        }
    }
}

fn parse_bounds(i: &BaseBoundsInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let year = f.year("si_year", i.si_year);
    let standard = f.money("standard", &i.standard);
    let floor = f.money("floor", &i.floor);
    let ceiling = f.money("ceiling", &i.ceiling);
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::BaseBounds(BaseBounds {
            si_year: SiYear(year?),
            standard: standard?,
            floor: floor?,
            ceiling: ceiling?,
            source: source?,
        }))
    })();
    f.done(v)
}

fn parse_rate(i: &RateInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let insurance = match i.insurance.trim() {
        "110" => Some(Insurance::Pension),
        "210" => Some(Insurance::Unemployment),
        _ => {
            f.err(
                "insurance",
                "险种应为110（养老）或210（失业）；工伤费率按行业风险类别维护。",
            );
            None
        }
    };
    let from = f.period("from_period", &i.from_period);
    let to = f.opt_period("to_period", i.to_period.as_deref());
    let unit_rate = f.rate("unit_rate", &i.unit_rate);
    let individual_rate = f.rate("individual_rate", &i.individual_rate);
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::Rate(RateRule {
            insurance: insurance?,
            range: PeriodRange::new(from?, to?),
            unit_rate: unit_rate?,
            individual_rate: individual_rate?,
            source: source?,
        }))
    })();
    f.done(v)
}

fn parse_injury_rate(i: &InjuryRateInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let class = RiskClass::new(i.risk_class)
        .map_err(|e| f.err("risk_class", e.to_string()))
        .ok();
    let from = f.period("from_period", &i.from_period);
    let to = f.opt_period("to_period", i.to_period.as_deref());
    let rate = f.rate("rate", &i.rate);
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::InjuryRate(InjuryClassRate {
            risk_class: class?,
            range: PeriodRange::new(from?, to?),
            rate: rate?,
            source: source?,
        }))
    })();
    f.done(v)
}

fn parse_late_fee(i: &LateFeeInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let from = f.period("from_period", &i.from_period);
    let to = f.opt_period("to_period", i.to_period.as_deref());
    let daily_rate = f.rate("daily_rate", &i.daily_rate);
    let due_day = match i.due_day_of_next_month {
        None => Some(None),
        Some(d) => f.small("due_day_of_next_month", d, 1..=31).map(Some),
    };
    let cap = LateFeeCap::parse(i.cap.trim());
    if cap.is_none() {
        f.err(
            "cap",
            "封顶方式应为none（不封顶）或principal（不超过欠缴本金）。",
        );
    }
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::LateFee(LateFeeRule {
            range: PeriodRange::new(from?, to?),
            daily_rate: daily_rate?,
            due_day_of_next_month: due_day?,
            cap: cap?,
            source: source?,
        }))
    })();
    f.done(v)
}

fn parse_windows(i: &WindowsInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let from = f.period("from_period", &i.from_period);
    let to = f.opt_period("to_period", i.to_period.as_deref());
    let back_pay = f.small("back_pay_months", i.back_pay_months, 0..=120);
    let refund = f.small("refund_months", i.refund_months, 0..=120);
    let validity = f.small(
        "order_validity_working_days",
        i.order_validity_working_days,
        1..=60,
    );
    let mut month_day = |field: &str, s: &str| {
        let md = MonthDay::parse(s.trim());
        if md.is_none() {
            f.err(field, "日期格式应为MM-DD，如04-01。");
        }
        md
    };
    let start = month_day("wage_window_start", &i.wage_window_start);
    let end = month_day("wage_window_end", &i.wage_window_end);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        f.err("wage_window_end", "工资申报截止日期不能早于开始日期。");
    }
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::Windows(Windows {
            range: PeriodRange::new(from?, to?),
            back_pay_months: back_pay?,
            refund_months: refund?,
            order_validity_working_days: validity?,
            wage_window_start: start?,
            wage_window_end: end?,
            source: source?,
        }))
    })();
    f.done(v)
}

fn parse_deferral(i: &DeferralInput) -> Result<NewVersion, ApiError> {
    let mut f = Fields::default();
    let from = f.period("from_period", &i.from_period);
    let to = f.period("to_period", &i.to_period);
    let repay_by = qibao_core::dates::parse_date(i.repay_by.trim())
        .ok_or_else(|| f.err("repay_by", "日期格式应为YYYY-MM-DD，如2023-12-31。"))
        .ok();
    let source = f.source(&i.source, i.illustrative);
    let v = (|| {
        Some(NewVersion::Deferral(Deferral {
            range: PeriodRange::new(from?, Some(to?)),
            repay_by: repay_by?,
            source: source?,
        }))
    })();
    f.done(v)
}

/// Adds `version` to the region's parameters, audited.
async fn apply(
    state: &AppState,
    who: Principal,
    region: RegionCode,
    version: NewVersion,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let dto = run_db(state, move |conn| {
        Ok(admin::add_version(
            conn,
            &who.as_actor(),
            &region,
            &version,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

// ---------------------------------------------------------------- handlers

/// 缴费基数上下限维护 — add base bounds
///
/// Adds the base bounds of a social-insurance year (R-POL-1).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_base_bounds",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = BaseBoundsInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Floor > standard or standard > ceiling, or the year exists already (`POLICY_INVALID_BOUNDS`), or years would not be consecutive (`POLICY_GAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/base-bounds")]
pub async fn create_policy_base_bounds(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<BaseBoundsInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_bounds(&body)?;
    apply(&state, who, region, version).await
}

/// 缴费费率维护 — add pension or unemployment rates
///
/// Adds a version of the pension or unemployment rates from a period on
/// (R-POL-2); an open-ended version it starts inside is closed at the month before.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_rate",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = RateInput,
    responses(
        (status = 201, description = "Added (closing the open-ended version it starts in) and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The ranges would overlap (`POLICY_OVERLAP`) or leave a gap (`POLICY_GAP`), or end before they start (`POLICY_INVALID_RANGE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/rates")]
pub async fn create_policy_rate(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<RateInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_rate(&body)?;
    apply(&state, who, region, version).await
}

/// 工伤行业基准费率维护 — add an injury class rate
///
/// Adds a version of one risk class's work-injury base rate (R-POL-2).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_injury_class_rate",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = InjuryRateInput,
    responses(
        (status = 201, description = "Added (closing the open-ended version it starts in) and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The ranges would overlap (`POLICY_OVERLAP`) or leave a gap (`POLICY_GAP`), or end before they start (`POLICY_INVALID_RANGE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/injury-class-rates")]
pub async fn create_policy_injury_class_rate(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<InjuryRateInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_injury_rate(&body)?;
    apply(&state, who, region, version).await
}

/// 滞纳金规则维护 — add a late-fee rule
///
/// Adds a version of the late-fee rule (R-LATE-1, R-LATE-4).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_late_fee_rule",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = LateFeeInput,
    responses(
        (status = 201, description = "Added (closing the open-ended version it starts in) and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The ranges would overlap (`POLICY_OVERLAP`) or leave a gap (`POLICY_GAP`), or end before they start (`POLICY_INVALID_RANGE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/late-fee-rules")]
pub async fn create_policy_late_fee_rule(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<LateFeeInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_late_fee(&body)?;
    apply(&state, who, region, version).await
}

/// 业务时限维护 — add windows
///
/// Adds a version of the windows (back-pay and refund months, order
/// validity, wage-declaration window).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_windows",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = WindowsInput,
    responses(
        (status = 201, description = "Added (closing the open-ended version it starts in) and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The ranges would overlap (`POLICY_OVERLAP`) or leave a gap (`POLICY_GAP`), or end before they start (`POLICY_INVALID_RANGE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/windows")]
pub async fn create_policy_windows(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<WindowsInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_windows(&body)?;
    apply(&state, who, region, version).await
}

/// 缓缴政策维护 — add a deferral scheme
///
/// Adds a deferral scheme (R-BACK-5).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_deferral",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    request_body = DeferralInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The periods overlap another scheme (`POLICY_OVERLAP`) or end before they start (`POLICY_INVALID_RANGE`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/regions/{code}/deferrals")]
pub async fn create_policy_deferral(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    path: web::Path<String>,
    body: Json<DeferralInput>,
) -> Result<HttpResponse, ApiError> {
    let region = parse_region(&path, "code")?;
    let version = parse_deferral(&body)?;
    apply(&state, who, region, version).await
}

/// 记账利率维护 — add an interest rate
///
/// Adds the national bookkeeping interest rate of a year (R-LATE-2).
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_interest_rate",
    security(("bearer" = [])),
    request_body = InterestRateInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The year has a rate already (`POLICY_OVERLAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/interest-rates")]
pub async fn create_policy_interest_rate(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<InterestRateInput>,
) -> Result<HttpResponse, ApiError> {
    let mut f = Fields::default();
    let year = f.year("year", body.year);
    let rate = f.rate("rate", &body.rate);
    let source = f.source(&body.source, body.illustrative);
    let (year, rate, source) = f.done((|| Some((year?, rate?, source?)))())?;
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(admin::add_interest_rate(
            conn,
            &who.as_actor(),
            year,
            rate,
            source,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// 政策参数变更记录 — the policy audit trail
///
/// The audit trail of policy changes, newest first.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "list_policy_changes",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = PolicyChangeList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/policy/changes")]
pub async fn list_policy_changes(
    state: web::Data<AppState>,
    _admin: PolicyAdmin,
    query: Query<PageQuery>,
) -> Result<web::Json<PolicyChangeList>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let list = run_db(&state, move |conn| {
        let (items, total) = admin::list_changes(conn, page.page, page.page_size)?;
        Ok(PolicyChangeList {
            items,
            page: PageInfo::new(page, total),
        })
    })
    .await?;
    Ok(web::Json(list))
}

/// Under `/staff`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_policy_base_bounds)
        .service(create_policy_rate)
        .service(create_policy_injury_class_rate)
        .service(create_policy_late_fee_rule)
        .service(create_policy_windows)
        .service(create_policy_deferral)
        .service(create_policy_interest_rate)
        .service(list_policy_changes);
}

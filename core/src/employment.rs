//! Employment rules beyond the time rules of [`crate::rules`]: one active
//! relation per person and insurance (R-EMP-2), the lines an enrolment
//! creates (R-EMP-3, R-EMP-4) and what a unit does not owe of them,
//! accountability of a person for a month
//! (R-EMP-6, R-EMP-7), one person under several numbers (R-EMP-8), the
//! stop date (R-EMP-5), what may be revoked (R-UNDO-1) and the staff
//! increases/decreases summary (人员增减变动).

use crate::business_item::BusinessItemKind;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::error_code::ErrorCode;
use crate::ids::ResidentId;
use crate::insurance::Insurance;
use crate::period::Period;
use crate::rules::{EnrolmentPlan, LineKind, StopPlan, stop_plan};

/// What created an assessment line (核定类型, AAA115).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentKind {
    /// The monthly declaration's line (单位整体核定).
    Regular,
    /// Automatic back-pay of the months before the current one (R-EMP-3, R-BACK-1).
    BackPay,
    /// Approved labour-contract back-pay (劳动合同补缴, R-BACK-3).
    LabourContract,
    /// Work injury of a person whose pension for the month is paid at another
    /// unit (R-EMP-4): never refundable.
    InjuryOnlyTransfer,
    /// A construction or mining project's work-injury premium (R-PROJ-1):
    /// a data type of an order's sums, never of a person's line.
    ProjectPremium,
}

impl AssessmentKind {
    pub const ALL: [AssessmentKind; 5] = [
        AssessmentKind::Regular,
        AssessmentKind::BackPay,
        AssessmentKind::LabourContract,
        AssessmentKind::InjuryOnlyTransfer,
        AssessmentKind::ProjectPremium,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AssessmentKind::Regular => "regular",
            AssessmentKind::BackPay => "back_pay",
            AssessmentKind::LabourContract => "labour_contract",
            AssessmentKind::InjuryOnlyTransfer => "injury_only_transfer",
            AssessmentKind::ProjectPremium => "project_premium",
        }
    }

    pub fn parse(s: &str) -> Option<AssessmentKind> {
        AssessmentKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AssessmentKind::Regular => "单位整体核定",
            AssessmentKind::BackPay => "单位补缴",
            AssessmentKind::LabourContract => "劳动合同补缴",
            AssessmentKind::InjuryOnlyTransfer => "转入人员当月工伤",
            AssessmentKind::ProjectPremium => "建设项目工伤保险费",
        }
    }

    /// The refund rules' view of the line (R-REF-4).
    pub fn line_kind(self) -> LineKind {
        match self {
            AssessmentKind::Regular => LineKind::Regular,
            AssessmentKind::BackPay | AssessmentKind::LabourContract => LineKind::BackPay,
            // Never a person's line: like the injury-only transfer, never
            // refunded by a person's refund.
            AssessmentKind::InjuryOnlyTransfer | AssessmentKind::ProjectPremium => {
                LineKind::InjuryOnlyTransfer
            }
        }
    }
}

/// Where an assessment line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Assessed, not on a live payment order.
    Pending,
    /// On a live payment order.
    Billed,
    /// Paid and allocated.
    Paid,
    /// Revoked or stopped; kept for the record.
    Cancelled,
}

impl LineStatus {
    pub const ALL: [LineStatus; 4] = [
        LineStatus::Pending,
        LineStatus::Billed,
        LineStatus::Paid,
        LineStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Billed => "billed",
            LineStatus::Paid => "paid",
            LineStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<LineStatus> {
        LineStatus::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LineStatus::Pending => "已核定未出单",
            LineStatus::Billed => "已出缴费单",
            LineStatus::Paid => "已缴费到账",
            LineStatus::Cancelled => "已作废",
        }
    }

    /// Counts as money owed (pending or billed).
    pub fn is_unpaid(self) -> bool {
        matches!(self, LineStatus::Pending | LineStatus::Billed)
    }
}

/// The kind of identity document (证件类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证 (also used by the residence permits of Hong Kong, Macao and
    /// Taiwan residents, which follow the same format).
    Resident,
    /// 护照
    Passport,
    /// 外国人永久居留身份证
    ResidencePermit,
}

impl IdType {
    pub fn code(self) -> &'static str {
        match self {
            IdType::Resident => "resident",
            IdType::Passport => "passport",
            IdType::ResidencePermit => "residence_permit",
        }
    }

    /// Parses the code, or a common alias (national code 01 / 03 / 06,
    /// the Chinese name).
    pub fn parse(s: &str) -> Option<IdType> {
        match s.trim() {
            "resident" | "resident_id" | "id_card" | "01" | "1" | "居民身份证" | "身份证" => {
                Some(IdType::Resident)
            }
            "passport" | "03" | "护照" => Some(IdType::Passport),
            "residence_permit" | "06" | "外国人永久居留身份证" => {
                Some(IdType::ResidencePermit)
            }
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            IdType::Resident => "居民身份证",
            IdType::Passport => "护照",
            IdType::ResidencePermit => "外国人永久居留身份证",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentNumberError {
    #[error("证件号码不能为空")]
    Empty,
    #[error("证件号码只能由字母和数字组成，长度为5至30位")]
    Form,
}

/// A passport or residence-permit number: 5–30 letters and digits, upper-cased.
pub fn parse_document_number(input: &str) -> Result<String, DocumentNumberError> {
    let s: String = input.trim().to_uppercase();
    if s.is_empty() {
        return Err(DocumentNumberError::Empty);
    }
    if !(5..=30).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(DocumentNumberError::Form);
    }
    Ok(s)
}

/// The comparable form of an ID number (R-EMP-8): a resident ID in its
/// 18-character form with an upper-case X (a legacy 15-digit number is
/// converted); any other document upper-cased without spaces. Two person
/// numbers with the same key are the same person.
pub fn id_key(id_type: IdType, id_number: &str) -> String {
    let plain: String = id_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    match id_type {
        IdType::Resident => ResidentId::parse(&plain, Date::MAX)
            .map(|p| p.id.to_string())
            .unwrap_or(plain),
        IdType::Passport | IdType::ResidencePermit => plain,
    }
}

/// Every stored spelling that has the key `key`: itself, in lower case (x),
/// and the legacy 15-digit form of a resident ID born in the 1900s.
pub fn id_spellings(key: &str) -> Vec<String> {
    let mut out = vec![key.to_string()];
    let lower = key.to_lowercase();
    if lower != key {
        out.push(lower);
    }
    if key.len() == 18
        && key.is_ascii()
        && key[..17].bytes().all(|b| b.is_ascii_digit())
        && &key[6..8] == "19"
    {
        out.push(format!("{}{}", &key[..6], &key[8..17]));
    }
    out
}

/// A dated status of a person that decides assessment (R-EMP-6, R-EMP-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonStatusKind {
    /// Retirement approved; `from` is the approved retirement month.
    Retirement,
    /// Serving a prison sentence in the months `from..=to`.
    Prison,
    /// Foreigner exempted from pension and unemployment under a bilateral
    /// social-security agreement (中外互免) in the months `from..=to`.
    BilateralExemption,
}

impl PersonStatusKind {
    pub fn code(self) -> &'static str {
        match self {
            PersonStatusKind::Retirement => "retirement",
            PersonStatusKind::Prison => "prison",
            PersonStatusKind::BilateralExemption => "bilateral_exemption",
        }
    }

    pub fn parse(s: &str) -> Option<PersonStatusKind> {
        match s.trim() {
            "retirement" => Some(PersonStatusKind::Retirement),
            "prison" => Some(PersonStatusKind::Prison),
            "bilateral_exemption" => Some(PersonStatusKind::BilateralExemption),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PersonStatusKind::Retirement => "退休",
            PersonStatusKind::Prison => "服刑",
            PersonStatusKind::BilateralExemption => "中外互免",
        }
    }
}

/// One dated status record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonStatus {
    pub kind: PersonStatusKind,
    pub from: Period,
    /// Inclusive; `None` = open-ended. Always `None` for retirement.
    pub to: Option<Period>,
}

impl PersonStatus {
    pub fn covers(&self, p: Period) -> bool {
        self.from <= p && self.to.is_none_or(|t| p <= t)
    }

    fn overlaps(&self, other: &PersonStatus) -> bool {
        other.to.is_none_or(|b_end| self.from <= b_end)
            && self.to.is_none_or(|a_end| other.from <= a_end)
    }
}

/// Why a person is not assessed for a month (不可做账原因, R-EMP-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NonAccountable {
    #[error("已批准退休（退休月份{retirement_period}），退休次月起不再核定")]
    Retired { retirement_period: Period },
    #[error("{period}处于服刑期间，不可做账")]
    Prison { period: Period },
    #[error("中外互免人员，{period}免缴养老保险和失业保险")]
    BilateralExemption { period: Period },
}

impl NonAccountable {
    /// Stable code of the reason.
    pub fn code(self) -> &'static str {
        match self {
            NonAccountable::Retired { .. } => "retired",
            NonAccountable::Prison { .. } => "prison",
            NonAccountable::BilateralExemption { .. } => "bilateral_exemption",
        }
    }
}

/// Whether a person is assessed for `insurance` in `period` (R-EMP-6,
/// R-EMP-7): not after the approved retirement month, not while in prison,
/// not for pension and unemployment while a bilateral exemption applies.
/// The monthly declaration lists the refused ones with the reason.
pub fn accountability(
    statuses: &[PersonStatus],
    insurance: Insurance,
    period: Period,
) -> Result<(), NonAccountable> {
    let retirement = statuses
        .iter()
        .filter(|s| s.kind == PersonStatusKind::Retirement)
        .map(|s| s.from)
        .min();
    if let Some(r) = retirement
        && period > r
    {
        return Err(NonAccountable::Retired {
            retirement_period: r,
        });
    }
    for s in statuses {
        match s.kind {
            PersonStatusKind::Prison if s.covers(period) => {
                return Err(NonAccountable::Prison { period });
            }
            PersonStatusKind::BilateralExemption
                if s.covers(period)
                    && matches!(insurance, Insurance::Pension | Insurance::Unemployment) =>
            {
                return Err(NonAccountable::BilateralExemption { period });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the person is retired as of `period` (the approved retirement
/// month has been reached).
pub fn is_retired(statuses: &[PersonStatus], period: Period) -> bool {
    statuses
        .iter()
        .any(|s| s.kind == PersonStatusKind::Retirement && s.from <= period)
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PersonStatusError {
    #[error("终止期号{to}早于起始期号{from}")]
    ToBeforeFrom { from: Period, to: Period },
    #[error("退休只登记批准的退休月份（起始期号），不填写终止期号")]
    RetirementWithEnd,
    #[error("中外互免仅适用于持护照或外国人居留证件参保的外籍人员")]
    BilateralForCitizen,
    #[error("与已登记的{label}记录（{range}）时间重叠")]
    Overlap { label: &'static str, range: String },
}

fn range_text(from: Period, to: Option<Period>) -> String {
    match to {
        Some(t) => format!("{from}-{t}"),
        None => format!("{from}起"),
    }
}

/// Checks a new status record against the person and the existing records.
pub fn check_new_status(
    new: &PersonStatus,
    id_type: IdType,
    existing: &[PersonStatus],
) -> Result<(), PersonStatusError> {
    if let Some(to) = new.to
        && to < new.from
    {
        return Err(PersonStatusError::ToBeforeFrom { from: new.from, to });
    }
    if new.kind == PersonStatusKind::Retirement && new.to.is_some() {
        return Err(PersonStatusError::RetirementWithEnd);
    }
    if new.kind == PersonStatusKind::BilateralExemption && id_type == IdType::Resident {
        return Err(PersonStatusError::BilateralForCitizen);
    }
    if let Some(e) = existing
        .iter()
        .find(|e| e.kind == new.kind && e.overlaps(new))
    {
        return Err(PersonStatusError::Overlap {
            label: e.kind.label_zh(),
            range: range_text(e.from, e.to),
        });
    }
    Ok(())
}

/// Months of a pension relation (110) of the person at another unit: from the
/// start month to the stop month (the month of the stop date is still paid
/// there, R-EMP-5); `to` `None` while active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverSpan {
    pub from: Period,
    pub to: Option<Period>,
}

impl CoverSpan {
    pub fn of(start: Date, stop: Option<Date>) -> CoverSpan {
        CoverSpan {
            from: Period::of(start),
            to: stop.map(Period::of),
        }
    }

    pub fn covers(&self, p: Period) -> bool {
        self.from <= p && self.to.is_none_or(|t| p <= t)
    }
}

/// R-EMP-4: whether the person's pension for `period` is paid (or payable) at
/// another unit: a live pension line there, or a pension relation there
/// whose months include `period`.
pub fn pension_elsewhere(period: Period, spans: &[CoverSpan], assessed: &[Period]) -> bool {
    assessed.contains(&period) || spans.iter().any(|s| s.covers(period))
}

/// One line an enrolment creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedLine {
    pub period: Period,
    pub insurance: Insurance,
    pub kind: AssessmentKind,
}

/// Why a month of an insurance got no line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExcludedLine {
    pub period: Period,
    pub insurance: Insurance,
    /// `retired`, `prison`, `bilateral_exemption` (R-EMP-7) or
    /// `paid_elsewhere` (R-EMP-4).
    #[cfg_attr(feature = "openapi", schema(example = "paid_elsewhere"))]
    pub reason: String,
    pub message: String,
}

/// The lines of an enrolment and the months left out, with reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinePlan {
    pub lines: Vec<PlannedLine>,
    pub excluded: Vec<ExcludedLine>,
}

/// The months an enrolment assesses, with the kind of each: the automatic
/// back-pay months and the current month (R-EMP-3).
pub fn enrolment_periods(plan: &EnrolmentPlan) -> Vec<(Period, AssessmentKind)> {
    let mut out: Vec<(Period, AssessmentKind)> = plan
        .back_pay_periods
        .iter()
        .map(|p| (*p, AssessmentKind::BackPay))
        .collect();
    out.push((plan.current_period, AssessmentKind::Regular));
    out
}

/// The lines for `periods` × `insurances` (R-EMP-3, R-EMP-4, R-EMP-7): a
/// non-accountable month gets no line; a month whose pension is paid at
/// another unit gets no pension or unemployment line, and its work-injury
/// line is the non-refundable transfer kind.
pub fn plan_lines(
    periods: &[(Period, AssessmentKind)],
    insurances: &[Insurance],
    statuses: &[PersonStatus],
    paid_elsewhere: &dyn Fn(Period) -> bool,
) -> LinePlan {
    let mut plan = LinePlan::default();
    let transferring = insurances.contains(&Insurance::Pension);
    for &(period, kind) in periods {
        let elsewhere = paid_elsewhere(period);
        for &insurance in insurances {
            if let Err(reason) = accountability(statuses, insurance, period) {
                plan.excluded.push(ExcludedLine {
                    period,
                    insurance,
                    reason: reason.code().to_string(),
                    message: reason.to_string(),
                });
                continue;
            }
            if elsewhere {
                match insurance {
                    Insurance::WorkInjury if transferring => {
                        plan.lines.push(PlannedLine {
                            period,
                            insurance,
                            kind: AssessmentKind::InjuryOnlyTransfer,
                        });
                        continue;
                    }
                    Insurance::Pension | Insurance::Unemployment => {
                        plan.excluded.push(ExcludedLine {
                            period,
                            insurance,
                            reason: "paid_elsewhere".to_string(),
                            message: format!(
                                "该人员{period}的养老保险已在其他单位缴纳，本单位当月只缴纳工伤保险（不予退费）"
                            ),
                        });
                        continue;
                    }
                    _ => {}
                }
            }
            plan.lines.push(PlannedLine {
                period,
                insurance,
                kind,
            });
        }
    }
    plan
}

/// What a unit does not owe of the lines planned for a person (R-EMP-3,
/// R-UNIT-3): months before the unit's own registration of the insurance
/// (`before_unit_insurance`), and months × insurances the unit has already
/// assessed for the person (`already_assessed`: never assessed twice). The
/// caller has loaded the unit's start month per insurance and the live
/// lines at the unit.
pub fn exclude_at_unit(
    planned: Vec<PlannedLine>,
    unit_starts: &HashMap<Insurance, Period>,
    assessed_here: &[(Period, Insurance)],
) -> (Vec<PlannedLine>, Vec<ExcludedLine>) {
    let mut lines = Vec::new();
    let mut excluded = Vec::new();
    for l in planned {
        if let Some(start) = unit_starts.get(&l.insurance)
            && l.period < *start
        {
            excluded.push(ExcludedLine {
                period: l.period,
                insurance: l.insurance,
                reason: "before_unit_insurance".to_string(),
                message: format!(
                    "本单位{}自{start}起参保，{}不核定该险种",
                    l.insurance.name_zh(),
                    l.period
                ),
            });
        } else if assessed_here.contains(&(l.period, l.insurance)) {
            excluded.push(ExcludedLine {
                period: l.period,
                insurance: l.insurance,
                reason: "already_assessed".to_string(),
                message: format!(
                    "该人员{}的{}已在本单位核定，不再重复核定",
                    l.period,
                    l.insurance.name_zh()
                ),
            });
        } else {
            lines.push(l);
        }
    }
    (lines, excluded)
}

/// An active relation of the same person (any of its numbers) and insurance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveRelation {
    pub unit_id: i64,
    pub unit_no: String,
    pub insurance: Insurance,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnrolmentRefusal {
    /// R-EMP-2, the system's own wording.
    #[error(
        "该人员在其他单位（单位编号{unit_no}）处于参保缴费状态，请原单位先办理停保后再办理参保"
    )]
    ActiveElsewhere {
        unit_no: String,
        insurance: Insurance,
    },
    /// R-EMP-2 told to a unit that has not proven the person's identity
    /// (身份验证): the other unit stays unnamed.
    #[error("该人员在其他单位处于参保缴费状态，请原单位先办理停保后再办理参保")]
    ActiveElsewhereUndisclosed { insurance: Insurance },
    /// A registered ID number with a name that is not the registered one,
    /// from a unit that never employed the person: nothing of the record
    /// is shown, and the answer is the same whatever the record holds.
    #[error("姓名与证件号码不匹配，请核对身份证件后重新填写")]
    IdentityMismatch,
    #[error("该人员已在本单位参加{name}（险种{code}），不能重复参保", name = .insurance.name_zh(), code = .insurance.code())]
    AlreadyActiveHere { insurance: Insurance },
    #[error("本单位未参加{name}（险种{code}）或该险种已暂停，不能为职工办理该险种", name = .insurance.name_zh(), code = .insurance.code())]
    InsuranceNotRegistered { insurance: Insurance },
}

impl EnrolmentRefusal {
    /// The refusal as told to a unit that has not proven the person's
    /// identity: another unit's number is never named.
    pub fn undisclosed(self) -> EnrolmentRefusal {
        match self {
            EnrolmentRefusal::ActiveElsewhere { insurance, .. } => {
                EnrolmentRefusal::ActiveElsewhereUndisclosed { insurance }
            }
            other => other,
        }
    }
}

/// Whether a given name is the registered one, as the ID card spells it
/// (surrounding spaces aside; no other folding).
pub fn name_matches(registered: &str, given: &str) -> bool {
    registered.trim() == given.trim()
}

/// 身份验证 before a registered person's data is used for an enrolment
/// (R-EMP-1): the ID number and the name must match one of the person's
/// registered numbers, unless the unit employs or employed the person.
/// `Ok(true)` when the name matched (the record may be disclosed in full),
/// `Ok(false)` when only the unit's own history allows it.
pub fn check_identity(
    registered_names: &[&str],
    given: &str,
    employed_here: bool,
) -> Result<bool, EnrolmentRefusal> {
    if registered_names.iter().any(|n| name_matches(n, given)) {
        Ok(true)
    } else if employed_here {
        Ok(false)
    } else {
        Err(EnrolmentRefusal::IdentityMismatch)
    }
}

/// R-EMP-2: refuses when the person already has an active relation for one
/// of `requested` (at another unit: the old unit must suspend first).
pub fn check_no_active_relation(
    unit_id: i64,
    requested: &[Insurance],
    active: &[ActiveRelation],
) -> Result<(), EnrolmentRefusal> {
    for ins in requested {
        if let Some(r) = active.iter().find(|r| r.insurance == *ins) {
            if r.unit_id == unit_id {
                return Err(EnrolmentRefusal::AlreadyActiveHere { insurance: *ins });
            }
            return Err(EnrolmentRefusal::ActiveElsewhere {
                unit_no: r.unit_no.clone(),
                insurance: *ins,
            });
        }
    }
    // Another unit's active relation in any insurance: the person is still
    // employed there; the old unit must suspend first.
    if let Some(r) = active.iter().find(|r| r.unit_id != unit_id) {
        return Err(EnrolmentRefusal::ActiveElsewhere {
            unit_no: r.unit_no.clone(),
            insurance: r.insurance,
        });
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StopError {
    #[error("停保时间{stop}早于本次参工时间{start}")]
    BeforeStart { stop: Date, start: Date },
    #[error("停保时间{stop}晚于本月最后一天，不能预先办理停保")]
    TooLate { stop: Date },
}

/// R-EMP-5: the stop date is the day employment ended: not before the start
/// date and not after the end of the current month.
pub fn check_stop(start: Date, stop: Date, today: Date) -> Result<StopPlan, StopError> {
    if stop < start {
        return Err(StopError::BeforeStart { stop, start });
    }
    if stop > Period::of(today).last_day() {
        return Err(StopError::TooLate { stop });
    }
    Ok(stop_plan(stop))
}

/// The business items of employees that can be revoked (R-UNDO-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmployeeItemKind {
    /// 单位职工参保登记/续保
    Enrolment,
    /// 单位职工社会保险暂停
    Suspension,
    /// 单位职工增加险种
    InsuranceAdded,
    /// 单位职工减少险种
    InsuranceRemoved,
}

impl EmployeeItemKind {
    pub const ALL: [EmployeeItemKind; 4] = [
        EmployeeItemKind::Enrolment,
        EmployeeItemKind::Suspension,
        EmployeeItemKind::InsuranceAdded,
        EmployeeItemKind::InsuranceRemoved,
    ];

    /// The business item kind of the revocable employee actions.
    pub const fn item_kind(self) -> BusinessItemKind {
        match self {
            EmployeeItemKind::Enrolment => BusinessItemKind::EmployeeEnrolment,
            EmployeeItemKind::Suspension => BusinessItemKind::EmployeeSuspension,
            EmployeeItemKind::InsuranceAdded => BusinessItemKind::EmployeeInsuranceAdded,
            EmployeeItemKind::InsuranceRemoved => BusinessItemKind::EmployeeInsuranceRemoved,
        }
    }

    /// The business item kind as stored.
    pub fn code(self) -> &'static str {
        self.item_kind().code()
    }

    pub fn parse(s: &str) -> Option<EmployeeItemKind> {
        EmployeeItemKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        self.item_kind().label_zh()
    }
}

/// A line an item created or cancelled, as it stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineState {
    pub period: Period,
    pub insurance: Insurance,
    pub status: LineStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotRevocable {
    #[error("该类业务不支持网上撤销")]
    KindNotRevocable,
    #[error("该业务已撤销，不能重复撤销")]
    AlreadyRevoked,
    #[error("该业务当前状态不能撤销")]
    NotDone,
    #[error("该人员在此之后还办理了{label}（办件编号{item_id}），请先撤销该业务")]
    LaterItem { item_id: i64, label: String },
    #[error("{period}期{name}的核定记录已开具缴费单（应缴认定单），请先作废缴费单后再撤销", name = .insurance.name_zh())]
    LineBilled {
        period: Period,
        insurance: Insurance,
    },
    #[error("{period}期{name}已缴费到账，不能撤销", name = .insurance.name_zh())]
    LinePaid {
        period: Period,
        insurance: Insurance,
    },
    #[error("{period}期{name}的核定记录已被其他业务变更，不能撤销", name = .insurance.name_zh())]
    LineChanged {
        period: Period,
        insurance: Insurance,
    },
    #[error("该人员目前在其他单位（单位编号{unit_no}）处于参保缴费状态，不能撤销本单位的停保")]
    ActiveElsewhere { unit_no: String },
    #[error("该业务产生的核定记录已被缴费单等其他业务引用，不能撤销")]
    Referenced,
    #[error("该人员的参保状态已被其他业务变更，不能撤销")]
    StateChanged,
    /// A live refund application (R-REF-2) rests on the stop.
    #[error("该人员已据此停保申请多缴退费（退费单号{refund_no}），停保不能撤销")]
    RefundApplied { refund_no: String },
}

impl NotRevocable {
    /// The stable machine code (every one a 409).
    pub fn code(&self) -> ErrorCode {
        match self {
            NotRevocable::KindNotRevocable => ErrorCode::NotRevocableKind,
            NotRevocable::AlreadyRevoked => ErrorCode::AlreadyRevoked,
            NotRevocable::NotDone => ErrorCode::NotRevocableStatus,
            NotRevocable::LaterItem { .. } => ErrorCode::LaterItemDepends,
            NotRevocable::LineBilled { .. } => ErrorCode::LineBilled,
            NotRevocable::LinePaid { .. } => ErrorCode::LinePaid,
            NotRevocable::LineChanged { .. } => ErrorCode::LineChanged,
            NotRevocable::ActiveElsewhere { .. } => ErrorCode::ActiveElsewhere,
            NotRevocable::Referenced => ErrorCode::LineReferenced,
            NotRevocable::StateChanged => ErrorCode::StateChanged,
            NotRevocable::RefundApplied { .. } => ErrorCode::RefundDepends,
        }
    }
}

/// R-UNDO-1: an item may be revoked while the lines it created are all still
/// pending (none billed on a live order, none paid) and the lines it
/// cancelled are still cancelled.
pub fn check_lines_revocable(
    created: &[LineState],
    cancelled: &[LineState],
) -> Result<(), NotRevocable> {
    for l in created {
        match l.status {
            LineStatus::Pending => {}
            LineStatus::Paid => {
                return Err(NotRevocable::LinePaid {
                    period: l.period,
                    insurance: l.insurance,
                });
            }
            LineStatus::Billed => {
                return Err(NotRevocable::LineBilled {
                    period: l.period,
                    insurance: l.insurance,
                });
            }
            LineStatus::Cancelled => {
                return Err(NotRevocable::LineChanged {
                    period: l.period,
                    insurance: l.insurance,
                });
            }
        }
    }
    for l in cancelled {
        if l.status != LineStatus::Cancelled {
            return Err(NotRevocable::LineChanged {
                period: l.period,
                insurance: l.insurance,
            });
        }
    }
    Ok(())
}

/// Whether the person pays (1) or is suspended (2) at a unit (AAC031).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InsuredStatus {
    Paying,
    Suspended,
}

impl InsuredStatus {
    /// The national code (AAC031).
    pub fn code(self) -> &'static str {
        match self {
            InsuredStatus::Paying => "1",
            InsuredStatus::Suspended => "2",
        }
    }

    pub fn parse(s: &str) -> Option<InsuredStatus> {
        match s.trim() {
            "1" | "paying" => Some(InsuredStatus::Paying),
            "2" | "suspended" => Some(InsuredStatus::Suspended),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            InsuredStatus::Paying => "参保缴费",
            InsuredStatus::Suspended => "暂停缴费",
        }
    }
}

/// Whether a person's lines at a unit are paid (缴费状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Nothing assessed is unpaid.
    PaidUp,
    /// Only the current month (or later) is unpaid.
    Due,
    /// A month before the current one is assessed and unpaid (欠费).
    Arrears,
}

impl PaymentStatus {
    pub fn code(self) -> &'static str {
        match self {
            PaymentStatus::PaidUp => "paid_up",
            PaymentStatus::Due => "due",
            PaymentStatus::Arrears => "arrears",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        match s.trim() {
            "paid_up" => Some(PaymentStatus::PaidUp),
            "due" => Some(PaymentStatus::Due),
            "arrears" => Some(PaymentStatus::Arrears),
            _ => None,
        }
    }

    /// What [`payment_status`] decides this status on, as two facts about
    /// the person's unpaid lines: (there is one, one is of a month before
    /// the current one). For a query that selects the persons of a status.
    pub fn unpaid_facts(self) -> (bool, bool) {
        match self {
            PaymentStatus::PaidUp => (false, false),
            PaymentStatus::Due => (true, false),
            PaymentStatus::Arrears => (true, true),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PaymentStatus::PaidUp => "已足额缴费",
            PaymentStatus::Due => "当期待缴",
            PaymentStatus::Arrears => "欠费",
        }
    }
}

/// The payment status from the periods of the unpaid lines.
pub fn payment_status(unpaid: impl IntoIterator<Item = Period>, current: Period) -> PaymentStatus {
    let mut status = PaymentStatus::PaidUp;
    for p in unpaid {
        if p < current {
            return PaymentStatus::Arrears;
        }
        status = PaymentStatus::Due;
    }
    status
}

/// A relation of a person with the unit, for the staff summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationSpan {
    pub person_id: i64,
    pub insurance: Insurance,
    pub start: Date,
    pub stop: Option<Date>,
}

/// Staff increases and decreases of one insurance in one month (人员增减变动).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodChange {
    pub period: Period,
    pub insurance: Insurance,
    /// Persons whose relation starts this month (增员).
    pub increased: Vec<i64>,
    /// Persons whose contributions stop from this month (减员: the month
    /// after the stop date's month, R-EMP-5).
    pub decreased: Vec<i64>,
    /// Persons insured in the month.
    pub insured: usize,
}

/// The summary per month in `from..=to` and insurance (periods ascending,
/// insurances by code). Months with no relation at all are still listed.
pub fn staff_changes(
    spans: &[RelationSpan],
    insurances: &[Insurance],
    from: Period,
    to: Period,
) -> Vec<PeriodChange> {
    let mut out = Vec::new();
    for period in Period::range_inclusive(from, to) {
        for &insurance in insurances {
            let mut increased: Vec<i64> = Vec::new();
            let mut decreased: Vec<i64> = Vec::new();
            let mut insured: BTreeMap<i64, ()> = BTreeMap::new();
            for s in spans.iter().filter(|s| s.insurance == insurance) {
                let start = Period::of(s.start);
                let last = s.stop.map(Period::of);
                if start == period {
                    increased.push(s.person_id);
                }
                if last.map(Period::next) == Some(period) {
                    decreased.push(s.person_id);
                }
                if start <= period && last.is_none_or(|l| period <= l) {
                    insured.insert(s.person_id, ());
                }
            }
            increased.sort_unstable();
            increased.dedup();
            decreased.sort_unstable();
            decreased.dedup();
            out.push(PeriodChange {
                period,
                insurance,
                increased,
                decreased,
                insured: insured.len(),
            });
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("姓名不能为空")]
    Empty,
    #[error("姓名不能超过50个字符")]
    TooLong,
    /// Outside the name policy ([`crate::text::TextKind::PersonName`]).
    #[error("{0}")]
    BadChar(crate::text::TextError),
}

/// A person's name: trimmed, 1–50 characters, held to the name policy
/// (Chinese characters, letters, the middle dot and single inner spaces;
/// no digits, controls, bidi or zero-width characters: [`crate::text`]).
pub fn parse_name(input: &str) -> Result<String, NameError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.chars().count() > 50 {
        return Err(NameError::TooLong);
    }
    crate::text::check(s, crate::text::TextKind::PersonName).map_err(NameError::BadChar)?;
    Ok(s.to_string())
}

impl fmt::Display for AssessmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::resident_id_check_char;
    use crate::policy::fixtures::p;
    use crate::rules::enrolment_plan;
    use time::macros::date;

    fn id(first17: &str) -> String {
        format!("{first17}{}", resident_id_check_char(first17).unwrap())
    }

    #[test]
    fn a_unit_owes_no_line_before_its_insurance_nor_twice() {
        let line = |period: &str, insurance| PlannedLine {
            period: p(period),
            insurance,
            kind: AssessmentKind::Regular,
        };
        let planned = vec![
            line("202301", Insurance::Pension),
            line("202301", Insurance::WorkInjury),
            line("202302", Insurance::Pension),
            line("202302", Insurance::WorkInjury),
            line("202303", Insurance::Pension),
        ];
        let starts = HashMap::from([(Insurance::WorkInjury, p("202303"))]);
        let here = [(p("202302"), Insurance::Pension)];
        let (lines, excluded) = exclude_at_unit(planned, &starts, &here);
        assert_eq!(
            lines,
            vec![
                line("202301", Insurance::Pension),
                line("202303", Insurance::Pension)
            ]
        );
        let reasons: Vec<(&str, Period, Insurance)> = excluded
            .iter()
            .map(|e| (e.reason.as_str(), e.period, e.insurance))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("before_unit_insurance", p("202301"), Insurance::WorkInjury),
                ("already_assessed", p("202302"), Insurance::Pension),
                ("before_unit_insurance", p("202302"), Insurance::WorkInjury),
            ]
        );
        assert_eq!(
            excluded[0].message,
            "本单位工伤保险自202303起参保，202301不核定该险种"
        );
        assert_eq!(
            excluded[1].message,
            "该人员202302的企业职工基本养老保险已在本单位核定，不再重复核定"
        );
    }

    #[test]
    fn id_keys_join_legacy_and_lower_case_forms() {
        let full = id("42050019800101123");
        let legacy = format!("{}{}", &full[..6], &full[8..17]);
        assert_eq!(id_key(IdType::Resident, &legacy), full);
        assert_eq!(id_key(IdType::Resident, &full), full);
        assert!(id_spellings(&full).contains(&legacy));
        let x = "11010519491231002X";
        assert_eq!(id_key(IdType::Resident, "11010519491231002x"), x);
        assert_eq!(id_key(IdType::Resident, " 110105194912310 02x"), x);
        let sp = id_spellings(x);
        assert!(sp.contains(&"11010519491231002x".to_string()));
        assert!(sp.contains(&"110105491231002".to_string()));
        // An unparsable number is compared as written, upper-cased.
        assert_eq!(id_key(IdType::Resident, "abc"), "ABC");
        assert_eq!(id_key(IdType::Passport, "e1234 5678"), "E12345678");
        // Born in the 2000s: no 15-digit form exists.
        let young = id("42050020050101123");
        assert_eq!(id_spellings(&young), vec![young.clone()]);
    }

    fn st(kind: PersonStatusKind, from: &str, to: Option<&str>) -> PersonStatus {
        PersonStatus {
            kind,
            from: p(from),
            to: to.map(p),
        }
    }

    #[test]
    fn accountability_rules() {
        let retired = [st(PersonStatusKind::Retirement, "202302", None)];
        assert!(accountability(&retired, Insurance::Pension, p("202302")).is_ok());
        let e = accountability(&retired, Insurance::WorkInjury, p("202303")).unwrap_err();
        assert_eq!(e.code(), "retired");
        assert!(e.to_string().contains("202302"));
        assert!(is_retired(&retired, p("202302")));
        assert!(!is_retired(&retired, p("202301")));

        let prison = [st(PersonStatusKind::Prison, "202301", Some("202302"))];
        assert!(accountability(&prison, Insurance::Pension, p("202212")).is_ok());
        assert_eq!(
            accountability(&prison, Insurance::WorkInjury, p("202302"))
                .unwrap_err()
                .code(),
            "prison"
        );
        assert!(accountability(&prison, Insurance::Pension, p("202303")).is_ok());

        let bilateral = [st(PersonStatusKind::BilateralExemption, "202001", None)];
        assert!(accountability(&bilateral, Insurance::Pension, p("202303")).is_err());
        assert!(accountability(&bilateral, Insurance::Unemployment, p("202303")).is_err());
        assert!(accountability(&bilateral, Insurance::WorkInjury, p("202303")).is_ok());
        assert!(accountability(&[], Insurance::Pension, p("202303")).is_ok());
    }

    #[test]
    fn status_records_are_checked() {
        let new = st(PersonStatusKind::Prison, "202303", Some("202301"));
        assert!(matches!(
            check_new_status(&new, IdType::Resident, &[]),
            Err(PersonStatusError::ToBeforeFrom { .. })
        ));
        let new = st(PersonStatusKind::Retirement, "202303", Some("202304"));
        assert_eq!(
            check_new_status(&new, IdType::Resident, &[]),
            Err(PersonStatusError::RetirementWithEnd)
        );
        let new = st(PersonStatusKind::BilateralExemption, "202303", None);
        assert_eq!(
            check_new_status(&new, IdType::Resident, &[]),
            Err(PersonStatusError::BilateralForCitizen)
        );
        assert!(check_new_status(&new, IdType::Passport, &[]).is_ok());
        let existing = [st(PersonStatusKind::Prison, "202201", Some("202212"))];
        let new = st(PersonStatusKind::Prison, "202212", None);
        assert!(matches!(
            check_new_status(&new, IdType::Resident, &existing),
            Err(PersonStatusError::Overlap { .. })
        ));
        let new = st(PersonStatusKind::Prison, "202301", None);
        assert!(check_new_status(&new, IdType::Resident, &existing).is_ok());
        let new = st(PersonStatusKind::Retirement, "202201", None);
        assert!(check_new_status(&new, IdType::Resident, &existing).is_ok());
    }

    #[test]
    fn enrolment_lines_two_months_back() {
        let plan = enrolment_plan(
            date!(2023 - 02 - 15),
            date!(2023 - 04 - 20),
            date!(1990 - 01 - 01),
            None,
            3,
        )
        .unwrap();
        let periods = enrolment_periods(&plan);
        assert_eq!(
            periods,
            vec![
                (p("202302"), AssessmentKind::BackPay),
                (p("202303"), AssessmentKind::BackPay),
                (p("202304"), AssessmentKind::Regular)
            ]
        );
        let lp = plan_lines(&periods, &Insurance::COLLECTED, &[], &|_| false);
        assert_eq!(lp.lines.len(), 9);
        assert!(lp.excluded.is_empty());
    }

    #[test]
    fn transfer_month_gets_only_work_injury() {
        let periods = [(p("202304"), AssessmentKind::Regular)];
        let spans = [CoverSpan::of(
            date!(2020 - 01 - 01),
            Some(date!(2023 - 04 - 05)),
        )];
        let elsewhere = |q: Period| pension_elsewhere(q, &spans, &[]);
        let lp = plan_lines(&periods, &Insurance::COLLECTED, &[], &elsewhere);
        assert_eq!(
            lp.lines,
            vec![PlannedLine {
                period: p("202304"),
                insurance: Insurance::WorkInjury,
                kind: AssessmentKind::InjuryOnlyTransfer
            }]
        );
        assert_eq!(lp.excluded.len(), 2);
        assert!(lp.excluded.iter().all(|e| e.reason == "paid_elsewhere"));
        // A later month is not covered: full lines.
        assert!(!pension_elsewhere(p("202305"), &spans, &[]));
        assert!(pension_elsewhere(p("202305"), &[], &[p("202305")]));
        // Only work injury enrolled: an ordinary line.
        let lp = plan_lines(&periods, &[Insurance::WorkInjury], &[], &elsewhere);
        assert_eq!(lp.lines[0].kind, AssessmentKind::Regular);
        assert_eq!(
            AssessmentKind::InjuryOnlyTransfer.line_kind(),
            LineKind::InjuryOnlyTransfer
        );
    }

    #[test]
    fn non_accountable_months_are_left_out_with_the_reason() {
        let periods = [
            (p("202303"), AssessmentKind::BackPay),
            (p("202304"), AssessmentKind::Regular),
        ];
        let statuses = [st(PersonStatusKind::Retirement, "202303", None)];
        let lp = plan_lines(&periods, &[Insurance::Pension], &statuses, &|_| false);
        assert_eq!(lp.lines.len(), 1);
        assert_eq!(lp.lines[0].period, p("202303"));
        assert_eq!(lp.excluded[0].reason, "retired");
    }

    #[test]
    fn one_active_relation_per_person_and_insurance() {
        let active = [ActiveRelation {
            unit_id: 1,
            unit_no: "100047500".into(),
            insurance: Insurance::Pension,
        }];
        let e = check_no_active_relation(2, &[Insurance::Pension], &active).unwrap_err();
        assert_eq!(
            e.to_string(),
            "该人员在其他单位（单位编号100047500）处于参保缴费状态，请原单位先办理停保后再办理参保"
        );
        assert!(matches!(
            check_no_active_relation(1, &[Insurance::Pension], &active),
            Err(EnrolmentRefusal::AlreadyActiveHere { .. })
        ));
        // Active elsewhere in another insurance: still employed there.
        assert!(matches!(
            check_no_active_relation(2, &[Insurance::WorkInjury], &active),
            Err(EnrolmentRefusal::ActiveElsewhere { .. })
        ));
        // Adding another insurance at the same unit is fine.
        assert!(check_no_active_relation(1, &[Insurance::WorkInjury], &active).is_ok());
        assert!(check_no_active_relation(2, &[Insurance::Pension], &[]).is_ok());
        // Told to a unit that has not proven the identity: no unit number.
        assert_eq!(
            e.undisclosed().to_string(),
            "该人员在其他单位处于参保缴费状态，请原单位先办理停保后再办理参保"
        );
    }

    #[test]
    fn identity_is_the_registered_name_or_the_units_own_history() {
        assert_eq!(check_identity(&["张三"], " 张三 ", false), Ok(true));
        assert_eq!(check_identity(&["李四", "张三"], "张三", false), Ok(true));
        assert_eq!(check_identity(&["张三"], "张叁", true), Ok(false));
        assert_eq!(
            check_identity(&["张三"], "张叁", false),
            Err(EnrolmentRefusal::IdentityMismatch)
        );
        assert!(!name_matches("Anna Li", "anna li"));
    }

    #[test]
    fn stop_dates() {
        let today = date!(2023 - 04 - 20);
        let plan = check_stop(date!(2020 - 01 - 01), date!(2023 - 03 - 01), today).unwrap();
        assert_eq!(plan.last_payable, p("202303"));
        assert_eq!(plan.first_stopped, p("202304"));
        assert!(check_stop(date!(2020 - 01 - 01), date!(2023 - 04 - 30), today).is_ok());
        assert!(matches!(
            check_stop(date!(2020 - 01 - 01), date!(2023 - 05 - 01), today),
            Err(StopError::TooLate { .. })
        ));
        assert!(matches!(
            check_stop(date!(2023 - 03 - 02), date!(2023 - 03 - 01), today),
            Err(StopError::BeforeStart { .. })
        ));
    }

    #[test]
    fn revocation_needs_pending_lines() {
        let l = |s| LineState {
            period: p("202303"),
            insurance: Insurance::Pension,
            status: s,
        };
        assert!(check_lines_revocable(&[l(LineStatus::Pending)], &[]).is_ok());
        let e = check_lines_revocable(&[l(LineStatus::Billed)], &[]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::LineBilled);
        assert!(e.to_string().contains("缴费单"));
        assert_eq!(
            check_lines_revocable(&[l(LineStatus::Paid)], &[])
                .unwrap_err()
                .code(),
            ErrorCode::LinePaid
        );
        assert!(check_lines_revocable(&[], &[l(LineStatus::Cancelled)]).is_ok());
        assert!(check_lines_revocable(&[], &[l(LineStatus::Pending)]).is_err());
    }

    #[test]
    fn payment_status_from_unpaid_periods() {
        let cur = p("202304");
        assert_eq!(payment_status([], cur), PaymentStatus::PaidUp);
        assert_eq!(payment_status([p("202304")], cur), PaymentStatus::Due);
        assert_eq!(
            payment_status([p("202304"), p("202302")], cur),
            PaymentStatus::Arrears
        );
    }

    #[test]
    fn unpaid_facts_decide_the_payment_status() {
        let cur = p("202304");
        for unpaid in [
            vec![],
            vec![p("202304")],
            vec![p("202305"), p("202304")],
            vec![p("202303")],
            vec![p("202304"), p("202212")],
        ] {
            let facts = (!unpaid.is_empty(), unpaid.iter().any(|u| *u < cur));
            assert_eq!(payment_status(unpaid, cur).unpaid_facts(), facts);
        }
    }

    #[test]
    fn staff_changes_by_month() {
        let spans = [
            RelationSpan {
                person_id: 1,
                insurance: Insurance::Pension,
                start: date!(2023 - 02 - 10),
                stop: Some(date!(2023 - 03 - 01)),
            },
            RelationSpan {
                person_id: 2,
                insurance: Insurance::Pension,
                start: date!(2020 - 01 - 01),
                stop: None,
            },
        ];
        let rows = staff_changes(&spans, &[Insurance::Pension], p("202302"), p("202304"));
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].increased.clone(), rows[0].insured), (vec![1], 2));
        assert_eq!((rows[1].decreased.len(), rows[1].insured), (0, 2));
        assert_eq!((rows[2].decreased.clone(), rows[2].insured), (vec![1], 1));
    }

    #[test]
    fn names_and_documents() {
        assert_eq!(parse_name(" 张三 ").unwrap(), "张三");
        assert!(parse_name("").is_err());
        assert!(parse_name("张3").is_err());
        assert!(parse_name(&"张".repeat(51)).is_err());
        assert_eq!(parse_document_number("e1234567").unwrap(), "E1234567");
        assert!(parse_document_number("e1").is_err());
        assert!(parse_document_number("e12-34567").is_err());
    }
}

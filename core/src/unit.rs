//! Rules of a unit's registration and information (R-UNIT-1…3): the
//! collection method, the legal representative's identity document, the
//! months an insurance may start or stop, the work-injury factor that
//! covers a new work-injury insurance, the refund account's holder, and
//! how identity numbers are shown.

use std::fmt;

use thiserror::Error;
use time::Date;

use crate::ids::{ResidentId, ResidentIdError};
use crate::period::Period;

/// How the unit's contributions are collected (征收方式, AAB033).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectionMethod {
    /// 税务征收: the tax bureau collects (the only method accepted now).
    Tax,
}

impl CollectionMethod {
    pub fn code(self) -> &'static str {
        match self {
            CollectionMethod::Tax => "tax",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CollectionMethod::Tax => "税务征收",
        }
    }

    /// `tax`; anything else is refused (agency collection is no longer taken on).
    pub fn parse(s: &str) -> Result<CollectionMethod, UnitRuleError> {
        match s.trim() {
            "tax" => Ok(CollectionMethod::Tax),
            other => Err(UnitRuleError::CollectionMethod(other.to_owned())),
        }
    }

    /// Reads the stored code; unknown codes (e.g. `agency` of old units) give `None`.
    pub fn from_code(s: &str) -> Option<CollectionMethod> {
        (s == "tax").then_some(CollectionMethod::Tax)
    }
}

/// The kind of identity document (证件类型) of a legal representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// 居民身份证
    Resident,
    /// 护照
    Passport,
    /// 居留证件 (foreigners' permanent residence card, residence permits)
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

    pub fn label_zh(self) -> &'static str {
        match self {
            IdType::Resident => "居民身份证",
            IdType::Passport => "护照",
            IdType::ResidencePermit => "居留证件",
        }
    }

    pub fn parse(s: &str) -> Result<IdType, IdNumberError> {
        match s.trim() {
            "resident" => Ok(IdType::Resident),
            "passport" => Ok(IdType::Passport),
            "residence_permit" => Ok(IdType::ResidencePermit),
            other => Err(IdNumberError::Type(other.to_owned())),
        }
    }
}

impl fmt::Display for IdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdNumberError {
    #[error(
        "证件类型“{0}”无效，应为resident（居民身份证）、passport（护照）或residence_permit（居留证件）"
    )]
    Type(String),
    #[error("{0}")]
    Resident(#[from] ResidentIdError),
    #[error("{what}号码应为5至20位字母或数字")]
    Form { what: &'static str },
}

/// A normalised identity-document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    pub id_type: IdType,
    pub number: String,
    /// A 15-digit resident ID converted to 18 digits (R-ID-1): the input.
    pub converted_from: Option<String>,
}

/// Parses an identity number of `id_type`: a resident ID by GB 11643 (R-ID-1),
/// a passport or residence permit by form (5–20 letters or digits, upper-cased).
pub fn parse_id_number(
    id_type: IdType,
    input: &str,
    today: Date,
) -> Result<IdNumber, IdNumberError> {
    match id_type {
        IdType::Resident => {
            let parsed = ResidentId::parse(input, today)?;
            Ok(IdNumber {
                id_type,
                number: parsed.id.as_str().to_owned(),
                converted_from: parsed.converted_from,
            })
        }
        IdType::Passport | IdType::ResidencePermit => {
            let s = input.trim().to_uppercase();
            if (5..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()) {
                Ok(IdNumber {
                    id_type,
                    number: s,
                    converted_from: None,
                })
            } else {
                Err(IdNumberError::Form {
                    what: id_type.label_zh(),
                })
            }
        }
    }
}

/// An identity number as shown in lists and the unit's information: an
/// 18-character ID keeps its first 6 and last 4 characters
/// (`420500********1234`); shorter numbers keep 2 at each end.
pub fn mask_id_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        15.. => (6, 4),
        6..=14 => (2, 2),
        _ => (0, n.min(1)),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

/// Whether a bank account holder is the unit itself: a refund is paid only
/// to the unit's own account (R-REF-3). Blanks, full-width / half-width
/// parentheses and letter case do not matter.
pub fn same_unit_name(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c.to_ascii_uppercase(),
            })
            .collect()
    }
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitRuleError {
    #[error("征收方式“{0}”不受理：目前只受理税务征收（tax）")]
    CollectionMethod(String),
    #[error("参保开始年月{start}晚于{latest}：最多只能登记到下月")]
    RegistrationStartTooLate { start: Period, latest: Period },
    #[error("增加险种的开始年月应为当月{current}或下月{next}，当前为{start}")]
    AdditionStartOutOfWindow {
        start: Period,
        current: Period,
        next: Period,
    },
    #[error("该险种已于{stop}终止，重新参保的开始年月应晚于{stop}，当前为{start}")]
    RestartBeforeStop { start: Period, stop: Period },
    #[error("减少险种的终止年月（最后参保月份）应在{earliest}至{latest}之间，当前为{stop}")]
    StopOutOfWindow {
        stop: Period,
        earliest: Period,
        latest: Period,
    },
    #[error("终止年月{stop}早于该险种的最大做账期号{accounted}：已做账的月份不能减少")]
    StopBeforeAccounted { stop: Period, accounted: Period },
    #[error("终止年月{stop}早于该险种的参保开始年月{start}的上月")]
    StopBeforeStart { stop: Period, start: Period },
}

/// A new unit's insurance may start in any past month up to next month.
pub fn check_registration_start(start: Period, today: Date) -> Result<(), UnitRuleError> {
    let latest = Period::of(today).next();
    if start > latest {
        return Err(UnitRuleError::RegistrationStartTooLate { start, latest });
    }
    Ok(())
}

/// R-UNIT-3: an insurance added online starts this month or next; one the
/// unit stopped starts again only after its last insured month.
pub fn check_addition_start(
    start: Period,
    today: Date,
    previous_stop: Option<Period>,
) -> Result<(), UnitRuleError> {
    let current = Period::of(today);
    let next = current.next();
    if start != current && start != next {
        return Err(UnitRuleError::AdditionStartOutOfWindow {
            start,
            current,
            next,
        });
    }
    if let Some(stop) = previous_stop
        && start <= stop
    {
        return Err(UnitRuleError::RestartBeforeStop { start, stop });
    }
    Ok(())
}

/// The standard work-injury floating factor (基准费率, 100%), given to a unit
/// that has none (R-POL-2).
pub const STANDARD_INJURY_FACTOR_PCT: i16 = 100;

/// What adding work injury does to the unit's floating factors, so that a
/// factor is in force from the insurance's start (R-UNIT-3, R-POL-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjuryFactorCover {
    /// The factors already cover the start.
    Covered,
    /// The unit has none: the standard factor from the start, open-ended.
    Standard { from: Period, factor_pct: i16 },
    /// The earliest factor starts later: it is extended back to the start.
    ExtendBack { from_before: Period, from: Period },
}

/// R-UNIT-3, R-POL-2: how the unit's floating factors cover a work-injury
/// insurance starting in `start`, given the start of its earliest factor.
pub fn cover_injury_start(
    earliest_factor_from: Option<Period>,
    start: Period,
) -> InjuryFactorCover {
    match earliest_factor_from {
        None => InjuryFactorCover::Standard {
            from: start,
            factor_pct: STANDARD_INJURY_FACTOR_PCT,
        },
        Some(from) if from > start => InjuryFactorCover::ExtendBack {
            from_before: from,
            from: start,
        },
        Some(_) => InjuryFactorCover::Covered,
    }
}

/// R-UNIT-3: the last insured month of an insurance the unit stops is last
/// month, this month or next month (as a person's stop may name the last
/// day of last month, R-EMP-5); never a month already declared, and at the
/// earliest the month before the insurance started (never insured).
pub fn check_stop(
    stop: Period,
    today: Date,
    start: Period,
    latest_accounted: Option<Period>,
) -> Result<(), UnitRuleError> {
    let current = Period::of(today);
    let (earliest, latest) = (current.prev(), current.next());
    if stop < earliest || stop > latest {
        return Err(UnitRuleError::StopOutOfWindow {
            stop,
            earliest,
            latest,
        });
    }
    if let Some(accounted) = latest_accounted
        && stop < accounted
    {
        return Err(UnitRuleError::StopBeforeAccounted { stop, accounted });
    }
    if stop < start.prev() {
        return Err(UnitRuleError::StopBeforeStart { stop, start });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2023 - 04 - 20);

    #[test]
    fn a_new_work_injury_insurance_is_covered_by_a_factor() {
        assert_eq!(
            cover_injury_start(None, p("202304")),
            InjuryFactorCover::Standard {
                from: p("202304"),
                factor_pct: 100
            }
        );
        assert_eq!(
            cover_injury_start(Some(p("202306")), p("202304")),
            InjuryFactorCover::ExtendBack {
                from_before: p("202306"),
                from: p("202304")
            }
        );
        assert_eq!(
            cover_injury_start(Some(p("202304")), p("202304")),
            InjuryFactorCover::Covered
        );
        assert_eq!(
            cover_injury_start(Some(p("202201")), p("202304")),
            InjuryFactorCover::Covered
        );
    }

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn collection_method_is_tax_only() {
        assert_eq!(
            CollectionMethod::parse(" tax ").unwrap(),
            CollectionMethod::Tax
        );
        assert!(CollectionMethod::parse("agency").is_err());
        assert_eq!(CollectionMethod::Tax.label_zh(), "税务征收");
        assert_eq!(CollectionMethod::from_code("agency"), None);
    }

    #[test]
    fn id_numbers_by_type() {
        let r = parse_id_number(IdType::Resident, "11010519491231002x", TODAY).unwrap();
        assert_eq!(r.number, "11010519491231002X");
        let c = parse_id_number(IdType::Resident, "420500800101123", TODAY).unwrap();
        assert_eq!(c.converted_from.as_deref(), Some("420500800101123"));
        assert!(matches!(
            parse_id_number(IdType::Resident, "110105194912310021", TODAY),
            Err(IdNumberError::Resident(ResidentIdError::Checksum { .. }))
        ));
        let pp = parse_id_number(IdType::Passport, " e1234567 ", TODAY).unwrap();
        assert_eq!(pp.number, "E1234567");
        assert!(parse_id_number(IdType::Passport, "E12", TODAY).is_err());
        assert!(parse_id_number(IdType::ResidencePermit, "ABC-123456", TODAY).is_err());
        assert!(IdType::parse("driver").is_err());
    }

    #[test]
    fn masking_keeps_the_ends() {
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id_number("E12345678"), "E1*****78");
        assert_eq!(mask_id_number("ABCDE"), "****E");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn account_holder_must_be_the_unit() {
        assert!(same_unit_name(
            "宜昌市三峡科技有限公司（分公司）",
            " 宜昌市三峡科技有限公司(分公司)"
        ));
        assert!(!same_unit_name("宜昌市三峡科技有限公司", "张三"));
        assert!(!same_unit_name("", " "));
    }

    #[test]
    fn registration_start_up_to_next_month() {
        assert!(check_registration_start(p("201605"), TODAY).is_ok());
        assert!(check_registration_start(p("202305"), TODAY).is_ok());
        assert_eq!(
            check_registration_start(p("202306"), TODAY),
            Err(UnitRuleError::RegistrationStartTooLate {
                start: p("202306"),
                latest: p("202305")
            })
        );
    }

    #[test]
    fn addition_this_or_next_month_after_any_stop() {
        assert!(check_addition_start(p("202304"), TODAY, None).is_ok());
        assert!(check_addition_start(p("202305"), TODAY, None).is_ok());
        assert!(check_addition_start(p("202303"), TODAY, None).is_err());
        assert!(check_addition_start(p("202306"), TODAY, None).is_err());
        assert!(check_addition_start(p("202304"), TODAY, Some(p("202303"))).is_ok());
        assert!(matches!(
            check_addition_start(p("202304"), TODAY, Some(p("202304"))),
            Err(UnitRuleError::RestartBeforeStop { .. })
        ));
    }

    #[test]
    fn stop_window_accounted_and_start() {
        let start = p("201605");
        assert!(check_stop(p("202303"), TODAY, start, None).is_ok());
        assert!(check_stop(p("202305"), TODAY, start, Some(p("202304"))).is_ok());
        assert!(matches!(
            check_stop(p("202302"), TODAY, start, None),
            Err(UnitRuleError::StopOutOfWindow { .. })
        ));
        assert!(matches!(
            check_stop(p("202306"), TODAY, start, None),
            Err(UnitRuleError::StopOutOfWindow { .. })
        ));
        assert!(matches!(
            check_stop(p("202303"), TODAY, start, Some(p("202304"))),
            Err(UnitRuleError::StopBeforeAccounted { .. })
        ));
        // Registered from next month, cancelled before it began.
        assert!(check_stop(p("202304"), TODAY, p("202305"), None).is_ok());
        assert!(matches!(
            check_stop(p("202303"), TODAY, p("202305"), None),
            Err(UnitRuleError::StopBeforeStart { .. })
        ));
    }
}

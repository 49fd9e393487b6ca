//! Retirement (issue 15, part: the pure rules).
//!
//! - R-RET-1: the statutory retirement age and month under the NPC Standing
//!   Committee decision of 2024-09-13 (in force 2025-01-01), by category and
//!   birth month, and the flexible early/late bounds (弹性退休).
//! - R-RET-2: the minimum contribution years for a monthly pension by the
//!   year of retirement, and the check of a person's paid + deemed months.
//! - R-PEN-2: the pension divisor (计发月数) by age at retirement, whole
//!   years from 国发〔2005〕38号's annex, months interpolated.
//!
//! Sources: 《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》
//! (2024-09-13) and its annex tables 1–3 (the age by birth cohort) and 4
//! (the minimum contribution years); 国发〔2005〕38号 annex (计发月数).

use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::ids::Gender;
use crate::money::round_half_up;
use crate::period::Period;

/// The category a statutory retirement age depends on (R-RET-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetirementCategory {
    /// 男职工: 60 → 63.
    Man,
    /// 原法定退休年龄为55周岁的女职工 (女干部): 55 → 58.
    WomanCadre,
    /// 原法定退休年龄为50周岁的女职工 (女工人): 50 → 55.
    WomanWorker,
}

/// How a category's age moves under the 2024 decision.
struct Schedule {
    /// The original statutory age, in months.
    original: i32,
    /// The first birth month whose age is delayed.
    first_cohort: (i32, u8),
    /// Birth months per cohort: each later cohort retires one month later.
    cohort_months: i32,
    /// The largest delay, in months (3 or 5 years).
    max_delay: i32,
}

impl RetirementCategory {
    pub const ALL: [RetirementCategory; 3] = [
        RetirementCategory::Man,
        RetirementCategory::WomanCadre,
        RetirementCategory::WomanWorker,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RetirementCategory::Man => "man",
            RetirementCategory::WomanCadre => "woman_cadre",
            RetirementCategory::WomanWorker => "woman_worker",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RetirementCategory::Man => "男职工",
            RetirementCategory::WomanCadre => "原法定退休年龄为55周岁的女职工",
            RetirementCategory::WomanWorker => "原法定退休年龄为50周岁的女职工",
        }
    }

    pub fn parse(s: &str) -> Option<RetirementCategory> {
        RetirementCategory::ALL
            .into_iter()
            .find(|c| c.code() == s.trim())
    }

    /// The sex the category belongs to.
    pub fn gender(self) -> Gender {
        match self {
            RetirementCategory::Man => Gender::Male,
            RetirementCategory::WomanCadre | RetirementCategory::WomanWorker => Gender::Female,
        }
    }

    fn schedule(self) -> Schedule {
        match self {
            RetirementCategory::Man => Schedule {
                original: 60 * 12,
                first_cohort: (1965, 1),
                cohort_months: 4,
                max_delay: 36,
            },
            RetirementCategory::WomanCadre => Schedule {
                original: 55 * 12,
                first_cohort: (1970, 1),
                cohort_months: 4,
                max_delay: 36,
            },
            RetirementCategory::WomanWorker => Schedule {
                original: 50 * 12,
                first_cohort: (1975, 1),
                cohort_months: 2,
                max_delay: 60,
            },
        }
    }

    /// The original statutory age (60, 55 or 50 years): flexible early
    /// retirement never goes below it.
    pub fn original_age(self) -> Age {
        Age(self.schedule().original)
    }
}

/// An age in whole months, shown as "60岁1个月".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "AgeParts")]
pub struct Age(i32);

#[derive(Serialize)]
struct AgeParts {
    years: i32,
    months: i32,
    /// 60岁1个月.
    label: String,
}

impl From<Age> for AgeParts {
    fn from(a: Age) -> AgeParts {
        AgeParts {
            years: a.years(),
            months: a.months(),
            label: a.to_string(),
        }
    }
}

impl Age {
    pub fn from_months(months: i32) -> Age {
        Age(months)
    }
    pub fn total_months(self) -> i32 {
        self.0
    }
    pub fn years(self) -> i32 {
        self.0.div_euclid(12)
    }
    pub fn months(self) -> i32 {
        self.0.rem_euclid(12)
    }
    /// The age reached in `month` by a person born in `birth`.
    pub fn at(birth: Period, month: Period) -> Age {
        Age(birth.months_until(month))
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.months() == 0 {
            write!(f, "{}岁", self.years())
        } else {
            write!(f, "{}岁{}个月", self.years(), self.months())
        }
    }
}

/// The statutory retirement age of a person born in `birth` (R-RET-1).
pub fn statutory_age(category: RetirementCategory, birth: Period) -> Age {
    let s = category.schedule();
    let (y, m) = s.first_cohort;
    let first = Period::new(y, m).unwrap_or(birth);
    let after = first.months_until(birth);
    if after < 0 {
        return Age(s.original);
    }
    let delay = (after / s.cohort_months + 1).min(s.max_delay);
    Age(s.original + delay)
}

/// The statutory retirement month: the birth month plus the age (R-RET-1).
pub fn statutory_month(category: RetirementCategory, birth: Period) -> Period {
    birth.add_months(statutory_age(category, birth).total_months())
}

/// The months a person may choose to retire in (弹性退休, R-RET-1): from up
/// to 3 years before the statutory month, never before the original age, to
/// up to 3 years after it (later needs the unit's agreement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetirementWindow {
    pub statutory_age: Age,
    pub statutory_month: Period,
    pub earliest: Period,
    pub latest: Period,
}

/// The flexible bounds of `FLEXIBLE_MONTHS` either side.
pub const FLEXIBLE_MONTHS: i32 = 36;

pub fn window(category: RetirementCategory, birth: Period) -> RetirementWindow {
    let age = statutory_age(category, birth);
    let statutory = birth.add_months(age.total_months());
    let floor = birth.add_months(category.original_age().total_months());
    let early = statutory.add_months(-FLEXIBLE_MONTHS);
    RetirementWindow {
        statutory_age: age,
        statutory_month: statutory,
        earliest: if early < floor { floor } else { early },
        latest: statutory.add_months(FLEXIBLE_MONTHS),
    }
}

/// Why a chosen retirement month is refused (R-RET-1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RetirementMonthError {
    #[error(
        "弹性提前退休最早可在{}（不早于原法定退休年龄{original}），所选{}早于该月份。",
        PeriodZh(*.earliest),
        PeriodZh(*.chosen)
    )]
    TooEarly {
        chosen: Period,
        earliest: Period,
        original: Age,
    },
    #[error(
        "弹性延迟退休最长不超过3年，最晚可在{}，所选{}晚于该月份。",
        PeriodZh(*.latest),
        PeriodZh(*.chosen)
    )]
    TooLate { chosen: Period, latest: Period },
}

/// Checks a chosen month against the window.
pub fn check_chosen_month(
    category: RetirementCategory,
    birth: Period,
    chosen: Period,
) -> Result<RetirementWindow, RetirementMonthError> {
    let w = window(category, birth);
    if chosen < w.earliest {
        return Err(RetirementMonthError::TooEarly {
            chosen,
            earliest: w.earliest,
            original: category.original_age(),
        });
    }
    if chosen > w.latest {
        return Err(RetirementMonthError::TooLate {
            chosen,
            latest: w.latest,
        });
    }
    Ok(w)
}

/// The minimum contribution months for a monthly pension for someone
/// retiring in `year` (R-RET-2): 180 until 2029, then 6 more each year from
/// 2030 to 240 in 2039.
pub fn minimum_contribution_months(year: i32) -> i32 {
    if year <= 2029 {
        180
    } else {
        (180 + 6 * (year - 2029)).min(240)
    }
}

/// A person's contribution months: paid (实缴) and deemed (视同缴费).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ContributionMonths {
    pub paid: i32,
    pub deemed: i32,
}

impl ContributionMonths {
    pub fn total(self) -> i32 {
        self.paid + self.deemed
    }
}

/// Fewer contribution months than a monthly pension needs (R-RET-2), with
/// what the person can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[error(
    "{year}年退休按月领取基本养老金须累计缴费满{}（含视同缴费），目前累计{}（实缴{paid}个月、视同缴费{deemed}个月），尚差{short}个月。可以继续缴费至满规定年限（延长缴费），或按规定转入城乡居民基本养老保险。",
    YearsMonths(*.needed),
    YearsMonths((*.needed - *.short).max(0))
)]
pub struct ShortOfMinimum {
    pub year: i32,
    pub needed: i32,
    pub paid: i32,
    pub deemed: i32,
    pub short: i32,
}

/// Months shown as "15年6个月".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YearsMonths(i32);

impl fmt::Display for YearsMonths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m) = (self.0 / 12, self.0 % 12);
        match (y, m) {
            (_, 0) => write!(f, "{y}年"),
            (0, _) => write!(f, "{m}个月"),
            _ => write!(f, "{y}年{m}个月"),
        }
    }
}

/// Checks the months against the minimum of the retirement month's year.
pub fn check_minimum(retirement: Period, months: ContributionMonths) -> Result<(), ShortOfMinimum> {
    let needed = minimum_contribution_months(retirement.year());
    let have = months.total();
    if have >= needed {
        return Ok(());
    }
    Err(ShortOfMinimum {
        year: retirement.year(),
        needed,
        paid: months.paid,
        deemed: months.deemed,
        short: needed - have,
    })
}

/// The kinds of early retirement (R-RET-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EarlyKind {
    /// 特殊工种: underground, high-altitude, high-temperature or especially
    /// heavy work (井下、高空、高温、特别繁重体力劳动), ≥ 9 years.
    SpecialHeavy,
    /// 特殊工种: other work harmful to health (其他有害身体健康), ≥ 8 years.
    SpecialHarmful,
    /// 因病或非因工完全丧失劳动能力, with the appraisal committee's certificate
    /// and ≥ 15 years of contributions.
    Illness,
}

impl EarlyKind {
    pub const ALL: [EarlyKind; 3] = [
        EarlyKind::SpecialHeavy,
        EarlyKind::SpecialHarmful,
        EarlyKind::Illness,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EarlyKind::SpecialHeavy => "special_heavy",
            EarlyKind::SpecialHarmful => "special_harmful",
            EarlyKind::Illness => "illness",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EarlyKind::SpecialHeavy => "特殊工种提前退休（井下、高空、高温、特别繁重体力劳动）",
            EarlyKind::SpecialHarmful => "特殊工种提前退休（其他有害身体健康工作）",
            EarlyKind::Illness => "因病或非因工完全丧失劳动能力提前退休",
        }
    }

    pub fn parse(s: &str) -> Option<EarlyKind> {
        EarlyKind::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    /// The youngest age it allows: men 55 / women 45 for special work, men
    /// 50 / women 45 for illness (R-RET-3).
    pub fn minimum_age(self, gender: Gender) -> Age {
        let years = match (self, gender) {
            (EarlyKind::SpecialHeavy | EarlyKind::SpecialHarmful, Gender::Male) => 55,
            (EarlyKind::Illness, Gender::Male) => 50,
            (_, Gender::Female) => 45,
        };
        Age(years * 12)
    }

    /// What it requires besides the age, in months: of the special work, or
    /// of contributions for illness.
    pub fn required_months(self) -> i32 {
        match self {
            EarlyKind::SpecialHeavy => 9 * 12,
            EarlyKind::SpecialHarmful => 8 * 12,
            EarlyKind::Illness => 15 * 12,
        }
    }
}

/// The facts an early-retirement application is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EarlyFacts {
    pub kind: EarlyKind,
    pub category: RetirementCategory,
    pub birth: Period,
    /// The month applied for.
    pub month: Period,
    /// Months in the special work (special kinds).
    pub special_months: i32,
    /// Paid + deemed contribution months.
    pub contribution_months: i32,
    /// The labour-capacity appraisal certificate (劳动能力鉴定结论) is among
    /// the materials (illness).
    pub appraisal_certificate: bool,
}

/// Why an early retirement is refused (R-RET-3), with the figures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EarlyRefusal {
    #[error("{kind}须年满{minimum}，{month}时本人{age}，最早可在{}申请。", PeriodZh(*.earliest))]
    TooYoung {
        kind: &'static str,
        minimum: Age,
        age: Age,
        month: PeriodZh,
        earliest: Period,
    },
    #[error("{month}已到法定退休年龄（{statutory}），请申请正常退休。")]
    NotEarly { month: PeriodZh, statutory: Age },
    #[error("{kind}须从事特殊工种满{}，目前{}，尚差{short}个月。", YearsMonths(*.required), YearsMonths(*.have))]
    SpecialYearsShort {
        kind: &'static str,
        required: i32,
        have: i32,
        short: i32,
    },
    #[error("因病或非因工完全丧失劳动能力提前退休须累计缴费满15年，目前累计{}，尚差{short}个月。", YearsMonths(*.have))]
    ContributionShort { have: i32, short: i32 },
    #[error(
        "因病或非因工完全丧失劳动能力提前退休须提交劳动能力鉴定委员会出具的完全丧失劳动能力鉴定结论。"
    )]
    CertificateMissing,
}

/// A month as the hall writes it in a message: 2040年1月.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodZh(pub Period);

impl fmt::Display for PeriodZh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年{}月", self.0.year(), self.0.month())
    }
}

/// Whether the facts allow an early retirement in the month applied for
/// (R-RET-3); materials and staff review follow in either case.
pub fn check_early(f: &EarlyFacts) -> Result<(), EarlyRefusal> {
    let gender = f.category.gender();
    let minimum = f.kind.minimum_age(gender);
    let age = Age::at(f.birth, f.month);
    if age < minimum {
        return Err(EarlyRefusal::TooYoung {
            kind: f.kind.label_zh(),
            minimum,
            age,
            month: PeriodZh(f.month),
            earliest: f.birth.add_months(minimum.total_months()),
        });
    }
    let statutory = statutory_age(f.category, f.birth);
    if age >= statutory {
        return Err(EarlyRefusal::NotEarly {
            month: PeriodZh(f.month),
            statutory,
        });
    }
    let required = f.kind.required_months();
    match f.kind {
        EarlyKind::SpecialHeavy | EarlyKind::SpecialHarmful => {
            if f.special_months < required {
                return Err(EarlyRefusal::SpecialYearsShort {
                    kind: f.kind.label_zh(),
                    required,
                    have: f.special_months.max(0),
                    short: required - f.special_months.max(0),
                });
            }
        }
        EarlyKind::Illness => {
            if f.contribution_months < required {
                return Err(EarlyRefusal::ContributionShort {
                    have: f.contribution_months.max(0),
                    short: required - f.contribution_months.max(0),
                });
            }
            if !f.appraisal_certificate {
                return Err(EarlyRefusal::CertificateMissing);
            }
        }
    }
    Ok(())
}

/// 计发月数 at whole ages 40…70 (国发〔2005〕38号 annex).
const DIVISORS: [(i32, i32); 31] = [
    (40, 233),
    (41, 230),
    (42, 226),
    (43, 223),
    (44, 220),
    (45, 216),
    (46, 212),
    (47, 207),
    (48, 204),
    (49, 199),
    (50, 195),
    (51, 190),
    (52, 185),
    (53, 180),
    (54, 175),
    (55, 170),
    (56, 164),
    (57, 158),
    (58, 152),
    (59, 145),
    (60, 139),
    (61, 132),
    (62, 125),
    (63, 117),
    (64, 109),
    (65, 101),
    (66, 93),
    (67, 84),
    (68, 75),
    (69, 65),
    (70, 56),
];

/// The pension divisor (计发月数) for retiring at `age` (R-PEN-2): the
/// annex's figure at a whole age; between two whole ages interpolated by
/// month and kept to one decimal, half-up. `None` outside 40…70 years.
pub fn divisor(age: Age) -> Option<Decimal> {
    let at = |years: i32| {
        DIVISORS
            .iter()
            .find(|(y, _)| *y == years)
            .map(|(_, d)| Decimal::from(*d))
    };
    let whole = at(age.years())?;
    if age.months() == 0 {
        return Some(whole);
    }
    let next = at(age.years() + 1)?;
    let step = (whole - next) * Decimal::from(age.months()) / Decimal::from(12);
    Some(round_half_up(whole - step, 1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use RetirementCategory::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    /// The decision's annex tables, computed here by counting cohorts one
    /// by one (not with `statutory_age`'s division): each cohort of
    /// `size` birth months from `first` adds a month, up to `max`.
    fn annex_age(original_years: i32, first: Period, size: i32, max: i32, birth: Period) -> i32 {
        let mut delay = 0;
        let mut cohort_start = first;
        while cohort_start <= birth && delay < max {
            delay += 1;
            cohort_start = cohort_start.add_months(size);
        }
        original_years * 12 + delay
    }

    #[test]
    fn the_worked_examples_of_r_ret_1() {
        // Men born 1965-01…04: 60 years 1 month.
        for m in 1..=4 {
            assert_eq!(statutory_age(Man, p(1965, m)), Age(60 * 12 + 1));
        }
        assert_eq!(statutory_age(Man, p(1965, 5)), Age(60 * 12 + 2));
        assert_eq!(statutory_age(Man, p(1964, 12)), Age(720));
        // Reaches 63 from those born 1976-09, not before.
        assert_eq!(statutory_age(Man, p(1976, 8)), Age(63 * 12 - 1));
        assert_eq!(statutory_age(Man, p(1976, 9)), Age(63 * 12));
        assert_eq!(statutory_age(Man, p(1990, 1)), Age(63 * 12));
        // Retirement month = birth month + age: born 1965-01 → 2025-02.
        assert_eq!(statutory_month(Man, p(1965, 1)), p(2025, 2));
        // Women cadres from 1970-01, women workers from 1975-01.
        assert_eq!(statutory_age(WomanCadre, p(1969, 12)), Age(660));
        assert_eq!(statutory_age(WomanCadre, p(1970, 1)), Age(661));
        assert_eq!(statutory_age(WomanCadre, p(1981, 9)), Age(58 * 12));
        assert_eq!(statutory_age(WomanWorker, p(1974, 12)), Age(600));
        assert_eq!(statutory_age(WomanWorker, p(1975, 1)), Age(601));
        assert_eq!(statutory_age(WomanWorker, p(1975, 3)), Age(602));
        assert_eq!(statutory_age(WomanWorker, p(1984, 10)), Age(55 * 12 - 1));
        assert_eq!(statutory_age(WomanWorker, p(1984, 11)), Age(55 * 12));
        assert_eq!(Age(721).to_string(), "60岁1个月");
        assert_eq!(Age(756).to_string(), "63岁");
    }

    #[test]
    fn every_birth_month_1960_to_1990_matches_the_annex_tables() {
        let tables = [
            (Man, 60, p(1965, 1), 4, 36),
            (WomanCadre, 55, p(1970, 1), 4, 36),
            (WomanWorker, 50, p(1975, 1), 2, 60),
        ];
        for (category, original, first, size, max) in tables {
            let mut birth = p(1960, 1);
            while birth <= p(1990, 12) {
                let expected = annex_age(original, first, size, max, birth);
                assert_eq!(
                    statutory_age(category, birth).total_months(),
                    expected,
                    "{category:?} born {birth}"
                );
                assert_eq!(statutory_month(category, birth), birth.add_months(expected));
                birth = birth.next();
            }
        }
    }

    #[test]
    fn the_flexible_window_keeps_the_original_age_as_its_floor() {
        // Born 1965-01: statutory 2025-02; 3 years earlier would be before 60.
        let w = window(Man, p(1965, 1));
        assert_eq!(w.statutory_month, p(2025, 2));
        assert_eq!(w.earliest, p(2025, 1));
        assert_eq!(w.latest, p(2028, 2));
        // Born 1980-01: statutory at 63 (2043-01), earliest at 60 (2040-01).
        let w = window(Man, p(1980, 1));
        assert_eq!((w.earliest, w.statutory_month), (p(2040, 1), p(2043, 1)));
        // Born before the reform: no earlier than 60, up to 3 years later.
        let w = window(Man, p(1964, 6));
        assert_eq!((w.earliest, w.latest), (p(2024, 6), p(2027, 6)));
        let e = check_chosen_month(Man, p(1980, 1), p(2039, 12)).unwrap_err();
        assert!(e.to_string().contains("最早可在2040年1月"), "{e}");
        assert!(e.to_string().contains("60岁"), "{e}");
        assert!(check_chosen_month(Man, p(1980, 1), p(2046, 2)).is_err());
        assert!(check_chosen_month(Man, p(1980, 1), p(2046, 1)).is_ok());
    }

    #[test]
    fn the_minimum_years_rise_from_2030_to_20_in_2039() {
        assert_eq!(minimum_contribution_months(2025), 180);
        assert_eq!(minimum_contribution_months(2029), 180);
        assert_eq!(minimum_contribution_months(2030), 186);
        assert_eq!(minimum_contribution_months(2035), 216);
        assert_eq!(minimum_contribution_months(2039), 240);
        assert_eq!(minimum_contribution_months(2050), 240);
        // 14 years paid in 2026: refused with what is missing and what to do.
        let months = ContributionMonths {
            paid: 168,
            deemed: 0,
        };
        let e = check_minimum(p(2026, 5), months).unwrap_err();
        assert_eq!(e.short, 12);
        let msg = e.to_string();
        assert!(msg.contains("满15年"), "{msg}");
        assert!(msg.contains("累计14年"), "{msg}");
        assert!(msg.contains("延长缴费"), "{msg}");
        // Deemed months count.
        let with_deemed = ContributionMonths {
            paid: 168,
            deemed: 12,
        };
        assert!(check_minimum(p(2026, 5), with_deemed).is_ok());
        // 2030 needs 15½ years, 2031 16.
        let e = check_minimum(p(2030, 1), with_deemed).unwrap_err();
        assert!(e.to_string().contains("满15年6个月"), "{e}");
        assert_eq!(e.short, 6);
        let e = check_minimum(p(2031, 12), with_deemed).unwrap_err();
        assert!(e.to_string().contains("满16年"), "{e}");
    }

    #[test]
    fn the_divisor_examples_of_r_pen_2() {
        assert_eq!(divisor(Age(60 * 12)), Some(dec!(139)));
        assert_eq!(divisor(Age(60 * 12 + 1)), Some(dec!(138.4)));
        assert_eq!(divisor(Age(50 * 12 + 1)), Some(dec!(194.6)));
        assert_eq!(divisor(Age(55 * 12)), Some(dec!(170)));
        assert_eq!(divisor(Age(70 * 12)), Some(dec!(56)));
        assert_eq!(divisor(Age(70 * 12 + 1)), None);
        assert_eq!(divisor(Age(39 * 12 + 11)), None);
    }

    fn early(
        kind: EarlyKind,
        category: RetirementCategory,
        birth: Period,
        month: Period,
    ) -> EarlyFacts {
        EarlyFacts {
            kind,
            category,
            birth,
            month,
            special_months: 0,
            contribution_months: 0,
            appraisal_certificate: false,
        }
    }

    #[test]
    fn early_retirement_by_r_ret_3() {
        // A miner born 1970-03 with 10 years underground, at 55 in 2025-03.
        let miner = EarlyFacts {
            special_months: 120,
            ..early(EarlyKind::SpecialHeavy, Man, p(1970, 3), p(2025, 3))
        };
        assert_eq!(check_early(&miner), Ok(()));
        // A month younger: refused with the earliest month.
        let e = check_early(&EarlyFacts {
            month: p(2025, 2),
            ..miner
        })
        .unwrap_err();
        assert!(e.to_string().contains("最早可在2025年3月"), "{e}");
        assert!(e.to_string().contains("54岁11个月"), "{e}");
        // 8 years 11 months underground is short of 9.
        let e = check_early(&EarlyFacts {
            special_months: 107,
            ..miner
        })
        .unwrap_err();
        assert_eq!(
            e,
            EarlyRefusal::SpecialYearsShort {
                kind: EarlyKind::SpecialHeavy.label_zh(),
                required: 108,
                have: 107,
                short: 1
            }
        );
        assert!(e.to_string().contains("满9年"), "{e}");
        // Harmful work needs 8 years.
        let harmful = EarlyFacts {
            kind: EarlyKind::SpecialHarmful,
            special_months: 96,
            ..miner
        };
        assert_eq!(check_early(&harmful), Ok(()));
        // Women: 45 for both kinds.
        let woman = EarlyFacts {
            special_months: 120,
            ..early(EarlyKind::SpecialHeavy, WomanWorker, p(1980, 6), p(2025, 6))
        };
        assert_eq!(check_early(&woman), Ok(()));
        // Illness: men from 50 with 15 years and the certificate.
        let ill = EarlyFacts {
            contribution_months: 180,
            appraisal_certificate: true,
            ..early(EarlyKind::Illness, Man, p(1975, 1), p(2025, 1))
        };
        assert_eq!(check_early(&ill), Ok(()));
        let e = check_early(&EarlyFacts {
            appraisal_certificate: false,
            ..ill
        })
        .unwrap_err();
        assert_eq!(e, EarlyRefusal::CertificateMissing);
        let e = check_early(&EarlyFacts {
            contribution_months: 170,
            ..ill
        })
        .unwrap_err();
        assert!(e.to_string().contains("尚差10个月"), "{e}");
        // At or past the statutory age it is a normal retirement.
        let e = check_early(&EarlyFacts {
            month: statutory_month(Man, p(1975, 1)),
            ..ill
        })
        .unwrap_err();
        assert!(matches!(e, EarlyRefusal::NotEarly { .. }), "{e}");
    }

    proptest! {
        #[test]
        fn the_retirement_month_is_monotone_in_the_birth_month(
            i in 0usize..3, a in 0i32..480, b in 0i32..480,
        ) {
            let category = RetirementCategory::ALL[i];
            let (a, b) = (a.min(b), a.max(b));
            let start = p(1955, 1);
            let (ma, mb) = (
                statutory_month(category, start.add_months(a)),
                statutory_month(category, start.add_months(b)),
            );
            prop_assert!(ma <= mb);
            // Never an earlier age for a later birth, within the bounds.
            let (aa, ab) = (
                statutory_age(category, start.add_months(a)),
                statutory_age(category, start.add_months(b)),
            );
            prop_assert!(aa <= ab);
            prop_assert!(aa >= category.original_age());
        }

        #[test]
        fn the_divisor_falls_with_age(m in 480i32..840) {
            let (d, next) = (divisor(Age(m)).unwrap(), divisor(Age(m + 1)).unwrap());
            prop_assert!(next <= d);
        }

        #[test]
        fn the_window_always_holds_the_statutory_month(i in 0usize..3, m in 0i32..480) {
            let category = RetirementCategory::ALL[i];
            let birth = p(1955, 1).add_months(m);
            let w = window(category, birth);
            prop_assert!(w.earliest <= w.statutory_month && w.statutory_month <= w.latest);
            prop_assert!(Age::at(birth, w.earliest) >= category.original_age());
        }
    }
}

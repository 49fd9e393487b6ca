//! Exact money in yuan with two decimal places (R-MON-1), half-up rounding to
//! the fen (R-MON-2), rates, and Chinese capital numerals (R-MON-3).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The one rounding helper: half-up (away from zero at the midpoint) to `dp`
/// decimal places. `Decimal::round`/`round_dp` round half-to-even and are not
/// used for money anywhere.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("金额“{0}”格式不正确，应为数字，最多两位小数，如 3450.00")]
    Format(String),
    #[error("金额“{0}”最多保留两位小数（到分）")]
    Precision(String),
    #[error("金额“{0}”超出允许范围")]
    Range(String),
    #[error("金额不能为负数")]
    Negative,
}

/// An exact amount of yuan, always held at scale 2 (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Money(Decimal);

/// The largest amount accepted from input: one trillion yuan.
const MAX_YUAN: i64 = 1_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds an exact yuan value half-up to the fen.
    pub fn from_yuan(value: Decimal) -> Money {
        let mut d = round_half_up(value, 2);
        d.rescale(2);
        Money(d)
    }

    pub fn from_fen(fen: i64) -> Money {
        Money(Decimal::new(fen, 2))
    }

    /// Whole yuan.
    pub fn yuan(whole: i64) -> Money {
        Money::from_fen(whole * 100)
    }

    /// The amount in fen, for storage (BIGINT).
    pub fn fen(self) -> i64 {
        let mut d = self.0;
        d.rescale(2);
        // |amount| is bounded by MAX_YUAN for parsed input and sums of it.
        i64::try_from(d.mantissa()).unwrap_or(i64::MAX)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Parses an exact amount: digits with at most two decimals, no exponent.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let t = s.trim();
        let valid_chars = !t.is_empty()
            && t.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
        if !valid_chars || t.matches('.').count() > 1 || t.ends_with('.') || t.starts_with('.') {
            return Err(MoneyError::Format(t.to_string()));
        }
        let d = Decimal::from_str(t).map_err(|_| MoneyError::Format(t.to_string()))?;
        if d.scale() > 2 {
            return Err(MoneyError::Precision(t.to_string()));
        }
        if d.abs() > Decimal::from(MAX_YUAN) {
            return Err(MoneyError::Range(t.to_string()));
        }
        Ok(Money::from_yuan(d))
    }

    /// Parses and refuses negative amounts.
    pub fn parse_non_negative(s: &str) -> Result<Money, MoneyError> {
        let m = Money::parse(s)?;
        if m.is_negative() {
            return Err(MoneyError::Negative);
        }
        Ok(m)
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// base × rate, rounded half-up to the fen (one assessment line, R-MON-2).
    pub fn times_rate(self, rate: Rate) -> Money {
        Money::from_yuan(self.0 * rate.0)
    }

    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }

    pub fn max(self, other: Money) -> Money {
        if self >= other { self } else { other }
    }

    /// The amount in Chinese capital numerals, per the People's Bank of China
    /// writing rules (R-MON-3): 869.40 → 捌佰陆拾玖元肆角整.
    pub fn to_capitals(self) -> String {
        capitals(self)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.0;
        d.rescale(2);
        write!(f, "{d}")
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + *b)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Accepts a JSON string ("3450.00") or a JSON integer (3450). Fractional JSON
/// numbers are refused: they arrive as binary floats and are not exact.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                // A fractional JSON number falls through to serde's "invalid
                // type" error with this expectation: such numbers arrive as
                // binary floats and are never accepted as money.
                f.write_str("金额字符串（带小数的金额请用字符串，如 \"5234.56\"）")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                Money::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                Money::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateError {
    #[error("费率“{0}”格式不正确，应为小数形式，如 0.16 表示16%")]
    Format(String),
    #[error("费率“{0}”应在0到1之间")]
    Range(String),
}

/// A rate as an exact fraction (0.16 = 16%). Stored as parts per million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Rate(Decimal);

impl Rate {
    pub const ZERO: Rate = Rate(Decimal::ZERO);

    pub fn from_ppm(ppm: i64) -> Rate {
        Rate(Decimal::new(ppm, 6).normalize())
    }

    /// Parts per million; exact for rates with at most 6 decimals.
    pub fn ppm(self) -> i64 {
        use rust_decimal::prelude::ToPrimitive;
        (self.0 * Decimal::from(1_000_000))
            .trunc()
            .to_i64()
            .unwrap_or(i64::MAX)
    }

    pub fn from_decimal(d: Decimal) -> Rate {
        Rate(d.normalize())
    }

    pub fn parse(s: &str) -> Result<Rate, RateError> {
        let t = s.trim();
        let d = Decimal::from_str(t).map_err(|_| RateError::Format(t.to_string()))?;
        if d.is_sign_negative() || d > Decimal::ONE {
            return Err(RateError::Range(t.to_string()));
        }
        if d.scale() > 6 {
            return Err(RateError::Format(t.to_string()));
        }
        Ok(Rate(d.normalize()))
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The rate multiplied by a factor given in percent (work-injury floating
    /// factor: 120 → × 1.2). Exact, never rounded.
    pub fn times_percent(self, percent: u16) -> Rate {
        Rate((self.0 * Decimal::from(percent) / Decimal::from(100)).normalize())
    }

    /// "16%", "0.7%", "0.05%" for display.
    pub fn percent_text(self) -> String {
        format!("{}%", (self.0 * Decimal::from(100)).normalize())
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Rate::parse(&s).map_err(serde::de::Error::custom)
    }
}

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
const SMALL_UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
const SECTION_UNITS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];

/// One group of four digits (0 < n < 10000), without leading zeros.
fn section(n: u32) -> String {
    let mut out = String::new();
    let mut zero_pending = false;
    for pos in (0..4).rev() {
        let d = (n / 10u32.pow(pos)) % 10;
        if d == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
        } else {
            if zero_pending {
                out.push_str(DIGITS[0]);
                zero_pending = false;
            }
            out.push_str(DIGITS[d as usize]);
            out.push_str(SMALL_UNITS[pos as usize]);
        }
    }
    out
}

fn integer_capitals(mut n: u128) -> String {
    let mut sections = Vec::new();
    while n > 0 {
        sections.push((n % 10000) as u32);
        n /= 10000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (i, &sec) in sections.iter().enumerate().rev() {
        if sec == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
            continue;
        }
        if !out.is_empty() && (zero_pending || sec < 1000) {
            out.push_str(DIGITS[0]);
        }
        out.push_str(&section(sec));
        out.push_str(SECTION_UNITS.get(i).copied().unwrap_or(""));
        zero_pending = false;
    }
    out
}

fn capitals(m: Money) -> String {
    let fen_total = m.fen();
    let negative = fen_total < 0;
    let abs = u128::from(fen_total.unsigned_abs());
    let yuan = abs / 100;
    let jiao = (abs / 10 % 10) as usize;
    let fen = (abs % 10) as usize;
    let mut out = String::new();
    if negative {
        out.push('负');
    }
    if yuan > 0 {
        out.push_str(&integer_capitals(yuan));
        out.push('元');
    }
    if jiao == 0 && fen == 0 {
        if yuan == 0 {
            out.push_str("零元");
        }
        out.push('整');
        return out;
    }
    if jiao > 0 {
        out.push_str(DIGITS[jiao]);
        out.push('角');
    } else if yuan > 0 {
        out.push_str(DIGITS[0]);
    }
    if fen > 0 {
        out.push_str(DIGITS[fen]);
        out.push('分');
    } else {
        out.push('整');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn capitals_examples_from_the_domain() {
        assert_eq!(m("204.93").to_capitals(), "贰佰零肆元玖角叁分");
        assert_eq!(m("869.40").to_capitals(), "捌佰陆拾玖元肆角整");
        assert_eq!(m("100000.00").to_capitals(), "壹拾万元整");
        assert_eq!(m("10.00").to_capitals(), "壹拾元整");
        assert_eq!(m("1005.30").to_capitals(), "壹仟零伍元叁角整");
        assert_eq!(m("10000.05").to_capitals(), "壹万元零伍分");
    }

    #[test]
    fn capitals_more_cases() {
        assert_eq!(m("0").to_capitals(), "零元整");
        assert_eq!(m("0.05").to_capitals(), "伍分");
        assert_eq!(m("0.50").to_capitals(), "伍角整");
        assert_eq!(m("1.00").to_capitals(), "壹元整");
        assert_eq!(m("1680.32").to_capitals(), "壹仟陆佰捌拾元叁角贰分");
        assert_eq!(m("1000010.00").to_capitals(), "壹佰万零壹拾元整");
        assert_eq!(m("100010000").to_capitals(), "壹亿零壹万元整");
        assert_eq!(m("107000.53").to_capitals(), "壹拾万柒仟元伍角叁分");
        assert_eq!(m("6007.14").to_capitals(), "陆仟零柒元壹角肆分");
        assert_eq!(m("325.04").to_capitals(), "叁佰贰拾伍元零肆分");
        assert_eq!(m("10100000").to_capitals(), "壹仟零壹拾万元整");
        assert_eq!(m("-5.00").to_capitals(), "负伍元整");
    }

    #[test]
    fn worked_example_lines() {
        // R-MON-2: Yichang 2022, floor base 3450.
        let base = m("3450");
        assert_eq!(base.times_rate(Rate::from_ppm(160_000)), m("552.00"));
        assert_eq!(base.times_rate(Rate::from_ppm(80_000)), m("276.00"));
        assert_eq!(base.times_rate(Rate::from_ppm(7_000)), m("24.15"));
        assert_eq!(base.times_rate(Rate::from_ppm(3_000)), m("10.35"));
        assert_eq!(base.times_rate(Rate::from_ppm(2_000)), m("6.90"));
    }

    #[test]
    fn half_up_not_bankers() {
        assert_eq!(Money::from_yuan(dec!(4.345)), m("4.35"));
        assert_eq!(Money::from_yuan(dec!(4.355)), m("4.36"));
        assert_eq!(Money::from_yuan(dec!(-4.345)), m("-4.35"));
        assert_eq!(round_half_up(dec!(0.125), 2), dec!(0.13));
    }

    #[test]
    fn parse_rules() {
        assert_eq!(m("24.15").fen(), 2415);
        assert_eq!(m("24.1").to_string(), "24.10");
        assert_eq!(m("3450").to_string(), "3450.00");
        assert!(matches!(
            Money::parse("1.234"),
            Err(MoneyError::Precision(_))
        ));
        assert!(Money::parse("1e3").is_err());
        assert!(Money::parse("abc").is_err());
        assert!(Money::parse("").is_err());
        assert!(Money::parse(".5").is_err());
        assert!(matches!(
            Money::parse_non_negative("-1"),
            Err(MoneyError::Negative)
        ));
        assert_eq!(Money::from_fen(86940).to_string(), "869.40");
    }

    #[test]
    fn serde_as_strings() {
        let v: Money = serde_json::from_str("\"24.15\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"24.15\"");
        let v: Money = serde_json::from_str("3450").unwrap();
        assert_eq!(v, m("3450"));
        assert!(serde_json::from_str::<Money>("24.15").is_err());
    }

    #[test]
    fn rates() {
        let r = Rate::parse("0.007").unwrap();
        assert_eq!(r.ppm(), 7000);
        assert_eq!(r.percent_text(), "0.7%");
        assert_eq!(Rate::from_ppm(160_000).to_string(), "0.16");
        assert_eq!(
            Rate::from_ppm(2_000).times_percent(150).to_string(),
            "0.003"
        );
        assert!(Rate::parse("1.5").is_err());
        assert!(Rate::parse("-0.1").is_err());
    }

    proptest! {
        #[test]
        fn fen_round_trip(f in -100_000_000_000i64..100_000_000_000) {
            let v = Money::from_fen(f);
            prop_assert_eq!(v.fen(), f);
            prop_assert_eq!(Money::parse(&v.to_string()).unwrap(), v);
        }

        #[test]
        fn rounding_is_half_up(f in 0i64..10_000_000, thousandths in 0i64..10) {
            // value = f fen + thousandths/10 fen
            let v = Decimal::new(f * 10 + thousandths, 3);
            let r = Money::from_yuan(v).fen();
            prop_assert_eq!(r, if thousandths >= 5 { f + 1 } else { f });
        }

        #[test]
        fn capitals_only_use_the_capital_alphabet(f in 0i64..10_000_000_000_000) {
            let s = Money::from_fen(f).to_capitals();
            prop_assert!(s.chars().all(|c| "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整".contains(c)));
            prop_assert!(!s.contains("零零"));
            prop_assert!(s.ends_with('整') || s.ends_with('分'));
        }
    }
}

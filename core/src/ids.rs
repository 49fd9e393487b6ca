//! Identifiers parsed once at the edge (R-ID-1…4): resident ID, USCC, unit and
//! person numbers, region codes, phone numbers, bank accounts, e-mail.
//!
//! Every `parse` either returns a value that is valid by construction or an
//! error whose `Display` is the Chinese message a unit agent reads.

use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;
use time::{Date, Month};

/// Gender as derived from a resident ID (R-ID-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
        }
    }
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim() {
            "M" | "m" | "1" | "男" => Some(Gender::Male),
            "F" | "f" | "2" | "女" => Some(Gender::Female),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";
/// First two digits of a resident ID: the province-level division (GB/T 2260),
/// plus 83 used by residence permits of Taiwan residents.
const PROVINCE_PREFIXES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// Why a resident ID was refused. Positions are 1-based character positions.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResidentIdError {
    #[error("身份证号码不能为空")]
    Empty,
    #[error("身份证号码应为18位（或15位旧号码），当前为{len}位")]
    Length { len: usize },
    #[error("身份证号码第{position}位“{found}”无效，前17位只能是数字")]
    NotDigit { position: usize, found: char },
    #[error("身份证号码第18位（校验位）只能是数字或X，当前为“{found}”")]
    BadCheckChar { found: char },
    #[error("身份证号码第1-2位“{prefix}”不是有效的省级行政区划代码")]
    Province { prefix: String },
    #[error("身份证号码第7-14位出生日期“{digits}”不是有效日期")]
    BirthDate { digits: String },
    #[error("身份证号码中的出生日期{date}晚于今天")]
    FutureBirth { date: Date },
    #[error("身份证号码校验位错误：第18位应为“{expected}”，当前为“{found}”")]
    Checksum { expected: char, found: char },
}

impl ResidentIdError {
    /// The 1-based position of the offending character(s), for field messages.
    pub fn position(&self) -> Option<usize> {
        match self {
            ResidentIdError::NotDigit { position, .. } => Some(*position),
            ResidentIdError::BadCheckChar { .. } | ResidentIdError::Checksum { .. } => Some(18),
            ResidentIdError::Province { .. } => Some(1),
            ResidentIdError::BirthDate { .. } | ResidentIdError::FutureBirth { .. } => Some(7),
            ResidentIdError::Empty | ResidentIdError::Length { .. } => None,
        }
    }
}

/// An 18-character resident ID number (GB 11643-1999) with a valid checksum
/// and a real birth date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(String);

/// The outcome of parsing: the ID and whether it was converted from 15 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResidentId {
    pub id: ResidentId,
    /// The legacy 15-digit input this ID was converted from, if any.
    pub converted_from: Option<String>,
}

/// The GB 11643 check character for the first 17 digits of a resident ID,
/// or `None` when they are not 17 ASCII digits.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    (first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit()))
        .then(|| check_char(first17.as_bytes()))
}

fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(RESIDENT_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(RESIDENT_CHECK[(sum % 11) as usize])
}

fn birth_date(digits: &str) -> Option<Date> {
    let y: i32 = digits.get(0..4)?.parse().ok()?;
    let m: u8 = digits.get(4..6)?.parse().ok()?;
    let d: u8 = digits.get(6..8)?.parse().ok()?;
    if y < 1850 {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

impl ResidentId {
    /// Parses an 18-digit ID (lower-case x normalised) or converts a 15-digit one.
    /// `today` bounds the embedded birth date.
    pub fn parse(input: &str, today: Date) -> Result<ParsedResidentId, ResidentIdError> {
        let s: String = input.trim().to_uppercase();
        if s.is_empty() {
            return Err(ResidentIdError::Empty);
        }
        let len = s.chars().count();
        let (full, converted_from) = match len {
            18 => (s, None),
            15 => {
                if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
                    return Err(ResidentIdError::NotDigit {
                        position: i + 1,
                        found: c,
                    });
                }
                let mut first17 = String::with_capacity(18);
                first17.push_str(&s[0..6]);
                first17.push_str("19");
                first17.push_str(&s[6..15]);
                let c = check_char(first17.as_bytes());
                first17.push(c);
                (first17, Some(s))
            }
            _ => return Err(ResidentIdError::Length { len }),
        };
        let chars: Vec<char> = full.chars().collect();
        for (i, c) in chars.iter().take(17).enumerate() {
            if !c.is_ascii_digit() {
                return Err(ResidentIdError::NotDigit {
                    position: i + 1,
                    found: *c,
                });
            }
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ResidentIdError::BadCheckChar { found: last });
        }
        let prefix = &full[0..2];
        let province: u8 = prefix.parse().unwrap_or(0);
        if !PROVINCE_PREFIXES.contains(&province) {
            return Err(ResidentIdError::Province {
                prefix: prefix.to_string(),
            });
        }
        let digits = &full[6..14];
        let born = birth_date(digits).ok_or_else(|| ResidentIdError::BirthDate {
            digits: digits.to_string(),
        })?;
        if born > today {
            return Err(ResidentIdError::FutureBirth { date: born });
        }
        let expected = check_char(&full.as_bytes()[0..17]);
        if expected != last {
            return Err(ResidentIdError::Checksum {
                expected,
                found: last,
            });
        }
        Ok(ParsedResidentId {
            id: ResidentId(full),
            converted_from,
        })
    }

    /// Trusts a value read back from storage (it was parsed before it was stored).
    pub fn from_trusted(s: &str) -> ResidentId {
        ResidentId(s.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        // Validated at parse time; the fallback is unreachable for parsed values.
        birth_date(&self.0[6..14]).unwrap_or(Date::MIN)
    }

    /// The 17th character: odd for men, even for women (R-ID-3).
    pub fn gender(&self) -> Gender {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        age_on(self.birth_date(), on)
    }
}

/// Whole years between a birth date and `on`.
pub fn age_on(born: Date, on: Date) -> i32 {
    let mut age = on.year() - born.year();
    if (on.month() as u8, on.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    age
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Checks that gender and birth date supplied alongside an ID agree with it (R-ID-3).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityMismatch {
    #[error("性别与身份证号码不符：身份证号码对应的性别为{expected}")]
    Gender { expected: &'static str },
    #[error("出生日期与身份证号码不符：身份证号码对应的出生日期为{expected}")]
    BirthDate { expected: Date },
}

pub fn check_identity(
    id: &ResidentId,
    gender: Option<Gender>,
    birth: Option<Date>,
) -> Result<(), IdentityMismatch> {
    if let Some(g) = gender
        && g != id.gender()
    {
        return Err(IdentityMismatch::Gender {
            expected: id.gender().label_zh(),
        });
    }
    if let Some(b) = birth
        && b != id.birth_date()
    {
        return Err(IdentityMismatch::BirthDate {
            expected: id.birth_date(),
        });
    }
    Ok(())
}

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为18位，当前为{len}位")]
    Length { len: usize },
    #[error("统一社会信用代码第{position}位“{found}”不是有效字符（不使用I、O、Z、S、V）")]
    BadChar { position: usize, found: char },
    #[error("统一社会信用代码第3-8位应为行政区划码（数字）")]
    RegionPart,
    #[error("统一社会信用代码校验位错误：第18位应为“{expected}”，当前为“{found}”")]
    Checksum { expected: char, found: char },
}

/// A unified social credit code (GB 32100-2015).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters of a USCC.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    USCC_ALPHABET.chars().nth(v as usize)
}

impl Uscc {
    /// Parses a USCC, checksum included.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        Self::parse_with_exception(input, false)
    }

    /// Parses a USCC; when `audited_exception` is true (staff registered an
    /// exception for exactly this code, R-ID-2) a checksum failure is accepted,
    /// but the form (length, alphabet) still is not negotiable.
    pub fn parse_with_exception(input: &str, audited_exception: bool) -> Result<Uscc, UsccError> {
        let s = input.trim().to_uppercase();
        let len = s.chars().count();
        if len != 18 {
            return Err(UsccError::Length { len });
        }
        for (i, c) in s.chars().enumerate() {
            if uscc_value(c).is_none() {
                return Err(UsccError::BadChar {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if !s[2..8].chars().all(|c| c.is_ascii_digit()) {
            return Err(UsccError::RegionPart);
        }
        let expected = uscc_check_char(&s[0..17]).unwrap_or('0');
        let found = s.chars().nth(17).unwrap_or('0');
        if expected != found && !audited_exception {
            return Err(UsccError::Checksum { expected, found });
        }
        Ok(Uscc(s))
    }

    /// Normalises without checking, for looking up an audited exception.
    pub fn normalise(input: &str) -> String {
        input.trim().to_uppercase()
    }

    pub fn from_trusted(s: &str) -> Uscc {
        Uscc(s.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Errors of the simple fixed-form identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormError {
    #[error("{what}应为{digits}位数字")]
    Digits { what: &'static str, digits: usize },
    #[error("手机号码或固定电话格式不正确")]
    Phone,
    #[error("银行账号应为8至30位数字")]
    BankAccount,
    #[error("电子邮箱格式不正确")]
    Email,
}

fn fixed_digits(input: &str, n: usize, what: &'static str) -> Result<String, FormError> {
    let s = input.trim();
    if s.len() == n && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(FormError::Digits { what, digits: n })
    }
}

macro_rules! digit_id {
    ($(#[$doc:meta])* $name:ident, $n:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, FormError> {
                fixed_digits(input, $n, $what).map($name)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

digit_id!(
    /// 单位编号 (AAB001): 9 digits.
    UnitNo, 9, "单位编号"
);
digit_id!(
    /// 个人编号 (AAC001): 11 digits.
    PersonNo, 11, "个人编号"
);
digit_id!(
    /// Administrative region code (参保所属地), 6 digits, e.g. 420500.
    RegionCode, 6, "行政区划代码"
);
digit_id!(
    /// Postcode (邮政编码): 6 digits.
    Postcode, 6, "邮政编码"
);

/// A mobile number (11 digits, 1[3-9]…) or a landline with area code
/// (0 + 2–3 digits, optional dash, 7–8 digits, optional extension).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, FormError> {
        let s: String = input.trim().chars().filter(|c| *c != ' ').collect();
        let b = s.as_bytes();
        let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
        let mobile =
            b.len() == 11 && all_digits(&s) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = || {
            let (main, ext) = match s.split_once(['-', '转']) {
                Some((area, rest)) if area.starts_with('0') && (3..=4).contains(&area.len()) => {
                    let (num, ext) = match rest.split_once('-') {
                        Some((n, e)) => (n, Some(e)),
                        None => (rest, None),
                    };
                    (format!("{area}{num}"), ext)
                }
                _ => (s.clone(), None),
            };
            let ext_ok = ext.is_none_or(|e| all_digits(e) && e.len() <= 6);
            main.starts_with('0') && all_digits(&main) && (10..=12).contains(&main.len()) && ext_ok
        };
        if mobile || landline() {
            Ok(Phone(s))
        } else {
            Err(FormError::Phone)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bank account number: 8–30 digits (spaces are dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(input: &str) -> Result<BankAccount, FormError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if (8..=30).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit()) {
            Ok(BankAccount(s))
        } else {
            Err(FormError::BankAccount)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address of ordinary form: local@domain.tld, no spaces, ≤ 254 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, FormError> {
        let s = input.trim();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if ok {
            Ok(Email(s.to_string()))
        } else {
            Err(FormError::Email)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2023 - 04 - 20);

    fn make_id(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()))
    }

    #[test]
    fn valid_resident_id_and_derived_fields() {
        let id = make_id("42050019800101123");
        let p = ResidentId::parse(&id, TODAY).unwrap();
        assert_eq!(p.id.as_str(), id);
        assert_eq!(p.id.birth_date(), date!(1980 - 01 - 01));
        assert_eq!(p.id.gender(), Gender::Male); // 17th digit 3 is odd
        assert_eq!(p.converted_from, None);
    }

    #[test]
    fn known_public_example_with_x_check() {
        // The GB 11643 example number 11010519491231002X.
        let p = ResidentId::parse("11010519491231002x", TODAY).unwrap();
        assert_eq!(p.id.as_str(), "11010519491231002X");
        assert_eq!(p.id.gender(), Gender::Female);
        assert_eq!(p.id.birth_date(), date!(1949 - 12 - 31));
    }

    #[test]
    fn fifteen_digit_is_converted() {
        let p = ResidentId::parse("420500800101123", TODAY).unwrap();
        assert_eq!(p.id.as_str(), make_id("42050019800101123"));
        assert_eq!(p.converted_from.as_deref(), Some("420500800101123"));
    }

    #[test]
    fn refusals_name_the_position() {
        let good = make_id("42050019800101123");
        let mut bad = good.clone();
        let wrong = if good.ends_with('0') { '1' } else { '0' };
        bad.replace_range(17..18, &wrong.to_string());
        match ResidentId::parse(&bad, TODAY) {
            Err(e @ ResidentIdError::Checksum { .. }) => assert_eq!(e.position(), Some(18)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ResidentId::parse(&good[..17], TODAY),
            Err(ResidentIdError::Length { len: 17 })
        );
        assert!(matches!(
            ResidentId::parse("4205001980010112A3", TODAY),
            Err(ResidentIdError::NotDigit { position: 17, .. })
        ));
        assert!(matches!(
            ResidentId::parse(&make_id("42050019800230123"), TODAY),
            Err(ResidentIdError::BirthDate { .. })
        ));
        assert!(matches!(
            ResidentId::parse(&make_id("42050020300101123"), TODAY),
            Err(ResidentIdError::FutureBirth { .. })
        ));
        assert!(matches!(
            ResidentId::parse(&make_id("99050019800101123"), TODAY),
            Err(ResidentIdError::Province { .. })
        ));
        let msg = ResidentId::parse(&bad, TODAY).unwrap_err().to_string();
        assert!(msg.contains("第18位"), "{msg}");
    }

    #[test]
    fn identity_mismatch() {
        let id = ResidentId::parse(&make_id("42050019800101123"), TODAY)
            .unwrap()
            .id;
        assert_eq!(id.gender(), Gender::Male);
        assert!(check_identity(&id, Some(Gender::Male), Some(date!(1980 - 01 - 01))).is_ok());
        assert!(check_identity(&id, Some(Gender::Female), None).is_err());
        assert!(check_identity(&id, None, Some(date!(1980 - 01 - 02))).is_err());
    }

    #[test]
    fn uscc_checksum() {
        // Widely published valid example.
        assert!(Uscc::parse("91350100M000100Y43").is_ok());
        let first17 = "91420500MA4F0XXX0";
        assert!(Uscc::parse(first17).is_err());
        let c = uscc_check_char("91420500MA4F0XXX0").unwrap();
        let good = format!("{first17}{c}");
        assert!(Uscc::parse(&good).is_ok());
        assert!(Uscc::parse(&good.to_lowercase()).is_ok());
        let mut bad = good.clone();
        let wrong = if c == '1' { '2' } else { '1' };
        bad.replace_range(17..18, &wrong.to_string());
        assert!(matches!(Uscc::parse(&bad), Err(UsccError::Checksum { .. })));
        assert!(Uscc::parse_with_exception(&bad, true).is_ok());
        assert!(matches!(
            Uscc::parse("91420500MA4F0XXXI1"),
            Err(UsccError::BadChar {
                position: 17,
                found: 'I'
            })
        ));
        assert!(matches!(
            Uscc::parse("9142"),
            Err(UsccError::Length { len: 4 })
        ));
    }

    #[test]
    fn simple_forms() {
        assert!(UnitNo::parse("100047513").is_ok());
        assert!(UnitNo::parse("10004751").is_err());
        assert!(PersonNo::parse("10003726255").is_ok());
        assert!(PersonNo::parse("1000372625A").is_err());
        assert!(RegionCode::parse("420500").is_ok());
        assert!(Phone::parse("13807171234").is_ok());
        assert!(Phone::parse("0717-6441234").is_ok());
        assert!(Phone::parse("0717-6441234-801").is_ok());
        assert!(Phone::parse("12807171234").is_err());
        assert!(Phone::parse("1380717123").is_err());
        assert!(Phone::parse("abc").is_err());
        assert!(BankAccount::parse("6222 0217 0000 1234 567").is_ok());
        assert!(BankAccount::parse("1234567").is_err());
        assert!(BankAccount::parse("12345678x").is_err());
        assert!(Email::parse("hr@example.com").is_ok());
        assert!(Email::parse("hr@example").is_err());
        assert!(Email::parse("h r@example.com").is_err());
    }

    proptest! {
        #[test]
        fn every_generated_id_round_trips(
            prov in prop::sample::select(PROVINCE_PREFIXES.to_vec()),
            rest in 0u32..10000,
            days in 0i64..30000,
            seq in 0u32..1000,
        ) {
            let born = date!(1940 - 01 - 01) + time::Duration::days(days);
            let first17 = format!(
                "{prov:02}{rest:04}{:04}{:02}{:02}{seq:03}",
                born.year(), born.month() as u8, born.day()
            );
            let id = make_id(&first17);
            let p = ResidentId::parse(&id, date!(2030 - 01 - 01)).unwrap();
            prop_assert_eq!(p.id.birth_date(), born);
            prop_assert_eq!(p.id.gender() == Gender::Male, seq % 2 == 1);
            // Changing any single digit of the first 17 breaks the checksum or the date.
            for pos in 0..17 {
                let mut b = id.clone().into_bytes();
                b[pos] = if b[pos] == b'9' { b'0' } else { b[pos] + 1 };
                let changed = String::from_utf8(b).unwrap();
                prop_assert!(ResidentId::parse(&changed, date!(2030 - 01 - 01)).is_err());
            }
        }

        #[test]
        fn uscc_check_char_always_validates(s in "[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{9}") {
            let c = uscc_check_char(&s).unwrap();
            let code = format!("{s}{c}");
            prop_assert!(Uscc::parse(&code).is_ok());
        }
    }
}

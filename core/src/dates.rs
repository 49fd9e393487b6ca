//! Calendar dates as the system accepts them: written exactly `YYYY-MM-DD`
//! (the national standard's form, as the seed's screens show them) and
//! within the range the system computes with, 1900-01-01 to 2099-12-31.
//!
//! Nothing else is a date: no sign (`+2023-04-01`), no compact form
//! (`20230401`), no time part (`2023-04-01T00:00:00`), no year 0000. The
//! range covers every birth date and every contribution month the system
//! holds, with room; date arithmetic (working days, due dates) stays inside
//! it, so it can never overflow.

use time::Date;
use time::macros::date;

/// The earliest date accepted.
pub const MIN_DATE: Date = date!(1900 - 01 - 01);
/// The latest date accepted.
pub const MAX_DATE: Date = date!(2099 - 12 - 31);

/// What the Chinese message for a refused date says (field messages add
/// the field's name).
pub const DATE_FORMAT_HINT: &str =
    "日期格式应为YYYY-MM-DD，如2022-09-29，且在1900-01-01至2099-12-31之间";

/// Whether `d` is within [`MIN_DATE`]..=[`MAX_DATE`].
pub fn in_range(d: Date) -> bool {
    (MIN_DATE..=MAX_DATE).contains(&d)
}

/// `s` as a date if it is exactly `YYYY-MM-DD` (ASCII digits), a real
/// calendar day, and in range; surrounding spaces are not trimmed.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = u8::try_from(digits(5..7)?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    let month = time::Month::try_from(month).ok()?;
    let d = Date::from_calendar_date(year, month, day).ok()?;
    in_range(d).then_some(d)
}

/// Serde for a `Date` field of a request body, strict as [`parse_date`]:
/// `#[serde(with = "qibao_core::dates::strict")]`.
pub mod strict {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        ))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)
            .map_err(|_| serde::de::Error::custom(super::DATE_FORMAT_HINT))?;
        super::parse_date(&s).ok_or_else(|| serde::de::Error::custom(super::DATE_FORMAT_HINT))
    }

    /// The same for an optional date (`null` or absent is `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => super::super::parse_date(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom(super::super::DATE_FORMAT_HINT)),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn only_plain_iso_dates_in_range_are_dates() {
        assert_eq!(parse_date("2023-04-01"), Some(date!(2023 - 04 - 01)));
        assert_eq!(parse_date("1900-01-01"), Some(MIN_DATE));
        assert_eq!(parse_date("2099-12-31"), Some(MAX_DATE));
        for bad in [
            "+2023-04-01",
            "20230401",
            "20230203",
            "2023-04-01T00:00:00",
            "0000-01-01",
            "1899-12-31",
            "2100-01-01",
            "9999-12-31",
            "2023-4-1",
            "2023/04/01",
            "2023-02-29",
            "2023-13-01",
            " 2023-04-01",
            "２０２３-04-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn strict_serde_refuses_what_parse_refuses() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(with = "strict")]
            d: Date,
            #[serde(default, with = "strict::option")]
            o: Option<Date>,
        }
        let ok: Body = serde_json::from_str(r#"{"d":"2023-04-01","o":null}"#).unwrap();
        assert_eq!((ok.d, ok.o), (date!(2023 - 04 - 01), None));
        let ok: Body = serde_json::from_str(r#"{"d":"2023-04-01"}"#).unwrap();
        assert_eq!(ok.o, None);
        for bad in [
            r#"{"d":"+2023-04-01"}"#,
            r#"{"d":20230401}"#,
            r#"{"d":"2023-04-01","o":"0000-01-01"}"#,
        ] {
            assert!(serde_json::from_str::<Body>(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Every date in range round-trips through its written form.
        #[test]
        fn written_dates_parse_back(days in 0i64..73_049) {
            let d = MIN_DATE + time::Duration::days(days);
            let written = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
            prop_assert_eq!(parse_date(&written), Some(d));
        }
    }
}

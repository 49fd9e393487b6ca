//! Certificates (参保证明, R-CERT-1…3): the span a unit may choose, the
//! window of months it covers, the authorisation code printed on the paper,
//! how long it can be verified, whether the unit is in arrears, and the
//! canonical JSON that is signed.
//!
//! Decisions where DOMAIN.md is silent:
//! - The window of a span of N months is the N months ending with the
//!   latest accounted period (做账期号), inclusive; each person's paid
//!   months are shown as contiguous spans clipped to that window.
//! - The code is the China-time print time (yyyy MMdd HHmm ss) and six
//!   random letters, grouped by four as on the seed's paper
//!   ("2021 1113 1336 29KR IFGN"). The letters leave out I and O, which a
//!   reader confuses with 1 and 0; lookups ignore spaces and case.
//! - A certificate verifies until the same time three calendar months after
//!   issue (the 31st clamps to the last day of a shorter month).
//! - A unit is in arrears (单位欠费) when any month before the current one
//!   is still unpaid: a month's contributions are due within that month.
//!
//! The content is signed as canonical JSON ([`crate::canonical`]).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use time::{Date, Month, PrimitiveDateTime};

use crate::Period;
use crate::payment::contiguous_spans;

/// Which certificate (stored as its code in `certificates.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CertificateKind {
    /// 湖北省社会保险参保证明（单位专用）: one insurance, chosen persons.
    Unit,
    /// 个人参保缴费证明: one person, every insurance, month by month.
    Personal,
}

/// A stored kind that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown certificate kind {0:?}")]
pub struct CertificateKindError(pub String);

impl CertificateKind {
    pub const fn code(self) -> &'static str {
        match self {
            CertificateKind::Unit => "unit",
            CertificateKind::Personal => "personal",
        }
    }

    /// The title printed on the paper.
    pub const fn title_zh(self) -> &'static str {
        match self {
            CertificateKind::Unit => "湖北省社会保险参保证明（单位专用）",
            CertificateKind::Personal => "湖北省社会保险个人参保缴费证明",
        }
    }
}

impl TryFrom<String> for CertificateKind {
    type Error = CertificateKindError;
    fn try_from(code: String) -> Result<CertificateKind, CertificateKindError> {
        match code.as_str() {
            "unit" => Ok(CertificateKind::Unit),
            "personal" => Ok(CertificateKind::Personal),
            _ => Err(CertificateKindError(code)),
        }
    }
}

/// How far back a unit certificate reaches (时间选择).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Span {
    Three,
    Six,
    Nine,
    Twelve,
    TwentyFour,
}

/// A span that is not one of 3, 6, 9, 12 or 24 months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("证明时间只能选择3、6、9、12或24个月")]
pub struct SpanError(pub u8);

impl Span {
    pub const ALL: [Span; 5] = [
        Span::Three,
        Span::Six,
        Span::Nine,
        Span::Twelve,
        Span::TwentyFour,
    ];

    pub const fn months(self) -> u8 {
        match self {
            Span::Three => 3,
            Span::Six => 6,
            Span::Nine => 9,
            Span::Twelve => 12,
            Span::TwentyFour => 24,
        }
    }

    /// The name on the portal's selector (三个月…).
    pub const fn label_zh(self) -> &'static str {
        match self {
            Span::Three => "三个月",
            Span::Six => "六个月",
            Span::Nine => "九个月",
            Span::Twelve => "十二个月",
            Span::TwentyFour => "二十四个月",
        }
    }

    /// The months covered: the span ending with `latest` (the latest
    /// accounted period), inclusive.
    pub fn window(self, latest: Period) -> (Period, Period) {
        (latest.add_months(1 - i32::from(self.months())), latest)
    }
}

impl TryFrom<u8> for Span {
    type Error = SpanError;
    fn try_from(months: u8) -> Result<Span, SpanError> {
        Span::ALL
            .into_iter()
            .find(|s| s.months() == months)
            .ok_or(SpanError(months))
    }
}

impl From<Span> for u8 {
    fn from(s: Span) -> u8 {
        s.months()
    }
}

/// The contiguous spans of `paid` months inside `window` (inclusive), in
/// order: what a certificate prints as 缴费起止时间.
pub fn spans_within(paid: &[Period], window: (Period, Period)) -> Vec<(Period, Period)> {
    let inside: Vec<Period> = paid
        .iter()
        .copied()
        .filter(|p| *p >= window.0 && *p <= window.1)
        .collect();
    contiguous_spans(&inside)
}

/// Whether a unit with unpaid months `unpaid` is in arrears on `today`:
/// some month before the current one is unpaid.
pub fn in_arrears(unpaid: &[Period], today: Date) -> bool {
    let current = Period::of(today);
    unpaid.iter().any(|p| *p < current)
}

/// Letters of the code's random part: A–Z without I and O.
pub const CODE_LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Length of the normalised code: 14 digits of print time, 6 letters.
pub const CODE_LEN: usize = 20;

/// The authorisation code (授权码) of a certificate printed at `printed`
/// (China time) with six random letters chosen by `random` (each byte is
/// reduced modulo 24; pass uniformly random bytes below 240 for an
/// unbiased choice). Normalised: no spaces; see [`display_code`].
pub fn auth_code(printed: PrimitiveDateTime, random: [u8; 6]) -> String {
    let mut s = String::with_capacity(CODE_LEN);
    let _ = write!(
        s,
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        printed.year(),
        u8::from(printed.month()),
        printed.day(),
        printed.hour(),
        printed.minute(),
        printed.second()
    );
    for b in random {
        s.push(char::from(
            CODE_LETTERS[usize::from(b) % CODE_LETTERS.len()],
        ));
    }
    s
}

/// The code as printed: groups of four ("2021 1113 1336 29KR IFGN").
pub fn display_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A code as a user typed it, normalised (spaces and dashes dropped,
/// upper case), or `None` when it cannot be a code we issue: 14 digits
/// then 6 letters of [`CODE_LETTERS`].
pub fn normalise_code(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = s.as_bytes();
    if bytes.len() != CODE_LEN {
        return None;
    }
    let (digits, letters) = bytes.split_at(14);
    (digits.iter().all(u8::is_ascii_digit) && letters.iter().all(|b| CODE_LETTERS.contains(b)))
        .then_some(s)
}

/// The last moment a certificate issued at `issued` verifies (exclusive):
/// the same time three calendar months later, the day clamped to the end
/// of a shorter month.
pub fn verifiable_until(issued: PrimitiveDateTime) -> PrimitiveDateTime {
    let months = i32::from(u8::from(issued.month())) - 1 + 3;
    let year = issued.year() + months / 12;
    let month =
        Month::try_from(u8::try_from(months % 12 + 1).unwrap_or(1)).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    let day = issued.day().min(last);
    match Date::from_calendar_date(year, month, day) {
        Ok(d) => PrimitiveDateTime::new(d, issued.time()),
        Err(_) => issued,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn spans_are_the_five_choices() {
        let months: Vec<u8> = Span::ALL.iter().map(|s| s.months()).collect();
        assert_eq!(months, [3, 6, 9, 12, 24]);
        assert_eq!(Span::try_from(12), Ok(Span::Twelve));
        assert_eq!(Span::try_from(4), Err(SpanError(4)));
        assert_eq!(Span::try_from(0), Err(SpanError(0)));
    }

    #[test]
    fn the_window_ends_with_the_latest_accounted_period() {
        // The seed's certificate: 做账期号 202111, three months.
        assert_eq!(Span::Three.window(p("202111")), (p("202109"), p("202111")));
        assert_eq!(Span::Twelve.window(p("202301")), (p("202202"), p("202301")));
        assert_eq!(
            Span::TwentyFour.window(p("202312")),
            (p("202201"), p("202312"))
        );
    }

    #[test]
    fn spans_are_clipped_to_the_window() {
        let paid = [p("202107"), p("202108"), p("202109"), p("202111")];
        assert_eq!(
            spans_within(&paid, Span::Three.window(p("202111"))),
            vec![(p("202109"), p("202109")), (p("202111"), p("202111"))]
        );
        assert_eq!(
            spans_within(&paid, Span::Six.window(p("202111"))),
            vec![(p("202107"), p("202109")), (p("202111"), p("202111"))]
        );
        assert!(spans_within(&paid, Span::Three.window(p("202203"))).is_empty());
    }

    #[test]
    fn arrears_are_unpaid_months_before_the_current_one() {
        let today = time::macros::date!(2023 - 08 - 15);
        assert!(!in_arrears(&[], today));
        assert!(!in_arrears(&[p("202308")], today));
        assert!(in_arrears(&[p("202308"), p("202307")], today));
    }

    #[test]
    fn the_code_is_print_time_and_six_letters() {
        // The seed: 授权码 2021 1113 1336 29KR IFGN (our letters skip I and O).
        let code = auth_code(datetime!(2021-11-13 13:36:29), [9, 15, 7, 16, 5, 6 + 24]);
        assert_eq!(code, "20211113133629KRHSFG");
        assert_eq!(display_code(&code), "2021 1113 1336 29KR HSFG");
        assert_eq!(
            normalise_code("2021 1113 1336 29kr hsfg"),
            Some(code.clone())
        );
        assert_eq!(normalise_code("2021-1113-1336-29KR-HSFG"), Some(code));
        // I and O are never issued; wrong lengths and digits in the tail refused.
        assert_eq!(normalise_code("2021 1113 1336 29KR IFGN"), None);
        assert_eq!(normalise_code("2021 1113 1336 29KR HSF"), None);
        assert_eq!(normalise_code("2021 1113 1336 29KR HSF1"), None);
        assert_eq!(normalise_code(""), None);
    }

    #[test]
    fn certificates_verify_for_three_calendar_months() {
        assert_eq!(
            verifiable_until(datetime!(2021-11-13 13:36:29)),
            datetime!(2022-02-13 13:36:29)
        );
        assert_eq!(
            verifiable_until(datetime!(2023-11-30 08:00)),
            datetime!(2024-02-29 08:00)
        );
        assert_eq!(
            verifiable_until(datetime!(2023-05-31 08:00)),
            datetime!(2023-08-31 08:00)
        );
        assert_eq!(
            verifiable_until(datetime!(2023-10-31 08:00)),
            datetime!(2024-01-31 08:00)
        );
    }

    proptest! {
        #[test]
        fn every_issued_code_normalises_to_itself(
            secs in 0i64..2_000_000_000, random in any::<[u8; 6]>()
        ) {
            let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let t = PrimitiveDateTime::new(t.date(), t.time());
            let code = auth_code(t, random);
            prop_assert_eq!(code.len(), CODE_LEN);
            prop_assert_eq!(normalise_code(&display_code(&code)), Some(code.clone()));
            prop_assert!(verifiable_until(t) > t);
        }

        #[test]
        fn clipped_spans_stay_inside_the_window(
            months in proptest::collection::vec(0i32..48, 0..30), latest in 0i32..48, span in 0usize..5
        ) {
            let base = p("202001");
            let paid: Vec<Period> = months.iter().map(|m| base.add_months(*m)).collect();
            let window = Span::ALL[span].window(base.add_months(latest));
            for (from, to) in spans_within(&paid, window) {
                prop_assert!(from >= window.0 && to <= window.1 && from <= to);
            }
        }
    }
}

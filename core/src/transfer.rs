//! What moves with a pension relation transferred across provinces
//! (issue 16, part: R-TRANS-2, 国办发〔2009〕66号): the individual account
//! in full, and from the pooled fund 12% of the contribution bases paid
//! since 1998-01 (a year not paid in full counts its months).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::money::{Money, Rate};
use crate::period::Period;

/// The share of the bases the pooled fund moves.
pub const POOLED_SHARE_PPM: i64 = 120_000;

/// The first month the pooled part counts (YYYYMM).
pub const POOLED_FROM: i32 = 199801;

/// One paid month of the pension insurance with its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaidMonth {
    pub period: Period,
    pub base: Money,
}

/// One year of the 参保缴费凭证: months paid and their bases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransferYear {
    pub year: i32,
    pub months: i32,
    /// The year's contribution wage (the sum of its monthly bases).
    pub bases: Money,
}

/// The amounts a transfer-out moves, with what they rest on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferAmounts {
    /// Years from 1998 with paid months.
    pub years: Vec<TransferYear>,
    pub months: i32,
    pub bases: Money,
    /// 12%.
    pub pooled_share: Rate,
    /// 统筹基金转移额: 12% × the bases, rounded half-up to the fen once.
    pub pooled: Money,
    /// 个人账户储存额, in full.
    pub account: Money,
    pub total: Money,
}

/// The transfer amounts of a person's paid months and account balance
/// (R-TRANS-2); months before 1998-01 move no pooled part.
pub fn amounts(paid: &[PaidMonth], account: Money) -> TransferAmounts {
    let mut by_year: BTreeMap<i32, (i32, Money)> = BTreeMap::new();
    for m in paid.iter().filter(|m| m.period.yyyymm() >= POOLED_FROM) {
        let e = by_year.entry(m.period.year()).or_insert((0, Money::ZERO));
        e.0 += 1;
        e.1 += m.base;
    }
    let years: Vec<TransferYear> = by_year
        .into_iter()
        .map(|(year, (months, bases))| TransferYear {
            year,
            months,
            bases,
        })
        .collect();
    let bases: Money = years.iter().map(|y| y.bases).sum();
    let share = Rate::from_ppm(POOLED_SHARE_PPM);
    let pooled = bases.times_rate(share);
    TransferAmounts {
        months: years.iter().map(|y| y.months).sum(),
        years,
        bases,
        pooled_share: share,
        pooled,
        account,
        total: pooled + account,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    #[test]
    fn twelve_percent_of_the_bases_since_1998_and_the_account() {
        // 1997-07…1999-06 at 4,000.00: only the 18 months from 1998 count.
        let paid: Vec<PaidMonth> = (0..24)
            .map(|i| PaidMonth {
                period: p(1997, 7).add_months(i),
                base: Money::yuan(4000),
            })
            .collect();
        let t = amounts(&paid, Money::from_fen(345_678));
        assert_eq!(t.months, 18);
        assert_eq!(
            t.years,
            [
                TransferYear {
                    year: 1998,
                    months: 12,
                    bases: Money::yuan(48_000)
                },
                TransferYear {
                    year: 1999,
                    months: 6,
                    bases: Money::yuan(24_000)
                },
            ]
        );
        // 72,000.00 × 12% = 8,640.00, plus the account 3,456.78.
        assert_eq!(t.pooled, Money::yuan(8640));
        assert_eq!(t.total, Money::from_fen(1_209_678));
        // Odd bases: rounded once, not per month.
        let odd = [
            PaidMonth {
                period: p(2023, 1),
                base: Money::from_fen(523_456),
            },
            PaidMonth {
                period: p(2023, 2),
                base: Money::from_fen(523_456),
            },
        ];
        // 10,469.12 × 12% = 1,256.2944 → 1,256.29.
        assert_eq!(amounts(&odd, Money::ZERO).pooled, Money::from_fen(125_629));
    }

    proptest! {
        #[test]
        fn the_pooled_part_is_twelve_percent_of_the_bases(
            months in proptest::collection::vec((0i32..400, 0i64..5_000_000), 0..80),
        ) {
            let paid: Vec<PaidMonth> = months
                .iter()
                .map(|(i, fen)| PaidMonth { period: p(1995, 1).add_months(*i), base: Money::from_fen(*fen) })
                .collect();
            let t = amounts(&paid, Money::ZERO);
            let counted: Money = paid.iter().filter(|m| m.period >= p(1998, 1)).map(|m| m.base).sum();
            prop_assert_eq!(t.bases, counted);
            prop_assert_eq!(t.pooled, counted.times_rate(Rate::parse("0.12").unwrap()));
            prop_assert_eq!(t.years.iter().map(|y| y.months).sum::<i32>(), t.months);
        }
    }
}

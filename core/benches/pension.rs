//! Criterion benchmark (issue 15): estimating the basic pension at the
//! statutory month for the 50,000 employees of one unit, each with 20 years
//! of record — 18 years of staff-entered history, 24 months paid in the
//! system, an opening balance at 2016 and some deemed months — and the
//! months to retirement projected, with the seeded parameters' shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qibao_core::pension_record::{
    HistorySpan, Opening, PensionYear, PensionYears, Projection, Record, RecordedMonth, estimate,
};
use qibao_core::policy::{InterestRate, InterestTable, Source};
use qibao_core::retirement::{RetirementCategory, statutory_month};
use qibao_core::{Money, Period, Rate};
use std::hint::black_box;

fn src() -> Source {
    Source {
        document: "bench".into(),
        illustrative: true,
    }
}

struct Person {
    birth: Period,
    recorded: Vec<RecordedMonth>,
    history: [HistorySpan; 1],
    opening: Opening,
    deemed: i32,
    base: Money,
}

fn people(n: usize) -> Vec<Person> {
    let p = |y: i32, m: u8| Period::new(y, m).unwrap();
    (0..n)
        .map(|i| {
            let i = i64::try_from(i).unwrap();
            let base = Money::from_fen(400_000 + (i % 97) * 10_000);
            Person {
                // Born 1962…1981: statutory months from 2022 to 2044.
                birth: p(
                    1962 + i32::try_from(i % 20).unwrap(),
                    u8::try_from(1 + i % 12).unwrap(),
                ),
                recorded: Period::range_inclusive(p(2024, 1), p(2025, 12))
                    .into_iter()
                    .map(|period| RecordedMonth {
                        period,
                        base,
                        individual: Money::from_fen(base.fen() * 8 / 100),
                    })
                    .collect(),
                history: [HistorySpan {
                    from: p(2006, 1),
                    to: p(2023, 12),
                    base: Money::from_fen(base.fen() * 3 / 4),
                    account_moved: false,
                }],
                opening: Opening {
                    year: 2016,
                    balance: Money::from_fen(3_000_000 + i * 100),
                },
                deemed: i32::try_from(i % 60).unwrap(),
                base,
            }
        })
        .collect()
}

fn years() -> PensionYears {
    PensionYears::new(
        (2000..=2025)
            .map(|year| PensionYear {
                year,
                average_wage: Money::from_fen(64_000 + i64::from(year - 2000) * 29_000),
                transitional_coefficient: Rate::parse("0.013").unwrap(),
                source: src(),
            })
            .collect(),
    )
}

fn rates() -> InterestTable {
    InterestTable::new(
        [
            (2016, "0.0831"),
            (2017, "0.0712"),
            (2018, "0.0829"),
            (2019, "0.0761"),
            (2020, "0.0604"),
            (2021, "0.0669"),
            (2022, "0.0612"),
            (2023, "0.0397"),
            (2024, "0.0262"),
        ]
        .iter()
        .map(|(y, r)| InterestRate {
            year: *y,
            rate: Rate::parse(r).unwrap(),
            source: src(),
        })
        .collect(),
    )
}

fn bench(c: &mut Criterion) {
    const N: usize = 50_000;
    let people = people(N);
    let (years, rates) = (years(), rates());
    let eight = Rate::parse("0.08").unwrap();
    let from = Period::new(2026, 1).unwrap();
    let mut g = c.benchmark_group("pension");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("50k_estimates_statutory_month", |b| {
        b.iter(|| {
            let mut total = Money::ZERO;
            for p in &people {
                let record = Record {
                    recorded: &p.recorded,
                    history: &p.history,
                    opening: Some(p.opening),
                    deemed_months: p.deemed,
                    arrivals: &[],
                    moved_out_until: None,
                };
                let month = statutory_month(RetirementCategory::Man, p.birth);
                let projection = (month >= from).then_some(Projection { from, base: p.base });
                let e =
                    estimate(&record, p.birth, month, projection, &years, &rates, eight).unwrap();
                total += e.pension.total;
            }
            black_box(total)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

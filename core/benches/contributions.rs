//! Criterion benchmark: one month's contribution lines for a unit of 50,000
//! employees with three insurances each (150,000 lines), with the Yichang 2022
//! parameters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qibao_core::contribution::{
    Totals, WageBasis, assess, contribution_base, declared_monthly_wage,
};
use qibao_core::ids::RegionCode;
use qibao_core::insurance::{FloatFactor, InjuryRating, Insurance, RiskClass};
use qibao_core::late::{late_fee, pension_interest};
use qibao_core::policy::*;
use qibao_core::{Money, Period, PeriodRange, Rate, SiYear};
use std::hint::black_box;

fn src() -> Source {
    Source {
        document: "bench".into(),
        illustrative: true,
    }
}

fn policy() -> RegionPolicy {
    let p = |s: &str| Period::parse(s).unwrap();
    RegionPolicy {
        region: RegionCode::parse("420500").unwrap(),
        name: "宜昌市本级".into(),
        bounds: vec![BaseBounds {
            si_year: SiYear(2022),
            standard: Money::yuan(6000),
            floor: Money::yuan(3450),
            ceiling: Money::yuan(18000),
            source: src(),
        }],
        rates: vec![
            RateRule {
                insurance: Insurance::Pension,
                range: PeriodRange::new(p("201905"), None),
                unit_rate: Rate::from_ppm(160_000),
                individual_rate: Rate::from_ppm(80_000),
                source: src(),
            },
            RateRule {
                insurance: Insurance::Unemployment,
                range: PeriodRange::new(p("201605"), None),
                unit_rate: Rate::from_ppm(7_000),
                individual_rate: Rate::from_ppm(3_000),
                source: src(),
            },
        ],
        injury_rates: vec![InjuryClassRate {
            risk_class: RiskClass::new(1).unwrap(),
            range: PeriodRange::new(p("202205"), None),
            rate: Rate::from_ppm(2_000),
            source: src(),
        }],
        late_fees: vec![LateFeeRule {
            range: PeriodRange::new(p("201605"), None),
            daily_rate: Rate::from_ppm(500),
            due_day_of_next_month: None,
            cap: LateFeeCap::None,
            source: src(),
        }],
        deferrals: vec![],
        windows: vec![Windows {
            range: PeriodRange::new(p("201605"), None),
            back_pay_months: 3,
            refund_months: 3,
            order_validity_working_days: 10,
            wage_window_start: MonthDay::parse("04-01").unwrap(),
            wage_window_end: MonthDay::parse("06-30").unwrap(),
            source: src(),
        }],
    }
}

fn bench(c: &mut Criterion) {
    let pol = policy();
    let params = pol.in_force(Period::parse("202208").unwrap()).unwrap();
    let class = RiskClass::new(1).unwrap();
    let rating = InjuryRating {
        class,
        factor: FloatFactor::new(class, 100).unwrap(),
    };
    let wages: Vec<Money> = (0..50_000i64)
        .map(|i| Money::from_fen(200_000 + (i * 7919) % 2_500_000))
        .collect();

    let mut g = c.benchmark_group("declaration");
    g.throughput(Throughput::Elements(150_000));
    g.sample_size(20);
    g.bench_function("50k_persons_3_insurances", |b| {
        b.iter(|| {
            let mut totals = Totals::default();
            for w in &wages {
                let declared = declared_monthly_wage(WageBasis::Monthly { wage: *w }).unwrap();
                let base = contribution_base(declared, &params.bounds).base;
                for l in assess(&params, base, &Insurance::COLLECTED, Some(rating)).unwrap() {
                    totals.add_line(l.unit_amount, l.individual_amount, Money::ZERO, Money::ZERO);
                }
            }
            black_box(totals)
        })
    });
    g.finish();

    let table = InterestTable::new(vec![
        InterestRate {
            year: 2022,
            rate: Rate::from_ppm(61_200),
            source: src(),
        },
        InterestRate {
            year: 2023,
            rate: Rate::from_ppm(39_700),
            source: src(),
        },
    ]);
    let issue = time::macros::date!(2023 - 04 - 20);
    c.bench_function("late_fee_and_interest_one_line", |b| {
        b.iter(|| {
            let lf = late_fee(
                black_box(Money::from_fen(86_940)),
                Period::parse("202208").unwrap(),
                issue,
                &params.late_fee,
                None,
            );
            let i = pension_interest(
                black_box(Money::from_fen(82_800)),
                Period::parse("202208").unwrap(),
                issue,
                &table,
            )
            .unwrap();
            black_box((lf, i))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

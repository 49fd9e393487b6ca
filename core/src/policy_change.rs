//! Changing policy parameters (R-POL-4): a change is a new effective-dated
//! version from a period on. When the new version starts inside an
//! open-ended version of the same parameter that starts earlier, that one is
//! closed at the month before; then the region's whole parameter set must
//! still be valid ([`RegionPolicy::validate`]: no overlap, no gap, bounds in
//! order), or nothing changes.
//!
//! A change never touches money already assessed: assessments keep the
//! amounts computed when they were made (R-POL-3, R-POL-4).

use crate::period::{Period, PeriodRange};
use crate::policy::{
    BaseBounds, Deferral, InjuryClassRate, LateFeeRule, PolicyError, RateRule, RegionPolicy,
    Windows,
};

/// A new version of one parameter of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewVersion {
    /// Base bounds of a social-insurance year (one per year, never closed).
    BaseBounds(BaseBounds),
    /// Rates of one insurance (keyed by insurance).
    Rate(RateRule),
    /// Work-injury base rate of one risk class (keyed by class).
    InjuryRate(InjuryClassRate),
    /// The late-fee rule (one per period).
    LateFee(LateFeeRule),
    /// The windows (one per period).
    Windows(Windows),
    /// A deferral scheme (always bounded; may leave gaps).
    Deferral(Deferral),
}

/// The open-ended version that a change closed: it started at `from` and now
/// ends at `to` (the month before the new version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedVersion {
    pub from: Period,
    pub to: Period,
}

/// What a change does: the region's parameters after it, and the version it
/// closed, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    pub policy: RegionPolicy,
    pub closed: Option<ClosedVersion>,
}

/// Closes the open-ended range among `ranges` that starts before `from`.
fn close_open_before<'a>(
    ranges: impl Iterator<Item = &'a mut PeriodRange>,
    from: Period,
) -> Option<ClosedVersion> {
    for range in ranges {
        if range.to.is_none() && range.from < from {
            let to = from.prev();
            range.to = Some(to);
            return Some(ClosedVersion {
                from: range.from,
                to,
            });
        }
    }
    None
}

impl RegionPolicy {
    /// The region's parameters with `version` added (closing the open-ended
    /// version of the same parameter it starts inside), checked as a whole.
    /// An invalid result is refused and `self` is left as it is.
    pub fn with_version(&self, version: NewVersion) -> Result<PlannedChange, PolicyError> {
        let mut policy = self.clone();
        let closed = match version {
            NewVersion::BaseBounds(b) => {
                policy.bounds.push(b);
                policy.bounds.sort_by_key(|b| b.si_year);
                None
            }
            NewVersion::Rate(r) => {
                let closed = close_open_before(
                    policy
                        .rates
                        .iter_mut()
                        .filter(|x| x.insurance == r.insurance)
                        .map(|x| &mut x.range),
                    r.range.from,
                );
                policy.rates.push(r);
                closed
            }
            NewVersion::InjuryRate(r) => {
                let closed = close_open_before(
                    policy
                        .injury_rates
                        .iter_mut()
                        .filter(|x| x.risk_class == r.risk_class)
                        .map(|x| &mut x.range),
                    r.range.from,
                );
                policy.injury_rates.push(r);
                closed
            }
            NewVersion::LateFee(r) => {
                let closed = close_open_before(
                    policy.late_fees.iter_mut().map(|x| &mut x.range),
                    r.range.from,
                );
                policy.late_fees.push(r);
                closed
            }
            NewVersion::Windows(w) => {
                let closed = close_open_before(
                    policy.windows.iter_mut().map(|x| &mut x.range),
                    w.range.from,
                );
                policy.windows.push(w);
                closed
            }
            NewVersion::Deferral(d) => {
                policy.deferrals.push(d);
                None
            }
        };
        policy.validate()?;
        Ok(PlannedChange { policy, closed })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::insurance::Insurance;
    use crate::money::{Money, Rate};
    use crate::period::SiYear;
    use crate::policy::Source;
    use crate::policy::fixtures::{p, src, yichang};

    fn unemployment(from: &str, to: Option<&str>, unit_ppm: i64) -> RateRule {
        RateRule {
            insurance: Insurance::Unemployment,
            range: PeriodRange::new(p(from), to.map(p)),
            unit_rate: Rate::from_ppm(unit_ppm),
            individual_rate: Rate::from_ppm(unit_ppm / 2),
            source: src("notice"),
        }
    }

    #[test]
    fn a_new_version_closes_the_open_ended_one_it_starts_in() {
        let pol = yichang();
        // Open-ended 202501– for 210 in the fixture.
        let plan = pol
            .with_version(NewVersion::Rate(unemployment("202601", None, 5_000)))
            .unwrap();
        assert_eq!(
            plan.closed,
            Some(ClosedVersion {
                from: p("202501"),
                to: p("202512")
            })
        );
        let at = |period: &str| {
            plan.policy
                .in_force(p(period))
                .unwrap()
                .rate(Insurance::Unemployment)
                .unwrap()
                .unit_rate
        };
        assert_eq!(at("202512"), Rate::from_ppm(20_000));
        assert_eq!(at("202601"), Rate::from_ppm(5_000));
        // The original is untouched.
        assert_eq!(pol.rates.len(), 3);
        // Other insurances keep their open-ended versions.
        assert!(
            plan.policy
                .rates
                .iter()
                .any(|r| r.insurance == Insurance::Pension && r.range.to.is_none())
        );
    }

    #[test]
    fn overlaps_gaps_and_bad_bounds_are_refused() {
        let pol = yichang();
        // Same start as the open-ended version: overlap.
        assert!(matches!(
            pol.with_version(NewVersion::Rate(unemployment("202501", None, 5_000))),
            Err(PolicyError::Overlap { .. })
        ));
        // Inside the closed 201605–202412 version: overlap.
        assert!(matches!(
            pol.with_version(NewVersion::Rate(unemployment(
                "202301",
                Some("202306"),
                5_000
            ))),
            Err(PolicyError::Overlap { .. })
        ));
        // Ends before it starts.
        assert!(matches!(
            pol.with_version(NewVersion::Rate(unemployment(
                "202701",
                Some("202601"),
                5_000
            ))),
            Err(PolicyError::InvalidRange { .. })
        ));
        // A deferral overlapping the existing one.
        assert!(matches!(
            pol.with_version(NewVersion::Deferral(Deferral {
                range: PeriodRange::new(p("202212"), Some(p("202303"))),
                repay_by: time::macros::date!(2024 - 12 - 31),
                source: src("x"),
            })),
            Err(PolicyError::Overlap { .. })
        ));
        let bounds = |year: i32, floor: i64, standard: i64, ceiling: i64| BaseBounds {
            si_year: SiYear(year),
            standard: Money::yuan(standard),
            floor: Money::yuan(floor),
            ceiling: Money::yuan(ceiling),
            source: Source {
                document: "x".into(),
                illustrative: true,
            },
        };
        assert!(matches!(
            pol.with_version(NewVersion::BaseBounds(bounds(2027, 20_000, 7_000, 18_000))),
            Err(PolicyError::BoundsOrder { .. })
        ));
        // 2016..=2026 exist: 2028 leaves 2027 out.
        assert!(matches!(
            pol.with_version(NewVersion::BaseBounds(bounds(2028, 3_000, 7_000, 21_000))),
            Err(PolicyError::Gap { .. })
        ));
        assert!(matches!(
            pol.with_version(NewVersion::BaseBounds(bounds(2026, 3_000, 7_000, 21_000))),
            Err(PolicyError::DuplicateYear { .. })
        ));
        let plan = pol
            .with_version(NewVersion::BaseBounds(bounds(2027, 3_000, 7_000, 21_000)))
            .unwrap();
        assert_eq!(plan.closed, None);
        assert_eq!(
            plan.policy.bounds_for(SiYear(2027)).unwrap().ceiling,
            Money::yuan(21_000)
        );
    }

    #[test]
    fn a_bounded_version_after_the_last_one_needs_no_closing() {
        let mut pol = yichang();
        // Make 202501– bounded, then append right after it.
        pol.rates[2].range.to = Some(p("202512"));
        let plan = pol
            .with_version(NewVersion::Rate(unemployment("202601", None, 5_000)))
            .unwrap();
        assert_eq!(plan.closed, None);
        // Appending with a hole is a gap.
        assert!(matches!(
            pol.with_version(NewVersion::Rate(unemployment("202603", None, 5_000))),
            Err(PolicyError::Gap { .. })
        ));
    }
}

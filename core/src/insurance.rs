//! Insurance types (险种, AAE140), sides, and the work-injury rating of a unit.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// National insurance type codes. 310 and 510 are run by the medical-insurance
/// bureau; they are known here so the code space stays open, but this system
/// does not assess them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Insurance {
    /// 110 企业职工基本养老保险
    Pension,
    /// 210 失业保险
    Unemployment,
    /// 310 职工基本医疗保险 (medical-insurance bureau)
    Medical,
    /// 410 工伤保险
    WorkInjury,
    /// 510 生育保险 (medical-insurance bureau)
    Maternity,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InsuranceError {
    #[error("险种代码“{0}”无效，应为110（养老）、210（失业）或410（工伤）")]
    Unknown(String),
    #[error("险种{0}由医保部门经办，本系统不受理")]
    NotHandledHere(String),
}

impl Insurance {
    /// The insurances this system assesses and collects.
    pub const COLLECTED: [Insurance; 3] = [
        Insurance::Pension,
        Insurance::Unemployment,
        Insurance::WorkInjury,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Insurance::Pension => "110",
            Insurance::Unemployment => "210",
            Insurance::Medical => "310",
            Insurance::WorkInjury => "410",
            Insurance::Maternity => "510",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Insurance::Pension => "企业职工基本养老保险",
            Insurance::Unemployment => "失业保险",
            Insurance::Medical => "职工基本医疗保险",
            Insurance::WorkInjury => "工伤保险",
            Insurance::Maternity => "生育保险",
        }
    }

    /// Any national code, including those run elsewhere.
    pub fn from_code(code: &str) -> Result<Insurance, InsuranceError> {
        match code.trim() {
            "110" => Ok(Insurance::Pension),
            "210" => Ok(Insurance::Unemployment),
            "310" => Ok(Insurance::Medical),
            "410" => Ok(Insurance::WorkInjury),
            "510" => Ok(Insurance::Maternity),
            other => Err(InsuranceError::Unknown(other.to_string())),
        }
    }

    /// A code this system handles (110, 210, 410).
    pub fn parse_collected(code: &str) -> Result<Insurance, InsuranceError> {
        let i = Insurance::from_code(code)?;
        if i.is_collected_here() {
            Ok(i)
        } else {
            Err(InsuranceError::NotHandledHere(code.trim().to_string()))
        }
    }

    pub fn is_collected_here(self) -> bool {
        Insurance::COLLECTED.contains(&self)
    }

    /// Whether the individual pays a share (work injury is unit-only).
    pub fn has_individual_share(self) -> bool {
        !matches!(self, Insurance::WorkInjury)
    }
}

impl fmt::Display for Insurance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Insurance {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Insurance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Insurance::parse_collected(&s).map_err(serde::de::Error::custom)
    }
}

/// Industry risk class for work injury (行业风险类别, AAA149), 1–8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RiskClass(u8);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RatingError {
    #[error("行业风险类别应为1至8，当前为{0}")]
    Class(i64),
    #[error("一类行业的工伤浮动费率只能是100%、120%或150%，当前为{0}%")]
    FactorClass1(i64),
    #[error("二至八类行业的工伤浮动费率只能是50%、80%、100%、120%或150%，当前为{0}%")]
    FactorOther(i64),
}

impl RiskClass {
    pub fn new(class: i64) -> Result<RiskClass, RatingError> {
        if (1..=8).contains(&class) {
            Ok(RiskClass(class as u8))
        } else {
            Err(RatingError::Class(class))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// The unit's work-injury floating factor in percent (R-POL-2): class 1 may
/// float to 100/120/150%; classes 2–8 to 50/80/100/120/150%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct FloatFactor(u16);

impl FloatFactor {
    pub const STANDARD: FloatFactor = FloatFactor(100);

    pub fn new(class: RiskClass, percent: i64) -> Result<FloatFactor, RatingError> {
        let allowed: &[i64] = if class.get() == 1 {
            &[100, 120, 150]
        } else {
            &[50, 80, 100, 120, 150]
        };
        if allowed.contains(&percent) {
            Ok(FloatFactor(percent as u16))
        } else if class.get() == 1 {
            Err(RatingError::FactorClass1(percent))
        } else {
            Err(RatingError::FactorOther(percent))
        }
    }
    pub fn percent(self) -> u16 {
        self.0
    }
}

/// A unit's work-injury rating for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InjuryRating {
    pub class: RiskClass,
    pub factor: FloatFactor,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            Insurance::parse_collected("110").unwrap(),
            Insurance::Pension
        );
        assert!(matches!(
            Insurance::parse_collected("310"),
            Err(InsuranceError::NotHandledHere(_))
        ));
        assert!(matches!(
            Insurance::parse_collected("999"),
            Err(InsuranceError::Unknown(_))
        ));
        assert!(!Insurance::WorkInjury.has_individual_share());
    }

    #[test]
    fn factors() {
        let c1 = RiskClass::new(1).unwrap();
        let c3 = RiskClass::new(3).unwrap();
        assert!(FloatFactor::new(c1, 120).is_ok());
        assert!(FloatFactor::new(c1, 80).is_err());
        assert!(FloatFactor::new(c3, 50).is_ok());
        assert!(FloatFactor::new(c3, 90).is_err());
        assert!(RiskClass::new(9).is_err());
        assert!(RiskClass::new(0).is_err());
    }
}

//! The payment order's number, agency and detail by data type (R-DECL-4).

use time::{Date, Time};

use crate::employment::AssessmentKind;

/// The order number (征集通知单据号): issue date YYYYMMDD, time HHMMSS and a
/// 2-digit sequence, 16 digits (e.g. 2021111310244307).
pub fn order_number(date: Date, time: Time, seq: u8) -> String {
    format!("{}{:02}", order_number_prefix(date, time), seq.min(99))
}

/// The first 14 digits of the order numbers issued in that second.
pub fn order_number_prefix(date: Date, time: Time) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// The issuing agency of a region's orders.
pub fn agency_name(region_name: &str) -> String {
    format!("{region_name}社会保险事业管理局")
}

/// The data type (数据类型) a line is detailed under on the order.
pub fn data_type_zh(kind: AssessmentKind) -> &'static str {
    match kind {
        AssessmentKind::Regular => "单位整体核定",
        AssessmentKind::BackPay | AssessmentKind::LabourContract => "补缴",
        AssessmentKind::InjuryOnlyTransfer => "工伤转入",
        AssessmentKind::ProjectPremium => "建设项目",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, time};

    #[test]
    fn sixteen_digits() {
        let n = order_number(date!(2021 - 11 - 13), time!(10:24:43), 7);
        assert_eq!(n, "2021111310244307");
        assert_eq!(n.len(), 16);
        assert_eq!(agency_name("宜昌市本级"), "宜昌市本级社会保险事业管理局");
        assert_eq!(data_type_zh(AssessmentKind::LabourContract), "补缴");
    }
}

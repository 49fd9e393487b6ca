//! The kinds of business item (办件类型, R-UNDO-1, R-UNIT-1): one closed set
//! with the stable code stored in `business_items.kind` and review tasks,
//! and the Chinese label a unit reads in its business records (单位办件记录).
//! Every kind has a label; nothing shows as "其他业务". Labels follow the
//! seed's menu names where it has one (单位一般信息变更登记, 增加险种登记…).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $label:literal; )+) => {
        /// A kind of business item.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum BusinessItemKind {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )+
        }

        impl BusinessItemKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [BusinessItemKind] = &[$(BusinessItemKind::$variant),+];

            /// The stable code (stored; never changes).
            pub const fn code(self) -> &'static str {
                match self { $(BusinessItemKind::$variant => $code,)+ }
            }

            /// The Chinese name shown in the unit's records.
            pub const fn label_zh(self) -> &'static str {
                match self { $(BusinessItemKind::$variant => $label,)+ }
            }

            /// The kind of a stored code.
            pub fn parse(code: &str) -> Option<BusinessItemKind> {
                match code { $($code => Some(BusinessItemKind::$variant),)+ _ => None }
            }
        }
    };
}

kinds! {
    // Unit (R-UNIT-*).
    /// 单位参保登记 (at the counter).
    UnitRegistration = "unit_registration", "单位参保登记";
    /// An audited USCC checksum exception (R-ID-2).
    UsccException = "uscc_exception", "统一社会信用代码例外登记";
    UnitGeneralChange = "unit_general_change", "单位一般信息变更";
    /// Through review (R-UNIT-*).
    UnitKeyChange = "unit_key_change", "单位关键信息变更";
    UnitInsuranceAdded = "unit_insurance_added", "单位增加险种登记";
    UnitInsuranceRemoved = "unit_insurance_removed", "单位减少险种登记";
    // Accounts and credentials (R-AUTH-4).
    AgentAdded = "agent_added", "增加经办人";
    AgentChanged = "agent_changed", "变更经办人信息";
    AgentRemoved = "agent_removed", "删除经办人";
    BankAccountAdded = "bank_account_added", "登记退收银行账户";
    BankAccountChanged = "bank_account_changed", "变更退收银行账户";
    BankAccountRemoved = "bank_account_removed", "删除退收银行账户";
    ApiKeyCreated = "api_key_created", "接口凭证新增";
    ApiKeyRevoked = "api_key_revoked", "接口凭证注销";
    PasswordChange = "password_change", "法人账号密码修改";
    SigninLocked = "signin_locked", "法人账号登录保护锁定";
    // Employees (R-EMP-*).
    EmployeeEnrolment = "employee_enrolment", "单位职工参保登记";
    EmployeeSuspension = "employee_suspension", "单位职工社会保险暂停";
    EmployeeInsuranceAdded = "employee_insurance_added", "单位职工增加险种";
    EmployeeInsuranceRemoved = "employee_insurance_removed", "单位职工减少险种";
    EmployeeInfoChange = "employee_info_change", "单位职工基本信息变更";
    PersonKeyChange = "person_key_change", "人员关键信息变更";
    PersonStatusAdded = "person_status_added", "人员特殊状态登记";
    /// 一人多号 (R-EMP-8).
    PersonMerge = "person_merge", "一人多号合并";
    // Contributions (R-WAGE-*, R-DECL-*, R-BACK-*).
    WageDeclaration = "wage_declaration", "缴费工资申报";
    MonthlyDeclaration = "monthly_declaration", "单位社会保险缴费申报";
    UnitBackPayDeclaration = "unit_back_pay_declaration", "单位补缴申报";
    /// Through review (R-BACK-3).
    LabourContractBackPay = "labour_contract_back_pay", "劳动合同补缴";
    /// Through review (R-BACK-2).
    EmployeeBackPay = "employee_back_pay", "职工补缴";
    /// The unit confirms months it defers (2022年定向阶段缓缴期确认, R-BACK-5),
    /// online or recorded at the counter.
    DeferralConfirmation = "deferral_confirmation", "缓缴期确认";
    PaymentOrderIssued = "payment_order_issued", "应缴认定单开具";
    PaymentOrderRevoked = "payment_order_revoked", "应缴认定单撤销";
    // Payment and refunds (R-PAY-*, R-REF-*).
    PaymentBooked = "payment_booked", "缴费到账";
    PaymentReversed = "payment_reversed", "缴费冲正";
    /// Through review (R-REF-*).
    Refund = "refund", "多缴退费申请";
    // Certificates (R-CERT-*).
    UnitCertificate = "unit_certificate", "单位参保证明开具";
    PersonalCertificate = "personal_certificate", "个人参保缴费证明开具";
    // Retirement and the pension (R-RET-*, R-PEN-*), through review.
    RetirementNormal = "retirement_normal", "职工正常退休(职)申请";
    RetirementSpecialWork = "retirement_special_work", "特殊工种提前退休申请";
    RetirementIllness = "retirement_illness", "因病或非因工完全丧失劳动能力提前退休申请";
    /// Staff recognise a person's record before the system's data: history
    /// months, deemed months, the account's opening balance (R-RET-2, R-PEN-3).
    PensionRecordChange = "pension_record_change", "养老保险缴费历史核定";
    /// 养老待遇发放账户变更 / 离退休人员发放账号维护 (R-PEN-4).
    PensionAccountChange = "pension_account_change", "养老待遇发放账户变更";
    PensionSuspension = "pension_suspension", "养老金暂停发放";
    PensionResumption = "pension_resumption", "养老金恢复发放";
    PensionQualification = "pension_qualification", "领取待遇资格认证";
    /// Through review (R-PEN-4).
    DeathBenefit = "death_benefit", "丧葬补助金、抚恤金及个人账户余额继承申领";
    // Unemployment (R-UNEMP-*), through review.
    UnemploymentClaim = "unemployment_claim", "失业保险金申领（单位）";
    /// Through review, paid out by finance (R-STAB-1).
    StabilisationRefund = "stabilisation_refund", "稳岗返还（稳岗补贴）申领";
    // Project-based work-injury insurance (R-PROJ-*).
    ProjectRegistration = "project_registration", "建筑工程（矿山）项目登记";
    ProjectChange = "project_change", "建筑工程（矿山）项目信息变更";
    ProjectRosterChange = "project_roster_change", "建筑工程（矿山）项目职工参保名册维护";
    // Inter-province transfers (R-TRANS-1, 2).
    PensionTransferIn = "pension_transfer_in", "养老保险关系转入申请";
    /// Staff transfer a relation out (or refuse) at another province's request.
    PensionTransferOut = "pension_transfer_out", "养老保险关系转出";
    /// Staff record whether a unit is large or small/medium (R-STAB-1).
    UnitSizeClassChange = "unit_size_class_change", "单位企业规模类型核定";
    // Policy (R-POL-4) and undo (R-UNDO-1).
    PolicyChange = "policy_change", "政策参数调整";
    Revocation = "business_item_revocation", "业务撤销";
}

impl fmt::Display for BusinessItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The label of a stored kind code; a code this build does not know (a row
/// written by a newer version) shows its code rather than a wrong name.
pub fn label_of(code: &str) -> &str {
    match BusinessItemKind::parse(code) {
        Some(kind) => kind.label_zh(),
        None => code,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_kind_round_trips_and_has_its_own_label() {
        let mut codes = HashSet::new();
        let mut labels = HashSet::new();
        for &k in BusinessItemKind::ALL {
            assert_eq!(BusinessItemKind::parse(k.code()), Some(k));
            assert!(codes.insert(k.code()), "duplicate code {}", k.code());
            assert!(
                labels.insert(k.label_zh()),
                "duplicate label {}",
                k.label_zh()
            );
            assert!(
                k.label_zh()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
            assert_ne!(k.label_zh(), "其他业务");
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.code()));
        }
    }

    #[test]
    fn the_kinds_that_showed_as_other_business_have_labels() {
        for (code, label) in [
            ("monthly_declaration", "单位社会保险缴费申报"),
            ("wage_declaration", "缴费工资申报"),
            ("payment_order_issued", "应缴认定单开具"),
            ("payment_booked", "缴费到账"),
            ("unit_insurance_added", "单位增加险种登记"),
        ] {
            assert_eq!(label_of(code), label);
        }
        assert_eq!(label_of("from_a_newer_version"), "from_a_newer_version");
    }
}

//! The view models: what a caller fills in to print a document.
//!
//! Every field is display-ready text: the caller formats money ("1,234.56" or
//! "1234.56"), periods ("202111"), dates ("2021年11月13日"), masked ID numbers
//! and status words before handing them over; this crate only lays them out.
//! Nothing here is parsed or checked: an empty string prints as an empty cell.
//! Long values are shrunk, then wrapped, to stay inside their cell.

/// What the certificates print under their tables: the caller's notes, the
/// verification address (also drawn as a QR code), the authorisation code and
/// the print date.
#[derive(Debug, Clone)]
pub struct Verification {
    /// 备注: one string per note, printed numbered "1." "2." … in this order.
    pub notes: Vec<String>,
    /// 验证平台: the address where a reader checks the certificate, e.g.
    /// "https://example.gov.cn/verify".
    pub platform_url: String,
    /// What the QR code encodes, usually the verification address with the
    /// code in it, e.g. "https://example.gov.cn/verify?code=20211113133629KRIFGN".
    pub qr_payload: String,
    /// 授权码, as printed, e.g. "2021 1113 1336 29KR IFGN".
    pub code: String,
    /// 打印时间, e.g. "2021年11月13日".
    pub printed_at: String,
}

/// 湖北省社会保险参保证明（单位专用）: a unit's certificate listing its insured
/// people. A long list continues on further pages under a repeated table header.
#[derive(Debug, Clone)]
pub struct UnitCertificate {
    /// The document title, e.g. "湖北省社会保险参保证明（单位专用）".
    pub title: String,
    /// 单位名称.
    pub unit_name: String,
    /// 单位编号.
    pub unit_no: String,
    /// 单位参保险种, e.g. "企业职工基本养老保险、失业保险、工伤保险".
    pub insurances: String,
    /// 缴费总人数, e.g. "60".
    pub insured_count: String,
    /// 参保所属地, e.g. "武汉市江岸区".
    pub region: String,
    /// 做账期号 (YYYYMM), e.g. "202111".
    pub accounting_period: String,
    /// 单位欠费(是/否): "是" or "否".
    pub in_arrears: String,
    /// The month the person list describes, e.g. "2021年11月"; printed as
    /// "2021年11月，该单位以下参保缴费人员信息".
    pub as_of_month: String,
    /// The people, in the order to print; 序号 is their position (1, 2, …).
    pub persons: Vec<UnitCertificatePerson>,
    /// Notes, verification address, code, QR payload and print date.
    pub verification: Verification,
}

/// One row of the unit certificate's person table.
#[derive(Debug, Clone)]
pub struct UnitCertificatePerson {
    /// 姓名.
    pub name: String,
    /// 身份证号, as it may be shown (full or masked).
    pub id_number: String,
    /// 个人编号.
    pub person_no: String,
    /// 缴费起止时间, the start (年/月), e.g. "2015/03".
    pub paid_from: String,
    /// 缴费起止时间, the end (年/月), e.g. "2021/11".
    pub paid_to: String,
    /// 缴费状态, e.g. "实缴到账".
    pub status: String,
}

/// 湖北省社会保险个人参保缴费证明: one person's month-by-month contributions.
#[derive(Debug, Clone)]
pub struct PersonalCertificate {
    /// The document title, e.g. "湖北省社会保险个人参保缴费证明".
    pub title: String,
    /// 姓名.
    pub name: String,
    /// 身份证号, masked by the caller, e.g. "420102********1234".
    pub id_number: String,
    /// 个人编号.
    pub person_no: String,
    /// 单位名称 (the current or last unit).
    pub unit_name: String,
    /// 单位编号.
    pub unit_no: String,
    /// 缴费起止, the span the table covers, e.g. "2020年01月至2021年11月".
    pub span: String,
    /// The table rows, in the order to print (usually by month, then insurance).
    pub months: Vec<PersonalMonth>,
    /// 合计 of 单位缴费, e.g. "12,345.60".
    pub total_unit: String,
    /// 合计 of 个人缴费.
    pub total_personal: String,
    /// Notes, verification address, code, QR payload and print date.
    pub verification: Verification,
}

/// One row of the personal certificate: one month of one insurance.
#[derive(Debug, Clone)]
pub struct PersonalMonth {
    /// 年月 (YYYYMM), e.g. "202111".
    pub period: String,
    /// 险种, e.g. "企业职工基本养老保险".
    pub insurance: String,
    /// 缴费基数.
    pub base: String,
    /// 单位缴费.
    pub unit_amount: String,
    /// 个人缴费.
    pub personal_amount: String,
    /// 缴费状态, e.g. "实缴到账".
    pub status: String,
}

/// 单位社会保险费应缴认定单: the payment order a unit pays at the tax bureau.
#[derive(Debug, Clone)]
pub struct PaymentOrder {
    /// The document title, e.g. "单位社会保险费应缴认定单".
    pub title: String,
    /// 认定单号.
    pub order_no: String,
    /// 单位名称.
    pub unit_name: String,
    /// 单位编号.
    pub unit_no: String,
    /// 经办机构, e.g. "武汉市社会保险管理中心".
    pub agency: String,
    /// 开具日期, e.g. "2021年11月13日".
    pub issued_on: String,
    /// 缴费截止日期.
    pub due_on: String,
    /// The order's lines, one per person, insurance and period.
    pub lines: Vec<PaymentOrderLine>,
    /// Interest and late-fee details; the section is left out when empty.
    pub surcharges: Vec<SurchargeDetail>,
    /// Totals by insurance (险种合计), in the order to print.
    pub insurance_totals: Vec<InsuranceTotal>,
    /// 合计金额（小写）, e.g. "204.93".
    pub total: String,
    /// 合计金额（大写）, e.g. "贰佰零肆元玖角叁分".
    pub total_in_capitals: String,
    /// 备注: printed numbered.
    pub notes: Vec<String>,
}

/// One line of a payment order.
#[derive(Debug, Clone)]
pub struct PaymentOrderLine {
    /// 姓名.
    pub name: String,
    /// 个人编号.
    pub person_no: String,
    /// 险种.
    pub insurance: String,
    /// 所属期 (YYYYMM).
    pub period: String,
    /// 缴费基数.
    pub base: String,
    /// 单位缴费.
    pub unit_amount: String,
    /// 个人缴费.
    pub personal_amount: String,
    /// 利息 ("0.00" or "" when none).
    pub interest: String,
    /// 滞纳金.
    pub late_fee: String,
    /// 合计 of the line.
    pub total: String,
}

/// One row of the interest / late-fee detail table.
#[derive(Debug, Clone)]
pub struct SurchargeDetail {
    /// 类别: "利息" or "滞纳金".
    pub kind: String,
    /// 所属期 (YYYYMM).
    pub period: String,
    /// 险种.
    pub insurance: String,
    /// 本金.
    pub principal: String,
    /// 天数.
    pub days: String,
    /// 利率/日费率, e.g. "0.05%" (late fee per day) or "3.85%" (yearly interest).
    pub rate: String,
    /// 金额.
    pub amount: String,
}

/// One row of the totals by insurance.
#[derive(Debug, Clone)]
pub struct InsuranceTotal {
    /// 险种.
    pub insurance: String,
    /// 单位缴费.
    pub unit_amount: String,
    /// 个人缴费.
    pub personal_amount: String,
    /// 利息.
    pub interest: String,
    /// 滞纳金.
    pub late_fee: String,
    /// 合计.
    pub total: String,
}

/// 社会保险费退费通知单: tells a unit what is refunded to which account.
#[derive(Debug, Clone)]
pub struct RefundNotice {
    /// The document title, e.g. "社会保险费退费通知单".
    pub title: String,
    /// 退费单号.
    pub refund_no: String,
    /// 单位名称.
    pub unit_name: String,
    /// 单位编号.
    pub unit_no: String,
    /// 经办机构.
    pub agency: String,
    /// 收款账户户名.
    pub account_name: String,
    /// 收款账号.
    pub account_no: String,
    /// 开户银行.
    pub bank: String,
    /// The refunded lines.
    pub lines: Vec<RefundLine>,
    /// 退费合计（小写）, e.g. "1,234.56".
    pub total: String,
    /// 退费合计（大写）, e.g. "壹仟贰佰叁拾肆元伍角陆分".
    pub total_in_capitals: String,
    /// 退费原因.
    pub reason: String,
    /// 办理状态, e.g. "审核通过，待银行退付".
    pub status: String,
    /// 申请日期.
    pub applied_on: String,
    /// 审核日期; `None` prints nothing.
    pub decided_on: Option<String>,
    /// 通知日期 (the date printed on the notice).
    pub issued_on: String,
    /// 备注: printed numbered.
    pub notes: Vec<String>,
}

/// One line of a refund notice.
#[derive(Debug, Clone)]
pub struct RefundLine {
    /// 姓名 (empty for a unit-only refund).
    pub name: String,
    /// 险种.
    pub insurance: String,
    /// 所属期 (YYYYMM).
    pub period: String,
    /// 退费金额.
    pub amount: String,
}

/// 终止或解除劳动合同证明: what a unit certifies about an employment it
/// ended, which the unemployment benefit claim needs (R-UNEMP-1).
#[derive(Debug, Clone)]
pub struct TerminationCertificate {
    /// The document title, e.g. "终止或解除劳动合同证明".
    pub title: String,
    /// 证明编号.
    pub certificate_no: String,
    pub unit_name: String,
    pub unit_no: String,
    /// 姓名.
    pub name: String,
    /// 个人编号.
    pub person_no: String,
    /// 证件号码 (masked).
    pub id_number: String,
    /// 入职（参保）日期.
    pub start_date: String,
    /// 终止（解除）日期.
    pub end_date: String,
    /// 终止（解除）原因.
    pub end_reason: String,
    /// Whether the end is involuntary (非本人意愿中断就业), as printed.
    pub involuntary: String,
    /// 本单位缴纳失业保险费月数.
    pub unemployment_months: String,
    /// 本单位缴纳失业保险费起止.
    pub unemployment_spans: String,
    /// The certifying sentence.
    pub statement: String,
    /// 出具日期.
    pub issued_on: String,
    /// 备注: printed numbered.
    pub notes: Vec<String>,
}

/// 基本养老保险参保缴费凭证: a person's periods, bases and account, and what
/// a transfer of the pension relation would move (R-TRANS-2).
#[derive(Debug, Clone)]
pub struct ContributionVoucher {
    pub title: String,
    /// 凭证编号.
    pub voucher_no: String,
    pub unit_name: String,
    pub agency: String,
    pub name: String,
    pub person_no: String,
    /// Masked.
    pub id_number: String,
    pub birth_date: String,
    /// 缴费期间: (起止年月, 月数, 缴费基数, 缴费地).
    pub spans: Vec<[String; 4]>,
    /// 1998年起各年度: (年度, 月数, 缴费工资总额, 统筹基金转移额).
    pub years: Vec<[String; 4]>,
    /// 累计缴费月数.
    pub months: String,
    /// 个人账户计值月份.
    pub valued_at: String,
    /// 个人账户储存额.
    pub account: String,
    /// 统筹基金转移额.
    pub pooled: String,
    /// 转移合计（小写）.
    pub total: String,
    /// 转移合计（大写）.
    pub total_in_capitals: String,
    pub issued_on: String,
    pub notes: Vec<String>,
}

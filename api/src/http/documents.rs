//! Printable documents (issue 13): the use cases' answers laid into the
//! view models of `qibao-pdf` and rendered as A4 PDFs. Presentation only:
//! every figure comes from the same answer the JSON shows (a certificate's
//! frozen content, an order's sums and lines, a refund document).

use actix_web::HttpResponse;
use actix_web::http::header;
use qibao_app::certificates::{CertificateContent, SignedCertificate};
use qibao_app::orders::{OrderDto, OrderLineDto};
use qibao_app::refunds::RefundDocument;
use qibao_core::Money;
use qibao_pdf as pdf;
use time::Date;

use crate::http::problem::ApiError;

/// An order prints its lines when it has at most this many; a larger one
/// prints its totals and says where the lines are.
pub const ORDER_PDF_MAX_LINES: i64 = 2000;

/// `2023年08月15日`.
pub fn date_zh(d: Date) -> String {
    format!(
        "{:04}年{:02}月{:02}日",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}

/// The China date of an RFC 3339 timestamp (UTC or +08:00), as
/// `2023年08月15日` (the text itself when it is not one).
fn timestamp_date_zh(ts: &str) -> String {
    match time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339) {
        Ok(t) => date_zh(t.to_offset(qibao_app::clock::CHINA_OFFSET).date()),
        Err(_) => ts.to_owned(),
    }
}

/// `202307` as printed on the unit certificate's 年/月 columns: `2023/07`.
fn year_month(p: qibao_core::Period) -> String {
    format!("{:04}/{:02}", p.year(), p.month())
}

fn money(m: Money) -> String {
    m.to_string()
}

/// A PDF answer, shown inline, named `filename`.
pub fn pdf_response(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

fn failed(e: pdf::PdfError) -> ApiError {
    ApiError::internal_cause(format!("rendering a PDF failed: {e}"))
}

/// A certificate as printed, from its frozen content.
pub fn certificate(cert: &SignedCertificate) -> Result<Vec<u8>, ApiError> {
    match &cert.content {
        CertificateContent::Unit(c) => {
            let doc = pdf::UnitCertificate {
                title: c.title.clone(),
                unit_name: c.unit.name.clone(),
                unit_no: c.unit.unit_no.clone(),
                insurances: c.insurance.name.clone(),
                insured_count: c.headcount.to_string(),
                region: c.region.name.clone(),
                accounting_period: c.accounted_period.to_string(),
                in_arrears: if c.in_arrears { "是" } else { "否" }.to_owned(),
                as_of_month: format!(
                    "{}年{}月",
                    c.accounted_period.year(),
                    c.accounted_period.month()
                ),
                persons: c
                    .rows
                    .iter()
                    .map(|r| pdf::UnitCertificatePerson {
                        name: r.name.clone(),
                        id_number: r.id_number_masked.clone(),
                        person_no: r.person_no.clone(),
                        paid_from: year_month(r.from),
                        paid_to: year_month(r.to),
                        status: r.status.clone(),
                    })
                    .collect(),
                verification: pdf::Verification {
                    notes: c.notes.clone(),
                    platform_url: c.verification_url.clone(),
                    qr_payload: c.verification_url.clone(),
                    code: c.code.clone(),
                    printed_at: timestamp_date_zh(&c.issued_at),
                },
            };
            pdf::render_unit_certificate(&doc).map_err(failed)
        }
        CertificateContent::Personal(c) => {
            let doc = pdf::PersonalCertificate {
                title: c.title.clone(),
                name: c.person.name.clone(),
                id_number: c.person.id_number_masked.clone(),
                person_no: c.person.person_no.clone(),
                unit_name: c.unit.name.clone(),
                unit_no: c.unit.unit_no.clone(),
                span: format!(
                    "{}年{:02}月至{}年{:02}月",
                    c.window.from.year(),
                    c.window.from.month(),
                    c.window.to.year(),
                    c.window.to.month()
                ),
                months: c
                    .months
                    .iter()
                    .map(|m| pdf::PersonalMonth {
                        period: m.period.to_string(),
                        insurance: m.insurance.name.clone(),
                        base: money(m.base),
                        unit_amount: money(m.unit_amount),
                        personal_amount: money(m.individual_amount),
                        status: m.status.clone(),
                    })
                    .collect(),
                total_unit: money(c.unit_total),
                total_personal: money(c.individual_total),
                verification: pdf::Verification {
                    notes: c.notes.clone(),
                    platform_url: c.verification_url.clone(),
                    qr_payload: c.verification_url.clone(),
                    code: c.code.clone(),
                    printed_at: timestamp_date_zh(&c.issued_at),
                },
            };
            pdf::render_personal_certificate(&doc).map_err(failed)
        }
    }
}

/// The interest and late-fee details of a line (one row each, when due).
fn surcharges(l: &OrderLineDto) -> Vec<pdf::SurchargeDetail> {
    let mut out = Vec::new();
    let principal = money(l.unit_amount + l.individual_amount);
    if !l.interest.is_zero() {
        let rates: Vec<String> = l
            .interest_segments
            .iter()
            .map(|s| format!("{}年{}", s.year, s.rate.percent_text()))
            .collect();
        out.push(pdf::SurchargeDetail {
            kind: "利息".to_owned(),
            period: l.period.clone(),
            insurance: l.insurance_name.clone(),
            principal: principal.clone(),
            days: l.interest_days.to_string(),
            rate: rates.join("；"),
            amount: money(l.interest),
        });
    }
    if !l.late_fee.is_zero() {
        out.push(pdf::SurchargeDetail {
            kind: "滞纳金".to_owned(),
            period: l.period.clone(),
            insurance: l.insurance_name.clone(),
            principal,
            days: l.late_fee_days.to_string(),
            rate: format!("日{}", l.late_fee_daily_rate.percent_text()),
            amount: money(l.late_fee),
        });
    }
    out
}

/// The payment order (应缴认定单) as printed: its lines (when at most
/// [`ORDER_PDF_MAX_LINES`]), interest and late fees with days and rates,
/// totals by insurance, the total in figures and capitals, the due date.
pub fn payment_order(
    order: &OrderDto,
    lines: &[OrderLineDto],
    project: Option<&qibao_app::projects::PremiumLine>,
) -> Result<Vec<u8>, ApiError> {
    let mut notes = vec![
        format!(
            "本认定单有效期至{}，请在有效期内到税务部门缴费；逾期自动失效，需重新开具。",
            date_zh(order.due_date)
        ),
        "利息按记账利率按日计算，滞纳金按日加收万分之五；明细见上表。".to_owned(),
    ];
    if let Some(p) = project {
        notes.push(format!(
            "建设项目工伤保险费按工程总造价{}元 × 费率{}计收，项目名册内职工自进场之日起享有工伤保险待遇。",
            money(p.contract_value),
            p.rate.percent_text()
        ));
    } else if order.lines_total > i64::try_from(lines.len()).unwrap_or(i64::MAX) {
        notes.push(format!(
            "本认定单共{}条明细，超过{}条不逐条打印；请在网上办事大厅“业务单据查询”中查看或导出明细。",
            order.lines_total, ORDER_PDF_MAX_LINES
        ));
    }
    let doc = pdf::PaymentOrder {
        title: "单位社会保险费应缴认定单".to_owned(),
        order_no: order.order_no.clone(),
        unit_name: order.unit_name.clone(),
        unit_no: order.unit_no.clone(),
        agency: order.agency.clone(),
        issued_on: date_zh(order.issue_date),
        due_on: date_zh(order.due_date),
        lines: project
            .map(|p| pdf::PaymentOrderLine {
                name: p.project_name.clone(),
                person_no: p.project_no.clone(),
                insurance: "工伤保险（建设项目）".to_owned(),
                period: format!(
                    "{:04}{:02}",
                    order.issue_date.year(),
                    u8::from(order.issue_date.month())
                ),
                base: money(p.contract_value),
                unit_amount: money(p.amount),
                personal_amount: money(Money::ZERO),
                interest: money(Money::ZERO),
                late_fee: money(Money::ZERO),
                total: money(p.amount),
            })
            .into_iter()
            .chain(lines.iter().map(|l| pdf::PaymentOrderLine {
                name: l.name.clone(),
                person_no: l.person_no.clone(),
                insurance: l.insurance_name.clone(),
                period: l.period.clone(),
                base: money(l.base),
                unit_amount: money(l.unit_amount),
                personal_amount: money(l.individual_amount),
                interest: money(l.interest),
                late_fee: money(l.late_fee),
                total: money(l.total),
            }))
            .collect(),
        surcharges: lines.iter().flat_map(surcharges).collect(),
        insurance_totals: order
            .by_insurance
            .iter()
            .map(|i| (i.insurance_name.as_str(), &i.amounts))
            .chain(std::iter::once(("合计", &order.totals)))
            .map(|(name, a)| pdf::InsuranceTotal {
                insurance: name.to_owned(),
                unit_amount: money(a.unit),
                personal_amount: money(a.individual),
                interest: money(a.interest),
                late_fee: money(a.late_fee),
                total: money(a.total),
            })
            .collect(),
        total: money(order.totals.total),
        total_in_capitals: order.total_in_capitals.clone(),
        notes,
    };
    pdf::render_payment_order(&doc).map_err(failed)
}

/// The refund notice (退费通知单) as printed on `today`.
pub fn refund_notice(r: &RefundDocument, today: Date) -> Result<Vec<u8>, ApiError> {
    let doc = pdf::RefundNotice {
        title: "社会保险费退费通知单".to_owned(),
        refund_no: r.refund_no.clone(),
        unit_name: r.unit_name.clone(),
        unit_no: r.unit_no.clone(),
        agency: r.agency.clone(),
        account_name: r.bank_account.account_name.clone(),
        account_no: r.bank_account.account_no.clone(),
        bank: r.bank_account.bank_name.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| pdf::RefundLine {
                name: r.person.name.clone(),
                insurance: l.insurance_name.clone(),
                period: l.period.to_string(),
                amount: money(l.amount),
            })
            .collect(),
        total: money(r.totals.total),
        total_in_capitals: r.total_in_capitals.clone(),
        reason: r
            .reason
            .clone()
            .unwrap_or_else(|| r.document_type_label.clone()),
        status: r.status_label.clone(),
        applied_on: timestamp_date_zh(&r.applied_at),
        decided_on: r.reviewed_at.as_deref().map(timestamp_date_zh),
        issued_on: date_zh(today),
        notes: vec![
            "退费只退本金（单位缴费和个人缴费），已缴利息和滞纳金不退。".to_owned(),
            "退费款退付至单位登记的退收银行账户，请注意查收。".to_owned(),
        ],
    };
    pdf::render_refund_notice(&doc).map_err(failed)
}

/// 终止或解除劳动合同证明, as the JSON answer shows it.
pub fn termination_certificate(
    c: &qibao_app::unemployment::termination::TerminationCertificate,
) -> Result<Vec<u8>, ApiError> {
    let spans = if c.unemployment_spans.is_empty() {
        "无".to_owned()
    } else {
        c.unemployment_spans
            .iter()
            .map(|s| format!("{}—{}", year_month(s.from), year_month(s.to)))
            .collect::<Vec<_>>()
            .join("，")
    };
    let doc = pdf::TerminationCertificate {
        title: c.title.to_owned(),
        certificate_no: c.certificate_no.clone(),
        unit_name: c.unit.name.clone(),
        unit_no: c.unit.unit_no.clone(),
        name: c.name.clone(),
        person_no: c.person_no.clone(),
        id_number: c.id_number.clone(),
        start_date: date_zh(c.start_date),
        end_date: date_zh(c.end_date),
        end_reason: c.end_reason_label.to_owned(),
        involuntary: if c.involuntary { "是" } else { "否" }.to_owned(),
        unemployment_months: format!("{}个月", c.unemployment_months),
        unemployment_spans: spans,
        statement: c.text.clone(),
        issued_on: date_zh(c.issued_on),
        notes: c.notes.clone(),
    };
    pdf::render_termination_certificate(&doc).map_err(failed)
}

/// 基本养老保险参保缴费凭证, as the JSON answer shows it.
pub fn contribution_voucher(
    v: &qibao_app::transfer::ContributionVoucher,
) -> Result<Vec<u8>, ApiError> {
    let doc = pdf::ContributionVoucher {
        title: v.title.to_owned(),
        voucher_no: v.voucher_no.clone(),
        unit_name: v.unit.name.clone(),
        agency: v.agency.clone(),
        name: v.name.clone(),
        person_no: v.person_no.clone(),
        id_number: v.id_number.clone(),
        birth_date: date_zh(v.birth_date),
        spans: v
            .spans
            .iter()
            .map(|s| {
                [
                    format!("{}—{}", year_month(s.from), year_month(s.to)),
                    s.months.to_string(),
                    money(s.base),
                    s.place.clone(),
                ]
            })
            .collect(),
        years: v
            .years
            .iter()
            .map(|y| {
                [
                    y.year.to_string(),
                    y.months.to_string(),
                    money(y.bases),
                    money(y.pooled),
                ]
            })
            .collect(),
        months: format!("{}个月", v.months),
        valued_at: year_month(v.valued_at),
        account: money(v.account),
        pooled: money(v.pooled),
        total: money(v.total),
        total_in_capitals: v.total_in_capitals.clone(),
        issued_on: date_zh(v.issued_on),
        notes: v.notes.clone(),
    };
    pdf::render_contribution_voucher(&doc).map_err(failed)
}

//! Renders each document with realistic data and reads it back with
//! poppler's `pdftotext -layout` and `pdfinfo`: the names, amounts, codes,
//! capitals and page footers must come out as text (the font is embedded
//! with a ToUnicode map), and long tables must run onto the expected number
//! of pages.
//!
//! Needs `pdftotext` and `pdfinfo` (Debian `poppler-utils`; `make test-sqlite`
//! and `.ci/run` install it). Set `QIBAO_PDF_OUT=<dir>` to keep the PDFs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use qibao_pdf::{
    InsuranceTotal, PaymentOrder, PaymentOrderLine, PersonalCertificate, PersonalMonth, RefundLine,
    RefundNotice, SurchargeDetail, UnitCertificate, UnitCertificatePerson, Verification,
    render_payment_order, render_personal_certificate, render_refund_notice,
    render_unit_certificate,
};

// ---------------------------------------------------------------- poppler

fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let mut file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    file.write_all(pdf).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    if tool == "pdftotext" {
        all.push("-");
    }
    let out = Command::new(tool).args(&all).output().unwrap_or_else(|e| {
        panic!(
            "could not run `{tool}` ({e}): these tests read the PDFs back with poppler-utils; \
             install it with `apt-get install -y poppler-utils` (make test-sqlite does this)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} failed on the rendered PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn text_of(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-layout", "-enc", "UTF-8"], pdf)
}

fn pages_of(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", &[], pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .expect("pdfinfo prints Pages:")
}

/// The extracted text with all whitespace removed, so a value matches
/// however `-layout` spaced its columns.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, needles: &[&str]) {
    let hay = squash(text);
    for n in needles {
        assert!(
            hay.contains(&squash(n)),
            "`{n}` not found in the extracted text:\n{text}"
        );
    }
}

/// Keeps the PDF for a look when QIBAO_PDF_OUT names a directory.
fn keep(name: &str, pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("QIBAO_PDF_OUT") {
        let path = PathBuf::from(dir).join(name);
        std::fs::write(&path, pdf).unwrap();
    }
}

fn assert_pdf(pdf: &[u8], pages: usize) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF header");
    assert!(
        pdf.len() < 200 * 1024,
        "{} bytes: the font subset should keep a document small",
        pdf.len()
    );
    assert_eq!(pages_of(pdf), pages);
    let text = text_of(pdf);
    for i in 1..=pages {
        assert_has(&text, &[&format!("第{i}页/共{pages}页")]);
    }
}

// ---------------------------------------------------------------- data

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "司马",
];
const GIVEN: [&str; 10] = [
    "伟", "秀英", "䶮", "堃", "犇", "淼淼", "子涵", "建国", "晓燕", "浩然",
];

fn person_name(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / 3) % GIVEN.len()]
    )
}

fn verification() -> Verification {
    Verification {
        notes: vec![
            "本证明仅证明参保单位在湖北省社会保险经办机构参保缴费情况，不作其他用途。".into(),
            "本证明自打印之日起三个月内有效，可登录验证平台或扫描二维码，输入授权码核验真伪。"
                .into(),
            "缴费状态为“实缴到账”的月份，表示该月社会保险费已足额缴纳并到账。".into(),
        ],
        platform_url: "https://ybj.hubei.gov.cn/sbzm/verify".into(),
        qr_payload: "https://ybj.hubei.gov.cn/sbzm/verify?code=20211113133629KRIFGN".into(),
        code: "2021 1113 1336 29KR IFGN".into(),
        printed_at: "2021年11月13日".into(),
    }
}

fn unit_certificate(persons: usize) -> UnitCertificate {
    UnitCertificate {
        title: "湖北省社会保险参保证明（单位专用）".into(),
        unit_name: "武汉长江智造科技有限公司".into(),
        unit_no: "42010020190001".into(),
        insurances: "企业职工基本养老保险、失业保险、工伤保险".into(),
        insured_count: persons.to_string(),
        region: "武汉市江岸区".into(),
        accounting_period: "202111".into(),
        in_arrears: "否".into(),
        as_of_month: "2021年11月".into(),
        persons: (0..persons)
            .map(|i| UnitCertificatePerson {
                name: person_name(i),
                id_number: format!("4201021985{:02}{:02}{:03}X", i % 12 + 1, i % 28 + 1, i),
                person_no: format!("4201{:08}", 10_000_000 + i * 37),
                paid_from: format!("{}/{:02}", 2010 + i % 10, i % 12 + 1),
                paid_to: "2021/11".into(),
                status: if i % 17 == 5 {
                    "欠费未到账"
                } else {
                    "实缴到账"
                }
                .into(),
            })
            .collect(),
        verification: verification(),
    }
}

fn personal_certificate(months: usize) -> PersonalCertificate {
    let insurances = ["企业职工基本养老保险", "失业保险", "工伤保险"];
    let rows: Vec<PersonalMonth> = (0..months)
        .flat_map(|m| {
            let period = format!("{}{:02}", 2020 + m / 12, m % 12 + 1);
            insurances.iter().enumerate().map(move |(k, ins)| {
                let (unit, personal) = match k {
                    0 => ("1,280.00", "640.00"),
                    1 => ("56.00", "24.00"),
                    _ => ("16.00", "0.00"),
                };
                PersonalMonth {
                    period: period.clone(),
                    insurance: (*ins).into(),
                    base: "8,000.00".into(),
                    unit_amount: unit.into(),
                    personal_amount: personal.into(),
                    status: "实缴到账".into(),
                }
            })
        })
        .collect();
    PersonalCertificate {
        title: "湖北省社会保险个人参保缴费证明".into(),
        name: "欧阳䶮".into(),
        id_number: "420102********1234".into(),
        person_no: "420100012345".into(),
        unit_name: "武汉长江智造科技有限公司".into(),
        unit_no: "42010020190001".into(),
        span: "2020年01月至2021年11月".into(),
        months: rows,
        total_unit: "31,648.00".into(),
        total_personal: "15,272.00".into(),
        verification: verification(),
    }
}

fn payment_order() -> PaymentOrder {
    let line = |name: &str,
                no: &str,
                ins: &str,
                period: &str,
                unit: &str,
                personal: &str,
                interest: &str,
                late: &str,
                total: &str| PaymentOrderLine {
        name: name.into(),
        person_no: no.into(),
        insurance: ins.into(),
        period: period.into(),
        base: "4,077.00".into(),
        unit_amount: unit.into(),
        personal_amount: personal.into(),
        interest: interest.into(),
        late_fee: late.into(),
        total: total.into(),
    };
    PaymentOrder {
        title: "单位社会保险费应缴认定单".into(),
        order_no: "RD4201202111130042".into(),
        unit_name: "武汉长江智造科技有限公司".into(),
        unit_no: "42010020190001".into(),
        agency: "武汉市江岸区社会保险管理中心".into(),
        issued_on: "2021年11月13日".into(),
        due_on: "2021年11月30日".into(),
        lines: vec![
            line(
                "王伟",
                "420100012345",
                "企业职工基本养老保险",
                "202110",
                "652.32",
                "326.16",
                "0.00",
                "0.00",
                "978.48",
            ),
            line(
                "李秀英",
                "420100012346",
                "失业保险",
                "202110",
                "28.54",
                "12.23",
                "0.00",
                "0.00",
                "40.77",
            ),
            line(
                "张犇",
                "420100012347",
                "工伤保险",
                "202108",
                "8.15",
                "0.00",
                "0.05",
                "0.20",
                "8.40",
            ),
        ],
        surcharges: vec![
            SurchargeDetail {
                kind: "利息".into(),
                period: "202108".into(),
                insurance: "工伤保险".into(),
                principal: "8.15".into(),
                days: "45".into(),
                rate: "3.85%".into(),
                amount: "0.05".into(),
            },
            SurchargeDetail {
                kind: "滞纳金".into(),
                period: "202108".into(),
                insurance: "工伤保险".into(),
                principal: "8.15".into(),
                days: "49".into(),
                rate: "0.05%".into(),
                amount: "0.20".into(),
            },
        ],
        insurance_totals: vec![
            InsuranceTotal {
                insurance: "企业职工基本养老保险".into(),
                unit_amount: "652.32".into(),
                personal_amount: "326.16".into(),
                interest: "0.00".into(),
                late_fee: "0.00".into(),
                total: "978.48".into(),
            },
            InsuranceTotal {
                insurance: "失业保险".into(),
                unit_amount: "28.54".into(),
                personal_amount: "12.23".into(),
                interest: "0.00".into(),
                late_fee: "0.00".into(),
                total: "40.77".into(),
            },
            InsuranceTotal {
                insurance: "工伤保险".into(),
                unit_amount: "8.15".into(),
                personal_amount: "0.00".into(),
                interest: "0.05".into(),
                late_fee: "0.20".into(),
                total: "8.40".into(),
            },
        ],
        total: "1,027.65".into(),
        total_in_capitals: "壹仟零贰拾柒元陆角伍分".into(),
        notes: vec![
            "请于缴费截止日期前通过税务部门缴纳，逾期未缴的将按日加收万分之五的滞纳金。".into(),
            "本认定单经办机构开具后即生效，如有疑问请联系经办机构。".into(),
        ],
    }
}

fn refund_notice() -> RefundNotice {
    RefundNotice {
        title: "社会保险费退费通知单".into(),
        refund_no: "TF4201202111150007".into(),
        unit_name: "武汉长江智造科技有限公司".into(),
        unit_no: "42010020190001".into(),
        agency: "武汉市江岸区社会保险管理中心".into(),
        account_name: "武汉长江智造科技有限公司".into(),
        account_no: "4200 1234 5678 9012 3456".into(),
        bank: "中国建设银行武汉江岸支行".into(),
        lines: vec![
            RefundLine {
                name: "王伟".into(),
                insurance: "企业职工基本养老保险".into(),
                period: "202109".into(),
                amount: "978.48".into(),
            },
            RefundLine {
                name: "司马淼淼".into(),
                insurance: "失业保险".into(),
                period: "202109".into(),
                amount: "40.77".into(),
            },
        ],
        total: "1,019.25".into(),
        total_in_capitals: "壹仟零壹拾玖元贰角伍分".into(),
        reason: "人员已于2021年8月离职，单位重复申报9月缴费，申请退还多缴的社会保险费。".into(),
        status: "审核通过，待银行退付".into(),
        applied_on: "2021年11月15日".into(),
        decided_on: Some("2021年11月18日".into()),
        issued_on: "2021年11月18日".into(),
        notes: vec!["退费款项将在审核通过后十个工作日内退至上述账户。".into()],
    }
}

// ---------------------------------------------------------------- tests

#[test]
fn unit_certificate_of_sixty_people_runs_over_three_pages() {
    let doc = unit_certificate(60);
    let pdf = render_unit_certificate(&doc).unwrap();
    keep("unit_certificate.pdf", &pdf);
    let pages = pages_of(&pdf);
    assert!(pages >= 3, "60 people on {pages} pages");
    assert_pdf(&pdf, pages);
    let text = text_of(&pdf);
    assert_has(
        &text,
        &[
            "湖北省社会保险参保证明（单位专用）",
            "武汉长江智造科技有限公司",
            "42010020190001",
            "企业职工基本养老保险、失业保险、工伤保险",
            "武汉市江岸区",
            "202111",
            "2021年11月，该单位以下参保缴费人员信息",
            "缴费起止时间",
            "实缴到账",
            "欠费未到账",
            "2021 1113 1336 29KR IFGN",
            "https://ybj.hubei.gov.cn/sbzm/verify",
            "打印时间：2021年11月13日",
            "本证明自打印之日起三个月内有效",
        ],
    );
    for p in &doc.persons {
        assert_has(&text, &[&p.name, &p.id_number, &p.person_no]);
    }
    // The table header is repeated on every page.
    assert_eq!(squash(&text).matches("身份证号").count(), pages);
}

#[test]
fn unit_certificate_of_one_person_is_one_small_page() {
    let pdf = render_unit_certificate(&unit_certificate(1)).unwrap();
    keep("unit_certificate_1.pdf", &pdf);
    assert_pdf(&pdf, 1);
    assert!(pdf.len() < 100 * 1024, "{} bytes", pdf.len());
}

#[test]
fn long_values_are_kept_inside_their_cells() {
    let mut doc = unit_certificate(3);
    doc.unit_name =
        "湖北省武汉市东湖新技术开发区光谷智能制造产业园区长江智造科技股份有限公司第一分公司（筹）"
            .into();
    doc.insurances =
        "企业职工基本养老保险、失业保险、工伤保险、职工基本医疗保险、生育保险、大额医疗费用补助"
            .into();
    doc.region = "湖北省武汉市东湖新技术开发区关东街道".into();
    doc.persons[0].name = "阿卜杜热合曼·艾合买提江·买买提依明".into();
    let pdf = render_unit_certificate(&doc).unwrap();
    keep("unit_certificate_long.pdf", &pdf);
    assert_pdf(&pdf, 1);
    let text = text_of(&pdf);
    // Wrapped, so checked piece by piece: every piece is printed.
    assert_has(
        &text,
        &[
            "单位名称：湖北省武汉市东湖新技术开发区",
            "第一分公司（筹）",
            "企业职工基本养老保险、失业保险、工伤保险",
            "大额医疗费用补助",
            "阿卜杜热合",
            "买提依明",
        ],
    );
}

#[test]
fn personal_certificate_lists_every_month_and_totals() {
    let doc = personal_certificate(23);
    let pdf = render_personal_certificate(&doc).unwrap();
    keep("personal_certificate.pdf", &pdf);
    let pages = pages_of(&pdf);
    assert!(pages >= 2, "69 rows on {pages} pages");
    assert_pdf(&pdf, pages);
    let text = text_of(&pdf);
    assert_has(
        &text,
        &[
            "湖北省社会保险个人参保缴费证明",
            "欧阳䶮",
            "420102********1234",
            "420100012345",
            "2020年01月至2021年11月",
            "202001",
            "202111",
            "1,280.00",
            "31,648.00",
            "15,272.00",
            "2021 1113 1336 29KR IFGN",
        ],
    );
}

#[test]
fn payment_order_shows_lines_surcharges_and_capitals() {
    let pdf = render_payment_order(&payment_order()).unwrap();
    keep("payment_order.pdf", &pdf);
    assert_pdf(&pdf, 1);
    let text = text_of(&pdf);
    assert_has(
        &text,
        &[
            "单位社会保险费应缴认定单",
            "RD4201202111130042",
            "武汉市江岸区社会保险管理中心",
            "2021年11月30日",
            "李秀英",
            "张犇",
            "978.48",
            "利息及滞纳金明细",
            "0.05%",
            "按险种合计",
            "1,027.65",
            "壹仟零贰拾柒元陆角伍分",
            "逾期未缴的将按日加收万分之五的滞纳金",
        ],
    );
}

#[test]
fn payment_order_without_surcharges_leaves_the_section_out() {
    let mut doc = payment_order();
    doc.surcharges.clear();
    let pdf = render_payment_order(&doc).unwrap();
    let text = text_of(&pdf);
    assert!(!squash(&text).contains("利息及滞纳金明细"));
    assert_has(&text, &["二、按险种合计"]);
}

#[test]
fn long_payment_order_repeats_its_header_on_every_page() {
    let mut doc = payment_order();
    let line = doc.lines[0].clone();
    doc.lines = (0..90)
        .map(|i| PaymentOrderLine {
            name: person_name(i),
            person_no: format!("4201{:08}", 20_000_000 + i),
            ..line.clone()
        })
        .collect();
    let pdf = render_payment_order(&doc).unwrap();
    keep("payment_order_long.pdf", &pdf);
    let pages = pages_of(&pdf);
    assert!(pages >= 3, "90 lines on {pages} pages");
    assert_pdf(&pdf, pages);
    let text = text_of(&pdf);
    assert_eq!(
        squash(&text)
            .matches("认定单号：RD4201202111130042")
            .count(),
        pages
    );
    assert_has(&text, &["420120000089", "壹仟零贰拾柒元陆角伍分"]);
}

#[test]
fn refund_notice_shows_account_lines_and_capitals() {
    let pdf = render_refund_notice(&refund_notice()).unwrap();
    keep("refund_notice.pdf", &pdf);
    assert_pdf(&pdf, 1);
    let text = text_of(&pdf);
    assert_has(
        &text,
        &[
            "社会保险费退费通知单",
            "TF4201202111150007",
            "4200 1234 5678 9012 3456",
            "中国建设银行武汉江岸支行",
            "司马淼淼",
            "40.77",
            "1,019.25",
            "壹仟零壹拾玖元贰角伍分",
            "单位重复申报9月缴费",
            "审核通过，待银行退付",
            "2021年11月18日",
        ],
    );
}

#[test]
fn rendering_is_deterministic() {
    let doc = refund_notice();
    assert_eq!(
        render_refund_notice(&doc).unwrap(),
        render_refund_notice(&doc).unwrap()
    );
}

#[test]
fn empty_lists_still_make_a_whole_document() {
    let mut unit = unit_certificate(0);
    unit.verification.notes.clear();
    let pdf = render_unit_certificate(&unit).unwrap();
    assert_pdf(&pdf, 1);
    assert_has(
        &text_of(&pdf),
        &["序号", "缴费状态", "2021 1113 1336 29KR IFGN"],
    );

    let mut personal = personal_certificate(0);
    personal.total_unit = "0.00".into();
    personal.total_personal = "0.00".into();
    assert_pdf(&render_personal_certificate(&personal).unwrap(), 1);

    let mut refund = refund_notice();
    refund.lines.clear();
    refund.notes.clear();
    refund.decided_on = None;
    assert_pdf(&render_refund_notice(&refund).unwrap(), 1);
}

#[test]
fn a_payload_too_long_for_a_qr_code_is_an_error() {
    let mut doc = unit_certificate(1);
    doc.verification.qr_payload = "x".repeat(5000);
    let err = render_unit_certificate(&doc).unwrap_err();
    assert!(matches!(err, qibao_pdf::PdfError::Qr(_)), "{err}");
}

//! 单位社会保险费应缴认定单: what a unit owes, line by line, with the interest
//! and late fees explained, totals by insurance and the grand total in
//! figures and in capitals.

use super::{BODY, C, INFO_ROW, L, R, ROW, TABLE, columns, header_row, heading, notes, sign_off};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::PaymentOrder;

/// The line table is wide: a smaller size keeps ten columns readable.
const SMALL: f32 = 8.5;

pub(crate) fn layout(c: &mut Composer<'_>, doc: &PaymentOrder) -> Result<(), PdfError> {
    // 单位编号 | <no>   | 经办机构     | <agency>
    // 开具日期 | <date> | 缴费截止日期 | <date>
    let mut info = Grid::new(columns(&[74.0, 150.0, 84.0], 3), INFO_ROW);
    info.push(Cell::label(0, 0, "单位编号", BODY));
    info.push(Cell::value(0, 1, doc.unit_no.as_str(), L, BODY));
    info.push(Cell::label(0, 2, "经办机构", BODY));
    info.push(Cell::value(0, 3, doc.agency.as_str(), L, BODY));
    info.push(Cell::label(1, 0, "开具日期", BODY));
    info.push(Cell::value(1, 1, doc.issued_on.as_str(), L, BODY));
    info.push(Cell::label(1, 2, "缴费截止日期", BODY));
    info.push(Cell::value(1, 3, doc.due_on.as_str(), L, BODY).bold());
    c.grid(&info);
    c.gap(10.0);

    heading(c, "一、应缴明细", 2.0 * ROW);
    let widths = columns(&[48.0, 64.0, 78.0, 40.0, 50.0, 46.0, 46.0, 36.0, 40.0], 9);
    let header = header_row(
        &widths,
        &[
            "姓名",
            "个人编号",
            "险种",
            "所属期",
            "缴费基数",
            "单位缴费",
            "个人缴费",
            "利息",
            "滞纳金",
            "合计",
        ],
    );
    let rows: Vec<Grid> = doc
        .lines
        .iter()
        .map(|l| {
            Grid::row(
                &widths,
                &[
                    (&l.name, C),
                    (&l.person_no, C),
                    (&l.insurance, C),
                    (&l.period, C),
                    (&l.base, R),
                    (&l.unit_amount, R),
                    (&l.personal_amount, R),
                    (&l.interest, R),
                    (&l.late_fee, R),
                    (&l.total, R),
                ],
                SMALL,
                ROW,
            )
        })
        .collect();
    c.table(&header, &rows);

    let mut section = 2;
    if !doc.surcharges.is_empty() {
        c.gap(10.0);
        heading(c, "二、利息及滞纳金明细", 2.0 * ROW);
        section += 1;
        let widths = columns(&[52.0, 52.0, 100.0, 76.0, 44.0, 80.0], 6);
        let header = header_row(
            &widths,
            &[
                "类别",
                "所属期",
                "险种",
                "本金",
                "天数",
                "利率/日费率",
                "金额",
            ],
        );
        let rows: Vec<Grid> = doc
            .surcharges
            .iter()
            .map(|s| {
                Grid::row(
                    &widths,
                    &[
                        (&s.kind, C),
                        (&s.period, C),
                        (&s.insurance, C),
                        (&s.principal, R),
                        (&s.days, R),
                        (&s.rate, R),
                        (&s.amount, R),
                    ],
                    TABLE,
                    ROW,
                )
            })
            .collect();
        c.table(&header, &rows);
    }

    c.gap(10.0);
    let numeral = ["一", "二", "三", "四"]
        .get(section - 1)
        .copied()
        .unwrap_or("");
    heading(c, &format!("{numeral}、按险种合计"), 2.0 * ROW);
    let widths = columns(&[80.0, 80.0, 70.0, 70.0, 80.0], 0);
    let header = header_row(
        &widths,
        &["险种", "单位缴费", "个人缴费", "利息", "滞纳金", "合计"],
    );
    let mut rows: Vec<Grid> = doc
        .insurance_totals
        .iter()
        .map(|t| {
            Grid::row(
                &widths,
                &[
                    (&t.insurance, C),
                    (&t.unit_amount, R),
                    (&t.personal_amount, R),
                    (&t.interest, R),
                    (&t.late_fee, R),
                    (&t.total, R),
                ],
                TABLE,
                ROW,
            )
        })
        .collect();
    // 合计金额（小写） | <figures>   合计金额（大写） | <capitals>
    let mut grand = Grid::new(widths.clone(), INFO_ROW);
    grand.push(Cell::label(0, 0, "合计金额（小写）", TABLE).bold());
    grand.push(Cell::value(0, 1, doc.total.as_str(), R, BODY).bold());
    grand.push(Cell::label(0, 2, "合计金额（大写）", TABLE).span(2).bold());
    grand.push(
        Cell::value(0, 4, doc.total_in_capitals.as_str(), L, BODY)
            .span(2)
            .bold(),
    );
    rows.push(grand);
    c.table(&header, &rows);

    c.gap(10.0);
    notes(c, &doc.notes);
    sign_off(
        c,
        &[
            format!("经办机构：{}", doc.agency),
            format!("开具日期：{}", doc.issued_on),
        ],
    );
    Ok(())
}

pub(crate) fn header(doc: &PaymentOrder) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("单位名称：{}", doc.unit_name),
        right: format!("认定单号：{}", doc.order_no),
    }
}

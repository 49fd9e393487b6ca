//! 社会保险费退费通知单: what is refunded, to which account, why, and where
//! the refund stands.

use super::{
    BODY, C, INFO_ROW, L, R, ROW, TABLE, columns, header_row, heading, notes, pair_rows, sign_off,
};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::RefundNotice;

pub(crate) fn layout(c: &mut Composer<'_>, doc: &RefundNotice) -> Result<(), PdfError> {
    let widths = columns(&[74.0, 150.0, 74.0], 3);
    let mut info = Grid::new(widths.clone(), INFO_ROW);
    let rows = [
        (
            "单位编号",
            doc.unit_no.as_str(),
            "经办机构",
            doc.agency.as_str(),
        ),
        (
            "收款户名",
            doc.account_name.as_str(),
            "开户银行",
            doc.bank.as_str(),
        ),
        (
            "申请日期",
            doc.applied_on.as_str(),
            "审核日期",
            doc.decided_on.as_deref().unwrap_or(""),
        ),
    ];
    pair_rows(&mut info, 0, &rows, L);
    info.push(Cell::label(3, 0, "收款账号", BODY));
    info.push(Cell::value(3, 1, doc.account_no.as_str(), L, BODY).span(3));
    c.grid(&info);
    c.gap(10.0);

    heading(c, "退费明细", 2.0 * ROW);
    let widths = columns(&[36.0, 90.0, 140.0, 90.0], 4);
    let header = header_row(&widths, &["序号", "姓名", "险种", "所属期", "退费金额"]);
    let mut rows: Vec<Grid> = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let no = (i + 1).to_string();
            Grid::row(
                &widths,
                &[
                    (&no, C),
                    (&l.name, C),
                    (&l.insurance, C),
                    (&l.period, C),
                    (&l.amount, R),
                ],
                TABLE,
                ROW,
            )
        })
        .collect();
    let mut total = Grid::new(widths.clone(), INFO_ROW);
    total.push(Cell::label(0, 0, "退费合计（小写）", TABLE).span(2).bold());
    total.push(Cell::value(0, 2, doc.total.as_str(), R, BODY).bold());
    total.push(Cell::label(0, 3, "退费合计（大写）", TABLE).bold());
    total.push(Cell::value(0, 4, doc.total_in_capitals.as_str(), L, BODY).bold());
    rows.push(total);
    c.table(&header, &rows);
    c.gap(10.0);

    let mut outcome = Grid::new(columns(&[74.0], 1), INFO_ROW);
    outcome.push(Cell::label(0, 0, "退费原因", BODY));
    outcome.push(Cell::value(0, 1, doc.reason.as_str(), L, BODY));
    outcome.push(Cell::label(1, 0, "办理状态", BODY));
    outcome.push(Cell::value(1, 1, doc.status.as_str(), L, BODY).bold());
    c.grid(&outcome);
    c.gap(10.0);
    notes(c, &doc.notes);

    sign_off(
        c,
        &[
            format!("经办机构：{}", doc.agency),
            format!("通知日期：{}", doc.issued_on),
        ],
    );
    Ok(())
}

pub(crate) fn header(doc: &RefundNotice) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("单位名称：{}", doc.unit_name),
        right: format!("退费单号：{}", doc.refund_no),
    }
}

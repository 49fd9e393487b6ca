//! 湖北省社会保险个人参保缴费证明: one person's contributions month by month,
//! with the unit and the span on top and the totals under the table.

use super::{BODY, C, INFO_ROW, L, R, ROW, TABLE, columns, header_row, verification};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::PersonalCertificate;

pub(crate) fn layout(c: &mut Composer<'_>, doc: &PersonalCertificate) -> Result<(), PdfError> {
    // 单位名称 | <unit name>                      | 单位编号 | <no>
    // 缴费起止 | <span>
    let mut info = Grid::new(columns(&[74.0, 74.0, 110.0], 1), INFO_ROW);
    info.push(Cell::label(0, 0, "单位名称", BODY));
    info.push(Cell::value(0, 1, doc.unit_name.as_str(), L, BODY));
    info.push(Cell::label(0, 2, "单位编号", BODY));
    info.push(Cell::value(0, 3, doc.unit_no.as_str(), C, BODY));
    info.push(Cell::label(1, 0, "缴费起止", BODY));
    info.push(Cell::value(1, 1, doc.span.as_str(), L, BODY).span(3));
    c.grid(&info);
    c.gap(10.0);

    // 年月 | 险种 | 缴费基数 | 单位缴费 | 个人缴费 | 缴费状态
    let widths = columns(&[58.0, 88.0, 88.0, 88.0, 78.0], 1);
    let header = header_row(
        &widths,
        &[
            "年月",
            "险种",
            "缴费基数",
            "单位缴费",
            "个人缴费",
            "缴费状态",
        ],
    );
    let mut rows: Vec<Grid> = doc
        .months
        .iter()
        .map(|m| {
            Grid::row(
                &widths,
                &[
                    (&m.period, C),
                    (&m.insurance, C),
                    (&m.base, R),
                    (&m.unit_amount, R),
                    (&m.personal_amount, R),
                    (&m.status, C),
                ],
                TABLE,
                ROW,
            )
        })
        .collect();
    let mut total = Grid::new(widths.clone(), ROW);
    total.push(Cell::label(0, 0, "合计", TABLE).span(3).bold());
    total.push(Cell::value(0, 3, doc.total_unit.as_str(), R, TABLE).bold());
    total.push(Cell::value(0, 4, doc.total_personal.as_str(), R, TABLE).bold());
    total.push(Cell::value(0, 5, "", C, TABLE));
    rows.push(total);
    c.table(&header, &rows);
    verification(c, &doc.verification)
}

pub(crate) fn header(doc: &PersonalCertificate) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("姓名：{}　　身份证号：{}", doc.name, doc.id_number),
        right: format!("个人编号：{}", doc.person_no),
    }
}

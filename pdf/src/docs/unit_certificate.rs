//! 湖北省社会保险参保证明（单位专用）: the unit, its insurances and arrears,
//! then every insured person with their contribution span and status.

use super::{BODY, C, INFO_ROW, L, ROW, TABLE, columns, verification};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::UnitCertificate;

pub(crate) fn layout(c: &mut Composer<'_>, doc: &UnitCertificate) -> Result<(), PdfError> {
    // 单位参保险种 | <insurances>            | 缴费总人数      | <n>
    // 参保所属地   | <region> | 做账期号 | <yyyymm> | 单位欠费(是/否) | 是/否
    let mut info = Grid::new(columns(&[74.0, 120.0, 60.0, 72.0, 92.0], 5), INFO_ROW);
    info.push(Cell::label(0, 0, "单位参保险种", BODY));
    info.push(Cell::value(0, 1, doc.insurances.as_str(), L, BODY).span(3));
    info.push(Cell::label(0, 4, "缴费总人数", BODY));
    info.push(Cell::value(0, 5, doc.insured_count.as_str(), C, BODY));
    info.push(Cell::label(1, 0, "参保所属地", BODY));
    info.push(Cell::value(1, 1, doc.region.as_str(), L, BODY));
    info.push(Cell::label(1, 2, "做账期号", BODY));
    info.push(Cell::value(1, 3, doc.accounting_period.as_str(), C, BODY));
    info.push(Cell::label(1, 4, "单位欠费(是/否)", BODY));
    info.push(Cell::value(1, 5, doc.in_arrears.as_str(), C, BODY));
    c.grid(&info);
    c.gap(10.0);
    c.paragraph(
        &format!("{}，该单位以下参保缴费人员信息", doc.as_of_month),
        BODY + 0.5,
        true,
        0.0,
    );
    c.gap(4.0);

    // 序号 | 姓名 | 身份证号 | 个人编号 | 缴费起止时间 (起 | 止) | 缴费状态
    let widths = columns(&[32.0, 62.0, 120.0, 86.0, 60.0, 60.0], 6);
    let mut header = Grid::new(widths.clone(), ROW - 4.0);
    for (col, label) in [(0, "序号"), (1, "姓名"), (2, "身份证号"), (3, "个人编号")] {
        header.push(Cell::label(0, col, label, TABLE).rows(2).bold());
    }
    header.push(Cell::label(0, 4, "缴费起止时间", TABLE).span(2).bold());
    header.push(Cell::label(1, 4, "起（年/月）", TABLE).bold());
    header.push(Cell::label(1, 5, "止（年/月）", TABLE).bold());
    header.push(Cell::label(0, 6, "缴费状态", TABLE).rows(2).bold());
    let rows: Vec<Grid> = doc
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let no = (i + 1).to_string();
            Grid::row(
                &widths,
                &[
                    (&no, C),
                    (&p.name, C),
                    (&p.id_number, C),
                    (&p.person_no, C),
                    (&p.paid_from, C),
                    (&p.paid_to, C),
                    (&p.status, C),
                ],
                TABLE,
                ROW + 2.0,
            )
        })
        .collect();
    c.table(&header, &rows);
    verification(c, &doc.verification)
}

pub(crate) fn header(doc: &UnitCertificate) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("单位名称：{}", doc.unit_name),
        right: format!("单位编号：{}", doc.unit_no),
    }
}

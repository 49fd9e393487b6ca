//! 终止或解除劳动合同证明: the employment, its end and reason, and the
//! unemployment insurance paid at the unit, certified by the unit.

use super::{BODY, INFO_ROW, L, columns, notes, pair_rows, sign_off};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::TerminationCertificate;

pub(crate) fn layout(c: &mut Composer<'_>, doc: &TerminationCertificate) -> Result<(), PdfError> {
    let widths = columns(&[96.0, 150.0, 96.0], 3);
    let mut info = Grid::new(widths, INFO_ROW);
    let pairs = [
        (
            "姓名",
            doc.name.as_str(),
            "个人编号",
            doc.person_no.as_str(),
        ),
        (
            "证件号码",
            doc.id_number.as_str(),
            "单位编号",
            doc.unit_no.as_str(),
        ),
        (
            "入职（参保）日期",
            doc.start_date.as_str(),
            "终止（解除）日期",
            doc.end_date.as_str(),
        ),
        (
            "缴纳失业保险费月数",
            doc.unemployment_months.as_str(),
            "非本人意愿中断就业",
            doc.involuntary.as_str(),
        ),
    ];
    pair_rows(&mut info, 0, &pairs, L);
    info.push(Cell::label(4, 0, "终止（解除）原因", BODY));
    info.push(
        Cell::value(4, 1, doc.end_reason.as_str(), L, BODY)
            .span(3)
            .bold(),
    );
    info.push(Cell::label(5, 0, "失业保险缴费起止", BODY));
    info.push(Cell::value(5, 1, doc.unemployment_spans.as_str(), L, BODY).span(3));
    c.grid(&info);
    c.gap(14.0);
    c.paragraph(&doc.statement, BODY + 1.0, false, 2.0 * BODY);
    c.gap(10.0);
    notes(c, &doc.notes);
    sign_off(
        c,
        &[
            format!("用人单位（盖章）：{}", doc.unit_name),
            format!("出具日期：{}", doc.issued_on),
        ],
    );
    Ok(())
}

pub(crate) fn header(doc: &TerminationCertificate) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("单位名称：{}", doc.unit_name),
        right: format!("证明编号：{}", doc.certificate_no),
    }
}

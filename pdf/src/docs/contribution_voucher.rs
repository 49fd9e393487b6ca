//! 基本养老保险参保缴费凭证: the periods with their bases and places, the
//! years since 1998 with their pooled part, the account, and the totals a
//! transfer would move.

use super::{
    BODY, C, INFO_ROW, L, R, ROW, TABLE, columns, header_row, heading, notes, pair_rows, sign_off,
};
use crate::error::PdfError;
use crate::layout::{Cell, Composer, Grid, RunningHeader};
use crate::model::ContributionVoucher;

fn rows(widths: &[f32], data: &[[String; 4]], aligns: [crate::layout::Align; 4]) -> Vec<Grid> {
    data.iter()
        .map(|r| {
            Grid::row(
                widths,
                &[
                    (&r[0], aligns[0]),
                    (&r[1], aligns[1]),
                    (&r[2], aligns[2]),
                    (&r[3], aligns[3]),
                ],
                TABLE,
                ROW,
            )
        })
        .collect()
}

pub(crate) fn layout(c: &mut Composer<'_>, doc: &ContributionVoucher) -> Result<(), PdfError> {
    let widths = columns(&[74.0, 150.0, 74.0], 3);
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
            "出生日期",
            doc.birth_date.as_str(),
        ),
        (
            "参保单位",
            doc.unit_name.as_str(),
            "经办机构",
            doc.agency.as_str(),
        ),
    ];
    pair_rows(&mut info, 0, &pairs, L);
    c.grid(&info);
    c.gap(10.0);

    heading(c, "缴费期间", 2.0 * ROW);
    let widths = columns(&[150.0, 60.0, 100.0], 3);
    let header = header_row(&widths, &["起止年月", "月数", "缴费基数", "缴费地"]);
    c.table(&header, &rows(&widths, &doc.spans, [C, R, R, C]));
    c.gap(10.0);

    heading(c, "1998年以来各年度缴费（统筹基金按12%计算）", 2.0 * ROW);
    let widths = columns(&[80.0, 60.0, 150.0], 3);
    let header = header_row(&widths, &["年度", "月数", "缴费工资总额", "统筹基金转移额"]);
    c.table(&header, &rows(&widths, &doc.years, [C, R, R, R]));
    c.gap(10.0);

    let widths = columns(&[110.0, 130.0, 110.0], 3);
    let mut sums = Grid::new(widths, INFO_ROW);
    let pairs = [
        (
            "累计缴费月数",
            doc.months.as_str(),
            "账户计值月份",
            doc.valued_at.as_str(),
        ),
        (
            "个人账户储存额",
            doc.account.as_str(),
            "统筹基金转移额",
            doc.pooled.as_str(),
        ),
    ];
    pair_rows(&mut sums, 0, &pairs, R);
    sums.push(Cell::label(2, 0, "转移合计（小写）", BODY).bold());
    sums.push(Cell::value(2, 1, doc.total.as_str(), R, BODY).bold());
    sums.push(Cell::label(2, 2, "转移合计（大写）", BODY).bold());
    sums.push(Cell::value(2, 3, doc.total_in_capitals.as_str(), L, BODY).bold());
    c.grid(&sums);
    c.gap(10.0);
    notes(c, &doc.notes);
    sign_off(
        c,
        &[
            format!("经办机构：{}", doc.agency),
            format!("出具日期：{}", doc.issued_on),
        ],
    );
    Ok(())
}

pub(crate) fn header(doc: &ContributionVoucher) -> RunningHeader {
    RunningHeader {
        title: doc.title.clone(),
        left: format!("姓名：{}", doc.name),
        right: format!("凭证编号：{}", doc.voucher_no),
    }
}

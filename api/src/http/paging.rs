//! Paging of lists: the one query type for `page` and `page_size`, the rules
//! each list checks them by (its default and largest page size, the wording
//! of its errors), the checked [`Page`] and the [`PageInfo`] of an answer.
//! Every list pages by `page` (from 1) and `page_size`, and answers `items`,
//! `total`, `page` and `page_size`.
//!
//! A list whose query string also carries filters keeps `page` and
//! `page_size` in its own query struct, so its parameters stay
//! documented where they are, and checks them through [`PageQuery`].

use qibao_db::review::PageReq;
use serde::Deserialize;
use utoipa::IntoParams;

pub use qibao_app::review::PageInfo;

use crate::http::problem::{ApiError, FieldError};

/// How one list checks its paging parameters. Clients rely on each list's
/// defaults, bounds and messages, so they are kept per list.
#[derive(Debug, Clone, Copy)]
pub struct PageRules {
    /// Page size when none is given.
    pub default_size: i64,
    /// Largest page size.
    pub max_size: i64,
    /// Largest page number.
    pub max_page: i64,
    /// Error message of a page number out of range.
    pub page_message: &'static str,
    /// Error message of a page size out of range.
    pub size_message: &'static str,
}

/// The review-backed lists (tasks, materials, back pay, key changes, policy
/// changes): 20 per page, at most 200.
pub const REVIEW: PageRules = PageRules {
    default_size: 20,
    max_size: 200,
    max_page: 1_000_000,
    page_message: "页码应为不小于1的整数。",
    size_message: "每页条数应在1至200之间。",
};

/// Refund lists: 20 per page, at most 200.
pub const REFUNDS: PageRules = REVIEW;

/// Unit and order lists: 20 per page, at most 200.
pub const LIST: PageRules = PageRules {
    page_message: "页码应为从1开始的整数。",
    ..REVIEW
};

/// The unit's API keys: 50 per page, at most 200.
pub const API_KEYS: PageRules = PageRules {
    default_size: 50,
    max_size: 200,
    max_page: i64::MAX,
    page_message: "页码应从1开始",
    size_message: "每页条数应为1至200",
};

/// Paid months: 50 per page, at most 200.
pub const PAID_MONTHS: PageRules = API_KEYS;

/// Lists whose paging parameters arrive as text (employees, business items,
/// duplicate persons): 20 per page, at most 200; anything but a number in
/// range is the same error.
pub const TEXT: PageRules = PageRules {
    default_size: 20,
    max_size: 200,
    max_page: 1_000_000,
    page_message: "应为1至1000000之间的整数",
    size_message: "应为1至200之间的整数",
};

/// `page` and `page_size` of a list.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number from 1 (default 1).
    #[param(example = 1)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    #[param(example = 20)]
    pub page_size: Option<i64>,
}

/// A checked page: its number from 1 and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub page_size: i64,
}

impl PageQuery {
    /// The paging parameters of a list that takes them as text: blank is
    /// absent; anything that is not a positive whole number counts as page 0,
    /// which no list accepts.
    pub fn from_text(page: Option<&str>, page_size: Option<&str>) -> PageQuery {
        let num = |v: Option<&str>| match v.map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<usize>()
                    .ok()
                    .and_then(|n| i64::try_from(n).ok())
                    .unwrap_or(0),
            ),
        };
        PageQuery {
            page: num(page),
            page_size: num(page_size),
        }
    }

    /// The page asked for under `rules`, or 400 naming each bad parameter.
    pub fn check(&self, rules: &PageRules) -> Result<Page, ApiError> {
        let mut errors = Vec::new();
        let page = self.check_into(rules, &mut errors);
        if errors.is_empty() {
            Ok(page)
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// The page asked for under `rules`; a bad parameter adds its field
    /// error to `errors` and takes its default, for lists that gather the
    /// errors of their filters too.
    pub fn check_into(&self, rules: &PageRules, errors: &mut Vec<FieldError>) -> Page {
        let mut page = self.page.unwrap_or(1);
        let mut page_size = self.page_size.unwrap_or(rules.default_size);
        if !(1..=rules.max_page).contains(&page) {
            errors.push(FieldError::new("page", rules.page_message));
            page = 1;
        }
        if !(1..=rules.max_size).contains(&page_size) {
            errors.push(FieldError::new("page_size", rules.size_message));
            page_size = rules.default_size;
        }
        Page { page, page_size }
    }
}

impl Page {
    /// Rows before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    /// The page as the review-backed use cases take it.
    pub fn req(self) -> PageReq {
        PageReq {
            page: self.page,
            page_size: self.page_size,
        }
    }

    /// Page number and size as the list use cases that count in `usize`
    /// take them (both are positive, so they always fit).
    pub fn to_usize(self) -> (usize, usize) {
        let n = |v: i64| usize::try_from(v).unwrap_or(1);
        (n(self.page), n(self.page_size))
    }
}

/// The cursor and page size of a feed (`after` from 0, `limit` 1–500,
/// default 100): the tax bureau's order feed and a unit's event feed.
pub fn feed_cursor(after: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), ApiError> {
    let after = after.unwrap_or(0);
    let limit = limit.unwrap_or(100);
    if after < 0 {
        return Err(ApiError::invalid_field("after", "游标应为不小于0的整数"));
    }
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "每页条数应为1至500"));
    }
    Ok((after, limit))
}

/// Cuts a page out of a collection read whole: one that is small by its
/// nature (a unit's agents or bank accounts, the regions, the yearly rates,
/// the months a unit owes), answered in the one paging shape of every list.
pub fn cut<T>(all: Vec<T>, page: Page) -> (Vec<T>, PageInfo) {
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(page.page_size).unwrap_or(usize::MAX);
    let items = all.into_iter().skip(skip).take(take).collect();
    (items, PageInfo::new(page.req(), total))
}

/// Declares the page type of a collection read whole (see [`cut`]):
/// `items` and the page's `page`, `page_size` and `total`.
macro_rules! whole_list {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            #[serde(flatten)]
            pub page: $crate::http::paging::PageInfo,
        }

        impl $name {
            pub fn cut(all: Vec<$item>, page: $crate::http::paging::Page) -> $name {
                let (items, page) = $crate::http::paging::cut(all, page);
                $name { items, page }
            }
        }
    };
}
pub(crate) use whole_list;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fields(e: ApiError) -> Vec<String> {
        e.errors().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn a_whole_collection_is_cut_into_the_asked_page() {
        let p = |page, page_size| Page { page, page_size };
        let (items, info) = cut((1..=5).collect::<Vec<i32>>(), p(2, 2));
        assert_eq!(items, [3, 4]);
        assert_eq!((info.page, info.page_size, info.total), (2, 2, 5));
        assert_eq!(cut((1..=5).collect::<Vec<i32>>(), p(3, 2)).0, [5]);
        assert!(cut((1..=5).collect::<Vec<i32>>(), p(4, 2)).0.is_empty());
        assert_eq!(cut(Vec::<i32>::new(), p(1, 20)).1.total, 0);
    }

    #[test]
    fn defaults_and_bounds_per_list() {
        let none = PageQuery::default();
        let p = none.check(&LIST).unwrap();
        assert_eq!((p.page, p.page_size, p.offset()), (1, 20, 0));
        assert_eq!(none.check(&API_KEYS).unwrap().page_size, 50);
        let q = PageQuery {
            page: Some(3),
            page_size: Some(200),
        };
        assert_eq!(q.check(&LIST).unwrap().offset(), 400);
        let bad = PageQuery {
            page: Some(0),
            page_size: Some(201),
        };
        assert_eq!(fields(bad.check(&LIST).unwrap_err()), ["page", "page_size"]);
        assert_eq!(
            fields(bad.check(&REFUNDS).unwrap_err()),
            ["page", "page_size"]
        );
        let far = PageQuery {
            page: Some(1_000_001),
            page_size: None,
        };
        assert!(far.check(&REVIEW).is_err());
        assert!(far.check(&API_KEYS).is_ok());
    }

    #[test]
    fn text_parameters() {
        let q = PageQuery::from_text(Some(" 2 "), Some(""));
        assert_eq!(
            q.check(&TEXT).unwrap(),
            Page {
                page: 2,
                page_size: 20
            }
        );
        for bad in ["abc", "-1", "0", "1.5", "99999999999999999999999"] {
            let q = PageQuery::from_text(Some(bad), None);
            assert_eq!(fields(q.check(&TEXT).unwrap_err()), ["page"], "{bad}");
        }
    }
}

//! Offset pages of every list: the same bounds (`limit` up to the list's maximum, `offset` up to 10 000, larger
//! values rejected, not clamped) and one shape of answer, `{total, limit, offset, items}`.

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use crate::error::AppResult;
use crate::validation::FieldErrors;

/// The deepest offset of any list: past it, narrow the filters.
pub const MAX_OFFSET: i64 = 10_000;

/// The default and the largest page of a list.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub default: i64,
    pub max: i64,
}

/// The public catalog and the cabinet: 20 by default, at most 100.
pub const CATALOG_PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// The other lists (bookings, favourites, companies, flagged visitors): 50 by default, at most 200.
pub const LIST_PAGES: PageLimits = PageLimits {
    default: 50,
    max: 200,
};

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl PageLimits {
    /// `limit` and `offset` of a query, defaults applied; both out of range are named in one 422.
    pub fn page(self, limit: Option<i64>, offset: Option<i64>) -> AppResult<Page> {
        let limit = limit.unwrap_or(self.default);
        let offset = offset.unwrap_or(0);
        let mut errors = FieldErrors::default();
        if !(1..=self.max).contains(&limit) {
            errors.add(
                "limit",
                format!("ожидается целое число от 1 до {}", self.max),
            );
        }
        if !(0..=MAX_OFFSET).contains(&offset) {
            errors.add(
                "offset",
                format!("ожидается целое число от 0 до {MAX_OFFSET}; дальше сузьте фильтры"),
            );
        }
        errors.finish()?;
        Ok(Page { limit, offset })
    }
}

/// One page of `sql`, a statement that selects `count(*) OVER () AS total` and ends with `LIMIT $n OFFSET $n+1`
/// after `params`: the total and the rows of the page. Past the last page there are no rows to carry the total,
/// so it is read from the first page.
pub async fn fetch_page(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    page: Page,
) -> AppResult<(i64, Vec<Row>)> {
    let statement = client.prepare_cached(sql).await?;
    let with_page = |limit: &'static i64, offset: &'static i64| -> Vec<&(dyn ToSql + Sync)> {
        let mut all = params.to_vec();
        all.push(limit);
        all.push(offset);
        all
    };
    let mut requested = params.to_vec();
    requested.push(&page.limit);
    requested.push(&page.offset);
    let rows = client.query(&statement, &requested).await?;
    if let Some(first) = rows.first() {
        return Ok((first.get("total"), rows));
    }
    if page.offset == 0 {
        return Ok((0, rows));
    }
    let total = client
        .query_opt(&statement, &with_page(&1, &0))
        .await?
        .map_or(0, |row| row.get("total"));
    Ok((total, rows))
}

/// Declares the page of a list: `{total, limit, offset, items}`, the one shape of every offset-paged answer.
macro_rules! page_of {
    ($(#[$meta:meta])* $name:ident, $item:ty, total = $total:literal, items = $items:literal) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            #[doc = $total]
            #[schema(example = 42)]
            pub total: i64,
            /// Размер страницы
            #[schema(example = 20)]
            pub limit: i64,
            /// Пропущено записей
            #[schema(example = 0)]
            pub offset: i64,
            #[doc = $items]
            pub items: Vec<$item>,
        }

        impl $name {
            pub fn new(total: i64, page: $crate::pagination::Page, items: Vec<$item>) -> Self {
                Self {
                    total,
                    limit: page.limit,
                    offset: page.offset,
                    items,
                }
            }
        }
    };
}
pub(crate) use page_of;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn pages_are_checked_not_clamped() {
        assert_eq!(
            LIST_PAGES.page(None, None).unwrap(),
            Page {
                limit: 50,
                offset: 0
            }
        );
        assert_eq!(
            CATALOG_PAGES.page(Some(100), Some(MAX_OFFSET)).unwrap(),
            Page {
                limit: 100,
                offset: MAX_OFFSET
            }
        );
        let Err(AppError::Validation(errors)) = LIST_PAGES.page(Some(201), Some(i64::MAX)) else {
            panic!("out of range pages pass");
        };
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["limit", "offset"]);
        assert_eq!(errors[0].message, "ожидается целое число от 1 до 200");
    }
}

//! `GET /apartments`: the public catalog search.

use deadpool_postgres::GenericClient;

use super::types::{ApartmentCard, ApartmentPage, ApartmentSearchQuery, ApartmentSort};
use crate::catalog::SqlParams;
use crate::error::{AppError, AppResult};

pub const MAX_PAGE_SIZE: i64 = 100;
pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_OFFSET: i64 = 10_000;

/// Page size and offset; a page larger than [`MAX_PAGE_SIZE`] is rejected, not clamped.
pub fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> AppResult<(i64, i64)> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(AppError::field("limit", format!("от 1 до {MAX_PAGE_SIZE}")));
    }
    let offset = offset.unwrap_or(0);
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(AppError::field(
            "offset",
            format!("от 0 до {MAX_OFFSET}; дальше сузьте фильтры"),
        ));
    }
    Ok((limit, offset))
}

fn sort_sql(sort: ApartmentSort) -> (&'static str, &'static str) {
    match sort {
        ApartmentSort::Price => ("c.current_price", "ASC"),
        ApartmentSort::PriceDesc => ("c.current_price", "DESC"),
        ApartmentSort::PricePerM2 => ("c.price_per_m2", "ASC"),
        ApartmentSort::PricePerM2Desc => ("c.price_per_m2", "DESC"),
        ApartmentSort::Area => ("c.area_total", "ASC"),
        ApartmentSort::AreaDesc => ("c.area_total", "DESC"),
        ApartmentSort::Commissioning => ("c.commissioning_date", "ASC"),
        ApartmentSort::CommissioningDesc => ("c.commissioning_date", "DESC"),
        ApartmentSort::Popularity => (
            "popularity_24h(s.views_24h, s.leads_24h, s.bookings_24h)",
            "DESC",
        ),
    }
}

pub async fn search(
    client: &impl GenericClient,
    query: &ApartmentSearchQuery,
) -> AppResult<ApartmentPage> {
    let filters = query.catalog_filters()?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let sort = ApartmentSort::parse(query.sort.as_deref())?.unwrap_or(ApartmentSort::Price);
    let (sort_key, direction) = sort_sql(sort);
    let mut params = SqlParams::default();
    let on_sale_sort_key = match sort {
        ApartmentSort::Price | ApartmentSort::PriceDesc => Some("s.current_price"),
        ApartmentSort::Commissioning | ApartmentSort::CommissioningDesc => {
            Some("p.commissioning_date")
        }
        ApartmentSort::Popularity => Some(sort_key),
        _ => None,
    };
    let (template, sort_key, joins, conditions) = match on_sale_sort_key {
        Some(on_sale_key) if filters.on_sale_by_rooms_and_price() => {
            let mut conditions = filters.project_conditions(&mut params, "p", "p.id");
            conditions.extend(filters.on_sale_conditions(&mut params));
            (
                include_str!("search_on_sale.sql"),
                on_sale_key,
                "",
                conditions,
            )
        }
        _ => {
            let mut conditions = filters.project_conditions(&mut params, "c", "c.project_id");
            conditions.extend(filters.apartment_conditions(&mut params));
            let joins = if sort == ApartmentSort::Popularity {
                "LEFT JOIN apartment_stats s ON s.apartment_id = c.id"
            } else {
                ""
            };
            (include_str!("search.sql"), sort_key, joins, conditions)
        }
    };
    let limit_placeholder = params.push(limit);
    let offset_placeholder = params.push(offset);
    let sql = template
        .replace("{sort_key}", sort_key)
        .replace("{direction}", direction)
        .replace("{joins}", joins)
        .replace("{conditions}", &conditions.join("\n       AND "))
        .replace("{limit}", &limit_placeholder)
        .replace("{offset}", &offset_placeholder);
    let rows = client.query(sql.as_str(), &params.as_refs()).await?;
    let total: i64 = rows.first().map(|row| row.get("total")).unwrap_or(0);
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|row| row.get::<_, Option<i64>>("id"))
        .collect();
    let items = cards_in_order(client, &ids, false).await?;
    Ok(ApartmentPage {
        total,
        limit,
        offset,
        items,
    })
}

/// Cards of `ids` in the same order.
pub async fn cards_in_order(
    client: &impl GenericClient,
    ids: &[i64],
    staff: bool,
) -> AppResult<Vec<ApartmentCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let statement = client.prepare_cached(include_str!("card.sql")).await?;
    let rows = client.query(&statement, &[&ids]).await?;
    let mut cards = rows
        .iter()
        .map(|row| ApartmentCard::from_row(row, staff))
        .collect::<AppResult<Vec<_>>>()?;
    cards.sort_by_key(|card| ids.iter().position(|id| *id == card.id));
    Ok(cards)
}

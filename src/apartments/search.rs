//! `GET /apartments`: the public catalog search.

use std::time::Instant;

use deadpool_postgres::{Client, GenericClient, Pool};
use tokio_postgres::Statement;

use super::types::{ApartmentCard, ApartmentPage, ApartmentSearchQuery, ApartmentSort};
use crate::catalog::cache::Lookup;
use crate::catalog::filters::MAX_ROOMS;
use crate::catalog::{CatalogCache, CatalogFilters, SqlParams};
use crate::config::PromotionSettings;
use crate::error::AppResult;
use crate::pagination::{Page, CATALOG_PAGES};

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
        ApartmentSort::FinalPrice => ("c.final_price", "ASC"),
        ApartmentSort::FinalPriceDesc => ("c.final_price", "DESC"),
    }
}

/// Entries of `apartment_popularity_city_idx` a popularity page by city reads at most before it falls back to the
/// counters of every matching flat: up to 2 000 index entries and offer lookups (a few milliseconds), which fill the
/// page unless fewer than about one flat in fifty of the city matches the other filters; then the matching flats are
/// few and reading their counters costs about the same.
const POPULAR_WALK: i64 = 2000;

/// The placeholders of the walk's conditions on `apartment_popularity o`, shared with the conditions on `s`.
struct PopularWalk {
    city: String,
    rooms: Option<String>,
}

/// Price per m² of a `catalog_offers s` row, as `catalog_apartments.price_per_m2` computes it.
const OFFER_PRICE_PER_M2: &str = "round(s.current_price / s.area_total, 2)";

/// The SQL pieces of one search: which path, its sort key, joins and filter conditions with their parameters.
struct SearchPlan {
    /// The narrow on-sale path (search_on_sale*.sql, status = available only) rather than the catalog view
    /// (search*.sql).
    on_sale: bool,
    /// On the on-sale path by city in price order without one room count: the placeholder of the room counts whose
    /// pages are merged (search_on_sale_per_room.sql) and the index of its condition `s.rooms = ANY(…)`, which the
    /// count keeps and the page replaces with the room count of its branch.
    per_room: Option<(String, usize)>,
    /// On the on-sale path by city in popularity order: the walk of apartment_popularity from the city's most
    /// popular flat (search_on_sale_popular.sql); the page falls back to the counters of every matching flat
    /// (search_on_sale.sql with `joins`) when the walk ends before the page is full.
    popular_walk: Option<PopularWalk>,
    /// The table of that path: `catalog_offers` (by region, final price, promotions, apartment filters) or
    /// `apartment_stats`.
    source: &'static str,
    sort_key: &'static str,
    direction: &'static str,
    joins: &'static str,
    conditions: Vec<String>,
    params: SqlParams,
}

impl SearchPlan {
    fn new(filters: &CatalogFilters, sort: ApartmentSort) -> Self {
        let (sort_key, direction) = sort_sql(sort);
        let mut params = SqlParams::default();
        // Final price, promotions and the apartment's own columns (area, floor …) live only in catalog_offers;
        // popularity only in apartment_stats, which a search over catalog_offers reads per matching flat.
        let offers_only = matches!(
            sort,
            ApartmentSort::FinalPrice
                | ApartmentSort::FinalPriceDesc
                | ApartmentSort::Area
                | ApartmentSort::AreaDesc
                | ApartmentSort::PricePerM2
                | ApartmentSort::PricePerM2Desc
        ) || filters.final_price != (None, None)
            || filters.with_promotion
            || filters.filters_units();
        let popularity_of_offers = "popularity_24h(st.views_24h, st.leads_24h, st.bookings_24h)";
        // One index lookup per matching flat (OFFSET 0 keeps the subquery from becoming a plain join): as a join the
        // planner hash-joins all of apartment_stats for a city's few thousand flats, and a scalar subquery in the
        // sort key costs five times the lookup (Kazan, one room, 1 M flats: 58 ms against 300 ms).
        let counters_of_offers = "LEFT JOIN LATERAL (
                SELECT c.views_24h, c.leads_24h, c.bookings_24h
                  FROM apartment_stats c
                 WHERE c.apartment_id = s.apartment_id
                OFFSET 0) st ON true";
        let on_sale_sort_key = match sort {
            ApartmentSort::Price | ApartmentSort::PriceDesc => "s.current_price",
            ApartmentSort::FinalPrice | ApartmentSort::FinalPriceDesc => "s.final_price",
            ApartmentSort::Area | ApartmentSort::AreaDesc => "s.area_total",
            ApartmentSort::PricePerM2 | ApartmentSort::PricePerM2Desc => OFFER_PRICE_PER_M2,
            ApartmentSort::Commissioning | ApartmentSort::CommissioningDesc => {
                "p.commissioning_date"
            }
            ApartmentSort::Popularity => sort_key,
        };
        if filters.on_sale_only() {
            // By region or city: catalog_offers, whose indexes are (region, price), (region, final price) and (city,
            // rooms, price) with the apartment's own columns; popularity by city reads the counters of the city's
            // matching flats from apartment_stats. Searches within projects read apartment_stats, whose
            // apartment_stats_on_sale_price_idx (project, price) serves them, and so does popularity by region.
            let counters = sort == ApartmentSort::Popularity && filters.city.is_none();
            let by_place = filters.region.is_some() || filters.city.is_some();
            let source = if offers_only || (by_place && !counters) {
                "catalog_offers"
            } else {
                "apartment_stats"
            };
            let on_sale_sort_key =
                if sort == ApartmentSort::Popularity && source == "catalog_offers" {
                    popularity_of_offers
                } else {
                    on_sale_sort_key
                };
            let mut project_filters = filters.clone();
            let (region, city) = if source == "catalog_offers" {
                (project_filters.region.take(), project_filters.city.take())
            } else {
                (None, None)
            };
            let mut conditions = project_filters.project_conditions(&mut params, "p", "p.id");
            if let Some(region) = region {
                conditions.push(format!("s.region_code = {}", params.push(region)));
            }
            if source == "apartment_stats" {
                conditions.push("s.on_sale".to_owned());
            }
            // By city in price order without one room count: the page is gathered per room count.
            let per_room = (source == "catalog_offers"
                && city.is_some()
                && matches!(sort, ApartmentSort::Price | ApartmentSort::PriceDesc)
                && filters.rooms.len() != 1)
                .then(|| {
                    let rooms = if filters.rooms.is_empty() {
                        (0..=MAX_ROOMS).collect()
                    } else {
                        filters.rooms.clone()
                    };
                    let placeholder = params.push(rooms);
                    conditions.push(format!("s.rooms = ANY({placeholder}::smallint[])"));
                    (placeholder, conditions.len() - 1)
                });
            // By city in popularity order: the walk filters by the same city and room counts as the page.
            let popular_by_city = on_sale_sort_key == popularity_of_offers && city.is_some();
            let walk_rooms = (popular_by_city && !filters.rooms.is_empty()).then(|| {
                let placeholder = params.push(filters.rooms.clone());
                conditions.push(format!("s.rooms = ANY({placeholder}::smallint[])"));
                placeholder
            });
            let city = city.map(|city| {
                let placeholder = params.push(city);
                conditions.push(format!("s.city_key = lower({placeholder})"));
                placeholder
            });
            let popular_walk = city.filter(|_| popular_by_city).map(|city| PopularWalk {
                city,
                rooms: walk_rooms.clone(),
            });
            let mut price_filters = filters.clone();
            if per_room.is_some() || walk_rooms.is_some() {
                price_filters.rooms.clear();
            }
            conditions.extend(price_filters.on_sale_conditions(&mut params));
            if source == "catalog_offers" {
                conditions.extend(filters.offer_conditions(&mut params));
                conditions.extend(filters.unit_conditions(&mut params, "s", OFFER_PRICE_PER_M2));
            }
            if conditions.is_empty() {
                // Every row of catalog_offers is on sale: nothing else to require.
                conditions.push("true".to_owned());
            }
            return Self {
                on_sale: true,
                per_room,
                popular_walk,
                source,
                sort_key: on_sale_sort_key,
                direction,
                joins: if on_sale_sort_key == popularity_of_offers {
                    counters_of_offers
                } else {
                    ""
                },
                conditions,
                params,
            };
        }
        let mut conditions = filters.project_conditions(&mut params, "c", "c.project_id");
        conditions.extend(filters.apartment_conditions(&mut params));
        let joins = if sort == ApartmentSort::Popularity {
            "LEFT JOIN apartment_stats s ON s.apartment_id = c.id"
        } else {
            ""
        };
        Self {
            on_sale: false,
            per_room: None,
            popular_walk: None,
            source: "catalog_apartments",
            sort_key,
            direction,
            joins,
            conditions,
            params,
        }
    }

    /// The page statement: search_on_sale*.sql or search_page.sql; `page` — placeholders of limit and offset.
    fn page_sql(&self, page: (&str, &str)) -> String {
        if let Some(walk) = &self.popular_walk {
            let rooms = walk
                .rooms
                .as_ref()
                .map(|rooms| format!("AND o.rooms = ANY({rooms}::smallint[])"))
                .unwrap_or_default();
            return self
                .render(include_str!("search_on_sale_popular.sql"), Some(page))
                .replace("{walk_city}", &walk.city)
                .replace("{walk_rooms}", &rooms)
                .replace("{walk}", &POPULAR_WALK.to_string());
        }
        match (&self.per_room, self.on_sale) {
            (Some((rooms, condition)), _) => {
                let mut conditions = self.conditions.clone();
                conditions[*condition] = "s.rooms = r.rooms".to_owned();
                self.render_with(
                    include_str!("search_on_sale_per_room.sql"),
                    Some(page),
                    &conditions,
                )
                .replace("{rooms}", rooms)
            }
            (None, true) => self.render(include_str!("search_on_sale.sql"), Some(page)),
            (None, false) => self.render(include_str!("search_page.sql"), Some(page)),
        }
    }

    /// The page statement when the popularity walk has ended before filling the page of `requested`, though `total`
    /// says more flats match: the counters of every matching flat.
    fn fallback_page_sql(
        &self,
        page: (&str, &str),
        requested: Page,
        found: usize,
        total: i64,
    ) -> Option<String> {
        let found = found as i64;
        let short = found < requested.limit && requested.offset + found < total;
        (self.popular_walk.is_some() && short)
            .then(|| self.render(include_str!("search_on_sale.sql"), Some(page)))
    }

    /// The total a page of `found` flats proves without a count: a page shorter than requested has run out of
    /// matches, unless it is empty past the first page (the total may then lie anywhere below the offset) or it comes
    /// from the popularity walk, which stops at its limit.
    fn total_from_page(&self, requested: Page, found: usize, counted: TotalCount) -> Option<i64> {
        let found = found as i64;
        let ran_out = found < requested.limit && (found > 0 || requested.offset == 0);
        (ran_out && self.popular_walk.is_none()).then(|| counted.cap(requested.offset + found))
    }

    /// The text of `template` for this plan; `page` — placeholders of limit and offset.
    fn render(&self, template: &str, page: Option<(&str, &str)>) -> String {
        self.render_with(template, page, &self.conditions)
    }

    /// [`Self::render`] with other `conditions`.
    fn render_with(
        &self,
        template: &str,
        page: Option<(&str, &str)>,
        conditions: &[String],
    ) -> String {
        let (limit, offset) = page.unwrap_or(("", ""));
        template
            .replace("{source}", self.source)
            .replace("{sort_key}", self.sort_key)
            .replace("{direction}", self.direction)
            .replace("{joins}", self.joins)
            .replace("{conditions}", &conditions.join("\n       AND "))
            .replace("{limit}", limit)
            .replace("{offset}", offset)
    }

    /// The statement that counts the matching apartments, all of them or up to `counted` (filter parameters only).
    fn count_sql(&self, counted: TotalCount) -> String {
        let matching = self.render(
            if self.on_sale {
                include_str!("search_on_sale_matching.sql")
            } else {
                include_str!("search_matching.sql")
            },
            None,
        );
        match counted {
            TotalCount::Exact => format!("SELECT count(*) AS total FROM ({matching}) matching"),
            TotalCount::AtMost(limit) => {
                format!("SELECT count(*) AS total FROM ({matching}\n LIMIT {limit}) matching")
            }
        }
    }
}

/// How `total` of a search is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalCount {
    /// Every matching apartment (`GET /apartments`).
    Exact,
    /// Up to this many: the count stops there, so a city of 200 000 flats costs what 1 000 cost.
    AtMost(u32),
}

impl TotalCount {
    /// `total` capped as this count caps it.
    fn cap(self, total: i64) -> i64 {
        match self {
            TotalCount::Exact => total,
            TotalCount::AtMost(limit) => total.min(i64::from(limit)),
        }
    }

    /// The key of the total in [`CatalogCache`]: exact and capped totals of one filter set differ.
    fn cache_key(self, filters: &CatalogFilters) -> String {
        match self {
            TotalCount::Exact => filters.cache_key(),
            TotalCount::AtMost(limit) => format!("at most {limit}: {}", filters.cache_key()),
        }
    }
}

/// Statements a connection keeps prepared (all of them, not only searches) before a new search shape is no longer
/// added. A search page statement's text depends only on which filters are set, so the common shapes are parsed
/// once per connection; the shapes are chosen by callers, so past this many a new one is parsed on every request and
/// a caller inventing filter combinations cannot grow the memory of the service and the server without bound.
const MAX_PREPARED_PER_CONNECTION: usize = 64;

/// The page statement of a search: from the connection's cache while it has room, otherwise prepared for this
/// request only.
async fn page_statement(client: &Client, sql: &str) -> Result<Statement, tokio_postgres::Error> {
    if client.statement_cache.size() >= MAX_PREPARED_PER_CONNECTION {
        return client.prepare(sql).await;
    }
    let mut forget = ForgetUnlessPrepared {
        client,
        sql,
        prepared: false,
    };
    let statement = client.prepare_cached(sql).await?;
    forget.prepared = true;
    Ok(statement)
}

/// A cached prepare that fails or is cancelled (the caller went away) leaves an entry without a statement in
/// deadpool's cache; this removes it, so such entries do not accumulate.
struct ForgetUnlessPrepared<'a> {
    client: &'a Client,
    sql: &'a str,
    prepared: bool,
}

impl Drop for ForgetUnlessPrepared<'_> {
    fn drop(&mut self) {
        if !self.prepared {
            self.client.statement_cache.remove(self.sql, &[]);
        }
    }
}

/// Counts `filters` on a connection of its own and remembers the total: the refresh-ahead of [`CatalogCache`].
fn recount_in_background(
    pool: Pool,
    cache: CatalogCache,
    filters: CatalogFilters,
    counted: TotalCount,
) {
    let key = counted.cache_key(&filters);
    tokio::spawn(async move {
        let plan = SearchPlan::new(&filters, ApartmentSort::Price);
        let counted_at = Instant::now();
        let counted = async {
            let client = pool.get().await.map_err(|error| error.to_string())?;
            let row = client
                .query_one(plan.count_sql(counted).as_str(), &plan.params.as_refs())
                .await
                .map_err(|error| crate::db::describe_error(&error))?;
            Ok::<i64, String>(row.get("total"))
        };
        match counted.await {
            Ok(total) => cache.remember(key, counted_at, total),
            Err(error) => {
                tracing::warn!(%error, "background recount of a catalog total failed");
                cache.abandon(&key);
            }
        }
    });
}

/// One page of the catalog, `total` counted as `counted` says. `total` comes from `cache` when the same filter set
/// was counted less than `CATALOG_TOTAL_CACHE_SECONDS` ago (and is recounted in the background past 3/4 of it); the
/// page itself is always read now.
pub async fn search(
    pool: &Pool,
    client: &Client,
    cache: &CatalogCache,
    promotions: &PromotionSettings,
    query: &ApartmentSearchQuery,
    counted: TotalCount,
) -> AppResult<ApartmentPage> {
    let filters = query.catalog_filters()?;
    let requested = CATALOG_PAGES.page(query.limit, query.offset)?;
    let sort = ApartmentSort::parse(query.sort.as_deref())?.unwrap_or(ApartmentSort::Price);
    let mut plan = SearchPlan::new(&filters, sort);
    let filter_params = plan.params.len();
    let limit_placeholder = plan.params.push(requested.limit);
    let offset_placeholder = plan.params.push(requested.offset);
    let page_placeholders = (limit_placeholder.as_str(), offset_placeholder.as_str());
    let page = Some(page_placeholders);
    let refs = plan.params.as_refs();
    let key = counted.cache_key(&filters);
    let page_ids = |rows: &[tokio_postgres::Row]| -> Vec<i64> {
        rows.iter()
            .filter_map(|row| row.get::<_, Option<i64>>("id"))
            .collect()
    };
    let cached = match cache.lookup(&key) {
        Lookup::Fresh(total) => Some(total),
        Lookup::Refresh(total) => {
            recount_in_background(pool.clone(), cache.clone(), filters.clone(), counted);
            Some(total)
        }
        Lookup::Missing => None,
    };
    let page_sql = plan.page_sql(page_placeholders);
    let (total, ids) = match cached {
        Some(total) => {
            let statement = page_statement(client, &page_sql).await?;
            let rows = client.query(&statement, &refs).await?;
            (total, page_ids(&rows))
        }
        None if plan.on_sale || counted != TotalCount::Exact => {
            let counted_at = Instant::now();
            let statement = page_statement(client, &page_sql).await?;
            let ids = page_ids(&client.query(&statement, &refs).await?);
            // A page that ran out of matches tells the total itself: a rare filter set, which reads its whole index
            // range for the page, is not read again for the count.
            let total = match plan.total_from_page(requested, ids.len(), counted) {
                Some(total) => total,
                // The count is not kept prepared: it runs at most once per filter set and TTL, and a plan for the
                // actual region and price range matters more to it than the parse it would save.
                None => client
                    .query_one(plan.count_sql(counted).as_str(), &refs[..filter_params])
                    .await?
                    .get("total"),
            };
            cache.remember(key, counted_at, total);
            (total, ids)
        }
        None => {
            // The catalog view path counts all and pages one materialised set in one statement.
            let counted_at = Instant::now();
            let rows = client
                .query(
                    plan.render(include_str!("search.sql"), page).as_str(),
                    &refs,
                )
                .await?;
            let total: i64 = rows.first().map(|row| row.get("total")).unwrap_or(0);
            cache.remember(key, counted_at, total);
            (total, page_ids(&rows))
        }
    };
    let ids = match plan.fallback_page_sql(page_placeholders, requested, ids.len(), total) {
        Some(sql) => {
            let statement = page_statement(client, &sql).await?;
            page_ids(&client.query(&statement, &refs).await?)
        }
        None => ids,
    };
    let items = cards_in_order(client, &ids, false, promotions).await?;
    Ok(ApartmentPage::new(total, requested, items))
}

/// Cards of `ids` in the same order, with the promotions that apply now under `promotions` limits.
pub async fn cards_in_order(
    client: &impl GenericClient,
    ids: &[i64],
    staff: bool,
    promotions: &PromotionSettings,
) -> AppResult<Vec<ApartmentCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let statement = client.prepare_cached(include_str!("card.sql")).await?;
    let rows = client
        .query(
            &statement,
            &[
                &ids,
                &promotions.max_total_discount_percent,
                &promotions.floor_share_of_base_price_percent,
            ],
        )
        .await?;
    let mut cards = rows
        .iter()
        .map(|row| ApartmentCard::from_row(row, staff))
        .collect::<AppResult<Vec<_>>>()?;
    cards.sort_by_key(|card| ids.iter().position(|id| *id == card.id));
    Ok(cards)
}

#[cfg(test)]
mod tests {
    use super::TotalCount;

    #[test]
    fn a_capped_total_never_exceeds_its_cap() {
        assert_eq!(TotalCount::Exact.cap(5000), 5000);
        assert_eq!(TotalCount::AtMost(1000).cap(999), 999);
        assert_eq!(TotalCount::AtMost(1000).cap(1030), 1000);
    }
}

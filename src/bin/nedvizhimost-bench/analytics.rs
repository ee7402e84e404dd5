//! `nedvizhimost-bench analytics`: the synthetic catalog with `days` of event history (views, leads, bookings,
//! dynamic price moves) in a scratch database; times the first `refresh_analytics()` (the whole history), the
//! hourly refresh after one more hour of events (after the minute pricing cycle, as the job runs it, and in the
//! worst case beside it), the minute cycle alone and beside the refresh, and the latency of every analytics endpoint on the real router over loopback.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use nedvizhimost::auth::{AuthKeys, Role};
use nedvizhimost::catalog::CatalogCache;
use nedvizhimost::config::{
    AuthSettings, CatalogSettings, PricingSettings, Secret, SignalSettings,
};
use nedvizhimost::pricing::{run_cycle, CycleRequest, Trigger};
use nedvizhimost::{app_with_catalog, db, AppState};

use crate::loopback_server::LoopbackServer;
use crate::synthetic_catalog::{CatalogSpec, Geography, ScratchDatabase};

pub struct AnalyticsBenchOptions {
    pub apartments: u32,
    pub events_per_apartment: u32,
    pub days: u32,
    pub hours: u32,
    pub requests: usize,
    pub rollup_days: u32,
    pub admin: tokio_postgres::Config,
    pub keep_database: bool,
    pub reuse: bool,
}

const SECRET: &str = "bench-analytics-secret-not-for-production-0123456789";

/// Event history before the catalog's last 24 h: `{per_day}` views a day for `{days}` days, leads, bookings
/// (cancelled, some with a sale), dynamic price moves. Placeholders: numbers and one timestamp.
const HISTORY: &str = "
SELECT setseed(0.17);
INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
SELECT 1 + ((floor(power(random(), 2.5) * {apartments})::bigint * 7919) % {apartments}),
       CASE WHEN random() < 0.05 THEN 'favourite' ELSE 'view' END::interest_event,
       {now}::timestamptz - interval '24 hours' - random() * interval '{days} days',
       'v' || (random() * 1000000)::integer
FROM generate_series(1, {per_day}::bigint * {days});
INSERT INTO leads (apartment_id, name, phone, created_at)
SELECT 1 + ((floor(power(random(), 2.5) * {apartments})::bigint * 7919) % {apartments}), 'Покупатель',
       '+79990000000', {now}::timestamptz - interval '24 hours' - random() * interval '{days} days'
FROM generate_series(1, {per_day}::bigint * {days} / 200);
WITH booked AS (
    INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
    SELECT 1 + (g * 7919) % {apartments}, (SELECT min(id) FROM users), 'cancelled', 10000000, 10000000, at,
           at + interval '48 hours'
    FROM generate_series(1, greatest(1, {apartments} / 100 * {days})) g
    CROSS JOIN LATERAL (SELECT {now}::timestamptz - random() * interval '{days} days' AS at) t
    RETURNING id, booked_at
)
INSERT INTO booking_events (booking_id, action, occurred_at)
SELECT id, CASE WHEN id % 3 = 0 THEN 'sold' ELSE 'cancelled' END::booking_action, booked_at + interval '1 hour'
FROM booked;
INSERT INTO pricing_runs (trigger) VALUES ('manual');
INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason, pricing_run_id, views_24h,
                           favourites_24h, leads_24h, bookings_24h, demand, config_id)
SELECT a.id, {now}::timestamptz - random() * interval '{days} days', a.current_price,
       round(a.current_price * CASE WHEN random() < 0.5 THEN 1.02 ELSE 0.98 END, 2), 'dynamic',
       (SELECT max(id) FROM pricing_runs), 0, 0, 0, 0, 0, (SELECT min(id) FROM dynamic_pricing_config)
FROM apartments a
WHERE a.id % 50 = 0;
INSERT INTO users (email, password_hash, display_name, role)
VALUES ('analyst-developer@example.ru', 'not-a-login', 'Застройщик', 'developer'),
       ('analyst-moderator@example.ru', 'not-a-login', 'Модератор', 'moderator');
INSERT INTO developer_members (developer_id, user_id, company_role)
SELECT 1, id, 'owner' FROM users WHERE email = 'analyst-developer@example.ru';
ANALYZE;";

/// Rollups of the days before the raw history, written directly (90 days of raw events at 1 M apartments would be
/// ~900 M rows): one `analytics_daily_demand` row per cell and day with about `{per_apartment}` views per
/// apartment, one `analytics_daily_supply` row per project × rooms and day, for the `{rollup_days}` Moscow days
/// before `{now}` that have no raw events (those before `{now}` − 24 h − `{days}` days).
const ROLLUPS: &str = "
SELECT setseed(0.29);
CREATE TEMPORARY TABLE bench_cells AS
SELECT project_id, building_id, rooms, count(*) AS lots, avg(area_total) AS area, avg(current_price) AS price
FROM apartments GROUP BY project_id, building_id, rooms;
CREATE TEMPORARY TABLE bench_days AS
SELECT d::date AS day
FROM generate_series(({now}::timestamptz AT TIME ZONE 'Europe/Moscow')::date - {rollup_days},
                     (({now}::timestamptz - interval '24 hours' - interval '{days} days') AT TIME ZONE 'Europe/Moscow')::date - 1,
                     interval '1 day') d;
INSERT INTO analytics_daily_demand (day, project_id, building_id, rooms, views, unique_visitors, favourites, leads,
                                    bookings, confirmed, sold, cancelled, expired, deals_price_sum, deals_area_sum,
                                    flagged_views, flagged_leads, price_raises, price_lowers, raise_pct_sum,
                                    lower_pct_sum, refreshed_at)
SELECT d.day, c.project_id, c.building_id, c.rooms, x.views, x.views * 4 / 5, x.views / 20, x.views / 200,
       x.sold * 3, x.sold * 2, x.sold, x.sold, 0, round(x.sold * c.price, 2), round(x.sold * c.area, 2),
       x.views / 100, 0, x.raises, x.raises, x.raises * 2, x.raises * 2, now()
FROM bench_cells c
CROSS JOIN bench_days d
CROSS JOIN LATERAL (SELECT (c.lots * {per_apartment} * (0.5 + random()))::integer AS views,
                           (random() * c.lots / 300)::integer AS sold,
                           (random() * c.lots / 50)::integer AS raises) x;
INSERT INTO analytics_daily_supply (day, project_id, rooms, lots_total, lots_on_sale, lots_booked, lots_sold,
                                    area_on_sale, price_sum_on_sale, base_sum_on_sale, new_lots, refreshed_at)
SELECT d.day, a.project_id, a.rooms, count(*), count(*) FILTER (WHERE a.status = 'available'),
       count(*) FILTER (WHERE a.status = 'booked'), count(*) FILTER (WHERE a.status = 'sold'),
       coalesce(sum(a.area_total) FILTER (WHERE a.status = 'available'), 0),
       coalesce(sum(a.current_price) FILTER (WHERE a.status = 'available'), 0),
       coalesce(sum(a.base_price) FILTER (WHERE a.status = 'available'), 0), count(*) / 90, now()
FROM apartments a
CROSS JOIN bench_days d
WHERE a.moderation_status = 'published'
GROUP BY d.day, a.project_id, a.rooms;
DROP TABLE bench_cells, bench_days;
ANALYZE analytics_daily_demand, analytics_daily_supply;";

fn millis(duration: Duration) -> String {
    format!("{}", duration.as_millis())
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

async fn refresh(
    client: &impl deadpool_postgres::GenericClient,
    now: DateTime<Utc>,
) -> Result<(Duration, i32), String> {
    let started = Instant::now();
    let row = client
        .query_one(
            "SELECT days_refolded FROM refresh_analytics($1::timestamptz, $1::timestamptz - interval '90 days')",
            &[&now],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    Ok((started.elapsed(), row.get(0)))
}

/// `count` views spread evenly over `[from, to)`.
async fn add_events(
    client: &impl deadpool_postgres::GenericClient,
    apartments: u32,
    count: i64,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), String> {
    client
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at, visitor_id)
             SELECT 1 + ((floor(power(random(), 2.5) * $1::bigint)::bigint * 7919) % $1::bigint), 'view',
                    $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz), 'v' || (random() * 1000000)::integer
             FROM generate_series(1, $2::bigint)",
            &[&i64::from(apartments), &count.max(0), &from, &to],
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    Ok(())
}

/// One pricing cycle as of `now` on its own connection: how long it took (aggregates and pass, without the popularity
/// transfer after it) and its summary.
async fn pricing_cycle(
    pool: &deadpool_postgres::Pool,
    now: DateTime<Utc>,
) -> Result<(Duration, String), String> {
    let mut client = pool.get().await.map_err(|error| error.to_string())?;
    let request = CycleRequest {
        now: Some(now),
        ..CycleRequest::new(Trigger::Cli)
    };
    let report = run_cycle(&mut client, &PricingSettings::default(), &request)
        .await
        .map_err(|error| db::describe_error(&error))?;
    Ok((
        report.aggregates_took + report.pass_took,
        report.summary_line().replace('|', "/"),
    ))
}

pub async fn run(options: &AnalyticsBenchOptions) -> Result<(), String> {
    let per_day = options
        .apartments
        .saturating_mul(options.events_per_apartment);
    // The simulated hours after `base` must stay in the past: views_log clamps future events to now().
    let base = Utc::now() - TimeDelta::hours(i64::from(options.hours) + 1);
    let spec = CatalogSpec {
        apartments: options.apartments,
        events: per_day,
        now: base,
        geography: Geography::FifteenCities,
    };
    let name = format!("nedv_bench_analytics_{}", options.apartments);
    let database = ScratchDatabase::prepare(&options.admin, &name, &spec, options.reuse).await?;
    let pool = db::create_pool(database.config().clone(), 8);
    let client = pool.get().await.map_err(|error| error.to_string())?;
    if !options.reuse {
        let started = Instant::now();
        let history = HISTORY
            .replace("{apartments}", &options.apartments.to_string())
            .replace("{per_day}", &per_day.to_string())
            .replace("{days}", &options.days.to_string())
            .replace("{now}", &format!("'{}'", base.to_rfc3339()));
        client
            .batch_execute(&history)
            .await
            .map_err(|error| db::describe_error(&error))?;
        eprintln!(
            "[{name}] {} days of history ({} events a day) in {:.1} s",
            options.days,
            per_day,
            started.elapsed().as_secs_f64()
        );
    }
    if !options.reuse && options.rollup_days > options.days + 1 {
        let started = Instant::now();
        let rollups = ROLLUPS
            .replace("{rollup_days}", &options.rollup_days.to_string())
            .replace("{days}", &options.days.to_string())
            .replace("{now}", &format!("'{}'", base.to_rfc3339()))
            .replace("{per_apartment}", &options.events_per_apartment.to_string());
        client
            .batch_execute(&rollups)
            .await
            .map_err(|error| db::describe_error(&error))?;
        eprintln!(
            "[{name}] rollups of {} days without raw events written in {:.1} s",
            options.rollup_days,
            started.elapsed().as_secs_f64()
        );
    }
    client
        .batch_execute("SELECT refresh_demand_aggregates(); SELECT sync_apartment_popularity()")
        .await
        .map_err(|error| db::describe_error(&error))?;
    let events: i64 = client
        .query_one("SELECT count(*) FROM views_log", &[])
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);

    println!(
        "| шаг | квартир | событий в базе | суток пересчитано | мс |\n|---|---:|---:|---:|---:|"
    );
    let (first, days) = refresh(&client, base).await?;
    println!(
        "| первая свёртка (вся история) | {} | {events} | {days} | {} |",
        options.apartments,
        millis(first)
    );
    // The first cycle on a catalog re-prices more than half of it, once, when pricing is switched on: it runs
    // before the hours, followed by what autovacuum would do after it, so the hours see steady minute cycles.
    let (took, summary) = pricing_cycle(&pool, base).await?;
    println!(
        "| первый цикл цен, до часов ({summary}) | {} | — | — | {} |",
        options.apartments,
        millis(took)
    );
    client
        .batch_execute(
            "VACUUM (ANALYZE) apartments, apartment_stats, catalog_offers, price_history",
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    let per_hour = i64::from(per_day / 24).max(1);
    let per_minute = (per_hour / 60).max(1);
    let minute = TimeDelta::minutes(1);
    for hour in 1..=i64::from(options.hours) {
        let now = base + TimeDelta::hours(hour);
        // The hour up to its last two minutes, folded by one untimed cycle; then two minutes of events, each
        // followed by a minute cycle: the first alone, the second with the hourly refresh.
        add_events(
            &client,
            options.apartments,
            per_hour - 2 * per_minute,
            (now - TimeDelta::hours(1), now - minute * 2),
        )
        .await?;
        pricing_cycle(&pool, now - minute * 2).await?;
        add_events(
            &client,
            options.apartments,
            per_minute,
            (now - minute * 2, now - minute),
        )
        .await?;
        let (took, summary) = pricing_cycle(&pool, now - minute).await?;
        println!(
            "| минутный цикл цен без свёртки ({summary}) | {} | — | — | {} |",
            options.apartments,
            millis(took)
        );
        add_events(&client, options.apartments, per_minute, (now - minute, now)).await?;
        let events_now = events + per_hour * hour;
        if hour % 2 == 1 {
            // As the job runs it: the refresh starts after the minute's cycle has finished.
            let (cycle_took, summary) = pricing_cycle(&pool, now).await?;
            let (took, days) = refresh(&client, now).await?;
            println!(
                "| минутный цикл цен, затем свёртка ({summary}) | {} | — | — | {} |",
                options.apartments,
                millis(cycle_took)
            );
            println!(
                "| часовая свёртка после цикла (+{per_hour} событий за час) | {} | {events_now} | {days} | {} |",
                options.apartments,
                millis(took)
            );
        } else {
            // The worst case: a refresh longer than the gap between cycles runs beside the next one.
            let (refreshed, cycled) =
                tokio::join!(refresh(&client, now), pricing_cycle(&pool, now));
            let (took, days) = refreshed?;
            let (cycle_took, summary) = cycled?;
            println!(
                "| часовая свёртка одновременно с циклом цен | {} | {events_now} | {days} | {} |",
                options.apartments,
                millis(took)
            );
            println!(
                "| минутный цикл цен во время свёртки ({summary}) | {} | — | — | {} |",
                options.apartments,
                millis(cycle_took)
            );
        }
    }
    drop(client);
    let client = pool.get().await.map_err(|error| error.to_string())?;
    // What autovacuum would have done after the hours of changes (it is off on the benchmark server).
    client
        .batch_execute(
            "VACUUM (ANALYZE) apartments, apartment_stats, price_history, bookings, analytics_daily_demand,
                              analytics_daily_supply, analytics_price_responses, cluster_demand",
        )
        .await
        .map_err(|error| db::describe_error(&error))?;
    let developer: i64 = client
        .query_one(
            "SELECT id FROM users WHERE email = 'analyst-developer@example.ru'",
            &[],
        )
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);
    let moderator: i64 = client
        .query_one(
            "SELECT id FROM users WHERE email = 'analyst-moderator@example.ru'",
            &[],
        )
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);
    let apartments_of_developer: i64 = client
        .query_one(
            "SELECT count(*) FROM apartments a JOIN projects p ON p.id = a.project_id WHERE p.developer_id = 1",
            &[],
        )
        .await
        .map_err(|error| db::describe_error(&error))?
        .get(0);
    drop(client);

    let keys = AuthKeys::new(&Secret::new(SECRET), AuthSettings::default());
    let developer_token = keys
        .issue_access_token(developer, Role::Developer, &[1])
        .map_err(|error| error.to_string())?;
    let moderator_token = keys
        .issue_access_token(moderator, Role::Moderator, &[])
        .map_err(|error| error.to_string())?;
    let state = AppState::new(
        pool.clone(),
        PricingSettings::default(),
        AuthKeys::new(&Secret::new(SECRET), AuthSettings::default()),
        SignalSettings::default(),
    );
    let server = LoopbackServer::start(app_with_catalog(
        state,
        CatalogCache::new(CatalogSettings::default()),
    ))
    .await?;
    let http = reqwest::Client::new();
    let period = format!(
        "date_from={}&date_to={}",
        (base - TimeDelta::days(i64::from(options.days.max(options.rollup_days)))).date_naive(),
        base.date_naive()
    );
    let scenarios: Vec<(String, String, &str, Option<&str>)> = vec![
        (
            "воронка по ЖК".into(),
            format!("/analytics/funnel?{period}&group_by=project"),
            &developer_token,
            None,
        ),
        (
            "воронка по суткам, CSV".into(),
            format!("/analytics/funnel?{period}&group_by=day"),
            &developer_token,
            Some("text/csv"),
        ),
        (
            "воронка: график".into(),
            format!("/analytics/funnel/chart.svg?{period}"),
            &developer_token,
            None,
        ),
        (
            "популярное".into(),
            "/analytics/popular".into(),
            &developer_token,
            None,
        ),
        (
            "кластеры цен".into(),
            "/analytics/prices/clusters".into(),
            &developer_token,
            None,
        ),
        (
            "темп продаж".into(),
            format!("/analytics/sales?{period}"),
            &developer_token,
            None,
        ),
        (
            "рынок (модератор)".into(),
            format!("/analytics/market?{period}"),
            &moderator_token,
            None,
        ),
        (
            "рынок: график".into(),
            format!("/analytics/market/chart.svg?{period}"),
            &moderator_token,
            None,
        ),
    ];
    println!(
        "\nAPI: застройщик с {apartments_of_developer} квартирами, {} запросов подряд на сценарий\n",
        options.requests
    );
    println!("| запрос | p50, мс | p99, мс | max, мс |\n|---|---:|---:|---:|");
    for (name, path, token, accept) in scenarios {
        let mut timings = Vec::with_capacity(options.requests);
        for attempt in 0..options.requests + 3 {
            let mut request = http
                .get(format!("http://{}{path}", server.address))
                .bearer_auth(token);
            if let Some(accept) = accept {
                request = request.header("accept", accept);
            }
            let started = Instant::now();
            let response = request.send().await.map_err(|error| error.to_string())?;
            let status = response.status();
            response.bytes().await.map_err(|error| error.to_string())?;
            if !status.is_success() {
                return Err(format!("{path}: HTTP {status}"));
            }
            if attempt >= 3 {
                timings.push(started.elapsed());
            }
        }
        timings.sort();
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            percentile(&timings, 0.5).as_secs_f64() * 1000.0,
            percentile(&timings, 0.99).as_secs_f64() * 1000.0,
            timings.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
        );
    }
    server.stop().await;
    pool.close();
    drop(pool);
    database.finish(options.keep_database).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_sample_at_or_above_the_share() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }
}

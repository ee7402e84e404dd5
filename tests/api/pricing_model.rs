//! An independent Rust implementation of the pricing rules (MISSION.md), compared with the SQL pass on
//! randomized catalogs: same decisions, same prices to the kopeck.

use std::collections::HashMap;

use crate::helpers::TestDb;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Debug, Clone)]
struct Rules {
    enabled: bool,
    k1: Decimal,
    k2: Decimal,
    weights: [Decimal; 4],
    step: Decimal,
    elasticity_cap: Decimal,
    max_shift: Decimal,
    min_days_on_site: i32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            enabled: true,
            k1: dec("1.3"),
            k2: dec("0.7"),
            weights: [dec("0.5"), dec("0"), dec("2"), dec("5")],
            step: dec("0.03"),
            elasticity_cap: dec("0.03"),
            max_shift: dec("0.07"),
            min_days_on_site: 14,
        }
    }
}

#[derive(Debug, Clone)]
struct Apartment {
    id: i64,
    project: usize,
    rooms: i16,
    on_sale: bool,
    days_on_site: i32,
    base_price: Decimal,
    current_price: Decimal,
    /// views, favourites, leads, bookings within the last 24 h
    counts: [i32; 4],
    changed_within_24h: bool,
    booked_within_24h: bool,
}

fn dec(value: &str) -> Decimal {
    value.parse().unwrap()
}

fn kopecks(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn demand(apartment: &Apartment, rules: &Rules) -> Decimal {
    apartment
        .counts
        .iter()
        .zip(rules.weights.iter())
        .map(|(count, weight)| Decimal::from(*count) * weight)
        .sum()
}

/// percentile_cont(0.5) over the cluster's demands, zeros included.
fn median(mut demands: Vec<Decimal>) -> Decimal {
    demands.sort();
    let middle = demands.len() / 2;
    if demands.len() % 2 == 1 {
        demands[middle]
    } else {
        (demands[middle - 1] + demands[middle]) / Decimal::TWO
    }
}

/// The reference decision and the price after the pass.
fn decide(
    apartment: &Apartment,
    rules: &Rules,
    cluster_median: Decimal,
    ceilings: (Decimal, Decimal),
) -> (&'static str, Decimal) {
    let current = apartment.current_price;
    if !rules.enabled {
        return ("disabled", current);
    }
    if apartment.changed_within_24h {
        return ("cooldown", current);
    }
    if apartment.booked_within_24h {
        return ("recent_booking", current);
    }
    if cluster_median.is_zero() {
        return ("no_median", current);
    }
    let delta = rules.step.min(rules.elasticity_cap).min(ceilings.0);
    let max_shift = rules.max_shift.min(ceilings.1);
    let upper = kopecks(apartment.base_price * (Decimal::ONE + max_shift));
    let lower = kopecks(apartment.base_price * (Decimal::ONE - max_shift));
    let demand = demand(apartment, rules);
    if demand > rules.k1 * cluster_median {
        let raised = kopecks(current * (Decimal::ONE + delta)).min(upper);
        return if raised > current {
            ("raise", raised)
        } else {
            ("at_limit", current)
        };
    }
    if demand < rules.k2 * cluster_median && apartment.days_on_site > rules.min_days_on_site {
        let lowered = kopecks(current * (Decimal::ONE - delta)).max(lower);
        return if lowered < current {
            ("lower", lowered)
        } else {
            ("at_limit", current)
        };
    }
    ("hold", current)
}

struct World {
    db: TestDb,
    apartments: Vec<Apartment>,
    project_rules: Vec<Rules>,
}

/// Builds a random catalog of 3 projects (2 developers) straight in SQL and remembers what it wrote.
async fn random_world(seed: u64) -> World {
    let mut rng = StdRng::seed_from_u64(seed);
    let db = TestDb::new().await;
    let client = db.client().await;
    let buyer: i64 = client
        .query_one(
            "INSERT INTO users (email, password_hash, display_name) VALUES ('model@example.ru', 'x', 'Модель') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let developers = [
        ("7707083893", "1027700132195"),
        ("7736050003", "1027700070518"),
    ];
    let mut developer_ids = Vec::new();
    for (inn, ogrn) in developers {
        developer_ids.push(crate::helpers::fixtures::developer(&**client, inn, ogrn).await);
    }
    let mut buildings = Vec::new();
    let mut project_ids = Vec::new();
    for (index, developer_index) in [0usize, 0, 1].iter().enumerate() {
        let (project_id, building_id) = crate::helpers::fixtures::project(
            &**client,
            developer_ids[*developer_index],
            &format!("ЖК {index}"),
        )
        .await;
        project_ids.push(project_id);
        buildings.push(building_id);
    }

    // Global defaults; developer 1 overrides its projects; project 0 overrides itself unless disabled.
    let mut project_rules = vec![Rules::default(); 3];
    let developer_rules = Rules {
        k1: dec("1.15"),
        k2: dec("0.8"),
        step: dec("0.02"),
        max_shift: dec("0.05"),
        ..Rules::default()
    };
    client
        .execute(
            "INSERT INTO dynamic_pricing_config (developer_id, k1, k2, step, max_shift) VALUES ($1, 1.15, 0.8, 0.02, 0.05)",
            &[&developer_ids[1]],
        )
        .await
        .unwrap();
    project_rules[2] = developer_rules;
    let project_override_enabled = rng.random_bool(0.5);
    client
        .execute(
            "INSERT INTO dynamic_pricing_config (project_id, k1, weight_views, weight_favourites, step, elasticity_cap, min_days_on_site, enabled)
             VALUES ($1, 1.2, 1, 0.5, 0.05, 0.025, 10, $2)",
            &[&project_ids[0], &project_override_enabled],
        )
        .await
        .unwrap();
    if project_override_enabled {
        project_rules[0] = Rules {
            k1: dec("1.2"),
            weights: [dec("1"), dec("0.5"), dec("2"), dec("5")],
            step: dec("0.05"),
            elasticity_cap: dec("0.025"),
            min_days_on_site: 10,
            ..Rules::default()
        };
    }

    let mut apartments = Vec::new();
    for _ in 0..300 {
        let project = rng.random_range(0..3);
        let rooms: i16 = rng.random_range(0..4);
        let base_price = Decimal::new(rng.random_range(400_000_000_i64..2_000_000_000), 2);
        let current_price = if rng.random_bool(0.3) {
            base_price
        } else {
            kopecks(base_price * Decimal::new(rng.random_range(9_200_i64..10_800), 4))
        };
        let status = match rng.random_range(0..20) {
            0 => "booked",
            1 => "sold",
            _ => "available",
        };
        let published = rng.random_range(0..20) != 0;
        let days_on_site = rng.random_range(0..40);
        let id: i64 = client
            .query_one(
                "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price, status,
                                         moderation_status, published_at)
                 VALUES ($1, 'M-' || gen_random_uuid(), 3, $2, 50, $3, $4, $5::text::apartment_status,
                         CASE WHEN $6 THEN 'published' ELSE 'draft' END::moderation_status,
                         now() - make_interval(days => $7) - interval '1 hour')
                 RETURNING id",
                &[&buildings[project], &rooms, &base_price, &current_price, &status, &published, &days_on_site],
            )
            .await
            .unwrap()
            .get(0);
        let popularity = rng.random_range(0..4);
        let views = if popularity == 0 {
            0
        } else {
            rng.random_range(0..(popularity * 12))
        };
        let favourites = rng.random_range(0..4);
        let old_views = rng.random_range(0..5);
        let leads = if rng.random_bool(0.2) {
            rng.random_range(1..3)
        } else {
            0
        };
        client
            .execute(
                "INSERT INTO views_log (apartment_id, event, occurred_at)
                 SELECT $1::bigint, 'view'::interest_event, now() - make_interval(mins => 1 + (g * 7) % 1300) FROM generate_series(1, $2) g
                 UNION ALL SELECT $1, 'favourite', now() - interval '3 hours' FROM generate_series(1, $3)
                 UNION ALL SELECT $1, 'view', now() - interval '30 hours' FROM generate_series(1, $4)",
                &[&id, &views, &favourites, &old_views],
            )
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO leads (apartment_id, name, phone, created_at)
                 SELECT $1, 'Покупатель', '+79990000000', now() - interval '5 hours' FROM generate_series(1, $2)",
                &[&id, &leads],
            )
            .await
            .unwrap();
        let mut bookings = 0;
        let mut booked_within_24h = false;
        if rng.random_bool(0.15) {
            let hours_ago: i32 = rng.random_range(1..48);
            let booking_status = ["cancelled", "expired"][rng.random_range(0..2)];
            client
                .execute(
                    "INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
                     VALUES ($1, $2, $3::text::booking_status, 1000000, 1000000, now() - make_interval(hours => $4),
                             now() - make_interval(hours => $4) + interval '48 hours')",
                    &[&id, &buyer, &booking_status, &hours_ago],
                )
                .await
                .unwrap();
            if hours_ago < 24 {
                bookings = 1;
                booked_within_24h = true;
            }
        }
        let mut changed_within_24h = false;
        if rng.random_bool(0.15) {
            let hours_ago: i32 = rng.random_range(1..48);
            let reason = ["manual", "promo"][rng.random_range(0..2)];
            client
                .execute(
                    "INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason)
                     VALUES ($1, now() - make_interval(hours => $2), $3::numeric + 1, $3, $4::text::price_change_reason)",
                    &[&id, &hours_ago, &current_price, &reason],
                )
                .await
                .unwrap();
            changed_within_24h = hours_ago < 24;
        }
        apartments.push(Apartment {
            id,
            project,
            rooms,
            on_sale: status == "available" && published,
            days_on_site,
            base_price,
            current_price,
            counts: [views, favourites, leads, bookings],
            changed_within_24h,
            booked_within_24h,
        });
    }
    drop(client);
    World {
        db,
        apartments,
        project_rules,
    }
}

fn expected_decisions(
    world: &World,
    ceilings: (Decimal, Decimal),
) -> HashMap<i64, (&'static str, Decimal)> {
    let mut clusters: HashMap<(usize, i16), Vec<Decimal>> = HashMap::new();
    for apartment in world
        .apartments
        .iter()
        .filter(|apartment| apartment.on_sale)
    {
        clusters
            .entry((apartment.project, apartment.rooms))
            .or_default()
            .push(demand(apartment, &world.project_rules[apartment.project]));
    }
    world
        .apartments
        .iter()
        .filter(|apartment| apartment.on_sale)
        .map(|apartment| {
            let cluster_median = median(clusters[&(apartment.project, apartment.rooms)].clone());
            let rules = &world.project_rules[apartment.project];
            (
                apartment.id,
                decide(apartment, rules, cluster_median, ceilings),
            )
        })
        .collect()
}

async fn compare(seed: u64, ceilings: (&str, &str)) {
    let world = random_world(seed).await;
    let ceilings = (dec(ceilings.0), dec(ceilings.1));
    let expected = expected_decisions(&world, ceilings);
    let client = world.db.client().await;
    client
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await
        .unwrap();
    let actual: HashMap<i64, (String, Decimal)> = client
        .query(
            "SELECT apartment_id, decision::text, new_price
             FROM reprice_apartments(p_elasticity_ceiling => $1, p_max_shift_ceiling => $2)",
            &[&ceilings.0, &ceilings.1],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2))))
        .collect();
    assert_eq!(
        actual.len(),
        expected.len(),
        "seed {seed}: apartments on sale"
    );
    let mut raised_or_lowered = 0;
    for (id, (decision, price)) in &expected {
        let (actual_decision, actual_price) = &actual[id];
        assert_eq!(
            (actual_decision.as_str(), actual_price),
            (*decision, price),
            "seed {seed}, apartment {id}: {:?}",
            world
                .apartments
                .iter()
                .find(|apartment| apartment.id == *id)
        );
        let stored: Decimal = client
            .query_one("SELECT current_price FROM apartments WHERE id = $1", &[id])
            .await
            .unwrap()
            .get(0);
        assert_eq!(&stored, price, "seed {seed}, apartment {id}: stored price");
        raised_or_lowered += usize::from(matches!(*decision, "raise" | "lower"));
    }
    assert!(
        raised_or_lowered > 0,
        "seed {seed}: the catalog should produce some changes"
    );
}

#[tokio::test]
async fn sql_pass_matches_the_reference_model_with_default_ceilings() {
    for seed in [1, 2, 3] {
        compare(seed, ("0.03", "0.07")).await;
    }
}

#[tokio::test]
async fn sql_pass_matches_the_reference_model_with_tight_ceilings() {
    for seed in [4, 5] {
        compare(seed, ("0.015", "0.04")).await;
    }
}

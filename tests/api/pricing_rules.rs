//! Every pricing rule of MISSION.md at its boundary, against the real `reprice_apartments`.

use crate::helpers::fixtures::{self, rub, ApartmentSpec};
use crate::helpers::TestDb;
use rust_decimal::Decimal;

/// A cluster (one project, one room count) with two neighbours of 10 views each, so the cluster median is
/// demand 5 (0.5 × 10) whatever the target's own demand.
struct Scenario {
    db: TestDb,
    developer_id: i64,
    project_id: i64,
    building_id: i64,
    buyer_id: i64,
    target: i64,
}

#[derive(Debug)]
struct Outcome {
    decision: String,
    old_price: Decimal,
    new_price: Decimal,
    explanation: String,
    stored_price: Decimal,
}

impl Scenario {
    async fn new(target: ApartmentSpec, target_views: i32) -> Self {
        let db = TestDb::new().await;
        let client = db.client().await;
        let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
        let (project_id, building_id) = fixtures::project(&**client, developer_id, "ЖК Тест").await;
        for _ in 0..2 {
            let neighbour = fixtures::apartment(
                &**client,
                building_id,
                &ApartmentSpec {
                    rooms: target.rooms,
                    ..ApartmentSpec::default()
                },
            )
            .await;
            fixtures::views(&**client, neighbour, 10).await;
        }
        let target_id = fixtures::apartment(&**client, building_id, &target).await;
        fixtures::views(&**client, target_id, target_views).await;
        let buyer_id = fixtures::user(&**client, "buyer@example.ru").await;
        drop(client);
        Self {
            db,
            developer_id,
            project_id,
            building_id,
            buyer_id,
            target: target_id,
        }
    }

    async fn run(&self) -> Outcome {
        self.run_with_ceilings(None, None).await
    }

    async fn run_with_ceilings(
        &self,
        elasticity: Option<&str>,
        max_shift: Option<&str>,
    ) -> Outcome {
        let client = self.db.client().await;
        client
            .execute("SELECT refresh_demand_aggregates()", &[])
            .await
            .unwrap();
        let elasticity: Option<Decimal> = elasticity.map(rub);
        let max_shift: Option<Decimal> = max_shift.map(rub);
        let row = client
            .query_one(
                "SELECT decision::text, old_price, new_price, explanation
                 FROM reprice_apartments(p_elasticity_ceiling => $1, p_max_shift_ceiling => $2)
                 WHERE apartment_id = $3",
                &[&elasticity, &max_shift, &self.target],
            )
            .await
            .unwrap();
        Outcome {
            decision: row.get(0),
            old_price: row.get(1),
            new_price: row.get(2),
            explanation: row.get(3),
            stored_price: fixtures::current_price(&**client, self.target).await,
        }
    }
}

fn priced(current: &str) -> ApartmentSpec {
    ApartmentSpec {
        current_price: rub(current),
        ..ApartmentSpec::default()
    }
}

#[tokio::test]
async fn demand_norm_exactly_at_k1_holds_and_just_above_raises() {
    let at_threshold = Scenario::new(ApartmentSpec::default(), 13)
        .await
        .run()
        .await;
    assert_eq!(at_threshold.decision, "hold", "{at_threshold:?}");
    assert_eq!(at_threshold.stored_price, rub("10000000"));

    let above = Scenario::new(ApartmentSpec::default(), 14)
        .await
        .run()
        .await;
    assert_eq!(above.decision, "raise", "{above:?}");
    assert_eq!(
        (above.old_price, above.new_price),
        (rub("10000000"), rub("10300000.00"))
    );
    assert_eq!(above.stored_price, rub("10300000.00"));
    assert_eq!(
        above.explanation,
        "Цена изменилась +3 % из-за высокого спроса (14 просмотров за 24 ч)"
    );
}

#[tokio::test]
async fn demand_norm_exactly_at_k2_holds_and_just_below_lowers() {
    let at_threshold = Scenario::new(ApartmentSpec::default(), 7).await.run().await;
    assert_eq!(at_threshold.decision, "hold", "{at_threshold:?}");

    let below = Scenario::new(ApartmentSpec::default(), 6).await.run().await;
    assert_eq!(below.decision, "lower", "{below:?}");
    assert_eq!(below.stored_price, rub("9700000.00"));
    assert_eq!(
        below.explanation,
        "Цена изменилась −3 % из-за низкого спроса (6 просмотров за 24 ч, 30 дней на сайте)"
    );
}

#[tokio::test]
async fn low_demand_lowers_only_after_more_than_fourteen_days() {
    let fourteen = ApartmentSpec {
        days_on_site: 14,
        ..ApartmentSpec::default()
    };
    let outcome = Scenario::new(fourteen, 2).await.run().await;
    assert_eq!(outcome.decision, "hold", "{outcome:?}");
    assert!(
        outcome.explanation.contains("всего 14 дней"),
        "{}",
        outcome.explanation
    );

    let fifteen = ApartmentSpec {
        days_on_site: 15,
        ..ApartmentSpec::default()
    };
    let outcome = Scenario::new(fifteen, 2).await.run().await;
    assert_eq!(outcome.decision, "lower", "{outcome:?}");
    assert_eq!(
        outcome.explanation,
        "Цена изменилась −3 % из-за низкого спроса (2 просмотра за 24 ч, 15 дней на сайте)"
    );
}

#[tokio::test]
async fn any_booking_within_24_hours_blocks_even_cancelled_ones() {
    for (status, ago, expected) in [
        ("cancelled", "23 hours 59 minutes", "recent_booking"),
        ("expired", "23 hours 59 minutes", "recent_booking"),
        ("cancelled", "24 hours 1 minute", "raise"),
    ] {
        let scenario = Scenario::new(ApartmentSpec::default(), 30).await;
        fixtures::booking(
            &**scenario.db.client().await,
            scenario.target,
            scenario.buyer_id,
            status,
            ago,
        )
        .await;
        let outcome = scenario.run().await;
        assert_eq!(
            outcome.decision, expected,
            "{status} booking {ago} ago: {outcome:?}"
        );
        if expected == "recent_booking" {
            assert_eq!(outcome.stored_price, rub("10000000"));
        }
    }
}

#[tokio::test]
async fn a_price_change_of_any_reason_within_24_hours_blocks() {
    let recent = Scenario::new(ApartmentSpec::default(), 30).await;
    fixtures::manual_price_change(&**recent.db.client().await, recent.target, "23 hours").await;
    let outcome = recent.run().await;
    assert_eq!(outcome.decision, "cooldown", "{outcome:?}");
    assert_eq!(outcome.stored_price, rub("10000000"));

    let old = Scenario::new(ApartmentSpec::default(), 30).await;
    fixtures::manual_price_change(&**old.db.client().await, old.target, "24 hours 1 minute").await;
    assert_eq!(old.run().await.decision, "raise");
}

#[tokio::test]
async fn the_corridor_clamps_a_partial_move_and_stops_at_the_edge() {
    let near_top = Scenario::new(priced("10500000"), 30).await.run().await;
    assert_eq!(near_top.decision, "raise", "{near_top:?}");
    assert_eq!(near_top.stored_price, rub("10700000.00"));
    assert_eq!(
        near_top.explanation,
        "Цена изменилась +1,9 % из-за высокого спроса (30 просмотров за 24 ч)"
    );

    let at_top = Scenario::new(priced("10700000"), 30).await.run().await;
    assert_eq!(at_top.decision, "at_limit", "{at_top:?}");
    assert_eq!(at_top.stored_price, rub("10700000"));
    assert_eq!(
        at_top.explanation,
        "Цена без изменений: достигнута граница +7 % от базовой цены"
    );

    let near_bottom = Scenario::new(priced("9400000"), 0).await.run().await;
    assert_eq!(near_bottom.decision, "lower", "{near_bottom:?}");
    assert_eq!(near_bottom.stored_price, rub("9300000.00"));

    let at_bottom = Scenario::new(priced("9300000"), 0).await.run().await;
    assert_eq!(at_bottom.decision, "at_limit", "{at_bottom:?}");
    assert!(
        at_bottom.explanation.contains("−7 %"),
        "{}",
        at_bottom.explanation
    );
}

#[tokio::test]
async fn prices_are_rounded_to_kopecks() {
    let outcome = Scenario::new(
        ApartmentSpec {
            base_price: rub("1234567.89"),
            current_price: rub("1234567.89"),
            ..ApartmentSpec::default()
        },
        30,
    )
    .await
    .run()
    .await;
    assert_eq!(outcome.stored_price, rub("1271604.93"));
}

#[tokio::test]
async fn a_zero_median_gives_no_decision() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let developer_id = fixtures::developer(&**client, "7707083893", "1027700132195").await;
    let (_, building_id) = fixtures::project(&**client, developer_id, "ЖК Пустой").await;
    let quiet = fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
    for _ in 0..2 {
        fixtures::apartment(&**client, building_id, &ApartmentSpec::default()).await;
    }
    let lone_studio = fixtures::apartment(
        &**client,
        building_id,
        &ApartmentSpec {
            rooms: 0,
            ..ApartmentSpec::default()
        },
    )
    .await;
    fixtures::views(&**client, lone_studio, 40).await;
    client
        .execute("SELECT refresh_demand_aggregates()", &[])
        .await
        .unwrap();
    let decision_of = |id: i64| {
        let client = &client;
        async move {
            let row = client
                .query_one(
                    "SELECT decision::text, explanation FROM reprice_apartments() WHERE apartment_id = $1",
                    &[&id],
                )
                .await
                .unwrap();
            (row.get::<_, String>(0), row.get::<_, String>(1))
        }
    };
    let (decision, explanation) = decision_of(quiet).await;
    assert_eq!(decision, "no_median");
    assert_eq!(
        explanation,
        "Цена без изменений: в кластере (1-комнатные этого ЖК) нет спроса для сравнения"
    );
    let (decision, _) = decision_of(lone_studio).await;
    assert_eq!(
        decision, "hold",
        "a one-apartment cluster is its own median"
    );
}

#[tokio::test]
async fn booked_sold_and_unpublished_apartments_are_not_priced() {
    let scenario = Scenario::new(ApartmentSpec::default(), 30).await;
    let client = scenario.db.client().await;
    let booked = fixtures::apartment(
        &**client,
        scenario.building_id,
        &ApartmentSpec {
            status: "booked",
            ..ApartmentSpec::default()
        },
    )
    .await;
    let sold = fixtures::apartment(
        &**client,
        scenario.building_id,
        &ApartmentSpec {
            status: "sold",
            ..ApartmentSpec::default()
        },
    )
    .await;
    let draft =
        fixtures::apartment(&**client, scenario.building_id, &ApartmentSpec::default()).await;
    client
        .execute(
            "UPDATE apartments SET moderation_status = 'draft' WHERE id = $1",
            &[&draft],
        )
        .await
        .unwrap();
    for id in [booked, sold, draft] {
        fixtures::views(&**client, id, 100).await;
    }
    scenario.run().await;
    let evaluated: Vec<i64> = scenario
        .db
        .column(
            "SELECT apartment_id FROM reprice_apartments(p_dry_run => true)",
            &[],
        )
        .await;
    for id in [booked, sold, draft] {
        assert!(
            !evaluated.contains(&id),
            "apartment {id} must not be on sale"
        );
        assert_eq!(
            fixtures::current_price(&**client, id).await,
            rub("10000000")
        );
    }
}

#[tokio::test]
async fn a_disabled_global_config_changes_nothing() {
    let scenario = Scenario::new(ApartmentSpec::default(), 30).await;
    scenario
        .db
        .client()
        .await
        .execute(
            "INSERT INTO dynamic_pricing_config (enabled, comment) VALUES (false, 'стоп')",
            &[],
        )
        .await
        .unwrap();
    let outcome = scenario.run().await;
    assert_eq!(outcome.decision, "disabled");
    assert_eq!(outcome.stored_price, rub("10000000"));
}

#[tokio::test]
async fn the_most_specific_enabled_override_wins() {
    // 12 views = demand 6 = 1.2 × median: hold under the global k1 = 1.3.
    let scenario = Scenario::new(ApartmentSpec::default(), 12).await;
    let client = scenario.db.client().await;
    client
        .execute(
            "INSERT INTO dynamic_pricing_config (developer_id, k1, step) VALUES ($1, 1.1, 0.02)",
            &[&scenario.developer_id],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO dynamic_pricing_config (project_id, k1, step) VALUES ($1, 1.1, 0.01)",
            &[&scenario.project_id],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO dynamic_pricing_config (project_id, k1, step, enabled) VALUES ($1, 5, 0.01, false)",
            &[&scenario.project_id],
        )
        .await
        .unwrap();
    let outcome = scenario.run().await;
    assert_eq!(outcome.decision, "raise", "{outcome:?}");
    assert_eq!(
        outcome.stored_price,
        rub("10200000.00"),
        "the disabled newer project version is skipped, the developer override applies"
    );
}

#[tokio::test]
async fn environment_ceilings_beat_the_database() {
    let scenario = Scenario::new(ApartmentSpec::default(), 30).await;
    let outcome = scenario.run_with_ceilings(Some("0.01"), None).await;
    assert_eq!(outcome.stored_price, rub("10100000.00"));

    let scenario = Scenario::new(priced("10150000"), 30).await;
    let outcome = scenario.run_with_ceilings(None, Some("0.02")).await;
    assert_eq!(outcome.stored_price, rub("10200000.00"));
}

#[tokio::test]
async fn plural_forms_and_signs_read_correctly() {
    let db = TestDb::new().await;
    let client = db.client().await;
    for (count, expected) in [
        (0, "0 просмотров"),
        (1, "1 просмотр"),
        (2, "2 просмотра"),
        (4, "4 просмотра"),
        (5, "5 просмотров"),
        (11, "11 просмотров"),
        (12, "12 просмотров"),
        (14, "14 просмотров"),
        (21, "21 просмотр"),
        (22, "22 просмотра"),
        (34, "34 просмотра"),
        (100, "100 просмотров"),
        (101, "101 просмотр"),
        (111, "111 просмотров"),
    ] {
        let text: String = db
            .scalar(
                "SELECT ru_plural($1, 'просмотр', 'просмотра', 'просмотров')",
                &[&(count as i64)],
            )
            .await;
        assert_eq!(text, expected);
    }
    for (count, day, lead, booking) in [
        (1, "1 день", "1 лид", "1 бронь"),
        (3, "3 дня", "3 лида", "3 брони"),
        (21, "21 день", "21 лид", "21 бронь"),
        (25, "25 дней", "25 лидов", "25 броней"),
    ] {
        let row = client
            .query_one(
                "SELECT ru_plural($1, 'день', 'дня', 'дней'), ru_plural($1, 'лид', 'лида', 'лидов'),
                        ru_plural($1, 'бронь', 'брони', 'броней')",
                &[&(count as i64)],
            )
            .await
            .unwrap();
        assert_eq!(
            (
                row.get::<_, String>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2)
            ),
            (day.into(), lead.into(), booking.into())
        );
    }
    for (old, new, expected) in [
        ("100", "102", "+2 %"),
        ("100", "97", "−3 %"),
        ("100", "101.5", "+1,5 %"),
        ("10300000", "10000000", "−2,9 %"),
    ] {
        let text: String = db
            .scalar(
                "SELECT format_percent_change($1, $2)",
                &[&rub(old), &rub(new)],
            )
            .await;
        assert_eq!(text, expected);
    }
    let text: String = db
        .scalar(
            "SELECT pricing_explanation('raise', 100, 102, 34, 2, 1, 20, 14, 0.07, 1::smallint, 1)",
            &[],
        )
        .await;
    assert_eq!(
        text,
        "Цена изменилась +2 % из-за высокого спроса (34 просмотра, 2 лида, 1 бронь за 24 ч)"
    );
    let text: String = db
        .scalar(
            "SELECT pricing_explanation('lower', 100, 97, 2, 0, 0, 21, 14, 0.07, 1::smallint, -1)",
            &[],
        )
        .await;
    assert_eq!(
        text,
        "Цена изменилась −3 % из-за низкого спроса (2 просмотра за 24 ч, 21 день на сайте)"
    );
}

//! Catalog rows written straight into the test database, for tests that exercise SQL and pricing.

use rust_decimal::Decimal;
use tokio_postgres::GenericClient;

use super::TestApp;

pub async fn user(client: &impl GenericClient, email: &str) -> i64 {
    client
        .query_one(
            "INSERT INTO users (email, password_hash, display_name) VALUES ($1, 'not-a-login', 'Тест') RETURNING id",
            &[&email],
        )
        .await
        .unwrap()
        .get(0)
}

pub async fn developer(client: &impl GenericClient, inn: &str, ogrn: &str) -> i64 {
    client
        .query_one(
            "INSERT INTO developers (name, legal_name, inn, ogrn, verified, moderation_status)
             VALUES ('ГК Тест', 'ООО «Тест»', $1, $2, true, 'published') RETURNING id",
            &[&inn, &ogrn],
        )
        .await
        .unwrap()
        .get(0)
}

/// A published project with one 25-floor building; returns (project_id, building_id).
pub async fn project(client: &impl GenericClient, developer_id: i64, name: &str) -> (i64, i64) {
    let project_id: i64 = client
        .query_one(
            "INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date,
                                   moderation_status, published_at)
             VALUES ($1, $2, 'Москва', 'RU-MOW', 'ул. Тестовая, 1',
                     ST_SetSRID(ST_MakePoint(37.62, 55.75), 4326)::geography, 'comfort', '2027-12-31',
                     'published', now() - interval '90 days')
             RETURNING id",
            &[&developer_id, &name],
        )
        .await
        .unwrap()
        .get(0);
    let building_id: i64 = client
        .query_one(
            "INSERT INTO buildings (project_id, name, floors) VALUES ($1, 'Корпус 1', 25) RETURNING id",
            &[&project_id],
        )
        .await
        .unwrap()
        .get(0);
    (project_id, building_id)
}

#[derive(Debug, Clone)]
pub struct ApartmentSpec {
    pub rooms: i16,
    pub base_price: Decimal,
    pub current_price: Decimal,
    /// Whole days on site; published this many days plus one hour ago.
    pub days_on_site: i32,
    pub status: &'static str,
}

impl Default for ApartmentSpec {
    fn default() -> Self {
        Self {
            rooms: 1,
            base_price: Decimal::new(10_000_000, 0),
            current_price: Decimal::new(10_000_000, 0),
            days_on_site: 30,
            status: "available",
        }
    }
}

pub async fn apartment(client: &impl GenericClient, building_id: i64, spec: &ApartmentSpec) -> i64 {
    client
        .query_one(
            "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price, status,
                                     moderation_status, published_at)
             VALUES ($1, 'A-' || gen_random_uuid(), 5, $2, 42.5, $3, $4, $5::text::apartment_status, 'published',
                     now() - make_interval(days => $6) - interval '1 hour')
             RETURNING id",
            &[
                &building_id,
                &spec.rooms,
                &spec.base_price,
                &spec.current_price,
                &spec.status,
                &spec.days_on_site,
            ],
        )
        .await
        .unwrap()
        .get(0)
}

/// `count` views of the apartment an hour ago.
pub async fn views(client: &impl GenericClient, apartment_id: i64, count: i32) {
    client
        .execute(
            "INSERT INTO views_log (apartment_id, event, occurred_at)
             SELECT $1, 'view', now() - interval '1 hour' FROM generate_series(1, $2)",
            &[&apartment_id, &count],
        )
        .await
        .unwrap();
}

pub async fn booking(
    client: &impl GenericClient,
    apartment_id: i64,
    user_id: i64,
    status: &str,
    ago: &str,
) {
    client
        .execute(
            "INSERT INTO bookings (apartment_id, user_id, status, price, list_price, booked_at, expires_at)
             SELECT $1, $2, $3::text::booking_status, 1000000, 1000000, now() - $4::text::interval,
                    now() - $4::text::interval + interval '48 hours'",
            &[&apartment_id, &user_id, &status, &ago],
        )
        .await
        .unwrap();
}

pub async fn manual_price_change(client: &impl GenericClient, apartment_id: i64, ago: &str) {
    client
        .execute(
            "INSERT INTO price_history (apartment_id, changed_at, old_price, new_price, reason)
             SELECT id, now() - $2::text::interval, current_price + 1, current_price, 'manual'
             FROM apartments WHERE id = $1",
            &[&apartment_id, &ago],
        )
        .await
        .unwrap();
}

pub async fn current_price(client: &impl GenericClient, apartment_id: i64) -> Decimal {
    client
        .query_one(
            "SELECT current_price FROM apartments WHERE id = $1",
            &[&apartment_id],
        )
        .await
        .unwrap()
        .get(0)
}

pub fn rub(amount: &str) -> Decimal {
    amount.parse().unwrap()
}

/// Rows of a minimal catalog made directly in SQL: one project, building and apartment.
#[derive(Debug, Clone, Copy)]
pub struct CatalogRows {
    pub project_id: i64,
    pub building_id: i64,
    pub apartment_id: i64,
}

impl TestApp {
    /// One project, building and apartment of `developer_id`, inserted directly and left unpublished.
    pub async fn insert_catalog(&self, developer_id: i64) -> CatalogRows {
        let project_id: i64 = self
            .db
            .scalar(
                "INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date)
                 VALUES ($1, 'ЖК Тестовый', 'Москва', 'RU-MOW', 'ул. Тестовая, 1',
                         ST_SetSRID(ST_MakePoint(37.62, 55.75), 4326)::geography, 'comfort', '2027-12-31')
                 RETURNING id",
                &[&developer_id],
            )
            .await;
        let building_id: i64 = self
            .db
            .scalar(
                "INSERT INTO buildings (project_id, name, floors) VALUES ($1, 'Корпус 1', 17) RETURNING id",
                &[&project_id],
            )
            .await;
        let apartment_id: i64 = self
            .db
            .scalar(
                "INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price)
                 VALUES ($1, 'A-' || floor(random() * 1e9)::bigint::text, 5, 2, 54.3, 9300000, 9300000)
                 RETURNING id",
                &[&building_id],
            )
            .await;
        CatalogRows {
            project_id,
            building_id,
            apartment_id,
        }
    }

    /// Publishes the apartments of a catalog made by [`TestApp::insert_catalog`].
    pub async fn publish_catalog(&self, rows: &CatalogRows) {
        self.db
            .execute(
                "UPDATE projects SET moderation_status = 'published', published_at = now() - interval '30 days'
                 WHERE id = $1",
                &[&rows.project_id],
            )
            .await;
        self.db
            .execute(
                "UPDATE apartments SET moderation_status = 'published', published_at = now() - interval '30 days'
                 WHERE building_id = $1",
                &[&rows.building_id],
            )
            .await;
    }
}

//! A small public catalog written straight in SQL, with hand-computable answers for search, project and map tests.

use std::collections::HashMap;

use super::TestDb;

/// Ids of the seeded rows by name: developers `D1` (published) and `D2` (draft); projects `P1` (Москва,
/// comfort, 2026-12-31), `P2` (Санкт-Петербург, business, 2027-06-30), `P3` (Москва, draft), `P4` (of D2),
/// `P5` (Москва, econom, 2028-03-31); their buildings `B1`…`B5` (25 floors); apartments:
///
/// | name | project | rooms | area | price | floor | status | moderation |
/// |---|---|---|---|---|---|---|---|
/// | a1 | P1 | 1 | 40 | 8 000 000 | 3 | available | published |
/// | a2 | P1 | 2 | 60 | 12 000 000 | 10 | available | published |
/// | a3 | P1 | 2 | 55 | 9 900 000 | 5 | available | published |
/// | a4 | P1 | 3 | 80 | 20 000 000 | 20 | sold | published |
/// | a5 | P1 | 1 | 38 | 7 000 000 | 2 | available | draft |
/// | b1 | P2 | 0 | 25 | 5 000 000 | 4 | available | published |
/// | b2 | P2 | 2 | 58 | 11 600 000 | 8 | available | published |
/// | c1 | P3 | 1 | 40 | 6 000 000 | 3 | available | published |
/// | d1 | P4 | 1 | 40 | 6 500 000 | 3 | available | published |
/// | e1 | P5 | 2 | 50 | 10 000 000 | 7 | available | published |
pub struct Catalog {
    pub ids: HashMap<String, i64>,
}

impl Catalog {
    pub fn id(&self, name: &str) -> i64 {
        self.ids[name]
    }
}

const SEED: &str = "
WITH d AS (
    INSERT INTO developers (name, legal_name, inn, ogrn, verified, moderation_status)
    VALUES ('Девелопер Один', 'ООО «Один»', '7707083893', '1027700132195', true, 'published'),
           ('Девелопер Два', 'ООО «Два»', '500100732259', '304500116000157', false, 'draft')
    RETURNING id, name
), p AS (
    INSERT INTO projects (developer_id, name, city, region_code, address, geo, class, commissioning_date,
                          moderation_status, published_at)
    SELECT d.id, v.name, v.city, v.region, 'ул. Тестовая, 1',
           ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)::geography, v.class::project_class, v.commissioning::date,
           v.moderation::moderation_status, CASE WHEN v.moderation = 'published' THEN now() - interval '10 days' END
      FROM (VALUES ('P1', 'Девелопер Один', 'Москва', 'RU-MOW', 37.62, 55.75, 'comfort', '2026-12-31', 'published'),
                   ('P2', 'Девелопер Один', 'Санкт-Петербург', 'RU-SPE', 30.31, 59.94, 'business', '2027-06-30', 'published'),
                   ('P3', 'Девелопер Один', 'Москва', 'RU-MOW', 37.70, 55.70, 'premium', '2027-01-31', 'draft'),
                   ('P4', 'Девелопер Два', 'Москва', 'RU-MOW', 37.55, 55.72, 'comfort', '2027-01-31', 'published'),
                   ('P5', 'Девелопер Один', 'Москва', 'RU-MOW', 37.50, 55.80, 'econom', '2028-03-31', 'published'))
           AS v(name, developer, city, region, lon, lat, class, commissioning, moderation)
      JOIN d ON d.name = v.developer
    RETURNING id, name
), b AS (
    INSERT INTO buildings (project_id, name, floors)
    SELECT id, 'B' || substr(name, 2), 25 FROM p
    RETURNING id, project_id, name
)
SELECT name, id FROM d UNION ALL SELECT name, id FROM p UNION ALL SELECT name, id FROM b";

const APARTMENTS: &str = "
INSERT INTO apartments (building_id, code, floor, rooms, area_total, base_price, current_price, status,
                        moderation_status, published_at)
SELECT b.id, v.code, v.floor, v.rooms, v.area, v.price, v.price, v.status::apartment_status,
       v.moderation::moderation_status, CASE WHEN v.moderation = 'published' THEN now() - interval '5 days' END
  FROM (VALUES ('a1', 'B1', 1, 40.00, 8000000, 3, 'available', 'published'),
               ('a2', 'B1', 2, 60.00, 12000000, 10, 'available', 'published'),
               ('a3', 'B1', 2, 55.00, 9900000, 5, 'available', 'published'),
               ('a4', 'B1', 3, 80.00, 20000000, 20, 'sold', 'published'),
               ('a5', 'B1', 1, 38.00, 7000000, 2, 'available', 'draft'),
               ('b1', 'B2', 0, 25.00, 5000000, 4, 'available', 'published'),
               ('b2', 'B2', 2, 58.00, 11600000, 8, 'available', 'published'),
               ('c1', 'B3', 1, 40.00, 6000000, 3, 'available', 'published'),
               ('d1', 'B4', 1, 40.00, 6500000, 3, 'available', 'published'),
               ('e1', 'B5', 2, 50.00, 10000000, 7, 'available', 'published'))
       AS v(code, building, rooms, area, price, floor, status, moderation)
  JOIN buildings b ON b.id = ($1::jsonb ->> v.building)::bigint
 ORDER BY v.code
RETURNING code, id";

pub async fn seed(db: &TestDb) -> Catalog {
    let client = db.client().await;
    let mut ids: HashMap<String, i64> = client
        .query(SEED, &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1)))
        .collect();
    ids.insert("D1".into(), ids["Девелопер Один"]);
    ids.insert("D2".into(), ids["Девелопер Два"]);
    let buildings = serde_json::json!({
        "B1": ids["B1"], "B2": ids["B2"], "B3": ids["B3"], "B4": ids["B4"], "B5": ids["B5"],
    });
    for row in client.query(APARTMENTS, &[&buildings]).await.unwrap() {
        ids.insert(row.get(0), row.get(1));
    }
    Catalog { ids }
}

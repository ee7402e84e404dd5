//! `GET /map/projects`: projects on the map of Russia as a GeoJSON FeatureCollection (RFC 7946), clustered
//! server-side by PostGIS at low zoom, never more than [`MAX_FEATURES`] features.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::catalog::filters::catalog_query;
use crate::catalog::{CatalogCache, ProjectClass, SqlParams};
use crate::config::CatalogSettings;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Query;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(map_projects))
}

/// The most features one answer holds.
pub const MAX_FEATURES: usize = 500;
/// From this zoom on, every project is its own feature (unless the window holds more than MAX_FEATURES).
pub const PROJECTS_FROM_ZOOM: u8 = 12;
const MAX_ZOOM: u8 = 22;

catalog_query! {
    /// Окно карты, масштаб и фильтры каталога.
    pub struct MapQuery {
        /// Окно карты: `min_lon,min_lat,max_lon,max_lat` в градусах WGS 84 (как `getBounds().toArray().flat()`
        /// в MapLibre); окно через антимеридиан не принимается — разбейте его на два запроса
        #[param(example = "37.3,55.5,37.9,55.9")]
        pub bbox: String,
        /// Масштаб карты 0–22: до 12 ЖК объединяются в кластеры сеткой, начиная с 12 — по объекту на ЖК
        #[param(example = 10, minimum = 0, maximum = 22)]
        pub zoom: u8,
    }
}

/// Тип геометрии GeoJSON.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = "Point")]
pub enum PointType {
    /// Точка
    Point,
}

/// Геометрия GeoJSON: точка, координаты `[долгота, широта]` (RFC 7946).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"type": "Point", "coordinates": [37.62, 55.75]}))]
pub struct PointGeometry {
    /// Всегда `Point`
    #[serde(rename = "type")]
    pub geometry_type: PointType,
    /// `[долгота, широта]`, градусы WGS 84
    #[schema(example = json!([37.62, 55.75]))]
    pub coordinates: [f64; 2],
}

/// Вид объекта карты «ЖК».
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "project")]
pub enum ProjectKind {
    /// Один ЖК
    Project,
}

/// Вид объекта карты «кластер».
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "cluster")]
pub enum ClusterKind {
    /// Несколько ЖК одной ячейки
    Cluster,
}

/// Свойства ЖК на карте.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectProperties {
    /// Всегда `project`
    pub kind: ProjectKind,
    /// Сколько ЖК в объекте: у ЖК всегда 1
    #[schema(example = 1, minimum = 1, maximum = 1)]
    pub projects: i64,
    /// Минимальная цена под фильтрами, как все суммы — десятичной строкой; в выражениях стилей MapLibre —
    /// `["to-number", ["get", "min_price"]]`. Без фильтров квартир (цена, площадь, этаж…) — из поминутной сводки,
    /// может отставать до минуты
    #[schema(value_type = crate::openapi::Money)]
    pub min_price: Decimal,
    /// Минимальная итоговая цена с учётом акций тех же квартир (из копии для поиска, может отставать до минуты),
    /// десятичной строкой
    #[schema(value_type = crate::openapi::Money)]
    pub min_final_price: Decimal,
    /// ЖК
    #[schema(example = 12)]
    pub project_id: i64,
    /// Название ЖК
    #[schema(example = "ЖК «Северный парк»")]
    pub name: String,
    /// Класс жилья
    pub class: ProjectClass,
}

/// Свойства кластера на карте.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterProperties {
    /// Всегда `cluster`
    pub kind: ClusterKind,
    /// Сколько ЖК в кластере
    #[schema(example = 14, minimum = 2)]
    pub projects: i64,
    /// Минимальная цена под фильтрами по ЖК кластера, десятичной строкой, как все суммы
    #[schema(value_type = crate::openapi::Money)]
    pub min_price: Decimal,
    /// Минимальная итоговая цена с учётом акций по ЖК кластера, десятичной строкой
    #[schema(value_type = crate::openapi::Money)]
    pub min_final_price: Decimal,
}

/// Свойства объекта карты: ЖК или кластер, различаются полем `kind`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "kind", mapping(
    ("project" = "#/components/schemas/ProjectProperties"),
    ("cluster" = "#/components/schemas/ClusterProperties"),
)))]
pub enum MapProperties {
    Project(ProjectProperties),
    Cluster(ClusterProperties),
}

/// Тип объекта GeoJSON.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = "Feature")]
pub enum FeatureType {
    /// Объект
    Feature,
}

/// Объект GeoJSON: ЖК или кластер ЖК.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature {
    /// Всегда `Feature`
    #[serde(rename = "type")]
    pub feature_type: FeatureType,
    /// Идентификатор: `project-12` или `cluster-3` (номер кластера в этом ответе)
    #[schema(example = "project-12")]
    pub id: String,
    /// Точка
    pub geometry: PointGeometry,
    /// Свойства ЖК или кластера
    pub properties: MapProperties,
}

/// Тип коллекции GeoJSON.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = "FeatureCollection")]
pub enum FeatureCollectionType {
    /// Коллекция объектов
    FeatureCollection,
}

/// Коллекция GeoJSON (RFC 7946), пригодная как источник `geojson` в MapLibre или `ObjectManager` в Яндекс Картах.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Всегда `FeatureCollection`
    #[serde(rename = "type")]
    pub collection_type: FeatureCollectionType,
    /// Окно запроса `[min_lon, min_lat, max_lon, max_lat]`
    #[schema(example = json!([37.3, 55.5, 37.9, 55.9]))]
    pub bbox: [f64; 4],
    /// Объекты: не больше 500
    #[schema(max_items = 500)]
    pub features: Vec<Feature>,
}

fn parse_bbox(raw: &str) -> AppResult<[f64; 4]> {
    let invalid = |message: &str| AppError::field("bbox", message.to_owned());
    let values: Vec<f64> = raw
        .split(',')
        .map(|part| part.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid("ожидаются четыре числа: min_lon,min_lat,max_lon,max_lat"))?;
    let [min_lon, min_lat, max_lon, max_lat] = values[..] else {
        return Err(invalid(
            "ожидаются четыре числа: min_lon,min_lat,max_lon,max_lat",
        ));
    };
    if !values.iter().all(|value| value.is_finite())
        || !(-180.0..=180.0).contains(&min_lon)
        || !(-180.0..=180.0).contains(&max_lon)
        || !(-90.0..=90.0).contains(&min_lat)
        || !(-90.0..=90.0).contains(&max_lat)
    {
        return Err(invalid("долгота от -180 до 180, широта от -90 до 90"));
    }
    if min_lon >= max_lon || min_lat >= max_lat {
        return Err(invalid(
            "минимум должен быть меньше максимума; окно через антимеридиан разбейте на два",
        ));
    }
    Ok([min_lon, min_lat, max_lon, max_lat])
}

/// Grid cell in degrees: ~1/4 of a 256-pixel tile at this zoom, but never so small that the window holds
/// more than MAX_FEATURES cells.
fn cell_size(zoom: u8, bbox: [f64; 4]) -> f64 {
    let per_side = ((MAX_FEATURES as f64).sqrt().floor() - 1.0).max(1.0);
    let tile_quarter = 90.0 / f64::from(1u32 << zoom);
    tile_quarter
        .max((bbox[2] - bbox[0]) / per_side)
        .max((bbox[3] - bbox[1]) / per_side)
}

/// The description of `GET /map/projects`, with the zoom, the feature limit and the summary age of the code.
fn map_description() -> String {
    let summary_max_age = CatalogSettings::default().map_summary_max_age.as_secs();
    format!(
        "Объекты карты в окне `bbox` с фильтрами каталога, в формате GeoJSON `FeatureCollection` (RFC 7946, \
         координаты `[долгота, широта]`), тип ответа `application/geo+json`. При `zoom` меньше \
         {PROJECTS_FROM_ZOOM} ЖК объединяются в кластеры сеткой PostGIS (`ST_SnapToGrid`): у кластера \
         (`kind: cluster`) число ЖК, минимальная цена и центр масс его ЖК; ячейка с одним ЖК отдаётся как ЖК. \
         С `zoom` {PROJECTS_FROM_ZOOM} — объект на каждый ЖК (`kind: project`: минимальная цена и класс). В ответе \
         не больше {MAX_FEATURES} объектов: если ЖК в окне больше, они кластеризуются при любом `zoom`. \
         Показываются только опубликованные ЖК, где есть квартиры под фильтрами.\n\n\
         Свежесть: если заданы только фильтры ЖК (регион, город, застройщик, ЖК, класс, сроки сдачи, акции) и \
         комнатность, минимальные цены и состав ЖК берутся из сводки «ЖК × комнатность», которую цикл \
         ценообразования обновляет раз в минуту: цена и наличие квартир могут отставать до минуты (сводка \
         используется, пока она не старше `MAP_SUMMARY_MAX_AGE_SECONDS`, по умолчанию {summary_max_age} с; \
         старше — точный подсчёт). Публикация ЖК и застройщика проверяется всегда на момент запроса: снятый с \
         публикации ЖК на карте не показывается. Ответ по сводке сервис может повторить из памяти, но только пока \
         не изменились ни сводка, ни ЖК, ни застройщики — то есть он совпадает с тем, что дал бы расчёт в базе. С \
         фильтрами квартир (цена, площадь, этаж, корпус, цена за м², статус) ответ точный на момент запроса."
    )
}

/// ЖК на карте
#[utoipa::path(get, path = "/map/projects", tag = "catalog", security((), ("bearer" = [])),
    description = map_description(),
    params(MapQuery),
    responses(
        (status = 200, description = "Объекты карты", body = FeatureCollection, content_type = "application/geo+json"),
        (status = 422, description = "Некорректное окно, масштаб или фильтр", body = Problem, content_type = "application/problem+json"),
    ))]
async fn map_projects(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogCache>,
    Query(query): Query<MapQuery>,
) -> AppResult<Response> {
    let filters = query.catalog_filters()?;
    let bbox = parse_bbox(&query.bbox)?;
    if query.zoom > MAX_ZOOM {
        return Err(AppError::field("zoom", "масштаб от 0 до 22"));
    }
    let client = state.pool.get().await?;
    let cell = cell_size(query.zoom, bbox);
    let max_age = catalog.settings().map_summary_max_age;
    // The summary path, and the fingerprint of the data its answer is built from.
    let fingerprint: Option<String> = if filters.on_sale_by_rooms_only() && !max_age.is_zero() {
        let row = client
            .query_one(
                "SELECT coalesce(cluster_demand_refreshed_at() > now() - make_interval(secs => $1), false) AS fresh,
                        map_summary_fingerprint() AS fingerprint",
                &[&max_age.as_secs_f64()],
            )
            .await?;
        row.get::<_, bool>("fresh").then(|| row.get("fingerprint"))
    } else {
        None
    };
    let summary = fingerprint.is_some();
    // Promotions depend on the clock, not only on the fingerprinted tables: such answers are not reused.
    let answer_key = (summary && !filters.with_promotion)
        .then(|| format!("{bbox:?}|{}|{}", query.zoom, filters.cache_key()));
    if let (Some(key), Some(fingerprint)) = (&answer_key, &fingerprint) {
        if let Some(body) = catalog.map_answer(key, fingerprint) {
            return Ok(geo_json(body));
        }
    }
    let fetch = |cluster: bool| {
        let mut params = SqlParams::default();
        for value in bbox {
            params.push(value);
        }
        params.push(cell);
        params.push(cluster);
        // The cheapest final price (after promotions) of the same apartments on sale, from catalog_offers.
        let final_conditions = |params: &mut SqlParams| {
            let mut conditions = vec!["true".to_owned()];
            conditions.extend(filters.rooms_and_price_conditions(params, "o"));
            conditions.join(" AND ")
        };
        let mut offer_conditions = String::new();
        let (offers, conditions) = if summary {
            let mut conditions = vec!["cd.apartments_on_sale > 0".to_owned()];
            conditions.extend(filters.project_conditions(&mut params, "p", "p.id"));
            if !filters.rooms.is_empty() {
                conditions.push(format!(
                    "cd.rooms = ANY({}::smallint[])",
                    params.push(filters.rooms.clone())
                ));
            }
            offer_conditions = final_conditions(&mut params);
            (include_str!("map_offers_summary.sql"), conditions)
        } else if filters.on_sale_by_rooms_and_price() {
            let mut conditions = filters.project_conditions(&mut params, "p", "p.id");
            conditions.push("s.on_sale".to_owned());
            conditions.extend(filters.on_sale_conditions(&mut params));
            offer_conditions = final_conditions(&mut params);
            (include_str!("map_offers_on_sale.sql"), conditions)
        } else {
            let mut conditions = filters.project_conditions(&mut params, "c", "c.project_id");
            conditions.extend(filters.apartment_conditions(&mut params));
            (include_str!("map_offers.sql"), conditions)
        };
        let offers = offers
            .lines()
            .filter(|line| !line.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("{conditions}", &conditions.join("\n       AND "))
            .replace("{offer_conditions}", &offer_conditions);
        let sql = include_str!("map.sql").replace("{offers}", &offers);
        let client = &client;
        async move { client.query(sql.as_str(), &params.as_refs()).await }
    };
    let mut rows = fetch(query.zoom < PROJECTS_FROM_ZOOM).await?;
    if rows.len() > MAX_FEATURES {
        // More projects in the window than one answer may hold: cluster them whatever the zoom; the cell
        // size keeps the window at most (per_side + 1)² cells.
        rows = fetch(true).await?;
    }
    let features = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let min_price: Decimal = row.get("min_price");
            let min_final_price: Decimal = row.get("min_final_price");
            let (id, properties) = match row.get::<_, Option<i64>>("project_id") {
                Some(project_id) => (
                    format!("project-{project_id}"),
                    MapProperties::Project(ProjectProperties {
                        kind: ProjectKind::Project,
                        projects: row.get("projects"),
                        min_price,
                        min_final_price,
                        project_id,
                        name: row.get("name"),
                        class: ProjectClass::from_db(row.get("class"))?,
                    }),
                ),
                None => (
                    format!("cluster-{index}"),
                    MapProperties::Cluster(ClusterProperties {
                        kind: ClusterKind::Cluster,
                        projects: row.get("projects"),
                        min_price,
                        min_final_price,
                    }),
                ),
            };
            Ok(Feature {
                feature_type: FeatureType::Feature,
                id,
                geometry: PointGeometry {
                    geometry_type: PointType::Point,
                    coordinates: [row.get("lon"), row.get("lat")],
                },
                properties,
            })
        })
        .collect::<AppResult<_>>()?;
    let collection = FeatureCollection {
        collection_type: FeatureCollectionType::FeatureCollection,
        bbox,
        features,
    };
    let body = Bytes::from(
        serde_json::to_vec(&collection).map_err(|error| AppError::Internal(error.to_string()))?,
    );
    if let (Some(key), Some(fingerprint)) = (answer_key, fingerprint) {
        catalog.remember_map_answer(key, fingerprint, body.clone());
    }
    Ok(geo_json(body))
}

fn geo_json(body: Bytes) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    response
}

//! The requests of `nedvizhimost-bench api`: typical public searches, project cards and map windows.

pub struct Scenario {
    pub name: &'static str,
    pub paths: Vec<String>,
    /// Refresh `cluster_demand` (what the pricing cycle does every minute) before the scenario.
    pub refresh_summary: bool,
}

/// Warm-up: every path of a scenario once (at most this many), so the first plans, pages and totals do not
/// count; the scenarios with a new filter set or window per request warm up only their first paths.
pub const WARM_UP_PATHS: usize = 200;

pub fn scenarios(projects: i64) -> Vec<Scenario> {
    let cities = [
        "RU-MOW", "RU-SPE", "RU-NVS", "RU-SVE", "RU-TA", "RU-KDA", "RU-SAM", "RU-PER",
    ];
    let rooms = ["1,2", "0,1", "2,3", "1"];
    let brackets = [
        (6_000_000, 9_000_000),
        (8_000_000, 11_000_000),
        (9_000_000, 12_000_000),
        (10_000_000, 15_000_000),
        (12_000_000, 18_000_000),
        (15_000_000, 25_000_000),
    ];
    // 8 regions × 6 price brackets × 4 room sets = 192 filter sets, interleaved so that neighbours differ.
    let mut search = Vec::new();
    for (min, max) in brackets {
        for room_set in rooms {
            for region in cities {
                search.push(format!(
                    "/apartments?region={region}&rooms={room_set}&price_min={min}&price_max={max}&sort=price&limit=20"
                ));
            }
        }
    }
    // Every request with its own price bounds: every total is counted (a cache miss), Moscow every 8th.
    let search_uncached = (0..40_000)
        .map(|index: usize| {
            let region = cities[index % cities.len()];
            let room_set = rooms[(index / cities.len()) % rooms.len()];
            let min = 9_000_000 + index;
            format!(
                "/apartments?region={region}&rooms={room_set}&price_min={min}&price_max=12000000&sort=price&limit=20"
            )
        })
        .collect();
    let project_search = (0..50)
        .map(|index| {
            format!(
                "/apartments?project_id={}&rooms=1,2&sort=price&limit=20",
                1 + (index * 7919) % projects
            )
        })
        .collect();
    let cards = (0..200)
        .map(|index| format!("/projects/{}", 1 + (index * 7919) % projects))
        .collect();
    let map_city = vec![
        "/map/projects?bbox=37.2,55.5,38.0,56.0&zoom=10".to_owned(),
        "/map/projects?bbox=30.0,59.8,30.6,60.1&zoom=10".to_owned(),
        "/map/projects?bbox=49.0,55.7,49.3,55.9&zoom=11".to_owned(),
    ];
    let map_country = vec!["/map/projects?bbox=19.6,41.1,180,82&zoom=3".to_owned()];
    // The same window shifted by a hair each time: the summary is read, the memory of answers never helps.
    let map_country_moving = (0..40_000)
        .map(|index| {
            format!(
                "/map/projects?bbox={:.5},41.1,180,82&zoom=3",
                19.6 + index as f64 * 0.00001
            )
        })
        .collect();
    // Issue 16: the region search by final price (promotions applied), and only apartments with a promotion.
    let mut search_final = Vec::new();
    for (min, max) in brackets {
        for room_set in rooms {
            for region in cities {
                search_final.push(format!(
                    "/apartments?region={region}&rooms={room_set}&final_price_min={min}&final_price_max={max}&sort=final_price&limit=20"
                ));
            }
        }
    }
    let search_promoted = cities
        .iter()
        .flat_map(|region| {
            rooms.iter().map(move |room_set| {
                format!("/apartments?region={region}&rooms={room_set}&with_promotion=true&sort=final_price&limit=20")
            })
        })
        .collect();
    let map_country_priced =
        vec!["/map/projects?bbox=19.6,41.1,180,82&zoom=3&price_max=12000000".to_owned()];
    vec![
        Scenario {
            name: "поиск: регион + комнатность + цена, сортировка по цене (192 набора фильтров: 8 регионов вкл. Москву × 6 диапазонов цены × 4 набора комнатности)",
            paths: search,
            refresh_summary: false,
        },
        Scenario {
            name: "поиск: то же, у каждого запроса свои границы цены (total каждый раз считается)",
            paths: search_uncached,
            refresh_summary: false,
        },
        Scenario {
            name: "поиск внутри ЖК: комнатность, сортировка по цене",
            paths: project_search,
            refresh_summary: false,
        },
        Scenario {
            name: "карточка ЖК",
            paths: cards,
            refresh_summary: false,
        },
        Scenario {
            name: "карта города (zoom 10–11)",
            paths: map_city,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России (zoom 3, весь каталог в окне)",
            paths: map_country,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России, у каждого запроса своё окно (сводка без памяти ответов)",
            paths: map_country_moving,
            refresh_summary: true,
        },
        Scenario {
            name: "карта России с фильтром цены (точный путь, без сводки)",
            paths: map_country_priced,
            refresh_summary: true,
        },
        Scenario {
            name: "поиск: регион + комнатность + итоговая цена (с акциями), сортировка по итоговой цене (192 набора)",
            paths: search_final,
            refresh_summary: false,
        },
        Scenario {
            name: "поиск: регион + комнатность, только с акцией, сортировка по итоговой цене",
            paths: search_promoted,
            refresh_summary: false,
        },
    ]
}

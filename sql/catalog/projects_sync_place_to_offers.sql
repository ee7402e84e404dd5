CREATE OR REPLACE FUNCTION projects_sync_place_to_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_offers c
       SET region_code = n.region_code, city_key = lower(n.city)
      FROM new_projects n
      JOIN old_projects o ON o.id = n.id
     WHERE (o.region_code, lower(o.city)) IS DISTINCT FROM (n.region_code, lower(n.city))
       AND c.project_id = n.id;
    UPDATE apartment_popularity o
       SET city_key = lower(n.city)
      FROM new_projects n
      JOIN old_projects prior ON prior.id = n.id
      JOIN apartments a ON a.project_id = n.id
     WHERE lower(prior.city) IS DISTINCT FROM lower(n.city)
       AND o.apartment_id = a.id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION projects_sync_place_to_offers() IS
    'Переносит новый регион и город ЖК в catalog_offers (region_code, city_key) и город — в apartment_popularity его '
    'квартир; по оператору на таблицу на UPDATE projects';

CREATE OR REPLACE TRIGGER projects_sync_place_to_offers AFTER UPDATE ON projects
    REFERENCING OLD TABLE AS old_projects NEW TABLE AS new_projects
    FOR EACH STATEMENT EXECUTE FUNCTION projects_sync_place_to_offers();
COMMENT ON TRIGGER projects_sync_place_to_offers ON projects IS
    'ЖК сменил регион или город: catalog_offers (и apartment_popularity — город) его квартир получает их одним оператором';

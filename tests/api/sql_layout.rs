//! The layout of the schema: every function, trigger and view has one file in `sql/`, applying `sql/` again
//! changes nothing, plpgsql_check finds no errors, and the committed `schema.sql` matches a fresh database.
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};

use crate::helpers::{admin_config, TestDb};
use nedvizhimost::db::{self, SQL_FILES};
use regex::Regex;

/// Every object the `sql/` files define, as `kind name` (triggers as `trigger name on table`), with its file.
fn objects_defined_in_sql_files() -> BTreeMap<String, Vec<&'static str>> {
    let definition = Regex::new(
        r"(?im)^CREATE (?:OR REPLACE )?(FUNCTION|PROCEDURE|TRIGGER|VIEW|MATERIALIZED VIEW) (\w+)(?:[^;]*?\bON (\w+))?",
    )
    .unwrap();
    let mut objects: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for file in SQL_FILES {
        for captures in definition.captures_iter(file.text) {
            let kind = captures[1].to_lowercase();
            let name = &captures[2];
            let object = match kind.as_str() {
                "trigger" => format!("trigger {name} on {}", &captures[3]),
                "materialized view" => format!("view {name}"),
                "procedure" => format!("function {name}"),
                _ => format!("{kind} {name}"),
            };
            objects.entry(object).or_default().push(file.path);
        }
    }
    objects
}

async fn objects_in_database(db: &TestDb) -> BTreeSet<String> {
    let client = db.client().await;
    let rows = client
        .query(
            "SELECT 'function ' || p.proname
               FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
             UNION
             SELECT 'trigger ' || t.tgname || ' on ' || c.relname
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
             UNION
             SELECT 'view ' || c.relname
               FROM pg_class c
              WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|row| row.get(0)).collect()
}

#[tokio::test]
async fn every_function_trigger_and_view_has_exactly_one_file() {
    let db = TestDb::new().await;
    let in_files = objects_defined_in_sql_files();
    let in_database = objects_in_database(&db).await;

    let without_file: Vec<_> = in_database
        .iter()
        .filter(|object| !in_files.contains_key(*object))
        .collect();
    assert!(
        without_file.is_empty(),
        "objects without a file in sql/: {without_file:?}"
    );
    let missing_from_database: Vec<_> = in_files
        .keys()
        .filter(|object| !in_database.contains(*object))
        .collect();
    assert!(
        missing_from_database.is_empty(),
        "defined in sql/ but absent from a migrated database: {missing_from_database:?}"
    );
    let in_several_files: Vec<_> = in_files
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .collect();
    assert!(
        in_several_files.is_empty(),
        "objects defined more than once: {in_several_files:?}"
    );
}

#[tokio::test]
async fn every_file_in_sql_is_in_the_manifest() {
    let sql_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let mut on_disk = BTreeSet::new();
    for area in std::fs::read_dir(&sql_dir).unwrap() {
        let area = area.unwrap().path();
        if area.is_dir() {
            for file in std::fs::read_dir(&area).unwrap() {
                let file = file.unwrap().path();
                on_disk.insert(
                    file.strip_prefix(&sql_dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let in_manifest: BTreeSet<String> = SQL_FILES.iter().map(|file| file.path.to_owned()).collect();
    assert_eq!(
        on_disk, in_manifest,
        "sql/manifest.txt must list every file of sql/<area>/"
    );
}

#[tokio::test]
async fn applying_sql_files_again_changes_nothing() {
    let db = TestDb::new().await;
    let before = schema_dump(&db.name);

    let applied = db::migrate(&db.config).await.unwrap();
    assert!(applied.is_empty(), "a second migrate applied {applied:?}");

    let client = db.client().await;
    for file in SQL_FILES {
        client
            .batch_execute(file.text)
            .await
            .unwrap_or_else(|error| panic!("sql/{}: {error}", file.path));
    }
    assert_eq!(before, schema_dump(&db.name));
}

#[tokio::test]
async fn a_changed_sql_file_is_applied_again_and_recorded() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client
        .execute(
            "UPDATE sql_files_applied SET checksum = repeat('0', 64) WHERE path = 'pricing/explanation.sql'",
            &[],
        )
        .await
        .unwrap();
    let applied = db::migrate(&db.config).await.unwrap();
    assert_eq!(applied, vec!["sql/pricing/explanation.sql".to_owned()]);
    let recorded: String = client
        .query_one(
            "SELECT checksum FROM sql_files_applied WHERE path = 'pricing/explanation.sql'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let file = SQL_FILES
        .iter()
        .find(|file| file.path == "pricing/explanation.sql")
        .unwrap();
    assert_eq!(recorded, file.checksum());
}

#[tokio::test]
async fn a_database_made_by_the_old_migrations_is_refused_with_one_russian_line() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client
        .execute(
            "UPDATE refinery_schema_history SET name = 'core_schema' WHERE version = 1",
            &[],
        )
        .await
        .unwrap();
    let error = db::migrate(&db.config).await.unwrap_err().to_string();
    assert!(
        error.starts_with("база создана миграциями до свёртки"),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
async fn plpgsql_check_finds_no_errors_in_any_function() {
    let db = TestDb::new().await;
    let client = db.client().await;
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
        .await
        .expect("plpgsql_check is installed (Debian: postgresql-15-plpgsql-check)");
    let rows = client
        .query(
            "WITH checked AS (
                 SELECT p.oid, NULL::regclass AS relid, NULL::name AS oldtable, NULL::name AS newtable
                   FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                  WHERE l.lanname = 'plpgsql' AND p.pronamespace = 'public'::regnamespace
                    AND p.prorettype <> 'trigger'::regtype
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                     WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
                 UNION
                 SELECT t.tgfoid, t.tgrelid::regclass, t.tgoldtable, t.tgnewtable
                   FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                  WHERE NOT t.tgisinternal AND p.pronamespace = 'public'::regnamespace
             )
             SELECT c.oid::regprocedure::text || coalesce(' on ' || c.relid::text, '') || ': ' || r.message
                    || coalesce(' (' || r.query || ')', '') || coalesce(' line ' || r.lineno, '')
               FROM checked c
              CROSS JOIN LATERAL plpgsql_check_function_tb(
                  c.oid, coalesce(c.relid, 0), fatal_errors => false,
                  oldtable => c.oldtable, newtable => c.newtable) r
              WHERE r.level = 'error'",
            &[],
        )
        .await
        .unwrap();
    let errors: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert!(
        errors.is_empty(),
        "plpgsql_check errors:\n{}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn schema_sql_is_up_to_date() {
    let db = TestDb::new().await;
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.sql")).unwrap();
    let fresh = schema_dump(&db.name);
    if committed != fresh {
        let first_difference = committed
            .lines()
            .zip(fresh.lines())
            .position(|(committed, fresh)| committed != fresh)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "schema.sql is stale (first difference at line {}): run ./scripts/dump-schema.sh and commit it",
            first_difference + 1
        );
    }
}

/// `pg_dump --schema-only` of a test database, normalised by the same script that writes `schema.sql`.
fn schema_dump(database: &str) -> String {
    let admin = admin_config();
    let host = match admin.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "127.0.0.1".into(),
    };
    let port = admin.get_ports().first().copied().unwrap_or(5432);
    let user = admin.get_user().unwrap_or("postgres");
    let mut dump = Command::new("pg_dump")
        .args(["--schema-only", "--no-owner", "--no-privileges"])
        .args([
            "--host",
            &host,
            "--port",
            &port.to_string(),
            "--username",
            user,
        ])
        .arg(database)
        .stdout(Stdio::piped())
        .spawn()
        .expect("pg_dump is installed");
    let normalized = Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/normalize-schema-dump.sh"
    ))
    .stdin(dump.stdout.take().expect("pg_dump stdout"))
    .output()
    .expect("run scripts/normalize-schema-dump.sh");
    assert!(normalized.status.success());
    assert!(
        dump.wait().expect("wait for pg_dump").success(),
        "pg_dump failed"
    );
    String::from_utf8(normalized.stdout).unwrap()
}

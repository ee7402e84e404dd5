//! `nedvizhimost seed-demo`: demo developers, projects, apartments, media and a day of demand, from `demo.sql`.
//! Every demo buyer holds at most one apartment, so each can book right away under `BUYER_MAX_ACTIVE_BOOKINGS`.

use std::fmt;

use tokio_postgres::{Client, NoTls};

use crate::text::ru_plural;

const DEMO_SQL: &str = include_str!("demo.sql");

/// ИНН of the first demo developer: when it is in the database, the demo data already is.
pub const MARKER_INN: &str = "7714160813";

/// Password of every demo user: `moderator@demo.example`, `buyer1@demo.example` … `buyer8@demo.example`,
/// `owner@<developer site>` (e.g. `owner@stolichny-kvartal.example`).
pub const DEMO_PASSWORD: &str = "demo-password";

/// argon2id (default parameters) of [`DEMO_PASSWORD`] with a fixed salt, so the demo data is reproducible.
/// Demo data only: never reuse this hash or password for a real account.
const DEMO_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bmVkdml6aGltb3N0LWRlbW8tc2FsdA$1SAdl/+5Xrv4hDI2uwCH+zsIEOapz2dscKy8nEeeUwc";

/// Two concurrent `seed-demo` runs: the second waits, then finds the marker.
const SEED_LOCK_KEY: i64 = 0x6e65_6476_7365_6564;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCounts {
    pub users: i64,
    pub developers: i64,
    pub projects: i64,
    pub buildings: i64,
    pub apartments: i64,
    pub media: i64,
    pub interest_events: i64,
    pub leads: i64,
    pub bookings: i64,
    pub promotions: i64,
}

impl fmt::Display for TableCounts {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [
            ru_plural(self.users, "пользователь", "пользователя", "пользователей"),
            ru_plural(self.developers, "застройщик", "застройщика", "застройщиков"),
            ru_plural(self.projects, "ЖК", "ЖК", "ЖК"),
            ru_plural(self.buildings, "корпус", "корпуса", "корпусов"),
            ru_plural(self.apartments, "квартира", "квартиры", "квартир"),
            ru_plural(self.media, "медиафайл", "медиафайла", "медиафайлов"),
            ru_plural(
                self.interest_events,
                "событие интереса",
                "события интереса",
                "событий интереса",
            ),
            ru_plural(self.leads, "заявка", "заявки", "заявок"),
            ru_plural(self.bookings, "бронь", "брони", "броней"),
            ru_plural(self.promotions, "акция", "акции", "акций"),
        ];
        formatter.write_str(&counts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Inserted(TableCounts),
    AlreadyPresent(TableCounts),
}

impl fmt::Display for SeedOutcome {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedOutcome::Inserted(counts) => {
                write!(formatter, "Демо-данные добавлены. Теперь в базе: {counts}")
            }
            SeedOutcome::AlreadyPresent(counts) => {
                write!(
                    formatter,
                    "Демо-данные уже есть, ничего не добавлено. В базе: {counts}"
                )
            }
        }
    }
}

/// Connects with `config` and runs [`seed_demo`]; the schema must already be migrated.
pub async fn run(config: &tokio_postgres::Config) -> Result<SeedOutcome, tokio_postgres::Error> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let connection_task = tokio::spawn(connection);
    let outcome = seed_demo(&mut client).await;
    drop(client);
    let _ = connection_task.await;
    outcome
}

/// Inserts the demo data in one transaction unless it is already there, then rebuilds the demand aggregates
/// (`apartment_stats`, `cluster_demand`) so the next pricing pass has inputs, and applies the demo promotions to the
/// search copy.
pub async fn seed_demo(client: &mut Client) -> Result<SeedOutcome, tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&SEED_LOCK_KEY])
        .await?;
    let already_present: bool = transaction
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM developers WHERE inn = $1)",
            &[&MARKER_INN],
        )
        .await?
        .get(0);
    if already_present {
        transaction.commit().await?;
        return Ok(SeedOutcome::AlreadyPresent(count_rows(client).await?));
    }
    transaction
        .execute(
            "SELECT set_config('demo.password_hash', $1, true)",
            &[&DEMO_PASSWORD_HASH],
        )
        .await?;
    transaction.batch_execute(DEMO_SQL).await?;
    transaction.commit().await?;
    client
        .batch_execute(
            "SELECT rebuild_apartment_stats(); SELECT refresh_demand_aggregates(); SELECT sync_apartment_popularity();",
        )
        .await?;
    // Discounts in the search copy with the default limits; the promotions job of `serve` recomputes everything if
    // its limits differ.
    let limits = crate::config::PromotionSettings::default();
    client
        .execute(
            "SELECT * FROM refresh_promotion_discounts(now(), $1, $2, true)",
            &[
                &limits.max_total_discount_percent,
                &limits.floor_share_of_base_price_percent,
            ],
        )
        .await?;
    Ok(SeedOutcome::Inserted(count_rows(client).await?))
}

pub async fn count_rows(client: &Client) -> Result<TableCounts, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM developers), \
                    (SELECT count(*) FROM projects), (SELECT count(*) FROM buildings), \
                    (SELECT count(*) FROM apartments), (SELECT count(*) FROM project_media), \
                    (SELECT count(*) FROM views_log), (SELECT count(*) FROM leads), \
                    (SELECT count(*) FROM bookings), (SELECT count(*) FROM promotions)",
            &[],
        )
        .await?;
    Ok(TableCounts {
        users: row.get(0),
        developers: row.get(1),
        projects: row.get(2),
        buildings: row.get(3),
        apartments: row.get(4),
        media: row.get(5),
        interest_events: row.get(6),
        leads: row.get(7),
        bookings: row.get(8),
        promotions: row.get(9),
    })
}

#[cfg(test)]
mod tests {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};

    use super::*;
    use crate::validation::{validate_inn, validate_ogrn};

    fn quoted_numbers(length: usize) -> Vec<&'static str> {
        DEMO_SQL
            .split('\'')
            .filter(|token| {
                token.len() == length && token.bytes().all(|byte| byte.is_ascii_digit())
            })
            .collect()
    }

    #[test]
    fn demo_password_hash_verifies_the_demo_password() {
        let hash = PasswordHash::new(DEMO_PASSWORD_HASH).unwrap();
        assert!(Argon2::default()
            .verify_password(DEMO_PASSWORD.as_bytes(), &hash)
            .is_ok());
    }

    #[test]
    fn every_hardcoded_inn_and_ogrn_has_a_valid_checksum() {
        let inns = quoted_numbers(10);
        let ogrns = quoted_numbers(13);
        assert!(inns.len() >= 6 && ogrns.len() >= 5, "{inns:?} {ogrns:?}");
        for inn in inns {
            assert!(validate_inn(inn).is_ok(), "ИНН {inn}");
        }
        for ogrn in ogrns {
            assert!(validate_ogrn(ogrn).is_ok(), "ОГРН {ogrn}");
        }
    }

    #[test]
    fn marker_is_the_first_demo_developer() {
        let first_developer_inn = quoted_numbers(10)[0];
        assert_eq!(first_developer_inn, MARKER_INN);
    }
}

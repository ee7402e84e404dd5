//! Object-level access in one place: a developer user reaches only its own companies' objects,
//! a moderator reaches everything, a buyer none of them. Another company's object answers 404,
//! exactly like a missing one, so ids of other companies leak nothing.

use deadpool_postgres::GenericClient;
use rust_decimal::Decimal;
use tokio_postgres::Row;

use super::extractor::CurrentUser;
use super::types::CompanyRole;
use crate::error::{AppError, AppResult};

/// A project (ЖК) the caller may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: i64,
    pub developer_id: i64,
}

/// A building the caller may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingRow {
    pub id: i64,
    pub project_id: i64,
    pub developer_id: i64,
}

/// An apartment the caller may change, with what price changes need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApartmentRow {
    pub id: i64,
    pub building_id: i64,
    pub project_id: i64,
    pub developer_id: i64,
    pub base_price: Decimal,
    pub current_price: Decimal,
    pub currency: String,
    /// `apartment_status`: available, booked or sold.
    pub status: String,
}

// $1 object id, $2 caller is a moderator, $3 the caller's companies.
const PROJECT_SQL: &str = "
    SELECT p.id, p.developer_id
      FROM projects p
     WHERE p.id = $1 AND ($2 OR p.developer_id = ANY($3))";
const BUILDING_SQL: &str = "
    SELECT b.id, b.project_id, p.developer_id
      FROM buildings b
      JOIN projects p ON p.id = b.project_id
     WHERE b.id = $1 AND ($2 OR p.developer_id = ANY($3))";
const APARTMENT_SQL: &str = "
    SELECT a.id, a.building_id, a.project_id, p.developer_id,
           a.base_price, a.current_price, a.currency::text AS currency, a.status::text AS status
      FROM apartments a
      JOIN projects p ON p.id = a.project_id
     WHERE a.id = $1 AND ($2 OR p.developer_id = ANY($3))";

fn not_found(what: &str) -> AppError {
    AppError::not_found(format!(
        "{what} не найден(а) или принадлежит другой компании"
    ))
}

#[derive(Clone, Copy)]
enum Lock {
    None,
    ForUpdate(&'static str),
}

async fn owned_row(
    client: &impl GenericClient,
    caller: &CurrentUser,
    sql: &str,
    lock: Lock,
    id: i64,
    what: &str,
) -> AppResult<Row> {
    caller.require_developer_or_moderator()?;
    let sql = match lock {
        Lock::None => sql.to_owned(),
        Lock::ForUpdate(table_alias) => format!("{sql} FOR UPDATE OF {table_alias}"),
    };
    client
        .query_opt(
            sql.as_str(),
            &[&id, &caller.is_moderator(), &caller.developer_ids],
        )
        .await?
        .ok_or_else(|| not_found(what))
}

fn project_from(row: &Row) -> ProjectRow {
    ProjectRow {
        id: row.get("id"),
        developer_id: row.get("developer_id"),
    }
}

fn building_from(row: &Row) -> BuildingRow {
    BuildingRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        developer_id: row.get("developer_id"),
    }
}

fn apartment_from(row: &Row) -> ApartmentRow {
    ApartmentRow {
        id: row.get("id"),
        building_id: row.get("building_id"),
        project_id: row.get("project_id"),
        developer_id: row.get("developer_id"),
        base_price: row.get("base_price"),
        current_price: row.get("current_price"),
        currency: row.get("currency"),
        status: row.get("status"),
    }
}

/// The project if the caller may change it: 403 for buyers, 404 for another company's project.
pub async fn project_of_company(
    client: &impl GenericClient,
    caller: &CurrentUser,
    project_id: i64,
) -> AppResult<ProjectRow> {
    let row = owned_row(client, caller, PROJECT_SQL, Lock::None, project_id, "ЖК").await?;
    Ok(project_from(&row))
}

/// Like [`project_of_company`], locking the project row until the transaction ends.
pub async fn project_of_company_for_update(
    client: &impl GenericClient,
    caller: &CurrentUser,
    project_id: i64,
) -> AppResult<ProjectRow> {
    let lock = Lock::ForUpdate("p");
    let row = owned_row(client, caller, PROJECT_SQL, lock, project_id, "ЖК").await?;
    Ok(project_from(&row))
}

/// The building if the caller may change it: 403 for buyers, 404 for another company's building.
pub async fn building_of_company(
    client: &impl GenericClient,
    caller: &CurrentUser,
    building_id: i64,
) -> AppResult<BuildingRow> {
    let row = owned_row(
        client,
        caller,
        BUILDING_SQL,
        Lock::None,
        building_id,
        "Корпус",
    )
    .await?;
    Ok(building_from(&row))
}

/// Like [`building_of_company`], locking the building row until the transaction ends.
pub async fn building_of_company_for_update(
    client: &impl GenericClient,
    caller: &CurrentUser,
    building_id: i64,
) -> AppResult<BuildingRow> {
    let lock = Lock::ForUpdate("b");
    let row = owned_row(client, caller, BUILDING_SQL, lock, building_id, "Корпус").await?;
    Ok(building_from(&row))
}

/// The apartment if the caller may change it: 403 for buyers, 404 for another company's apartment.
pub async fn apartment_of_company(
    client: &impl GenericClient,
    caller: &CurrentUser,
    apartment_id: i64,
) -> AppResult<ApartmentRow> {
    let row = owned_row(
        client,
        caller,
        APARTMENT_SQL,
        Lock::None,
        apartment_id,
        "Квартира",
    )
    .await?;
    Ok(apartment_from(&row))
}

/// Like [`apartment_of_company`], locking the apartment row until the transaction ends.
pub async fn apartment_of_company_for_update(
    client: &impl GenericClient,
    caller: &CurrentUser,
    apartment_id: i64,
) -> AppResult<ApartmentRow> {
    let lock = Lock::ForUpdate("a");
    let row = owned_row(
        client,
        caller,
        APARTMENT_SQL,
        lock,
        apartment_id,
        "Квартира",
    )
    .await?;
    Ok(apartment_from(&row))
}

/// The caller's role in an existing company: `Some(role)` for members, `None` for a moderator who
/// is not a member. 404 when the company does not exist or the caller is not its member.
pub async fn company_of_caller(
    client: &impl GenericClient,
    caller: &CurrentUser,
    developer_id: i64,
) -> AppResult<Option<CompanyRole>> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM developers WHERE id = $1) AS company_exists,
                    (SELECT company_role::text FROM developer_members
                      WHERE developer_id = $1 AND user_id = $2) AS company_role",
            &[&developer_id, &caller.id],
        )
        .await?;
    let missing = || AppError::not_found("Компания-застройщик не найдена");
    if !row.get::<_, bool>("company_exists") {
        return Err(missing());
    }
    let company_role = row
        .get::<_, Option<&str>>("company_role")
        .map(CompanyRole::from_db)
        .transpose()?;
    match (caller.can_manage_developer(developer_id), company_role) {
        (true, role) if caller.is_moderator() => Ok(role),
        (true, Some(role)) => Ok(Some(role)),
        _ => Err(missing()),
    }
}

/// Staff of the company (any company role) or a moderator; 404 otherwise.
pub async fn require_company_member(
    client: &impl GenericClient,
    caller: &CurrentUser,
    developer_id: i64,
) -> AppResult<()> {
    caller.require_developer_or_moderator()?;
    company_of_caller(client, caller, developer_id)
        .await
        .map(|_| ())
}

/// The company's owner or a moderator; a manager gets 403, everyone else 404.
pub async fn require_company_owner(
    client: &impl GenericClient,
    caller: &CurrentUser,
    developer_id: i64,
) -> AppResult<()> {
    caller.require_developer_or_moderator()?;
    let company_role = company_of_caller(client, caller, developer_id).await?;
    if caller.is_moderator() || company_role == Some(CompanyRole::Owner) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Действие доступно только владельцу компании".into(),
        ))
    }
}

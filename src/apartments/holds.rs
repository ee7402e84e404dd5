//! An apartment held by an active (pending or confirmed) booking changes its sale status only through the
//! booking's own steps — confirm, sell, cancel, expiry — never by hand: a hand-made `available` would put it
//! back on sale while the booking still holds it, and the next buyer would hit the one-active-booking index.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use crate::error::AppResult;

/// The booking that holds an apartment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveBooking {
    pub id: i64,
    pub confirmed: bool,
}

impl ActiveBooking {
    /// Why the sale status cannot be changed by hand, naming the booking and the steps that do change it.
    pub fn refusal(&self) -> String {
        let id = self.id;
        let (state, steps) = if self.confirmed {
            (
                "подтверждена",
                format!("продажа — POST /bookings/{id}/sell, отмена — POST /bookings/{id}/cancel"),
            )
        } else {
            (
                "ждёт подтверждения",
                format!(
                    "подтверждение — POST /bookings/{id}/confirm, отмена — POST /bookings/{id}/cancel"
                ),
            )
        };
        format!(
            "Квартиру держит бронь №{id} ({state}): статус продажи такой квартиры меняется только шагами брони \
             ({steps})"
        )
    }
}

/// The active booking of each of `apartment_ids` that has one. Call with the apartments locked (`FOR UPDATE`):
/// a new booking locks its apartment first, so none appears until the caller commits.
pub async fn active_bookings(
    client: &impl GenericClient,
    apartment_ids: &[i64],
) -> AppResult<HashMap<i64, ActiveBooking>> {
    if apartment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = client
        .query(
            "SELECT apartment_id, id, status = 'confirmed' AS confirmed FROM bookings
              WHERE apartment_id = ANY($1) AND status IN ('pending', 'confirmed')",
            &[&apartment_ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                row.get("apartment_id"),
                ActiveBooking {
                    id: row.get("id"),
                    confirmed: row.get("confirmed"),
                },
            )
        })
        .collect())
}

//! What `nedvizhimost reprice` prints for people, in Russian: one line per price change and a summary of the
//! pass. [`CycleReport::summary_line`] stays the one-line summary of the logs.

use super::{CycleReport, PriceChange};
use crate::text::{format_rubles, group_thousands, plural_form, ru_plural};

/// Decisions of a pass in the order people read them, with their Russian names.
const DECISIONS: [(&str, &str); 8] = [
    ("raise", "поднять"),
    ("lower", "снизить"),
    ("hold", "без изменений"),
    ("cooldown", "пауза после изменения"),
    ("recent_booking", "недавняя бронь"),
    ("at_limit", "на границе коридора"),
    ("no_median", "нет медианы кластера"),
    ("disabled", "отключено"),
];

/// «Квартира 1042: 2 589 000 ₽ → 2 666 670 ₽. Цена изменилась +3 % из-за высокого спроса…»
pub fn change_line(change: &PriceChange) -> String {
    format!(
        "Квартира {}: {} → {}. {}",
        change.apartment_id,
        format_rubles(change.old_price),
        format_rubles(change.new_price),
        change.explanation
    )
}

/// «поднять — 20, снизить — 25, без изменений — 2 638»: every decision that was taken, known ones first.
fn decision_counts(report: &CycleReport) -> String {
    let known = DECISIONS.iter().filter_map(|(decision, name)| {
        report
            .decisions
            .get(*decision)
            .filter(|count| **count > 0)
            .map(|count| format!("{name} — {}", group_thousands(&count.to_string())))
    });
    let unknown = report
        .decisions
        .iter()
        .filter(|(decision, count)| {
            **count > 0 && !DECISIONS.iter().any(|(known, _)| known == decision)
        })
        .map(|(decision, count)| format!("{decision} — {}", group_thousands(&count.to_string())));
    known.chain(unknown).collect::<Vec<_>>().join(", ")
}

/// The summary of a pass for people: what kind of pass, how many apartments, how many prices changed and why
/// the rest did not, batches and timings.
pub fn summary(report: &CycleReport) -> String {
    if let Some(reason) = &report.skipped_reason {
        return reason.clone();
    }
    let head = match (report.dry_run, report.interrupted, report.run_id) {
        (true, _, _) => "Пробный проход, ничего не записано".to_owned(),
        (false, true, Some(id)) => {
            format!("Проход цен №{id} прерван: готовые пачки применены, следующий проход продолжит")
        }
        (false, true, None) => {
            "Проход цен прерван: готовые пачки применены, следующий проход продолжит".to_owned()
        }
        (false, false, Some(id)) => format!("Проход цен №{id}"),
        (false, false, None) => "Проход цен".to_owned(),
    };
    let evaluated = ru_plural(
        report.evaluated(),
        "квартира в продаже",
        "квартиры в продаже",
        "квартир в продаже",
    );
    let apartments = |count| ru_plural(count, "квартиры", "квартир", "квартир");
    let changes = match (report.changes.len() as i64, report.dry_run) {
        (0, true) => "цены остались бы прежними".to_owned(),
        (0, false) => "цены не изменились".to_owned(),
        (count, true) => format!("цена изменилась бы у {}", apartments(count)),
        (count, false) => format!("цена изменена у {}", apartments(count)),
    };
    let decisions = decision_counts(report);
    let decisions = if decisions.is_empty() {
        String::new()
    } else {
        format!(" ({decisions})")
    };
    let aggregates = group_thousands(&report.aggregates_took.as_millis().to_string());
    let pass = group_thousands(&report.pass_took.as_millis().to_string());
    let timings = if report.dry_run {
        format!("Пересчёт спроса — {aggregates} мс, проход — {pass} мс")
    } else {
        let workers = i64::from(report.workers.unwrap_or(1));
        format!(
            "{} на {} {}, пересчёт спроса — {aggregates} мс, проход — {pass} мс",
            ru_plural(i64::from(report.batches), "пачка", "пачки", "пачек"),
            group_thousands(&workers.to_string()),
            plural_form(workers, "соединении", "соединениях", "соединениях")
        )
    };
    format!("{head}: {evaluated}, {changes}{decisions}. {timings}.")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use rust_decimal::Decimal;

    use super::*;

    fn change() -> PriceChange {
        PriceChange {
            apartment_id: 1042,
            decision: "raise".into(),
            old_price: Decimal::new(258_900_000, 2),
            new_price: Decimal::new(266_667_000, 2),
            explanation: "Цена изменилась +3 % из-за высокого спроса (40 просмотров за 24 ч)"
                .into(),
        }
    }

    fn report(dry_run: bool) -> CycleReport {
        CycleReport {
            run_id: (!dry_run).then_some(17),
            dry_run,
            decisions: BTreeMap::from([
                ("hold".to_owned(), 2_638),
                ("raise".to_owned(), 1),
                ("recent_booking".to_owned(), 44),
                ("lower".to_owned(), 0),
            ]),
            changes: vec![change()],
            aggregates_took: Duration::from_millis(1_250),
            pass_took: Duration::from_millis(340),
            batches: 3,
            workers: Some(2),
            ..CycleReport::default()
        }
    }

    #[test]
    fn a_change_shows_grouped_roubles_without_zero_kopecks() {
        assert_eq!(
            change_line(&change()),
            "Квартира 1042: 2 589 000 ₽ → 2 666 670 ₽. Цена изменилась +3 % из-за высокого спроса \
             (40 просмотров за 24 ч)"
        );
    }

    #[test]
    fn summaries_are_russian_sentences() {
        assert_eq!(
            summary(&report(true)),
            "Пробный проход, ничего не записано: 2 683 квартиры в продаже, цена изменилась бы у 1 квартиры \
             (поднять — 1, без изменений — 2 638, недавняя бронь — 44). Пересчёт спроса — 1 250 мс, проход — 340 мс."
        );
        assert_eq!(
            summary(&report(false)),
            "Проход цен №17: 2 683 квартиры в продаже, цена изменена у 1 квартиры (поднять — 1, без изменений — \
             2 638, недавняя бронь — 44). 3 пачки на 2 соединениях, пересчёт спроса — 1 250 мс, проход — 340 мс."
        );
        let interrupted = CycleReport {
            interrupted: true,
            changes: Vec::new(),
            ..report(false)
        };
        assert!(summary(&interrupted).starts_with(
            "Проход цен №17 прерван: готовые пачки применены, следующий проход продолжит: 2 683 квартиры в \
             продаже, цены не изменились"
        ));
        let skipped = CycleReport {
            skipped_reason: Some(
                "Проход пропущен: другой проход ценообразования ещё выполняется".into(),
            ),
            ..CycleReport::default()
        };
        assert_eq!(
            summary(&skipped),
            "Проход пропущен: другой проход ценообразования ещё выполняется"
        );
    }
}

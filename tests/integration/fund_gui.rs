//! «Фонд» on the real screens (iced_test), against the simulator with a
//! stated library: search by genre from the genre list and from the box, the
//! 24th-issue list with its count, a title's card showing who holds it
//! (journaled), a collection made, ordered and printed as a booklet whose
//! text is read back, and the month's new titles exported from the screen.

use chrono::{Duration, Local};
use iced_test::selector::id;

use kafedra::ui::{Dialogs, ProviderLink};
use kafedra_core::domain::EventKind;
use kafedra_core::sim::{self, Scenario, SimConfig, SimHandle};

use crate::gui::{Harness, desk_without_auto_print, new_runtime};
use crate::support::pdf_text;

/// A library whose fund has: two detective novels (one copy at its 22nd
/// issue, one lent to a reader), a children's book whose licence ends in 10
/// days, and a history book.
fn scenario() -> String {
    let today = Local::now().date_naive();
    // The licence runs 365 days from the purchase.
    let ends_in_10 = today - Duration::days(355);
    format!(
        r#"
[library]
name = "Библиотека фонда (тест)"
money = 5000
licence_days = 365
generated_books = 0

[[readers]]
card = "700000001"
name = "Лебедева Анна Петровна"
birth_date = "1980-02-03"
email = "lebedeva@example.org"

[[books]]
art = 2001
title = "Тень над Невой"
authors = "Пётр Морозов"
genre = "Детектив"
price = 399.90
age_rating = 16
annotation = "Петербург, зима, исчезнувший архивариус и три подозреваемых."

[[books]]
art = 2002
title = "Последний свидетель"
authors = "Елена Ёлкина"
genre = "Детектив"
price = 299
age_rating = 16

[[books]]
art = 2003
title = "Ёжик и осенний лес"
authors = "Ирина Белова"
genre = "Детская литература"
kind = "audio"
price = 199
age_rating = 0

[[books]]
art = 2004
title = "История государства Российского"
authors = "Николай Карамзин"
genre = "История"
price = 890
age_rating = 12

[[fund]]
art = 2001
copies = 1
issues = [22]

[[fund]]
art = 2002
copies = 1

[[fund]]
art = 2003
copies = 1
bought = "{ends_in_10}"

[[fund]]
art = 2004
copies = 1

[[requests]]
card = "700000001"
art = 2002
hours_ago = 30
state = "issued"
"#
    )
}

struct World {
    h: Harness,
    /// Where the preset save dialog writes.
    saved: std::path::PathBuf,
    _sim: SimHandle,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let rt = new_runtime();
    let sc = Scenario::from_toml_str(&scenario()).expect("scenario");
    let sim = rt
        .block_on(sim::start(SimConfig {
            scenario: Some(std::sync::Arc::new(sc)),
            ..SimConfig::default()
        }))
        .unwrap();
    let desk = desk_without_auto_print();
    let mut cfg = sim.client_config();
    cfg.min_interval = std::time::Duration::from_millis(5);
    cfg.timeout = std::time::Duration::from_secs(2);
    let link = ProviderLink::Ready(kafedra_core::provider::Client::new(cfg).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.pdf");
    let dialogs = Dialogs::Preset {
        open: None,
        save: Some(saved.clone()),
    };
    let mut h = Harness::with_provider(desk, dialogs, rt, link);
    h.sync_now();
    World {
        h,
        saved,
        _sim: sim,
        _dir: dir,
    }
}

fn open_fund(h: &mut Harness) {
    h.ui(|ui| {
        ui.click("Фонд")?;
        Ok(())
    });
}

#[test]
fn the_fund_is_searched_by_genre_its_lists_count_and_a_card_shows_who_holds_a_copy() {
    let mut w = world();
    let h = &mut w.h;
    open_fund(h);
    // The genre list with counts; a click filters.
    h.ui(|ui| {
        ui.find("Детектив")?;
        ui.find("Детская литература")?;
        ui.click("Детектив")?;
        Ok(())
    });
    h.picture("fund-genre");
    h.ui(|ui| {
        ui.find("Тень над Невой")?;
        ui.find("Последний свидетель")?;
        ui.find("Найдено: 2 книги. Жанр: «Детектив».")?;
        assert!(
            ui.find("Ёжик и осенний лес").is_err(),
            "another genre shown"
        );
        Ok(())
    });
    // A title's card: who holds it, journaled.
    h.ui(|ui| {
        ui.click("Последний свидетель")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.find("У кого на руках")?;
        ui.find("Лебедева Анна Петровна")?;
        Ok(())
    });
    h.picture("fund-card");
    // The box: ё = е, parts of words, a genre word.
    h.ui(|ui| {
        ui.click("Детектив")?; // off again
        ui.click(id("fund-search"))?;
        ui.typewrite("ежик осен");
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Ёжик и осенний лес")?;
        ui.find("Найдено: 1 книга.")?;
        Ok(())
    });
    // The 24th-issue list, with its count on the tab.
    h.ui(|ui| {
        ui.click("Близко к 24-й выдаче (1)")?;
        Ok(())
    });
    h.picture("fund-near-24");
    h.ui(|ui| {
        ui.find("Тень над Невой")?;
        ui.find("1 экземпляр близко к 24-й; ближайшему осталось 2 выдачи")?;
        ui.click("Лицензия кончается (1)")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Ёжик и осенний лес")?;
        ui.find("лицензия кончается через 10 дней")?;
        ui.click("Поиск")?;
        Ok(())
    });
    let store = h.store();
    let journal = kafedra_core::services::journal::entries(&store, None, None, 50).unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.kind == EventKind::FundHoldersViewed.code()
                && e.details.contains("Последний свидетель")),
        "opening who holds a copy is journaled"
    );
}

#[test]
fn a_collection_is_made_ordered_and_printed_as_a_booklet() {
    let mut w = world();
    let h = &mut w.h;
    open_fund(h);
    h.ui(|ui| {
        ui.click("Подборки (0)")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.click("+ Новая подборка")?;
        Ok(())
    });
    // No name: refused in Russian, nothing saved.
    h.ui(|ui| {
        ui.click("Сохранить подборку")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Впишите название подборки.")?;
        ui.click(id("collection-name"))?;
        ui.typewrite("Зимние детективы");
        Ok(())
    });
    h.ui(|ui| {
        ui.click("Сохранить подборку")?;
        Ok(())
    });
    // Two books from the search, each through its card.
    for title in ["Тень над Невой", "Последний свидетель"] {
        h.ui(|ui| {
            ui.click("Поиск")?;
            Ok(())
        });
        h.ui(|ui| {
            ui.click(title)?;
            Ok(())
        });
        h.ui(|ui| {
            ui.click("Добавить в подборку")?;
            Ok(())
        });
    }
    h.ui(|ui| {
        ui.click("Подборки (1)")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.find("В подборке 2 книги:")?;
        Ok(())
    });
    h.picture("fund-collection");
    // Reordered: the first goes down.
    h.ui(|ui| {
        ui.click("↓")?;
        Ok(())
    });
    // The booklet: the library, the collection, both titles, the annotation.
    h.ui(|ui| {
        ui.click("Буклет PDF…")?;
        Ok(())
    });
    let text = crate::support::squash(&pdf_text(&w.saved));
    for want in [
        "Зимние детективы",
        "1. Последний свидетель",
        "2. Тень над Невой",
        "Пётр Морозов",
        "исчезнувший архивариус",
        "стр. 1 из 1",
    ] {
        assert!(text.contains(want), "{want} not in the booklet: {text}");
    }
}

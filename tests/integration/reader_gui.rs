//! The reader's card and the library's policy on the real screens
//! (iced_test): the reader's own lending settings checked in Russian, saved
//! and queued for the provider; a direct issue from the fund that breaks a
//! rule asks to confirm it and the override is journaled; «Книгооборот» shows
//! the requests, issues and a refusal with its text; the policy editor
//! reorders the criteria, edits a refusal text, persists them, and refuses an
//! empty text.
//!
//! The provider's data (requests, the fund, a refusal) are put in place by
//! real syncs with the simulator before the screens start; the screens then
//! run without a provider, so what they queue stays in the outbox to be seen.

use std::path::PathBuf;

use chrono::{Datelike, Duration, Local, NaiveDate};
use iced::keyboard::{self, Key, Modifiers, key::Named};
use iced_test::Simulator;
use iced_test::selector::{Candidate, Target, id};

use kafedra::ui::{Dialogs, Message, Shortcut, fonts};
use kafedra_core::domain::EventKind;
use kafedra_core::domain::ids::RequestId;
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::ReaderId;
use kafedra_core::domain::request::{Decision, OutboxKind, RefusalReason};
use kafedra_core::domain::rules::Rule;
use kafedra_core::services::{self, Db, Store};
use kafedra_core::sim::{self, Book, SimConfig};
use kafedra_core::store::Lending;

use crate::gui::{Harness, desk_without_auto_print, new_runtime};
use crate::support::Desk;

/// The workstation's window at its default size (`ui::run`).
const WINDOW: (f32, f32) = (1200.0, 820.0);

/// Saves a picture of the screen at the default window size when
/// `KAFEDRA_SCREENS` names a folder.
fn screenshot(h: &mut Harness, name: &str) {
    let Some(dir) = std::env::var_os("KAFEDRA_SCREENS").map(PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("screens dir");
    let path = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    let theme = h.app.theme();
    let settings = iced::Settings {
        fonts: fonts(),
        default_font: kafedra::ui::FONT_REGULAR,
        default_text_size: 15.into(),
        ..iced::Settings::default()
    };
    let mut ui = Simulator::with_size(settings, WINDOW, h.app.view());
    ui.snapshot(&theme)
        .and_then(|s| s.matches_image(&path))
        .expect("screenshot");
}

/// A birth date `years` ago, a hundred days before today's date.
fn born(years: i32) -> NaiveDate {
    let t = Local::now().date_naive() - Duration::days(100);
    t.with_year(t.year() - years)
        .or_else(|| (t - Duration::days(1)).with_year(t.year() - years))
        .expect("a date")
}

fn register(desk: &mut Desk, surname: &str, name: &str, birth: NaiveDate) -> (ReaderId, String) {
    let draft = ReaderDraft {
        surname: surname.into(),
        name: name.into(),
        patronymic: "Сергеевна".into(),
        birth_date: birth.format("%d.%m.%Y").to_string(),
        phone: "8 912 345-67-89".into(),
        consent: true,
        ..ReaderDraft::default()
    };
    let r =
        services::readers::register(&mut desk.store, &desk.ctx, &draft, true).expect("register");
    (r.id, r.card)
}

/// Opens the reader's card the way a scanner does: the number and Enter.
fn open_card(h: &mut Harness, card: &str, name: &str) {
    h.type_into(kafedra::ui::SEARCH_ID, card);
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| ui.find(name));
}

/// Ctrl+A in the focused widget.
fn select_all(ui: &mut Simulator<'_, Message>) {
    let a = Key::Character("a".into());
    ui.simulate([iced::Event::Keyboard(keyboard::Event::KeyPressed {
        key: a.clone(),
        modified_key: a,
        physical_key: keyboard::key::Physical::Unidentified(
            keyboard::key::NativeCode::Unidentified,
        ),
        location: keyboard::Location::Standard,
        modifiers: Modifiers::CTRL,
        repeat: false,
        text: None,
    })]);
}

/// The text in the text input with this id.
fn input_text(h: &mut Harness, field: String) -> String {
    h.ui(move |ui| {
        ui.find(move |c: Candidate<'_>| match Target::from(c) {
            Target::TextInput {
                id: Some(i),
                content,
                ..
            } if i == iced::widget::Id::from(field.clone()) => Some(content),
            _ => None,
        })
    })
}

const REFUSAL: &str =
    "Дарья Сергеевна, книги «{}» сейчас нет в фонде: библиотека купит её в следующем месяце.";

/// A sixteen-year-old reader known at the desk and at the provider (tied by
/// a card link), with one request issued and one refused by the desk and
/// delivered, and an 18+ book in the fund.
struct Lent {
    h: Harness,
    reader: ReaderId,
    card: String,
    issued: Book,
    refused: Book,
    refusal: String,
    adult: Book,
}

fn lent() -> Lent {
    let rt = new_runtime();
    let sim = rt
        .block_on(sim::start(SimConfig::default()))
        .expect("simulator");
    let mut desk = desk_without_auto_print();
    let birth = born(16);
    let remote = sim.add_reader("Орлова Дарья Сергеевна", birth, None, None);
    let (reader, card) = register(&mut desk, "Орлова", "Дарья", birth);
    services::requests::link(&mut desk.store, &desk.ctx, &remote.lib_card, reader).unwrap();

    let catalogue = sim.catalogue();
    let adult = catalogue
        .iter()
        .find(|b| b.age_rating == 18)
        .expect("an 18+ book")
        .clone();
    let mut plain = catalogue.iter().filter(|b| b.age_rating == 0);
    let issued = plain.next().expect("a 0+ book").clone();
    let refused = plain.next().expect("another 0+ book").clone();
    sim.stock(adult.art, 1).unwrap();
    sim.stock(issued.art, 1).unwrap();
    let to_issue = sim.add_request(&remote.lib_card, issued.art).unwrap();
    let to_refuse = sim.add_request(&remote.lib_card, refused.art).unwrap();

    let mut cfg = sim.client_config();
    cfg.min_interval = std::time::Duration::from_millis(5);
    cfg.timeout = std::time::Duration::from_secs(2);
    let client = kafedra_core::provider::Client::new(cfg).unwrap();
    let paths = &desk.ctx.paths;
    let db = Db::new(Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).unwrap());
    rt.block_on(services::provider::sync(&db, &client, &desk.ctx));

    let refusal = REFUSAL.replace("{}", &refused.title);
    services::requests::decide(
        &mut desk.store,
        &desk.ctx,
        &RequestId(to_issue.clone()),
        &Decision::Issue,
        &Rule::ALL,
    )
    .expect("issue");
    services::requests::decide(
        &mut desk.store,
        &desk.ctx,
        &RequestId(to_refuse.clone()),
        &Decision::Refuse {
            reason: RefusalReason::Other,
            text: refusal.clone(),
        },
        &[],
    )
    .expect("refuse");
    // Sent, then pulled back as the provider now has them.
    rt.block_on(services::provider::sync(&db, &client, &desk.ctx));
    rt.block_on(services::provider::sync(&db, &client, &desk.ctx));
    assert_eq!(sim.applied_writes(&to_issue), 1);
    assert_eq!(sim.applied_writes(&to_refuse), 1);
    drop(db);
    rt.block_on(sim.shutdown());
    drop(rt);

    let h = Harness::new(desk, Dialogs::default());
    Lent {
        h,
        reader,
        card,
        issued,
        refused,
        refusal,
        adult,
    }
}

#[test]
fn a_readers_settings_are_refused_in_russian_then_saved_and_queued() {
    let mut desk = desk_without_auto_print();
    let (reader, card) = register(&mut desk, "Белова", "Ирина", born(35));
    services::requests::link(&mut desk.store, &desk.ctx, "700000777", reader).unwrap();
    let mut h = Harness::new(desk, Dialogs::default());
    open_card(&mut h, &card, "Белова Ирина Сергеевна");
    h.ui(|ui| ui.click("Настройки выдачи"));
    h.ui(|ui| ui.find("Срок выдачи, дней"));

    h.type_into("lending-days", "0");
    h.type_into("lending-cap", "три сотни");
    h.type_into("lending-count", "101");
    h.ui(|ui| {
        ui.find("Срок выдачи — от 1 до 60 дней (или оставьте пустым: срок библиотеки).")?;
        ui.find("«три сотни» — не сумма. Впишите рубли, например 350 или 349,50.")?;
        ui.find("Книг по личному лимиту — не больше 100 в месяц.")
    });
    h.ui(|ui| ui.click("Сохранить"));
    h.ui(|ui| ui.find("Настройки не сохранены: исправьте отмеченные поля."));
    h.picture("reader-settings-refused");
    {
        let store = h.store();
        assert!(
            services::provider::waiting_writes(&store)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            services::lending::settings_of(&store, reader).unwrap(),
            Lending::default()
        );
    }

    // Corrected: 21 days, up to 349,50 ₽, two books a month.
    let clear = |h: &mut Harness, field: &'static str, n: usize| {
        h.ui(|ui| {
            ui.click(id(field))?;
            for _ in 0..n {
                ui.tap_key(Named::Backspace);
            }
            Ok(())
        });
    };
    clear(&mut h, "lending-days", 1);
    clear(&mut h, "lending-cap", 9);
    clear(&mut h, "lending-count", 3);
    h.type_into("lending-days", "21");
    h.type_into("lending-cap", "349,50");
    h.type_into("lending-count", "2");
    h.ui(|ui| {
        assert!(
            ui.find("Настройки не сохранены: исправьте отмеченные поля.")
                .is_err()
        );
        ui.click("Сохранить")
    });
    h.ui(|ui| {
        ui.find("Настройки выдачи читателя сохранены и отправятся в ЭБС.")?;
        ui.find("В очереди синхронизации")
    });
    h.picture("reader-settings-queued");

    let store = h.store();
    assert_eq!(
        services::lending::settings_of(&store, reader).unwrap(),
        Lending {
            loan_days: Some(21),
            self_price_cap: Some(34_950),
            self_purchases: Some(2),
        }
    );
    let waiting = services::provider::waiting_writes(&store).unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].kind, OutboxKind::ReaderSettings);
    assert_eq!(waiting[0].reader_id, Some(reader));
    assert!(
        waiting[0].payload.contains("700000777"),
        "{}",
        waiting[0].payload
    );
    assert_eq!(
        services::journal::count(&store, EventKind::LendingChanged, Some(reader)).unwrap(),
        1
    );
}

#[test]
fn a_direct_issue_that_breaks_a_rule_is_confirmed_and_the_override_journaled() {
    let Lent {
        mut h,
        reader,
        card,
        adult,
        ..
    } = lent();
    open_card(&mut h, &card, "Орлова Дарья Сергеевна");
    h.ui(|ui| ui.click("Выдать из фонда"));
    // By the author: the title itself then shows only in the list.
    h.type_into("fund-search", &adult.authors);
    h.ui(|ui| ui.click(adult.title.as_str()));
    let age = "Читателю 16 лет, а книга 18+ (436-ФЗ)";
    h.ui(|ui| {
        ui.find(age)?;
        ui.click("Выдать вопреки правилам…")
    });
    let named = format!("✗ {age}");
    h.ui(|ui| {
        ui.find(format!("Выдать «{}» вопреки правилам?", adult.title))?;
        ui.find("Выдать несмотря на:")?;
        ui.find(named.as_str())
    });
    screenshot(&mut h, "reader-issue-confirm");
    // «Не выдавать»: nothing happens.
    h.ui(|ui| ui.click("Не выдавать"));
    assert!(
        services::provider::waiting_writes(&h.store())
            .unwrap()
            .is_empty()
    );

    h.ui(|ui| ui.click("Выдать вопреки правилам…"));
    h.ui(|ui| ui.click("Да, выдать"));
    let notice = format!("Книга «{}» выдана — отправится в ЭБС.", adult.title);
    h.ui(|ui| ui.find(notice.as_str()));

    let store = h.store();
    let waiting = services::provider::waiting_writes(&store).unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].kind, OutboxKind::IssueDirect);
    assert_eq!(waiting[0].reader_id, Some(reader));
    let issued: Vec<_> = services::journal::entries(&store, Some(reader), None, 50)
        .unwrap()
        .into_iter()
        .filter(|e| e.event() == Some(EventKind::BookIssuedDirect))
        .collect();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(issued[0].staff, "Тестова Т. Т.");
    assert!(
        issued[0]
            .details
            .contains(&format!("вопреки правилу: {age}")),
        "{}",
        issued[0].details
    );

    // The issue is in «Книгооборот» at once, before the provider knows it.
    h.ui(|ui| ui.click("Книгооборот"));
    let line = format!(
        "«{}» выдана без запроса; вопреки правилу: {age} (Тестова Т. Т.)",
        adult.title
    );
    h.ui(|ui| {
        ui.find("Выдача без запроса (кафедра)")?;
        ui.find(line.as_str())
    });
}

#[test]
fn the_circulation_shows_requests_issues_and_a_refusal_with_its_text() {
    let Lent {
        mut h,
        card,
        issued,
        refused,
        refusal,
        ..
    } = lent();
    open_card(&mut h, &card, "Орлова Дарья Сергеевна");
    screenshot(&mut h, "reader-card");
    h.ui(|ui| ui.click("Книгооборот"));
    h.ui(|ui| {
        ui.find("Отказ")?;
        ui.find(refusal.as_str())?;
        ui.find(refused.title.as_str())?;
        ui.find("Выдача")?;
        ui.find(issued.title.as_str())?;
        ui.find("Запрос")
    });
    screenshot(&mut h, "reader-circulation");
    h.picture("reader-circulation-tall");
}

#[test]
fn the_policy_editor_reorders_edits_a_text_persists_and_refuses_an_empty_one() {
    let mut h = Harness::new(desk_without_auto_print(), Dialogs::default());
    h.ui(|ui| ui.click("Настройки"));
    screenshot(&mut h, "settings-general");
    h.ui(|ui| ui.click("Правила и приоритеты"));
    h.ui(|ui| ui.find("Очерёдность запросов"));
    screenshot(&mut h, "policy-editor");
    h.picture("policy-editor-tall");

    // The second criterion goes up.
    h.ui(|ui| ui.click(id("criterion-up-1")));
    assert_eq!(
        input_text(&mut h, "criterion-reason-0".into()),
        "юный читатель, детская литература"
    );
    // Its weight changes too.
    h.ui(|ui| {
        ui.click(id("criterion-weight-0"))?;
        ui.tap_key(Named::Backspace);
        ui.tap_key(Named::Backspace);
        ui.typewrite("95");
        Ok(())
    });

    // The price refusal is rewritten; the preview fills in a sample.
    h.ui(|ui| ui.click("Цена выше допустимой"));
    let new_text = "{читатель}, книга «{книга}» дороже, чем библиотека может заплатить.";
    h.ui(|ui| {
        ui.click(id("policy-template"))?;
        select_all(ui);
        ui.typewrite(new_text);
        Ok(())
    });
    h.ui(|ui| ui.find("Мария Петровна, книга «Тихий Дон» дороже, чем библиотека может заплатить."));
    h.ui(|ui| ui.click("Сохранить правила (Ctrl+S)"));
    h.ui(|ui| {
        ui.find(
            "Правила и приоритеты сохранены и записаны в журнал: очерёдность; текст отказа «Цена выше допустимой».",
        )
    });
    {
        let store = h.store();
        let p = services::requests::policy(&store).unwrap();
        assert_eq!(p.criteria[0].reason, "юный читатель, детская литература");
        assert_eq!(p.criteria[0].weight, 95);
        assert_eq!(p.criteria[1].reason, "впервые обращается");
        assert_eq!(p.templates[&RefusalReason::PriceOverCap], new_text);
        assert_eq!(
            services::journal::count(&store, EventKind::PolicyChanged, None).unwrap(),
            1
        );
    }
    h.ui(|ui| ui.find("Сохранено и записано в журнал: очерёдность: юный читатель, детская литература (95); впервые обращается (100); родитель, книга о воспитании (60); постоянный читатель серьёзной литературы с первого года (40); текст отказа «Цена выше допустимой»."));

    // Opened again: as saved.
    h.ui(|ui| ui.click("Журнал"));
    h.ui(|ui| ui.click("Настройки"));
    h.ui(|ui| ui.click("Правила и приоритеты"));
    assert_eq!(
        input_text(&mut h, "criterion-reason-0".into()),
        "юный читатель, детская литература"
    );
    assert_eq!(input_text(&mut h, "criterion-weight-0".into()), "95");
    h.ui(|ui| ui.click("Цена выше допустимой"));
    h.ui(|ui| ui.find("Мария Петровна, книга «Тихий Дон» дороже, чем библиотека может заплатить."));

    // An empty text cannot be saved, by the button or by Ctrl+S.
    h.ui(|ui| {
        ui.click(id("policy-template"))?;
        select_all(ui);
        ui.tap_key(Named::Backspace);
        Ok(())
    });
    let empty = "Текст отказа «Цена выше допустимой» пуст: его получит читатель — напишите его.";
    h.ui(|ui| {
        ui.find(empty)?;
        ui.find("Текст пуст — отказ с ним отправить нельзя.")?;
        ui.click("Сохранить правила (Ctrl+S)")
    });
    let task = h.app.update(Message::Shortcut(Shortcut::Save));
    h.run(task);
    h.ui(|ui| ui.find(empty));
    screenshot(&mut h, "policy-empty-template");
    let p = services::requests::policy(&h.store()).unwrap();
    assert_eq!(p.templates[&RefusalReason::PriceOverCap], new_text);
    assert_eq!(
        services::journal::count(&h.store(), EventKind::PolicyChanged, None).unwrap(),
        1
    );
}

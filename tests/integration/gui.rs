//! The real iced screens driven by `iced_test`: clicks and keystrokes go into
//! the widgets, the messages they produce go through `App::update`, and the
//! tasks `update` returns run for real (SQLite on a file, PDFs on disk).

use std::collections::VecDeque;
use std::path::PathBuf;

use iced::Task;
use iced::futures::StreamExt;
use iced::keyboard::key::Named;
use iced_test::runtime::Action;
use iced_test::selector::id;
use iced_test::{Error, Simulator};

use kafedra::ui::{App, Dialogs, Message, ProviderLink, fonts};
use kafedra_core::config::Settings;
use kafedra_core::domain::EventKind;
use kafedra_core::domain::request::DecisionKind;
use kafedra_core::services;

use crate::support::{Desk, pdf_text, pool_csv, squash};

const CONSENT_LABEL: &str =
    "Читатель подписал(а) согласие на обработку персональных данных (версия 2025-09) * — Ctrl+D";

pub(crate) fn new_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub(crate) struct Harness {
    pub(crate) app: App,
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) desk_dir: tempfile::TempDir,
}

impl Harness {
    pub(crate) fn new(desk: Desk, dialogs: Dialogs) -> Harness {
        Harness::with_provider(desk, dialogs, new_runtime(), ProviderLink::NotConfigured)
    }

    pub(crate) fn with_provider(
        desk: Desk,
        dialogs: Dialogs,
        rt: tokio::runtime::Runtime,
        link: ProviderLink,
    ) -> Harness {
        let Desk { dir, ctx, store } = desk;
        let (app, task) = App::new(ctx, store, dialogs, link, None);
        let mut h = Harness {
            app,
            rt,
            desk_dir: dir,
        };
        h.run(task);
        h
    }

    /// Runs a task to completion, feeding every message it produces back
    /// into `update` (and the tasks those return, and so on). Widget
    /// operations (focus) have no window to act on here and are skipped.
    pub(crate) fn run(&mut self, task: Task<Message>) {
        let mut queue = VecDeque::from([task]);
        while let Some(task) = queue.pop_front() {
            let Some(stream) = iced_test::runtime::task::into_stream(task) else {
                continue;
            };
            let actions: Vec<Action<Message>> = self.rt.block_on(stream.collect());
            for action in actions {
                if let Action::Output(message) = action {
                    queue.push_back(self.app.update(message));
                }
            }
        }
    }

    /// Builds the current view, lets `f` interact with it, then delivers the
    /// messages the interaction produced.
    pub(crate) fn ui<R>(
        &mut self,
        f: impl FnOnce(&mut Simulator<'_, Message>) -> Result<R, Error>,
    ) -> R {
        let settings = iced::Settings {
            fonts: fonts(),
            default_font: kafedra::ui::FONT_REGULAR,
            ..iced::Settings::default()
        };
        let mut ui = Simulator::with_size(settings, (1280.0, 1700.0), self.app.view());
        let result = f(&mut ui).unwrap_or_else(|e| panic!("interaction failed: {e}"));
        let messages: Vec<Message> = ui.into_messages().collect();
        for m in messages {
            let task = self.app.update(m);
            self.run(task);
        }
        result
    }

    /// Saves a picture of the current screen when `KAFEDRA_SCREENS` names a folder.
    pub(crate) fn picture(&mut self, name: &str) {
        let Some(dir) = std::env::var_os("KAFEDRA_SCREENS").map(PathBuf::from) else {
            return;
        };
        std::fs::create_dir_all(&dir).expect("screens dir");
        let path = dir.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&path);
        let theme = self.app.theme();
        self.ui(|ui| ui.snapshot(&theme)?.matches_image(&path));
    }

    pub(crate) fn store(&self) -> kafedra_core::store::Store {
        kafedra_core::services::Store::open(&self.desk_dir.path().join("kafedra.sqlite3"))
            .expect("store")
    }

    /// F5: syncs with the provider now, and delivers what follows.
    pub(crate) fn sync_now(&mut self) {
        let task = self
            .app
            .update(Message::Shortcut(kafedra::ui::Shortcut::SyncNow));
        self.run(task);
    }

    pub(crate) fn type_into(&mut self, field: &'static str, text: &str) {
        self.ui(|ui| {
            ui.click(id(field))?;
            ui.typewrite(text);
            Ok(())
        });
    }
}

pub(crate) fn desk_without_auto_print() -> Desk {
    Desk::with_settings(Settings {
        staff_name: "Тестова Т. Т.".into(),
        desk_name: "кафедра 1".into(),
        print_after_bind: false,
        ..Settings::default()
    })
}

#[test]
fn walk_in_reader_is_registered_bound_and_gets_a_slip() {
    let mut d = desk_without_auto_print();
    d.import(&pool_csv(5));
    let slip = d.path().join("slip.pdf");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: None,
            save: Some(slip.clone()),
        },
    );
    h.picture("01-empty-search");

    // A surname nobody has: Enter opens the registration form, prefilled.
    h.type_into(kafedra::ui::SEARCH_ID, "новикова");
    h.ui(|ui| {
        ui.find("Никого не нашлось по запросу «новикова».")?;
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Новый читатель")?;
        ui.find("Новикова")
    });

    h.type_into("reg-name", "Ольга");
    h.type_into("reg-patronymic", "Игоревна");
    h.type_into("reg-birth", "12.04.1988");
    h.type_into("reg-email", "novikova@mail.ru");
    h.ui(|ui| ui.click(CONSENT_LABEL));
    h.picture("02-register-filled");
    h.ui(|ui| ui.click("Сохранить (Ctrl+S)"));

    // The card opens with the next free login proposed.
    h.ui(|ui| {
        ui.find("Новикова Ольга Игоревна")?;
        ui.find("Доступ к ЭБС")?;
        ui.find("Будет выдан логин: ")?;
        ui.find("LR-0001")
    });
    h.picture("03-card-before-bind");
    h.ui(|ui| ui.click("Выдать логин (Ctrl+L)"));
    h.ui(|ui| {
        ui.find("Печать памятки (Ctrl+P)")?;
        ui.find("LR-0001")?;
        ui.find("••••••••")
    });
    h.picture("04-card-bound");

    h.ui(|ui| ui.click("Сохранить PDF…"));
    assert!(slip.exists(), "the slip PDF was written");
    let text = squash(&pdf_text(&slip));
    for needle in ["Новикова", "Ольга", "LR-0001", "Pw0O1lI-0001"] {
        assert!(text.contains(needle), "{needle:?} not in the slip: {text}");
    }

    let store = h.store();
    let reader = services::readers::search(&store, "Новикова")
        .map(|f| f.hits)
        .unwrap()
        .remove(0);
    assert_eq!(reader.login.as_deref(), Some("LR-0001"));
    assert!(
        text.contains(&reader.card),
        "card {} not in the slip",
        reader.card
    );
    assert_eq!(
        services::journal::count(&store, EventKind::ReaderRegistered, Some(reader.id)).unwrap(),
        1
    );
    assert_eq!(
        services::journal::count(&store, EventKind::LoginBound, Some(reader.id)).unwrap(),
        1
    );
    assert_eq!(
        services::journal::count(&store, EventKind::SlipSaved, Some(reader.id)).unwrap(),
        1
    );
    let consent = services::readers::consent(&store, reader.id)
        .unwrap()
        .unwrap();
    assert_eq!(consent.staff, "Тестова Т. Т.");

    // Show password is journaled.
    h.ui(|ui| ui.click("Показать пароль"));
    h.ui(|ui| ui.find("Pw0O1lI-0001"));
    assert_eq!(
        services::journal::count(&h.store(), EventKind::PasswordShown, Some(reader.id)).unwrap(),
        1
    );
}

#[test]
fn registration_shows_each_problem_and_saves_nothing() {
    let d = desk_without_auto_print();
    let mut h = Harness::new(d, Dialogs::default());
    h.ui(|ui| ui.click("Новый читатель (Ctrl+N)"));
    h.type_into("reg-surname", "Петров");
    h.type_into("reg-birth", "01.01.2090");
    h.type_into("reg-email", "petrov@mail");
    h.ui(|ui| ui.click("Сохранить (Ctrl+S)"));
    h.ui(|ui| {
        ui.find("Укажите имя читателя.")?;
        ui.find("Дата рождения в будущем — проверьте год.")?;
        ui.find("Адрес e-mail «petrov@mail» указан неверно: нужен вид имя@домен.ру, без пробелов, например ivanova@mail.ru.")?;
        ui.find("Отметьте согласие на обработку персональных данных: без него читателя зарегистрировать нельзя.")
    });
    h.picture("05-register-errors");
    assert_eq!(services::readers::count(&h.store()).unwrap(), 0);

    // Fixing the date makes its message go away as you type.
    h.ui(|ui| {
        ui.click(id("reg-birth"))?;
        for _ in 0..10 {
            ui.tap_key(Named::Backspace);
        }
        ui.typewrite("01.01.2020");
        Ok(())
    });
    h.ui(|ui| {
        assert!(ui.find("Дата рождения в будущем — проверьте год.").is_err());
        // A six-year-old: the consent comes from a legal representative.
        ui.find(
            "Читателю нет 14 лет: согласие подписывает законный представитель — укажите его ФИО.",
        )
    });
}

#[test]
fn a_possible_duplicate_is_shown_before_saving() {
    let mut d = desk_without_auto_print();
    let existing = d.register("Иванова", "Мария", "05.03.1990", "ivanova@mail.ru");
    let mut h = Harness::new(d, Dialogs::default());
    h.ui(|ui| ui.click("Новый читатель (Ctrl+N)"));
    h.type_into("reg-surname", "иванова");
    h.type_into("reg-name", "мария");
    h.type_into("reg-birth", "05.03.1990");
    h.type_into("reg-phone", "+7 912 111-22-33");
    h.ui(|ui| ui.click(CONSENT_LABEL));
    h.ui(|ui| ui.click("Сохранить (Ctrl+S)"));
    let line = format!(
        "д. р. 05.03.1990 · билет № {} · то же ФИО и дата рождения",
        existing.card
    );
    h.ui(|ui| {
        ui.find("Возможно, этот читатель уже зарегистрирован")?;
        ui.find(line.as_str())
    });
    h.picture("06-duplicate");
    assert_eq!(
        services::readers::count(&h.store()).unwrap(),
        1,
        "nothing saved yet"
    );

    // Open the existing reader instead.
    h.ui(|ui| ui.click("Открыть карточку"));
    h.ui(|ui| {
        ui.find("Иванова Мария")?;
        ui.find(existing.card.as_str())
    });
    assert_eq!(services::readers::count(&h.store()).unwrap(), 1);
}

#[test]
fn a_confirmed_namesake_is_saved() {
    let mut d = desk_without_auto_print();
    d.register("Иванова", "Мария", "05.03.1990", "ivanova@mail.ru");
    let mut h = Harness::new(d, Dialogs::default());
    h.ui(|ui| ui.click("Новый читатель (Ctrl+N)"));
    h.type_into("reg-surname", "Иванова");
    h.type_into("reg-name", "Мария");
    h.type_into("reg-birth", "05.03.1990");
    h.type_into("reg-phone", "89121112233");
    h.ui(|ui| ui.click(CONSENT_LABEL));
    h.ui(|ui| ui.click("Сохранить (Ctrl+S)"));
    h.ui(|ui| ui.click("Это другой человек — сохранить"));
    h.ui(|ui| ui.find("Доступ к ЭБС"));
    assert_eq!(services::readers::count(&h.store()).unwrap(), 2);
}

#[test]
fn a_bad_pool_file_lists_its_row_errors_and_imports_nothing() {
    let d = desk_without_auto_print();
    let bad = d.path().join("logins.csv");
    let content = "login;password\nLR-1;secret1\n;secret2\nLR-1;secret3\nLR-4\n";
    std::fs::write(&bad, content).unwrap();
    let expected = match kafedra_core::import::pool::parse_pool(content.as_bytes(), "logins.csv") {
        Err(kafedra_core::import::pool::PoolFileError::Rows(rows)) => rows.listed,
        other => panic!("the parser must refuse this file: {other:?}"),
    };
    assert!(expected.len() >= 3, "{expected:?}");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: Some(bad),
            save: None,
        },
    );
    h.ui(|ui| ui.click("Пул логинов"));
    h.ui(|ui| ui.click("Загрузить файл… (CSV, XLSX)"));
    h.ui(|ui| {
        for row in &expected {
            ui.find(format!("Строка {}: {}", row.line, row.message))?;
        }
        ui.find("Файл не загружен: 3 строки с ошибками. Исправьте их и загрузите файл снова.")
    });
    h.picture("07-bad-import");
    assert_eq!(services::pool::counts(&h.store()).unwrap().total(), 0);
}

#[test]
fn a_pool_file_with_thousands_of_bad_lines_shows_the_first_errors_and_a_count() {
    let d = desk_without_auto_print();
    let bad = d.path().join("many.csv");
    let mut content = String::from("login;password\n");
    for _ in 0..5_321 {
        content.push_str(";pw\n");
    }
    std::fs::write(&bad, content).unwrap();
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: Some(bad),
            save: None,
        },
    );
    h.ui(|ui| ui.click("Пул логинов"));
    h.ui(|ui| ui.click("Загрузить файл… (CSV, XLSX)"));
    let missing = "Строка 52: Не указан логин. Впишите логин или удалите строку.";
    let shown = h.ui(|ui| {
        ui.find(
            "Файл не загружен: 5\u{A0}321 строка с ошибками. Исправьте их и загрузите файл снова.",
        )?;
        ui.find("Строка 2: Не указан логин. Впишите логин или удалите строку.")?;
        ui.find("Строка 51: Не указан логин. Впишите логин или удалите строку.")?;
        ui.find("…и ещё 5\u{A0}271 строка с ошибками")?;
        Ok(ui.find(missing).is_ok())
    });
    assert!(
        !shown,
        "only the first 50 problems are shown, one widget each"
    );
    assert_eq!(services::pool::counts(&h.store()).unwrap().total(), 0);
}

#[test]
fn a_good_pool_file_is_imported_and_counted() {
    let d = desk_without_auto_print();
    let good = d.path().join("good.csv");
    std::fs::write(&good, pool_csv(25)).unwrap();
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: Some(good),
            save: None,
        },
    );
    h.ui(|ui| ui.click("Пул логинов"));
    h.ui(|ui| ui.click("Загрузить файл… (CSV, XLSX)"));
    h.ui(|ui| {
        ui.find("Загружено 25 логинов из файла «good.csv» (кодировка UTF-8).")?;
        ui.find("Свободных логинов: 25")
    });
    h.picture("08-pool");
    assert_eq!(services::pool::counts(&h.store()).unwrap().free, 25);
}

#[test]
fn scanning_a_card_opens_the_reader_and_blocking_replaces_the_login() {
    let mut d = desk_without_auto_print();
    d.import(&pool_csv(3));
    let r = d.register("Соколова", "Анна", "01.02.1970", "sokolova@mail.ru");
    kafedra_core::services::access::grant(&mut d.store, &d.ctx, r.id, None).unwrap();
    let mut h = Harness::new(d, Dialogs::default());
    // A scanner types the number and presses Enter.
    h.type_into(kafedra::ui::SEARCH_ID, &r.card);
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Соколова Анна")?;
        ui.find("LR-0001")
    });
    h.ui(|ui| ui.click("Заблокировать логин…"));
    h.ui(|ui| ui.click("Заблокировать"));
    h.ui(|ui| {
        ui.find("Будет выдан логин: ")?;
        ui.find("LR-0002")
    });
    h.ui(|ui| ui.click("Выдать логин (Ctrl+L)"));
    h.ui(|ui| ui.find("LR-0002"));
    let store = h.store();
    assert_eq!(services::access::logins_of(&store, r.id).unwrap().len(), 2);
    assert_eq!(
        services::journal::count(&store, EventKind::LoginBlocked, Some(r.id)).unwrap(),
        1
    );
    assert_eq!(
        services::journal::count(&store, EventKind::ReaderViewed, Some(r.id)).unwrap(),
        1
    );
}

#[test]
fn arrow_keys_pick_a_search_result_and_enter_opens_it() {
    use kafedra::ui::Shortcut;
    let mut d = desk_without_auto_print();
    d.register("Кузнецова", "Анна", "01.02.1970", "a@mail.ru");
    d.register("Кузнецова", "Вера", "01.02.1971", "b@mail.ru");
    d.register("Кузнецова", "Галина", "01.02.1972", "c@mail.ru");
    let mut h = Harness::new(d, Dialogs::default());
    h.type_into(kafedra::ui::SEARCH_ID, "кузн");
    h.ui(|ui| ui.find("Найдено: 3 — ↑/↓ выбрать, Enter открыть"));
    // Down, down, up: the second row (sorted by name) is highlighted.
    for step in [1, 1, 1, -1] {
        let task = h.app.update(Message::Shortcut(Shortcut::Move(step)));
        h.run(task);
    }
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| ui.find("Кузнецова Вера"));
}

#[test]
fn requests_are_decided_and_the_sync_state_shows_online_then_offline() {
    use kafedra_core::sim::{self, SimConfig};
    let rt = new_runtime();
    let sim = rt.block_on(sim::start(SimConfig::default())).unwrap();
    let reader = sim.add_reader(
        "Лебедева Ирина Олеговна",
        chrono::NaiveDate::from_ymd_opt(1984, 4, 4).unwrap(),
        Some("irina@mail.ru"),
        None,
    );
    let books: Vec<_> = sim
        .catalogue()
        .into_iter()
        .filter(|b| b.age_rating == 0)
        .take(2)
        .collect();
    for b in &books {
        sim.stock(b.art, 1).unwrap();
    }
    let first = sim.add_request(&reader.lib_card, books[0].art).unwrap();
    let second = sim.add_request(&reader.lib_card, books[1].art).unwrap();
    let mut cfg = sim.client_config();
    cfg.min_interval = std::time::Duration::from_millis(5);
    cfg.timeout = std::time::Duration::from_secs(2);
    let link = ProviderLink::Ready(kafedra_core::provider::Client::new(cfg).unwrap());
    let mut h = Harness::with_provider(desk_without_auto_print(), Dialogs::default(), rt, link);

    // The first sync ran at start.
    h.ui(|ui| {
        ui.find("ЭБС: на связи")?;
        ui.find("ждут отправки: 0")
    });
    h.ui(|ui| ui.click("Запросы"));
    let title = format!("{} — {}", books[0].authors, books[0].title);
    h.ui(|ui| ui.find(title.as_str()));
    h.picture("09-requests-online");
    // «Выдать» on the first request: stored, sent by the sync that follows.
    h.ui(|ui| ui.click("Выдать"));
    assert_eq!(
        sim.applied_writes(&first),
        1,
        "sent by the sync right after the decision"
    );
    h.ui(|ui| {
        assert!(ui.find(title.as_str()).is_err(), "no longer waiting");
        ui.find("ждут отправки: 0")
    });

    // The provider goes away; the next decision waits in the outbox.
    h.rt.block_on(sim_shutdown(sim));
    h.ui(|ui| ui.click("Отменить"));
    h.ui(|ui| {
        ui.find("ЭБС: нет связи")?;
        ui.find("ждут отправки: 1")
    });
    h.picture("10-requests-offline");
    let store = h.store();
    assert_eq!(services::provider::status(&store).unwrap().waiting, 1);
    assert_eq!(
        services::requests::get(&store, &second.as_str().into())
            .unwrap()
            .local_decision,
        Some(DecisionKind::Cancel)
    );
}

async fn sim_shutdown(sim: kafedra_core::sim::SimHandle) {
    sim.shutdown().await;
}

#[test]
fn enter_on_a_name_found_only_inside_other_words_registers_a_new_reader() {
    let mut d = desk_without_auto_print();
    let draft = kafedra_core::domain::reader::ReaderDraft {
        surname: "Соколова".into(),
        name: "Анна".into(),
        patronymic: "Петровна".into(),
        birth_date: "01.02.1970".into(),
        email: "sokolova@mail.ru".into(),
        consent: true,
        ..Default::default()
    };
    services::readers::register(&mut d.store, &d.ctx, &draft, false).unwrap();
    let mut h = Harness::new(d, Dialogs::default());
    // «Петров» is only her patronymic: a walk-in Петров is a new reader.
    h.type_into(kafedra::ui::SEARCH_ID, "петров");
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Новый читатель")?;
        ui.find("Петров")
    });
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        for _ in 0..6 {
            ui.tap_key(Named::Backspace);
        }
        Ok(())
    });
    // «Колов» is only found inside «Соколова»: a walk-in Колов is new.
    h.type_into(kafedra::ui::SEARCH_ID, "колов");
    h.ui(|ui| {
        ui.find("Найдено: 1 — ↑/↓ выбрать, Enter открыть")?;
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| {
        ui.find("Новый читатель")?;
        ui.find("Колов")
    });
    // The beginning of her surname opens her card.
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        for _ in 0..5 {
            ui.tap_key(Named::Backspace);
        }
        ui.typewrite("сокол");
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| ui.find("Соколова Анна Петровна"));
}

/// With «печать после выдачи» on (the default), binding a login to a reader
/// who registered by e-mail saves the slip as a PDF at once (to send it);
/// the page must not wait for its reload to know the login is there.
#[test]
fn binding_for_a_remote_reader_saves_the_slip_at_once() {
    let mut d = Desk::new();
    assert!(d.ctx.settings.print_after_bind);
    d.import(&pool_csv(2));
    let draft = kafedra_core::domain::reader::ReaderDraft {
        surname: "Удалёнова".into(),
        name: "Вера".into(),
        birth_date: "03.03.1983".into(),
        email: "vera@mail.ru".into(),
        channel: kafedra_core::domain::reader::Channel::Email,
        consent: true,
        ..Default::default()
    };
    let r = services::readers::register(&mut d.store, &d.ctx, &draft, true).unwrap();
    let slip = d.path().join("remote-slip.pdf");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: None,
            save: Some(slip.clone()),
        },
    );
    h.type_into(kafedra::ui::SEARCH_ID, &r.card);
    h.ui(|ui| {
        ui.click(id(kafedra::ui::SEARCH_ID))?;
        ui.tap_key(Named::Enter);
        Ok(())
    });
    h.ui(|ui| ui.find("Удалёнова Вера"));
    h.ui(|ui| ui.click("Выдать логин (Ctrl+L)"));
    h.ui(|ui| ui.find("Печать памятки (Ctrl+P)"));
    assert!(slip.exists(), "the slip was saved right after the binding");
    let text = squash(&pdf_text(&slip));
    assert!(text.contains("LR-0001"), "{text}");
    assert_eq!(
        services::journal::count(&h.store(), EventKind::SlipSaved, Some(r.id)).unwrap(),
        1
    );
}

//! The requests desk on the real screens (iced_test), against the simulator:
//! the queue in the library's order with its reasons, a broken rule named
//! and confirmed, a refusal that cannot go without a text, and decisions that
//! reach the provider exactly once and land in the reader's «Книгооборот».

use chrono::{Datelike, Local, NaiveDate};
use iced_test::selector::id;

use kafedra::ui::{Dialogs, ProviderLink};
use kafedra_core::domain::EventKind;
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::ReaderId;
use kafedra_core::services;
use kafedra_core::sim::{self, Book, Fault, SimConfig, SimHandle};

use crate::gui::{Harness, desk_without_auto_print, new_runtime};
use crate::support::Desk;

/// A birth date `years` ago today (the reader turned `years` some months ago).
fn born(years: i32) -> NaiveDate {
    let t = Local::now().date_naive() - chrono::Duration::days(100);
    t.with_year(t.year() - years)
        .or_else(|| (t - chrono::Duration::days(1)).with_year(t.year() - years))
        .unwrap()
}

fn local_reader(desk: &mut Desk, full: &str, birth: NaiveDate) -> (ReaderId, String) {
    let mut parts = full.split_whitespace();
    let draft = ReaderDraft {
        surname: parts.next().unwrap().into(),
        name: parts.next().unwrap().into(),
        patronymic: parts.next().unwrap_or_default().into(),
        birth_date: birth.format("%d.%m.%Y").to_string(),
        email: format!(
            "reader{}@mail.ru",
            full.len() * 7 + birth.ordinal() as usize
        ),
        consent: true,
        representative: if birth > born(14) {
            "Мать: Иванова Анна Сергеевна".into()
        } else {
            String::new()
        },
        ..ReaderDraft::default()
    };
    let r = services::readers::register(&mut desk.store, &desk.ctx, &draft, true)
        .unwrap_or_else(|e| panic!("register {full}: {e}"));
    (r.id, r.card)
}

/// A book of the simulator's catalogue in `genre` with an age rating in `ages`.
fn book(sim: &SimHandle, genre: &str, ages: std::ops::RangeInclusive<u8>, skip: usize) -> Book {
    sim.catalogue()
        .into_iter()
        .filter(|b| b.genre == genre && ages.contains(&b.age_rating))
        .nth(skip)
        .unwrap_or_else(|| panic!("no {genre} book"))
}

struct World {
    h: Harness,
    sim: SimHandle,
}

/// A desk tied to a fresh simulator, with `setup` run on the desk first.
fn world(setup: impl FnOnce(&mut Desk, &SimHandle)) -> World {
    let rt = new_runtime();
    let sim = rt.block_on(sim::start(SimConfig::default())).unwrap();
    let mut desk = desk_without_auto_print();
    setup(&mut desk, &sim);
    let mut cfg = sim.client_config();
    cfg.min_interval = std::time::Duration::from_millis(5);
    cfg.timeout = std::time::Duration::from_secs(2);
    let link = ProviderLink::Ready(kafedra_core::provider::Client::new(cfg).unwrap());
    let h = Harness::with_provider(desk, Dialogs::default(), rt, link);
    World { h, sim }
}

/// A reader known both at the desk and at the provider, tied by a card link.
fn tied(desk: &mut Desk, sim: &SimHandle, full: &str, birth: NaiveDate) -> (ReaderId, String) {
    let remote = sim.add_reader(full, birth, None, None);
    let (id, _card) = local_reader(desk, full, birth);
    services::requests::link(&mut desk.store, &desk.ctx, &remote.lib_card, id).unwrap();
    (id, remote.lib_card)
}

fn row_title(b: &Book) -> String {
    format!("{} — {}", b.authors, b.title)
}

#[test]
fn the_queue_is_in_the_librarys_order_with_reasons_and_a_broken_rule_asks_to_confirm() {
    let mut books = Vec::new();
    let mut teen = None;
    let mut child = None;
    let mut w = world(|desk, sim| {
        let child_book = book(sim, "Детская литература", 0..=6, 0);
        let upbringing = book(sim, "Воспитание детей", 0..=16, 0);
        let detective = book(sim, "Детектив", 0..=16, 0);
        let adult_only = sim
            .catalogue()
            .into_iter()
            .find(|b| b.age_rating == 18)
            .expect("an 18+ book");
        // In the fund: the only rule the teenager's request breaks is the age.
        sim.stock(adult_only.art, 1).unwrap();
        let (masha_id, masha) = tied(desk, sim, "Котова Маша Игоревна", born(10));
        child = Some(masha_id);
        sim.stock(child_book.art, 1).unwrap();
        let (_, olga) = tied(desk, sim, "Котова Ольга Петровна", born(35));
        let (_, petr) = tied(desk, sim, "Сидоров Пётр Ильич", born(50));
        let (dima_id, dima) = tied(desk, sim, "Волков Дмитрий Андреевич", born(16));
        teen = Some(dima_id);
        // Oldest first in time, so that only the policy puts them in order.
        sim.add_request(&petr, detective.art).unwrap();
        sim.add_request(&dima, adult_only.art).unwrap();
        sim.add_request(&olga, upbringing.art).unwrap();
        sim.add_request(&masha, child_book.art).unwrap();
        books = vec![child_book, upbringing, detective, adult_only];
    });
    let [child_book, upbringing, detective, adult_only] = &books[..] else {
        unreachable!()
    };
    w.h.ui(|ui| ui.click("Запросы"));
    w.h.ui(|ui| {
        ui.find("ждут решения: 4 запроса (самый давний — только что)")?;
        ui.find("Приоритет: впервые обращается; юный читатель, детская литература")?;
        ui.find("Приоритет: впервые обращается; родитель, книга о воспитании")?;
        ui.find(row_title(child_book).as_str())
    });
    // The order the library's policy gives: the child, the parent, then
    // the two first-time adults by their waiting time.
    let queue = services::requests::queue(&w.h.store(), chrono::Utc::now()).unwrap();
    let titles: Vec<&str> = queue
        .entries
        .iter()
        .map(|e| e.request.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            child_book.title.as_str(),
            upbringing.title.as_str(),
            detective.title.as_str(),
            adult_only.title.as_str()
        ]
    );
    w.h.picture("20-requests-queue");

    // The teenager's 18+ book: the rule's sentence, on the row and in the pane.
    w.h.ui(|ui| ui.click(row_title(adult_only).as_str()));
    let age_rule = queue.entries[3]
        .verdicts
        .iter()
        .find(|v| v.rule == kafedra_core::domain::rules::Rule::Age)
        .unwrap()
        .message
        .clone();
    assert!(age_rule.contains("18+"), "{age_rule}");
    w.h.ui(|ui| ui.find(format!("✗ {age_rule}").as_str()));
    w.h.picture("21-requests-failed-rule");

    // «Выдать» asks first, naming the rule; «Не решать» leaves it pending.
    w.h.ui(|ui| ui.click("Выдать"));
    w.h.ui(|ui| {
        ui.find("Выдать, несмотря на правила?")?;
        ui.find(format!("✗ {age_rule}").as_str())
    });
    w.h.picture("22-requests-confirm-override");
    w.h.ui(|ui| ui.click("Не решать"));
    let pending = services::requests::get(&w.h.store(), &queue.entries[3].request.id).unwrap();
    assert_eq!(pending.local_decision, None, "nothing decided");
    assert_eq!(
        w.sim.applied_writes(queue.entries[3].request.id.as_str()),
        0
    );

    // Confirmed: stored, the override journaled against the teenager with
    // the staff member's name, sent once; the provider enforces the age
    // law itself and refuses it, and the desk says so.
    let teen_request = queue.entries[3].request.id.clone();
    w.h.ui(|ui| ui.click("Выдать"));
    w.h.ui(|ui| ui.click("Да, выдать"));
    let store = w.h.store();
    let overrides = services::journal::entries(&store, teen, None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.event() == Some(EventKind::RuleOverridden))
        .collect::<Vec<_>>();
    assert_eq!(overrides.len(), 1, "{overrides:?}");
    assert!(overrides[0].details.contains(&age_rule), "{overrides:?}");
    assert_eq!(overrides[0].staff, "Тестова Т. Т.");
    assert_eq!(
        w.sim.request(teen_request.as_str()).unwrap().status,
        kafedra_core::domain::request::RequestStatus::Pending,
        "the provider did not issue it"
    );
    assert_eq!(services::provider::status(&store).unwrap().waiting, 0);

    // The child's book, in the fund, breaks no rule: issued at once, sent
    // once, and in the child's «Книгооборот».
    w.h.ui(|ui| ui.click(row_title(child_book).as_str()));
    w.h.ui(|ui| ui.click("Выдать"));
    let child_request = &queue.entries[0].request.id;
    assert_eq!(w.sim.applied_writes(child_request.as_str()), 1);
    let history = services::lending::history(&w.h.store(), child.unwrap()).unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.title == child_book.title && h.what.starts_with("Выдача")),
        "{history:?}"
    );
    w.h.rt.block_on(w.sim.shutdown());
}

#[test]
fn a_refusal_needs_a_text_shows_what_the_reader_gets_and_reaches_the_provider_once() {
    let mut reader = None;
    let mut asked = None;
    let mut w = world(|desk, sim| {
        let (id, card) = tied(desk, sim, "Орлова Анна Сергеевна", born(40));
        let b = book(sim, "Детектив", 0..=16, 1);
        sim.add_request(&card, b.art).unwrap();
        reader = Some(id);
        asked = Some(b);
    });
    let (reader, asked) = (reader.unwrap(), asked.unwrap());
    w.h.ui(|ui| ui.click("Запросы"));
    w.h.ui(|ui| ui.click("Отказать…"));
    // The template, filled with the book and the reader's name, is what the
    // reader will read.
    let policy = services::requests::policy(&w.h.store()).unwrap();
    // Not in the fund, nothing against buying it: no reason is suggested.
    let reason = kafedra_core::domain::request::RefusalReason::Other;
    let expected = policy.refusal_text(reason, &asked.title, "Анна Сергеевна");
    assert!(expected.contains(&asked.title) && expected.contains("Анна Сергеевна"));
    w.h.ui(|ui| {
        ui.find("Читатель получит:")?;
        ui.find(expected.trim())
    });
    w.h.picture("23-requests-refusal-preview");

    // Emptied, the text cannot go: the button does nothing, the dialog says why.
    w.h.ui(|ui| {
        ui.click(id("refusal-text"))?;
        ui.simulate(select_all_and_delete());
        Ok(())
    });
    w.h.ui(|ui| {
        ui.find("Текст пуст — без него ЭБС не отправит отказ. Напишите, почему книга не выдана.")
    });
    w.h.ui(|ui| ui.click("Отправить отказ"));
    let id_ = services::requests::pending(&w.h.store()).unwrap()[0]
        .id
        .clone();
    assert_eq!(
        services::requests::get(&w.h.store(), &id_)
            .unwrap()
            .local_decision,
        None,
        "no refusal without a text"
    );
    assert_eq!(w.sim.applied_writes(id_.as_str()), 0);

    // A text of the librarian's own: sent once, even when the provider's
    // answer is lost after it applied it.
    let own =
        "Анна Сергеевна, все экземпляры сейчас у других читателей. Запишитесь снова через неделю.";
    w.h.ui(|ui| {
        ui.click(id("refusal-text"))?;
        ui.typewrite(own);
        Ok(())
    });
    w.h.ui(|ui| ui.find(own));
    w.sim.inject(Fault::LoseResponse);
    w.h.ui(|ui| ui.click("Отправить отказ"));
    assert_eq!(w.sim.applied_writes(id_.as_str()), 1, "applied once");
    // The answer was lost: the decision waits in doubt; the next sync (F5)
    // re-reads it instead of sending it again.
    let store = w.h.store();
    assert_eq!(services::provider::status(&store).unwrap().waiting, 1);
    w.h.sync_now();
    assert_eq!(services::provider::status(&store).unwrap().waiting, 0);
    let at_provider = w.sim.request(id_.as_str()).unwrap();
    assert_eq!(at_provider.refusal.map(|r| r.text).as_deref(), Some(own));
    assert_eq!(w.sim.applied_writes(id_.as_str()), 1);
    // The reader's «Книгооборот» has the refusal with its text.
    let history = services::lending::history(&store, reader).unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.title == asked.title && h.detail.contains(own)),
        "{history:?}"
    );
    w.h.rt.block_on(w.sim.shutdown());
}

/// Ctrl+A, then Delete, in the focused editor.
fn select_all_and_delete() -> Vec<iced::Event> {
    use iced::keyboard::{self, Key, Modifiers, key::Named};
    let press = |key: Key, modifiers: Modifiers, text: Option<&str>| {
        iced::Event::Keyboard(keyboard::Event::KeyPressed {
            key: key.clone(),
            modified_key: key.clone(),
            physical_key: keyboard::key::Physical::Unidentified(
                keyboard::key::NativeCode::Unidentified,
            ),
            location: keyboard::Location::Standard,
            modifiers,
            text: text.map(Into::into),
            repeat: false,
        })
    };
    vec![
        press(Key::Character("a".into()), Modifiers::CTRL, None),
        press(Key::Named(Named::Delete), Modifiers::empty(), None),
    ]
}

#[test]
fn an_unknown_readers_request_is_linked_from_the_desk() {
    let mut card = None;
    let mut w = world(|desk, sim| {
        let remote = sim.add_reader("Белова Нина Павловна", born(61), None, None);
        let b = book(sim, "История", 0..=16, 0);
        sim.add_request(&remote.lib_card, b.art).unwrap();
        let (_, local) = local_reader(desk, "Белова Нина Павловна", born(61));
        card = Some(local);
    });
    w.h.ui(|ui| ui.click("Запросы"));
    w.h.ui(|ui| ui.find("Читатель не найден в базе библиотеки"));
    w.h.type_into("request-link-card", &card.unwrap());
    w.h.ui(|ui| ui.click("Связать"));
    w.h.ui(|ui| {
        assert!(ui.find("Читатель не найден в базе библиотеки").is_err());
        ui.find("Белова Нина Павловна, 61 год")
    });
    w.h.rt.block_on(w.sim.shutdown());
}

#[test]
fn several_requests_are_refused_at_once_each_reader_with_their_own_text() {
    let mut readers = Vec::new();
    let mut w = world(|desk, sim| {
        for (i, full) in ["Зайцева Вера Ивановна", "Лосев Олег Николаевич"]
            .into_iter()
            .enumerate()
        {
            let (id, card) = tied(desk, sim, full, born(30 + i as i32 * 10));
            let b = book(sim, "Фантастика", 0..=16, i);
            sim.add_request(&card, b.art).unwrap();
            readers.push((id, b));
        }
    });
    w.h.ui(|ui| ui.click("Запросы"));
    w.h.ui(|ui| ui.click("Отметить все"));
    w.h.ui(|ui| ui.click("Отказать отмеченным…"));
    // Each reader's own text is previewed.
    let policy = services::requests::policy(&w.h.store()).unwrap();
    let reason = kafedra_core::domain::request::RefusalReason::MoneyExhausted;
    w.h.ui(|ui| ui.click(reason.label_ru()));
    let texts: Vec<String> = [
        ("Вера Ивановна", &readers[0].1),
        ("Олег Николаевич", &readers[1].1),
    ]
    .into_iter()
    .map(|(name, b)| policy.refusal_text(reason, &b.title, name))
    .collect();
    w.h.ui(|ui| {
        ui.find("Каждый читатель получит текст шаблона со своим именем и книгой:")?;
        ui.find(texts[0].as_str())?;
        ui.find(texts[1].as_str())
    });
    w.h.picture("24-requests-refuse-several");
    w.h.ui(|ui| ui.click("Отказать всем"));
    // Two decisions, two writes, each applied once with its own text.
    let store = w.h.store();
    assert_eq!(services::provider::status(&store).unwrap().waiting, 0);
    let at_provider: Vec<_> = w
        .sim
        .requests()
        .into_iter()
        .filter_map(|r| r.refusal.map(|x| x.text))
        .collect();
    assert_eq!(at_provider.len(), 2, "{at_provider:?}");
    for t in &texts {
        assert!(at_provider.contains(t), "{t} in {at_provider:?}");
    }
    for (id, b) in &readers {
        let history = services::lending::history(&store, *id).unwrap();
        assert!(
            history
                .iter()
                .any(|h| h.what == "Отказ" && h.title == b.title),
            "{history:?}"
        );
    }
    w.h.rt.block_on(w.sim.shutdown());
}

//! «Статистика» on the real screen (iced_test): today's registrations and
//! logins counted by age group, the year-over-year table with the current
//! year «на ДД.ММ», a period typed by hand (a wrong date said in Russian),
//! and the CSV saved from the screen and parsed.

use chrono::Local;
use iced_test::selector::{Candidate, Target, id};

use kafedra::ui::Dialogs;
use kafedra_core::services;

use crate::gui::{Harness, desk_without_auto_print};
use crate::support::pool_csv;

#[test]
fn the_statistics_screen_counts_todays_desk_and_saves_the_csv() {
    let mut d = desk_without_auto_print();
    d.import(&pool_csv(3));
    let adult = d.register("Иванова", "Мария", "05.03.1980", "ivanova@mail.ru");
    let young = d.register("Петрова", "Анна", "05.03.2004", "petrova@mail.ru");
    services::access::grant(&mut d.store, &d.ctx, adult.id, None).unwrap();
    services::access::grant(&mut d.store, &d.ctx, young.id, None).unwrap();
    let csv = d.path().join("stats.csv");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: None,
            save: Some(csv.clone()),
        },
    );
    h.ui(|ui| {
        ui.click("Статистика")?;
        Ok(())
    });
    let today = Local::now().date_naive();
    h.ui(|ui| {
        ui.find("Зарегистрировано читателей")?;
        ui.find("По годам")?;
        ui.find(format!("{} г. на {}", today.format("%Y"), today.format("%d.%m")).as_str())?;
        Ok(())
    });
    h.picture("stats-year");
    // A wrong date is said in Russian and nothing is loaded.
    h.ui(|ui| {
        ui.click(id("stats-from"))?;
        ui.typewrite("x");
        Ok(())
    });
    h.ui(|ui| {
        ui.click("Показать")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.find(|c: Candidate<'_>| match Target::from(c) {
            Target::Text { content, .. } if content.contains("не дата начала: ДД.ММ.ГГГГ.") => {
                Some(())
            }
            _ => None,
        })?;
        ui.click("Месяц")?;
        Ok(())
    });
    h.ui(|ui| {
        ui.click("CSV…")?;
        Ok(())
    });
    let text = std::fs::read_to_string(&csv).expect("the CSV is saved");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("figure,group,value"));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let value = |f: &str, g: &str| {
        rows.iter()
            .find(|r| r[0] == f && r[1] == g)
            .map(|r| r[2].clone())
    };
    assert_eq!(value("readers_registered", "all").as_deref(), Some("2"));
    assert_eq!(
        value("readers_registered", "age:15-30").as_deref(),
        Some("1")
    );
    assert_eq!(value("readers_registered", "age:31+").as_deref(), Some("1"));
    assert_eq!(value("logins_bound", "all").as_deref(), Some("2"));
    assert_eq!(value("logins_bound", "channel:desk").as_deref(), Some("2"));
}

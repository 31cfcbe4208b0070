//! `kafedra provider set|show`, `kafedra sync` and `kafedra provider-sim`.

use std::path::Path;

use kafedra_core::services::provider::{self, Setup, status_line};
use kafedra_core::services::{Context, Db, Store};

use super::args::ProviderCommand;
use super::{Failure, Outcome, runtime};

pub(super) fn run(command: ProviderCommand, store: &mut Store, ctx: &Context) -> Outcome {
    match command {
        ProviderCommand::Set {
            url,
            app,
            secret_file,
            ca,
            libhouse,
            login,
            password_file,
            pace_ms,
            timeout,
        } => {
            provider::check_url(&url)?;
            let setup = Setup {
                url,
                app_id: app,
                secret: first_line(&secret_file)?,
                libhouse,
                login,
                password: match &password_file {
                    Some(p) => first_line(p)?,
                    None => "library-password".into(),
                },
                ca_pem: ca.as_deref().map(provider::read_ca).transpose()?,
                timeout_secs: timeout,
                min_interval_ms: pace_ms,
            };
            let file = provider::set_up(&ctx.paths, setup)?;
            println!(
                "Подключение к ЭБС сохранено в {} (читать может только владелец).",
                file.display()
            );
            Ok(())
        }
        ProviderCommand::Show => show(store, ctx),
    }
}

/// The first line of a secret's file.
fn first_line(p: &Path) -> Result<String, Failure> {
    // A secret is a line; a file of more than 64 KiB is not a secret's file.
    let bytes = kafedra_core::private::read_small(p, 64 * 1024)
        .map_err(|e| Failure::refused(format!("Не удалось прочитать {}: {e}", p.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::refused(format!(
            "Файл {} — не текст в UTF-8: в первой строке должен быть секрет.",
            p.display()
        ))
    })?;
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        return Err(Failure::refused(format!(
            "Файл {} пуст: в первой строке должен быть секрет.",
            p.display()
        )));
    }
    Ok(line)
}

fn show(store: &Store, ctx: &Context) -> Outcome {
    match provider::show(&ctx.paths)? {
        None => println!(
            "Подключение к ЭБС не настроено: kafedra provider set --url … --app … --secret-file …"
        ),
        Some(c) => println!(
            "ЭБС: {}\nБиблиотека (libhouse): {}, логин {}\nДоп. сертификат: {}",
            c.url,
            c.libhouse,
            c.login,
            if c.extra_ca { "да" } else { "нет" }
        ),
    }
    println!("{}", status_line(&provider::status(store)?));
    Ok(())
}

pub(super) fn sync(store: Store, ctx: &Context) -> Outcome {
    let client = provider::client(&ctx.paths)?;
    let rt = runtime()?;
    let db = Db::new(store);
    let report = rt.block_on(provider::sync(&db, &client, ctx));
    for s in &report.sent {
        println!("Отправлено: {s}");
    }
    for r in &report.refused {
        println!("ЭБС отклонила: {r}");
    }
    println!(
        "Получено: запросов {}, книг фонда {}, читателей {}. Ждут отправки: {}.",
        report.pulled_requests, report.pulled_fund, report.pulled_readers, report.waiting
    );
    match &report.error {
        None => Ok(()),
        Some(e) => {
            let mut m = format!("Синхронизация не завершена: {e}");
            if let Some(url) = &report.captcha_url {
                m.push_str(&format!("\nОткройте страницу проверки: {url}"));
            }
            Err(Failure::failed(m))
        }
    }
}

/// `kafedra provider-sim …`: the simulator in the foreground.
pub(super) fn simulator(args: Vec<String>) -> Outcome {
    let rt = runtime()?;
    rt.block_on(kafedra_core::sim::cli::run(args))
        .map_err(|e| match e {
            kafedra_core::sim::SimError::Invalid(_) | kafedra_core::sim::SimError::Refused(_) => {
                Failure::refused(format!("Симулятор ЭБС: {e}"))
            }
            // Could not listen, write the certificate…: the simulator failed.
            _ => Failure::failed(format!("Симулятор ЭБС не работает: {e}")),
        })
}

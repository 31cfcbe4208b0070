//! The first run of a fresh workstation on the real screens (iced_test):
//! every step, «Проверить подключение» against the simulator over real
//! HTTPS (untrusted certificate, wrong secret, then right), the connection
//! stored exactly as `kafedra provider set` stores it, resuming where the
//! window was closed, leaving the setup for later; «О программе» and the
//! error report.

use std::io::Read as _;

use iced::Event;
use iced::keyboard::{self, Key, key::Named};
use iced_test::selector::id;

use kafedra::ui::screens::connection;
use kafedra::ui::setup as first_run;
use kafedra::ui::{App, Dialogs, ProviderLink};
use kafedra_core::config::{ProviderConfig, Settings};
use kafedra_core::provider::ProviderError;
use kafedra_core::provider::protocol::codes;
use kafedra_core::services::setup::Step;
use kafedra_core::sim::{self, SimConfig};

use crate::gui::{Harness, new_runtime};
use crate::support::{Desk, kafedra, pdf_text, pool_csv, run, squash};

/// A fresh desk (no settings file) opened as the window opens it.
fn fresh(dialogs: Dialogs, rt: tokio::runtime::Runtime) -> Harness {
    reopen(Desk::with_settings(Settings::default()), dialogs, rt)
}

fn reopen(desk: Desk, dialogs: Dialogs, rt: tokio::runtime::Runtime) -> Harness {
    let Desk { dir, ctx, store } = desk;
    let (app, task) = App::first_run(ctx, store, dialogs, ProviderLink::NotConfigured, None);
    let mut h = Harness {
        app,
        rt,
        desk_dir: dir,
    };
    h.run(task);
    h
}

/// The desk's folder opened again, as the next start of the program opens
/// it: the settings read from the file.
fn restart(h: Harness) -> Harness {
    let Harness { app, rt, desk_dir } = h;
    drop(app);
    let opened = kafedra_core::services::settings::open(Some(desk_dir.path())).unwrap();
    let desk = Desk {
        dir: desk_dir,
        ctx: opened.ctx,
        store: opened.store,
    };
    reopen(desk, Dialogs::default(), rt)
}

fn next(h: &mut Harness) {
    h.ui(|ui| ui.click("Далее →"));
}

/// Clicks into a field, selects its text with Ctrl+A, deletes it and types.
fn clear_and_type(h: &mut Harness, field: &'static str, text: &str) {
    h.ui(|ui| {
        ui.click(id(field))?;
        let a = Key::Character("a".into());
        ui.simulate([
            Event::Keyboard(keyboard::Event::ModifiersChanged(keyboard::Modifiers::CTRL)),
            Event::Keyboard(keyboard::Event::KeyPressed {
                key: a.clone(),
                modified_key: a.clone(),
                physical_key: keyboard::key::Physical::Unidentified(
                    keyboard::key::NativeCode::Unidentified,
                ),
                location: keyboard::Location::Standard,
                modifiers: keyboard::Modifiers::CTRL,
                repeat: false,
                text: None,
            }),
            Event::Keyboard(keyboard::Event::KeyReleased {
                key: a.clone(),
                modified_key: a,
                physical_key: keyboard::key::Physical::Unidentified(
                    keyboard::key::NativeCode::Unidentified,
                ),
                location: keyboard::Location::Standard,
                modifiers: keyboard::Modifiers::CTRL,
            }),
            Event::Keyboard(keyboard::Event::ModifiersChanged(
                keyboard::Modifiers::empty(),
            )),
        ]);
        ui.tap_key(Named::Backspace);
        ui.typewrite(text);
        Ok(())
    });
}

#[test]
fn a_fresh_desk_is_set_up_from_the_screen_and_a_failed_check_says_why_in_russian() {
    let rt = new_runtime();
    let sim = rt.block_on(sim::start(SimConfig::default())).unwrap();
    let work = tempfile::tempdir().unwrap();
    let ca = work.path().join("sim-ca.pem");
    sim.write_ca_pem(&ca).unwrap();
    let pool = work.path().join("logins.csv");
    std::fs::write(&pool, pool_csv(3)).unwrap();
    let test_slip = work.path().join("test-slip.pdf");
    let mut h = fresh(
        Dialogs::Preset {
            open: Some(pool.clone()),
            save: Some(test_slip.clone()),
        },
        rt,
    );
    assert_eq!(h.app.setup_step(), Some(Step::Library));
    h.ui(|ui| {
        ui.find("Kafedra — первый запуск")?;
        ui.find("Библиотека и рабочее место")
    });

    // Step 1: an empty library name is refused, in Russian.
    clear_and_type(&mut h, first_run::LIBRARY_ID, "");
    next(&mut h);
    assert_eq!(h.app.setup_step(), Some(Step::Library));
    h.ui(|ui| ui.find("Укажите название библиотеки — оно печатается на памятке."));
    clear_and_type(&mut h, first_run::LIBRARY_ID, "Библиотека им. Гайдара");
    h.type_into(first_run::DESK_ID, "Кафедра, 2 этаж");
    h.type_into(first_run::STAFF_ID, "Ветрова А. П.");
    h.picture("setup-1-library");
    next(&mut h);
    assert_eq!(h.app.setup_step(), Some(Step::Connection));

    // Step 2: the simulator's address; its certificate is not trusted yet.
    clear_and_type(&mut h, connection::URL_ID, &sim.base_url());
    h.type_into(connection::APP_ID, "kafedra-sim");
    h.type_into(connection::SECRET_ID, "not-the-secret");
    h.type_into(connection::LIBHOUSE_ID, "4242");
    h.type_into(connection::LOGIN_ID, "library");
    h.type_into(connection::PASSWORD_ID, "library-password");
    h.ui(|ui| ui.click("Проверить подключение"));
    let untrusted = ProviderError::Tls(String::new()).user_message();
    h.ui(|ui| {
        ui.find("Подключиться не удалось.")?;
        ui.find(untrusted.as_str())
    });
    h.picture("setup-2-untrusted-certificate");

    // With the simulator's CA the handshake passes; the wrong secret does not.
    h.type_into(connection::CA_ID, &ca.display().to_string());
    h.ui(|ui| ui.click("Проверить подключение"));
    let bad_secret = ProviderError::api(codes::BAD_SIGNATURE, "Invalid signature").user_message();
    assert!(bad_secret.contains("секретный ключ"), "{bad_secret}");
    h.ui(|ui| {
        ui.find("Подключиться не удалось.")?;
        ui.find(bad_secret.as_str())
    });
    h.picture("setup-2-wrong-secret");
    assert!(
        ProviderConfig::load(&h.app.context().paths)
            .unwrap()
            .is_none(),
        "a check saves nothing"
    );

    clear_and_type(&mut h, connection::SECRET_ID, "sim-secret");
    h.ui(|ui| ui.click("Проверить подключение"));
    let works = works_sentence(&h, &sim);
    h.ui(|ui| ui.find(works.as_str()));
    h.picture("setup-2-connection-works");
    next(&mut h);
    assert_eq!(h.app.setup_step(), Some(Step::Access));

    // Saved exactly as `kafedra provider set` saves it.
    let saved = std::fs::read_to_string(h.app.context().paths.provider_file()).unwrap();
    let cli_dir = tempfile::tempdir().unwrap();
    let secret_file = cli_dir.path().join("secret");
    std::fs::write(&secret_file, "sim-secret\n").unwrap();
    let password_file = cli_dir.path().join("password");
    std::fs::write(&password_file, "library-password\n").unwrap();
    let (code, _, err) = run(kafedra(cli_dir.path())
        .args([
            "provider",
            "set",
            "--url",
            &sim.base_url(),
            "--app",
            "kafedra-sim",
        ])
        .arg("--secret-file")
        .arg(&secret_file)
        .args(["--libhouse", "4242", "--login", "library"])
        .arg("--password-file")
        .arg(&password_file)
        .arg("--ca")
        .arg(&ca)
        .args(["--pace-ms", "200", "--timeout", "30"]));
    assert_eq!(code, 0, "{err}");
    let by_cli = std::fs::read_to_string(cli_dir.path().join("provider.toml")).unwrap();
    assert_eq!(
        saved, by_cli,
        "the screen stores what the command line stores"
    );
    assert_eq!(
        std::fs::read(h.app.context().paths.provider_ca_file()).unwrap(),
        std::fs::read(&ca).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.app.context().paths.provider_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let journal = kafedra_core::services::journal::entries(&h.store(), None, None, 20).unwrap();
    let entry = journal
        .iter()
        .find(|e| e.details.contains("подключение к ЭБС"))
        .expect("the connection change is journaled");
    assert!(!entry.details.contains("sim-secret"), "{}", entry.details);
    assert!(
        !entry.details.contains("library-password"),
        "{}",
        entry.details
    );

    // Step 3: pool logins (the default).
    h.ui(|ui| ui.find("Как читатели получают доступ"));
    h.picture("setup-3-access");
    next(&mut h);

    // Step 4: the first pool file, all or nothing.
    h.ui(|ui| ui.click("Загрузить файл… (CSV, XLSX)"));
    h.ui(|ui| ui.find("свободно"));
    assert_eq!(
        kafedra_core::services::pool::counts(&h.store())
            .unwrap()
            .free,
        3
    );
    h.picture("setup-4-pool");
    next(&mut h);

    // Step 5: the printer; a test slip saved as PDF.
    assert_eq!(h.app.setup_step(), Some(Step::Printer));
    h.ui(|ui| ui.click("Сохранить пробную памятку в PDF…"));
    let text = squash(&pdf_text(&test_slip));
    for needle in ["Библиотека им. Гайдара", "Пробная памятка", "ОБРАЗЕЦ-0001"]
    {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    h.picture("setup-5-printer");
    if let Some(dir) = std::env::var_os("KAFEDRA_SCREENS") {
        std::fs::copy(&test_slip, std::path::Path::new(&dir).join("test-slip.pdf")).unwrap();
    }
    next(&mut h);

    // Step 6: the summary, then the desk.
    assert_eq!(h.app.setup_step(), Some(Step::Done));
    h.ui(|ui| {
        ui.find("Библиотека: Библиотека им. Гайдара")?;
        ui.find("Подключение к ЭБС: сохранено и проверено")
    });
    h.picture("setup-6-done");
    h.ui(|ui| ui.click("Начать работу"));
    assert_eq!(h.app.setup_step(), None);
    h.ui(|ui| ui.find("Новый читатель (Ctrl+N)"));
    let settings = Settings::load(&h.app.context().paths.settings_file).0;
    assert_eq!(settings.setup_step, None);
    assert_eq!(settings.library_name, "Библиотека им. Гайдара");
    assert_eq!(settings.staff_name, "Ветрова А. П.");

    // The next start opens the desk, not the setup.
    let h = restart(h);
    assert_eq!(h.app.setup_step(), None);
    h.rt.block_on(sim.shutdown());
}

/// What a successful check says: the simulator's library and its money, as
/// the desk writes them.
fn works_sentence(h: &Harness, sim: &sim::SimHandle) -> String {
    let client = kafedra_core::provider::Client::new(sim.client_config()).unwrap();
    let money = h.rt.block_on(client.library_info()).unwrap().money_left;
    format!(
        "Подключение работает: ЭБС приняла подпись и вход, «{}», на счёте {money}.",
        sim.config().library_name
    )
}

#[test]
fn a_setup_closed_half_way_resumes_at_its_step_and_can_be_left_for_later() {
    let mut h = fresh(Dialogs::default(), new_runtime());
    h.type_into(first_run::STAFF_ID, "Ветрова А. П.");
    next(&mut h);
    assert_eq!(h.app.setup_step(), Some(Step::Connection));
    // The connection step is skipped; nothing is saved for it.
    h.ui(|ui| ui.click("Пропустить шаг"));
    assert_eq!(h.app.setup_step(), Some(Step::Access));
    assert!(
        ProviderConfig::load(&h.app.context().paths)
            .unwrap()
            .is_none()
    );

    // The window closes here; the next start resumes at «доступ».
    let mut h = restart(h);
    assert_eq!(h.app.setup_step(), Some(Step::Access));
    assert_eq!(h.app.context().settings.staff_name, "Ветрова А. П.");
    h.ui(|ui| ui.click("← Назад"));
    assert_eq!(h.app.setup_step(), Some(Step::Connection));

    // «Настроить позже»: the desk opens, and stays open on the next start.
    h.ui(|ui| ui.click("Настроить позже"));
    assert_eq!(h.app.setup_step(), None);
    h.ui(|ui| ui.find("Новый читатель (Ctrl+N)"));
    let h = restart(h);
    assert_eq!(h.app.setup_step(), None);
}

#[test]
fn settings_file_from_before_the_setup_existed_opens_the_desk() {
    let d = Desk::with_settings(Settings::default());
    let paths = d.ctx.paths.clone();
    std::fs::write(&paths.settings_file, "library_name = \"Старая\"\n").unwrap();
    let (settings, warning) = Settings::load(&paths.settings_file);
    assert!(warning.is_none());
    assert_eq!(settings.setup_step, None);
    std::fs::write(&paths.settings_file, "library_name = [broken\n").unwrap();
    let (settings, warning) = Settings::load(&paths.settings_file);
    assert!(warning.is_some());
    assert_eq!(
        settings.setup_step, None,
        "a damaged file is not a fresh desk"
    );
    drop(d);
}

#[test]
fn about_shows_the_version_folders_and_licences_and_saves_an_error_report() {
    let d = Desk::with_settings(Settings {
        setup_step: None,
        ..Settings::default()
    });
    let report = d.path().join("report.zip");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: None,
            save: Some(report.clone()),
        },
    );
    h.ui(|ui| ui.click("Настройки"));
    h.ui(|ui| ui.click("О программе"));
    let version = format!("Kafedra {}", env!("CARGO_PKG_VERSION"));
    let crates = kafedra::ui::screens::about::crates();
    assert!(
        crates.iter().any(|(c, _)| c.starts_with("iced ")),
        "iced is listed"
    );
    let db = h.app.context().paths.db_file().display().to_string();
    h.ui(|ui| {
        ui.find(version.as_str())?;
        ui.find(db.as_str())
    });
    h.picture("about");
    std::fs::create_dir_all(&h.app.context().paths.log_dir).unwrap();
    std::fs::write(
        h.app.context().paths.log_dir.join("kafedra.2026-12-04.log"),
        "INFO kafedra started\n",
    )
    .unwrap();
    h.ui(|ui| ui.click("Сохранить отчёт об ошибке…"));
    let mut zip = zip_archive(&report);
    let mut text = String::new();
    zip.by_name("kafedra-report.txt")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains(&format!("Kafedra: {}", env!("CARGO_PKG_VERSION"))));
    assert!(zip.by_name("logs/kafedra.2026-12-04.log").is_ok());
    h.ui(|ui| ui.find("Подключение к ЭБС"));
}

fn zip_archive(path: &std::path::Path) -> zip::ZipArchive<std::fs::File> {
    zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap()
}

/// «О программе» lists the licence of every crate the program is built
/// from: the generated file is checked against Cargo.lock's dependency graph
/// as `cargo tree` resolves it for a build of both crates (normal and build
/// dependencies, for Linux and for Windows).
#[test]
fn the_licences_cover_every_crate_the_program_is_built_from() {
    let listed: std::collections::HashSet<String> = kafedra::ui::screens::about::crates()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    for target in ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-gnu"] {
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "-e",
                "normal,build",
                "--target",
                target,
                "--prefix",
                "none",
                "--format",
                "{p}",
                "-p",
                "kafedra",
                "-p",
                "kafedra-core",
                "--locked",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8(out.stdout).unwrap();
        let mut missing: Vec<String> = tree
            .lines()
            // «name v1.2.3», «name v1.2.3 (proc-macro)», «kafedra v0.1.0 (/path)».
            .filter(|l| !l.contains("(/") && !l.contains("(*)") && !l.trim().is_empty())
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                let name = words.next()?;
                let version = words.next()?.strip_prefix('v')?;
                Some(format!("{name} {version}"))
            })
            .filter(|c| !listed.contains(c))
            .collect();
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "{target}: not in resources/licenses/THIRD-PARTY.txt (run packaging/licenses.sh): {missing:?}"
        );
    }
}

/// Every step of the setup is also in Settings: the connection page shows
/// the saved connection without its secrets, checks it, and saving it with
/// the secret fields left empty keeps the saved secrets and connects the
/// desk's sync.
#[test]
fn the_connection_is_also_in_settings_and_keeps_its_secrets_when_left_empty() {
    let rt = new_runtime();
    let sim = rt.block_on(sim::start(SimConfig::default())).unwrap();
    let d = Desk::with_settings(Settings {
        setup_step: None,
        ..Settings::default()
    });
    let ca = d.path().join("sim-ca.pem");
    sim.write_ca_pem(&ca).unwrap();
    kafedra_core::services::provider::set_up(
        &d.ctx.paths,
        kafedra_core::services::provider::Setup {
            url: sim.base_url(),
            app_id: "kafedra-sim".into(),
            secret: "sim-secret".into(),
            libhouse: 4242,
            login: "library".into(),
            password: "library-password".into(),
            ca_pem: Some(std::fs::read(&ca).unwrap()),
            timeout_secs: 10,
            min_interval_ms: 10,
        },
    )
    .unwrap();
    let before = std::fs::read_to_string(d.ctx.paths.provider_file()).unwrap();
    let mut h = reopen(d, Dialogs::default(), rt);
    h.ui(|ui| ui.click("Настройки"));
    h.ui(|ui| ui.click("Подключение к ЭБС"));
    let url = sim.base_url();
    h.ui(|ui| {
        ui.find(url.as_str())?;
        ui.find("kafedra-sim")
    });
    h.ui(|ui| ui.click("Проверить подключение"));
    let works = works_sentence(&h, &sim);
    h.ui(|ui| ui.find(works.as_str()));
    h.picture("settings-connection");
    h.ui(|ui| ui.click("Сохранить подключение"));
    let after = std::fs::read_to_string(h.app.context().paths.provider_file()).unwrap();
    assert_eq!(before, after, "empty secret fields keep the saved secrets");
    h.ui(|ui| ui.find("ЭБС: на связи").map(|_| ()));
    h.rt.block_on(sim.shutdown());
}

/// The printer step is also in Settings: a test slip with the printer,
/// paper and texts on the form, saved as PDF here (no printer in CI).
#[test]
fn settings_make_a_test_slip_with_the_form_as_it_is() {
    let d = Desk::with_settings(Settings {
        setup_step: None,
        library_name: "Библиотека семейного чтения".into(),
        ..Settings::default()
    });
    let pdf = d.path().join("test-slip.pdf");
    let mut h = Harness::new(
        d,
        Dialogs::Preset {
            open: None,
            save: Some(pdf.clone()),
        },
    );
    h.ui(|ui| ui.click("Настройки"));
    h.ui(|ui| ui.click("Сохранить пробную памятку в PDF…"));
    let text = squash(&pdf_text(&pdf));
    for needle in [
        "Библиотека семейного чтения",
        "Пробная памятка",
        "ОБРАЗЕЦ-0001",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    let saved = format!("Пробная памятка сохранена в {}.", pdf.display());
    h.ui(|ui| ui.find(saved.as_str()));
}

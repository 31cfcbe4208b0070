//! The command line: the same services as the screens, with clear Russian
//! messages and non-zero exits on refusal.

use crate::support::{Desk, kafedra, pdf_text, pool_csv, run, squash};

#[test]
fn add_bind_and_slip_from_the_command_line() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let pool = dir.join("pool.csv");
    std::fs::write(&pool, pool_csv(3)).unwrap();

    let (code, out, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&pool));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Загружено 3 логина из «pool.csv»"), "{out}");

    let (code, out, err) = run(kafedra(&dir).args([
        "reader",
        "add",
        "--surname",
        "Орлова",
        "--name",
        "Вера",
        "--birth-date",
        "1979-06-01",
        "--email",
        "orlova@mail.ru",
        "--channel",
        "email",
        "--consent",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Орлова Вера"), "{out}");
    let card = out.trim().rsplit(' ').next().unwrap().to_string();

    let (code, out, err) = run(kafedra(&dir).arg("bind").arg(&card));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("выдан логин LR-0001"), "{out}");

    // Binding twice is refused, nothing changes.
    let (code, _, err) = run(kafedra(&dir).arg("bind").arg(&card));
    assert_eq!(code, 1);
    assert!(err.contains("уже есть логин ЭБС «LR-0001»"), "{err}");

    for layout in ["a5", "receipt"] {
        let pdf = dir.join(format!("slip-{layout}.pdf"));
        let (code, _, err) = run(kafedra(&dir)
            .args(["slip", &card, "--layout", layout, "--out"])
            .arg(&pdf));
        assert_eq!(code, 0, "{err}");
        let text = squash(&pdf_text(&pdf));
        for needle in ["Орлова", "Вера", card.as_str(), "LR-0001", "Pw0O1lI-0001"] {
            assert!(text.contains(needle), "{layout}: {needle:?} not in {text}");
        }
    }

    let (code, out, _) = run(kafedra(&dir).args(["journal", "--card", &card]));
    assert_eq!(code, 0);
    assert_eq!(out.matches("Памятка сохранена в PDF").count(), 2, "{out}");
    assert!(out.contains("Выдан логин ЭБС"), "{out}");
    assert!(
        !out.contains("Pw0O1lI"),
        "no password in the journal: {out}"
    );
}

#[test]
fn refused_input_says_what_to_fix_and_exits_non_zero() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let (code, _, err) = run(kafedra(&dir).args([
        "reader",
        "add",
        "--surname",
        "Орлова",
        "--name",
        "",
        "--birth-date",
        "2090-01-01",
        "--phone",
        "12345",
    ]));
    assert_eq!(code, 1);
    for m in [
        "Укажите имя читателя.",
        "Дата рождения в будущем — проверьте год.",
        "Телефон «12345» указан неверно",
        "Отметьте согласие на обработку персональных данных",
    ] {
        assert!(err.contains(m), "{m:?} not in {err}");
    }

    let (code, _, err) = run(kafedra(&dir).args(["bind", "000"]));
    assert_eq!(code, 1);
    assert!(err.contains("Читатель с билетом № 000 не найден."), "{err}");

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "login;password\nA;1\nA;2\n").unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&bad));
    assert_eq!(code, 1);
    assert!(err.contains("не загружен"), "{err}");
    assert!(err.contains("строка 3"), "{err}");
    let (_, out, _) = run(kafedra(&dir).args(["pool", "status"]));
    assert!(out.contains("всего 0"), "{out}");

    // Unknown arguments: clap's usage error, exit 2.
    let (code, _, _) = run(kafedra(&dir).args(["reader", "add", "--nonsense"]));
    assert_eq!(code, 2);
}

#[test]
fn possible_duplicates_are_refused_unless_confirmed() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let add = |extra: &[&str]| {
        let mut c = kafedra(&dir);
        c.args([
            "reader",
            "add",
            "--surname",
            "Белова",
            "--name",
            "Нина",
            "--birth-date",
            "01.02.1960",
            "--phone",
            "+79120000000",
            "--consent",
        ]);
        c.args(extra);
        run(&mut c)
    };
    assert_eq!(add(&[]).0, 0);
    let (code, _, err) = add(&[]);
    assert_eq!(code, 1);
    assert!(err.contains("возможно, он уже зарегистрирован"), "{err}");
    assert!(
        err.contains("то же ФИО и дата рождения, тот же телефон"),
        "{err}"
    );
    assert_eq!(add(&["--allow-duplicate"]).0, 0);
}

#[test]
fn pool_import_counts_in_russian_and_refuses_look_alikes_and_broken_files() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let one = dir.join("one.csv");
    std::fs::write(&one, "login;password\nABC-1;pw1\n").unwrap();
    let (code, out, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&one));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Загружен 1 логин из «one.csv»"), "{out}");

    // Cyrillic А, В, С: on a slip it reads as the login already in the pool.
    let look_alike = dir.join("look-alike.csv");
    std::fs::write(&look_alike, "login;password\nnew1;pw2\nАВС-1;pw3\n").unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&look_alike));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "строка 3: Логин «АВС-1» совпадает с логином «ABC-1», который уже есть в пуле"
        ),
        "{err}"
    );

    // UTF-8 with one stray Windows-1251 byte: refused, naming the line.
    let stray = dir.join("stray.csv");
    let mut bytes = "Логин;Пароль\nчитатель1;пароль1\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"reader2;pass\xE92\n");
    std::fs::write(&stray, bytes).unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&stray));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("в строке 3 есть испорченный символ"), "{err}");

    // Over the size limit: refused before it is read (the file is sparse).
    let huge = dir.join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&huge));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Файл слишком большой"), "{err}");

    let (_, out, _) = run(kafedra(&dir).args(["pool", "status"]));
    assert!(out.contains("всего 1"), "{out}");
}

#[test]
fn packaging_files_name_every_visible_command() {
    use clap::CommandFactory;

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("packaging");
    let (code, stdout, err) = run(kafedra(dir.path())
        .arg("generate-packaging-files")
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 0, "{stdout}{err}");

    let cli = kafedra::cli::Cli::command();
    let visible: Vec<String> = cli
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in [
        "pool", "reader", "bind", "slip", "requests", "decide", "stats", "sync",
    ] {
        assert!(visible.iter().any(|v| v == name), "{name} in {visible:?}");
    }

    let man = std::fs::read_to_string(out.join("man/kafedra.1")).expect("man/kafedra.1");
    assert!(man.contains(".TH kafedra 1"), "{man}");
    let bash = std::fs::read_to_string(out.join("completions/kafedra.bash")).expect("bash");
    for name in &visible {
        assert!(
            man.contains(&format!("kafedra\\-{}", name.replace('-', "\\-"))),
            "{name} not in the man page:\n{man}"
        );
        assert!(
            out.join(format!("man/kafedra-{name}.1")).is_file(),
            "no page for {name}"
        );
        assert!(
            bash.contains(name.as_str()),
            "{name} not in the bash completion"
        );
    }
    assert!(out.join("man/kafedra-pool-import.1").is_file());
    assert!(
        !bash.contains("generate"),
        "the hidden command is in the bash completion"
    );
    assert!(
        !man.contains("generate"),
        "the hidden command is in the man page"
    );
    for file in ["_kafedra", "kafedra.fish"] {
        let text = std::fs::read_to_string(out.join("completions").join(file)).expect(file);
        assert!(
            text.contains("provider-sim") && text.contains("link-card"),
            "{file}"
        );
    }
}

/// `kafedra journal | head -1`: the listing ends quietly when its reader
/// goes away, with no Rust panic on the closed pipe.
#[cfg(unix)]
#[test]
fn a_listing_piped_into_a_closed_reader_ends_without_a_panic() {
    use std::process::Stdio;
    let mut d = Desk::new();
    d.import(&pool_csv(3));
    let guard = d.release();
    for args in [&["journal", "--limit", "500"][..], &["pool", "status"][..]] {
        let mut child = kafedra(guard.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first line is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

/// Output into a full disk (`> /dev/full`): the reader is registered, and
/// the command says in Russian that only its output was lost (exit 3), with
/// no Rust backtrace.
#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_said_in_russian_not_as_a_panic() {
    let d = Desk::new();
    let guard = d.release();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = kafedra(guard.path())
        .args([
            "reader",
            "add",
            "--surname",
            "Полнова",
            "--name",
            "Дина",
            "--birth-date",
            "1990-01-02",
            "--email",
            "d@p.ru",
            "--consent",
        ])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("Не удалось вывести результат команды (нет места на диске)"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let (code, found, _) = run(kafedra(guard.path()).args(["reader", "find", "Полнова"]));
    assert_eq!(code, 0);
    assert!(found.contains("Полнова Дина"), "{found}");
}

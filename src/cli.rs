//! The command line: the same use cases as the screens, through the same
//! services in [`crate::desk`], for admins and scripts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Paths, Settings, SlipLayout};
use crate::desk::{self, Context, DeskError, ImportProblem};
use crate::domain::BlockReason;
use crate::domain::reader::{Channel, ReaderDraft};
use crate::domain::request::Decision;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "kafedra",
    version,
    about = "Kafedra — АРМ «Читатели» с доступом к ЭБС",
    long_about = "Без команды запускает рабочее место (окно). Команды ниже делают то же, что экраны, для администраторов и скриптов."
)]
pub struct Cli {
    /// Папка данных (база, настройки, памятки) вместо папок пользователя.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Запустить окно на новой папке с примерами читателей и логинов.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Пул логинов ЭБС.
    Pool {
        #[command(subcommand)]
        command: PoolCommand,
    },
    /// Читатели.
    Reader {
        #[command(subcommand)]
        command: ReaderCommand,
    },
    /// Выдать читателю (по № билета) следующий свободный логин.
    Bind { card: String },
    /// Заблокировать действующий логин читателя.
    Block {
        card: String,
        #[arg(long, value_enum)]
        reason: ReasonArg,
        /// Пояснение (обязательно для --reason other).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Памятка доступа читателя: сохранить в PDF и/или напечатать.
    Slip {
        card: String,
        #[arg(long, value_name = "FILE.pdf", required_unless_present = "print")]
        out: Option<PathBuf>,
        #[arg(long, value_enum)]
        layout: Option<LayoutArg>,
        /// Отправить на принтер (CUPS lp).
        #[arg(long)]
        print: bool,
    },
    /// Последние записи журнала.
    Journal {
        #[arg(long, default_value_t = 30)]
        limit: usize,
        /// Только события читателя с этим № билета.
        #[arg(long)]
        card: Option<String>,
    },
    /// Симулятор ЭБС: тот же протокол по HTTPS на 127.0.0.1 (параметры: --help).
    #[command(name = "provider-sim", disable_help_flag = true)]
    ProviderSim {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Подключение к ЭБС.
    Provider {
        #[command(subcommand)]
        command: ProviderCommand,
    },
    /// Синхронизировать с ЭБС сейчас: отправить очередь, забрать изменения.
    Sync,
    /// Запросы читателей на книги (из ЭБС).
    Requests {
        /// Все, а не только ждущие решения.
        #[arg(long)]
        all: bool,
    },
    /// Решение по запросу: выдать, купить и выдать, отказать, отменить.
    Decide {
        request: String,
        #[arg(value_enum)]
        decision: DecisionArg,
        /// Причина отказа (код): age_rating, no_free_copy, price_over_cap, money_exhausted,
        /// monthly_purchase_limit, books_on_hand_limit, copies_per_title_limit, not_eligible,
        /// duplicate, other.
        #[arg(long, default_value = "other")]
        reason: String,
        /// Текст для читателя (обязателен для отказа).
        #[arg(long, default_value = "")]
        text: String,
    },
    /// Замеры скорости: регистрация+выдача+памятка, поиск по 1 000 000 читателей, загрузка 100 000 логинов.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        readers: usize,
        #[arg(long, default_value_t = 100_000)]
        pool: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Сохранить подключение (в файле, доступном только владельцу).
    Set {
        /// Адрес ЭБС, например https://catalit.litres.ru
        #[arg(long)]
        url: String,
        /// Идентификатор приложения.
        #[arg(long)]
        app: String,
        /// Файл с секретным ключом приложения (первая строка).
        #[arg(long, value_name = "FILE")]
        secret_file: PathBuf,
        /// Дополнительный корневой сертификат (PEM), например симулятора.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
        /// Идентификатор библиотеки (libhouse).
        #[arg(long, default_value_t = 4242)]
        libhouse: u64,
        /// Логин библиотеки в ЭБС.
        #[arg(long, default_value = "library")]
        login: String,
        /// Файл с паролем библиотеки (первая строка); по умолчанию — пароль симулятора.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// Не чаще одного обращения за столько миллисекунд.
        #[arg(long, default_value_t = 1000)]
        pace_ms: u64,
        /// Ждать ответа не дольше, секунд.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Показать подключение (без секретов) и состояние синхронизации.
    Show,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DecisionArg {
    Issue,
    Buy,
    Refuse,
    Cancel,
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Загрузить список логинов (CSV или XLSX) — целиком или никак.
    Import { file: PathBuf },
    /// Сколько логинов свободно, выдано, заблокировано.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ReaderCommand {
    /// Зарегистрировать читателя.
    Add(AddArgs),
    /// Найти читателя по фамилии, имени, № билета или логину.
    Find { query: String },
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[arg(long)]
    surname: String,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    patronymic: String,
    /// ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.
    #[arg(long)]
    birth_date: String,
    /// № билета; без него номер берётся по шаблону из настроек.
    #[arg(long, default_value = "")]
    card: String,
    #[arg(long, default_value = "")]
    email: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, value_enum, default_value_t = ChannelArg::Desk)]
    channel: ChannelArg,
    /// Читатель (или законный представитель) подписал согласие на обработку ПДн.
    #[arg(long)]
    consent: bool,
    /// ФИО законного представителя (для читателей младше 14 лет).
    #[arg(long, default_value = "")]
    representative: String,
    /// Зарегистрировать, даже если похожий читатель уже есть.
    #[arg(long)]
    allow_duplicate: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Desk,
    Email,
    Web,
    Qr,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    A5,
    Receipt,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReasonArg {
    Lost,
    Compromised,
    ReaderRequest,
    Other,
}

/// Exit codes: 0 done; 1 refused (bad input, nothing changed); 2 bad
/// arguments (clap); 3 could not work (database, files, printer).
const REFUSED: u8 = 1;
const FAILED: u8 = 3;

struct Failure {
    code: u8,
    message: String,
}

impl From<DeskError> for Failure {
    fn from(e: DeskError) -> Self {
        let code = match &e {
            DeskError::Store(_) | DeskError::File(_) | DeskError::Slip(_) | DeskError::Print(_) => {
                FAILED
            }
            _ => REFUSED,
        };
        let message = match &e {
            DeskError::Invalid(errors) => {
                let mut m = String::from("Читатель не сохранён:");
                for err in errors {
                    m.push_str("\n  - ");
                    m.push_str(&err.message);
                }
                m
            }
            DeskError::PossibleDuplicates(dups) => {
                let mut m = String::from("Читатель не сохранён: возможно, он уже зарегистрирован.");
                for d in dups {
                    let reasons: Vec<&str> = d.reasons.iter().map(|r| r.label()).collect();
                    m.push_str(&format!(
                        "\n  - {}, д. р. {}, билет № {} ({})",
                        d.reader.full_name,
                        d.reader.birth_date.format("%d.%m.%Y"),
                        d.reader.card,
                        reasons.join(", ")
                    ));
                }
                m.push_str("\nЕсли это другой человек, повторите команду с --allow-duplicate.");
                m
            }
            other => other.to_string(),
        };
        Failure { code, message }
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure {
            code: FAILED,
            message: e.to_string(),
        }
    }
}

fn refused(message: impl Into<String>) -> Failure {
    Failure {
        code: REFUSED,
        message: message.into(),
    }
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KAFEDRA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

struct Opened {
    ctx: Context,
    store: Store,
    warning: Option<String>,
}

fn open(data_dir: Option<&Path>) -> Result<Opened, Failure> {
    let paths = Paths::resolve(data_dir).map_err(|m| Failure {
        code: FAILED,
        message: m,
    })?;
    let (settings, warning) = Settings::load(&paths.settings_file);
    let store = Store::open(&paths.db_file())?;
    Ok(Opened {
        ctx: Context::new(settings, paths),
        store,
        warning,
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    let Some(command) = cli.command else {
        return run_gui(cli.data_dir.as_deref(), cli.demo);
    };
    if let Command::Bench { readers, pool } = command {
        return crate::bench::run(readers, pool).map_err(|m| Failure {
            code: FAILED,
            message: m,
        });
    }
    if let Command::ProviderSim { args } = command {
        let rt = runtime()?;
        return rt
            .block_on(crate::provider::sim::cli::run(args))
            .map_err(|e| refused(e.to_string()));
    }
    let Opened {
        ctx,
        mut store,
        warning,
    } = open(cli.data_dir.as_deref())?;
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    match command {
        Command::Pool {
            command: PoolCommand::Import { file },
        } => {
            let bytes = desk::read_file(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            match desk::import_pool(&mut store, &ctx, &bytes, &name, &mut |_, _| {}) {
                Ok(r) => {
                    println!(
                        "Загружено {} логинов из «{}» (кодировка {}).",
                        r.rows, r.file_name, r.encoding
                    );
                    print_pool(&store)?;
                    Ok(())
                }
                Err(problem) => {
                    let mut m =
                        format!("Файл «{name}» не загружен, в пул ничего не записано.\n{problem}");
                    if let ImportProblem::Rows(rows) = &problem {
                        for r in rows {
                            m.push_str(&format!("\n  строка {}: {}", r.line, r.message));
                        }
                    }
                    Err(refused(m))
                }
            }
        }
        Command::Pool {
            command: PoolCommand::Status,
        } => print_pool(&store),
        Command::Reader {
            command: ReaderCommand::Add(a),
        } => {
            let draft = ReaderDraft {
                surname: a.surname,
                name: a.name,
                patronymic: a.patronymic,
                birth_date: a.birth_date,
                card: a.card,
                email: a.email,
                phone: a.phone,
                channel: match a.channel {
                    ChannelArg::Desk => Channel::Desk,
                    ChannelArg::Email => Channel::Email,
                    ChannelArg::Web => Channel::Web,
                    ChannelArg::Qr => Channel::Qr,
                },
                consent: a.consent,
                representative: a.representative,
            };
            let r = desk::register_reader(&mut store, &ctx, &draft, a.allow_duplicate)?;
            println!("Зарегистрирован(а): {}, билет № {}", r.full_name(), r.card);
            Ok(())
        }
        Command::Reader {
            command: ReaderCommand::Find { query },
        } => {
            let hits = desk::search(&store, &query)?;
            if hits.is_empty() {
                return Err(refused(format!("Никого не нашлось по запросу «{query}».")));
            }
            for h in hits {
                println!(
                    "{}\t{}\t{}\t{}",
                    h.card,
                    h.full_name,
                    h.birth_date.format("%d.%m.%Y"),
                    h.login.as_deref().unwrap_or("—")
                );
            }
            Ok(())
        }
        Command::Bind { card } => {
            let reader = desk::find_by_card(&store, &card)?;
            let b = desk::bind_login(&mut store, &ctx, reader.id, None)?;
            println!(
                "{}, билет № {}: выдан логин {}",
                reader.full_name(),
                reader.card,
                b.account.login
            );
            Ok(())
        }
        Command::Block {
            card,
            reason,
            comment,
        } => {
            let reader = desk::find_by_card(&store, &card)?;
            let reason = match reason {
                ReasonArg::Lost => BlockReason::Lost,
                ReasonArg::Compromised => BlockReason::Compromised,
                ReasonArg::ReaderRequest => BlockReason::ReaderRequest,
                ReasonArg::Other => BlockReason::Other,
            };
            let b = desk::block_login(&mut store, &ctx, reader.id, reason, &comment)?;
            println!(
                "Логин {} читателя {} заблокирован. Выдайте новый: kafedra bind {}",
                b.account.login,
                reader.full_name(),
                reader.card
            );
            Ok(())
        }
        Command::Slip {
            card,
            out,
            layout,
            print,
        } => {
            let reader = desk::find_by_card(&store, &card)?;
            let layout = match layout {
                Some(LayoutArg::A5) => SlipLayout::A5,
                Some(LayoutArg::Receipt) => SlipLayout::Receipt,
                None => ctx.settings.slip_layout,
            };
            if let Some(out) = out {
                let path = desk::save_slip(&mut store, &ctx, reader.id, layout, &out)?;
                println!("Памятка сохранена: {}", path.display());
            }
            if print {
                let job = desk::print_slip(&mut store, &ctx, reader.id, layout)?;
                println!("Памятка отправлена на печать: {job}");
            }
            Ok(())
        }
        Command::Journal { limit, card } => {
            let reader = match card {
                Some(c) => Some(desk::find_by_card(&store, &c)?.id),
                None => None,
            };
            for e in store.journal(reader, None, limit)? {
                println!(
                    "{}\t{}\t{}\t{}\t{} ({})",
                    e.at.with_timezone(&chrono::Local)
                        .format("%d.%m.%Y %H:%M:%S"),
                    e.label(),
                    e.reader_name.as_deref().unwrap_or(""),
                    e.details,
                    e.staff,
                    e.desk
                );
            }
            Ok(())
        }
        Command::Provider {
            command:
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
                },
        } => {
            let first_line = |p: &Path| -> Result<String, Failure> {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| refused(format!("Не удалось прочитать {}: {e}", p.display())))?;
                let line = text.lines().next().unwrap_or("").trim().to_string();
                if line.is_empty() {
                    return Err(refused(format!(
                        "Файл {} пуст: в первой строке должен быть секрет.",
                        p.display()
                    )));
                }
                Ok(line)
            };
            if !url.starts_with("https://") {
                return Err(refused(format!(
                    "Адрес ЭБС «{url}» должен начинаться с https:// — без шифрования работать нельзя."
                )));
            }
            let ca_pem = match &ca {
                Some(p) => Some(std::fs::read(p).map_err(|e| {
                    refused(format!(
                        "Не удалось прочитать сертификат {}: {e}",
                        p.display()
                    ))
                })?),
                None => None,
            };
            let cfg = crate::config::ProviderConfig {
                url,
                app_id: app,
                secret: first_line(&secret_file)?,
                libhouse,
                login,
                password: match &password_file {
                    Some(p) => first_line(p)?,
                    None => "library-password".into(),
                },
                extra_ca: ca_pem.is_some(),
                timeout_secs: timeout,
                min_interval_ms: pace_ms,
            };
            // Check the settings make a client before saving them.
            crate::provider::Client::new(cfg.client_config_with(ca_pem.clone()))
                .map_err(|e| refused(e.user_message()))?;
            cfg.save(&ctx.paths, ca_pem.as_deref())
                .map_err(|m| Failure {
                    code: FAILED,
                    message: m,
                })?;
            println!(
                "Подключение к ЭБС сохранено в {} (читать может только владелец).",
                ctx.paths.provider_file().display()
            );
            Ok(())
        }
        Command::Provider {
            command: ProviderCommand::Show,
        } => {
            match crate::config::ProviderConfig::load(&ctx.paths).map_err(refused)? {
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
            let s = store.sync_status()?;
            println!("{}", crate::provider::sync::status_line(&s));
            Ok(())
        }
        Command::Sync => {
            let cfg = crate::config::ProviderConfig::load(&ctx.paths)
                .map_err(refused)?
                .ok_or_else(|| refused("Подключение к ЭБС не настроено: kafedra provider set --url … --app … --secret-file …"))?;
            let client =
                crate::provider::Client::new(cfg.client_config(&ctx.paths).map_err(refused)?)
                    .map_err(|e| refused(e.user_message()))?;
            let rt = runtime()?;
            let db = crate::store::Db::new(store);
            let report = rt.block_on(crate::provider::sync::sync_once(
                &db,
                &client,
                desk::PROVIDER,
                &ctx.actor,
            ));
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
                    Err(Failure {
                        code: FAILED,
                        message: m,
                    })
                }
            }
        }
        Command::Requests { all } => {
            let list = store.requests(!all, 500)?;
            if list.is_empty() {
                println!("Запросов нет. Синхронизируйте: kafedra sync");
            }
            for r in list {
                println!(
                    "{}\t{}\t{} — {}\t{}\t{}",
                    r.id,
                    r.reader_name.as_deref().unwrap_or(&r.lib_card),
                    r.authors,
                    r.title,
                    r.status,
                    r.local_decision
                        .as_deref()
                        .map(|d| format!("решение: {d}, ждёт отправки"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Decide {
            request,
            decision,
            reason,
            text,
        } => {
            let d = match decision {
                DecisionArg::Issue => Decision::Issue,
                DecisionArg::Buy => Decision::Buy,
                DecisionArg::Refuse => Decision::Refuse { reason, text },
                DecisionArg::Cancel => Decision::Cancel { comment: text },
            };
            desk::decide_request(&mut store, &ctx, &request, &d)?;
            println!(
                "Решение «{}» записано и ждёт отправки в ЭБС (kafedra sync).",
                d.label()
            );
            Ok(())
        }
        Command::Bench { .. } | Command::ProviderSim { .. } => Ok(()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: FAILED,
            message: format!("Не удалось запустить асинхронную среду: {e}"),
        })
}

fn print_pool(store: &Store) -> Result<(), Failure> {
    let c = store.pool_counts(desk::PROVIDER)?;
    println!(
        "Пул логинов: свободно {}, выдано {}, заблокировано {}, всего {}.",
        c.free,
        c.assigned,
        c.blocked,
        c.total()
    );
    Ok(())
}

fn run_gui(data_dir: Option<&Path>, demo: bool) -> Result<(), Failure> {
    if demo {
        let dir = match data_dir {
            Some(d) => d.to_path_buf(),
            None => std::env::temp_dir().join(format!(
                "kafedra-demo-{}",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            )),
        };
        // The provider simulator runs in this process on its own runtime,
        // with a steady trickle of readers' requests.
        let rt = runtime()?;
        let (ctx, store, _sim) = rt
            .block_on(crate::demo::prepare_with_provider(&dir))
            .map_err(|m| Failure {
                code: FAILED,
                message: m,
            })?;
        eprintln!("Демо-режим: данные в {}", dir.display());
        let link = crate::ui::ProviderLink::from_context(&ctx);
        return gui(ctx, store, link, None);
    }
    let Opened {
        ctx,
        store,
        warning,
    } = open(data_dir)?;
    let link = crate::ui::ProviderLink::from_context(&ctx);
    gui(ctx, store, link, warning)
}

fn gui(
    ctx: Context,
    store: Store,
    link: crate::ui::ProviderLink,
    warning: Option<String>,
) -> Result<(), Failure> {
    crate::ui::run(ctx, store, crate::ui::Dialogs::Native, link, warning).map_err(|e| Failure {
        code: FAILED,
        message: format!("Не удалось открыть окно программы: {e}"),
    })
}

//! The command line's arguments (clap). The help texts are Russian: they are
//! what an administrator reads.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use kafedra_core::domain::request::RefusalReason;
use kafedra_core::domain::rules::Rule;

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
    /// Открыть читателю (по № билета) доступ к ЭБС: выдать следующий свободный логин
    /// из пула или, если так выбрано в настройках, поставить в очередь создание его
    /// учётной записи в ЭБС.
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
        /// Отправить на принтер из настроек (или принтер по умолчанию): CUPS lp в Linux, программа PDF в Windows.
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
        /// Очередь в порядке очерёдности библиотеки: одна строка JSON на запрос
        /// (id, position, card, reasons, rules, waiting_hours…).
        #[arg(long, conflicts_with = "all")]
        json: bool,
    },
    /// Связать карту ЭБС (из запроса) с читателем библиотеки.
    LinkCard {
        /// Номер карты (lib_card) в ЭБС.
        lib_card: String,
        /// Билет читателя в библиотеке.
        #[arg(long)]
        reader: String,
    },
    /// Решение по запросу: выдать, купить и выдать, отказать, отменить.
    Decide {
        request: String,
        #[arg(value_enum)]
        decision: DecisionArg,
        /// Причина отказа (код): age_rating, no_free_copy, price_over_cap, money_exhausted,
        /// monthly_purchase_limit, books_on_hand_limit, copies_per_title_limit, not_eligible,
        /// duplicate, other.
        #[arg(long, default_value = "other", value_parser = refusal_reason)]
        reason: RefusalReason,
        /// Текст для читателя (обязателен для отказа). Без него при отказе —
        /// текст библиотеки для выбранной причины.
        #[arg(long, default_value = "")]
        text: String,
        /// Решить вопреки правилу (код из `requests --json`: on_hand, age, free_copy, copy_issues,
        /// price_cap, title_copies, monthly_purchases, money, reader_allowance, draft,
        /// free_title); можно несколько раз.
        #[arg(long = "override", value_parser = rule_code)]
        overrides: Vec<Rule>,
    },
    /// Фонд библиотеки: поиск, списки «что впереди», выгрузка новых книг для каталога.
    Fund {
        #[command(subcommand)]
        command: FundCommand,
    },
    /// Статистика за период: CSV для скриптов (figure,group,value), XLSX или PDF с графиками.
    Stats {
        /// Начало периода, ГГГГ-ММ-ДД.
        #[arg(long, value_parser = day_arg)]
        from: chrono::NaiveDate,
        /// Конец периода, ГГГГ-ММ-ДД.
        #[arg(long, value_parser = day_arg)]
        to: chrono::NaiveDate,
        /// Считать на эту дату внутри периода (как «2019 г. на 15.06»).
        #[arg(long, value_parser = day_arg)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "csv")]
        format: StatsFormat,
        /// Файл; без него CSV печатается в стандартный вывод.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Замеры скорости: регистрация+выдача+памятка, поиск по 1 000 000 читателей, загрузка 100 000 логинов.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        readers: usize,
        #[arg(long, default_value_t = 100_000)]
        pool: usize,
    },
    /// Для сборки пакета: записать страницы man и дополнения для оболочек в папку.
    #[command(hide = true)]
    GeneratePackagingFiles {
        /// Папка: в ней появятся man/ и completions/.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum FundCommand {
    /// Найти книги фонда по названию, автору или жанру (части слов, ё = е).
    Search {
        /// Слова поиска (можно пусто: весь фонд по алфавиту).
        #[arg(default_value = "")]
        text: String,
        /// Только этот жанр (как его называет ЭБС).
        #[arg(long)]
        genre: Option<String>,
        /// Одна строка JSON на книгу.
        #[arg(long)]
        json: bool,
    },
    /// Списки: близко к 24-й выдаче, лицензия кончается, ушли в этом месяце, вернулись.
    Lists {
        /// Одна строка JSON на книгу каждого списка.
        #[arg(long)]
        json: bool,
    },
    /// Выгрузить новые книги месяца для электронного каталога.
    Export {
        /// Месяц: ГГГГ-ММ.
        #[arg(long)]
        month: String,
        #[arg(long, value_enum)]
        format: ExportArg,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Formats of the statistics report.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatsFormat {
    Csv,
    Xlsx,
    Pdf,
}

fn day_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("«{s}» — не дата: укажите ГГГГ-ММ-ДД, например 2026-11-30"))
}

/// Formats of the catalogue export.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportArg {
    Iso2709,
    Marcxml,
    Csv,
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
    pub surname: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub patronymic: String,
    /// ДД.ММ.ГГГГ (также ДДММГГГГ, Д.М.ГГГГ, ДД.ММ.ГГ, ГГГГ-ММ-ДД).
    #[arg(long)]
    pub birth_date: String,
    /// № билета; без него номер берётся по шаблону из настроек.
    #[arg(long, default_value = "")]
    pub card: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    #[arg(long, value_enum, default_value_t = ChannelArg::Desk)]
    pub channel: ChannelArg,
    /// Читатель (или законный представитель) подписал согласие на обработку ПДн.
    #[arg(long)]
    pub consent: bool,
    /// ФИО законного представителя (для читателей младше 14 лет).
    #[arg(long, default_value = "")]
    pub representative: String,
    /// Зарегистрировать, даже если похожий читатель уже есть.
    #[arg(long)]
    pub allow_duplicate: bool,
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

/// A rule by its code; an unknown code is refused with the list.
fn rule_code(s: &str) -> Result<Rule, String> {
    Rule::ALL
        .into_iter()
        .find(|r| r.code() == s)
        .ok_or_else(|| {
            let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
            format!("нет такого правила «{s}»; есть: {}", codes.join(", "))
        })
}

/// A refusal reason by its code; an unknown code is refused with the list.
fn refusal_reason(code: &str) -> Result<RefusalReason, String> {
    RefusalReason::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| {
            let codes: Vec<&str> = RefusalReason::ALL.iter().map(|r| r.code()).collect();
            format!(
                "причина «{code}» неизвестна; возможные: {}",
                codes.join(", ")
            )
        })
}

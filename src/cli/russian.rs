//! The command line in Russian: clap's own texts (the help's headings, the
//! help and version flags, its error messages) are English, so the command is
//! built with Russian ones and clap's errors are told again in Russian before
//! anyone reads them.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use super::Cli;

const TEMPLATE: &str = "\
{before-help}{about-with-newline}
Использование: {usage}

{all-args}{after-help}";

/// The clap command with Russian headings and flags, every subcommand too.
pub fn command() -> Command {
    russian(Cli::command(), true)
}

fn russian(cmd: Command, root: bool) -> Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("Команды")
        .disable_help_subcommand(true)
        .mut_args(|a| {
            let a = values_in_russian(a);
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading("Аргументы")
            } else {
                a.help_heading("Параметры")
            }
        });
    // A command that passes its arguments on (the simulator) keeps its own
    // --help.
    if !cmd.is_disable_help_flag_set() {
        cmd = cmd.disable_help_flag(true).arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Показать справку")
                .help_heading("Параметры"),
        );
    }
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Показать версию")
                .help_heading("Параметры"),
        );
    }
    cmd.mut_subcommands(|sub| russian(sub, false))
}

/// clap writes «[possible values: …]» and «[default: …]» after an
/// argument's help: they are hidden and said in Russian in the help itself.
fn values_in_russian(a: Arg) -> Arg {
    // Flags have «true/false» as their values inside clap: not shown.
    if !a.get_action().takes_values() {
        return a;
    }
    let mut extra = Vec::new();
    let mut a = a;
    if !a.is_hide_possible_values_set() {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect();
        if !values.is_empty() {
            extra.push(format!("возможные значения: {}", values.join(", ")));
            a = a.hide_possible_values(true);
        }
    }
    if !a.is_hide_default_value_set() {
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() {
            extra.push(format!("по умолчанию: {}", defaults.join(", ")));
            a = a.hide_default_value(true);
        }
    }
    if extra.is_empty() {
        return a;
    }
    let help = a.get_help().map(ToString::to_string).unwrap_or_default();
    let help = if help.is_empty() {
        format!("({})", extra.join("; "))
    } else {
        format!("{help} ({})", extra.join("; "))
    };
    a.help(help)
}

/// Parses the process's arguments; help and version are printed as asked,
/// and a mistake is said in Russian with the exit code 2.
pub fn parse() -> Cli {
    let matches = command().try_get_matches().unwrap_or_else(|e| fail(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| fail(e))
}

fn fail(e: clap::Error) -> ! {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
        _ => {
            eprintln!("{}", describe(&e));
            eprintln!("Справка: kafedra --help (или kafedra КОМАНДА --help).");
            std::process::exit(2);
        }
    }
}

/// One Russian sentence for a clap error.
pub fn describe(e: &clap::Error) -> String {
    let get = |kind: ContextKind| -> Option<String> {
        match e.get(kind)? {
            ContextValue::String(s) => Some(s.clone()),
            ContextValue::Strings(v) => Some(v.join(", ")),
            ContextValue::StyledStr(s) => Some(s.to_string()),
            ContextValue::StyledStrs(v) => Some(
                v.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ContextValue::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = get(ContextKind::SuggestedArg)
        .or_else(|| get(ContextKind::SuggestedSubcommand))
        .or_else(|| get(ContextKind::SuggestedValue))
        .map(|s| format!(" Возможно, имелось в виду: {s}."))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidValue => {
            let valid = get(ContextKind::ValidValue)
                .filter(|v| !v.is_empty())
                .map(|v| format!(" Допустимые значения: {v}."))
                .unwrap_or_default();
            if value.is_empty() {
                format!("Для {arg} нужно значение.{valid}")
            } else {
                format!("Неверное значение «{value}» для {arg}.{valid}{suggestion}")
            }
        }
        ErrorKind::ValueValidation => {
            // Our own value parsers explain in Russian; the standard ones
            // (numbers, paths) in English, which is not shown.
            let why = std::error::Error::source(e)
                .map(|s| s.to_string())
                .filter(|s| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)))
                .unwrap_or_else(|| {
                    "нужно число (или значение в формате, который показывает --help)".to_owned()
                });
            format!("Неверное значение «{value}» для {arg}: {why}.").replace("..", ".")
        }
        ErrorKind::UnknownArgument => {
            format!("Неизвестный параметр «{arg}».{suggestion}")
        }
        ErrorKind::InvalidSubcommand => format!(
            "Неизвестная команда «{}».{suggestion}",
            get(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => {
            format!("Не хватает обязательного параметра: {arg}.")
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "Укажите команду.".to_owned()
        }
        ErrorKind::ArgumentConflict => match get(ContextKind::PriorArg) {
            Some(prior) if prior == arg => format!("Параметр {arg} указан дважды."),
            Some(prior) => format!("Параметр {arg} нельзя указывать вместе с {prior}."),
            None => format!("Параметр {arg} нельзя указывать вместе с другим параметром."),
        },
        ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::NoEquals => format!("Неверное число значений для {arg}."),
        ErrorKind::InvalidUtf8 => "Параметры команды — не текст в UTF-8.".to_owned(),
        _ => "Неверные параметры команды.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(args: &[&str]) -> String {
        let e = command()
            .try_get_matches_from(std::iter::once("kafedra").chain(args.iter().copied()))
            .unwrap_err();
        describe(&e)
    }

    #[test]
    fn clap_mistakes_are_said_in_russian() {
        assert_eq!(
            error(&["slip", "1", "--layout", "a4", "--out", "x.pdf"]),
            "Неверное значение «a4» для --layout <LAYOUT>. Допустимые значения: a5, receipt."
        );
        assert!(error(&["bnd"]).starts_with("Неизвестная команда «bnd»."));
        assert_eq!(
            error(&["pool", "status", "--frob"]),
            "Неизвестный параметр «--frob»."
        );
        assert!(error(&["reader", "add"]).starts_with("Не хватает обязательного параметра"));
        for e in [error(&["bnd"]), error(&["journal", "--limit", "x"])] {
            assert!(!e.contains("error"), "{e}");
            assert!(!e.contains("invalid"), "{e}");
        }
    }

    #[test]
    fn the_help_is_in_russian() {
        let help = command().render_help().to_string();
        for heading in [
            "Использование:",
            "Команды:",
            "Параметры:",
            "Показать справку",
        ] {
            assert!(help.contains(heading), "{help}");
        }
        for english in ["Usage:", "Commands:", "Options:", "Print help"] {
            assert!(!help.contains(english), "{help}");
        }
        let mut cmd = command();
        cmd.build();
        let bind = cmd
            .find_subcommand_mut("bind")
            .unwrap()
            .render_help()
            .to_string();
        assert!(bind.contains("Аргументы:"), "{bind}");
        assert!(!bind.contains("Arguments:"), "{bind}");
        let block = cmd
            .find_subcommand_mut("block")
            .unwrap()
            .render_help()
            .to_string();
        assert!(block.contains("возможные значения: lost"), "{block}");
        assert!(!block.contains("possible values"), "{block}");
        let journal = cmd
            .find_subcommand_mut("journal")
            .unwrap()
            .render_help()
            .to_string();
        assert!(journal.contains("по умолчанию: 30"), "{journal}");
        assert!(!journal.contains("[default"), "{journal}");
        assert_eq!(
            error(&["requests", "--all", "--all"]),
            "Параметр --all указан дважды."
        );
        assert!(!error(&["--data-dir"]).contains("Допустимые значения"));
    }
}

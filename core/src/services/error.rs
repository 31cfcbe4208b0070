//! The one error type of the application services. Each variant keeps its
//! source; the Russian text a librarian reads is produced here (and in the
//! `#[error]` texts of the sources), from the kind, never parsed back.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::ConfigError;
use crate::domain::reader::FieldError;
use crate::domain::records::DuplicateHit;
use crate::import::pool::RowErrors;
use crate::provider::ProviderError;
use crate::slip::{PrintError, SlipError};
use crate::store::{BindError, StoreError};

/// What a file operation was doing when it failed (for the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    Read,
    Write,
    CreateFolder,
}

impl FileAction {
    fn verb(self) -> &'static str {
        match self {
            FileAction::Read => "прочитать файл",
            FileAction::Write => "записать файл",
            FileAction::CreateFolder => "создать папку",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Every problem of a form at once.
    #[error("Проверьте поля формы: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<FieldError>),
    /// The reader may already be registered: the candidates.
    #[error("Возможно, этот читатель уже зарегистрирован ({} совпад.). Откройте его карточку или подтвердите, что это другой человек.", .0.len())]
    PossibleDuplicates(Vec<DuplicateHit>),
    #[error("Читатель не найден.")]
    ReaderNotFound,
    #[error("Читатель с билетом № {0} не найден.")]
    CardNotFound(String),
    #[error("Запрос {0} не найден.")]
    RequestNotFound(crate::domain::ids::RequestId),
    /// A decision on a request that is not complete (no reason, no text…).
    #[error("{0}")]
    BadDecision(String),
    #[error("Опишите причину блокировки: выбрано «другое».")]
    BlockCommentMissing,
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Slip(#[from] SlipError),
    #[error(transparent)]
    Print(#[from] PrintError),
    #[error("Не удалось {} {}: {}", .action.verb(), .path.display(), crate::private::io_reason(.source))]
    File {
        action: FileAction,
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The pool file was refused: nothing was written.
    #[error(transparent)]
    Import(#[from] ImportProblem),
    /// The provider connection or a call to it.
    #[error("{}", .0.user_message())]
    Provider(#[source] ProviderError),
    /// The provider connection is not set up on this desk.
    #[error("Подключение к ЭБС не настроено: kafedra provider set --url … --app … --secret-file …")]
    ProviderNotConfigured,
    /// A settings or connection file that cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The provider's address is not https.
    #[error("Адрес ЭБС «{0}» должен начинаться с https:// — без шифрования работать нельзя.")]
    InsecureUrl(String),
    /// The provider's address carries a login, a password or parameters:
    /// they would be journaled and logged with it, and the API path would
    /// land after the parameters. The address is not repeated here.
    #[error(
        "Адрес ЭБС должен быть только адресом сервера (https://сервер[:порт][/путь]): без логина и пароля перед «@» и без параметров после «?» или «#»."
    )]
    UrlWithExtras,
    /// Settings that fail their checks: every problem.
    #[error("Настройки не сохранены: {}", .0.join(" "))]
    BadSettings(Vec<String>),
    /// The decision breaks rules the librarian has not confirmed overriding:
    /// each rule with its sentence. Nothing was written.
    #[error("«{title}»: {} нарушает правила — {}. Подтвердите решение вопреки {}.",
        .decision,
        .broken.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; "),
        if .broken.len() == 1 { "правилу" } else { "правилам" })]
    RulesBroken {
        title: String,
        decision: &'static str,
        broken: Vec<crate::domain::rules::Verdict>,
    },
    /// The library's policy fails its checks: every problem.
    #[error("Политика выдачи не сохранена: {}", .0.join(" "))]
    BadPolicy(Vec<String>),
    /// The reader has no provider card to issue to.
    #[error("У читателя нет логина ЭБС: сначала выдайте логин, потом книгу.")]
    NoProviderCard,
    #[error("Книги {0} нет в фонде библиотеки (синхронизируйте фонд).")]
    NotInFund(u64),
    /// Per-reader settings out of bounds.
    #[error("{0}")]
    BadLending(String),
    /// A fund search, export or collection asked for something impossible:
    /// what to fix, in Russian.
    #[error("{0}")]
    BadFundInput(String),
    /// A statistics period that cannot be: what to fix.
    #[error("{0}")]
    BadPeriod(String),
    /// A catalogue export, a booklet or a page could not be made.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
}

impl Error {
    pub(crate) fn file(action: FileAction, path: impl Into<PathBuf>, e: std::io::Error) -> Error {
        Error::File {
            action,
            path: path.into(),
            source: Arc::new(e),
        }
    }

    /// Did the desk fail (database, files, printer, network), rather than
    /// refuse the librarian's input? The command line exits with 3 for these.
    pub fn is_failure(&self) -> bool {
        match self {
            Error::Store(e)
            | Error::Bind(BindError::Store(e))
            | Error::Import(ImportProblem::Store(e)) => !e.is_refusal(),
            Error::File { .. } | Error::Slip(_) | Error::Print(_) => true,
            // A settings or connection file that cannot be read, written or
            // understood: the desk cannot work until an admin fixes it.
            Error::Config(_) => true,
            Error::Provider(e) => !matches!(e, ProviderError::Config(_)),
            _ => false,
        }
    }

    /// The text for a form that shows its own problems: refused settings are
    /// their sentences (without «Настройки не сохранены:»), anything else
    /// its message.
    pub fn form_text(&self) -> String {
        match self {
            Error::BadSettings(problems) => problems.join(" "),
            e => e.to_string(),
        }
    }

    /// The field problems of a refused registration, if that is what this is.
    pub fn field_errors(&self) -> Option<&[FieldError]> {
        match self {
            Error::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Provider(e)
    }
}

/// Why an import was refused: nothing was written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImportProblem {
    /// The file as a whole could not be read (encoding, format…).
    #[error("{0}")]
    Unreadable(String),
    /// Bad lines: the first problems in full, and how many more lines had them.
    #[error("Файл не загружен: {} с ошибками. Исправьте их и загрузите файл снова.", .0.lines_text())]
    Rows(RowErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_not_failures_and_failures_are() {
        let refused = [
            Error::Store(StoreError::RequestAlreadyDecided { title: "Т".into() }),
            Error::Store(StoreError::ReaderHasLogin),
            Error::Store(StoreError::ProviderAccountWaiting),
            Error::Bind(BindError::PoolEmpty),
            Error::Bind(BindError::TakenMeanwhile),
            Error::Bind(BindError::Store(StoreError::CardTaken {
                card: "1".into(),
                holder: "И".into(),
            })),
            Error::CardNotFound("1".into()),
            Error::BlockCommentMissing,
            Error::Import(ImportProblem::Unreadable("пусто".into())),
        ];
        for e in &refused {
            assert!(!e.is_failure(), "{e:?}");
        }
        let sqlite = || StoreError::from(rusqlite::Error::InvalidQuery);
        let failed = [
            Error::Store(sqlite()),
            Error::Bind(BindError::Store(sqlite())),
            Error::Import(ImportProblem::Store(sqlite())),
            Error::Store(StoreError::Inconsistent("x")),
            Error::Config(ConfigError::NoHome),
            Error::Config(ConfigError::DamagedConnection {
                path: "provider.toml".into(),
                detail: "строка 3".into(),
            }),
        ];
        for e in &failed {
            assert!(e.is_failure(), "{e:?}");
        }
    }
}

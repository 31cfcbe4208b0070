//! File dialogs: the system's (rfd), or paths given in advance.

use std::path::PathBuf;

use iced::Task;

/// Where file dialogs come from: the system dialog (rfd), or paths given in
/// advance (tests and scripted demos, where no dialog can be shown).
#[derive(Debug, Clone, Default)]
pub enum Dialogs {
    #[default]
    Native,
    Preset {
        open: Option<PathBuf>,
        save: Option<PathBuf>,
    },
}

impl Dialogs {
    pub fn pick_pool_file(&self) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title("Список логинов от поставщика")
                    .add_filter("CSV, TXT, XLSX", &["csv", "txt", "tsv", "xlsx"])
                    .pick_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { open, .. } => Task::done(open.clone()),
        }
    }

    /// The extra root certificate of the provider connection (PEM).
    pub fn pick_certificate(&self) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title("Корневой сертификат (PEM)")
                    .add_filter("PEM, CRT", &["pem", "crt", "cer"])
                    .pick_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { open, .. } => Task::done(open.clone()),
        }
    }

    /// A save dialog for any file the desk writes (`filter`: its kind, `ext`: its extension).
    pub fn save_file(
        &self,
        title: &'static str,
        suggested: String,
        filter: &'static str,
        ext: &'static str,
    ) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title(title)
                    .set_file_name(suggested)
                    .add_filter(filter, &[ext])
                    .save_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { save, .. } => Task::done(save.clone()),
        }
    }

    pub fn save_pdf(&self, suggested: String) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title("Сохранить памятку")
                    .set_file_name(suggested)
                    .add_filter("PDF", &["pdf"])
                    .save_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { save, .. } => Task::done(save.clone()),
        }
    }
}

//! «Напечатать пробную памятку» / «Сохранить пробную памятку в PDF…»: one
//! piece for the first-run setup and Settings, made with the settings on the
//! form (printer, paper, texts) before they are saved. One print at a time.

use std::path::PathBuf;

use iced::widget::{button, column, row, text};
use iced::{Element, Task};

use kafedra_core::config::Settings;
use kafedra_core::services::{Context, setup};

use crate::ui::dialogs::Dialogs;
use crate::ui::theme::space;

#[derive(Debug, Clone)]
pub enum Message {
    Print,
    Save,
    SavePath(Option<PathBuf>),
    Done(Result<String, String>),
}

#[derive(Default)]
pub struct TestSlip {
    /// A test slip is with the print system.
    printing: bool,
    /// What became of the last one.
    outcome: Option<Result<String, String>>,
}

impl TestSlip {
    /// `draft`: the settings as they stand on the form.
    pub fn update(
        &mut self,
        message: Message,
        draft: &Settings,
        ctx: &Context,
        dialogs: &Dialogs,
    ) -> Task<Message> {
        let ctx = Context::new(draft.clone(), ctx.paths.clone());
        let layout = draft.slip_layout;
        match message {
            Message::Print => {
                if self.printing {
                    return Task::none();
                }
                self.printing = true;
                self.outcome = None;
                blocking(move || {
                    setup::print_test_slip(&ctx, layout)
                        .map(|to| format!("Пробная памятка: {to}."))
                        .map_err(|e| format!("Пробная памятка не напечатана: {e}"))
                })
            }
            Message::Save => dialogs
                .save_pdf("Пробная памятка.pdf".into())
                .map(Message::SavePath),
            Message::SavePath(None) => Task::none(),
            Message::SavePath(Some(path)) => blocking(move || {
                setup::save_test_slip(&ctx, layout, &path)
                    .map(|p| format!("Пробная памятка сохранена в {}.", p.display()))
                    .map_err(|e| e.to_string())
            }),
            Message::Done(r) => {
                self.printing = false;
                self.outcome = Some(r);
                Task::none()
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let buttons = row![
            button(text(if self.printing {
                "Печать…"
            } else {
                "Напечатать пробную памятку"
            }))
            .on_press_maybe((!self.printing).then_some(Message::Print))
            .padding([8, 14])
            .style(button::secondary),
            button(text("Сохранить пробную памятку в PDF…"))
                .on_press(Message::Save)
                .padding([8, 14])
                .style(button::secondary),
        ]
        .spacing(space::M);
        let mut col = column![buttons].spacing(space::S);
        match &self.outcome {
            Some(Ok(t)) => col = col.push(text(t.clone()).style(text::success)),
            Some(Err(e)) => col = col.push(text(e.clone()).style(text::danger)),
            None => {}
        }
        col.into()
    }
}

/// Runs the print system or the file write off the UI thread.
fn blocking(f: impl FnOnce() -> Result<String, String> + Send + 'static) -> Task<Message> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(f)
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        },
        Message::Done,
    )
}

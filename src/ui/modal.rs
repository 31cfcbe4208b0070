//! A dialog over a screen: the screen dimmed behind, the dialog centred on
//! it, nothing behind it clickable. A click outside does not close it (a
//! refusal being written must not vanish by a stray click): the dialog's own
//! buttons do.

use iced::widget::{center, container, opaque, stack};
use iced::{Border, Color, Element, Theme};

/// `dialog` over `base`.
pub fn modal<'a, M: 'a>(
    base: impl Into<Element<'a, M>>,
    dialog: impl Into<Element<'a, M>>,
) -> Element<'a, M> {
    stack![
        base.into(),
        opaque(
            center(opaque(
                container(dialog).padding(20).max_width(720).style(card)
            ))
            .style(backdrop)
        )
    ]
    .into()
}

fn backdrop(_: &Theme) -> container::Style {
    container::Style {
        background: Some(
            Color {
                a: 0.55,
                ..Color::BLACK
            }
            .into(),
        ),
        ..container::Style::default()
    }
}

fn card(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Color::WHITE.into()),
        border: Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 8.0.into(),
        },
        ..container::Style::default()
    }
}

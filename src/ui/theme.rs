//! The look of the workstation in one place: fonts, colours, text sizes,
//! spacing and the small view pieces the screens share.

use std::borrow::Cow;

use iced::font::Weight;
use iced::theme::Palette;
use iced::widget::{button, column, container, row, text};
use iced::{Border, Color, Element, Font, Theme, color};

pub const FONT_REGULAR: Font = Font::with_name("DejaVu Sans");
pub const FONT_BOLD: Font = Font {
    weight: Weight::Bold,
    ..Font::with_name("DejaVu Sans")
};
/// Logins and passwords: a face where 0/O and 1/l/I differ.
pub const FONT_MONO: Font = Font::with_name("DejaVu Sans Mono");
pub const FONT_MONO_BOLD: Font = Font {
    weight: Weight::Bold,
    ..Font::with_name("DejaVu Sans Mono")
};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
const MONO_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf");

/// The embedded fonts (full Cyrillic), for the app and for `iced_test`.
pub fn fonts() -> Vec<Cow<'static, [u8]>> {
    vec![
        Cow::Borrowed(REGULAR),
        Cow::Borrowed(BOLD),
        Cow::Borrowed(MONO),
        Cow::Borrowed(MONO_BOLD),
    ]
}

/// Text sizes, in logical pixels.
pub mod size {
    /// Key hints next to tab names.
    pub const CAPTION: u32 = 11;
    /// Notes under a form.
    pub const HINT: u32 = 12;
    /// Labels, secondary lines, lists.
    pub const SMALL: u32 = 13;
    /// Body text (the default).
    pub const BODY: u32 = 15;
    /// The library's name, the search box, a notice that matters.
    pub const LARGE: u32 = 18;
    /// Section titles.
    pub const TITLE: u32 = 20;
    /// The login and password on the reader card.
    pub const CREDENTIAL: u32 = 24;
    /// Big numbers (pool counts).
    pub const FIGURE: u32 = 30;
}

/// Gaps between elements, in logical pixels.
pub mod space {
    pub const HAIR: u32 = 2;
    pub const XS: u32 = 4;
    pub const S: u32 = 6;
    pub const M: u32 = 8;
    pub const ML: u32 = 10;
    pub const L: u32 = 12;
    pub const XL: u32 = 14;
    pub const XXL: u32 = 16;
}

pub fn theme() -> Theme {
    Theme::custom(
        "Kafedra",
        Palette {
            background: color!(0xfbfaf7),
            text: color!(0x1f2328),
            primary: color!(0x1f5f8b),
            success: color!(0x2e7d32),
            warning: color!(0xb26a00),
            danger: color!(0xb3261e),
        },
    )
}

pub fn header(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.background.weak.color.into()),
        ..container::Style::default()
    }
}

pub fn status(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.background.weak.color.into()),
        ..container::Style::default()
    }
}

/// A white card with a thin border: the panels of the reader card and forms.
pub fn panel(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(Color::WHITE.into()),
        border: Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

/// The yellow box of warnings (possible duplicates, low pool).
pub fn warning_box(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(color!(0xfff4d6).into()),
        border: Border {
            color: p.warning.base.color,
            width: 1.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

pub fn error_box(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(color!(0xfdecea).into()),
        border: Border {
            color: p.danger.base.color,
            width: 1.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

pub fn nav_button<'a, M: Clone + 'a>(
    label: &'a str,
    key: &'a str,
    active: bool,
    on_press: M,
) -> Element<'a, M> {
    button(
        row![
            text(label),
            text(key).size(size::CAPTION).style(text::secondary)
        ]
        .spacing(space::S)
        .align_y(iced::Center),
    )
    .on_press(on_press)
    .padding([6, 12])
    .style(if active {
        button::primary
    } else {
        button::text
    })
    .into()
}

/// A labelled value on the reader card.
pub fn field<'a, M: 'a>(label: &'a str, value: impl Into<Element<'a, M>>) -> Element<'a, M> {
    row![text(label).width(170).style(text::secondary), value.into()]
        .spacing(space::M)
        .align_y(iced::Center)
        .into()
}

/// A section title.
pub fn title<'a, M: 'a>(s: impl text::IntoFragment<'a>) -> Element<'a, M> {
    text(s).size(size::TITLE).font(FONT_BOLD).into()
}

/// A list of error lines in a red box.
pub fn errors<'a, M: 'a>(lines: impl IntoIterator<Item = String>) -> Element<'a, M> {
    let col = lines
        .into_iter()
        .fold(column![].spacing(space::XS), |c, l| {
            c.push(text(l).style(text::danger))
        });
    container(col)
        .padding(10)
        .width(iced::Fill)
        .style(error_box)
        .into()
}

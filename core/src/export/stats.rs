//! The statistics report as XLSX (rust_xlsxwriter) and as a printable PDF
//! with its charts (the slip's fonts and drawing): the figures of the period
//! by group, the months' trends, and any mismatch between the desk and the provider.

use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use rust_xlsxwriter::{Format, Workbook};

use super::ExportError;
use crate::domain::stats::{FIGURES, figure_label, group_label};
use crate::domain::stats::{Months, Report, Value, YearColumn};
use crate::slip::compose::Op;
use crate::slip::font::{FontKind, Fonts};

/// Figures drawn month by month (the desk counts them per day).
pub const TREND_FIGURES: [&str; 4] = ["requests", "issues", "refusals", "logins_bound"];

fn value_cell(v: Value) -> f64 {
    match v {
        Value::Count(n) => n as f64,
        Value::Money(k) => k as f64 / 100.0,
        Value::Hours(h) => (h * 10.0).round() / 10.0,
    }
}

fn period_text(r: &Report) -> String {
    let mut s = format!(
        "{} — {}",
        r.period.from.format("%d.%m.%Y"),
        r.period.to.format("%d.%m.%Y")
    );
    if r.period.until() < r.period.to {
        s.push_str(&format!(", на {}", r.period.until().format("%d.%m.%Y")));
    }
    s
}

/// Rows of the report in order: (figure key, group key, value).
fn rows(r: &Report) -> Vec<(&'static str, String, Value)> {
    let mut out = Vec::new();
    for (figure, _) in FIGURES {
        let mut groups: Vec<(&String, &Value)> = r
            .values
            .iter()
            .filter(|((f, _), _)| f == figure)
            .map(|((_, g), v)| (g, v))
            .collect();
        groups.sort_by_key(|(g, _)| (g.as_str() != "all", g.to_string()));
        for (g, v) in groups {
            out.push((figure, g.clone(), *v));
        }
    }
    out
}

/// The report as an XLSX workbook: «Показатели», «По месяцам», «Расхождения».
pub fn xlsx(r: &Report, months: &Months, library: &str) -> Result<Vec<u8>, ExportError> {
    let err = |e: rust_xlsxwriter::XlsxError| ExportError::Pdf(format!("XLSX: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Показатели").map_err(err)?;
    sheet
        .write_string_with_format(0, 0, library, &bold)
        .map_err(err)?;
    sheet
        .write_string(1, 0, format!("Период: {}", period_text(r)))
        .map_err(err)?;
    for (c, h) in ["Показатель", "Группа", "Значение", "figure", "group"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string_with_format(3, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (i, (figure, group, v)) in rows(r).into_iter().enumerate() {
        let row = 4 + i as u32;
        sheet
            .write_string(row, 0, figure_label(figure))
            .map_err(err)?;
        sheet
            .write_string(row, 1, group_label(&group))
            .map_err(err)?;
        sheet.write_number(row, 2, value_cell(v)).map_err(err)?;
        sheet.write_string(row, 3, figure).map_err(err)?;
        sheet.write_string(row, 4, &group).map_err(err)?;
    }
    sheet.set_column_width(0, 40).map_err(err)?;
    sheet.set_column_width(1, 28).map_err(err)?;

    let sheet = wb.add_worksheet();
    sheet.set_name("По месяцам").map_err(err)?;
    sheet
        .write_string_with_format(0, 0, "Месяц", &bold)
        .map_err(err)?;
    for (c, f) in TREND_FIGURES.iter().enumerate() {
        sheet
            .write_string_with_format(0, 1 + c as u16, figure_label(f), &bold)
            .map_err(err)?;
    }
    for (i, (month, values)) in months.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, month).map_err(err)?;
        for (c, f) in TREND_FIGURES.iter().enumerate() {
            let n = values
                .get(&((*f).to_owned(), "all".to_owned()))
                .copied()
                .unwrap_or(0);
            sheet
                .write_number(row, 1 + c as u16, n as f64)
                .map_err(err)?;
        }
    }

    let sheet = wb.add_worksheet();
    sheet.set_name("Расхождения").map_err(err)?;
    for (c, h) in ["Показатель", "Кафедра", "ЭБС"].iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (i, m) in r.mismatches.iter().enumerate() {
        let row = 1 + i as u32;
        sheet
            .write_string(row, 0, figure_label(m.figure))
            .map_err(err)?;
        sheet.write_number(row, 1, m.desk as f64).map_err(err)?;
        sheet.write_number(row, 2, m.provider as f64).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

const MM: f32 = 72.0 / 25.4;
const W: f32 = 210.0 * MM;
const H: f32 = 297.0 * MM;
const M: f32 = 15.0 * MM;

struct Page {
    ops: Vec<Op>,
    y: f32,
}

impl Page {
    fn line(&mut self, x: f32, font: FontKind, size: f32, gray: u8, text: String) {
        self.y += size * 1.35;
        self.ops.push(Op::Text {
            x,
            baseline: self.y,
            font,
            size,
            text,
            gray,
        });
    }
}

/// A bar chart of one figure by month, drawn as shapes with its labels.
fn chart(p: &mut Page, fonts: &Fonts, title: &str, bars: &[(String, i64)]) {
    let face = fonts.face(FontKind::Regular);
    p.line(M, FontKind::Bold, 11.0, 0, title.to_owned());
    p.y += 2.0 * MM;
    let height = 40.0 * MM;
    let top = p.y;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let width = W - 2.0 * M;
    let n = bars.len().max(1) as f32;
    let slot = width / n;
    let bar = (slot * 0.7).min(14.0 * MM);
    p.ops.push(Op::Rect {
        x: M,
        y: top + height,
        w: width,
        h: 0.5,
        fill: Some(80),
        stroke: None,
    });
    for (i, (label, v)) in bars.iter().enumerate() {
        let h = height * (*v as f32) / (max as f32);
        let x = M + slot * i as f32 + (slot - bar) / 2.0;
        p.ops.push(Op::Rect {
            x,
            y: top + height - h,
            w: bar,
            h: h.max(0.3),
            fill: Some(90),
            stroke: None,
        });
        let value = v.to_string();
        let vs = 7.0;
        p.ops.push(Op::Text {
            x: x + (bar - face.width(&value, vs)) / 2.0,
            baseline: top + height - h - 1.5,
            font: FontKind::Regular,
            size: vs,
            text: value,
            gray: 0,
        });
        if bars.len() <= 24 {
            let ls = 6.5;
            p.ops.push(Op::Text {
                x: x + (bar - face.width(label, ls)) / 2.0,
                baseline: top + height + 9.0,
                font: FontKind::Regular,
                size: ls,
                text: label.clone(),
                gray: 60,
            });
        }
    }
    p.y = top + height + 16.0;
}

/// One line of the years table: its figure from a column.
type YearFigure = fn(&YearColumn) -> i64;

/// The report as a printable A4 PDF with its charts.
pub fn pdf(
    r: &Report,
    months: &Months,
    years: &[YearColumn],
    library: &str,
) -> Result<Vec<u8>, ExportError> {
    let fonts = Fonts::get().map_err(ExportError::Pdf)?;
    let mut pages: Vec<Vec<Op>> = Vec::new();
    let mut p = Page {
        ops: Vec::new(),
        y: M,
    };
    p.line(M, FontKind::Regular, 9.0, 90, library.trim().to_owned());
    p.line(
        M,
        FontKind::Bold,
        16.0,
        0,
        "Электронная библиотека: статистика".into(),
    );
    p.line(
        M,
        FontKind::Regular,
        10.0,
        30,
        format!("Период: {}", period_text(r)),
    );
    p.y += 3.0 * MM;
    for (figure, group, v) in rows(r) {
        if p.y > H - M - 20.0 {
            pages.push(std::mem::take(&mut p.ops));
            p.y = M;
        }
        let indent = if group == "all" { 0.0 } else { 8.0 * MM };
        let label = if group == "all" {
            figure_label(figure).to_owned()
        } else {
            group_label(&group)
        };
        let value = match v {
            Value::Count(n) => n.to_string(),
            Value::Money(k) => format!("{},{:02} ₽", k / 100, (k % 100).abs()),
            Value::Hours(h) => format!("{h:.1} ч").replace('.', ","),
        };
        let font = if group == "all" {
            FontKind::Bold
        } else {
            FontKind::Regular
        };
        p.line(M + indent, font, 9.5, 0, label);
        let face = fonts.face(font);
        p.ops.push(Op::Text {
            x: W - M - face.width(&value, 9.5),
            baseline: p.y,
            font,
            size: 9.5,
            text: value,
            gray: 0,
        });
    }
    if !r.mismatches.is_empty() {
        p.y += 3.0 * MM;
        p.line(
            M,
            FontKind::Bold,
            10.0,
            0,
            "Расхождения кафедры и ЭБС".into(),
        );
        for m in &r.mismatches {
            p.line(
                M,
                FontKind::Regular,
                9.5,
                0,
                format!(
                    "{}: по журналу кафедры {}, по данным ЭБС {}",
                    figure_label(m.figure),
                    m.desk,
                    m.provider
                ),
            );
        }
    }
    pages.push(std::mem::take(&mut p.ops));
    // The article's table: years as columns, with its chart.
    if !years.is_empty() {
        p.y = M;
        p.line(M, FontKind::Bold, 14.0, 0, "По годам".into());
        p.y += 2.0 * MM;
        let col_w = (W - 2.0 * M - 55.0 * MM) / years.len() as f32;
        let face = fonts.face(FontKind::Bold);
        let y_head = p.y + 11.0;
        for (i, y) in years.iter().enumerate() {
            let h = y.heading();
            p.ops.push(Op::Text {
                x: M + 55.0 * MM + col_w * (i as f32 + 1.0) - face.width(&h, 8.5),
                baseline: y_head,
                font: FontKind::Bold,
                size: 8.5,
                text: h,
                gray: 0,
            });
        }
        p.y = y_head + 2.0;
        let lines: [(&str, YearFigure); 5] = [
            ("Посещения", |y| y.visits),
            ("Запросы", |y| y.requests),
            ("Выдачи", |y| y.issues),
            ("Активные пользователи", |y| {
                y.active_readers
            }),
            ("Фонд", |y| y.fund_size),
        ];
        let regular = fonts.face(FontKind::Regular);
        for (label, get) in lines {
            p.line(M, FontKind::Regular, 9.5, 0, label.to_owned());
            for (i, y) in years.iter().enumerate() {
                let v = get(y).to_string();
                p.ops.push(Op::Text {
                    x: M + 55.0 * MM + col_w * (i as f32 + 1.0) - regular.width(&v, 9.5),
                    baseline: p.y,
                    font: FontKind::Regular,
                    size: 9.5,
                    text: v,
                    gray: 0,
                });
            }
        }
        p.y += 6.0 * MM;
        let bars: Vec<(String, i64)> = years.iter().map(|y| (y.heading(), y.issues)).collect();
        chart(&mut p, fonts, "Выдачи по годам", &bars);
        pages.push(std::mem::take(&mut p.ops));
    }
    // Charts: one page of trends.
    if !months.is_empty() {
        p.y = M;
        p.line(M, FontKind::Bold, 14.0, 0, "По месяцам".into());
        p.y += 2.0 * MM;
        for f in TREND_FIGURES {
            let bars: Vec<(String, i64)> = months
                .iter()
                .map(|(m, v)| {
                    let label = format!("{}.{}", &m[5..7], &m[2..4]);
                    (
                        label,
                        v.get(&(f.to_owned(), "all".to_owned()))
                            .copied()
                            .unwrap_or(0),
                    )
                })
                .collect();
            chart(&mut p, fonts, figure_label(f), &bars);
        }
        pages.push(std::mem::take(&mut p.ops));
    }
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title("Статистика электронной библиотеки".to_owned())
            .language("ru".to_owned())
            .creator("Kafedra".to_owned()),
    );
    let settings =
        PageSettings::from_wh(W, H).ok_or_else(|| ExportError::Pdf("размер страницы".into()))?;
    let total = pages.len();
    for (i, mut ops) in pages.into_iter().enumerate() {
        let foot = format!("стр. {} из {total}", i + 1);
        ops.push(Op::Text {
            x: W - M - fonts.face(FontKind::Regular).width(&foot, 8.0),
            baseline: H - M / 2.0,
            font: FontKind::Regular,
            size: 8.0,
            text: foot,
            gray: 110,
        });
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in &ops {
            crate::slip::draw(&mut surface, op, fonts);
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| ExportError::Pdf(e.to_string()))
}

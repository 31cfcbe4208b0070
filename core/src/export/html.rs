//! A collection as one self-contained HTML page for the library's website or
//! its social-media page: «Рекомендуем прочесть», the description, the
//! audience, and each book with a link to its page at the provider. Every
//! text is escaped; no scripts, no external resources.

use std::fmt::Write as _;

use super::BookletOptions;
use crate::domain::fund::{Collection, book_url};

/// `<`, `>`, `&`, `"` and `'` as entities.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em;margin:.2em 0}.lib{color:#777;font-size:.9em}.aud{color:#555}\
ol{padding-left:1.4em}li{margin:1em 0}.t{font-weight:bold;font-size:1.1em}.a{color:#333}.g{color:#777;font-size:.9em}\
.n{margin:.3em 0}a{color:#1f5f8b}";

/// The page's HTML.
pub fn collection_html(c: &Collection, o: &BookletOptions) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Рекомендуем прочесть: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <p class=\"lib\">{lib}</p>\n<h1>Рекомендуем прочесть: {name}</h1>\n<p class=\"aud\">{aud}</p>\n",
        name = escape(c.name.trim()),
        lib = escape(o.library_name.trim()),
        aud = escape(&c.audience.label()),
    );
    if !c.description.trim().is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(c.description.trim()));
    }
    h.push_str("<ol>\n");
    for t in &c.items {
        let url = book_url(&o.site, t.art, o.partner.as_deref());
        let _ = write!(
            h,
            "<li><div class=\"t\"><a href=\"{url}\" rel=\"noopener\">{title}</a></div>\
             <div class=\"a\">{authors}</div><div class=\"g\">{genre}</div>",
            url = escape(&url),
            title = escape(t.title.trim()),
            authors = escape(t.authors.trim()),
            genre = escape(t.genre.as_deref().unwrap_or("")),
        );
        if let Some(a) = t.annotation.as_deref().filter(|a| !a.trim().is_empty()) {
            let _ = write!(h, "<p class=\"n\">{}</p>", escape(a.trim()));
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ol>\n<p class=\"lib\">Книги выдаются бесплатно читателям библиотеки через ЛитРес: Библиотека.</p>\n</body>\n</html>\n");
    h
}

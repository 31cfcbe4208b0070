// TEMPORARY stub until the import module lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRow {
    pub line: usize,
    pub login: String,
    pub password: String,
    pub provider_card: Option<String>,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolFileError {
    #[error("{0}")]
    Unreadable(String),
    #[error("rows")]
    Rows(Vec<RowError>),
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPool {
    pub rows: Vec<PoolRow>,
    pub encoding: &'static str,
    pub delimiter: Option<char>,
    pub had_header: bool,
}
pub fn parse_pool(bytes: &[u8], _f: &str) -> Result<ParsedPool, PoolFileError> {
    let text = String::from_utf8_lossy(bytes);
    let rows = text
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let p: Vec<&str> = l.split(';').collect();
            PoolRow {
                line: i + 1,
                login: p[0].into(),
                password: p[1].into(),
                provider_card: p.get(2).map(|s| s.to_string()),
            }
        })
        .collect();
    Ok(ParsedPool {
        rows,
        encoding: "UTF-8",
        delimiter: Some(';'),
        had_header: true,
    })
}

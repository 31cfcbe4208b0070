// TEMPORARY stub until the slip module lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    A5,
    Receipt80,
}
#[derive(Debug, Clone)]
pub struct SlipData {
    pub library_name: String,
    pub reader_name: String,
    pub card_number: String,
    pub login: String,
    pub password: String,
    pub site_url: String,
    pub apps_text: String,
    pub library_page_url: String,
    pub instructions: Vec<String>,
    pub footer: String,
    pub issued_at: String,
    pub staff_name: String,
}
#[derive(Debug, thiserror::Error)]
pub enum SlipError {
    #[error("x")]
    X,
}
pub fn render(_d: &SlipData, _l: Layout) -> Result<Vec<u8>, SlipError> {
    Ok(b"%PDF-1.7".to_vec())
}
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("x")]
    X,
}
pub fn print_pdf(_p: &std::path::Path, _printer: Option<&str>) -> Result<String, PrintError> {
    Err(PrintError::X)
}

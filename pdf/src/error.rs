//! The one error type of the crate.

/// Why a document could not be rendered. None of these depends on the
/// caller's data except `Qr` (a payload too long for a QR code).
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font did not load (a broken build, not bad input).
    #[error("the embedded font could not be read")]
    Font,
    /// The QR payload does not fit in a QR code.
    #[error("the verification QR code could not be made: {0}")]
    Qr(String),
    /// A shape had an impossible geometry (a layout bug).
    #[error("layout error: {0}")]
    Layout(&'static str),
    /// krilla refused to write the document.
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

//! Typed errors of the engine. Each reaches the user as a sentence naming the problem; the file name is
//! added by whoever reports it (the summary, the status line), since a source knows its own name.

/// What is wrong with one source. Reading may have produced some events before the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("the file is empty")]
    Empty,
    #[error("this is not a text log (it holds binary data), so it was skipped")]
    NotText,
    #[error("the file could not be read: {0}")]
    Unreadable(String),
}

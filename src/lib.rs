//! Casefile: a log investigator that runs entirely in the browser tab.
//!
//! The crate has one platform-independent core, [`engine`], and two thin shells over it:
//!
//! - the native command-line tool `casefile` (`src/bin/casefile/`), used for scripted checks and
//!   benchmarks;
//! - the browser app (feature `web`): a UI thread that only renders ([`ui`]) and Web Workers that own all
//!   loaded data ([`worker`]), talking through the typed messages of [`protocol`].
//!
//! Data flows one way: bytes → lines → events (ranges into shared byte blocks plus compact columns) →
//! the merged timeline → query results → the visible page.
//!
//! ```
//! use casefile::engine::ingest::{IngestOptions, SourceIngest};
//!
//! let mut ingest = SourceIngest::new("app.log", IngestOptions::default());
//! ingest.push(b"2026-07-03T09:00:00Z INFO started\n2026-07-03T09:00:01Z ERROR failed\n");
//! let source = ingest.finish();
//! assert_eq!(source.len(), 2);
//! ```

pub mod engine;
pub mod protocol;
#[cfg(feature = "web")]
pub mod ui;
#[cfg(feature = "web")]
pub mod worker;

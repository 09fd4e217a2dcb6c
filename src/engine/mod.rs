//! The platform-independent engine: everything that reads, stores and answers questions about events.
//!
//! Nothing here may depend on the DOM, web-sys or yew; it is built and tested natively and reached from
//! the `casefile` CLI as well as from the browser worker.
//!
//! - [`decode`] opens what people drop: gzip, zip and tar (also nested) by their magic bytes, one
//!   source per text member, and the text encodings (UTF-16, Latin-1) in front of ingest.
//! - [`ingest`] turns a stream of byte chunks of one file into a [`store::SourceData`]: it splits lines,
//!   asks the detected [`formats`] parser what each line is, and folds continuation lines into events.
//! - [`formats`] detects a file's format and classifies lines (event start, continuation, unparsed).
//! - [`time`] reads timestamps of every common shape into UTC instants (nanoseconds since the epoch).
//! - [`level`] is the one severity scale every format is normalised to.
//! - [`store`] holds events as ranges into shared byte blocks plus compact columns.
//! - [`timeline`] merges all sources into one time-ordered view.
//! - [`patterns`] groups messages into templates (`Invalid user <*> from <IP>`), streaming.
//! - [`summary`] is the per-file report behind `casefile summary --json`.
//! - [`fields`] reads named values out of an event's text on demand.
//! - [`query`] parses the filter language and evaluates it over the store, with [`index`] to skip blocks.
//! - [`demo`] generates the built-in demo incident (five files telling one story).

pub mod correlate;
pub mod decode;
pub mod demo;
pub mod error;
pub mod fields;
pub mod formats;
pub mod index;
pub mod ingest;
pub mod level;
pub mod patterns;
pub mod query;
pub mod redact;
pub mod shard;
pub mod shard_facets;
pub mod store;
pub mod summary;
pub mod time;
pub mod timeline;

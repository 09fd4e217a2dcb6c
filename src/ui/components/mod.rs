//! One function component per file.

pub mod draft;
pub mod drop_overlay;
pub mod event_details;
pub mod facets;
pub mod file_list;
pub mod filter_box;
pub mod header;
pub mod help_overlay;
pub mod histogram;
pub mod investigate;
pub mod load_progress;
pub mod marked;
pub mod number_input;
pub mod open_controls;
pub mod paste_box;
pub mod status;
pub mod timeline;
pub mod zone_input;

//! One function component per file.

pub mod drop_overlay;
pub mod file_list;
pub mod header;
pub mod investigate;
pub mod load_progress;
pub mod open_controls;
pub mod paste_box;
pub mod status;
pub mod timeline;

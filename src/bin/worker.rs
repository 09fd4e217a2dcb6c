//! The Web Worker that owns the loaded data (index.html: `data-bin="worker"`). All of it lives in
//! `casefile::worker`.

fn main() {
    casefile::worker::start();
}

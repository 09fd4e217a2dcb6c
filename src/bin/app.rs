//! The browser app's UI thread (index.html: `data-bin="app"`). All of it lives in `casefile::ui`.

fn main() {
    casefile::ui::run();
}

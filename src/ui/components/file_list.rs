//! The files of the case: name, format and events of each, and a sentence for each file that failed.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::summary::FileSummary;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct FileListProps {
    pub files: Vec<FileSummary>,
    /// Clock offset applied to each source, by name, in seconds (an input per file when given).
    #[prop_or_default]
    pub offsets_s: Option<Vec<(String, f64)>>,
    /// A clock offset typed for a file: `(name, seconds)`.
    #[prop_or_default]
    pub on_offset: Callback<(String, f64)>,
}

/// The clock-offset input of one file.
fn offset_input(name: &str, seconds: f64, on_offset: &Callback<(String, f64)>) -> Html {
    let onchange = {
        let on_offset = on_offset.clone();
        let name = name.to_string();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let value = input.value();
            let value = value.trim();
            let seconds = if value.is_empty() {
                Some(0.0)
            } else {
                value.parse::<f64>().ok()
            };
            if let Some(s) = seconds.filter(|s| s.is_finite()) {
                on_offset.emit((name.clone(), s));
            }
        })
    };
    // Thousandths of a second, without trailing zeros.
    let shown = format!("{:.3}", seconds)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string();
    html! {
        <label class="files__offset" title="Seconds this file's clock runs ahead; its times are shifted back by it">
            <span>{ "clock" }</span>
            <input
                class="files__offset-input"
                type="number"
                step="any"
                value={shown}
                aria-label={format!("Clock offset of {name} in seconds")}
                {onchange}
            />
            <span>{ "s" }</span>
        </label>
    }
}

/// The sentence shown for a file that failed, naming it.
pub fn failure_sentence(file: &FileSummary) -> Option<String> {
    let error = file.error.as_ref()?;
    Some(if file.events > 0 {
        format!(
            "{}: {error} ({} read before the problem).",
            file.path,
            text::count(file.events, "event")
        )
    } else {
        format!("{}: {error}.", file.path)
    })
}

#[function_component(FileList)]
pub fn file_list(props: &FileListProps) -> Html {
    if props.files.is_empty() {
        return html! {};
    }
    let failures: Vec<String> = props.files.iter().filter_map(failure_sentence).collect();
    html! {
        <section class="files" aria-label="Files in this case">
            if !failures.is_empty() {
                <ul class="files__errors" role="alert">
                    { for failures.into_iter().map(|s| html! { <li>{ s }</li> }) }
                </ul>
            }
            <ul class="files__list">
                { for props.files.iter().filter(|f| f.error.is_none() || f.events > 0).map(|f| html! {
                    <li class="files__item">
                        <span class="files__name">{ f.path.clone() }</span>
                        <span class="files__format">{ f.format.clone() }</span>
                        <span class="files__events">{ text::count(f.events, "event") }</span>
                        if let Some(offset) = props.offsets_s.as_ref().and_then(|o| o.iter().find(|(n, _)| *n == f.path)) {
                            { offset_input(&f.path, offset.1, &props.on_offset) }
                        }
                    </li>
                }) }
            </ul>
        </section>
    }
}

//! The files of the case: name, format and events of each, and a sentence for each file that failed.

use yew::prelude::*;

use crate::engine::summary::FileSummary;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct FileListProps {
    pub files: Vec<FileSummary>,
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
                    </li>
                }) }
            </ul>
        </section>
    }
}

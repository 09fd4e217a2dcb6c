//! The files of the case: name, format and events of each, the zone its zone-less times were read in
//! (a field per file to read it again in another), and a sentence for each file that failed.

use yew::prelude::*;

use crate::ui::components::number_input::NumberInput;

use super::zone_input::{ZoneChoices, ZoneInput};
use crate::engine::summary::FileSummary;
use crate::protocol::SourceZone;
use crate::ui::text;
use crate::ui::zones::LOCAL;

#[derive(Properties, PartialEq)]
pub struct FileListProps {
    pub files: Vec<FileSummary>,
    /// Clock offset applied to each source, by name, in seconds (an input per file when given).
    #[prop_or_default]
    pub offsets_s: Option<Vec<(String, f64)>>,
    /// A clock offset typed for a file: `(name, seconds)`.
    #[prop_or_default]
    pub on_offset: Callback<(String, f64)>,
    /// The zone each source was read in (a zone field per file when known).
    #[prop_or_default]
    pub zones: Vec<SourceZone>,
    /// This browser's zone: files are read in it unless the user sets another.
    #[prop_or_default]
    pub browser_zone: AttrValue,
    /// A zone typed for a file: `(name, zone as typed)`.
    #[prop_or_default]
    pub on_zone: Callback<(String, String)>,
    /// Why the last zone change was refused, if it was.
    #[prop_or_default]
    pub zone_error: Option<String>,
}

/// The sentence that says which zone times written without one are read in.
pub fn zone_sentence(browser_zone: &str) -> String {
    format!("Times without a zone are read as {browser_zone} (this browser's zone). Set another per file below.")
}

/// The zone field of one file.
fn zone_input(name: &str, zone: &str, on_zone: &Callback<(String, String)>) -> Html {
    let on_commit = {
        let on_zone = on_zone.clone();
        let name = name.to_string();
        Callback::from(move |typed: String| on_zone.emit((name.clone(), typed)))
    };
    html! {
        <label class="files__zone" title="The zone this file's times without a zone are read in">
            <span>{ "zone" }</span>
            <ZoneInput
                class="files__zone-input"
                value={AttrValue::from(zone.to_string())}
                aria_label={AttrValue::from(format!("Time zone of {name}"))}
                list="file-zones"
                {on_commit}
            />
        </label>
    }
}

/// The clock-offset input of one file.
fn offset_input(name: &str, seconds: f64, on_offset: &Callback<(String, f64)>) -> Html {
    let on_commit = {
        let on_offset = on_offset.clone();
        let name = name.to_string();
        Callback::from(move |s: f64| on_offset.emit((name.clone(), s)))
    };
    html! {
        <label class="files__offset" title="Seconds this file's clock runs ahead; its times are shifted back by it">
            <span>{ "clock" }</span>
            <NumberInput
                class="files__offset-input"
                value={seconds}
                empty_as={Some(0.0)}
                aria_label={AttrValue::from(format!("Clock offset of {name} in seconds"))}
                {on_commit}
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
            if !props.browser_zone.is_empty() {
                <p class="files__zone-note">{ zone_sentence(&props.browser_zone) }</p>
                <ZoneChoices id="file-zones" first={vec![LOCAL.to_string(), props.browser_zone.to_string()]} />
            }
            if let Some(error) = &props.zone_error {
                <p class="files__zone-error" role="alert">{ error.clone() }</p>
            }
            <ul class="files__list">
                { for props.files.iter().filter(|f| f.error.is_none() || f.events > 0).map(|f| html! {
                    <li class="files__item" key={f.path.clone()}>
                        <span class="files__name">{ f.path.clone() }</span>
                        <span class="files__format">{ f.format.clone() }</span>
                        <span class="files__events">{ text::count(f.events, "event") }</span>
                        if let Some(z) = props.zones.iter().find(|z| z.source == f.path) {
                            { zone_input(&f.path, &z.zone, &props.on_zone) }
                        }
                        if let Some(offset) = props.offsets_s.as_ref().and_then(|o| o.iter().find(|(n, _)| *n == f.path)) {
                            { offset_input(&f.path, offset.1, &props.on_offset) }
                        }
                    </li>
                }) }
            </ul>
        </section>
    }
}

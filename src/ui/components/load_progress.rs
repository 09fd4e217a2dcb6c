//! Details of the load in progress (outside the status region): a progress bar, events indexed, the
//! rate, the file being read, and the Cancel button.

use yew::prelude::*;

use crate::protocol::LoadProgress;
use crate::ui::commands::Commands;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct LoadProgressProps {
    pub progress: LoadProgress,
    pub commands: Commands,
}

#[function_component(LoadProgressPanel)]
pub fn load_progress_panel(props: &LoadProgressProps) -> Html {
    let p = &props.progress;
    let on_cancel = {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| commands.cancel())
    };
    let file = if p.files_total > 0 {
        format!(
            "{} ({} of {})",
            p.current,
            (p.files_done + 1).min(p.files_total),
            p.files_total
        )
    } else {
        String::new()
    };
    html! {
        <div class="load-progress">
            <progress
                class="load-progress__bar"
                aria-label="Loading"
                max={p.bytes_total.max(1).to_string()}
                value={p.bytes_read.to_string()}
            />
            <p class="load-progress__details">
                <span>{ format!("{} indexed", text::count(p.events, "event")) }</span>
                <span>{ text::rate(p.bytes_read, p.elapsed_ms) }</span>
                <span class="load-progress__file">{ file }</span>
            </p>
            <button type="button" class="button" onclick={on_cancel}>{ "Cancel" }</button>
        </div>
    }
}

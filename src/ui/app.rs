//! The root component: owns the state and the worker bridge, and lays out the components.

use std::rc::Rc;

use yew::prelude::*;

use super::bridge::Bridge;
use super::commands::{browser_zone, Commands};
use super::components::{
    drop_overlay::DropOverlay,
    file_list::FileList,
    header::Header,
    investigate::skew::{set_offset, SkewOffer},
    investigate::spikes::SpikeStrip,
    investigate::Investigate,
    load_progress::LoadProgressPanel,
    open_controls::OpenControls,
    paste_box::PasteBox,
    status::Status,
    timeline::Timeline,
};
use super::components::{
    event_details::EventDetailsPanel, facets::FacetsPanel, filter_box::FilterBox,
    help_overlay::HelpOverlay, histogram::HistogramPanel,
};
use super::page_events::use_page_events;
use super::query_hooks::{use_list_keys, use_query_runner, use_selected_details};
use super::query_state::QueryAction;
use super::state::{Action, AppState};
use super::url_state::use_url_fragment;
use super::zones::{self, DisplayZone};
use crate::protocol::investigate::TimelinePosition;

/// The components' callbacks, made once: a callback made anew on each render is a changed prop
/// (callbacks compare by identity), which would re-render every component under the app on every
/// reply from the worker, the patterns panel's hundreds of templates included.
struct Handlers {
    display_zone: Callback<String>,
    zone: Callback<(String, String)>,
    select: Callback<u32>,
    close_details: Callback<()>,
    close_help: Callback<()>,
    filter: Callback<String>,
}

impl Handlers {
    fn new(commands: &Commands) -> Self {
        let zone = {
            let commands = commands.clone();
            Callback::from(move |(name, typed): (String, String)| commands.set_zone(name, &typed))
        };
        let display_zone = {
            let commands = commands.clone();
            Callback::from(move |choice: String| commands.dispatch(Action::SetDisplayZone(choice)))
        };
        Handlers {
            display_zone,
            zone,
            select: query_callback(commands, |i| QueryAction::Select(Some(i))),
            close_details: query_callback(commands, |()| QueryAction::Select(None)),
            close_help: query_callback(commands, |()| QueryAction::ShowHelp(false)),
            filter: query_callback(commands, QueryAction::SetText),
        }
    }
}

/// A callback that dispatches the filter's action made from its argument.
fn query_callback<T: 'static>(commands: &Commands, make: fn(T) -> QueryAction) -> Callback<T> {
    let commands = commands.clone();
    Callback::from(move |x| commands.dispatch(Action::Query(make(x))))
}

#[function_component(App)]
pub fn app() -> Html {
    crate::ui::timing::use_render_timing("app");
    let state = use_reducer(|| AppState {
        display: DisplayZone::utc(&browser_zone()),
        ..AppState::default()
    });
    // Plain rendering helpers (the investigation panels' event lines) read the display zone from here;
    // components subscribe to it through the context below.
    zones::set_current(&state.display);
    let dispatcher = state.dispatcher();
    // The worker starts with the app: spawning it takes 30-120 ms, better spent before the first drop.
    let bridge: Rc<Result<Bridge, String>> = {
        let dispatcher = dispatcher.clone();
        use_memo((), move |_| {
            let replies = dispatcher.clone();
            let failures = dispatcher;
            Bridge::spawn(
                Callback::from(move |reply| replies.dispatch(Action::Reply(reply))),
                Callback::from(move |message| failures.dispatch(Action::WorkerFailed(message))),
            )
        })
    };
    let commands = {
        let bridge = bridge.clone();
        let dispatcher = dispatcher.clone();
        use_memo((), move |_| Commands::new(bridge, dispatcher))
    };
    {
        let bridge = bridge.clone();
        use_effect_with((), move |_| {
            if let Err(message) = bridge.as_ref() {
                dispatcher.dispatch(Action::WorkerFailed(message.clone()));
            }
        });
    }
    use_page_events((*commands).clone());
    use_query_runner(&state, &commands);
    use_selected_details(&state, &commands);
    use_url_fragment(&state, &commands);
    use_list_keys(&Rc::new((*state).clone()), &commands);

    let on = use_memo(commands.clone(), |commands| Handlers::new(commands));
    let on_offset = use_callback(
        (commands.clone(), state.investigate.skew.clone()),
        |(name, seconds): (String, f64), (commands, skew)| {
            if let Some(skew) = skew {
                set_offset(commands, skew, &name, seconds);
            }
        },
    );

    let commands = (*commands).clone();
    html! {
        <ContextProvider<DisplayZone> context={state.display.clone()}>
        // `data-shards`: how many workers hold a part of the case (after the first load).
        <div class="app" data-shards={state.shards.to_string()}>
            <Header
                display={state.display.clone()}
                display_error={state.display_error.clone()}
                on_display_zone={on.display_zone.clone()}
            />
            <section class="intake" aria-label="Add logs">
                <OpenControls commands={commands.clone()} busy={state.is_loading()} />
                <PasteBox commands={commands.clone()} />
            </section>
            <Status text={state.status_text()} />
            if let Some(progress) = state.progress.clone() {
                <LoadProgressPanel {progress} commands={commands.clone()} />
            } else if state.is_loading() {
                <LoadProgressPanel progress={crate::protocol::LoadProgress::default()} commands={commands.clone()} />
            }
            <FileList
                files={state.files.clone()}
                offsets_s={state.investigate.skew.as_ref().map(|s| s.sources.iter().cloned().zip(s.applied_s.iter().copied()).collect::<Vec<_>>())}
                {on_offset}
                zones={state.zones.clone()}
                browser_zone={AttrValue::from(commands.browser_zone().to_string())}
                on_zone={on.zone.clone()}
                zone_error={state.load_error.clone()}
            />
            <SkewOffer
                commands={commands.clone()}
                skew={state.investigate.skew.clone()}
                dismissed={state.investigate.skew_dismissed}
            />
            <SpikeStrip
                commands={commands.clone()}
                spikes={state.investigate.spikes.clone()}
                span={state.investigate.patterns.as_ref().and_then(|p| p.span)}
            />
            <FilterBox
                commands={commands.clone()}
                text={AttrValue::from(state.query.text.clone())}
                errors={state.query.errors.clone()}
            />
            <HistogramPanel
                commands={commands.clone()}
                histogram={state.loaded_once.then(|| state.query.histogram.clone()).flatten()}
                range={state.query.range}
            />
            <div class="workspace">
                <FacetsPanel
                    commands={commands.clone()}
                    facets={state.loaded_once.then(|| state.query.facets.clone()).flatten()}
                    text={AttrValue::from(state.query.text.clone())}
                />
                <Timeline
                    commands={commands.clone()}
                    total={state.list_len()}
                    newest_first={state.newest_first}
                    generation={state.view_generation}
                    page={state.page.clone()}
                    filter={state.query.is_filtered().then(|| state.filter_spec())}
                    selected={state.query.selected}
                    on_select={on.select.clone()}
                />
                <EventDetailsPanel
                    details={state.query.selected.and(state.query.details.clone())}
                    on_close={on.close_details.clone()}
                />
            </div>
            if state.query.help_open {
                <HelpOverlay on_close={on.close_help.clone()} />
            }
            <Investigate
                commands={commands.clone()}
                view={state.investigate.clone()}
                loaded={state.loaded_once}
                on_filter={on.filter.clone()}
                selected_event={state.query.selected.and(state.query.details.as_ref()).map(|d| TimelinePosition { position: d.position, newest_first: false })}
                range={state.query.range.map(|r| (r.from_ns(), r.to_ns()))}
            />
            if state.dragging {
                <DropOverlay />
            }
        </div>
        </ContextProvider<DisplayZone>>
    }
}

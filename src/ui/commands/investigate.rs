//! Commands of the investigation panels: each ask takes a fresh request id, recorded under its kind
//! in the state (so only the latest answer of each kind is kept), and is posted to the worker.

use super::Commands;
use crate::protocol::investigate::Ask;
use crate::protocol::Request;
use crate::ui::investigate_state::{AskKind, InvestigateAction};
use crate::ui::state::Action;

impl Commands {
    /// Asks the worker to work something out; the answer arrives as a `Reply::Investigation`.
    pub fn investigate(&self, ask: Ask) {
        let bridge = match self.bridge.as_ref() {
            Ok(b) => b,
            Err(e) => {
                self.dispatch.dispatch(Action::WorkerFailed(e.clone()));
                return;
            }
        };
        let id = bridge.next_id();
        self.dispatch
            .dispatch(Action::Investigate(InvestigateAction::Asked(
                AskKind::of(&ask),
                id,
            )));
        if let Err(e) = bridge.send(&Request::Investigate { id, ask }, &[]) {
            self.dispatch.dispatch(Action::WorkerFailed(e));
        }
    }

    pub fn investigate_action(&self, action: InvestigateAction) {
        self.dispatch.dispatch(Action::Investigate(action));
    }
}

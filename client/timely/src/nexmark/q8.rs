//! Nexmark q8, monitor new users: per tumbling window, the people who
//! registered and opened an auction in that same window (a windowed join
//! keyed by person id).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use nexmark::event::Event;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::{Scope, StreamVec};

use super::operators::{digest, sink, stateless, text_digest};
use super::window::{due, Due, Windows};
use super::{event_key, nexmark_source};
use crate::proto::v1::OperatorKind;
use crate::runner::{BuildContext, Query};
use crate::savepoint::Savepoint;
use crate::spec::{JobSpec, OperatorRole, OperatorSpec};

/// Window length in seconds of input (Nexmark: 10 s).
pub struct Q8 {
    pub window_s: f64,
}

/// (person id, name)
type NewPerson = (u64, String);
/// (window, person id, name)
type ActiveNewUser = (u64, u64, String);

const PERSONS_PART: &str = "q8.join/persons";
const SELLERS_PART: &str = "q8.join/sellers";

#[derive(Default)]
struct WindowState {
    persons: HashMap<u64, String>,
    sellers: HashSet<u64>,
}

/// The join's open windows, by first epoch: what each has seen so far and
/// the capability (for its last epoch) to emit its results with.
struct OpenWindows {
    windows: Windows,
    state: BTreeMap<u64, WindowState>,
    caps: BTreeMap<u64, Capability<u64>>,
}

impl OpenWindows {
    fn new(windows: Windows) -> Self {
        OpenWindows {
            windows,
            state: BTreeMap::new(),
            caps: BTreeMap::new(),
        }
    }

    /// Window `k`, opened with a capability delayed from `cap` if new.
    fn window(&mut self, k: u64, cap: &Capability<u64>) -> &mut WindowState {
        let windows = self.windows;
        self.caps
            .entry(k)
            .or_insert_with(|| cap.delayed(&windows.last_epoch(k)));
        self.state.entry(k).or_default()
    }

    /// The window containing `cap`'s time (see `window`).
    fn containing(&mut self, cap: &Capability<u64>) -> &mut WindowState {
        let k = *self.windows.containing(*cap.time()).start();
        self.window(k, cap)
    }

    /// The earliest open window and its last epoch.
    fn first(&self) -> Option<(u64, u64)> {
        let (&k, _) = self.caps.first_key_value()?;
        Some((k, self.windows.last_epoch(k)))
    }

    /// Closes window `k`: its capability and what it saw.
    fn close(&mut self, k: u64) -> (Capability<u64>, WindowState) {
        let cap = self.caps.remove(&k).expect("first key exists");
        (cap, self.state.remove(&k).unwrap_or_default())
    }

    /// Hands every open window to the next generation.
    fn export(&mut self, savepoint: &Savepoint) {
        self.caps.clear();
        let rest = std::mem::take(&mut self.state);
        let mut persons = Vec::new();
        let mut sellers = Vec::new();
        for (k, window) in rest {
            persons.extend(window.persons.into_iter().map(|p| (k, p)));
            sellers.extend(window.sellers.into_iter().map(|s| (k, s)));
        }
        savepoint.export("q8.join", PERSONS_PART, persons, |(_, p)| p.0);
        savepoint.export("q8.join", SELLERS_PART, sellers, |(_, s)| *s);
    }
}

impl Query for Q8 {
    fn spec(&self, job_id: &str) -> JobSpec {
        JobSpec {
            job_id: job_id.to_string(),
            operators: vec![
                OperatorSpec::new("q8.source", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("q8.persons", OperatorKind::Map, OperatorRole::Stateless),
                OperatorSpec::new("q8.auctions", OperatorKind::Map, OperatorRole::Stateless),
                OperatorSpec::new("q8.join", OperatorKind::Join, OperatorRole::Keyed),
                OperatorSpec::new("q8.sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        }
    }

    fn default_costs(&self) -> Vec<Duration> {
        [15, 10, 10, 3000, 20].map(Duration::from_micros).to_vec()
    }

    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext) {
        let windows = Windows::tumbling(ctx.epochs_for(self.window_s));
        let events = nexmark_source(scope, "q8.source", ctx);
        let persons = stateless(
            events.clone(),
            "q8.persons",
            ctx,
            event_key,
            |event, out| {
                if let Event::Person(p) = event {
                    out.push((p.id as u64, p.name));
                }
            },
        );
        let sellers = stateless(
            events,
            "q8.auctions",
            ctx,
            event_key,
            |event, out: &mut Vec<u64>| {
                if let Event::Auction(a) = event {
                    out.push(a.seller as u64);
                }
            },
        );

        let joined = join_new_users(persons, sellers, ctx, windows);
        sink(
            joined,
            "q8.sink",
            ctx,
            |u: &ActiveNewUser| u.1,
            |u: &ActiveNewUser| digest(&[u.0, u.1, text_digest(&u.2)]),
        );
    }
}

/// The operator "q8.join", keyed by person id: per tumbling window, the
/// persons who also opened an auction in it, emitted when the window
/// closes (or its state handed to the next generation at the stop
/// boundary).
fn join_new_users<'scope>(
    persons: StreamVec<'scope, u64, NewPerson>,
    sellers: StreamVec<'scope, u64, u64>,
    ctx: &BuildContext,
    windows: Windows,
) -> StreamVec<'scope, u64, ActiveNewUser> {
    let (left, right) = (ctx.router("q8.join"), ctx.router("q8.join"));
    let mut meter = ctx.meter("q8.join");
    let savepoint = ctx.savepoint();
    let boundary = ctx.stop_boundary();
    let imported_persons = ctx.import::<(u64, NewPerson)>("q8.join", PERSONS_PART);
    let imported_sellers = ctx.import::<(u64, u64)>("q8.join", SELLERS_PART);
    let scope = persons.scope();
    let mut persons_queue = ctx.queue::<NewPerson>("q8.join");
    let mut sellers_queue = ctx.queue::<u64>("q8.join");
    persons.binary_frontier::<_, CapacityContainerBuilder<Vec<ActiveNewUser>>, _, _, _, _>(
        sellers,
        Exchange::new(move |p: &NewPerson| left.target(p.0)),
        Exchange::new(move |s: &u64| right.target(*s)),
        "q8.join",
        move |default_cap, info| {
            let activator = scope.activator_for(info.address);
            let mut open = OpenWindows::new(windows);
            for (k, (id, name)) in imported_persons {
                open.window(k, &default_cap).persons.insert(id, name);
            }
            for (k, seller) in imported_sellers {
                open.window(k, &default_cap).sellers.insert(seller);
            }
            drop(default_cap);
            move |(persons_in, persons_frontier), (sellers_in, sellers_frontier), output| {
                let port = output.output_index();
                persons_in.for_each(|cap, data| persons_queue.push(&cap, port, data));
                sellers_in.for_each(|cap, data| sellers_queue.push(&cap, port, data));
                let mut fuel = meter.budget();
                while fuel > 0 {
                    if let Some((cap, batch)) = persons_queue.pop(fuel) {
                        fuel -= batch.len();
                        meter.charge(batch.len());
                        open.containing(&cap).persons.extend(batch);
                    } else if let Some((cap, batch)) = sellers_queue.pop(fuel) {
                        fuel -= batch.len();
                        meter.charge(batch.len());
                        open.containing(&cap).sellers.extend(batch);
                    } else {
                        break;
                    }
                }
                meter.settle();
                if !persons_queue.is_empty() || !sellers_queue.is_empty() {
                    activator.activate();
                }
                // A window is complete once both inputs and both queues
                // have passed it.
                let mut frontier = persons_frontier.clone();
                frontier.update_iter(sellers_frontier.frontier().iter().map(|t| (*t, 1)));
                while let Some((k, last)) = open.first() {
                    if persons_queue.holds_at_or_before(last)
                        || sellers_queue.holds_at_or_before(last)
                    {
                        break;
                    }
                    match due(&frontier, last, &boundary) {
                        Due::Wait => {
                            if frontier.is_empty() {
                                activator.activate_after(Duration::from_millis(1));
                            }
                            break;
                        }
                        Due::Fire => {
                            let (cap, window) = open.close(k);
                            let mut session = output.session(&cap);
                            for (id, name) in window.persons {
                                if window.sellers.contains(&id) {
                                    session.give((k, id, name));
                                }
                            }
                        }
                        Due::Export => open.export(&savepoint),
                    }
                }
            }
        },
    )
}

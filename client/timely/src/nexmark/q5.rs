//! Nexmark q5, hot items: per sliding window, the auctions with the most
//! bids. Bids are counted per (window, auction) by an operator keyed by
//! auction; a second operator keyed by window keeps the maximum.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use nexmark::event::Event;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::{Scope, StreamVec};

use super::operators::{digest, sink, stateless};
use super::window::{due, Due, Windows};
use super::{event_key, nexmark_source};
use crate::proto::v1::OperatorKind;
use crate::runner::{BuildContext, Query};
use crate::spec::{JobSpec, OperatorRole, OperatorSpec};

/// Window size and slide in seconds of input (Nexmark: 10 s every 2 s).
pub struct Q5 {
    pub window_s: f64,
    pub slide_s: f64,
}

/// (window, auction, bids)
type WindowCount = (u64, u64, u64);
/// Per window: the most bids an auction got, and the auctions that got them.
type Leaders = HashMap<u64, (u64, Vec<u64>)>;

const COUNTS_PART: &str = "q5.count/counts";

impl Query for Q5 {
    fn spec(&self, job_id: &str) -> JobSpec {
        JobSpec {
            job_id: job_id.to_string(),
            operators: vec![
                OperatorSpec::new("q5.source", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("q5.bids", OperatorKind::Filter, OperatorRole::Stateless),
                OperatorSpec::new(
                    "q5.count",
                    OperatorKind::WindowAggregate,
                    OperatorRole::Keyed,
                ),
                OperatorSpec::new("q5.max", OperatorKind::KeyedAggregate, OperatorRole::Keyed),
                OperatorSpec::new("q5.sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        }
    }

    fn default_costs(&self) -> Vec<Duration> {
        [15, 10, 400, 100, 10].map(Duration::from_micros).to_vec()
    }

    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext) {
        let windows = Windows::sliding(ctx.epochs_for(self.window_s), ctx.epochs_for(self.slide_s));
        let events = nexmark_source(scope, "q5.source", ctx);
        let bids = stateless(
            events,
            "q5.bids",
            ctx,
            event_key,
            |event, out: &mut Vec<u64>| {
                if let Event::Bid(bid) = event {
                    out.push(bid.auction as u64);
                }
            },
        );

        let counts = count_bids(bids, ctx, windows);
        let hottest = most_bids(counts, ctx);
        sink(
            hottest,
            "q5.sink",
            ctx,
            |c: &WindowCount| c.0 ^ (c.1 << 16),
            |c: &WindowCount| digest(&[c.0, c.1, c.2]),
        );
    }
}

/// The operator "q5.count", keyed by auction: the bids per (window,
/// auction), emitted when the window closes (or handed to the next
/// generation at the stop boundary).
fn count_bids<'scope>(
    bids: StreamVec<'scope, u64, u64>,
    ctx: &BuildContext,
    windows: Windows,
) -> StreamVec<'scope, u64, WindowCount> {
    let scope = bids.scope();
    let router = ctx.router("q5.count");
    let mut meter = ctx.meter("q5.count");
    let mut queue = ctx.queue::<u64>("q5.count");
    let savepoint = ctx.savepoint();
    let boundary = ctx.stop_boundary();
    let imported = ctx.import::<WindowCount>("q5.count", COUNTS_PART);
    bids.unary_frontier::<CapacityContainerBuilder<Vec<WindowCount>>, _, _, _>(
        Exchange::new(move |auction: &u64| router.target(*auction)),
        "q5.count",
        move |default_cap, info| {
            let activator = scope.activator_for(info.address);
            let mut counts: BTreeMap<u64, HashMap<u64, u64>> = BTreeMap::new();
            let mut caps: BTreeMap<u64, Capability<u64>> = BTreeMap::new();
            for (k, auction, n) in imported {
                caps.entry(k)
                    .or_insert_with(|| default_cap.delayed(&windows.last_epoch(k)));
                *counts.entry(k).or_default().entry(auction).or_default() += n;
            }
            drop(default_cap);
            move |(input, frontier), output| {
                let port = output.output_index();
                input.for_each(|cap, data| queue.push(&cap, port, data));
                let more = queue.process(&mut meter, |cap, batch| {
                    for k in windows.containing(*cap.time()) {
                        caps.entry(k)
                            .or_insert_with(|| cap.delayed(&windows.last_epoch(k)));
                        let window = counts.entry(k).or_default();
                        for auction in &batch {
                            *window.entry(*auction).or_default() += 1;
                        }
                    }
                });
                if more {
                    activator.activate();
                }
                while let Some((&k, _)) = caps.first_key_value() {
                    let last = windows.last_epoch(k);
                    if queue.holds_at_or_before(last) {
                        break;
                    }
                    match due(frontier, last, &boundary) {
                        Due::Wait => {
                            if frontier.is_empty() {
                                activator.activate_after(Duration::from_millis(1));
                            }
                            break;
                        }
                        Due::Fire => {
                            let cap = caps.remove(&k).expect("first key exists");
                            let window = counts.remove(&k).unwrap_or_default();
                            output
                                .session(&cap)
                                .give_iterator(window.into_iter().map(|(a, n)| (k, a, n)));
                        }
                        Due::Export => {
                            caps.clear();
                            let rest = std::mem::take(&mut counts);
                            savepoint.export(
                                "q5.count",
                                COUNTS_PART,
                                rest.into_iter()
                                    .flat_map(|(k, w)| w.into_iter().map(move |(a, n)| (k, a, n)))
                                    .collect(),
                                |c: &WindowCount| c.1,
                            );
                        }
                    }
                }
            }
        },
    )
}

/// The operator "q5.max", keyed by window: the most-bid auctions per
/// window. All counts of a window carry its last epoch, so the state is
/// local to an epoch.
fn most_bids<'scope>(
    counts: StreamVec<'scope, u64, WindowCount>,
    ctx: &BuildContext,
) -> StreamVec<'scope, u64, WindowCount> {
    let scope = counts.scope();
    let router = ctx.router("q5.max");
    let mut meter = ctx.meter("q5.max");
    let mut queue = ctx.queue::<WindowCount>("q5.max");
    counts.unary_frontier::<CapacityContainerBuilder<Vec<WindowCount>>, _, _, _>(
        Exchange::new(move |c: &WindowCount| router.target(c.0)),
        "q5.max",
        move |_, info| {
            let activator = scope.activator_for(info.address);
            // time -> window -> (max bids, auctions with that many)
            let mut best: BTreeMap<u64, (Capability<u64>, Leaders)> = BTreeMap::new();
            move |(input, frontier), output| {
                let port = output.output_index();
                input.for_each(|cap, data| queue.push(&cap, port, data));
                let more = queue.process(&mut meter, |cap, batch| {
                    let entry = best
                        .entry(*cap.time())
                        .or_insert_with(|| (cap.clone(), HashMap::new()));
                    for (k, auction, n) in batch {
                        let (max, auctions) = entry.1.entry(k).or_insert((0, Vec::new()));
                        if n > *max {
                            *max = n;
                            auctions.clear();
                        }
                        if n == *max {
                            auctions.push(auction);
                        }
                    }
                });
                if more {
                    activator.activate();
                }
                while let Some((&t, _)) = best.first_key_value() {
                    if frontier.less_equal(&t) || queue.holds_at_or_before(t) {
                        break;
                    }
                    let (cap, windows) = best.remove(&t).expect("first key exists");
                    let mut session = output.session(&cap);
                    for (k, (n, auctions)) in windows {
                        session.give_iterator(auctions.into_iter().map(|a| (k, a, n)));
                    }
                }
            }
        },
    )
}

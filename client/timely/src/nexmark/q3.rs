//! Nexmark q3, local item suggestion: sellers in OR, ID or CA joined with
//! their auctions in category 10, incrementally (both sides kept, a match
//! is emitted when its second half arrives).

use std::collections::HashMap;
use std::time::Duration;

use nexmark::event::Event;
use serde::{Deserialize, Serialize};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::{Scope, StreamVec};

use super::operators::{digest, sink, stateless, text_digest};
use super::{event_key, nexmark_source};
use crate::proto::v1::OperatorKind;
use crate::runner::{BuildContext, Query};
use crate::savepoint::Savepoint;
use crate::spec::{JobSpec, OperatorRole, OperatorSpec};

pub struct Q3;

const STATES: [&str; 3] = ["or", "id", "ca"];
const CATEGORY: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seller {
    id: u64,
    name: String,
    city: String,
    state: String,
}

/// (seller, auction id)
type SellerAuction = (u64, u64);
/// (seller name, city, state, auction id)
type Suggestion = (String, String, String, u64);

const PERSONS_PART: &str = "q3.join/persons";
const AUCTIONS_PART: &str = "q3.join/auctions";

fn suggestion(seller: &Seller, auction: u64) -> Suggestion {
    (
        seller.name.clone(),
        seller.city.clone(),
        seller.state.clone(),
        auction,
    )
}

impl Query for Q3 {
    fn spec(&self, job_id: &str) -> JobSpec {
        JobSpec {
            job_id: job_id.to_string(),
            operators: vec![
                OperatorSpec::new("q3.source", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("q3.persons", OperatorKind::Filter, OperatorRole::Stateless),
                OperatorSpec::new("q3.auctions", OperatorKind::Filter, OperatorRole::Stateless),
                OperatorSpec::new("q3.join", OperatorKind::Join, OperatorRole::Keyed),
                OperatorSpec::new("q3.sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        }
    }

    fn default_costs(&self) -> Vec<Duration> {
        [15, 10, 10, 10_000, 50].map(Duration::from_micros).to_vec()
    }

    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext) {
        let events = nexmark_source(scope, "q3.source", ctx);
        let sellers = stateless(
            events.clone(),
            "q3.persons",
            ctx,
            event_key,
            |event, out| {
                if let Event::Person(p) = event {
                    if STATES.contains(&p.state.as_str()) {
                        out.push(Seller {
                            id: p.id as u64,
                            name: p.name,
                            city: p.city,
                            state: p.state,
                        });
                    }
                }
            },
        );
        let auctions = stateless(events, "q3.auctions", ctx, event_key, |event, out| {
            if let Event::Auction(a) = event {
                if a.category == CATEGORY {
                    out.push((a.seller as u64, a.id as u64));
                }
            }
        });

        let joined = suggest(sellers, auctions, ctx);
        sink(
            joined,
            "q3.sink",
            ctx,
            |s: &Suggestion| s.3,
            |s: &Suggestion| {
                digest(&[s.3, text_digest(&s.0), text_digest(&s.1), text_digest(&s.2)])
            },
        );
    }
}

/// The operator "q3.join", keyed by seller: an incremental join of
/// sellers with their auctions (both sides kept, a match emitted when its
/// second half arrives; the state handed to the next generation once both
/// inputs are exhausted).
fn suggest<'scope>(
    sellers: StreamVec<'scope, u64, Seller>,
    auctions: StreamVec<'scope, u64, SellerAuction>,
    ctx: &BuildContext,
) -> StreamVec<'scope, u64, Suggestion> {
    let scope = sellers.scope();
    let (left, right) = (ctx.router("q3.join"), ctx.router("q3.join"));
    let mut meter = ctx.meter("q3.join");
    let savepoint = ctx.savepoint();
    let mut persons: HashMap<u64, Seller> = ctx
        .import::<Seller>("q3.join", PERSONS_PART)
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut pending: HashMap<u64, Vec<u64>> = HashMap::new();
    for (seller, auction) in ctx.import::<SellerAuction>("q3.join", AUCTIONS_PART) {
        pending.entry(seller).or_default().push(auction);
    }
    let mut persons_queue = ctx.queue::<Seller>("q3.join");
    let mut auctions_queue = ctx.queue::<SellerAuction>("q3.join");
    sellers.binary_frontier::<_, CapacityContainerBuilder<Vec<Suggestion>>, _, _, _, _>(
        auctions,
        Exchange::new(move |s: &Seller| left.target(s.id)),
        Exchange::new(move |a: &SellerAuction| right.target(a.0)),
        "q3.join",
        move |_, info| {
            let activator = scope.activator_for(info.address);
            let mut exported = false;
            move |(persons_in, persons_frontier), (auctions_in, auctions_frontier), output| {
                let port = output.output_index();
                persons_in.for_each(|cap, data| persons_queue.push(&cap, port, data));
                auctions_in.for_each(|cap, data| auctions_queue.push(&cap, port, data));
                let mut fuel = meter.budget();
                while fuel > 0 {
                    if let Some((cap, batch)) = persons_queue.pop(fuel) {
                        fuel -= batch.len();
                        meter.charge(batch.len());
                        let mut session = output.session(&cap);
                        for seller in batch {
                            for auction in pending.get(&seller.id).into_iter().flatten() {
                                session.give(suggestion(&seller, *auction));
                            }
                            persons.insert(seller.id, seller);
                        }
                    } else if let Some((cap, batch)) = auctions_queue.pop(fuel) {
                        fuel -= batch.len();
                        meter.charge(batch.len());
                        let mut session = output.session(&cap);
                        for (seller, auction) in batch {
                            if let Some(s) = persons.get(&seller) {
                                session.give(suggestion(s, auction));
                            }
                            pending.entry(seller).or_default().push(auction);
                        }
                    } else {
                        break;
                    }
                }
                meter.settle();
                let drained = persons_queue.is_empty() && auctions_queue.is_empty();
                if !drained {
                    activator.activate();
                } else if !exported && persons_frontier.is_empty() && auctions_frontier.is_empty() {
                    // Both inputs exhausted at the stop boundary: hand
                    // the join state to the next generation.
                    exported = true;
                    export(&savepoint, &mut persons, &mut pending);
                }
            }
        },
    )
}

/// Hands the join's state to the next generation.
fn export(
    savepoint: &Savepoint,
    persons: &mut HashMap<u64, Seller>,
    pending: &mut HashMap<u64, Vec<u64>>,
) {
    savepoint.export(
        "q3.join",
        PERSONS_PART,
        persons.drain().map(|(_, s)| s).collect(),
        |s: &Seller| s.id,
    );
    savepoint.export(
        "q3.join",
        AUCTIONS_PART,
        pending
            .drain()
            .flat_map(|(seller, auctions)| auctions.into_iter().map(move |a| (seller, a)))
            .collect(),
        |a: &SellerAuction| a.0,
    );
}

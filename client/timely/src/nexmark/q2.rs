//! Nexmark q2, selection: bids on a fixed subset of auctions
//! (`auction % 123 == 0`).

use std::time::Duration;

use nexmark::event::Event;
use timely::dataflow::Scope;

use super::operators::{digest, sink, stateless};
use super::{event_key, nexmark_source};
use crate::proto::v1::OperatorKind;
use crate::runner::{BuildContext, Query};
use crate::spec::{JobSpec, OperatorRole, OperatorSpec};

pub struct Q2;

/// A selected bid: (auction, price).
type Selected = (u64, u64);

const AUCTION_MODULUS: usize = 123;

impl Query for Q2 {
    fn spec(&self, job_id: &str) -> JobSpec {
        JobSpec {
            job_id: job_id.to_string(),
            operators: vec![
                OperatorSpec::new("q2.source", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("q2.filter", OperatorKind::Filter, OperatorRole::Stateless),
                OperatorSpec::new("q2.sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        }
    }

    fn default_costs(&self) -> Vec<Duration> {
        [15, 250, 10].map(Duration::from_micros).to_vec()
    }

    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext) {
        let events = nexmark_source(scope, "q2.source", ctx);
        let selected = stateless(events, "q2.filter", ctx, event_key, |event, out| {
            if let Event::Bid(bid) = event {
                if bid.auction % AUCTION_MODULUS == 0 {
                    out.push((bid.auction as u64, bid.price as u64));
                }
            }
        });
        sink(
            selected,
            "q2.sink",
            ctx,
            |s: &Selected| s.0 ^ (s.1 << 32),
            |s: &Selected| digest(&[s.0, s.1]),
        );
    }
}

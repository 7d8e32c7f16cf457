//! Nexmark q1, currency conversion: every bid with its price in euros.

use std::time::Duration;

use nexmark::event::Event;
use timely::dataflow::Scope;

use super::operators::{digest, sink, stateless};
use super::{event_key, nexmark_source};
use crate::proto::v1::OperatorKind;
use crate::runner::{BuildContext, Query};
use crate::spec::{JobSpec, OperatorRole, OperatorSpec};

pub struct Q1;

/// A converted bid: (auction, bidder, price in euro cents, time).
type EuroBid = (u64, u64, u64, u64);

impl Query for Q1 {
    fn spec(&self, job_id: &str) -> JobSpec {
        JobSpec {
            job_id: job_id.to_string(),
            operators: vec![
                OperatorSpec::new("q1.source", OperatorKind::Source, OperatorRole::Keyed),
                OperatorSpec::new("q1.convert", OperatorKind::Map, OperatorRole::Stateless),
                OperatorSpec::new("q1.sink", OperatorKind::Sink, OperatorRole::Stateless),
            ],
        }
    }

    fn default_costs(&self) -> Vec<Duration> {
        [15, 400, 10].map(Duration::from_micros).to_vec()
    }

    fn build<'scope>(&self, scope: Scope<'scope, u64>, ctx: &BuildContext) {
        let events = nexmark_source(scope, "q1.source", ctx);
        let converted = stateless(events, "q1.convert", ctx, event_key, |event, out| {
            if let Event::Bid(bid) = event {
                let euro_cents = (bid.price as u64 * 908) / 1000;
                out.push((
                    bid.auction as u64,
                    bid.bidder as u64,
                    euro_cents,
                    bid.date_time,
                ));
            }
        });
        sink(
            converted,
            "q1.sink",
            ctx,
            |b: &EuroBid| b.0 ^ (b.1 << 24) ^ b.3,
            |b: &EuroBid| digest(&[b.0, b.1, b.2, b.3]),
        );
    }
}

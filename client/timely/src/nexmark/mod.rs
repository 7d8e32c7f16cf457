//! Nexmark queries q1, q2, q3, q5 and q8 on Timely, fed by the `nexmark`
//! crate's generator through the rate-controlled source. Windows are
//! measured in epochs (the source's event-time unit), so every result is a
//! deterministic function of the input and a run's committed results can be
//! compared across restarts.

mod operators;
mod q1;
mod q2;
mod q3;
mod q5;
mod q8;
mod window;

use std::sync::Arc;

use nexmark::config::NexmarkConfig;
use nexmark::event::Event;
use nexmark::EventGenerator;

use timely::dataflow::{Scope, StreamVec};

use crate::runner::{BuildContext, Query};
use crate::source::rate_source;

pub use q1::Q1;
pub use q2::Q2;
pub use q3::Q3;
pub use q5::Q5;
pub use q8::Q8;

/// The query called `name` ("q1", "q2", "q3", "q5", "q8").
pub fn query(name: &str) -> Option<Arc<dyn Query>> {
    query_with_window(name, DEFAULT_WINDOW_S)
}

/// Nexmark's event-time window: 10 s of input (q5 slides every 2 s).
pub const DEFAULT_WINDOW_S: f64 = 10.0;

/// The query called `name`, with windows of `window_s` seconds of input
/// (q5 slides every fifth of it; q1, q2 and q3 have no windows).
pub fn query_with_window(name: &str, window_s: f64) -> Option<Arc<dyn Query>> {
    let query: Arc<dyn Query> = match name {
        "q1" => Arc::new(Q1),
        "q2" => Arc::new(Q2),
        "q3" => Arc::new(Q3),
        "q5" => Arc::new(Q5 {
            window_s,
            slide_s: window_s / 5.0,
        }),
        "q8" => Arc::new(Q8 { window_s }),
        _ => return None,
    };
    Some(query)
}

/// The names `query` accepts.
pub const QUERIES: [&str; 5] = ["q1", "q2", "q3", "q5", "q8"];

/// Events `first, first + step, first + 2·step, …` of the Nexmark stream
/// at `rate` events per second, with a fixed base time: event `i` is the
/// same in every run.
pub fn event_stream(rate: f64, first: u64, step: u64) -> impl FnMut(u64) -> Event {
    let config = NexmarkConfig {
        first_rate: rate.round().max(1.0) as usize,
        next_rate: rate.round().max(1.0) as usize,
        base_time: 0,
        ..NexmarkConfig::default()
    };
    let mut generator = EventGenerator::new(config)
        .with_offset(first)
        .with_step(step.max(1));
    move |index| {
        debug_assert_eq!(generator.offset(), index, "events are generated in order");
        generator
            .next()
            .expect("the Nexmark generator is unbounded")
    }
}

/// The job's Nexmark source `name`: this worker's instance emits its
/// share of the event stream from the generation's start offset.
pub fn nexmark_source<'scope>(
    scope: Scope<'scope, u64>,
    name: &str,
    ctx: &BuildContext,
) -> StreamVec<'scope, u64, Event> {
    let source = ctx.source(name);
    let events = event_stream(
        ctx.source_settings().rate,
        source.first_index().unwrap_or(0),
        source.parallelism as u64,
    );
    rate_source(scope, name, source, events)
}

/// A routing key that spreads events uniformly (their ids).
pub fn event_key(event: &Event) -> u64 {
    match event {
        Event::Person(p) => p.id as u64,
        Event::Auction(a) => a.id as u64,
        Event::Bid(b) => (b.auction as u64) ^ ((b.bidder as u64) << 20) ^ (b.date_time << 40),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_streams_interleave_into_the_full_stream() {
        let mut full = event_stream(1000.0, 0, 1);
        let all: Vec<Event> = (0..60).map(&mut full).collect();
        let mut even = event_stream(1000.0, 0, 2);
        let mut odd = event_stream(1000.0, 1, 2);
        for i in 0..30u64 {
            assert_eq!(even(2 * i), all[2 * i as usize]);
            assert_eq!(odd(2 * i + 1), all[2 * i as usize + 1]);
        }
        let mut resumed = event_stream(1000.0, 37, 1);
        assert_eq!(resumed(37), all[37]);
    }

    #[test]
    fn every_query_name_resolves() {
        for name in QUERIES {
            let query = query(name).unwrap();
            let spec = query.spec("job");
            spec.validate().unwrap();
            assert_eq!(query.default_costs().len(), spec.operators.len());
            assert!(spec.operators.iter().all(|op| op.name.starts_with(name)));
        }
        assert!(query("q4").is_none());
    }
}

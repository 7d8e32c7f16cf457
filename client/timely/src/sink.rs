//! A committing sink: results are buffered per epoch and counted only once
//! the input frontier has passed their epoch, like a transactional sink. A
//! restart never leaves a partial epoch behind (it stops at an epoch
//! boundary), so the committed count and checksum are exactly-once
//! properties a test can compare across runs. Stateless in the routing
//! sense: any instance may commit any record of an epoch.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::StreamVec;
use timely::ExchangeData;

use crate::pacing::WorkMeter;
use crate::parallelism::{route_hash, Router};
use crate::queue::InputQueue;

/// Committed results of a job, over every generation.
#[derive(Debug, Default)]
pub struct SinkStats {
    records: AtomicU64,
    checksum: AtomicU64,
}

impl SinkStats {
    pub fn new() -> Arc<Self> {
        Arc::new(SinkStats::default())
    }

    /// Results committed so far.
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }

    /// Order-independent digest of the committed results (wrapping sum of
    /// their mixed digests).
    pub fn checksum(&self) -> u64 {
        self.checksum.load(Ordering::Relaxed)
    }

    fn commit(&self, records: u64, checksum: u64) {
        self.records.fetch_add(records, Ordering::Relaxed);
        self.checksum.fetch_add(checksum, Ordering::Relaxed);
    }
}

/// Appends the sink `name`: routes by `key` with `router`, commits each
/// epoch's results into `stats` (with `digest` of every result) once the
/// epoch is complete. Returns an empty stream to attach a probe to.
#[allow(clippy::too_many_arguments)]
pub fn committing_sink<'scope, D, K, H>(
    stream: StreamVec<'scope, u64, D>,
    name: &str,
    router: Router,
    mut meter: WorkMeter,
    mut queue: InputQueue<D>,
    stats: Arc<SinkStats>,
    key: K,
    digest: H,
) -> StreamVec<'scope, u64, ()>
where
    D: ExchangeData,
    K: Fn(&D) -> u64 + 'static,
    H: Fn(&D) -> u64 + 'static,
{
    let scope = stream.scope();
    let pact = Exchange::new(move |d: &D| router.target(key(d)));
    stream.unary_frontier::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
        pact,
        name,
        move |_, info| {
            let activator = scope.activator_for(info.address);
            // epoch -> (results, checksum) not yet committed.
            let mut pending: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
            move |(input, frontier), output| {
                let port = output.output_index();
                input.for_each(|cap, data| queue.push(&cap, port, data));
                let more = queue.process(&mut meter, |cap, batch| {
                    let entry = pending.entry(*cap.time()).or_default();
                    for d in &batch {
                        entry.0 += 1;
                        entry.1 = entry.1.wrapping_add(route_hash(digest(d)));
                    }
                });
                while let Some((&epoch, _)) = pending.first_key_value() {
                    if frontier.less_equal(&epoch) || queue.holds_at_or_before(epoch) {
                        break;
                    }
                    let (records, checksum) = pending.remove(&epoch).unwrap_or_default();
                    stats.commit(records, checksum);
                }
                if more {
                    activator.activate();
                }
            }
        },
    )
}

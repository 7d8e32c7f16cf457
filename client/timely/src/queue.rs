//! Bounded work per invocation ("fuel"). An operator moves its input into
//! an `InputQueue` (keeping a capability per batch) and processes at most a
//! few milliseconds' worth of records per invocation, re-activating itself
//! while records remain. Short invocations keep a worker fair to the other
//! operator instances it hosts, and let the logger report busy time as it
//! accrues rather than in lumps. Records an operator holds this way are
//! still queued at it: `QueueGauges` counts them for the snapshot.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use timely::dataflow::operators::{Capability, InputCapability};

use crate::pacing::WorkMeter;

/// Records held in input queues, per operator (summed over its instances).
/// Thread-safe.
#[derive(Debug)]
pub struct QueueGauges {
    held: Vec<AtomicI64>,
}

impl QueueGauges {
    pub fn new(operators: usize) -> Arc<Self> {
        Arc::new(QueueGauges {
            held: (0..operators).map(|_| AtomicI64::new(0)).collect(),
        })
    }

    /// Records held by every operator, in `spec` order.
    pub fn read(&self) -> Vec<i64> {
        self.held
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .collect()
    }

    fn add(&self, op: usize, delta: i64) {
        self.held[op].fetch_add(delta, Ordering::Relaxed);
    }
}

/// One operator instance's queue of received, unprocessed records, oldest
/// first. Not thread-safe (lives inside the operator).
pub struct InputQueue<D> {
    batches: VecDeque<(Capability<u64>, Vec<D>)>,
    gauges: Arc<QueueGauges>,
    op: usize,
}

impl<D> InputQueue<D> {
    pub fn new(gauges: Arc<QueueGauges>, op: usize) -> Self {
        InputQueue {
            batches: VecDeque::new(),
            gauges,
            op,
        }
    }

    /// Queues a received batch under a capability for output `port`.
    pub fn push(&mut self, cap: &InputCapability<u64>, port: usize, batch: &mut Vec<D>) {
        if batch.is_empty() {
            return;
        }
        let cap = cap.retain_least(port).expect("messages carry a time");
        self.gauges.add(self.op, batch.len() as i64);
        self.batches.push_back((cap, std::mem::take(batch)));
    }

    /// Up to `limit` records from the oldest batch, with its capability.
    pub fn pop(&mut self, limit: usize) -> Option<(Capability<u64>, Vec<D>)> {
        let (cap, batch) = self.batches.front_mut()?;
        let taken = if batch.len() <= limit {
            let cap = cap.clone();
            let batch = std::mem::take(batch);
            self.batches.pop_front();
            (cap, batch)
        } else {
            let rest = batch.split_off(limit);
            (cap.clone(), std::mem::replace(batch, rest))
        };
        self.gauges.add(self.op, -(taken.1.len() as i64));
        Some(taken)
    }

    /// Hands queued batches to `process` until this invocation's fuel (the
    /// meter's budget) is spent, then sleeps off their cost. Returns whether
    /// records remain: the operator must then re-activate itself.
    pub fn process(
        &mut self,
        meter: &mut WorkMeter,
        mut process: impl FnMut(Capability<u64>, Vec<D>),
    ) -> bool {
        let mut fuel = meter.budget();
        while fuel > 0 {
            let Some((cap, batch)) = self.pop(fuel) else {
                break;
            };
            fuel -= batch.len();
            meter.charge(batch.len());
            process(cap, batch);
        }
        meter.settle();
        !self.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// The earliest time of a queued record.
    pub fn min_time(&self) -> Option<u64> {
        self.batches.iter().map(|(cap, _)| *cap.time()).min()
    }

    /// Whether a queued record has a time at or before `time`.
    pub fn holds_at_or_before(&self, time: u64) -> bool {
        self.min_time().is_some_and(|t| t <= time)
    }
}

impl<D> Drop for InputQueue<D> {
    fn drop(&mut self) {
        let held: usize = self.batches.iter().map(|(_, b)| b.len()).sum();
        self.gauges.add(self.op, -(held as i64));
    }
}

//! Simulated per-record processing cost. On a 2-core machine, CPU-bound
//! operators cannot gain capacity from more workers than cores, so the
//! Nexmark jobs make each record cost wall time instead: an instance sleeps
//! off what it owes at the end of each invocation. Sleeping blocks only its
//! own worker (as real work would) and frees the core, so capacity grows
//! with parallelism; Timely's schedule events count the sleep as busy time.

use std::thread;
use std::time::{Duration, Instant};

/// Oversleeping is credited against later records, up to this much, so the
/// average cost per record stays exact despite timer slack.
const MAX_CREDIT_NS: i64 = 2_000_000;

/// Simulated work an instance does per invocation at most (its fuel).
const INVOCATION_BUDGET_NS: i64 = 5_000_000;

/// The cost owed by one operator instance. Not thread-safe: one per instance.
#[derive(Debug)]
pub struct WorkMeter {
    cost_ns: i64,
    owed_ns: i64,
}

impl WorkMeter {
    pub fn new(cost_per_record: Duration) -> Self {
        WorkMeter {
            cost_ns: cost_per_record.as_nanos() as i64,
            owed_ns: 0,
        }
    }

    /// How many records fit in one invocation's budget (at least one;
    /// unbounded when records cost nothing).
    pub fn budget(&self) -> usize {
        if self.cost_ns == 0 {
            usize::MAX
        } else {
            ((INVOCATION_BUDGET_NS - self.owed_ns.max(0)) / self.cost_ns).max(1) as usize
        }
    }

    /// Adds the cost of `records` records.
    pub fn charge(&mut self, records: usize) {
        self.owed_ns += self.cost_ns * records as i64;
    }

    /// Sleeps off the cost owed so far (if any); call once per invocation,
    /// after the records were processed.
    pub fn settle(&mut self) {
        self.settle_with(|owed| {
            let start = Instant::now();
            thread::sleep(owed);
            start.elapsed()
        });
    }

    /// `settle` with the sleep injected: `sleep(owed)` returns how long it
    /// actually took.
    fn settle_with(&mut self, sleep: impl FnOnce(Duration) -> Duration) {
        if self.owed_ns <= 0 {
            return;
        }
        let slept = sleep(Duration::from_nanos(self.owed_ns as u64));
        self.owed_ns -= slept.as_nanos() as i64;
        self.owed_ns = self.owed_ns.max(-MAX_CREDIT_NS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversleeping_is_credited_so_the_average_cost_is_exact() {
        let mut meter = WorkMeter::new(Duration::from_micros(20));
        let mut total = Duration::ZERO;
        for _ in 0..500 {
            meter.charge(2); // 40 µs per invocation, below timer slack
                             // Every sleep overshoots by 60 µs.
            meter.settle_with(|owed| {
                let slept = owed + Duration::from_micros(60);
                total += slept;
                slept
            });
        }
        // 1000 records × 20 µs = 20 ms; the credit absorbs the overshoot
        // except for the last sleep's.
        let total_ms = total.as_secs_f64() * 1e3;
        assert!((20.0..20.2).contains(&total_ms), "slept {total_ms} ms");
    }

    #[test]
    fn real_sleep_pays_the_cost() {
        let mut meter = WorkMeter::new(Duration::from_millis(2));
        let start = Instant::now();
        meter.charge(5);
        meter.settle();
        assert!(start.elapsed() >= Duration::from_millis(10));
    }

    #[test]
    fn budget_is_a_few_milliseconds_of_records() {
        assert_eq!(WorkMeter::new(Duration::from_micros(100)).budget(), 50);
        assert_eq!(WorkMeter::new(Duration::from_millis(20)).budget(), 1);
        assert_eq!(WorkMeter::new(Duration::ZERO).budget(), usize::MAX);
    }

    #[test]
    fn zero_cost_never_sleeps() {
        let mut meter = WorkMeter::new(Duration::ZERO);
        let start = Instant::now();
        meter.charge(1_000_000);
        meter.settle();
        assert!(start.elapsed() < Duration::from_millis(5));
    }
}

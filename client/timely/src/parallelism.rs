//! Per-operator parallelism inside a fixed pool of Timely workers: operator
//! instance i runs on worker i, and an operator's input is exchanged with
//! `hash(key) % p_op`, so only workers `0..p_op` receive its records while
//! the others keep idle copies. Changing `p_op` in place is a store to an
//! atomic that every exchange function reads per record. Thread-safe.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Mixes a key into a well-spread 64-bit hash (splitmix64): stable across
/// Rust versions, so state exported by one run routes the same in the next.
pub fn route_hash(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The instance (worker index) that owns `key` when the operator runs with
/// `parallelism` instances.
pub fn instance_for(key: u64, parallelism: usize) -> usize {
    (route_hash(key) % parallelism.max(1) as u64) as usize
}

/// The parallelism of one operator, shared by every worker's exchange
/// function for its input. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Router {
    parallelism: Arc<AtomicUsize>,
}

impl Router {
    /// Worker that receives a record with routing key `key`: always below the
    /// current parallelism, which is at most the number of workers.
    pub fn target(&self, key: u64) -> u64 {
        instance_for(key, self.parallelism.load(Ordering::Relaxed)) as u64
    }

    pub fn parallelism(&self) -> usize {
        self.parallelism.load(Ordering::Relaxed)
    }
}

/// The current parallelism of every operator of a job, indexed like its
/// `JobSpec::operators`. Values are clamped to `[1, workers]`.
#[derive(Debug)]
pub struct ParallelismTable {
    workers: usize,
    values: Vec<Arc<AtomicUsize>>,
}

impl ParallelismTable {
    pub fn new(initial: &[usize], workers: usize) -> Self {
        let workers = workers.max(1);
        ParallelismTable {
            workers,
            values: initial
                .iter()
                .map(|&p| Arc::new(AtomicUsize::new(p.clamp(1, workers))))
                .collect(),
        }
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, op: usize) -> usize {
        self.values[op].load(Ordering::Relaxed)
    }

    /// Every operator's parallelism, in operator order.
    pub fn current(&self) -> Vec<usize> {
        (0..self.values.len()).map(|op| self.get(op)).collect()
    }

    /// Sets one operator's parallelism (clamped to `[1, workers]`); exchange
    /// functions see it from their next record on.
    pub fn set(&self, op: usize, parallelism: usize) {
        self.values[op].store(parallelism.clamp(1, self.workers), Ordering::Relaxed);
    }

    pub fn router(&self, op: usize) -> Router {
        Router {
            parallelism: Arc::clone(&self.values[op]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_sends_only_to_the_first_p_workers() {
        let table = ParallelismTable::new(&[3], 8);
        let router = table.router(0);
        let mut seen = [0usize; 8];
        for key in 0..10_000u64 {
            seen[router.target(key) as usize] += 1;
        }
        assert!(seen[..3].iter().all(|&n| n > 3000), "{seen:?}");
        assert!(seen[3..].iter().all(|&n| n == 0), "{seen:?}");
    }

    #[test]
    fn set_applies_to_existing_routers_and_clamps() {
        let table = ParallelismTable::new(&[1, 20], 4);
        assert_eq!(table.current(), vec![1, 4]);
        let router = table.router(0);
        assert_eq!(router.target(12345), 0);
        table.set(0, 2);
        assert_eq!(router.parallelism(), 2);
        assert!((0..100u64).any(|k| router.target(k) == 1));
        table.set(0, 0);
        assert_eq!(table.get(0), 1);
    }

    #[test]
    fn instance_for_matches_the_router() {
        let table = ParallelismTable::new(&[5], 8);
        let router = table.router(0);
        for key in 0..1000u64 {
            assert_eq!(router.target(key) as usize, instance_for(key, 5));
        }
    }
}

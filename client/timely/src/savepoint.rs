//! State handed from one generation of a dataflow to the next at a
//! controlled restart, in any process of the job. When the input of a keyed
//! operator is exhausted at the stop boundary, every instance exports what
//! it still holds, each entry serialized with its routing key. Once the
//! coordinator has decided the next generation's parallelism, each worker
//! ships the entries its process exported to their new owners
//! (`instance_for(key, p_new)`, a global worker index) over the control
//! plane (`control`); the receiving process keeps them until its workers
//! build the next generation and import the entries they own. Every entry
//! thus moves exactly once. Thread-safe.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One exported entry of operator `op`'s state part `part` (e.g.
/// "q3.join/persons"), serialized, with the key that routes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateEntry {
    pub op: String,
    pub part: String,
    pub key: u64,
    pub bytes: Vec<u8>,
}

/// Serialized entries by routing key.
type KeyedEntries = Vec<(u64, Vec<u8>)>;

#[derive(Default)]
pub struct Savepoint {
    /// Exported by this process's instances, not shipped yet.
    exported: Mutex<Vec<StateEntry>>,
    /// Shipped to this process's workers, per part, not imported yet.
    received: Mutex<HashMap<String, KeyedEntries>>,
    shipped_total: AtomicU64,
    received_total: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Savepoint {
    pub fn new() -> Self {
        Savepoint::default()
    }

    /// Adds one instance's entries of operator `op` under `part`.
    pub fn export<E: Serialize>(
        &self,
        op: &str,
        part: &str,
        entries: Vec<E>,
        key: impl Fn(&E) -> u64,
    ) {
        let serialized = entries.iter().map(|entry| StateEntry {
            op: op.to_string(),
            part: part.to_string(),
            key: key(entry),
            bytes: serde_json::to_vec(entry).expect("state entries serialize"),
        });
        lock(&self.exported).extend(serialized);
    }

    /// Takes every entry exported so far, to ship to the new owners.
    pub fn take_exported(&self) -> Vec<StateEntry> {
        let taken = std::mem::take(&mut *lock(&self.exported));
        self.shipped_total
            .fetch_add(taken.len() as u64, Ordering::Relaxed);
        taken
    }

    /// Keeps an entry shipped to one of this process's workers.
    pub fn receive(&self, entry: StateEntry) {
        self.received_total.fetch_add(1, Ordering::Relaxed);
        lock(&self.received)
            .entry(entry.part)
            .or_default()
            .push((entry.key, entry.bytes));
    }

    /// Removes and returns the received entries of `part` whose key `mine`
    /// accepts. Panics if an entry does not decode as `E` (a bug in the
    /// operator, not a runtime condition).
    pub fn import<E: DeserializeOwned>(
        &self,
        part: &str,
        mut mine: impl FnMut(u64) -> bool,
    ) -> Vec<E> {
        let mut received = lock(&self.received);
        let Some(entries) = received.get_mut(part) else {
            return Vec::new();
        };
        let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(entries)
            .into_iter()
            .partition(|(key, _)| mine(*key));
        *entries = kept;
        taken
            .into_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("savepoint part {part} holds another type: {e}"))
            })
            .collect()
    }

    /// Entries exported or received and not moved on yet.
    pub fn remaining(&self) -> usize {
        lock(&self.exported).len() + lock(&self.received).values().map(Vec::len).sum::<usize>()
    }

    /// Entries this process shipped to new owners, over the whole run.
    pub fn shipped(&self) -> u64 {
        self.shipped_total.load(Ordering::Relaxed)
    }

    /// Entries this process received from any process, over the whole run.
    pub fn received(&self) -> u64 {
        self.received_total.load(Ordering::Relaxed)
    }

    /// Drops everything (state left over at the final stop).
    pub fn clear(&self) {
        lock(&self.exported).clear();
        lock(&self.received).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallelism::instance_for;

    #[test]
    fn every_entry_moves_to_exactly_one_new_instance() {
        // Two processes; three old instances export disjoint key ranges.
        let old = [Savepoint::new(), Savepoint::new()];
        for instance in 0..3u64 {
            let entries: Vec<(u64, u64)> = (0..100).map(|k| (instance * 100 + k, k)).collect();
            old[instance as usize % 2].export("op", "op/counts", entries, |(k, _)| *k);
        }
        assert_eq!(old[0].remaining() + old[1].remaining(), 300);
        // Five new instances, workers 0..3 in process 0 and 3..5 in process 1.
        let new = [Savepoint::new(), Savepoint::new()];
        for savepoint in &old {
            for entry in savepoint.take_exported() {
                let owner = instance_for(entry.key, 5);
                new[usize::from(owner >= 3)].receive(entry);
            }
        }
        assert_eq!(old[0].shipped() + old[1].shipped(), 300);
        let mut seen = Vec::new();
        for worker in 0..5usize {
            let process = &new[usize::from(worker >= 3)];
            let mine = process.import::<(u64, u64)>("op/counts", |k| instance_for(k, 5) == worker);
            assert!(mine.iter().all(|(k, _)| instance_for(*k, 5) == worker));
            seen.extend(mine.into_iter().map(|(k, _)| k));
        }
        seen.sort();
        assert_eq!(seen, (0..300).collect::<Vec<_>>());
        assert_eq!(new[0].remaining() + new[1].remaining(), 0);
        assert_eq!(new[0].received() + new[1].received(), 300);
    }

    #[test]
    fn unknown_parts_import_nothing() {
        let savepoint = Savepoint::new();
        assert!(savepoint.import::<u64>("none", |_| true).is_empty());
        savepoint.export::<u64>("op", "empty", vec![], |k| *k);
        assert_eq!(savepoint.remaining(), 0);
    }
}

//! State handed from one generation of a dataflow to the next at a
//! controlled restart. When the input of a keyed operator is exhausted at
//! the stop boundary, every instance exports what it still holds; the next
//! generation's instances each import the entries whose key they now own
//! (`instance_for(key, p_new) == worker`), so every entry moves exactly once.
//! Thread-safe; entries are typed per part name.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;

struct Part {
    entries: Box<dyn Any + Send>,
    len: usize,
}

#[derive(Default)]
pub struct Savepoint {
    parts: Mutex<HashMap<String, Vec<Part>>>,
}

impl Savepoint {
    pub fn new() -> Self {
        Savepoint::default()
    }

    /// Adds one instance's entries under `part` (e.g. "q3.join/persons").
    pub fn export<E: Send + 'static>(&self, part: &str, entries: Vec<E>) {
        if entries.is_empty() {
            return;
        }
        let len = entries.len();
        self.parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(part.to_string())
            .or_default()
            .push(Part {
                entries: Box::new(entries),
                len,
            });
    }

    /// Removes and returns the entries of `part` for which `mine` holds.
    /// Panics if the part was exported with another entry type (a bug in
    /// the operator, not a runtime condition).
    pub fn import<E: Send + 'static>(
        &self,
        part: &str,
        mut mine: impl FnMut(&E) -> bool,
    ) -> Vec<E> {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        let mut taken = Vec::new();
        for stored in parts.get_mut(part).into_iter().flatten() {
            let entries = stored
                .entries
                .downcast_mut::<Vec<E>>()
                .unwrap_or_else(|| panic!("savepoint part {part} holds another type"));
            let mut kept = Vec::with_capacity(entries.len());
            for entry in entries.drain(..) {
                if mine(&entry) {
                    taken.push(entry);
                } else {
                    kept.push(entry);
                }
            }
            *entries = kept;
            stored.len = entries.len();
        }
        taken
    }

    /// Entries exported and not imported yet, over all parts.
    pub fn remaining(&self) -> usize {
        self.parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .flatten()
            .map(|p| p.len)
            .sum()
    }

    /// Drops everything (state left over at the final stop).
    pub fn clear(&self) {
        self.parts.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallelism::instance_for;

    #[test]
    fn every_entry_moves_to_exactly_one_new_instance() {
        let savepoint = Savepoint::new();
        // Three old instances export disjoint key ranges.
        for old in 0..3u64 {
            let entries: Vec<(u64, u64)> = (0..100).map(|k| (old * 100 + k, k)).collect();
            savepoint.export("op/counts", entries);
        }
        assert_eq!(savepoint.remaining(), 300);
        let mut seen = Vec::new();
        for new in 0..5usize {
            let mine =
                savepoint.import::<(u64, u64)>("op/counts", |(k, _)| instance_for(*k, 5) == new);
            assert!(mine.iter().all(|(k, _)| instance_for(*k, 5) == new));
            seen.extend(mine.into_iter().map(|(k, _)| k));
        }
        seen.sort();
        assert_eq!(seen, (0..300).collect::<Vec<_>>());
        assert_eq!(savepoint.remaining(), 0);
    }

    #[test]
    fn unknown_parts_import_nothing() {
        let savepoint = Savepoint::new();
        assert!(savepoint.import::<u64>("none", |_| true).is_empty());
        savepoint.export::<u64>("empty", vec![]);
        assert_eq!(savepoint.remaining(), 0);
    }
}

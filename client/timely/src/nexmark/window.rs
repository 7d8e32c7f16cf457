//! Event-time windows measured in epochs, and when a window may fire.

use timely::progress::frontier::MutableAntichain;

/// Windows of `size` epochs starting every `slide` epochs; window `k`
/// covers epochs `[k·slide, k·slide + size)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    pub size: u64,
    pub slide: u64,
}

impl Windows {
    pub fn sliding(size: u64, slide: u64) -> Self {
        let slide = slide.max(1);
        Windows {
            size: size.max(slide),
            slide,
        }
    }

    pub fn tumbling(size: u64) -> Self {
        Windows::sliding(size, size)
    }

    /// Indices of the windows containing epoch `t`.
    pub fn containing(&self, t: u64) -> std::ops::RangeInclusive<u64> {
        let first = if t + 1 > self.size {
            (t + 1 - self.size).div_ceil(self.slide)
        } else {
            0
        };
        first..=t / self.slide
    }

    /// The last epoch of window `k` (its results carry this time).
    pub fn last_epoch(&self, k: u64) -> u64 {
        k * self.slide + self.size - 1
    }
}

/// What to do with a window (or any pending result) whose last epoch is
/// `last`, given the input frontier and the generation's stop boundary
/// (None until the coordinator's decision reaches this process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// More input may still arrive for it, or the input has stopped but
    /// the boundary is not known yet (re-activate and ask again).
    Wait,
    /// Complete: emit it.
    Fire,
    /// The input stopped before the window ended: hand its state to the
    /// next generation.
    Export,
}

pub fn due(frontier: &MutableAntichain<u64>, last: u64, boundary: impl Fn() -> Option<u64>) -> Due {
    if frontier.is_empty() {
        match boundary() {
            None => Due::Wait,
            Some(boundary) if last < boundary => Due::Fire,
            Some(_) => Due::Export,
        }
    } else if frontier.less_equal(&last) {
        Due::Wait
    } else {
        Due::Fire
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_windows_contain_each_epoch_size_over_slide_times() {
        let w = Windows::sliding(10, 2);
        for t in 20..60u64 {
            let windows: Vec<u64> = w.containing(t).collect();
            assert_eq!(windows.len(), 5, "t={t}: {windows:?}");
            for k in windows {
                assert!(k * 2 <= t && t <= w.last_epoch(k));
            }
        }
        assert_eq!(w.containing(0).collect::<Vec<_>>(), vec![0]);
        assert_eq!(w.containing(3).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn tumbling_windows_partition_time() {
        let w = Windows::tumbling(5);
        for t in 0..50u64 {
            assert_eq!(w.containing(t).collect::<Vec<_>>(), vec![t / 5]);
        }
        assert_eq!(w.last_epoch(3), 19);
    }

    #[test]
    fn due_distinguishes_complete_from_cut_windows() {
        let mut frontier = MutableAntichain::new();
        frontier.update_iter([(7u64, 1)]);
        assert_eq!(due(&frontier, 7, || None), Due::Wait);
        assert_eq!(due(&frontier, 6, || None), Due::Fire);
        let empty = MutableAntichain::<u64>::new();
        assert_eq!(due(&empty, 9, || Some(10)), Due::Fire);
        assert_eq!(due(&empty, 10, || Some(10)), Due::Export);
        assert_eq!(due(&empty, 9, || None), Due::Wait, "boundary not known yet");
    }
}

//! Frame numbers in presentation order, with the frames never decoded counted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Numbers frames in presentation order although some are never decoded: a decoded frame's
/// number is how many packets read so far are shown before it.
#[derive(Default)]
pub(super) struct PresentationOrder {
    /// Presentation ticks of packets read whose frame has not been placed yet.
    waiting: BinaryHeap<Reverse<i64>>,
    placed: u64,
}

impl PresentationOrder {
    /// More than this many unplaced packets (times that never match a decoded frame's) are
    /// counted as shown, so that the heap stays small.
    const MAX_WAITING: usize = 4096;

    pub(super) fn starting_at(placed: u64) -> Self {
        Self {
            waiting: BinaryHeap::new(),
            placed,
        }
    }

    pub(super) fn read(&mut self, tick: Option<i64>) {
        if let Some(t) = tick {
            self.waiting.push(Reverse(t));
        }
        if self.waiting.len() > Self::MAX_WAITING {
            self.waiting.pop();
            self.placed += 1;
        }
    }

    /// The number of the frame shown at `tick`.
    pub(super) fn shown(&mut self, tick: Option<i64>) -> u64 {
        if let Some(t) = tick {
            while self.waiting.peek().is_some_and(|Reverse(w)| *w < t) {
                self.waiting.pop();
                self.placed += 1;
            }
        }
        let index = self.placed;
        if tick.is_none() || self.waiting.peek() == tick.map(Reverse).as_ref() {
            self.waiting.pop();
        }
        self.placed += 1;
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_numbered_in_presentation_order_with_skipped_ones_counted() {
        // Decode order I0 P3 B1 B2 P6 B4 B5; B1, B2 and B5 are never decoded.
        let mut order = PresentationOrder::default();
        for t in [0, 3, 1, 2] {
            order.read(Some(t));
        }
        assert_eq!(order.shown(Some(0)), 0);
        assert_eq!(order.shown(Some(3)), 3);
        for t in [6, 4, 5] {
            order.read(Some(t));
        }
        assert_eq!(order.shown(Some(4)), 4);
        assert_eq!(order.shown(Some(6)), 6);
        assert!(order.waiting.is_empty());
    }

    #[test]
    fn frames_without_times_are_numbered_one_after_another() {
        let mut order = PresentationOrder::default();
        for _ in 0..3 {
            order.read(None);
        }
        assert_eq!(
            (0..3).map(|_| order.shown(None)).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }
}

//! The earliest frame of each recent sampling period sent to be decoded: a frame that no other
//! frame refers to, shown later in a period than one of those, is not the one taken there, so
//! the decoder may drop it. Packets come in decode order, B-frames after the frames they are
//! predicted from, so without this every frame from a sample's time until the sample came out
//! of the decoder was decoded.

use std::collections::VecDeque;

/// Periods remembered: packets are at most a few frames out of presentation order.
const PERIODS: usize = 8;

#[derive(Default)]
pub(super) struct FirstSent {
    /// Per recent period, the time it ends and the earliest time shown in it of a frame sent
    /// to be decoded (not merely allowed to be dropped).
    earliest: VecDeque<(f64, f64)>,
}

impl FirstSent {
    /// Whether a frame sent to be decoded is shown in the period ending at `period_end` before
    /// `shown` (by more than the millisecond of rounding the times get).
    pub fn one_before(&self, period_end: f64, shown: f64) -> bool {
        self.earliest
            .iter()
            .any(|&(end, first)| end == period_end && first < shown - 1.0)
    }

    /// A frame shown at `shown`, in the period ending at `period_end`, goes to be decoded.
    pub fn sent(&mut self, period_end: f64, shown: f64) {
        match self.earliest.iter_mut().find(|(end, _)| *end == period_end) {
            Some((_, first)) => *first = first.min(shown),
            None => {
                if self.earliest.len() == PERIODS {
                    self.earliest.pop_front();
                }
                self.earliest.push_back((period_end, shown));
            }
        }
    }

    /// The decoder was flushed: what was sent will not come out.
    pub fn clear(&mut self) {
        self.earliest.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_frame_shown_later_in_the_same_period_is_behind_one_sent() {
        let mut sent = FirstSent::default();
        // Decode order P(240) B(200) b(160) b(280) with periods of 200 ms: 160 ends at 200,
        // the others at 400.
        sent.sent(400.0, 240.0);
        assert!(
            !sent.one_before(400.0, 200.0),
            "200 is the first of its period"
        );
        sent.sent(400.0, 200.0);
        assert!(!sent.one_before(200.0, 160.0), "another period");
        assert!(sent.one_before(400.0, 280.0));
        assert!(!sent.one_before(400.0, 200.5), "within the rounding");
        sent.clear();
        assert!(!sent.one_before(400.0, 280.0));
    }

    #[test]
    fn old_periods_are_forgotten() {
        let mut sent = FirstSent::default();
        for i in 0..=PERIODS {
            sent.sent(i as f64 * 200.0 + 200.0, i as f64 * 200.0);
        }
        assert!(!sent.one_before(200.0, 100.0));
        assert!(sent.one_before(400.0, 300.0));
    }
}

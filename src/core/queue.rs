//! The requests waiting for a turn, in the order they go: a higher priority first, equal ones in the order they
//! were made. A binary heap over a slab, each waiter knowing its place in the heap, so that push, the head and the
//! removal of any waiter (an abort, `clear`) cost O(log n) with thousands waiting, and nothing is sorted.

/// A waiter's place in a [`WaitQueue`], returned by [`WaitQueue::push`]. Stale once the waiter has left: it then
/// matches nothing, even when its slot holds another waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    slot: u32,
    id: u64,
}

/// One waiting request.
struct Waiter<T> {
    priority: f64,
    /// When the request was made: equal priorities go in this order.
    order: u64,
    /// Tells this waiter from an earlier one of the same slot.
    id: u64,
    /// Its index in `heap`.
    at: usize,
    value: T,
}

/// Requests waiting for a turn, each with a value of the caller's (how to wake it).
pub struct WaitQueue<T> {
    /// The waiters by slot; `None` is free.
    slots: Vec<Option<Waiter<T>>>,
    /// The free slots.
    free: Vec<u32>,
    /// Slots in heap order: `heap[0]` goes first.
    heap: Vec<u32>,
    next_id: u64,
}

impl<T> Default for WaitQueue<T> {
    fn default() -> Self {
        WaitQueue { slots: Vec::new(), free: Vec::new(), heap: Vec::new(), next_id: 0 }
    }
}

/// Whether a request of `(priority, order)` goes before one of `(other_priority, other_order)`.
fn before(priority: f64, order: u64, other_priority: f64, other_order: u64) -> bool {
    priority > other_priority || (priority == other_priority && order < other_order)
}

impl<T> WaitQueue<T> {
    /// How many wait.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Adds a waiter; `order` is when its request was made (a retry keeps its request's).
    pub fn push(&mut self, priority: f64, order: u64, value: T) -> Place {
        let id = self.next_id;
        self.next_id += 1;
        let at = self.heap.len();
        let waiter = Waiter { priority, order, id, at, value };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(waiter);
                slot
            }
            None => {
                self.slots.push(Some(waiter));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(slot);
        self.sift_up(at);
        Place { slot, id }
    }

    /// The waiter that goes first.
    pub fn head(&self) -> Option<Place> {
        let slot = *self.heap.first()?;
        self.waiter(slot).map(|w| Place { slot, id: w.id })
    }

    /// Whether a request of `(priority, order)` that does not wait yet would go before everyone waiting.
    pub fn would_lead(&self, priority: f64, order: u64) -> bool {
        match self.heap.first().and_then(|&slot| self.waiter(slot)) {
            Some(head) => before(priority, order, head.priority, head.order),
            None => true,
        }
    }

    /// The value of the waiter at `place`, while it waits.
    pub fn get(&self, place: Place) -> Option<&T> {
        self.find(place).map(|w| &w.value)
    }

    /// Takes the waiter at `place` out of the queue (it goes, or gives up); `None` when it already left.
    pub fn remove(&mut self, place: Place) -> Option<T> {
        let at = self.find(place)?.at;
        let last = self.heap.len() - 1;
        self.swap(at, last);
        self.heap.pop();
        if at < last {
            // The waiter moved into the hole may belong above it or below it.
            self.sift_up(at);
            self.sift_down(at);
        }
        self.free.push(place.slot);
        self.slots[place.slot as usize].take().map(|w| w.value)
    }

    /// Takes every waiter out (`clear`), in no particular order, handing each value to `each`; how many there were.
    pub fn drain(&mut self, mut each: impl FnMut(T)) -> u32 {
        self.heap.clear();
        self.free.clear();
        let mut count = 0;
        while let Some(slot) = self.slots.pop() {
            if let Some(w) = slot {
                each(w.value);
                count += 1;
            }
        }
        count
    }

    #[inline(never)]
    fn waiter(&self, slot: u32) -> Option<&Waiter<T>> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    fn find(&self, place: Place) -> Option<&Waiter<T>> {
        self.waiter(place.slot).filter(|w| w.id == place.id)
    }

    /// Whether the waiter at heap index `a` goes before the one at `b`.
    fn goes_before(&self, a: usize, b: usize) -> bool {
        match (self.waiter(self.heap[a]), self.waiter(self.heap[b])) {
            (Some(x), Some(y)) => before(x.priority, x.order, y.priority, y.order),
            _ => false,
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        for at in [a, b] {
            let slot = self.heap[at] as usize;
            if let Some(Some(w)) = self.slots.get_mut(slot) {
                w.at = at;
            }
        }
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.goes_before(at, parent) {
                break;
            }
            self.swap(at, parent);
            at = parent;
        }
    }

    #[inline(never)]
    fn sift_down(&mut self, mut at: usize) {
        loop {
            let mut first = at;
            // The two children as a range: an array here is one more iterator type in the wasm build.
            for child in 2 * at + 1..2 * at + 3 {
                if child < self.heap.len() && self.goes_before(child, first) {
                    first = child;
                }
            }
            if first == at {
                break;
            }
            self.swap(at, first);
            at = first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes the head out until none is left: the values in the order they go.
    fn order_of(q: &mut WaitQueue<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(head) = q.head() {
            out.push(q.remove(head).unwrap());
        }
        out
    }

    #[test]
    fn higher_priority_first_equal_ones_in_the_order_made() {
        // (priority, order, value) pushed in this sequence -> the values in the order they go.
        type Case<'a> = (&'a [(f64, u64, u32)], &'a [u32]);
        let table: &[Case] = &[
            (&[], &[]),
            (&[(0.0, 1, 1)], &[1]),
            (&[(0.0, 1, 1), (0.0, 2, 2), (0.0, 3, 3)], &[1, 2, 3]),
            (&[(0.0, 1, 1), (5.0, 2, 2), (1.0, 3, 3)], &[2, 3, 1]),
            (&[(-1.0, 1, 1), (0.0, 2, 2), (-1.0, 3, 3), (0.0, 4, 4)], &[2, 4, 1, 3]),
            // A retry keeps its request's order: made first, it goes before later ones of its priority.
            (&[(0.0, 5, 5), (0.0, 6, 6), (0.0, 2, 2)], &[2, 5, 6]),
            (&[(0.5, 9, 1), (0.25, 1, 2), (1e9, 10, 3), (-1e9, 0, 4)], &[3, 1, 2, 4]),
            // -0 and 0 are one priority.
            (&[(0.0, 2, 2), (-0.0, 1, 1)], &[1, 2]),
        ];
        for (pushes, expected) in table {
            let mut q = WaitQueue::default();
            for &(priority, order, value) in pushes.iter() {
                q.push(priority, order, value);
            }
            assert_eq!(q.len(), pushes.len());
            assert_eq!(&order_of(&mut q), expected, "{pushes:?}");
            assert!(q.is_empty());
        }
    }

    #[test]
    fn would_lead_compares_with_the_head() {
        let mut q = WaitQueue::default();
        assert!(q.would_lead(0.0, 7), "an empty queue: anyone leads");
        q.push(1.0, 5, 0u32);
        // (priority, order) -> leads
        let table = [((2.0, 9), true), ((1.0, 4), true), ((1.0, 6), false), ((0.0, 1), false), ((1.0, 5), false)];
        for ((priority, order), leads) in table {
            assert_eq!(q.would_lead(priority, order), leads, "{priority} {order}");
        }
    }

    #[test]
    fn removing_a_waiter_anywhere_keeps_the_order() {
        // Remove the waiter pushed n-th (an abort while waiting), then take the rest in order.
        for n in 0..7 {
            let mut q = WaitQueue::default();
            let priorities = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0];
            let places: Vec<Place> = priorities.iter().enumerate().map(|(i, &p)| q.push(p, i as u64, i as u32)).collect();
            assert_eq!(q.remove(places[n]), Some(n as u32));
            assert_eq!(q.remove(places[n]), None, "a second removal finds nothing");
            assert_eq!(q.get(places[n]), None);
            let mut expected: Vec<u32> = (0..7).filter(|&i| i != n as u32).collect();
            expected.sort_by(|&a, &b| priorities[b as usize].total_cmp(&priorities[a as usize]).then(a.cmp(&b)));
            assert_eq!(order_of(&mut q), expected, "removed {n}");
        }
    }

    #[test]
    fn a_stale_place_matches_nothing_even_when_its_slot_is_reused() {
        let mut q = WaitQueue::default();
        let old = q.push(0.0, 1, 1u32);
        assert_eq!(q.remove(old), Some(1));
        let new = q.push(0.0, 2, 2);
        assert_eq!(q.get(old), None);
        assert_eq!(q.remove(old), None);
        assert_eq!(q.get(new), Some(&2));
        assert_eq!(q.head(), Some(new));
    }

    #[test]
    fn arrivals_while_others_wait_take_their_place() {
        // The head goes, a higher one arrives, the head goes: changes while waiting.
        let mut q = WaitQueue::default();
        q.push(0.0, 1, 1u32);
        q.push(0.0, 2, 2);
        let head = q.head().unwrap();
        assert_eq!(q.remove(head), Some(1));
        q.push(10.0, 3, 3);
        q.push(0.0, 4, 4);
        assert_eq!(q.get(q.head().unwrap()), Some(&3));
        assert_eq!(order_of(&mut q), [3, 2, 4]);
    }

    #[test]
    fn drain_takes_everyone() {
        let mut q = WaitQueue::default();
        let places: Vec<Place> = (0..5).map(|i| q.push(i as f64, i, i as u32)).collect();
        q.remove(places[2]);
        let mut drained = Vec::new();
        assert_eq!(q.drain(|v| drained.push(v)), 4);
        drained.sort();
        assert_eq!(drained, [0, 1, 3, 4]);
        assert!(q.is_empty() && q.head().is_none());
        assert_eq!(q.get(places[0]), None);
        let after = q.push(0.0, 9, 9);
        assert_eq!(q.head(), Some(after), "the queue works after a drain");
    }

    #[test]
    fn thousands_waiting_with_aborts_go_in_order() {
        // A deterministic mix: 5,000 waiters over 7 priorities, every third one aborted before its turn.
        let mut q = WaitQueue::default();
        let mut places = Vec::new();
        let mut seed = 12345u64;
        for i in 0..5000u64 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let priority = ((seed >> 33) % 7) as f64 - 3.0;
            places.push((priority, i, q.push(priority, i, i as u32)));
        }
        for (_, i, place) in places.iter().filter(|(_, i, _)| i % 3 == 0) {
            assert_eq!(q.remove(*place), Some(*i as u32));
        }
        assert_eq!(q.len(), 5000 - 1667);
        let went = order_of(&mut q);
        let mut expected: Vec<(f64, u64)> = places.iter().filter(|(_, i, _)| i % 3 != 0).map(|&(p, i, _)| (p, i)).collect();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(went, expected.iter().map(|&(_, i)| i as u32).collect::<Vec<_>>());
    }
}

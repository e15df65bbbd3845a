//! The bridge streams an input of any size in bounded memory: items are
//! pulled only while fewer than `max_tasks_active` are in flight, results
//! waiting to be consumed included.
//!
//! Memory is measured by what matters and what can be counted exactly: the
//! number of 1 KiB items alive at once (a `Drop` counter), never above the
//! bound, however slowly the results are consumed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use mpire::prelude::*;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A 1 KiB item that counts the live ones.
struct Blob {
    id: usize,
    data: Vec<u8>,
}

impl Blob {
    fn new(id: usize) -> Blob {
        let now = LIVE.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        Blob {
            id,
            data: vec![id as u8; 1024],
        }
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn imap_over_a_long_input_keeps_at_most_max_tasks_active_items_alive() {
    const N: usize = 200_000;
    let n_jobs = 4;
    let chunk_size = 100;
    let bound = n_jobs * chunk_size * 2; // the default max_tasks_active

    let pool = WorkerPool::new(n_jobs);
    let mut next = 0;
    let input = std::iter::from_fn(move || {
        let blob = (next < N).then(|| Blob::new(next));
        next += 1;
        blob
    });
    let results = input
        .mpire_bridge(&pool)
        .iterable_len(N)
        .chunk_size(chunk_size)
        .imap(|mut blob: Blob| {
            // The item goes through the task and comes back as the result,
            // so it stays alive until the consumer drops it.
            blob.data[0] = blob.data[1023].wrapping_add(1);
            blob
        });

    let mut expected = 0;
    for blob in results {
        assert_eq!(blob.id, expected);
        assert_eq!(blob.data[0], (expected as u8).wrapping_add(1));
        drop(blob);
        let live = LIVE.load(Ordering::SeqCst);
        assert!(live <= bound, "{live} items alive after result {expected}");
        expected += 1;
        // A slow consumer: the workers run ahead, until the bound stops them.
        if expected % 2_000 == 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }

    assert_eq!(expected, N);
    assert_eq!(LIVE.load(Ordering::SeqCst), 0);
    let peak = PEAK.load(Ordering::SeqCst);
    assert!(peak <= bound, "peak of {peak} items alive, bound {bound}");
    // The pipeline was full: the bound is what held the input back.
    assert_eq!(peak, bound);
}

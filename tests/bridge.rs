//! `.mpire_bridge(&pool)`: MPIRE's map family over plain iterators.
//!
//! The generator cases come from the "Task chunking" section of MPIRE's
//! documentation (`reference/mpire-map-family.txt`): a Python generator
//! `(x for x in range(1000))` is an iterator of unknown length here
//! (`(0..1000).filter(..)` or `std::iter::from_fn`). Chunk counts are
//! checked through behaviour: with `worker_lifespan(1)` every chunk gets a
//! fresh worker state, so the exit results are the chunk sizes.

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use mpire::ErrorKind;
use mpire::prelude::*;

/// The warnings logged on each thread: the logger is process-wide and tests
/// run in parallel, but every map logs on the thread that called it.
static WARNINGS: Mutex<Vec<(ThreadId, String)>> = Mutex::new(Vec::new());

struct CaptureWarnings;

impl log::Log for CaptureWarnings {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let entry = (thread::current().id(), record.args().to_string());
            WARNINGS.lock().unwrap().push(entry);
        }
    }

    fn flush(&self) {}
}

fn capture_warnings() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CaptureWarnings).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
    });
}

/// The warnings logged so far on the calling thread.
fn my_warnings() -> Vec<String> {
    let me = thread::current().id();
    let warnings = WARNINGS.lock().unwrap();
    warnings
        .iter()
        .filter(|(id, _)| *id == me)
        .map(|(_, w)| w.clone())
        .collect()
}

/// `(x for x in range(n))`: no length, no exact size hint.
fn generator(n: u64) -> impl Iterator<Item = u64> {
    let mut next = 0;
    std::iter::from_fn(move || {
        let x = next;
        next += 1;
        (x < n).then_some(x)
    })
}

fn squares(n: u64) -> Vec<u64> {
    (0..n).map(|x| x * x).collect()
}

/// Runs `map_with_state` with `worker_lifespan(1)` and returns the results
/// and the sorted chunk sizes (one exit result per chunk).
fn chunk_sizes<I>(bridge: mpire::Bridge<'_, I>) -> (Vec<u64>, Vec<usize>)
where
    I: Iterator<Item = u64>,
{
    let run = bridge
        .worker_lifespan(1)
        .worker_init(|_| 0usize)
        .worker_exit(|_, tasks| tasks)
        .map_with_state(|tasks, x| {
            *tasks += 1;
            x * x
        });
    let (results, mut sizes) = run.into_parts();
    sizes.sort_unstable();
    (results, sizes)
}

// "Task chunking", example 1: a generator without a length falls back to a
// chunk size of 1, with a warning.
#[test]
fn generator_without_length_warns_and_uses_chunks_of_one() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let (results, sizes) = chunk_sizes(generator(1000).mpire_bridge(&pool));
    assert_eq!(results, squares(1000));
    assert_eq!(sizes, vec![1; 1000]);
    let warnings = my_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("chunk size falls back to 1"),
        "{warnings:?}"
    );
}

// "Task chunking", example 2: `n_splits` without a length warns as well and
// is ignored.
#[test]
fn n_splits_without_length_warns_and_is_ignored() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let (results, sizes) = chunk_sizes(generator(1000).mpire_bridge(&pool).n_splits(4));
    assert_eq!(results, squares(1000));
    assert_eq!(sizes, vec![1; 1000]);
    let warnings = my_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("n_splits"), "{warnings:?}");
    assert!(warnings[0].contains("falls back to 1"), "{warnings:?}");
}

// "Task chunking", example 3: with `iterable_len`, `n_splits(4)` gives 4
// chunks.
#[test]
fn n_splits_with_iterable_len_gives_four_chunks() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let bridge = generator(1000)
        .mpire_bridge(&pool)
        .iterable_len(1000)
        .n_splits(4);
    let (results, sizes) = chunk_sizes(bridge);
    assert_eq!(results, squares(1000));
    assert_eq!(sizes, [250, 250, 250, 250]);
    assert!(my_warnings().is_empty(), "{:?}", my_warnings());
}

// "Task chunking", example 4: automatic chunking with `iterable_len` gives
// 64 * n_jobs = 256 chunks.
#[test]
fn default_chunking_with_iterable_len_gives_256_chunks() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let (results, sizes) = chunk_sizes(generator(1000).mpire_bridge(&pool).iterable_len(1000));
    assert_eq!(results, squares(1000));
    assert_eq!(sizes.len(), 256);
    assert_eq!(sizes.iter().sum::<usize>(), 1000);
    assert!(sizes.iter().all(|&s| s == 3 || s == 4), "{sizes:?}");
    assert!(my_warnings().is_empty(), "{:?}", my_warnings());
}

// "Task chunking", example 5: a fixed chunk size needs no length: 250
// chunks of 4.
#[test]
fn chunk_size_without_length_gives_250_chunks() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let (results, sizes) = chunk_sizes(generator(1000).mpire_bridge(&pool).chunk_size(4));
    assert_eq!(results, squares(1000));
    assert_eq!(sizes, vec![4; 250]);
    assert!(my_warnings().is_empty(), "{:?}", my_warnings());
}

#[test]
fn an_exact_size_hint_counts_as_a_known_length() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let input = 0..1000u64;
    assert_eq!(input.size_hint(), (1000, Some(1000)));
    let (results, sizes) = chunk_sizes(input.mpire_bridge(&pool));
    assert_eq!(results, squares(1000));
    assert_eq!(sizes.len(), 256);
    assert!(my_warnings().is_empty(), "{:?}", my_warnings());
}

#[test]
fn fractional_chunk_size_follows_mpire_recurrence() {
    let pool = WorkerPool::new(3);
    let (results, sizes) = chunk_sizes(generator(10).mpire_bridge(&pool).chunk_size(2.5));
    assert_eq!(results, squares(10));
    assert_eq!(sizes, [2, 2, 3, 3]);
}

/// The four map functions over `make()`, each compared with `expected`.
fn check_all_forms<G, I>(
    pool: &WorkerPool,
    make: G,
    configure: fn(mpire::Bridge<'_, I>) -> mpire::Bridge<'_, I>,
    expected: &[u64],
) where
    G: Fn() -> I,
    I: Iterator<Item = u64>,
{
    let f = |x: u64| x * 3 + 1;
    let want: Vec<u64> = expected.iter().map(|&x| f(x)).collect();
    let mut sorted_want = want.clone();
    sorted_want.sort_unstable();

    assert_eq!(configure(make().mpire_bridge(pool)).map(f), want, "map");
    let mut got = configure(make().mpire_bridge(pool)).map_unordered(f);
    got.sort_unstable();
    assert_eq!(got, sorted_want, "map_unordered");
    let got: Vec<u64> = configure(make().mpire_bridge(pool)).imap(f).collect();
    assert_eq!(got, want, "imap");
    let mut got: Vec<u64> = configure(make().mpire_bridge(pool))
        .imap_unordered(f)
        .collect();
    got.sort_unstable();
    assert_eq!(got, sorted_want, "imap_unordered");
}

#[test]
fn all_forms_equal_a_sequential_map() {
    let inputs: Vec<u64> = (0..500).map(|x| x * 7 % 101).collect();
    for n_jobs in [1, 3] {
        let pool = WorkerPool::new(n_jobs);
        let make = || inputs.clone().into_iter().filter(|_| true);
        // Without a length, with a length, with whole and fractional chunks.
        check_all_forms(&pool, make, |b| b.chunk_size(7), &inputs);
        check_all_forms(&pool, make, |b| b.iterable_len(500), &inputs);
        check_all_forms(
            &pool,
            make,
            |b| b.iterable_len(500).chunk_size(2.5),
            &inputs,
        );
        check_all_forms(&pool, make, |b| b.chunk_size(1000), &inputs);
        // `iterable_len` smaller than the input truncates it.
        check_all_forms(&pool, make, |b| b.iterable_len(123), &inputs[..123]);
        check_all_forms(&pool, make, |b| b.iterable_len(0), &[]);
        // One item, no item.
        check_all_forms(&pool, || generator(1), |b| b, &[0]);
        check_all_forms(&pool, || generator(1), |b| b.iterable_len(1), &[0]);
        check_all_forms(&pool, || generator(0), |b| b, &[]);
        check_all_forms(&pool, || generator(0), |b| b.chunk_size(3), &[]);
        // More workers than items.
        check_all_forms(&pool, || generator(2), |b| b.chunk_size(1), &[0, 1]);
    }
}

#[test]
fn iterable_len_larger_than_the_input_is_reported_after_every_result() {
    let pool = WorkerPool::new(3);
    let err = generator(10)
        .mpire_bridge(&pool)
        .iterable_len(15)
        .chunk_size(3)
        .try_map(|x| x)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);
    assert!(
        err.to_string().contains("15") && err.to_string().contains("10"),
        "{err}"
    );
    let err = generator(10)
        .mpire_bridge(&pool)
        .iterable_len(15)
        .try_map_unordered(|x| x)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);

    // The lazy forms yield every result first, then the error, once.
    for ordered in [true, false] {
        let bridge = generator(10)
            .mpire_bridge(&pool)
            .iterable_len(15)
            .chunk_size(3);
        let mut results = if ordered {
            bridge.imap(|x| x)
        } else {
            bridge.imap_unordered(|x| x)
        };
        let mut seen = Vec::new();
        let mut errors = Vec::new();
        while let Some(next) = results.try_next() {
            match next {
                Ok(x) => seen.push(x),
                Err(e) => errors.push(e),
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind(), ErrorKind::IterableLenMismatch);
        assert!(results.next().is_none());
    }

    // `next` panics at the end instead.
    let mut results = generator(4).mpire_bridge(&pool).iterable_len(5).imap(|x| x);
    let first: Vec<u64> = results.by_ref().take(4).collect();
    assert_eq!(first, [0, 1, 2, 3]);
    let panic = catch_unwind(AssertUnwindSafe(|| results.next())).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("iterable_len"), "{message}");
}

#[test]
fn iterable_len_stops_pulling_at_the_declared_length() {
    let pool = WorkerPool::new(2);
    let pulled = Rc::new(Cell::new(0u64));
    let counter = Rc::clone(&pulled);
    let input = (0..100u64)
        .inspect(move |_| counter.set(counter.get() + 1))
        .filter(|_| true);
    let results: Vec<u64> = input
        .mpire_bridge(&pool)
        .iterable_len(40)
        .chunk_size(6)
        .imap(|x| x)
        .collect();
    assert_eq!(results, (0..40).collect::<Vec<_>>());
    assert_eq!(pulled.get(), 40);
}

/// An input that counts the items pulled and not yet received back.
struct Tracked {
    live: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Tracked {
    fn new() -> Tracked {
        Tracked {
            live: Arc::default(),
            peak: Arc::default(),
        }
    }

    fn input(&self, n: u64) -> impl Iterator<Item = u64> + use<> {
        let (live, peak) = (Arc::clone(&self.live), Arc::clone(&self.peak));
        generator(n).inspect(move |_| {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
        })
    }

    /// The consumer received one result.
    fn received(&self, bound: usize) {
        let before = self.live.fetch_sub(1, Ordering::SeqCst);
        assert!(
            before - 1 <= bound,
            "{} tasks in flight, bound {bound}",
            before - 1
        );
    }
}

fn slow_first(x: u64) -> u64 {
    if x == 0 {
        thread::sleep(Duration::from_millis(300));
    }
    x
}

#[test]
fn max_tasks_active_bounds_the_reorder_buffer_behind_a_slow_chunk() {
    let pool = WorkerPool::new(4);
    let tracked = Tracked::new();
    let bridge = tracked
        .input(2000)
        .mpire_bridge(&pool)
        .chunk_size(2)
        .max_tasks_active(8);
    let mut expected = 0;
    for x in bridge.imap(slow_first) {
        tracked.received(8);
        assert_eq!(x, expected);
        expected += 1;
    }
    assert_eq!(expected, 2000);
    // The bound was reached, never passed.
    assert_eq!(tracked.peak.load(Ordering::SeqCst), 8);
    assert_eq!(tracked.live.load(Ordering::SeqCst), 0);
}

#[test]
fn max_tasks_active_bounds_unordered_results_too() {
    let pool = WorkerPool::new(4);
    let tracked = Tracked::new();
    let bridge = tracked
        .input(2000)
        .mpire_bridge(&pool)
        .chunk_size(2)
        .max_tasks_active(8);
    let mut seen = Vec::new();
    for x in bridge.imap_unordered(slow_first) {
        tracked.received(8);
        seen.push(x);
    }
    // The slow chunk did not hold the others back.
    assert_ne!(seen[0], 0);
    seen.sort_unstable();
    assert_eq!(seen, (0..2000).collect::<Vec<_>>());
    assert_eq!(tracked.peak.load(Ordering::SeqCst), 8);
}

#[test]
fn default_max_tasks_active_is_twice_n_jobs_chunks() {
    let pool = WorkerPool::new(4);
    let tracked = Tracked::new();
    let bound = 4 * 3 * 2;
    let bridge = tracked.input(600).mpire_bridge(&pool).chunk_size(3);
    let mut expected = 0;
    for x in bridge.imap(slow_first) {
        tracked.received(bound);
        assert_eq!(x, expected);
        expected += 1;
    }
    assert_eq!(expected, 600);
    assert_eq!(tracked.peak.load(Ordering::SeqCst), bound);
}

#[test]
fn a_chunk_larger_than_max_tasks_active_still_runs() {
    capture_warnings();
    let pool = WorkerPool::new(3);
    let tracked = Tracked::new();
    let bridge = tracked
        .input(200)
        .mpire_bridge(&pool)
        .chunk_size(50)
        .max_tasks_active(10);
    let mut expected = 0;
    for x in bridge.imap(|x| x) {
        tracked.received(50);
        assert_eq!(x, expected);
        expected += 1;
    }
    assert_eq!(expected, 200);
    // One chunk at a time.
    assert_eq!(tracked.peak.load(Ordering::SeqCst), 50);
    let warnings = my_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("larger than max_tasks_active"),
        "{warnings:?}"
    );

    // The eager forms too.
    let results = generator(200)
        .mpire_bridge(&pool)
        .chunk_size(50)
        .max_tasks_active(1)
        .map(|x| x + 1);
    assert_eq!(results, (1..=200).collect::<Vec<_>>());
}

#[test]
fn dropping_imap_half_way_stops_pulling_and_returns_promptly() {
    let pool = WorkerPool::new(4);
    let pulled = Rc::new(Cell::new(0usize));
    let counter = Rc::clone(&pulled);
    let input = generator(10_000_000).inspect(move |_| counter.set(counter.get() + 1));
    let ran = Arc::new(AtomicUsize::new(0));
    let exits = Arc::new(AtomicUsize::new(0));
    let (ran_in_task, exits_in_hook) = (Arc::clone(&ran), Arc::clone(&exits));

    let start = Instant::now();
    let mut results = input
        .mpire_bridge(&pool)
        .iterable_len(10_000_000)
        .worker_exit(move |_, ()| {
            exits_in_hook.fetch_add(1, Ordering::SeqCst);
        })
        .imap(move |x| {
            ran_in_task.fetch_add(1, Ordering::Relaxed);
            x * 2
        });
    let first: Vec<u64> = results.by_ref().take(10).collect();
    assert_eq!(first, (0..10).map(|x| x * 2).collect::<Vec<_>>());
    drop(results);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );

    // The default bound (4 workers, 2 chunks each of 10 M / 256) was pulled,
    // far from the whole input.
    assert!(pulled.get() <= 4 * 39_063 * 2, "pulled {}", pulled.get());
    // Exit hooks ran, once per worker that got a chunk, before the drop
    // returned; no job of the map runs after it.
    let exits_now = exits.load(Ordering::SeqCst);
    assert!((1..=4).contains(&exits_now), "{exits_now} exits");
    let ran_now = ran.load(Ordering::Relaxed);
    thread::sleep(Duration::from_millis(50));
    assert_eq!(ran.load(Ordering::Relaxed), ran_now);
    assert!(ran_now <= pulled.get());
}

#[test]
fn a_dropped_imap_leaves_its_exit_results_in_the_pool() {
    let pool = WorkerPool::new(2);
    let mut results = generator(1_000)
        .mpire_bridge(&pool)
        .chunk_size(10)
        .worker_init(|_| 0usize)
        .worker_exit(|_, n| n)
        .imap_with_state(|n, x| {
            *n += 1;
            x
        });
    assert_eq!(results.next(), Some(0));
    drop(results);
    let exits: Vec<usize> = pool.exit_results().unwrap();
    let ran: usize = exits.iter().sum();
    // Every chunk pulled ran or was skipped whole; at least the first ran.
    assert!(ran >= 10 && ran % 10 == 0 && ran < 1_000, "{ran}");
}

#[test]
fn a_task_panic_reaches_the_caller_with_its_input_position() {
    let pool = WorkerPool::new(3);
    let boom = |x: u64| if x == 37 { panic!("boom {x}") } else { x };

    let err = generator(100)
        .mpire_bridge(&pool)
        .chunk_size(5)
        .try_map(boom)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskPanicked);
    assert_eq!(err.task_index(), Some(37));
    assert_eq!(err.panic_message(), Some("boom 37"));
    assert!(err.worker_id().unwrap() < 3);

    let err = generator(100)
        .mpire_bridge(&pool)
        .try_map_unordered(boom)
        .unwrap_err();
    assert_eq!(err.task_index(), Some(37));

    let panic = catch_unwind(AssertUnwindSafe(|| {
        generator(100).mpire_bridge(&pool).chunk_size(4).map(boom)
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("task 37 panicked") && message.contains("boom 37"),
        "{message}"
    );

    // Lazily: results before the failure may come, then the error, once.
    let mut results = generator(100).mpire_bridge(&pool).chunk_size(5).imap(boom);
    let mut failures = Vec::new();
    while let Some(next) = results.try_next() {
        match next {
            Ok(x) => assert!(x < 37),
            Err(e) => failures.push(e),
        }
    }
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].task_index(), Some(37));

    // The pool is still usable.
    let again = generator(100)
        .mpire_bridge(&pool)
        .chunk_size(5)
        .map(|x| x + 1);
    assert_eq!(again, (1..=100).collect::<Vec<_>>());
}

#[test]
fn a_task_panic_stops_pulling_input() {
    let pool = WorkerPool::new(2);
    let pulled = Rc::new(Cell::new(0u64));
    let counter = Rc::clone(&pulled);
    let input = generator(1_000_000).inspect(move |_| counter.set(counter.get() + 1));
    let err = input
        .mpire_bridge(&pool)
        .chunk_size(10)
        .try_map(|x| if x == 5 { panic!("early") } else { x })
        .unwrap_err();
    assert_eq!(err.task_index(), Some(5));
    assert!(pulled.get() < 10_000, "pulled {}", pulled.get());
}

#[test]
fn hook_panics_are_reported() {
    let pool = WorkerPool::new(2);
    let err = generator(10)
        .mpire_bridge(&pool)
        .worker_init(|_| -> u8 { panic!("init failed") })
        .try_map_with_state(|_, x| x)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InitPanicked);
    assert_eq!(err.panic_message(), Some("init failed"));

    let err = generator(10)
        .mpire_bridge(&pool)
        .chunk_size(2)
        .worker_exit(|_, ()| -> u8 { panic!("exit failed") })
        .try_map(|x| x)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ExitPanicked);
}

#[test]
fn usize_max_iterable_len_over_an_endless_input() {
    let pool = WorkerPool::new(4);
    let endless = std::iter::successors(Some(0u64), |x| Some(x + 1));
    let first: Vec<u64> = endless
        .mpire_bridge(&pool)
        .iterable_len(usize::MAX)
        .chunk_size(1)
        .imap(|x| x * x)
        .take(5)
        .collect();
    assert_eq!(first, [0, 1, 4, 9, 16]);
}

#[test]
fn bad_options_name_the_option() {
    let pool = WorkerPool::new(2);
    let err = generator(10)
        .mpire_bridge(&pool)
        .max_tasks_active(0)
        .try_map(|x| x)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert_eq!(err.option(), Some("max_tasks_active"));
    assert_eq!(err.value(), Some("0"));
    assert_eq!(
        err.to_string(),
        "max_tasks_active must be at least 1, got 0"
    );

    let err = generator(10)
        .mpire_bridge(&pool)
        .chunk_size(0)
        .try_map(|x| x)
        .unwrap_err();
    assert_eq!(err.option(), Some("chunk_size"));
    let err = generator(10)
        .mpire_bridge(&pool)
        .worker_lifespan(0)
        .try_map(|x| x)
        .unwrap_err();
    assert_eq!(err.option(), Some("worker_lifespan"));

    // The lazy forms yield the error once, and `next` panics with it.
    let mut results = generator(10).mpire_bridge(&pool).n_splits(0).imap(|x| x);
    assert_eq!(
        results.try_next().unwrap().unwrap_err().option(),
        Some("n_splits")
    );
    assert!(results.try_next().is_none());
    let panic = catch_unwind(AssertUnwindSafe(|| {
        generator(10)
            .mpire_bridge(&pool)
            .max_tasks_active(0)
            .imap(|x| x)
            .next()
    }))
    .unwrap_err();
    assert!(
        panic
            .downcast_ref::<String>()
            .unwrap()
            .contains("max_tasks_active")
    );
}

#[test]
fn one_worker_gives_input_order_in_the_unordered_forms() {
    let pool = WorkerPool::new(1);
    let want: Vec<u64> = (0..300).collect();
    assert_eq!(
        generator(300)
            .mpire_bridge(&pool)
            .chunk_size(7)
            .map_unordered(|x| x),
        want
    );
    let got: Vec<u64> = generator(300)
        .mpire_bridge(&pool)
        .chunk_size(7)
        .imap_unordered(|x| x)
        .collect();
    assert_eq!(got, want);
}

/// Runs `f` on another thread; fails instead of hanging if it deadlocks.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(limit).expect("deadlock: no answer in time")
}

#[test]
fn maps_from_inside_the_pools_own_worker_do_not_deadlock() {
    let results = within(Duration::from_secs(20), || {
        let pool = WorkerPool::new(1);
        let inner = pool.clone();
        pool.install(move || {
            let lazy: Vec<u64> = generator(100)
                .mpire_bridge(&inner)
                .chunk_size(3)
                .imap(|x| x * 2)
                .collect();
            let eager = generator(100)
                .mpire_bridge(&inner)
                .chunk_size(3)
                .map_unordered(|x| x * 2);
            (lazy, eager)
        })
    });
    let want: Vec<u64> = (0..100).map(|x| x * 2).collect();
    assert_eq!(results.0, want);
    assert_eq!(results.1, want);
}

#[test]
fn an_imap_started_outside_may_be_consumed_inside_a_worker() {
    let got = within(Duration::from_secs(20), || {
        let pool = WorkerPool::new(1);
        let mut results = generator(50)
            .mpire_bridge(&pool)
            .chunk_size(2)
            .imap(|x| x + 1);
        let first = results.next();
        let rest: Vec<u64> = pool.install(move || results.collect());
        (first, rest)
    });
    assert_eq!(got.0, Some(1));
    assert_eq!(got.1, (2..=50).collect::<Vec<_>>());
}

#[test]
fn the_lazy_input_needs_neither_send_nor_static() {
    let pool = WorkerPool::new(2);
    let data: Vec<u64> = (0..100).collect();
    // Borrows `data` and holds an `Rc`: neither `'static` nor `Send`.
    let calls = Rc::new(Cell::new(0));
    let seen = Rc::clone(&calls);
    let input = data.iter().map(move |&x| {
        seen.set(seen.get() + 1);
        x
    });
    let got: Vec<u64> = input
        .mpire_bridge(&pool)
        .chunk_size(9)
        .imap(|x| x + 1)
        .collect();
    assert_eq!(got, (1..=100).collect::<Vec<_>>());
    assert_eq!(calls.get(), 100);
}

#[test]
fn the_eager_forms_accept_borrowing_tasks_and_items() {
    let pool = WorkerPool::new(3);
    let weights: HashMap<&str, usize> = [("a", 1), ("bb", 2), ("ccc", 3)].into_iter().collect();
    let text = "a bb ccc a bb a".to_string();
    let words = text.split(' ');
    let total: usize = words
        .mpire_bridge(&pool)
        .chunk_size(2)
        .map(|w| weights[w])
        .iter()
        .sum();
    assert_eq!(total, 10);

    let run = text
        .split(' ')
        .mpire_bridge(&pool)
        .worker_init(|_| 0usize)
        .worker_exit(|_, n| n)
        .chunk_size(1)
        .map_unordered_with_state(|n, w| {
            *n += 1;
            weights[w]
        });
    assert_eq!(run.results().iter().sum::<usize>(), 10);
    assert_eq!(run.exit_results().iter().sum::<usize>(), 6);
}

#[test]
fn worker_state_is_built_once_per_worker_and_restarted_by_lifespan() {
    let pool = WorkerPool::new(3);
    let inits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&inits);
    let run = generator(300)
        .mpire_bridge(&pool)
        .chunk_size(5)
        .worker_init(move |w| {
            counted.fetch_add(1, Ordering::SeqCst);
            (w.id(), 0usize)
        })
        .worker_exit(|w, (id, n)| {
            assert_eq!(w.id(), id);
            n
        })
        .map_with_state(|(id, n), x| {
            assert_eq!(mpire::worker_id(), Some(*id));
            *n += 1;
            x
        });
    assert_eq!(run.results(), (0..300).collect::<Vec<_>>());
    let n_inits = inits.load(Ordering::SeqCst);
    assert!((1..=3).contains(&n_inits), "{n_inits} inits");
    assert_eq!(run.exit_results().len(), n_inits);
    assert_eq!(run.exit_results().iter().sum::<usize>(), 300);

    // Lifespan 10 with chunks of 5: each incarnation serves exactly 10 tasks
    // (the last ones of a worker may serve 5).
    let run = generator(300)
        .mpire_bridge(&pool)
        .chunk_size(5)
        .worker_lifespan(10)
        .worker_init(|_| 0usize)
        .worker_exit(|_, n| n)
        .map_unordered_with_state(|n, x| {
            *n += 1;
            x
        });
    assert_eq!(run.results().len(), 300);
    let exits = run.exit_results();
    assert_eq!(exits.iter().sum::<usize>(), 300);
    assert!(exits.iter().all(|&n| n == 10 || n == 5), "{exits:?}");
    assert!(exits.iter().filter(|&&n| n == 5).count() <= 3, "{exits:?}");
}

#[test]
fn the_plain_forms_leave_exit_results_in_the_pool() {
    let pool = WorkerPool::new(2);
    let results = generator(40)
        .mpire_bridge(&pool)
        .chunk_size(4)
        .worker_init(|_| 0usize)
        .worker_exit(|_, n| n)
        .map_with_state(|n, x| {
            *n += 1;
            x
        });
    assert_eq!(results.exit_results().iter().sum::<usize>(), 40);

    let squares = generator(40)
        .mpire_bridge(&pool)
        .chunk_size(4)
        .worker_init(|_| ())
        .worker_exit(|w, ()| w.id())
        .map(|x| x * x);
    assert_eq!(squares[6], 36);
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert!(!exits.is_empty() && exits.iter().all(|&id| id < 2));
}

#[test]
fn a_long_input_streams_through_the_eager_forms() {
    let pool = WorkerPool::new(2);
    let total: u64 = generator(200_000)
        .mpire_bridge(&pool)
        .chunk_size(1000)
        .map(|x| x % 7)
        .iter()
        .sum();
    assert_eq!(total, (0..200_000u64).map(|x| x % 7).sum::<u64>());
}

#[test]
fn insights_count_every_task_and_name_the_slowest_by_input_position() {
    let pool = WorkerPool::new(2);
    let run = generator(20)
        .mpire_bridge(&pool)
        .chunk_size(1)
        .enable_insights(true)
        .map_with_state(|(), x| {
            // One task far slower than the rest, so that a busy machine
            // cannot reorder the slowest.
            thread::sleep(Duration::from_millis(if x == 13 { 80 } else { 1 }));
            x
        });
    assert_eq!(run.results(), (0..20).collect::<Vec<_>>());
    let insights = run.insights().unwrap();
    assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 20);
    assert_eq!(insights.slowest_tasks()[0].args(), Some("13"));
    assert_eq!(insights.slowest_tasks()[0].index(), Some(13));

    // The plain forms report through the pool.
    let got = generator(30)
        .mpire_bridge(&pool)
        .chunk_size(3)
        .enable_insights(true)
        .map(|x| x * x);
    assert_eq!(got, squares(30));
    let insights = pool.insights().unwrap();
    assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 30);

    // Without insights, no report.
    let run = generator(30).mpire_bridge(&pool).map_with_state(|(), x| x);
    assert!(run.insights().is_none());
}

#[cfg(feature = "progress")]
#[test]
fn a_progress_bar_changes_no_result() {
    let pool = WorkerPool::new(2);
    let got = generator(500)
        .mpire_bridge(&pool)
        .chunk_size(10)
        .progress_bar(true)
        .map(|x| x * x);
    assert_eq!(got, squares(500));
    let got: Vec<u64> = generator(500)
        .mpire_bridge(&pool)
        .iterable_len(500)
        .progress_bar(true)
        .imap(|x| x * x)
        .collect();
    assert_eq!(got, squares(500));
}

#[test]
fn bridges_nest_across_pools() {
    let outer = WorkerPool::new(2);
    let inner = WorkerPool::new(2);
    let sums = within(Duration::from_secs(20), move || {
        let inner = inner.clone();
        generator(6)
            .mpire_bridge(&outer)
            .chunk_size(1)
            .map(move |x| {
                let lazy: u64 = generator(x * 10)
                    .mpire_bridge(&inner)
                    .chunk_size(3)
                    .imap(|y| y)
                    .sum();
                let eager: u64 = generator(x * 10)
                    .mpire_bridge(&inner)
                    .chunk_size(3)
                    .map(|y| y)
                    .iter()
                    .sum();
                assert_eq!(lazy, eager);
                lazy
            })
    });
    let want: Vec<u64> = (0..6).map(|x| (0..x * 10).sum()).collect();
    assert_eq!(sums, want);
}

#[test]
fn a_keep_alive_pool_keeps_bridge_states_between_maps() {
    let pool = WorkerPool::builder()
        .n_jobs(2)
        .keep_alive(true)
        .build()
        .unwrap();
    let inits = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let counted = Arc::clone(&inits);
        let run = generator(50)
            .mpire_bridge(&pool)
            .chunk_size(5)
            .worker_init(move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
                0usize
            })
            .worker_exit(|_, seen| seen)
            .map_with_state(|seen, x| {
                *seen += 1;
                x
            });
        assert_eq!(run.results().len(), 50);
        // The states live on in the pool: no exit yet.
        assert!(run.exit_results().is_empty());
    }
    assert!(inits.load(Ordering::SeqCst) <= 2);
    pool.stop_and_join().unwrap();
    let seen: Vec<usize> = pool.exit_results().unwrap();
    assert_eq!(seen.iter().sum::<usize>(), 150);
}

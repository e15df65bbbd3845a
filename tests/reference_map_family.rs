//! The examples of MPIRE's map family documentation, ported to Rust.
//!
//! Every case below comes from the "Map family" and "Task chunking" sections
//! of MPIRE's documentation (`reference/mpire-map-family.txt`, the
//! behavioural spec of this crate); each test names the section and the
//! example it ports, and asserts the output the documentation states.
//!
//! Python iterables become rayon inputs: `range(n)` is `0..n`, a generator
//! of unknown length is an unindexed rayon chain (`filter`), argument tuples
//! are tuples destructured by the task, and dictionaries become a struct.
//! Chunk counts stated by the documentation are checked through behaviour:
//! with `worker_lifespan(1)` every chunk gets a fresh worker state, so the
//! number of `worker_init` calls is the number of chunks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use mpire::prelude::*;
use mpire::utils::{chunk_tasks, make_single_arguments, star};

fn square(x: usize) -> usize {
    x * x
}

fn multiply(x: usize, y: usize) -> usize {
    x * y
}

fn squares(n: usize) -> Vec<usize> {
    (0..n).map(square).collect()
}

/// A `worker_init` hook that counts its calls into `inits`.
fn count_into(inits: &Arc<AtomicUsize>) -> impl Fn(&mpire::Worker) + Send + Sync + 'static {
    let inits = Arc::clone(inits);
    move |_| {
        inits.fetch_add(1, Ordering::Relaxed);
    }
}

/// The warnings logged by the crate; the logger is process-wide, and every
/// warning in this file is one the documentation announces.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CaptureWarnings;

impl log::Log for CaptureWarnings {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            WARNINGS.lock().unwrap().push(record.args().to_string());
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

// ---------------------------------------------------------------------------
// Map family
// ---------------------------------------------------------------------------

/// Map family, example 1: `pool.map(square, range(100))` with 4 workers.
#[test]
fn map_family_1_squares_of_range_100() {
    let pool = WorkerPool::new(4);
    let results = (0..100usize).mpire(&pool).map(square);
    assert_eq!(results[..6], [0, 1, 4, 9, 16, 25]);
    assert_eq!(results, squares(100));
}

/// Map family, example 2: a huge input given `iterable_len` and
/// `chunk_size=1`. A `usize` range cannot hold 1e30 items, so the largest
/// one Rust has stands in for it; `iterable_len` smaller than the input keeps
/// only the first tasks.
#[test]
fn map_family_2_huge_input_with_iterable_len_and_chunk_size_1() {
    let pool = WorkerPool::new(4);
    let results = (0..usize::MAX)
        .mpire(&pool)
        .iterable_len(10_000)
        .chunk_size(1)
        .map(square);
    assert_eq!(results[..6], [0, 1, 4, 9, 16, 25]);
    assert_eq!(results, squares(10_000));
}

/// Map family, example 2, lazily: the whole `0..usize::MAX` with
/// `chunk_size(1)` through `imap`, of which only the first results are
/// taken; dropping the iterator stops the rest.
#[test]
fn map_family_2_huge_input_consumed_lazily() {
    let pool = WorkerPool::new(4);
    let first: Vec<usize> = (0..usize::MAX)
        .into_par_iter()
        .mpire(&pool)
        .iterable_len(usize::MAX)
        .chunk_size(1)
        .imap(|x| x.wrapping_mul(x))
        .take(6)
        .collect();
    assert_eq!(first, [0, 1, 4, 9, 16, 25]);
}

/// Map family, example 2, as MPIRE's `chunk_tasks` sees it: a generator
/// without end, declared `usize::MAX` long, chunked one by one, lazily.
#[test]
fn map_family_2_chunk_tasks_over_an_endless_input_is_lazy() {
    let chunks: Vec<Vec<usize>> = chunk_tasks(0usize..)
        .iterable_len(usize::MAX)
        .chunk_size(1)
        .build()
        .unwrap()
        .take(3)
        .collect();
    assert_eq!(chunks, [vec![0], vec![1], vec![2]]);
}

/// Map family, example 3: `pool.imap(multiply, zip(range(100),
/// range(100, 200)), iterable_len=100)`; the tuple is destructured by the
/// task.
#[test]
fn map_family_3_multiply_zip_with_imap() {
    let pool = WorkerPool::new(4);
    let results: Vec<usize> = (0..100usize)
        .into_par_iter()
        .zip(100..200usize)
        .mpire(&pool)
        .iterable_len(100)
        .imap(|(x, y)| multiply(x, y))
        .collect();
    assert_eq!(results[..5], [0, 101, 204, 309, 416]);
    let expected: Vec<usize> = (0..100).map(|x| x * (x + 100)).collect();
    assert_eq!(results, expected);
}

/// Map family, example 3, with the tuple unpacked into arguments as MPIRE
/// does: `mpire::utils::star`.
#[test]
fn map_family_3_multiply_zip_with_star() {
    let pool = WorkerPool::new(4);
    let results: Vec<usize> = (0..100usize)
        .into_par_iter()
        .zip(100..200usize)
        .mpire(&pool)
        .iterable_len(100)
        .imap(star(multiply))
        .collect();
    assert_eq!(results[..5], [0, 101, 204, 309, 416]);

    let eager = (0..100usize)
        .into_par_iter()
        .zip(100..200usize)
        .mpire(&pool)
        .map(star(multiply));
    assert_eq!(eager, results);
}

/// The keyword arguments of map family example 4, as a struct.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Args {
    x: usize,
    y: usize,
}

/// The input of map family example 4: `[{'x': 0, 'y': 100},
/// {'y': 101, 'x': 1}, ...]`; field order does not matter, as key order
/// does not in MPIRE.
fn dict_args() -> Vec<Args> {
    let mut args = vec![Args { x: 0, y: 100 }, Args { y: 101, x: 1 }];
    args.extend((2..100).map(|x| Args { x, y: x + 100 }));
    args
}

/// Map family, example 4: dictionaries unpacked as keyword arguments. A
/// struct destructured by the task is the Rust form.
#[test]
fn map_family_4_dicts_as_a_struct() {
    let pool = WorkerPool::new(4);
    let results: Vec<usize> = dict_args()
        .into_par_iter()
        .mpire(&pool)
        .imap(|Args { x, y }| multiply(x, y))
        .collect();
    assert_eq!(results[..2], [0, 101]);
    assert_eq!(results[99], 99 * 199);
}

fn multiply_dict(d: &Args) -> usize {
    d.x * d.y
}

/// Map family, `multiply_dict` with a list of single-argument tuples
/// written out by hand: `[({'x': 0, 'y': 100},), ({'y': 101, 'x': 1},)]`.
#[test]
fn map_family_multiply_dict_with_single_argument_tuples() {
    let pool = WorkerPool::new(4);
    let wrapped = vec![(Args { x: 0, y: 100 },), (Args { y: 101, x: 1 },)];
    let results: Vec<usize> = wrapped
        .into_par_iter()
        .mpire(&pool)
        .imap(|(d,)| multiply_dict(&d))
        .collect();
    assert_eq!(results, [0, 101]);
}

/// Map family, `multiply_dict` with `make_single_arguments`.
#[test]
fn map_family_multiply_dict_with_make_single_arguments() {
    let pool = WorkerPool::new(4);
    let wrapped: Vec<(Args,)> = make_single_arguments(dict_args()).collect();
    assert_eq!(wrapped[1], (Args { x: 1, y: 101 },));
    let results: Vec<usize> = wrapped
        .into_par_iter()
        .mpire(&pool)
        .imap(|(d,)| multiply_dict(&d))
        .collect();
    assert_eq!(results[..2], [0, 101]);
    assert_eq!(results.len(), 100);
}

// ---------------------------------------------------------------------------
// Task chunking
// ---------------------------------------------------------------------------

/// The generator `((x,) for x in range(1000))` of the task chunking examples,
/// with its length known (an indexed input).
fn tuples() -> impl IndexedParallelIterator<Item = (usize,)> {
    (0..1000usize).into_par_iter().map(|x| (x,))
}

/// The same generator with its length unknown to rayon (an unindexed input).
fn unsized_tuples() -> impl ParallelIterator<Item = (usize,)> {
    (0..1000usize)
        .into_par_iter()
        .filter(|_| true)
        .map(|x| (x,))
}

/// Task chunking, example 1: a generator without a length and no chunk size
/// warns and falls back to chunks of one.
#[test]
fn task_chunking_1_unknown_length_warns_and_uses_chunks_of_one() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let results: Vec<usize> = unsized_tuples()
        .mpire(&pool)
        .worker_lifespan(1)
        .worker_init(count_into(&inits))
        .mpire_map_with_state(|(), (x,)| square(x))
        .collect();
    assert_eq!(results, squares(1000));
    assert_eq!(inits.load(Ordering::Relaxed), 1000);
    // The log is shared by the tests of this file: look for this example's
    // own warning, which (unlike example 2's) does not mention n_splits.
    let warnings = WARNINGS.lock().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("chunk size of 1") && !w.contains("n_splits")),
        "{warnings:?}"
    );
}

/// Task chunking, example 2: `n_splits` without a length warns as well and
/// falls back to chunks of one.
#[test]
fn task_chunking_2_n_splits_without_length_warns_and_uses_chunks_of_one() {
    capture_warnings();
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let results: Vec<usize> = unsized_tuples()
        .mpire(&pool)
        .n_splits(4)
        .worker_lifespan(1)
        .worker_init(count_into(&inits))
        .mpire_map_with_state(|(), (x,)| square(x))
        .collect();
    assert_eq!(results, squares(1000));
    assert_eq!(inits.load(Ordering::Relaxed), 1000);
    let warnings = WARNINGS.lock().unwrap();
    assert!(
        warnings.iter().any(|w| w.contains("n_splits")),
        "{warnings:?}"
    );
}

/// Task chunking, example 3: `iterable_len=1000, n_splits=4` gives 4 chunks.
#[test]
fn task_chunking_3_n_splits_4_gives_4_chunks() {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let run = tuples()
        .mpire(&pool)
        .iterable_len(1000)
        .n_splits(4)
        .worker_lifespan(1)
        .worker_init(count_into(&inits))
        .map_with_state(|(), (x,)| square(x));
    assert_eq!(run.results(), squares(1000));
    assert_eq!(inits.load(Ordering::Relaxed), 4);
}

/// Task chunking, example 4: `iterable_len=1000` and automatic chunking on
/// 4 workers gives 256 chunks (64 per worker).
#[test]
fn task_chunking_4_default_gives_256_chunks_on_4_workers() {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let run = tuples()
        .mpire(&pool)
        .iterable_len(1000)
        .worker_lifespan(1)
        .worker_init(count_into(&inits))
        .map_with_state(|(), (x,)| square(x));
    assert_eq!(run.results(), squares(1000));
    assert_eq!(inits.load(Ordering::Relaxed), 256);
}

/// Task chunking, example 5: `chunk_size=4` gives 250 chunks.
#[test]
fn task_chunking_5_chunk_size_4_gives_250_chunks() {
    let pool = WorkerPool::new(4);
    let inits = Arc::new(AtomicUsize::new(0));
    let run = tuples()
        .mpire(&pool)
        .chunk_size(4)
        .worker_lifespan(1)
        .worker_init(count_into(&inits))
        .map_with_state(|(), (x,)| square(x));
    assert_eq!(run.results(), squares(1000));
    assert_eq!(inits.load(Ordering::Relaxed), 250);
}

/// Task chunking, `chunk_tasks(range(10), n_splits=3)`.
#[test]
fn task_chunking_chunk_tasks_n_splits_3() {
    let chunks: Vec<Vec<u32>> = chunk_tasks(0..10).n_splits(3).build().unwrap().collect();
    assert_eq!(chunks, [vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]);
}

/// Task chunking, `chunk_tasks(range(10), chunk_size=2.5)`.
#[test]
fn task_chunking_chunk_tasks_chunk_size_2_5() {
    let chunks: Vec<Vec<u32>> = chunk_tasks(0..10)
        .chunk_size(2.5)
        .build()
        .unwrap()
        .collect();
    assert_eq!(
        chunks,
        [vec![0, 1, 2], vec![3, 4], vec![5, 6, 7], vec![8, 9]]
    );
}

/// Task chunking, `chunk_tasks((x for x in range(10)), iterable_len=10,
/// n_splits=6)`: a generator that does not know its length.
#[test]
fn task_chunking_chunk_tasks_generator_iterable_len_10_n_splits_6() {
    let mut n = 0u32;
    let generator = std::iter::from_fn(move || {
        (n < 10).then(|| {
            n += 1;
            n - 1
        })
    });
    assert_eq!(generator.size_hint(), (0, None));
    let chunks: Vec<Vec<u32>> = chunk_tasks(generator)
        .iterable_len(10)
        .n_splits(6)
        .build()
        .unwrap()
        .collect();
    assert_eq!(
        chunks,
        [
            vec![0, 1],
            vec![2, 3],
            vec![4],
            vec![5, 6],
            vec![7, 8],
            vec![9]
        ]
    );
}

/// Task chunking, the same generator without `iterable_len`: `n_splits`
/// needs a length, as MPIRE raises a `ValueError`.
#[test]
fn task_chunking_chunk_tasks_generator_without_length_refuses_n_splits() {
    let generator = std::iter::from_fn(|| Some(1u32));
    let err = chunk_tasks(generator).n_splits(6).build().unwrap_err();
    assert_eq!(err.kind(), mpire::ErrorKind::InvalidOption);
    assert_eq!(err.option(), Some("n_splits"));
}

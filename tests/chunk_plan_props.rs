//! Properties of the chunk plan, both as `utils::chunk_tasks` reports it and
//! as the scheduler really hands chunks to workers.
//!
//! The expected chunk sizes come from an independent implementation of
//! MPIRE's f64 recurrence, written here from its description: keep
//! `current = c`; each chunk takes `max(1, ceil(current))` items; then
//! `current = (current + c) - ceil(current)`.
//!
//! The scheduler's chunks are observed through behaviour: with
//! `worker_lifespan(1)` every chunk gets a fresh worker state, so a state
//! that records the items it saw, returned by `worker_exit`, is exactly one
//! chunk.

use std::sync::{Arc, Mutex, OnceLock};

use mpire::prelude::*;
use mpire::utils::chunk_tasks;
use mpire::{ChunkSize, Worker};
use proptest::prelude::*;

/// MPIRE's recurrence, for `n` tasks and chunk size `c` (any `c > 0`).
fn reference_sizes(n: usize, c: f64) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut current = c;
    let mut done = 0;
    while done < n {
        let ceil = current.ceil();
        let size = (ceil as usize).max(1).min(n - done);
        sizes.push(size);
        done += size;
        current = (current + c) - ceil;
    }
    sizes
}

/// The chunks of `0..n` with the given sizes.
fn cut(n: usize, sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut start = 0;
    let chunks = sizes
        .iter()
        .map(|&len| {
            let chunk = (start..start + len).collect();
            start += len;
            chunk
        })
        .collect();
    assert_eq!(start, n, "the sizes must cover the input");
    chunks
}

fn as_f64(size: ChunkSize) -> f64 {
    match size {
        ChunkSize::Int(n) => n as f64,
        ChunkSize::Float(f) => f,
    }
}

/// Whole and fractional chunk sizes, all valid.
fn chunk_size() -> impl Strategy<Value = ChunkSize> {
    prop_oneof![
        (1i128..=40).prop_map(ChunkSize::Int),
        (1.0f64..40.0).prop_map(ChunkSize::Float),
        (1.0f64..3.0).prop_map(ChunkSize::Float),
    ]
}

/// How a map is told to chunk.
#[derive(Clone, Copy, Debug)]
enum Chunking {
    Size(ChunkSize),
    Splits(usize),
    Default,
}

fn chunking() -> impl Strategy<Value = Chunking> {
    prop_oneof![
        chunk_size().prop_map(Chunking::Size),
        (1usize..=400).prop_map(Chunking::Splits),
        Just(Chunking::Default),
    ]
}

/// The chunks the scheduler must hand out for `0..n` on `n_jobs` workers.
fn expected_chunks(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let c = match chunking {
        Chunking::Size(size) => as_f64(size),
        Chunking::Splits(s) => n as f64 / s as f64,
        Chunking::Default => n as f64 / (64 * n_jobs) as f64,
    };
    cut(n, &reference_sizes(n, c))
}

fn pool(n_jobs: usize) -> &'static WorkerPool {
    static POOLS: OnceLock<Vec<WorkerPool>> = OnceLock::new();
    &POOLS.get_or_init(|| (1..=4).map(WorkerPool::new).collect())[n_jobs - 1]
}

/// The options of `chunking`, on a map builder.
macro_rules! with_chunking {
    ($builder:expr, $chunking:expr) => {
        match $chunking {
            Chunking::Size(size) => $builder.chunk_size(size),
            Chunking::Splits(s) => $builder.n_splits(s),
            Chunking::Default => $builder,
        }
    };
}

fn record(seen: &mut Vec<usize>, x: usize) -> usize {
    seen.push(x);
    x * 2
}

fn sorted_by_first(mut chunks: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    chunks.sort_by_key(|chunk| chunk.first().copied());
    chunks
}

/// The chunks that `map_with_state` ran, one per exit result.
fn chunks_of_map(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let builder = (0..n)
        .mpire(pool(n_jobs))
        .worker_lifespan(1)
        .worker_init(|_| Vec::new())
        .worker_exit(|_, seen: Vec<usize>| seen);
    let run = with_chunking!(builder, chunking).map_with_state(record);
    let (results, exits) = run.into_parts();
    assert_eq!(results, (0..n).map(|x| x * 2).collect::<Vec<_>>());
    sorted_by_first(exits)
}

/// The chunks that `map_unordered_with_state` ran.
fn chunks_of_map_unordered(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let builder = (0..n)
        .mpire(pool(n_jobs))
        .worker_lifespan(1)
        .worker_init(|_| Vec::new())
        .worker_exit(|_, seen: Vec<usize>| seen);
    let (mut results, exits) = with_chunking!(builder, chunking)
        .map_unordered_with_state(record)
        .into_parts();
    results.sort_unstable();
    assert_eq!(results, (0..n).map(|x| x * 2).collect::<Vec<_>>());
    sorted_by_first(exits)
}

/// The chunks that `imap_with_state` ran.
fn chunks_of_imap(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let builder = (0..n)
        .into_par_iter()
        .mpire(pool(n_jobs))
        .worker_lifespan(1)
        .worker_init(|_| Vec::new())
        .worker_exit(|_, seen: Vec<usize>| seen);
    let mut results = with_chunking!(builder, chunking).imap_with_state(record);
    let collected: Vec<usize> = results.by_ref().collect();
    assert_eq!(collected, (0..n).map(|x| x * 2).collect::<Vec<_>>());
    sorted_by_first(results.exit_results().expect("the map is over").to_vec())
}

/// A `worker_exit` hook that files each state's items into `chunks`.
fn file_into(
    chunks: &Arc<Mutex<Vec<Vec<usize>>>>,
) -> impl Fn(&Worker, Vec<usize>) + Send + Sync + 'static {
    let chunks = Arc::clone(chunks);
    move |_, seen| chunks.lock().unwrap().push(seen)
}

/// The chunks that `.mpire_map_with_state(..).collect_into_vec(..)` ran:
/// rayon drives the adapter as an indexed iterator.
fn chunks_of_collect_into_vec(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let chunks = Arc::new(Mutex::new(Vec::new()));
    let builder = (0..n)
        .into_par_iter()
        .mpire(pool(n_jobs))
        .worker_lifespan(1)
        .worker_init(|_| Vec::new())
        .worker_exit(file_into(&chunks));
    let mut results = Vec::new();
    with_chunking!(builder, chunking)
        .mpire_map_with_state(record)
        .collect_into_vec(&mut results);
    assert_eq!(results, (0..n).map(|x| x * 2).collect::<Vec<_>>());
    let chunks = std::mem::take(&mut *chunks.lock().unwrap());
    sorted_by_first(chunks)
}

/// The pieces that `.mpire_map_with_state(..).sum()` ran: rayon chooses the
/// splits of a reduction, so a chunk may run as several pieces.
fn pieces_of_sum(n: usize, n_jobs: usize, chunking: Chunking) -> Vec<Vec<usize>> {
    let pieces = Arc::new(Mutex::new(Vec::new()));
    let builder = (0..n)
        .into_par_iter()
        .mpire(pool(n_jobs))
        .worker_lifespan(1)
        .worker_init(|_| Vec::new())
        .worker_exit(file_into(&pieces));
    let total: usize = with_chunking!(builder, chunking)
        .mpire_map_with_state(record)
        .sum();
    assert_eq!(total, (0..n).map(|x| x * 2).sum::<usize>());
    let pieces = std::mem::take(&mut *pieces.lock().unwrap());
    sorted_by_first(pieces)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The reference recurrence itself: non-empty chunks that add up to `n`,
    /// each of `floor(c)` or `ceil(c)` items (all but the last).
    #[test]
    fn reference_sizes_are_floor_or_ceil_of_c(n in 0usize..500, c in 1.0f64..40.0) {
        let sizes = reference_sizes(n, c);
        prop_assert_eq!(sizes.iter().sum::<usize>(), n);
        prop_assert!(sizes.iter().all(|&s| s >= 1));
        if let Some((_, body)) = sizes.split_last() {
            for &s in body {
                prop_assert!(s == c.floor() as usize || s == c.ceil() as usize, "{s} for {c}");
            }
        }
    }

    /// `chunk_tasks` with a chunk size covers the input exactly once, in
    /// order, in the sizes of the recurrence.
    #[test]
    fn chunk_tasks_with_chunk_size_follows_the_recurrence(n in 0usize..500, size in chunk_size()) {
        let chunks: Vec<Vec<usize>> = chunk_tasks(0..n).chunk_size(size).build().unwrap().collect();
        prop_assert!(chunks.iter().all(|chunk| !chunk.is_empty()));
        prop_assert_eq!(chunks.concat(), (0..n).collect::<Vec<_>>());
        prop_assert_eq!(chunks, cut(n, &reference_sizes(n, as_f64(size))));
    }

    /// `chunk_tasks` with `n_splits` gives exactly `n_splits` chunks when
    /// there are at least as many items, chunks of one otherwise, and always
    /// the sizes of the recurrence with `c = n / n_splits`.
    #[test]
    fn chunk_tasks_with_n_splits_gives_that_many_chunks(n in 0usize..500, splits in 1usize..600) {
        let chunks: Vec<Vec<usize>> = chunk_tasks(0..n).n_splits(splits).build().unwrap().collect();
        prop_assert_eq!(chunks.concat(), (0..n).collect::<Vec<_>>());
        if splits <= n {
            prop_assert_eq!(chunks.len(), splits);
        } else {
            prop_assert_eq!(chunks.len(), n);
        }
        prop_assert_eq!(chunks, cut(n, &reference_sizes(n, n as f64 / splits as f64)));
    }

    /// `chunk_size` wins over `n_splits`, whichever is set first.
    #[test]
    fn chunk_tasks_chunk_size_wins_over_n_splits(
        n in 0usize..300,
        size in chunk_size(),
        splits in 1usize..50,
    ) {
        let alone: Vec<Vec<usize>> = chunk_tasks(0..n).chunk_size(size).build().unwrap().collect();
        let size_first: Vec<Vec<usize>> =
            chunk_tasks(0..n).chunk_size(size).n_splits(splits).build().unwrap().collect();
        let splits_first: Vec<Vec<usize>> =
            chunk_tasks(0..n).n_splits(splits).chunk_size(size).build().unwrap().collect();
        prop_assert_eq!(&size_first, &alone);
        prop_assert_eq!(&splits_first, &alone);
    }

    /// A generator of unknown length, with `iterable_len`: only the first
    /// `iterable_len` items, chunked as a sized input of that length.
    #[test]
    fn chunk_tasks_generator_with_iterable_len(
        n in 0usize..300,
        extra in 0usize..20,
        splits in 1usize..40,
    ) {
        let generator = (0..n + extra).filter(|_| true);
        prop_assert_eq!(generator.size_hint().0, 0);
        let chunks: Vec<Vec<usize>> =
            chunk_tasks(generator).iterable_len(n).n_splits(splits).build().unwrap().collect();
        let sized: Vec<Vec<usize>> = chunk_tasks(0..n).n_splits(splits).build().unwrap().collect();
        prop_assert_eq!(chunks, sized);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The chunks `map` hands to workers are those of `chunk_tasks`, for the
    /// same options.
    #[test]
    fn scheduler_map_runs_the_chunks_of_chunk_tasks(
        n in 0usize..300,
        n_jobs in 1usize..=4,
        size in chunk_size(),
        splits in 1usize..400,
    ) {
        let by_size: Vec<Vec<usize>> = chunk_tasks(0..n).chunk_size(size).build().unwrap().collect();
        prop_assert_eq!(chunks_of_map(n, n_jobs, Chunking::Size(size)), by_size);

        let by_splits: Vec<Vec<usize>> = chunk_tasks(0..n).n_splits(splits).build().unwrap().collect();
        prop_assert_eq!(chunks_of_map(n, n_jobs, Chunking::Splits(splits)), by_splits);
    }

    /// Every exact form runs the chunks of the recurrence, default chunking
    /// (`64 * n_jobs` chunks) included.
    #[test]
    fn scheduler_exact_forms_run_the_planned_chunks(
        n in 0usize..300,
        n_jobs in 1usize..=4,
        chunking in chunking(),
    ) {
        let expected = expected_chunks(n, n_jobs, chunking);
        prop_assert_eq!(&chunks_of_map(n, n_jobs, chunking), &expected);
        prop_assert_eq!(&chunks_of_map_unordered(n, n_jobs, chunking), &expected);
        prop_assert_eq!(&chunks_of_imap(n, n_jobs, chunking), &expected);
        prop_assert_eq!(&chunks_of_collect_into_vec(n, n_jobs, chunking), &expected);
    }

    /// In a rayon reduction, rayon picks the splits: every piece that runs
    /// is a run of consecutive items inside one planned chunk, and the
    /// pieces cover the input exactly once.
    #[test]
    fn scheduler_reduction_pieces_stay_inside_planned_chunks(
        n in 0usize..300,
        n_jobs in 1usize..=4,
        chunking in chunking(),
    ) {
        let expected = expected_chunks(n, n_jobs, chunking);
        let pieces = pieces_of_sum(n, n_jobs, chunking);
        prop_assert_eq!(pieces.concat(), (0..n).collect::<Vec<_>>());
        for piece in &pieces {
            prop_assert!(!piece.is_empty());
            let chunk = expected
                .iter()
                .find(|chunk| chunk.contains(&piece[0]))
                .expect("every item is in a chunk");
            let at = chunk.iter().position(|&x| x == piece[0]).unwrap();
            prop_assert!(
                chunk[at..].starts_with(piece),
                "piece {:?} is not inside chunk {:?}",
                piece,
                chunk
            );
        }
    }
}

/// The three outputs of MPIRE's documentation, through the real scheduler.
#[test]
fn scheduler_reproduces_the_reference_outputs() {
    assert_eq!(
        chunks_of_map(10, 4, Chunking::Splits(3)),
        [vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]
    );
    assert_eq!(
        chunks_of_map(10, 4, Chunking::Size(ChunkSize::Float(2.5))),
        [vec![0, 1, 2], vec![3, 4], vec![5, 6, 7], vec![8, 9]]
    );
    assert_eq!(
        chunks_of_map(10, 4, Chunking::Splits(6)),
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

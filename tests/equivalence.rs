//! Every form of the map family gives the results of a sequential map,
//! whatever the chunking: the ordered forms in input order, the unordered
//! forms as a permutation of them (in input order with one worker).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use mpire::prelude::*;
use mpire::{ChunkSize, ErrorKind, Mpire};
use proptest::prelude::*;

/// The options of one case.
#[derive(Clone, Copy, Debug, Default)]
struct Opts {
    chunk_size: Option<ChunkSize>,
    n_splits: Option<usize>,
    iterable_len: Option<usize>,
}

impl Opts {
    fn chunk_size(size: impl Into<ChunkSize>) -> Opts {
        Opts {
            chunk_size: Some(size.into()),
            ..Opts::default()
        }
    }

    fn n_splits(n_splits: usize) -> Opts {
        Opts {
            n_splits: Some(n_splits),
            ..Opts::default()
        }
    }

    fn iterable_len(iterable_len: usize) -> Opts {
        Opts {
            iterable_len: Some(iterable_len),
            ..Opts::default()
        }
    }

    fn apply<'p, I>(self, mut builder: Mpire<'p, I>) -> Mpire<'p, I> {
        if let Some(size) = self.chunk_size {
            builder = builder.chunk_size(size);
        }
        if let Some(n) = self.n_splits {
            builder = builder.n_splits(n);
        }
        if let Some(n) = self.iterable_len {
            builder = builder.iterable_len(n);
        }
        builder
    }
}

fn pool(n_jobs: usize) -> &'static WorkerPool {
    static POOLS: OnceLock<Vec<WorkerPool>> = OnceLock::new();
    &POOLS.get_or_init(|| (1..=4).map(WorkerPool::new).collect())[n_jobs - 1]
}

/// An input whose values are not their indices.
fn input(len: usize) -> Vec<u64> {
    (0..len as u64)
        .map(|i| i.wrapping_mul(6_364_136_223_846_793_005).rotate_left(17) % 1_000_003)
        .collect()
}

fn task(x: u64) -> u64 {
    x * 3 + 1
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

/// Runs every form on `len` items on `n_jobs` workers with `opts`, and
/// checks each against the sequential map of the first `iterable_len`
/// items.
fn check(len: usize, n_jobs: usize, opts: Opts) {
    check_builder_forms(len, n_jobs, opts);
    // A rayon chain refuses iterable_len (see mpire_map_refuses_iterable_len).
    if opts.iterable_len.is_none() {
        check_mpire_map_forms(len, n_jobs, opts);
    }
}

/// The expected results and a description of the case.
fn expected(len: usize, n_jobs: usize, opts: Opts) -> (Vec<u64>, Vec<u64>, String) {
    let v = input(len);
    let n = opts.iterable_len.unwrap_or(len);
    assert!(n <= len, "a longer iterable_len is a mismatch, not a case");
    let expected = v[..n].iter().copied().map(task).collect();
    (v, expected, format!("len {len}, n_jobs {n_jobs}, {opts:?}"))
}

/// `map`, `try_map`, `map_unordered`, `imap` and `imap_unordered`.
fn check_builder_forms(len: usize, n_jobs: usize, opts: Opts) {
    let pool = pool(n_jobs);
    let (v, expected, case) = expected(len, n_jobs, opts);

    let map = opts.apply(v.par_iter().copied().mpire(pool)).map(task);
    assert_eq!(map, expected, "map: {case}");

    let try_map = opts.apply(v.par_iter().copied().mpire(pool)).try_map(task);
    assert_eq!(try_map.as_ref(), Ok(&expected), "try_map: {case}");

    let unordered = opts
        .apply(v.par_iter().copied().mpire(pool))
        .map_unordered(task);
    let imap: Vec<u64> = opts
        .apply(v.clone().into_par_iter().mpire(pool))
        .imap(task)
        .collect();
    assert_eq!(imap, expected, "imap: {case}");
    let imap_unordered: Vec<u64> = opts
        .apply(v.clone().into_par_iter().mpire(pool))
        .imap_unordered(task)
        .collect();

    if n_jobs == 1 {
        assert_eq!(unordered, expected, "map_unordered, one worker: {case}");
        assert_eq!(
            imap_unordered, expected,
            "imap_unordered, one worker: {case}"
        );
    } else {
        let expected = sorted(expected);
        assert_eq!(sorted(unordered), expected, "map_unordered: {case}");
        assert_eq!(sorted(imap_unordered), expected, "imap_unordered: {case}");
    }
}

/// `.mpire_map(..)` with rayon's `collect` and `collect_into_vec`.
fn check_mpire_map_forms(len: usize, n_jobs: usize, opts: Opts) {
    let pool = pool(n_jobs);
    let (v, expected, case) = expected(len, n_jobs, opts);

    let collected: Vec<u64> = opts
        .apply(v.par_iter().copied().mpire(pool))
        .mpire_map(task)
        .collect();
    assert_eq!(collected, expected, "mpire_map collect: {case}");

    let mut into_vec = vec![7; 3];
    opts.apply(v.par_iter().copied().mpire(pool))
        .mpire_map(task)
        .collect_into_vec(&mut into_vec);
    assert_eq!(into_vec, expected, "mpire_map collect_into_vec: {case}");
}

/// Every `n_jobs` from 1 to 4.
fn check_all_pools(len: usize, opts: Opts) {
    for n_jobs in 1..=4 {
        check(len, n_jobs, opts);
    }
}

#[test]
fn empty_input() {
    check_all_pools(0, Opts::default());
    check_all_pools(0, Opts::chunk_size(3));
    check_all_pools(0, Opts::chunk_size(2.5));
    check_all_pools(0, Opts::n_splits(4));
    check_all_pools(0, Opts::iterable_len(0));
}

#[test]
fn one_item() {
    check_all_pools(1, Opts::default());
    check_all_pools(1, Opts::chunk_size(1));
    check_all_pools(1, Opts::chunk_size(10));
    check_all_pools(1, Opts::chunk_size(1.7));
    check_all_pools(1, Opts::n_splits(3));
}

#[test]
fn fewer_items_than_workers() {
    for len in 2..4 {
        check(len, 4, Opts::default());
        check(len, 4, Opts::chunk_size(1));
        check(len, 4, Opts::n_splits(4));
    }
}

#[test]
fn lengths_that_do_not_divide_evenly() {
    for len in [7, 10, 101, 257, 1000] {
        check_all_pools(len, Opts::default());
        check_all_pools(len, Opts::chunk_size(3));
        check_all_pools(len, Opts::n_splits(6));
    }
}

#[test]
fn chunk_size_one() {
    check_all_pools(100, Opts::chunk_size(1));
}

#[test]
fn chunk_size_larger_than_the_input() {
    check_all_pools(10, Opts::chunk_size(11));
    check_all_pools(10, Opts::chunk_size(1_000_000));
    check_all_pools(10, Opts::chunk_size(u64::MAX));
    check_all_pools(10, Opts::chunk_size(1e300));
}

#[test]
fn fractional_chunk_sizes() {
    for len in [10, 99, 500] {
        check_all_pools(len, Opts::chunk_size(2.5));
        check_all_pools(len, Opts::chunk_size(1.7));
        check_all_pools(len, Opts::chunk_size(33.3f32));
    }
}

#[test]
fn n_splits() {
    for splits in [1, 2, 3, 7, 64, 1000] {
        check_all_pools(100, Opts::n_splits(splits));
    }
}

#[test]
fn chunk_size_wins_over_n_splits() {
    let opts = Opts {
        chunk_size: Some(ChunkSize::Int(7)),
        n_splits: Some(3),
        ..Opts::default()
    };
    check_all_pools(100, opts);
}

/// `iterable_len` cases: smaller than, or equal to, the input's length.
fn iterable_len_cases() -> [Opts; 5] {
    [
        Opts::iterable_len(37),
        Opts::iterable_len(0),
        Opts::iterable_len(100),
        Opts {
            chunk_size: Some(ChunkSize::Float(2.5)),
            iterable_len: Some(11),
            ..Opts::default()
        },
        Opts {
            n_splits: Some(4),
            iterable_len: Some(50),
            ..Opts::default()
        },
    ]
}

#[test]
fn iterable_len_smaller_than_the_input_keeps_the_first_items() {
    for opts in iterable_len_cases() {
        for n_jobs in 1..=4 {
            check_builder_forms(100, n_jobs, opts);
        }
    }
}

/// A rayon adapter must yield every item of its input, so
/// `.mpire(&pool).iterable_len(n).mpire_map(f)` is refused with a message that
/// names the option and points to rayon's `take`, for every way of driving it.
#[test]
fn mpire_map_refuses_iterable_len() {
    let pool = pool(2);
    let v = input(100);
    let message = |payload: Box<dyn std::any::Any + Send>| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    };
    let collected = std::panic::catch_unwind(|| {
        v.par_iter()
            .copied()
            .mpire(pool)
            .iterable_len(50)
            .mpire_map(task)
            .collect::<Vec<u64>>()
    });
    let text = message(collected.unwrap_err());
    assert!(
        text.contains("iterable_len") && text.contains("50"),
        "{text}"
    );
    assert!(text.contains("take(n)"), "{text}");

    let into_vec = std::panic::catch_unwind(|| {
        let mut out = Vec::new();
        v.par_iter()
            .copied()
            .mpire(pool)
            .iterable_len(50)
            .mpire_map(task)
            .collect_into_vec(&mut out);
        out
    });
    assert!(message(into_vec.unwrap_err()).contains("iterable_len"));

    // The pool stays usable, and rayon's take does the job.
    let taken: Vec<u64> = v
        .par_iter()
        .copied()
        .take(50)
        .mpire_map(pool, task)
        .collect();
    let expected: Vec<u64> = v.iter().copied().take(50).map(task).collect();
    assert_eq!(taken, expected);
}

/// `iterable_len` larger than the input is refused, by every form.
#[test]
fn iterable_len_larger_than_the_input_is_a_mismatch() {
    for n_jobs in 1..=4 {
        let pool = pool(n_jobs);
        let v = input(10);

        let err = v
            .par_iter()
            .mpire(pool)
            .iterable_len(11)
            .try_map(|x| x + 1)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);
        let message = err.to_string();
        assert!(
            message.contains("11") && message.contains("10"),
            "{message}"
        );

        let err = v
            .par_iter()
            .mpire(pool)
            .iterable_len(11)
            .try_map_unordered(|x| x + 1)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);

        let mut imap = v
            .clone()
            .into_par_iter()
            .mpire(pool)
            .iterable_len(11)
            .imap(|x| x + 1);
        let first = imap.try_next().expect("the failure is reported");
        assert_eq!(first.unwrap_err().kind(), ErrorKind::IterableLenMismatch);
        assert!(imap.try_next().is_none());

        let mut imap = v
            .into_par_iter()
            .mpire(pool)
            .iterable_len(usize::MAX)
            .imap_unordered(|x| x + 1);
        let first = imap.try_next().expect("the failure is reported");
        assert_eq!(first.unwrap_err().kind(), ErrorKind::IterableLenMismatch);
    }
}

/// The panicking forms report the mismatch with its message.
#[test]
fn iterable_len_larger_than_the_input_panics_in_map_and_mpire_map() {
    let pool = pool(2);
    let v = input(10);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter().mpire(pool).iterable_len(12).map(|x| x + 1);
    }))
    .unwrap_err();
    let message = panic_text(&*panicked);
    assert!(message.contains("iterable_len"), "{message}");

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        v.par_iter()
            .mpire(pool)
            .iterable_len(12)
            .mpire_map(|x| x + 1)
            .sum::<u64>()
    }))
    .unwrap_err();
    let message = panic_text(&*panicked);
    assert!(message.contains("iterable_len"), "{message}");
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// With one worker, every unordered form gives input order, whatever the
/// chunking.
#[test]
fn one_worker_unordered_forms_keep_input_order() {
    let pool = pool(1);
    let v = input(500);
    let expected: Vec<u64> = v.iter().copied().map(task).collect();
    for opts in [
        Opts::default(),
        Opts::chunk_size(1),
        Opts::chunk_size(2.5),
        Opts::n_splits(7),
    ] {
        let unordered = opts
            .apply(v.par_iter().copied().mpire(pool))
            .map_unordered(task);
        assert_eq!(unordered, expected, "{opts:?}");
        let run = opts
            .apply(v.par_iter().copied().mpire(pool))
            .map_unordered_with_state(|(), x| task(x));
        assert_eq!(run.results(), expected, "{opts:?}");
        let lazy: Vec<u64> = opts
            .apply(v.clone().into_par_iter().mpire(pool))
            .imap_unordered(task)
            .collect();
        assert_eq!(lazy, expected, "{opts:?}");
        let lazy_with_state: Vec<u64> = opts
            .apply(v.clone().into_par_iter().mpire(pool))
            .imap_unordered_with_state(|(), x| task(x))
            .collect();
        assert_eq!(lazy_with_state, expected, "{opts:?}");
    }
}

/// The `_with_state` forms give the results of their stateless twins.
#[test]
fn with_state_forms_give_the_same_results() {
    let v = input(300);
    let expected: Vec<u64> = v.iter().copied().map(task).collect();
    for n_jobs in 1..=4 {
        let pool = pool(n_jobs);
        let run = v
            .par_iter()
            .copied()
            .mpire(pool)
            .chunk_size(2.5)
            .map_with_state(|(), x| task(x));
        assert_eq!(run.results(), expected);
        let lazy: Vec<u64> = v
            .clone()
            .into_par_iter()
            .mpire(pool)
            .imap_with_state(|(), x| task(x))
            .collect();
        assert_eq!(lazy, expected);
    }
}

fn opts_strategy() -> impl Strategy<Value = Opts> {
    let size = prop_oneof![
        Just(None),
        (1i128..40).prop_map(|n| Some(ChunkSize::Int(n))),
        (1.0f64..20.0).prop_map(|f| Some(ChunkSize::Float(f))),
    ];
    let splits = prop_oneof![Just(None), (1usize..100).prop_map(Some)];
    (size, splits).prop_map(|(chunk_size, n_splits)| Opts {
        chunk_size,
        n_splits,
        iterable_len: None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_form_equals_the_sequential_map(
        len in 0usize..300,
        n_jobs in 1usize..=4,
        opts in opts_strategy(),
    ) {
        check(len, n_jobs, opts);
    }

    #[test]
    fn builder_forms_with_iterable_len_keep_the_first_items(
        len in 0usize..300,
        n_jobs in 1usize..=4,
        opts in opts_strategy(),
        cut in 0usize..300,
    ) {
        let opts = Opts { iterable_len: Some(cut.min(len)), ..opts };
        check_builder_forms(len, n_jobs, opts);
    }
}

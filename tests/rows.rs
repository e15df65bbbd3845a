//! The rows of ndarray arrays, numpy-style: chunking, concatenation, in-place
//! changes, worker state and failures.
//!
//! The first tests follow the "Numpy arrays" and "Return value" sections of
//! MPIRE's map family documentation: a 10 x 3 array with a chunk size of 3,
//! `x + 5` concatenated, and the same with `concatenate_numpy_output=False`.
//! The reference uses a random array; a fixed one makes the values checkable.
#![cfg(feature = "ndarray")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use mpire::ErrorKind;
use mpire::prelude::*;
use ndarray::{Array, Array1, Array2, Array3, ArrayD, Axis, IxDyn, array, s};
use parking_lot::Mutex;

/// The reference's 10 x 3 array, with fixed values: row `i` is
/// `[3i, 3i + 1, 3i + 2] / 10`.
fn ten_by_three() -> Array2<f64> {
    Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64 / 10.0)
}

/// The first row index of each chunk a task saw, sorted, with its shape.
fn sorted(mut seen: Vec<(usize, Vec<usize>)>) -> Vec<(usize, Vec<usize>)> {
    seen.sort();
    seen
}

/// The reference's counter-example: chunking an array by iterating it, as a
/// generic iterable, gives one 1-D array per row, each handed over on its
/// own; the row chunking below gives one 2-D view per chunk instead.
#[test]
fn reference_iterating_rows_gives_one_array_per_row() {
    let arr = ten_by_three();
    let mut rows = arr.outer_iter();
    let mut chunks = Vec::new();
    loop {
        let chunk: Vec<_> = rows.by_ref().take(3).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let lens: Vec<usize> = chunks.iter().map(Vec::len).collect();
    assert_eq!(lens, [3, 3, 3, 1]);
    assert!(
        chunks
            .iter()
            .flatten()
            .all(|row| row.ndim() == 1 && row.len() == 3)
    );
}

#[test]
fn reference_chunk_size_3_gives_chunks_of_3_3_3_1() {
    let pool = WorkerPool::new(4);
    let arr = ten_by_three();
    let seen = Mutex::new(Vec::new());
    let shapes = arr.mpire_rows(&pool).chunk_size(3).map_values(|rows| {
        let first_row = (rows[[0, 0]] * 10.0).round() as usize / 3;
        seen.lock().push((first_row, rows.shape().to_vec()));
        rows.dim()
    });
    assert_eq!(shapes, [(3, 3), (3, 3), (3, 3), (1, 3)]);
    assert_eq!(
        sorted(seen.into_inner()),
        [
            (0, vec![3, 3]),
            (3, vec![3, 3]),
            (6, vec![3, 3]),
            (9, vec![1, 3])
        ]
    );
}

#[test]
fn reference_add_five_is_concatenated() {
    let pool = WorkerPool::new(4);
    let arr = ten_by_three();
    let out = arr.mpire_rows(&pool).chunk_size(3).map(|rows| &rows + 5.0);
    assert_eq!(out.dim(), (10, 3));
    assert_eq!(out, &arr + 5.0);
    assert_eq!(out.row(9).to_vec(), [7.7, 7.8, 7.9]);
}

#[test]
fn reference_add_five_without_concatenation_gives_one_array_per_chunk() {
    let pool = WorkerPool::new(4);
    let arr = ten_by_three();
    let chunks = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .concatenate_numpy_output::<false>()
        .map(|rows| &rows + 5.0);
    let shapes: Vec<_> = chunks.iter().map(|c| c.dim()).collect();
    assert_eq!(shapes, [(3, 3), (3, 3), (3, 3), (1, 3)]);
    let bounds = [0..3, 3..6, 6..9, 9..10];
    for (chunk, rows) in chunks.iter().zip(bounds) {
        assert_eq!(chunk, &(&arr.slice(s![rows, ..]) + 5.0));
    }
    assert_eq!(chunks[3], array![[7.7, 7.8, 7.9]]);
}

#[test]
fn one_dimensional_input() {
    let pool = WorkerPool::new(2);
    let arr = Array1::from_iter(0..10i64);
    let lens = arr
        .mpire_rows(&pool)
        .chunk_size(4)
        .map_values(|rows| rows.len());
    assert_eq!(lens, [4, 4, 2]);
    let doubled = arr.mpire_rows(&pool).chunk_size(4).map(|rows| &rows * 2);
    assert_eq!(doubled, Array1::from_iter((0..20).step_by(2)));
}

#[test]
fn three_dimensional_input() {
    let pool = WorkerPool::new(2);
    let arr = Array3::from_shape_fn((7, 2, 3), |(i, j, k)| (i * 100 + j * 10 + k) as i32);
    // 7 / 3 splits = 2.33..., so MPIRE's recurrence gives 3, 2, 2 rows.
    let shapes = arr
        .mpire_rows(&pool)
        .n_splits(3)
        .map_values(|rows| rows.dim());
    assert_eq!(shapes, [(3, 2, 3), (2, 2, 3), (2, 2, 3)]);
    let out = arr.mpire_rows(&pool).n_splits(3).map(|rows| &rows + 1);
    assert_eq!(out, &arr + 1);
}

#[test]
fn dynamic_dimension_input() {
    let pool = WorkerPool::new(2);
    let arr = ArrayD::from_shape_fn(IxDyn(&[5, 2]), |ix| (ix[0] * 2 + ix[1]) as u8);
    let out = arr
        .mpire_rows(&pool)
        .chunk_size(2)
        .map(|rows| rows.to_owned());
    assert_eq!(out, arr);
}

#[test]
fn transposed_view_is_chunked_without_copy() {
    let pool = WorkerPool::new(3);
    let base = Array2::from_shape_fn((3, 10), |(i, j)| (j * 3 + i) as f64);
    let view = base.t();
    assert!(!view.is_standard_layout());
    assert_eq!(
        view,
        Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64)
    );

    let seen = Mutex::new(Vec::new());
    let out = view.mpire_rows(&pool).chunk_size(4).map(|rows| {
        seen.lock().push((
            rows.as_ptr() as usize,
            rows.shape().to_vec(),
            rows.strides().to_vec(),
        ));
        &rows + 5.0
    });
    assert_eq!(out, &view + 5.0);

    // Each task saw the original memory: its first element is the first
    // element of its rows in `base`, with `base.t()`'s strides.
    let mut expected: Vec<_> = [(0, 4), (4, 4), (8, 2)]
        .iter()
        .map(|&(start, n)| {
            (
                &base[[0, start]] as *const f64 as usize,
                vec![n, 3],
                vec![1, 10],
            )
        })
        .collect();
    expected.sort();
    let mut seen = seen.into_inner();
    seen.sort();
    assert_eq!(seen, expected);
}

#[test]
fn strided_view_is_chunked() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let even_rows = arr.slice(s![..;2, ..]);
    let shapes = even_rows
        .mpire_rows(&pool)
        .chunk_size(2)
        .map_values(|rows| rows.dim());
    assert_eq!(shapes, [(2, 3), (2, 3), (1, 3)]);
    let out = even_rows
        .mpire_rows(&pool)
        .chunk_size(2)
        .map(|rows| &rows + 5.0);
    assert_eq!(out, &even_rows + 5.0);
    assert_eq!(out.row(4).to_vec(), [7.4, 7.5, 7.6]);
}

#[test]
fn n_splits_larger_than_the_rows_gives_one_row_per_chunk() {
    let pool = WorkerPool::new(2);
    let arr = array![[1, 2], [3, 4], [5, 6]];
    let shapes = arr
        .mpire_rows(&pool)
        .n_splits(10)
        .map_values(|rows| rows.dim());
    assert_eq!(shapes, [(1, 2); 3]);
    let out = arr.mpire_rows(&pool).n_splits(10).map(|rows| &rows * 10);
    assert_eq!(out, array![[10, 20], [30, 40], [50, 60]]);
}

#[test]
fn more_workers_than_rows() {
    let pool = WorkerPool::new(4);
    let arr = array![[1.0, 2.0]];
    let out = arr.mpire_rows(&pool).map(|rows| &rows + 5.0);
    assert_eq!(out, array![[6.0, 7.0]]);
    let calls = arr.mpire_rows(&pool).map_values(|rows| rows.nrows());
    assert_eq!(calls, [1]);
}

#[test]
fn zero_rows_give_empty_output() {
    let pool = WorkerPool::new(2);
    let arr = Array2::<f64>::zeros((0, 3));
    let calls = AtomicUsize::new(0);
    let inits = std::sync::Arc::new(AtomicUsize::new(0));

    let out = arr.mpire_rows(&pool).chunk_size(3).map(|rows| {
        calls.fetch_add(1, Ordering::Relaxed);
        &rows + 5.0
    });
    assert_eq!(out.dim(), (0, 3));

    // A task that drops an axis: the empty output has that many axes.
    let sums = arr.mpire_rows(&pool).map(|rows| rows.sum_axis(Axis(1)));
    assert_eq!(sums.dim(), 0);

    let chunks = arr
        .mpire_rows(&pool)
        .concatenate_numpy_output::<false>()
        .map(|rows| rows.to_owned());
    assert!(chunks.is_empty());

    let counter = inits.clone();
    let run = arr
        .mpire_rows(&pool)
        .worker_init(move |_| counter.fetch_add(1, Ordering::Relaxed))
        .worker_exit(|_, _| 1)
        .map_values_with_state(|_, rows| rows.len());
    assert!(run.results().is_empty());
    assert!(run.exit_results().is_empty());
    assert_eq!(inits.load(Ordering::Relaxed), 0);

    let mut empty = Array2::<f64>::zeros((0, 3));
    empty.mpire_rows_mut(&pool).for_each(|_| {
        calls.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(calls.load(Ordering::Relaxed), 0);

    let lazy: Vec<usize> = arr.into_mpire_rows(&pool).imap(|rows| rows.len()).collect();
    assert!(lazy.is_empty());
}

#[test]
fn zero_rows_of_a_dynamic_array_keep_the_trailing_shape() {
    let pool = WorkerPool::new(2);
    let arr = ArrayD::<i32>::zeros(IxDyn(&[0, 4, 2]));
    let out = arr.mpire_rows(&pool).map(|rows| rows.to_owned());
    assert_eq!(out.shape(), [0, 4, 2]);
}

#[test]
fn iterable_len_takes_the_first_rows() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let shapes = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .iterable_len(4)
        .map_values(|r| r.dim());
    assert_eq!(shapes, [(3, 3), (1, 3)]);
    let out = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .iterable_len(4)
        .map(|rows| &rows + 5.0);
    assert_eq!(out, &arr.slice(s![..4, ..]) + 5.0);

    let none = arr
        .mpire_rows(&pool)
        .iterable_len(0)
        .map(|rows| &rows + 5.0);
    assert_eq!(none.dim(), (0, 3));

    let mut target = ten_by_three();
    target
        .mpire_rows_mut(&pool)
        .chunk_size(3)
        .iterable_len(4)
        .for_each(|mut rows| rows += 5.0);
    assert_eq!(target.slice(s![..4, ..]), &arr.slice(s![..4, ..]) + 5.0);
    assert_eq!(target.slice(s![4.., ..]), arr.slice(s![4.., ..]));
}

#[test]
fn iterable_len_beyond_the_rows_is_an_error() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let err = arr
        .mpire_rows(&pool)
        .iterable_len(11)
        .try_map(|r| r.to_owned())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);
    assert_eq!(
        err.to_string(),
        "iterable_len declared 11 tasks but the input held 10"
    );
}

#[test]
fn default_chunking_gives_four_chunks_per_worker() {
    for (n_jobs, n_rows) in [(1, 10), (2, 100), (3, 1000)] {
        let pool = WorkerPool::new(n_jobs);
        let arr = Array2::<u8>::zeros((n_rows, 2));
        let lens = arr.mpire_rows(&pool).map_values(|rows| rows.nrows());
        assert_eq!(lens.len(), 4 * n_jobs, "n_jobs = {n_jobs}");
        assert_eq!(lens.iter().sum::<usize>(), n_rows);
    }
    // 100 rows in 8 chunks: MPIRE's recurrence over 12.5 rows per chunk.
    let pool = WorkerPool::new(2);
    let arr = Array1::<u8>::zeros(100);
    let lens = arr.mpire_rows(&pool).map_values(|rows| rows.len());
    assert_eq!(lens, [13, 12, 13, 12, 13, 12, 13, 12]);
    // Fewer rows than chunks: one row per chunk.
    let arr = Array1::<u8>::zeros(5);
    assert_eq!(arr.mpire_rows(&pool).map_values(|rows| rows.len()), [1; 5]);
}

#[test]
fn fractional_chunk_size_follows_mpire() {
    let pool = WorkerPool::new(2);
    let arr = Array1::from_iter(0..10);
    let lens = arr
        .mpire_rows(&pool)
        .chunk_size(2.5)
        .map_values(|rows| rows.len());
    assert_eq!(lens, [3, 2, 3, 2]);
}

#[test]
fn worker_state_and_hooks_are_counted() {
    let pool = WorkerPool::new(2);
    let arr = Array2::<u32>::ones((20, 3));
    let inits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = arr
        .mpire_rows(&pool)
        .chunk_size(2)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            (0usize, 0usize)
        })
        .worker_exit(|_, counts| counts)
        .map_with_state(|(chunks, rows_seen), rows| {
            *chunks += 1;
            *rows_seen += rows.nrows();
            &rows * 2
        });
    assert_eq!(run.output(), &(&arr * 2));
    let exits = run.exit_results();
    let n_inits = inits.load(Ordering::Relaxed);
    assert!((1..=2).contains(&n_inits), "{n_inits} inits");
    assert_eq!(exits.len(), n_inits);
    assert_eq!(exits.iter().map(|e| e.0).sum::<usize>(), 10);
    assert_eq!(exits.iter().map(|e| e.1).sum::<usize>(), 20);
}

#[test]
fn worker_lifespan_counts_chunks() {
    let pool = WorkerPool::new(2);
    let arr = Array1::<u32>::ones(12);
    let inits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = inits.clone();
    let run = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .worker_lifespan(1)
        .worker_init(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            0usize
        })
        .worker_exit(|_, rows_seen| rows_seen)
        .map_values_with_state(|rows_seen, rows| *rows_seen += rows.len());
    assert_eq!(run.results().len(), 4);
    assert_eq!(inits.load(Ordering::Relaxed), 4);
    assert_eq!(run.exit_results(), [3, 3, 3, 3]);
}

#[test]
fn stateless_map_leaves_exit_results_on_the_pool() {
    let pool = WorkerPool::new(2);
    let arr = Array1::<u32>::ones(8);
    let out = arr
        .mpire_rows(&pool)
        .chunk_size(1)
        .worker_init(|_| ())
        .worker_exit(|w, ()| w.id())
        .map(|rows| &rows + 1);
    assert_eq!(out, Array1::from_elem(8, 2));
    let exits: Vec<usize> = pool.exit_results().unwrap();
    assert!((1..=2).contains(&exits.len()));
    assert!(exits.iter().all(|&id| id < 2));
}

#[test]
fn in_place_add_five_matches() {
    let pool = WorkerPool::new(4);
    let arr = ten_by_three();
    let mut target = ten_by_three();
    target
        .mpire_rows_mut(&pool)
        .chunk_size(3)
        .for_each(|mut rows| rows += 5.0);
    assert_eq!(target, &arr + 5.0);

    // In place on a transposed mutable view: the base's columns change.
    let mut base = Array2::from_shape_fn((3, 10), |(i, j)| (j * 3 + i) as f64);
    let mut view = base.view_mut().reversed_axes();
    view.mpire_rows_mut(&pool)
        .n_splits(3)
        .for_each(|mut rows| rows += 5.0);
    assert_eq!(
        base,
        Array2::from_shape_fn((3, 10), |(i, j)| (j * 3 + i) as f64 + 5.0)
    );

    // The tasks wrote into the array's own memory.
    let start = target.as_ptr() as usize;
    let seen = Mutex::new(Vec::new());
    target
        .mpire_rows_mut(&pool)
        .chunk_size(4)
        .for_each(|rows| seen.lock().push(rows.as_ptr() as usize - start));
    let mut seen = seen.into_inner();
    seen.sort();
    let f64_size = std::mem::size_of::<f64>();
    assert_eq!(seen, [0, 12 * f64_size, 24 * f64_size]);
}

#[test]
fn in_place_with_state_returns_exit_results() {
    let pool = WorkerPool::new(2);
    let mut arr = Array2::<i64>::zeros((9, 2));
    let exits = arr
        .mpire_rows_mut(&pool)
        .chunk_size(2)
        .worker_init(|_| 0usize)
        .worker_exit(|_, chunks| chunks)
        .for_each_with_state(|chunks, mut rows| {
            *chunks += 1;
            rows.fill(7);
        });
    assert_eq!(arr, Array2::from_elem((9, 2), 7));
    assert_eq!(exits.iter().sum::<usize>(), 5);
}

#[test]
fn a_panic_in_one_chunk_reaches_the_caller_with_the_chunk_index() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let task = |rows: ndarray::ArrayView2<'_, f64>| {
        if rows[[0, 0]] == 0.9 {
            panic!("bad rows");
        }
        &rows + 5.0
    };

    let err = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .try_map(task)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskPanicked);
    assert_eq!(err.task_index(), Some(1));
    assert_eq!(err.panic_message(), Some("bad rows"));

    let payload = catch_unwind(AssertUnwindSafe(|| {
        arr.mpire_rows(&pool).chunk_size(3).map(task);
    }))
    .unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("task 1 panicked on worker "),
        "{message}"
    );
    assert!(message.ends_with(": bad rows"), "{message}");

    let mut target = ten_by_three();
    let err = target
        .mpire_rows_mut(&pool)
        .chunk_size(4)
        .try_for_each(|rows| assert!(rows[[0, 0]] != 2.4, "third chunk"))
        .unwrap_err();
    assert_eq!(err.task_index(), Some(2));

    let mut lazy = ten_by_three()
        .into_mpire_rows(&pool)
        .chunk_size(3)
        .imap(task);
    assert_eq!(
        lazy.try_next().unwrap().unwrap(),
        &arr.slice(s![..3, ..]) + 5.0
    );
    assert_eq!(lazy.try_next().unwrap().unwrap_err().task_index(), Some(1));

    // The pool is still usable.
    let out = arr.mpire_rows(&pool).chunk_size(3).map(|rows| &rows + 5.0);
    assert_eq!(out, &arr + 5.0);
}

#[test]
fn mismatched_trailing_shapes_give_a_clear_error() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let err = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .try_map(|rows| {
            let width = if rows[[0, 0]] == 1.8 { 4 } else { 3 };
            Array2::<f64>::zeros((rows.nrows(), width))
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Concatenate);
    assert_eq!(
        err.to_string(),
        "cannot concatenate the chunk outputs along axis 0: chunk 2 returned shape [3, 4], \
         chunk 0 returned shape [3, 3]; all but the first axis must match"
    );

    // Different numbers of rows per chunk are fine.
    let firsts = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .map(|rows| rows.slice(s![..1, ..]).to_owned());
    assert_eq!(firsts, arr.select(Axis(0), &[0, 3, 6, 9]));

    // A dynamic-dimension output of a different rank, and a 0-dimensional one.
    let err = arr
        .mpire_rows(&pool)
        .chunk_size(5)
        .try_map(|rows| {
            if rows[[0, 0]] == 0.0 {
                rows.to_owned().into_dyn()
            } else {
                Array::zeros(IxDyn(&[5]))
            }
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("chunk 1 returned shape [5], chunk 0 returned shape [5, 3]")
    );
    let err = arr
        .mpire_rows(&pool)
        .try_map(|_| Array::<f64, _>::zeros(IxDyn(&[])))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Concatenate);
    assert!(
        err.to_string()
            .contains("chunk 0 returned a 0-dimensional array"),
        "{err}"
    );
}

#[test]
fn unordered_and_lazy_forms_give_one_result_per_chunk() {
    let pool = WorkerPool::new(3);
    let arr = ten_by_three();

    let mut unordered = arr
        .mpire_rows(&pool)
        .chunk_size(3)
        .map_unordered(|rows| rows.nrows());
    unordered.sort();
    assert_eq!(unordered, [1, 3, 3, 3]);

    let chunks: Vec<Array2<f64>> = ten_by_three()
        .into_mpire_rows(&pool)
        .chunk_size(3)
        .imap(|rows| &rows + 5.0)
        .collect();
    assert_eq!(chunks.len(), 4);
    assert_eq!(
        ndarray::concatenate(
            Axis(0),
            &chunks.iter().map(|c| c.view()).collect::<Vec<_>>()
        )
        .unwrap(),
        &arr + 5.0
    );

    let mut firsts: Vec<f64> = ten_by_three()
        .into_mpire_rows(&pool)
        .chunk_size(3)
        .imap_unordered(|rows| rows[[0, 0]])
        .collect();
    firsts.sort_by(f64::total_cmp);
    assert_eq!(firsts, [0.0, 0.9, 1.8, 2.7]);

    let one_worker = WorkerPool::new(1);
    let in_order = arr
        .mpire_rows(&one_worker)
        .chunk_size(3)
        .map_unordered(|rows| rows[[0, 0]]);
    assert_eq!(in_order, [0.0, 0.9, 1.8, 2.7]);
}

#[test]
fn bad_options_are_reported() {
    let pool = WorkerPool::new(2);
    let arr = ten_by_three();
    let err = arr
        .mpire_rows(&pool)
        .chunk_size(0)
        .try_map(|r| r.to_owned())
        .unwrap_err();
    assert_eq!(err.to_string(), "chunk_size must be at least 1, got 0");
    let err = arr
        .mpire_rows(&pool)
        .n_splits(0)
        .try_map_values(|r| r.len())
        .unwrap_err();
    assert_eq!(err.option(), Some("n_splits"));

    let mut lazy = ten_by_three()
        .into_mpire_rows(&pool)
        .chunk_size(0.5)
        .imap(|r| r.len());
    let err = lazy.try_next().unwrap().unwrap_err();
    assert_eq!(err.option(), Some("chunk_size"));
    assert!(lazy.try_next().is_none());
}

#[test]
#[should_panic(expected = "0-dimensional array has no rows")]
fn a_zero_dimensional_array_has_no_rows() {
    let pool = WorkerPool::new(1);
    let scalar = ArrayD::<f64>::zeros(IxDyn(&[]));
    let _ = scalar.mpire_rows(&pool);
}

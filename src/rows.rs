//! ndarray rows, numpy-style: `.mpire_rows(&pool)` (feature `ndarray`).
//!
//! MPIRE cuts a numpy array into blocks of rows rather than into single rows,
//! and hands each task one block. This module does the same for ndarray
//! arrays and views of any dimension: the rows (axis 0) are cut by the chunk
//! plan every other input uses (`chunk_size`, `n_splits`, `iterable_len`),
//! and each task gets an [`ArrayView`] of its rows, never a copy. Without
//! `chunk_size` or `n_splits` an array is cut into `4 * n_jobs` chunks,
//! MPIRE's own rule for arrays (other inputs get `64 * n_jobs`).
//!
//! # One task per chunk
//!
//! A task here is a chunk of rows, so everything that counts tasks counts
//! chunks: [`worker_lifespan`](Rows::worker_lifespan) restarts a worker's
//! state after that many chunks, and a panic is reported with the chunk's
//! index as [`Error::task_index`]. Worker state, `worker_init`, `worker_exit`
//! and exit results behave exactly as in [`Mpire`], which runs the chunks.
//!
//! # How MPIRE's single `map` maps to Rust
//!
//! MPIRE's `map` looks at what the function returned: numpy arrays are
//! concatenated along axis 0 (unless `concatenate_numpy_output=False`),
//! anything else comes back as a list. Rust picks the output type at compile
//! time, so the choice is made by the method:
//!
//! * [`map`](Rows::map) takes a task that returns an
//!   [`Array`](ndarray::Array) and concatenates the arrays along axis 0;
//! * after [`concatenate_numpy_output::<false>()`](Rows::concatenate_numpy_output),
//!   the same `map` returns one array per chunk;
//! * [`map_values`](Rows::map_values) takes a task that returns any owned
//!   value (a scalar, a tuple, a summary) and returns one value per chunk.
//!
//! [`map_unordered`](Rows::map_unordered), [`imap`](Rows::imap) and
//! [`imap_unordered`](Rows::imap_unordered) give one result per chunk, as
//! MPIRE's do.
//!
//! The lazy forms run in the background while the caller iterates, so they
//! need data that does not borrow from the caller:
//! [`into_mpire_rows`](MpireRows::into_mpire_rows) moves an owned array into
//! shared ownership (no copy of its elements).
//!
//! Rows can also be changed in place: [`MpireRowsMut::mpire_rows_mut`] hands
//! each task an [`ArrayViewMut`](ndarray::ArrayViewMut) of its rows; nothing
//! is copied or collected.
//!
//! The builder and its planning live here; the map functions are split by
//! output: `chunks` (one value per chunk), `concat` (`map`), `lazy` (`imap`),
//! `inplace` (`mpire_rows_mut`), and `hooks` carries `worker_init` and
//! `worker_exit` to the chunk runner.

use std::fmt;

use ndarray::{ArcArray, ArrayBase, ArrayView, Axis, Data, Dimension, Slice};

use crate::error::Error;
use crate::map::{Mpire, ParallelMpire};
use crate::options::{Options, option_setters};
use crate::plan::ChunkPlan;
use crate::pool::WorkerPool;
use crate::runtime::{NoExit, NoInit, Worker, WorkerInit};

use self::hooks::{AttachExit, AttachInit};

mod chunks;
mod concat;
mod hooks;
mod inplace;
mod lazy;

pub use self::concat::RowsRun;
pub use self::inplace::{MpireRowsMut, RowsMut};

/// The default number of chunks per worker for arrays: MPIRE's rule.
const CHUNKS_PER_WORKER: usize = 4;

/// The map family over the rows of an ndarray array or view.
///
/// Implemented for every [`ArrayBase`] whose data can be read:
/// [`Array`](ndarray::Array), [`ArcArray`], [`ArrayView`] and the rest, of any
/// dimension but zero.
pub trait MpireRows {
    /// The element type.
    type Elem;
    /// The dimension type.
    type Dim: Dimension;

    /// The options builder of MPIRE's map family over the rows (axis 0),
    /// borrowing the array.
    ///
    /// # Panics
    ///
    /// If the array is 0-dimensional: it has no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::{Array2, array};
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    /// let out: Array2<f64> = arr.mpire_rows(&pool).chunk_size(2).map(|rows| &rows * 2.0);
    /// assert_eq!(out, &arr * 2.0);
    /// ```
    #[track_caller]
    fn mpire_rows<'p>(&self, pool: &'p WorkerPool) -> Rows<'_, 'p, Self::Elem, Self::Dim>;

    /// The options builder over the rows of an owned array, moved into shared
    /// ownership so that the lazy forms ([`imap`](Rows::imap),
    /// [`imap_unordered`](Rows::imap_unordered)) can run in the background.
    ///
    /// An [`Array`](ndarray::Array) becomes an [`ArcArray`] without copying
    /// its elements.
    ///
    /// # Panics
    ///
    /// If the array is 0-dimensional: it has no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array2;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array2::from_shape_fn((6, 2), |(i, j)| (i * 2 + j) as u32);
    /// let sums: Vec<u32> = arr
    ///     .into_mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .imap(|rows| rows.sum())
    ///     .collect();
    /// assert_eq!(sums, [6, 22, 38]);
    /// ```
    #[track_caller]
    fn into_mpire_rows(self, pool: &WorkerPool) -> Rows<'static, '_, Self::Elem, Self::Dim>
    where
        Self: Into<ArcArray<Self::Elem, Self::Dim>> + Sized,
        Self::Elem: 'static;
}

impl<A, S, D> MpireRows for ArrayBase<S, D>
where
    S: Data<Elem = A>,
    D: Dimension,
{
    type Elem = A;
    type Dim = D;

    #[track_caller]
    fn mpire_rows<'p>(&self, pool: &'p WorkerPool) -> Rows<'_, 'p, A, D> {
        Rows::new(Source::Borrowed(self.view()), pool)
    }

    #[track_caller]
    fn into_mpire_rows(self, pool: &WorkerPool) -> Rows<'static, '_, A, D>
    where
        Self: Into<ArcArray<A, D>>,
        A: 'static,
    {
        Rows::new(Source::Shared(self.into()), pool)
    }
}

/// Where the rows come from: a borrowed view, or an array in shared ownership
/// for the lazy forms.
enum Source<'a, A, D> {
    Borrowed(ArrayView<'a, A, D>),
    Shared(ArcArray<A, D>),
}

impl<A, D: Dimension> Source<'_, A, D> {
    fn view(&self) -> ArrayView<'_, A, D> {
        match self {
            Source::Borrowed(view) => view.view(),
            Source::Shared(array) => array.view(),
        }
    }
}

/// The rows of each chunk of a plan, for the tasks to look up.
struct ChunkRows<'a, A, D> {
    source: Source<'a, A, D>,
    plan: ChunkPlan,
}

impl<A, D: Dimension> ChunkRows<'_, A, D> {
    /// The view of chunk `k`'s rows.
    fn get(&self, k: usize) -> ArrayView<'_, A, D> {
        let rows = Slice::from(self.plan.start(k)..self.plan.start(k + 1));
        self.source.view().slice_axis_move(Axis(0), rows)
    }
}

/// The checked options of a map over rows: its plan and the options the
/// chunk runner gets.
struct RowPlan {
    plan: ChunkPlan,
    lifespan: Option<usize>,
    runner_options: Options,
}

fn plan_rows(options: &Options, n_rows: usize, n_jobs: usize) -> Result<RowPlan, Error> {
    let checked = options.validate()?;
    let n_tasks = match checked.iterable_len {
        Some(n) if n > n_rows => return Err(Error::iterable_len_mismatch(n, n_rows)),
        Some(n) => n,
        None => n_rows,
    };
    let plan = checked.plan(n_tasks, CHUNKS_PER_WORKER * n_jobs)?;
    // The runner's tasks are whole chunks: insights name them by chunk index,
    // and a progress bar counts the rows they hold.
    let runner_options = Options {
        enable_insights: options.enable_insights,
        #[cfg(feature = "progress")]
        progress: crate::progress::ProgressOptions {
            rows: Some(std::sync::Arc::new(plan.clone())),
            ..options.progress.clone()
        },
        ..Options::default()
    };
    Ok(RowPlan {
        plan,
        lifespan: checked.worker_lifespan,
        runner_options,
    })
}

/// The chunk runner: one task per chunk, through the indexed map machinery,
/// so that state, hooks, panics and the lazy forms behave as everywhere.
fn chunk_runner<'p, T, Init, Exit>(
    items: T,
    pool: &'p WorkerPool,
    lifespan: Option<usize>,
    runner_options: Options,
    init: Init,
    exit: Exit,
) -> Mpire<'p, T::Iter, Init, Exit>
where
    T: ParallelMpire,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    let mut runner = items.mpire(pool);
    *runner.options_mut() = runner_options;
    let mut runner = runner.chunk_size(1);
    if let Some(n) = lifespan {
        runner = runner.worker_lifespan(n);
    }
    exit.attach(init.attach(runner))
}

#[track_caller]
fn assert_has_rows(ndim: usize) {
    assert!(
        ndim > 0,
        "mpire_rows needs an array with at least one axis; a 0-dimensional array has no rows"
    );
}

/// The options builder of MPIRE's map family over the rows of an array.
///
/// Made by [`MpireRows::mpire_rows`] and [`MpireRows::into_mpire_rows`]. The
/// type parameters `Init` and `Exit` are the worker hooks; `CONCATENATE` is
/// the [`concatenate_numpy_output`](Self::concatenate_numpy_output) switch.
///
/// # Examples
///
/// MPIRE's 10 x 3 example with a chunk size of 3: chunks of 3, 3, 3 and 1
/// rows.
///
/// ```
/// use mpire::prelude::*;
/// use ndarray::{Array2, Ix2};
///
/// let pool = WorkerPool::new(4);
/// let arr = Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64);
/// let shapes = arr.mpire_rows(&pool).chunk_size(3).map_values(|rows| rows.dim());
/// assert_eq!(shapes, [(3, 3), (3, 3), (3, 3), (1, 3)]);
///
/// let out: Array2<f64> = arr.mpire_rows(&pool).chunk_size(3).map(|rows| &rows + 5.0);
/// assert_eq!(out, &arr + 5.0);
/// ```
#[must_use = "a map builder does nothing until one of its map functions is called"]
pub struct Rows<'a, 'p, A, D, Init = NoInit, Exit = NoExit, const CONCATENATE: bool = true> {
    source: Source<'a, A, D>,
    pool: &'p WorkerPool,
    options: Options,
    init: Init,
    exit: Exit,
}

impl<A, D: Dimension, Init, Exit, const CONCATENATE: bool> fmt::Debug
    for Rows<'_, '_, A, D, Init, Exit, CONCATENATE>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rows")
            .field("shape", &self.source.view().shape())
            .field("pool", self.pool)
            .field("options", &self.options)
            .field("concatenate_numpy_output", &CONCATENATE)
            .finish_non_exhaustive()
    }
}

impl<'a, 'p, A, D: Dimension> Rows<'a, 'p, A, D> {
    #[track_caller]
    fn new(source: Source<'a, A, D>, pool: &'p WorkerPool) -> Self {
        assert_has_rows(source.view().ndim());
        Rows {
            source,
            pool,
            options: Options::default(),
            init: NoInit,
            exit: NoExit,
        }
    }
}

impl<'a, 'p, A, D, Init, Exit, const CONCATENATE: bool> Rows<'a, 'p, A, D, Init, Exit, CONCATENATE>
where
    D: Dimension,
{
    option_setters!();

    /// Records where the time went, as [`Mpire::enable_insights`] does. Off
    /// by default. The tasks here are whole chunks: the slowest are named by
    /// their chunk index. The report is read from
    /// [`WorkerPool::insights`].
    pub fn enable_insights(mut self, enable_insights: bool) -> Self {
        self.options.enable_insights = enable_insights;
        self
    }

    /// Builds each worker's state, once per worker, lazily before the
    /// worker's first chunk. Not set by default (the state is `()`).
    ///
    /// As [`Mpire::worker_init`]; the `_with_state` map functions hand the
    /// state to the task as `&mut`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..100u64);
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(10)
    ///     .worker_init(|_| 0u64)
    ///     .worker_exit(|_, total| total)
    ///     .map_values_with_state(|total, rows| *total += rows.sum());
    /// assert_eq!(run.exit_results().iter().sum::<u64>(), 4950);
    /// ```
    pub fn worker_init<G, S>(self, init: G) -> Rows<'a, 'p, A, D, G, Exit, CONCATENATE>
    where
        G: Fn(&Worker) -> S + Send + Sync + 'static,
        S: Send + 'static,
    {
        Rows {
            source: self.source,
            pool: self.pool,
            options: self.options,
            init,
            exit: self.exit,
        }
    }

    /// Consumes each worker's state at the end of its life and returns an
    /// exit result. Not set by default (the state is dropped).
    ///
    /// As [`Mpire::worker_exit`]: it runs once per incarnation that ran
    /// `worker_init`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10u32);
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(1)
    ///     .worker_init(|_| 0usize)
    ///     .worker_exit(|_, chunks| chunks)
    ///     .map_values_with_state(|chunks, _rows| *chunks += 1);
    /// assert_eq!(run.exit_results().iter().sum::<usize>(), 10);
    /// ```
    pub fn worker_exit<X, E>(self, exit: X) -> Rows<'a, 'p, A, D, Init, X, CONCATENATE>
    where
        Init: WorkerInit,
        X: Fn(&Worker, Init::State) -> E + Send + Sync + 'static,
        E: Send + 'static,
    {
        Rows {
            source: self.source,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit,
        }
    }

    /// Whether [`map`](Self::map) concatenates the chunks' arrays along axis 0
    /// (`true`, the default) or returns one array per chunk (`false`).
    ///
    /// MPIRE's `concatenate_numpy_output`. The switch is a const generic
    /// because it changes the type `map` returns: write
    /// `.concatenate_numpy_output::<false>()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::{Array2, array};
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = array![[1, 2], [3, 4], [5, 6]];
    /// let chunks: Vec<Array2<i32>> = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .concatenate_numpy_output::<false>()
    ///     .map(|rows| rows.to_owned());
    /// assert_eq!(chunks, [array![[1, 2], [3, 4]], array![[5, 6]]]);
    /// ```
    pub fn concatenate_numpy_output<const SWITCH: bool>(
        self,
    ) -> Rows<'a, 'p, A, D, Init, Exit, SWITCH> {
        Rows {
            source: self.source,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit: self.exit,
        }
    }
}

/// The pieces of a map over rows that is ready to run.
struct Prepared<'a, 'p, A, D, Init, Exit> {
    runner: Mpire<'p, rayon::range::Iter<usize>, Init, Exit>,
    rows: ChunkRows<'a, A, D>,
    input_shape: Vec<usize>,
}

impl<'a, 'p, A, D, Init, Exit, const CONCATENATE: bool> Rows<'a, 'p, A, D, Init, Exit, CONCATENATE>
where
    A: Send + Sync,
    D: Dimension,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    fn prepare(self) -> Result<Prepared<'a, 'p, A, D, Init, Exit>, Error> {
        let input_shape = self.source.view().shape().to_vec();
        let RowPlan {
            plan,
            lifespan,
            runner_options,
        } = plan_rows(&self.options, input_shape[0], self.pool.n_jobs())?;
        let runner = chunk_runner(
            0..plan.n_chunks(),
            self.pool,
            lifespan,
            runner_options,
            self.init,
            self.exit,
        );
        Ok(Prepared {
            runner,
            rows: ChunkRows {
                source: self.source,
                plan,
            },
            input_shape,
        })
    }
}

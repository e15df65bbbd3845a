//! In-place processing: `.mpire_rows_mut(&pool)` hands each task a mutable
//! view of its chunk's rows.

use std::fmt;

use ndarray::{ArrayBase, ArrayViewMut, Axis, DataMut, Dimension};

use super::hooks::{AttachExit, AttachInit};
use super::{RowPlan, assert_has_rows, chunk_runner, plan_rows};
use crate::error::Error;
use crate::map::{Mpire, unwrap_or_panic};
use crate::options::{Options, option_setters};
use crate::plan::ChunkPlan;
use crate::pool::WorkerPool;
use crate::runtime::{NoExit, NoInit, Worker, WorkerInit};

/// In-place processing of the rows of a mutable array or view.
///
/// Implemented for every [`ArrayBase`] whose data can be written:
/// [`Array`](ndarray::Array), [`ArrayViewMut`], and
/// [`ArcArray`](ndarray::ArcArray) (which is made unique first, as any write
/// to it is).
pub trait MpireRowsMut {
    /// The element type.
    type Elem;
    /// The dimension type.
    type Dim: Dimension;

    /// The options builder for changing the rows (axis 0) in place: each task
    /// gets an [`ArrayViewMut`] of its chunk's rows.
    ///
    /// # Panics
    ///
    /// If the array is 0-dimensional: it has no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::array;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = array![[1, 2], [3, 4], [5, 6]];
    /// arr.mpire_rows_mut(&pool).chunk_size(2).for_each(|mut rows| rows += 5);
    /// assert_eq!(arr, array![[6, 7], [8, 9], [10, 11]]);
    /// ```
    #[track_caller]
    fn mpire_rows_mut<'p>(
        &mut self,
        pool: &'p WorkerPool,
    ) -> RowsMut<'_, 'p, Self::Elem, Self::Dim>;
}

impl<A, S, D> MpireRowsMut for ArrayBase<S, D>
where
    S: DataMut<Elem = A>,
    D: Dimension,
{
    type Elem = A;
    type Dim = D;

    #[track_caller]
    fn mpire_rows_mut<'p>(&mut self, pool: &'p WorkerPool) -> RowsMut<'_, 'p, A, D> {
        assert_has_rows(self.ndim());
        RowsMut {
            view: self.view_mut(),
            pool,
            options: Options::default(),
            init: NoInit,
            exit: NoExit,
        }
    }
}

/// The options builder for changing the rows of an array in place.
///
/// Made by [`MpireRowsMut::mpire_rows_mut`]. The rows are cut as in [`Rows`](super::Rows);
/// with `iterable_len`, the rows past it are left alone.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
/// use ndarray::Array2;
///
/// let pool = WorkerPool::new(2);
/// let mut arr = Array2::<f64>::zeros((10, 3));
/// arr.mpire_rows_mut(&pool).iterable_len(4).for_each(|mut rows| rows.fill(1.0));
/// assert_eq!(arr.sum(), 12.0);
/// ```
#[must_use = "a map builder does nothing until for_each is called"]
pub struct RowsMut<'a, 'p, A, D, Init = NoInit, Exit = NoExit> {
    view: ArrayViewMut<'a, A, D>,
    pool: &'p WorkerPool,
    options: Options,
    init: Init,
    exit: Exit,
}

impl<A, D: Dimension, Init, Exit> fmt::Debug for RowsMut<'_, '_, A, D, Init, Exit> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowsMut")
            .field("shape", &self.view.shape())
            .field("pool", self.pool)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a, 'p, A, D: Dimension, Init, Exit> RowsMut<'a, 'p, A, D, Init, Exit> {
    option_setters!();

    /// Records where the time went, as [`Mpire::enable_insights`] does. Off
    /// by default. The tasks here are whole chunks: the slowest are named by
    /// their chunk index. The report is read from [`WorkerPool::insights`].
    pub fn enable_insights(mut self, enable_insights: bool) -> Self {
        self.options.enable_insights = enable_insights;
        self
    }

    /// Builds each worker's state, once per worker, lazily before the
    /// worker's first chunk. Not set by default (the state is `()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array1::<usize>::zeros(6);
    /// arr.mpire_rows_mut(&pool)
    ///     .chunk_size(2)
    ///     .worker_init(|w| w.id() + 1)
    ///     .for_each_with_state(|id, mut rows| rows.fill(*id));
    /// assert!(arr.iter().all(|&id| id == 1 || id == 2));
    /// ```
    pub fn worker_init<G, S>(self, init: G) -> RowsMut<'a, 'p, A, D, G, Exit>
    where
        G: Fn(&Worker) -> S + Send + Sync + 'static,
        S: Send + 'static,
    {
        RowsMut {
            view: self.view,
            pool: self.pool,
            options: self.options,
            init,
            exit: self.exit,
        }
    }

    /// Consumes each worker's state at the end of its life and returns an
    /// exit result. Not set by default (the state is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array1::from_iter(0..10);
    /// let exits = arr
    ///     .mpire_rows_mut(&pool)
    ///     .worker_init(|_| 0)
    ///     .worker_exit(|_, rows| rows)
    ///     .for_each_with_state(|rows_seen, rows| *rows_seen += rows.len());
    /// assert_eq!(exits.iter().sum::<usize>(), 10);
    /// ```
    pub fn worker_exit<X, E>(self, exit: X) -> RowsMut<'a, 'p, A, D, Init, X>
    where
        Init: WorkerInit,
        X: Fn(&Worker, Init::State) -> E + Send + Sync + 'static,
        E: Send + 'static,
    {
        RowsMut {
            view: self.view,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit,
        }
    }
}

impl<'a, 'p, A, D, Init, Exit> RowsMut<'a, 'p, A, D, Init, Exit>
where
    A: Send,
    D: Dimension,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    /// The runner over the chunks' views, cut by the plan.
    fn prepare(self) -> Result<MutRunner<'a, 'p, A, D, Init, Exit>, Error> {
        let n_rows = self.view.len_of(Axis(0));
        let RowPlan {
            plan,
            lifespan,
            runner_options,
        } = plan_rows(&self.options, n_rows, self.pool.n_jobs())?;
        let mut views = Vec::with_capacity(plan.n_chunks());
        let mut rest = self.view;
        for k in 0..plan.n_chunks() {
            let (chunk, tail) = rest.split_at(Axis(0), chunk_len(&plan, k));
            views.push(chunk);
            rest = tail;
        }
        Ok(chunk_runner(
            views,
            self.pool,
            lifespan,
            runner_options,
            self.init,
            self.exit,
        ))
    }

    /// Applies `f` to a mutable view of the rows of every chunk, in place.
    ///
    /// Nothing is copied and nothing is collected.
    ///
    /// # Panics
    ///
    /// When a task or hook panics (with the chunk index as the task index),
    /// or when an option is invalid.
    /// [`try_for_each`](Self::try_for_each) returns these as an [`Error`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array2;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as f64);
    /// let expected = &arr + 5.0;
    /// arr.mpire_rows_mut(&pool).chunk_size(3).for_each(|mut rows| rows += 5.0);
    /// assert_eq!(arr, expected);
    /// ```
    #[track_caller]
    pub fn for_each<F>(self, f: F)
    where
        F: for<'v> Fn(ArrayViewMut<'v, A, D>) + Sync + Send,
    {
        unwrap_or_panic(self.try_for_each(f));
    }

    /// Like [`for_each`](Self::for_each), returning failures as an
    /// [`Error`]. Chunks that ran before a failure keep their changes.
    ///
    /// # Errors
    ///
    /// An invalid option, an `iterable_len` larger than the number of rows,
    /// or a panic in a task or hook.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array1::from_iter(0..10);
    /// let err = arr
    ///     .mpire_rows_mut(&pool)
    ///     .chunk_size(4)
    ///     .try_for_each(|rows| assert!(rows[0] != 8, "last chunk"))
    ///     .unwrap_err();
    /// assert_eq!(err.task_index(), Some(2));
    /// assert_eq!(err.panic_message(), Some("last chunk"));
    /// ```
    pub fn try_for_each<F>(self, f: F) -> Result<(), Error>
    where
        F: for<'v> Fn(ArrayViewMut<'v, A, D>) + Sync + Send,
    {
        self.prepare()?.try_map(&f).map(drop)
    }

    /// [`for_each`](Self::for_each) with the worker's state handed to the
    /// task as `&mut`; returns the exit results.
    ///
    /// # Panics
    ///
    /// As [`for_each`](Self::for_each).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array1::<u32>::zeros(8);
    /// let exits = arr
    ///     .mpire_rows_mut(&pool)
    ///     .chunk_size(2)
    ///     .worker_init(|_| 7u32)
    ///     .worker_exit(|_, seven| seven)
    ///     .for_each_with_state(|seven, mut rows| rows.fill(*seven));
    /// assert_eq!(arr.sum(), 56);
    /// assert!(exits.iter().all(|&s| s == 7));
    /// ```
    #[track_caller]
    pub fn for_each_with_state<F>(self, f: F) -> Vec<Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayViewMut<'v, A, D>) + Sync + Send,
    {
        unwrap_or_panic(self.try_for_each_with_state(f))
    }

    /// Like [`for_each_with_state`](Self::for_each_with_state), returning
    /// failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_for_each`](Self::try_for_each).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut arr = Array1::<u32>::zeros(8);
    /// let err = arr
    ///     .mpire_rows_mut(&pool)
    ///     .n_splits(0)
    ///     .worker_init(|_| ())
    ///     .try_for_each_with_state(|(), mut rows| rows.fill(1))
    ///     .unwrap_err();
    /// assert_eq!(err.option(), Some("n_splits"));
    /// assert_eq!(arr.sum(), 0);
    /// ```
    pub fn try_for_each_with_state<F>(self, f: F) -> Result<Vec<Exit::Output>, Error>
    where
        F: for<'v> Fn(&mut Init::State, ArrayViewMut<'v, A, D>) + Sync + Send,
    {
        let run = self.prepare()?.try_map_with_state(&f)?;
        Ok(run.into_parts().1)
    }
}

/// The number of rows in chunk `k` of `plan`.
fn chunk_len(plan: &ChunkPlan, k: usize) -> usize {
    plan.start(k + 1) - plan.start(k)
}

/// The chunk runner of an in-place map: one mutable view per chunk.
type MutRunner<'a, 'p, A, D, Init, Exit> =
    Mpire<'p, rayon::vec::IntoIter<ArrayViewMut<'a, A, D>>, Init, Exit>;

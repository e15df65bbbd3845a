//! The eager forms that give one result per chunk: `map_values` and
//! `map_unordered`, with their `try_` and `_with_state` variants.

use ndarray::{ArrayView, Dimension};

use super::hooks::{AttachExit, AttachInit};
use super::{Prepared, Rows};
use crate::error::Error;
use crate::map::{Run, unwrap_or_panic};

impl<'a, 'p, A, D, Init, Exit, const CONCATENATE: bool> Rows<'a, 'p, A, D, Init, Exit, CONCATENATE>
where
    A: Send + Sync,
    D: Dimension,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    /// Applies `f` to the rows of every chunk and returns its values, one per
    /// chunk, in input order.
    ///
    /// For tasks that return something other than an
    /// [`Array`](ndarray::Array) (a scalar, a tuple, a small summary);
    /// MPIRE's `map` returns the same list.
    ///
    /// # Panics
    ///
    /// When a task or hook panics (with the chunk index as the task index),
    /// or when an option is invalid.
    /// [`try_map_values`](Self::try_map_values) returns these as an [`Error`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array2;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array2::<f64>::ones((10, 3));
    /// let sums = arr.mpire_rows(&pool).n_splits(2).map_values(|rows| rows.sum());
    /// assert_eq!(sums, [15.0, 15.0]);
    /// ```
    #[track_caller]
    pub fn map_values<F, R>(self, f: F) -> Vec<R>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_values(f))
    }

    /// Like [`map_values`](Self::map_values), returning failures as an
    /// [`Error`].
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
    /// let arr = Array1::from_iter(0..10);
    /// let err = arr.mpire_rows(&pool).iterable_len(11).try_map_values(|rows| rows.len());
    /// assert_eq!(err.unwrap_err().kind(), mpire::ErrorKind::IterableLenMismatch);
    /// ```
    pub fn try_map_values<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        let Prepared { runner, rows, .. } = self.prepare()?;
        runner.try_map(|k| f(rows.get(k)))
    }

    /// [`map_values`](Self::map_values) with the worker's state handed to the
    /// task as `&mut`; returns the values and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map_values`](Self::map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..8);
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(4)
    ///     .worker_init(|_| 100)
    ///     .map_values_with_state(|offset, rows| *offset + rows.sum());
    /// assert_eq!(run.results(), [106, 122]);
    /// ```
    #[track_caller]
    pub fn map_values_with_state<F, R>(self, f: F) -> Run<R, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_values_with_state(f))
    }

    /// Like [`map_values_with_state`](Self::map_values_with_state),
    /// returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..8);
    /// let err = arr
    ///     .mpire_rows(&pool)
    ///     .worker_init(|_| ())
    ///     .worker_lifespan(0)
    ///     .try_map_values_with_state(|_, rows| rows.len())
    ///     .unwrap_err();
    /// assert_eq!(err.option(), Some("worker_lifespan"));
    /// ```
    pub fn try_map_values_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        let Prepared { runner, rows, .. } = self.prepare()?;
        runner.try_map_with_state(|state, k| f(state, rows.get(k)))
    }

    /// Applies `f` to the rows of every chunk and returns its values, one per
    /// chunk, in the order the chunks completed.
    ///
    /// MPIRE's `map_unordered`: nothing is concatenated, even for arrays.
    /// With one worker the order is the input's.
    ///
    /// # Panics
    ///
    /// As [`map_values`](Self::map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..100);
    /// let mut firsts = arr.mpire_rows(&pool).chunk_size(25).map_unordered(|rows| rows[0]);
    /// firsts.sort();
    /// assert_eq!(firsts, [0, 25, 50, 75]);
    /// ```
    #[track_caller]
    pub fn map_unordered<F, R>(self, f: F) -> Vec<R>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_unordered(f))
    }

    /// Like [`map_unordered`](Self::map_unordered), returning failures as an
    /// [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10);
    /// let err = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(5)
    ///     .try_map_unordered(|rows| if rows[0] == 5 { panic!("second chunk") } else { 0 })
    ///     .unwrap_err();
    /// assert_eq!(err.task_index(), Some(1));
    /// ```
    pub fn try_map_unordered<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        let Prepared { runner, rows, .. } = self.prepare()?;
        runner.try_map_unordered(|k| f(rows.get(k)))
    }

    /// [`map_unordered`](Self::map_unordered) with the worker's state handed
    /// to the task as `&mut`; returns the values and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map_values`](Self::map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10);
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .chunk_size(2)
    ///     .worker_init(|_| 0)
    ///     .worker_exit(|_, rows_seen| rows_seen)
    ///     .map_unordered_with_state(|seen, rows| *seen += rows.len());
    /// assert_eq!(run.results().len(), 5);
    /// assert_eq!(run.exit_results().iter().sum::<usize>(), 10);
    /// ```
    #[track_caller]
    pub fn map_unordered_with_state<F, R>(self, f: F) -> Run<R, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_unordered_with_state(f))
    }

    /// Like [`map_unordered_with_state`](Self::map_unordered_with_state),
    /// returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map_values`](Self::try_map_values).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10);
    /// let run = arr
    ///     .mpire_rows(&pool)
    ///     .n_splits(5)
    ///     .worker_init(|_| ())
    ///     .try_map_unordered_with_state(|(), rows| rows.len())
    ///     .unwrap();
    /// assert_eq!(run.results(), [2; 5]);
    /// ```
    pub fn try_map_unordered_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send,
        R: Send,
    {
        let Prepared { runner, rows, .. } = self.prepare()?;
        runner.try_map_unordered_with_state(|state, k| f(state, rows.get(k)))
    }
}

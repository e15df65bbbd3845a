//! The lazy forms, `imap` and `imap_unordered`: one result per chunk while
//! the work goes on in the background.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ndarray::{ArrayView, Dimension};

use super::hooks::{AttachExit, AttachInit};
use super::{ChunkRows, Prepared, Rows};
use crate::map::Mpire;
use crate::sink::{Imap, Message};

/// The lazy forms: the rows must not borrow from the caller, since the work
/// goes on in the background (see
/// [`MpireRows::into_mpire_rows`](super::MpireRows::into_mpire_rows)).
impl<'p, A, D, Init, Exit, const CONCATENATE: bool> Rows<'static, 'p, A, D, Init, Exit, CONCATENATE>
where
    A: Send + Sync + 'static,
    D: Dimension + 'static,
    Init: AttachInit,
    Exit: AttachExit<Init::State>,
{
    fn run_lazy<R: Send + 'static>(
        self,
        run: impl FnOnce(
            Mpire<'p, rayon::range::Iter<usize>, Init, Exit>,
            ChunkRows<'static, A, D>,
        ) -> Imap<R, Exit::Output>,
    ) -> Imap<R, Exit::Output> {
        match self.prepare() {
            Ok(Prepared { runner, rows, .. }) => run(runner, rows),
            Err(e) => {
                let (tx, rx) = crossbeam_channel::bounded(1);
                let _ = tx.send(Message::Done(Err(e)));
                Imap::new(rx, true, Arc::new(AtomicBool::new(false)))
            }
        }
    }

    /// Applies `f` to the rows of every chunk and yields its values, one per
    /// chunk, in input order, while the work goes on.
    ///
    /// MPIRE's `imap`. See [`Imap`] for failures and for what dropping it
    /// half way does.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array2;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array2::<u8>::zeros((10, 3));
    /// let shapes: Vec<_> = arr
    ///     .into_mpire_rows(&pool)
    ///     .chunk_size(4)
    ///     .imap(|rows| rows.dim())
    ///     .collect();
    /// assert_eq!(shapes, [(4, 3), (4, 3), (2, 3)]);
    /// ```
    pub fn imap<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(|runner, rows| runner.imap(move |k| f(rows.get(k))))
    }

    /// Applies `f` to the rows of every chunk and yields its values, one per
    /// chunk, as the chunks complete.
    ///
    /// MPIRE's `imap_unordered`: with one worker, the order is the input's.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(1..=100u64);
    /// let total: u64 = arr.into_mpire_rows(&pool).imap_unordered(|rows| rows.sum()).sum();
    /// assert_eq!(total, 5050);
    /// ```
    pub fn imap_unordered<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: for<'v> Fn(ArrayView<'v, A, D>) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(|runner, rows| runner.imap_unordered(move |k| f(rows.get(k))))
    }

    /// [`imap`](Self::imap) with the worker's state handed to the task as
    /// `&mut`. The exit results are available from [`Imap::exit_results`]
    /// once the iterator is exhausted.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10usize);
    /// let mut results = arr
    ///     .into_mpire_rows(&pool)
    ///     .chunk_size(3)
    ///     .worker_init(|_| 0usize)
    ///     .worker_exit(|_, rows| rows)
    ///     .imap_with_state(|rows_seen, rows| {
    ///         *rows_seen += rows.len();
    ///         rows[0]
    ///     });
    /// assert_eq!(results.by_ref().collect::<Vec<_>>(), [0, 3, 6, 9]);
    /// assert_eq!(results.exit_results().unwrap().iter().sum::<usize>(), 10);
    /// ```
    pub fn imap_with_state<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(|runner, rows| runner.imap_with_state(move |s, k| f(s, rows.get(k))))
    }

    /// [`imap_unordered`](Self::imap_unordered) with the worker's state
    /// handed to the task as `&mut`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use ndarray::Array1;
    ///
    /// let pool = WorkerPool::new(2);
    /// let arr = Array1::from_iter(0..10usize);
    /// let mut lens: Vec<usize> = arr
    ///     .into_mpire_rows(&pool)
    ///     .n_splits(3)
    ///     .worker_init(|_| ())
    ///     .imap_unordered_with_state(|(), rows| rows.len())
    ///     .collect();
    /// lens.sort();
    /// assert_eq!(lens, [3, 3, 4]);
    /// ```
    pub fn imap_unordered_with_state<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: for<'v> Fn(&mut Init::State, ArrayView<'v, A, D>) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(|runner, rows| {
            runner.imap_unordered_with_state(move |s, k| f(s, rows.get(k)))
        })
    }
}

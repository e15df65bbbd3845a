//! `.mpire_bridge(&pool)`: MPIRE's map family over a plain [`Iterator`]: a
//! generator, a line reader, a directory walk.
//!
//! rayon's `par_bridge` hands out one item at a time from behind a lock and
//! loses the input order. This bridge keeps both MPIRE's chunking and the
//! order, and streams an input of any size in bounded memory.
//!
//! # Design
//!
//! The caller's thread is the *dispatcher*. It pulls the input one chunk at a
//! time (sizes from MPIRE's recurrence,
//! [`ChunkSizes`](crate::plan::ChunkSizes)), tags the chunk with the input
//! position of its first task, and spawns one job per chunk on the pool. The
//! job runs the chunk through [`Runtime::run_chunk`], so worker state, hooks,
//! lifespan and panics behave exactly as on the other paths, and sends the
//! results back over a channel. No lock is taken per item: the input is only
//! ever touched by the dispatcher.
//!
//! The ordered forms put arriving chunks into a reorder buffer keyed by
//! position and hand them back in input order; the unordered forms hand them
//! back as they arrive (in input order with one worker).
//!
//! `max_tasks_active` bounds the tasks pulled from the input and not yet
//! handed back to the caller, the reorder buffer included. The dispatcher
//! pulls the next chunk only while it fits under the bound, so memory stays
//! flat however long the input and however slow one chunk is. A chunk larger
//! than the bound is dispatched alone, when nothing else is in flight.
//!
//! The eager forms dispatch inside rayon's `in_place_scope`, which waits for
//! every job before it returns: tasks and items may borrow. The lazy forms
//! return an iterator that *is* the dispatcher (it pulls more input from
//! `next`), with jobs spawned by `ThreadPool::spawn`; the input itself then
//! needs neither `Send` nor `'static`, but everything that crosses to the
//! workers does.
//!
//! On one of the pool's own workers, waiting for spawned jobs could starve
//! the pool of the very thread that would run them, so there the chunks run
//! one after another on the calling thread.

mod dispatch;
mod imap;

use std::fmt;

use crate::error::Error;
use crate::map::{Run, unwrap_or_panic};
use crate::options::{Options, option_setters};
use crate::pool::WorkerPool;
use crate::runtime::{
    DebugItems, DescribeItem, Described, Hooks, NoDescribe, NoExit, NoInit, Runtime, Stateless,
    TaskFn, WithState, Worker, WorkerExit, WorkerInit,
};
use dispatch::{Core, Setup};
pub use imap::BridgeImap;

/// MPIRE's map family on a plain [`Iterator`].
///
/// Implemented for every iterator whose items are `Send`: generators
/// (`std::iter::from_fn`, `successors`, adapters over them), line readers,
/// directory walks, channels' receivers. Where rayon's `par_bridge` takes
/// one item at a time from behind a lock and loses the order, this pulls
/// whole chunks on the calling thread and keeps the order in `map` and
/// `imap`.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(2);
/// let (tx, rx) = std::sync::mpsc::channel();
/// for word in ["a", "bb", "ccc"] {
///     tx.send(word.to_string()).unwrap();
/// }
/// drop(tx);
/// let words = rx.into_iter();
/// let lengths = words.mpire_bridge(&pool).chunk_size(2).map(|w| w.len());
/// assert_eq!(lengths, [1, 2, 3]);
/// ```
pub trait MpireBridge: Iterator + Sized {
    /// The options builder of MPIRE's map family over this iterator, running
    /// on `pool`.
    ///
    /// The input is pulled on the calling thread, in chunks, never more than
    /// [`max_tasks_active`](Bridge::max_tasks_active) tasks ahead of the
    /// results handed back. The input's length is known when
    /// [`iterable_len`](Bridge::iterable_len) is set, or when the iterator's
    /// `size_hint` is exact (lower bound equal to upper bound); it then
    /// decides the default chunking as on the other paths. Without a length
    /// and without `chunk_size`, chunks hold one task and a warning goes to
    /// the `log` facade, as MPIRE does. Chunks of one task cost a job each:
    /// for short tasks over an input of unknown length (the lines of a file),
    /// set a `chunk_size` in the hundreds or thousands.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let mut n = 0u64;
    /// let numbers = std::iter::from_fn(move || {
    ///     n += 1;
    ///     (n <= 100).then_some(n)
    /// });
    /// let squares = numbers.mpire_bridge(&pool).chunk_size(8).map(|x| x * x);
    /// assert_eq!(squares[..4], [1, 4, 9, 16]);
    /// assert_eq!(squares.len(), 100);
    /// ```
    fn mpire_bridge(self, pool: &WorkerPool) -> Bridge<'_, Self> {
        Bridge {
            iter: self,
            pool,
            options: Options::default(),
            init: NoInit,
            exit: NoExit,
            describe: NoDescribe,
        }
    }
}

impl<I> MpireBridge for I
where
    I: Iterator,
    I::Item: Send,
{
}

/// The options builder of MPIRE's map family over a plain iterator.
///
/// Made by [`MpireBridge::mpire_bridge`]. The options and map functions are
/// those of [`Mpire`](crate::Mpire), plus
/// [`max_tasks_active`](Self::max_tasks_active). Differences that come from
/// streaming:
///
/// * an `iterable_len` smaller than the input truncates it; a larger one is
///   found out only when the input ends: every result is computed first, then
///   the `try_` forms return
///   [`ErrorKind::IterableLenMismatch`](crate::ErrorKind::IterableLenMismatch)
///   (the lazy forms yield it after the last result);
/// * `n_splits` needs a length; without one it is ignored with a warning.
///
/// # Borrowing
///
/// The eager forms (`map`, `map_unordered` and their variants) wait for every
/// chunk before they return, so their tasks and items may borrow from the
/// caller. The lazy forms (`imap`, `imap_unordered`) return while the work
/// goes on in the pool, and nothing stops the caller from leaking the
/// returned iterator (`mem::forget`), so their tasks, items and results must
/// be `'static`; the input iterator itself stays on the calling thread and
/// needs neither `Send` nor `'static`. For a task that borrows, use an eager
/// form, or share the data through an `Arc`.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(2);
/// let offset = 10; // borrowed by the task: fine in the eager forms
/// let lines = "1\n2\n3\n4".lines();
/// let sums = lines
///     .mpire_bridge(&pool)
///     .chunk_size(2)
///     .map(|l| l.parse::<i32>().unwrap() + offset);
/// assert_eq!(sums, [11, 12, 13, 14]);
/// ```
#[must_use = "a map builder does nothing until one of its map functions is called"]
pub struct Bridge<'p, I, Init = NoInit, Exit = NoExit, D = NoDescribe> {
    iter: I,
    pool: &'p WorkerPool,
    options: Options,
    init: Init,
    exit: Exit,
    describe: D,
}

impl<I, Init, Exit, D> fmt::Debug for Bridge<'_, I, Init, Exit, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bridge")
            .field("pool", self.pool)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'p, I, Init, Exit, D> Bridge<'p, I, Init, Exit, D> {
    option_setters!();

    /// Records where the time went, as
    /// [`Mpire::enable_insights`](crate::Mpire::enable_insights) does. Off by
    /// default; when off, no clock is read.
    ///
    /// The report comes back in [`Run::insights`] from the `_with_state`
    /// forms, from [`BridgeImap::insights`] while an `imap` runs, and from
    /// [`WorkerPool::insights`] for every form. Its task indices are input
    /// positions.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let run = (0..40u64)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(4)
    ///     .enable_insights(true)
    ///     .map_with_state(|(), x| x + 1);
    /// let insights = run.insights().unwrap();
    /// assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 40);
    /// ```
    pub fn enable_insights(mut self, enable_insights: bool) -> Bridge<'p, I, Init, Exit, DebugItems>
    where
        I: Iterator,
        I::Item: fmt::Debug,
    {
        self.options.enable_insights = enable_insights;
        Bridge {
            iter: self.iter,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit: self.exit,
            describe: DebugItems,
        }
    }

    /// The most tasks pulled from the input and not yet handed back to the
    /// caller. By default `n_jobs * ceil(chunk_size) * 2`: every worker busy
    /// with one chunk and one more chunk each ready to go.
    ///
    /// Results waiting in the reorder buffer of the ordered forms count too,
    /// so an input of any size streams in constant memory, however slow one
    /// chunk is. A chunk larger than the bound is still run, alone, when
    /// nothing else is in flight (a warning is logged: the other workers
    /// idle meanwhile). Zero is reported when the map starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let total: u64 = (0..10_000u64)
    ///     .filter(|x| x % 3 == 0)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(100)
    ///     .max_tasks_active(400)
    ///     .imap(|x| x)
    ///     .sum();
    /// assert_eq!(total, (0..10_000u64).filter(|x| x % 3 == 0).sum());
    /// ```
    pub fn max_tasks_active(mut self, max_tasks_active: usize) -> Self {
        self.options.max_tasks_active = Some(max_tasks_active);
        self
    }

    /// Builds each worker's state, once per worker, lazily before the
    /// worker's first chunk. Not set by default (the state is `()`).
    ///
    /// As [`Mpire::worker_init`](crate::Mpire::worker_init).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let run = (0..50u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(5)
    ///     .worker_init(|w| w.id())
    ///     .map_with_state(|id, _| *id);
    /// assert!(run.results().iter().all(|&id| id < 2));
    /// ```
    pub fn worker_init<G, S>(self, init: G) -> Bridge<'p, I, G, Exit, D>
    where
        G: Fn(&Worker) -> S + Send + Sync + 'static,
        S: Send + 'static,
    {
        Bridge {
            iter: self.iter,
            pool: self.pool,
            options: self.options,
            init,
            exit: self.exit,
            describe: self.describe,
        }
    }

    /// Consumes each worker's state at the end of its life and returns an
    /// exit result. Not set by default (the state is dropped).
    ///
    /// As [`Mpire::worker_exit`](crate::Mpire::worker_exit).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let run = (0..50u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(5)
    ///     .worker_init(|_| 0u32)
    ///     .worker_exit(|_, seen| seen)
    ///     .map_with_state(|seen, x| {
    ///         *seen += 1;
    ///         x
    ///     });
    /// assert_eq!(run.exit_results().iter().sum::<u32>(), 50);
    /// ```
    pub fn worker_exit<X, E>(self, exit: X) -> Bridge<'p, I, Init, X, D>
    where
        Init: WorkerInit,
        X: Fn(&Worker, Init::State) -> E + Send + Sync + 'static,
        E: Send + 'static,
    {
        Bridge {
            iter: self.iter,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit,
            describe: self.describe,
        }
    }
}

/// The eager map functions: they return when every task is done, so tasks
/// and items may borrow.
impl<I, Init, Exit, D> Bridge<'_, I, Init, Exit, D>
where
    I: Iterator,
    I::Item: Send,
    Init: WorkerInit,
    Exit: WorkerExit<Init::State>,
    D: DescribeItem<I::Item>,
{
    fn run_eager<F, R>(self, task: F, ordered: bool) -> Result<Run<R, Exit::Output>, Error>
    where
        F: TaskFn<Init::State, I::Item, Output = R> + Send + Sync,
        R: Send,
    {
        let setup = Setup::new(&self.options, self.iter.size_hint(), self.pool.n_jobs())?;
        let Bridge {
            iter,
            pool,
            init,
            exit,
            describe,
            ..
        } = self;
        let task = Described { task, describe };
        let runtime = Runtime::new(pool.n_jobs(), task, Hooks::new(init, exit), setup.lifespan)
            .with_monitor(setup.monitor(pool));
        pool.thread_pool().in_place_scope(|scope| {
            let mut core = Core::new(iter, pool, scope, runtime, &setup, ordered);
            let mut results = Vec::new();
            while let Some(chunk) = core.next_chunk() {
                let chunk = chunk?;
                core.release(chunk.len());
                if results.is_empty() {
                    results = chunk;
                } else {
                    results.extend(chunk);
                }
            }
            Ok(Run::new(results, core.take_exits()).with_insights(core.insights()))
        })
    }

    /// Applies `f` to every item and returns the results in input order.
    ///
    /// MPIRE's `map`. Blocks until every task is done.
    ///
    /// # Panics
    ///
    /// When a task or hook panics, with the task index (the item's position
    /// in the input), the worker id and the original message; when an option
    /// is invalid; when `iterable_len` is larger than the input.
    /// [`try_map`](Self::try_map) returns these as an [`Error`] instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let generator = (0..1000u64).filter(|_| true); // no known length
    /// let squares = generator.mpire_bridge(&pool).iterable_len(1000).map(|x| x * x);
    /// assert_eq!(squares[999], 998_001);
    /// ```
    #[track_caller]
    pub fn map<F, R>(self, f: F) -> Vec<R>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map(f))
    }

    /// Like [`map`](Self::map), returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// An invalid option, an `iterable_len` larger than the input (found when
    /// the input ends), or a panic in a task or hook. After a task panic, no
    /// further chunk starts and no more input is pulled.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    /// use mpire::ErrorKind;
    ///
    /// let pool = WorkerPool::new(2);
    /// let err = (0..10u8)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .iterable_len(20)
    ///     .try_map(|x| x)
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::IterableLenMismatch);
    /// ```
    pub fn try_map<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        let pool = self.pool;
        Ok(self
            .run_eager(Stateless(f), true)?
            .into_results_storing_exits(pool))
    }

    /// Applies `f` to every item and returns the results in the order the
    /// chunks completed.
    ///
    /// MPIRE's `map_unordered`: with one worker, the order is the input's.
    ///
    /// # Panics
    ///
    /// As [`map`](Self::map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let mut squares = (0..100u64)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(7)
    ///     .map_unordered(|x| x * x);
    /// squares.sort();
    /// assert_eq!(squares[..4], [0, 1, 4, 9]);
    /// ```
    #[track_caller]
    pub fn map_unordered<F, R>(self, f: F) -> Vec<R>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_unordered(f))
    }

    /// Like [`map_unordered`](Self::map_unordered), returning failures as an
    /// [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map`](Self::try_map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let err = (0..100u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .try_map_unordered(|x| if x == 42 { panic!("no") } else { x })
    ///     .unwrap_err();
    /// assert_eq!(err.task_index(), Some(42));
    /// ```
    pub fn try_map_unordered<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        let pool = self.pool;
        Ok(self
            .run_eager(Stateless(f), false)?
            .into_results_storing_exits(pool))
    }

    /// [`map`](Self::map) with the worker's state handed to the task as
    /// `&mut`; returns the results and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map`](Self::map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let run = (0..100usize)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .worker_init(|_| 0usize)
    ///     .worker_exit(|_, evens| evens)
    ///     .map_with_state(|evens, x| {
    ///         *evens += usize::from(x % 2 == 0);
    ///         x * x
    ///     });
    /// assert_eq!(run.results()[3], 9);
    /// assert_eq!(run.exit_results().iter().sum::<usize>(), 50);
    /// ```
    #[track_caller]
    pub fn map_with_state<F, R>(self, f: F) -> Run<R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_with_state(f))
    }

    /// Like [`map_with_state`](Self::map_with_state), returning failures as
    /// an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map`](Self::try_map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let run = (0..10u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(3)
    ///     .worker_init(|_| 1u32)
    ///     .try_map_with_state(|one, x| x + *one)
    ///     .unwrap();
    /// assert_eq!(run.results(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    /// ```
    pub fn try_map_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run_eager(WithState(f), true)
    }

    /// [`map_unordered`](Self::map_unordered) with the worker's state handed
    /// to the task as `&mut`; returns the results and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map`](Self::map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let run = (0..100u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .worker_init(|_| 0u32)
    ///     .worker_exit(|_, n| n)
    ///     .map_unordered_with_state(|n, x| {
    ///         *n += 1;
    ///         x
    ///     });
    /// assert_eq!(run.results().len(), 100);
    /// assert_eq!(run.exit_results().iter().sum::<u32>(), 100);
    /// ```
    #[track_caller]
    pub fn map_unordered_with_state<F, R>(self, f: F) -> Run<R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        unwrap_or_panic(self.try_map_unordered_with_state(f))
    }

    /// Like [`map_unordered_with_state`](Self::map_unordered_with_state),
    /// returning failures as an [`Error`].
    ///
    /// # Errors
    ///
    /// As [`try_map`](Self::try_map).
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let err = (0..10u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .max_tasks_active(0)
    ///     .try_map_unordered_with_state(|(), x| x)
    ///     .unwrap_err();
    /// assert_eq!(err.option(), Some("max_tasks_active"));
    /// ```
    pub fn try_map_unordered_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run_eager(WithState(f), false)
    }
}

/// The lazy map functions. The returned iterator pulls the input itself, on
/// the thread that iterates it, so the input needs neither `Send` nor
/// `'static`; the items, the task and the results cross to the workers while
/// the caller goes on, so they must be `'static`.
impl<I, Init, Exit, D> Bridge<'_, I, Init, Exit, D>
where
    I: Iterator,
    I::Item: Send + 'static,
    Init: WorkerInit,
    Exit: WorkerExit<Init::State>,
    D: DescribeItem<I::Item> + 'static,
{
    fn run_lazy<F, R>(self, task: F, ordered: bool) -> BridgeImap<I, R, Exit::Output>
    where
        F: TaskFn<Init::State, I::Item, Output = R> + Send + Sync + 'static,
        R: Send + 'static,
    {
        let setup = match Setup::new(&self.options, self.iter.size_hint(), self.pool.n_jobs()) {
            Ok(setup) => setup,
            Err(e) => {
                return BridgeImap::failed(e);
            }
        };
        let Bridge {
            iter,
            pool,
            init,
            exit,
            describe,
            ..
        } = self;
        let task = Described { task, describe };
        let runtime = Runtime::new(pool.n_jobs(), task, Hooks::new(init, exit), setup.lifespan)
            .with_monitor(setup.monitor(pool));
        let core = Core::new(iter, pool, pool.clone(), runtime, &setup, ordered);
        BridgeImap::new(core)
    }

    /// Applies `f` to every item and yields the results in input order,
    /// while the work goes on.
    ///
    /// MPIRE's `imap`. See [`BridgeImap`] for what dropping it half way does.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let endless = std::iter::successors(Some(0u64), |x| Some(x + 1));
    /// let first: Vec<u64> = endless
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(1)
    ///     .imap(|x| x * x)
    ///     .take(4)
    ///     .collect();
    /// assert_eq!(first, [0, 1, 4, 9]);
    /// ```
    pub fn imap<F, R>(self, f: F) -> BridgeImap<I, R, Exit::Output>
    where
        F: Fn(I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(Stateless(f), true)
    }

    /// Applies `f` to every item and yields the results as chunks complete.
    ///
    /// MPIRE's `imap_unordered`: with one worker, the order is the input's.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let total: u64 = (1..=100u64)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(9)
    ///     .imap_unordered(|x| x)
    ///     .sum();
    /// assert_eq!(total, 5050);
    /// ```
    pub fn imap_unordered<F, R>(self, f: F) -> BridgeImap<I, R, Exit::Output>
    where
        F: Fn(I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(Stateless(f), false)
    }

    /// [`imap`](Self::imap) with the worker's state handed to the task as
    /// `&mut`. The exit results are available from
    /// [`BridgeImap::exit_results`] once the iterator is exhausted.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..100u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .worker_init(|_| 0u32)
    ///     .worker_exit(|_, n| n)
    ///     .imap_with_state(|n, x| {
    ///         *n += 1;
    ///         x
    ///     });
    /// assert!(results.by_ref().eq(0..100));
    /// assert_eq!(results.exit_results().unwrap().iter().sum::<u32>(), 100);
    /// ```
    pub fn imap_with_state<F, R>(self, f: F) -> BridgeImap<I, R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(WithState(f), true)
    }

    /// [`imap_unordered`](Self::imap_unordered) with the worker's state
    /// handed to the task as `&mut`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let mut results = (0..100u32)
    ///     .filter(|_| true)
    ///     .mpire_bridge(&pool)
    ///     .chunk_size(10)
    ///     .worker_init(|_| 0u32)
    ///     .worker_exit(|_, n| n)
    ///     .imap_unordered_with_state(|n, x| {
    ///         *n += 1;
    ///         x
    ///     });
    /// assert_eq!(results.by_ref().count(), 100);
    /// assert_eq!(results.exit_results().unwrap().iter().sum::<u32>(), 100);
    /// ```
    pub fn imap_unordered_with_state<F, R>(self, f: F) -> BridgeImap<I, R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(WithState(f), false)
    }
}

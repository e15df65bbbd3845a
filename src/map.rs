//! MPIRE's map family on rayon's parallel iterators: `.mpire(&pool)` and its
//! four terminal functions.

use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use parking_lot::Mutex;
use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

use crate::chain::MpireMap;
use crate::error::{Error, ErrorKind};
use crate::insights::Insights;
use crate::options::{Checked, Options, option_setters};
use crate::plan::ChunkPlan;
use crate::pool::WorkerPool;
use crate::runtime::{
    DebugItems, DescribeItem, Described, Hooks, Monitor, NoDescribe, NoExit, NoInit, Runtime,
    Stateless, TaskFn, WithState, Worker, WorkerExit, WorkerInit,
};
use crate::scheduler::{Bound, ExactCallback, InOrderCallback, Planned};
use crate::sink::{AppendSink, ChannelSink, Imap, MAX_RESERVED, Message, SinkConsumer};

/// The default number of chunks per worker when the input's length is known.
pub(crate) const CHUNKS_PER_WORKER: usize = 64;

/// MPIRE's map family on anything rayon can iterate in parallel.
///
/// Implemented for every [`IntoParallelIterator`]: vectors, slices, ranges
/// and rayon chains.
pub trait ParallelMpire: IntoParallelIterator + Sized {
    /// The options builder of MPIRE's map family, running on `pool`.
    ///
    /// Set options (`chunk_size`, `n_splits`, `worker_init`, ...), then call
    /// one of the map functions: [`map`](Mpire::map),
    /// [`map_unordered`](Mpire::map_unordered), [`imap`](Mpire::imap) or
    /// [`imap_unordered`](Mpire::imap_unordered).
    ///
    /// The map functions need an indexed input (vectors, slices, `usize`,
    /// `u32` and `i32` ranges, and indexed rayon chains) so that chunks are
    /// cut exactly as planned. rayon's unindexed iterators (`u64` ranges,
    /// `filter`, `flat_map`, hash maps) work in rayon chains through
    /// [`mpire_map`](ParallelMpire::mpire_map), or after a `collect` into a
    /// `Vec`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let squares = (0..100usize).mpire(&pool).chunk_size(10).map(|x| x * x);
    /// assert_eq!(squares[..6], [0, 1, 4, 9, 16, 25]);
    /// ```
    fn mpire(self, pool: &WorkerPool) -> Mpire<'_, Self::Iter> {
        Mpire {
            iter: self.into_par_iter(),
            pool,
            options: Options::default(),
            init: NoInit,
            exit: NoExit,
            describe: NoDescribe,
        }
    }

    /// `map(f)`, run on `pool` with MPIRE's chunking, as a rayon parallel
    /// iterator: the rest of the chain stays as it is.
    ///
    /// The result is an [`IndexedParallelIterator`] when the input is one.
    /// Options are set on the returned [`MpireMap`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let v: Vec<u64> = (0..1000).collect();
    /// let total: u64 = v.par_iter().mpire_map(&pool, |x| x * 2).sum();
    /// assert_eq!(total, 999_000);
    /// ```
    fn mpire_map<F, R>(
        self,
        pool: &WorkerPool,
        f: F,
    ) -> MpireMap<'_, Self::Iter, Described<Stateless<F>, NoDescribe>>
    where
        F: Fn(Self::Item) -> R + Sync + Send,
        R: Send,
    {
        self.mpire(pool).mpire_map(f)
    }
}

impl<T: IntoParallelIterator> ParallelMpire for T {}

/// The options builder of MPIRE's map family over a rayon parallel iterator.
///
/// Made by [`ParallelMpire::mpire`]. The type parameters `Init` and `Exit`
/// are the worker hooks, [`NoInit`] and [`NoExit`] until set.
#[must_use = "a map builder does nothing until one of its map functions is called"]
pub struct Mpire<'p, I, Init = NoInit, Exit = NoExit, D = NoDescribe> {
    iter: I,
    pool: &'p WorkerPool,
    options: Options,
    init: Init,
    exit: Exit,
    describe: D,
}

impl<I, Init, Exit, D> fmt::Debug for Mpire<'_, I, Init, Exit, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mpire")
            .field("pool", self.pool)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The results of a map with worker state: the results and the exit results.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(4);
/// let run = (0..100usize)
///     .mpire(&pool)
///     .worker_init(|_| 0usize)
///     .worker_exit(|_, evens| evens)
///     .map_with_state(|evens, x| {
///         if x % 2 == 0 {
///             *evens += 1;
///         }
///         x * x
///     });
/// assert_eq!(run.results()[3], 9);
/// assert_eq!(run.exit_results().iter().sum::<usize>(), 50);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Run<R, E> {
    results: Vec<R>,
    exit_results: Vec<E>,
    insights: Option<Insights>,
}

impl<R, E> Run<R, E> {
    /// A run from its two parts, for the other sources of the map family.
    pub(crate) fn new(results: Vec<R>, exit_results: Vec<E>) -> Run<R, E> {
        Run {
            results,
            exit_results,
            insights: None,
        }
    }

    /// The same run, carrying the insights report of its map.
    pub(crate) fn with_insights(mut self, insights: Option<Insights>) -> Run<R, E> {
        self.insights = insights;
        self
    }

    /// The task results.
    pub fn results(&self) -> &[R] {
        &self.results
    }

    /// The task results, by value.
    pub fn into_results(self) -> Vec<R> {
        self.results
    }

    /// The exit results: one per worker incarnation that ran `worker_init`,
    /// in no particular order.
    #[doc(alias = "get_exit_results")]
    pub fn exit_results(&self) -> &[E] {
        &self.exit_results
    }

    /// The results; the exit results go to the pool, for
    /// [`WorkerPool::exit_results`].
    pub(crate) fn into_results_storing_exits(self, pool: &WorkerPool) -> Vec<R>
    where
        E: Send + 'static,
    {
        pool.store_exit_results(self.exit_results);
        self.results
    }

    /// The insights report, when the map enabled insights.
    #[doc(alias = "get_insights")]
    pub fn insights(&self) -> Option<&Insights> {
        self.insights.as_ref()
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (Vec<R>, Vec<E>) {
        (self.results, self.exit_results)
    }
}

impl<'p, I, Init, Exit, D> Mpire<'p, I, Init, Exit, D> {
    option_setters!();

    /// The most tasks of a lazy map ([`imap`](Self::imap),
    /// [`imap_unordered`](Self::imap_unordered)) handed to the workers and
    /// not yet taken by the caller, results waiting in the reorder buffer
    /// included (the chunk being handed out counts as taken). By default
    /// `n_jobs * chunk_size * 2`, with the largest chunk of the plan. The
    /// eager forms hand back everything at once and ignore it. Zero is
    /// reported when the map starts.
    pub fn max_tasks_active(mut self, max_tasks_active: usize) -> Self {
        self.options.max_tasks_active = Some(max_tasks_active);
        self
    }

    /// The options, for sources built on this builder.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) fn options_mut(&mut self) -> &mut Options {
        &mut self.options
    }

    /// Records where the time went: per worker the completed tasks and the
    /// start-up, init, waiting, working and exit time, and the slowest tasks
    /// with the `Debug` form of their items (at most 200 bytes of it). Off by
    /// default; when off, no clock is read. The items must be `Debug`, also
    /// for `enable_insights(false)`.
    ///
    /// The report comes back in [`Run::insights`] from the `_with_state`
    /// forms, and from [`WorkerPool::insights`] for every form, also while
    /// an `imap` is still being consumed. See [`Insights`] for how tasks too
    /// short to time one by one are reported.
    pub fn enable_insights(mut self, enable_insights: bool) -> Mpire<'p, I, Init, Exit, DebugItems>
    where
        I: ParallelIterator,
        I::Item: fmt::Debug,
    {
        self.options.enable_insights = enable_insights;
        Mpire {
            iter: self.iter,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit: self.exit,
            describe: DebugItems,
        }
    }

    /// Builds each worker's state, once per worker, lazily before the
    /// worker's first chunk. Not set by default (the state is `()`).
    ///
    /// Unlike rayon's `map_init`, which calls its constructor once per split
    /// (dozens of times, unpredictably), this runs once per worker that gets
    /// work, and again only after a [`worker_lifespan`](Self::worker_lifespan)
    /// restart. The tasks of the `_with_state` map functions get the state as
    /// `&mut`.
    ///
    /// Call it before [`worker_exit`](Self::worker_exit), whose hook takes
    /// this state. The hook and the state must be `'static` (a keep-alive
    /// pool holds them after the map): move owned data in, and share borrowed
    /// data through an `Arc`. Tasks may borrow freely.
    pub fn worker_init<G, S>(self, init: G) -> Mpire<'p, I, G, Exit, D>
    where
        G: Fn(&Worker) -> S + Send + Sync + 'static,
        S: Send + 'static,
    {
        Mpire {
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
    /// Runs once per incarnation that ran `worker_init`: at the end of the
    /// map, or when the worker's lifespan is reached. The `_with_state` map
    /// functions return the exit results ([`Run::exit_results`]).
    pub fn worker_exit<X, E>(self, exit: X) -> Mpire<'p, I, Init, X, D>
    where
        Init: WorkerInit,
        X: Fn(&Worker, Init::State) -> E + Send + Sync + 'static,
        E: Send + 'static,
    {
        Mpire {
            iter: self.iter,
            pool: self.pool,
            options: self.options,
            init: self.init,
            exit,
            describe: self.describe,
        }
    }

    /// `map(f)` as a rayon parallel iterator with these options, for use
    /// inside a rayon chain.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let v: Vec<u32> = (1..=4).collect();
    /// let doubled: Vec<u32> = v.par_iter().mpire(&pool).chunk_size(1).mpire_map(|x| x * 2).collect();
    /// assert_eq!(doubled, [2, 4, 6, 8]);
    /// ```
    pub fn mpire_map<F, R>(self, f: F) -> MpireMap<'p, I, Described<Stateless<F>, D>, Init, Exit>
    where
        I: rayon::iter::ParallelIterator,
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        MpireMap::new(
            self.iter,
            self.pool,
            self.options,
            Described {
                task: Stateless(f),
                describe: self.describe,
            },
            self.init,
            self.exit,
        )
    }

    /// Like [`mpire_map`](Self::mpire_map), with the worker's state handed to
    /// the task as `&mut`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let total: usize = (0..100usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .worker_init(|_| vec![0u8; 16])
    ///     .mpire_map_with_state(|scratch, x| {
    ///         scratch[0] = 1;
    ///         x + scratch[0] as usize
    ///     })
    ///     .sum();
    /// assert_eq!(total, 5050);
    /// ```
    pub fn mpire_map_with_state<F, R>(
        self,
        f: F,
    ) -> MpireMap<'p, I, Described<WithState<F>, D>, Init, Exit>
    where
        I: rayon::iter::ParallelIterator,
        Init: WorkerInit,
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        MpireMap::new(
            self.iter,
            self.pool,
            self.options,
            Described {
                task: WithState(f),
                describe: self.describe,
            },
            self.init,
            self.exit,
        )
    }
}

/// What a map needs before it starts: checked options, the number of tasks
/// and the plan.
struct Prepared {
    checked: Checked,
    n_tasks: usize,
    plan: ChunkPlan,
}

/// Checks the options against an input of `len` tasks.
pub(crate) fn prepare_indexed(
    options: &Options,
    len: usize,
    n_jobs: usize,
) -> Result<(Checked, usize, ChunkPlan), Error> {
    let checked = options.validate()?;
    let n_tasks = match checked.iterable_len {
        Some(n) if n > len => return Err(Error::iterable_len_mismatch(n, len)),
        Some(n) => n,
        None => len,
    };
    let plan = checked.plan(n_tasks, CHUNKS_PER_WORKER * n_jobs)?;
    Ok((checked, n_tasks, plan))
}

impl<'p, I, Init, Exit, D> Mpire<'p, I, Init, Exit, D>
where
    I: IndexedParallelIterator,
    Init: WorkerInit,
    Exit: WorkerExit<Init::State>,
    D: DescribeItem<I::Item>,
{
    fn prepare(&self) -> Result<Prepared, Error> {
        let (checked, n_tasks, plan) =
            prepare_indexed(&self.options, self.iter.len(), self.pool.n_jobs())?;
        Ok(Prepared {
            checked,
            n_tasks,
            plan,
        })
    }

    fn run_ordered<F, R>(self, task: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: TaskFn<Init::State, I::Item, Output = R> + Sync,
        R: Send,
    {
        let prepared = self.prepare()?;
        let Mpire {
            iter,
            pool,
            init,
            exit,
            describe,
            ..
        } = self;
        let task = Described { task, describe };
        let monitor = Monitor::for_map(&prepared.checked, pool, Some(prepared.n_tasks));
        let rt = Runtime::new(
            pool.n_jobs(),
            task,
            Hooks::new(init, exit),
            prepared.checked.worker_lifespan,
        )
        .with_monitor(monitor);
        let planned = Planned {
            base: iter.take(prepared.n_tasks),
            rt: &rt,
            plan: &prepared.plan,
        };
        let (results, exit_results) = rt.execute(pool, || {
            let mut results = Vec::new();
            planned.collect_into_vec(&mut results);
            results
        })?;
        Ok(Run {
            results,
            exit_results,
            insights: rt.insights(),
        })
    }

    fn run_unordered<F, R>(self, task: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: TaskFn<Init::State, I::Item, Output = R> + Sync,
        R: Send,
    {
        let prepared = self.prepare()?;
        let Mpire {
            iter,
            pool,
            init,
            exit,
            describe,
            ..
        } = self;
        let task = Described { task, describe };
        let monitor = Monitor::for_map(&prepared.checked, pool, Some(prepared.n_tasks));
        let rt = Runtime::new(
            pool.n_jobs(),
            task,
            Hooks::new(init, exit),
            prepared.checked.worker_lifespan,
        )
        .with_monitor(monitor);
        let sink = AppendSink(Mutex::new(Vec::with_capacity(
            prepared.n_tasks.min(MAX_RESERVED),
        )));
        let consumer = SinkConsumer {
            sink: &sink,
            position: 0,
            len: prepared.n_tasks,
            marker: PhantomData,
        };
        let iter = iter.take(prepared.n_tasks);
        let ((), exit_results) = rt.execute(pool, || {
            iter.with_producer(ExactCallback {
                consumer,
                rt: &rt,
                plan: &prepared.plan,
            })
        })?;
        Ok(Run {
            results: sink.0.into_inner(),
            exit_results,
            insights: rt.insights(),
        })
    }

    /// Applies `f` to every item and returns the results in input order.
    ///
    /// MPIRE's `map`. Blocks until every task is done.
    ///
    /// # Panics
    ///
    /// When a task or hook panics, with the task index, the worker id and
    /// the original message; or when an option is invalid.
    /// [`try_map`](Self::try_map) returns these as an [`Error`] instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let products = (0..100usize)
    ///     .into_par_iter()
    ///     .zip(100..200usize)
    ///     .mpire(&pool)
    ///     .map(|(x, y)| x * y);
    /// assert_eq!(products[..4], [0, 101, 204, 309]);
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
    /// An invalid option, an `iterable_len` larger than the input, or a
    /// panic in a task or hook. After a task panic, no further chunk starts.
    pub fn try_map<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        let pool = self.pool;
        self.run_ordered(Stateless(f))
            .map(|run| run.into_results_storing_exits(pool))
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
    /// let mut squares = (0..100usize).mpire(&pool).map_unordered(|x| x * x);
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
    pub fn try_map_unordered<F, R>(self, f: F) -> Result<Vec<R>, Error>
    where
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        let pool = self.pool;
        self.run_unordered(Stateless(f))
            .map(|run| run.into_results_storing_exits(pool))
    }

    /// [`map`](Self::map) with the worker's state handed to the task as
    /// `&mut`; returns the results and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map`](Self::map).
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
    pub fn try_map_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run_ordered(WithState(f))
    }

    /// [`map_unordered`](Self::map_unordered) with the worker's state handed
    /// to the task as `&mut`; returns the results and the exit results.
    ///
    /// # Panics
    ///
    /// As [`map`](Self::map).
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
    pub fn try_map_unordered_with_state<F, R>(self, f: F) -> Result<Run<R, Exit::Output>, Error>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run_unordered(WithState(f))
    }
}

/// The lazy map functions. The work runs in the background while the caller
/// consumes the results, so everything it uses must be `'static`: the input,
/// the task and the hooks. For borrowed data, use the eager forms, or
/// [`mpire_map`](Mpire::mpire_map) with rayon's `for_each` inside a scope.
impl<'p, I, Init, Exit, D> Mpire<'p, I, Init, Exit, D>
where
    I: IndexedParallelIterator + 'static,
    Init: WorkerInit + 'static,
    Exit: WorkerExit<Init::State> + 'static,
    D: DescribeItem<I::Item> + 'static,
{
    fn run_lazy<F, R>(self, task: F, ordered: bool) -> Imap<R, Exit::Output>
    where
        F: TaskFn<Init::State, I::Item, Output = R> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = crossbeam_channel::unbounded();
        let cancelled = Arc::new(AtomicBool::new(false));
        let results = Imap::new(rx, ordered, cancelled.clone());
        let prepared = match self.prepare() {
            Ok(prepared) => prepared,
            Err(e) => {
                let _ = tx.send(Message::Done(Err(e)));
                return results;
            }
        };
        let Mpire {
            iter,
            pool,
            init,
            exit,
            describe,
            ..
        } = self;
        let monitor = Monitor::for_map(&prepared.checked, pool, Some(prepared.n_tasks));
        let results = results
            .with_insights(monitor.insights.clone())
            .with_pool(pool.clone());
        let task = Described { task, describe };
        // On one of the pool's own workers, waiting for a background job could
        // starve it of threads: the job then runs here, before iterating, and
        // nobody consumes results meanwhile, so it cannot be bounded.
        let inline = pool.current_worker().is_some();
        let max = match (inline, prepared.checked.max_tasks_active) {
            (true, _) => usize::MAX,
            (false, Some(max)) => max,
            (false, None) => pool
                .n_jobs()
                .saturating_mul(prepared.plan.max_chunk_len().max(1))
                .saturating_mul(2),
        };
        let bound = Arc::new(Bound {
            max,
            in_flight: AtomicUsize::new(0),
        });
        let results = results.with_bound(bound.clone());
        let job_pool = pool.clone();
        let job = move || {
            let rt = Runtime::new(
                job_pool.n_jobs(),
                task,
                Hooks::new(init, exit),
                prepared.checked.worker_lifespan,
            )
            .with_monitor(monitor);
            let sink = ChannelSink {
                tx: tx.clone(),
                cancelled,
            };
            let iter = iter.take(prepared.n_tasks);
            // The driver runs right here, on the thread of its own, and only
            // the chunks go to the pool (see `drive_in_order`).
            let run = || {
                rt.begin(&job_pool);
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    iter.with_producer(InOrderCallback {
                        pool: &job_pool,
                        rt: &rt,
                        plan: &prepared.plan,
                        sink: &sink,
                        bound: &bound,
                    })
                }));
                rt.conclude(&job_pool, outcome)
            };
            // A panic that escapes the map's own handling must not leave the
            // iterator waiting for a message that never comes.
            let done = match catch_unwind(AssertUnwindSafe(run)) {
                Ok(done) => done.map(|((), exits)| exits),
                Err(payload) => Err(Error::panicked(
                    ErrorKind::TaskPanicked,
                    None,
                    None,
                    &*payload,
                )),
            };
            let _ = tx.send(Message::Done(done));
        };
        if inline {
            job();
        } else if let Err(error) = std::thread::Builder::new()
            .name("mpire-imap".to_string())
            .spawn(job)
        {
            // The job, and with it the sender, is gone: the iterator ends
            // with this error.
            return Imap::failed(Error::pool_build(error.to_string()));
        }
        results
    }

    /// Applies `f` to every item and yields the results in input order,
    /// while the work goes on.
    ///
    /// MPIRE's `imap`. See [`Imap`] for what dropping it half way does.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(4);
    /// let first: Vec<usize> = (0..1_000_000usize)
    ///     .into_par_iter()
    ///     .mpire(&pool)
    ///     .imap(|x| x * x)
    ///     .take(3)
    ///     .collect();
    /// assert_eq!(first, [0, 1, 4]);
    /// ```
    pub fn imap<F, R>(self, f: F) -> Imap<R, Exit::Output>
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
    /// let total: usize = (0..100usize).into_par_iter().mpire(&pool).imap_unordered(|x| x).sum();
    /// assert_eq!(total, 4950);
    /// ```
    pub fn imap_unordered<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: Fn(I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(Stateless(f), false)
    }

    /// [`imap`](Self::imap) with the worker's state handed to the task as
    /// `&mut`. The exit results are available from
    /// [`Imap::exit_results`] once the iterator is exhausted.
    pub fn imap_with_state<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(WithState(f), true)
    }

    /// [`imap_unordered`](Self::imap_unordered) with the worker's state
    /// handed to the task as `&mut`.
    pub fn imap_unordered_with_state<F, R>(self, f: F) -> Imap<R, Exit::Output>
    where
        F: Fn(&mut Init::State, I::Item) -> R + Sync + Send + 'static,
        R: Send + 'static,
    {
        self.run_lazy(WithState(f), false)
    }
}

/// The panicking forms' way out: the error's message, at the caller.
#[track_caller]
pub(crate) fn unwrap_or_panic<T>(result: Result<T, Error>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}

//! The worker pool: a dedicated rayon thread pool.

use std::any::Any;
use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::Error;
use crate::insights::{Insights, Recorder};
use crate::runtime::KeptStates;

/// A pool of `n_jobs` workers: a rayon [`ThreadPool`](rayon::ThreadPool) of
/// its own, never rayon's global pool.
///
/// Every map run through the pool executes on its threads, and the worker id
/// seen by tasks and hooks is the thread's index in this pool (`0..n_jobs`).
/// A pool serves any number of maps, one after the other or from several
/// threads at once; it survives panics in tasks. Cloning a pool gives another
/// handle to the same workers.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(4);
/// let squares = (0..100usize).mpire(&pool).map(|x| x * x);
/// assert_eq!(squares[..5], [0, 1, 4, 9, 16]);
/// ```
#[derive(Clone)]
pub struct WorkerPool {
    threads: Arc<rayon::ThreadPool>,
    n_jobs: usize,
    shared: Arc<Shared>,
}

// A pool is built to survive panics in the code it runs: a panic is caught at
// the chunk, recorded, and the pool's own state (the held worker states, the
// stored exit results and insights) is only ever replaced whole, under a lock
// that does not poison. So code that catches a panic may go on using a pool.
impl std::panic::UnwindSafe for WorkerPool {}
impl std::panic::RefUnwindSafe for WorkerPool {}

/// What the handles of one pool share besides the threads.
struct Shared {
    keep_alive: bool,
    /// The exit results not handed back otherwise, as a `Vec<E>`.
    exit_results: Mutex<Option<Box<dyn Any + Send>>>,
    /// The worker states a keep-alive pool holds between maps.
    kept: Mutex<Option<Box<dyn KeptStates>>>,
    /// The insights recorder of the last map that enabled insights.
    insights: Mutex<Option<Arc<Recorder>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // A keep-alive pool dropped without `stop_and_join` still runs the
        // exit hooks; nobody is left to receive their results.
        if let Some(kept) = self.kept.get_mut().take() {
            let _ = kept.retire();
        }
    }
}

impl WorkerPool {
    /// A pool of `n_jobs` workers.
    ///
    /// # Panics
    ///
    /// If `n_jobs` is 0, or if the operating system refuses to start the
    /// threads. [`WorkerPool::builder`] reports both as an [`Error`] instead.
    #[track_caller]
    pub fn new(n_jobs: usize) -> WorkerPool {
        match WorkerPool::builder().n_jobs(n_jobs).build() {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        }
    }

    /// A builder for a pool with more settings than [`WorkerPool::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::WorkerPool;
    ///
    /// let pool = WorkerPool::builder().n_jobs(3).build().unwrap();
    /// assert_eq!(pool.n_jobs(), 3);
    /// assert!(WorkerPool::builder().n_jobs(0).build().is_err());
    /// ```
    pub fn builder() -> WorkerPoolBuilder {
        WorkerPoolBuilder::default()
    }

    /// The number of workers.
    pub fn n_jobs(&self) -> usize {
        self.n_jobs
    }

    /// The underlying rayon thread pool, for running plain rayon code on the
    /// same workers.
    pub fn thread_pool(&self) -> &rayon::ThreadPool {
        &self.threads
    }

    /// Runs `op` inside the pool, as [`rayon::ThreadPool::install`] does:
    /// rayon work started by `op` runs on this pool's workers.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::WorkerPool;
    /// use rayon::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let sum: u64 = pool.install(|| (0..1000u64).into_par_iter().sum());
    /// assert_eq!(sum, 499_500);
    /// ```
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.threads.install(op)
    }

    /// Takes the exit results of the last map run on this pool whose results
    /// were not handed back otherwise (`map`, `map_unordered` and rayon
    /// chains; the `_with_state` forms return them in their
    /// [`Run`](crate::Run)).
    ///
    /// MPIRE's `get_exit_results`. `None` if no such map ran since the last
    /// call, or if its exit results are not of type `E`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// let squares = (0..100usize)
    ///     .mpire(&pool)
    ///     .worker_init(|_| ())
    ///     .worker_exit(|w, ()| w.id())
    ///     .map(|x| x * x);
    /// assert_eq!(squares.len(), 100);
    /// let exits: Vec<usize> = pool.exit_results().unwrap();
    /// assert!(!exits.is_empty() && exits.len() <= 2);
    /// ```
    #[doc(alias = "get_exit_results")]
    pub fn exit_results<E: 'static>(&self) -> Option<Vec<E>> {
        let mut slot = self.shared.exit_results.lock();
        match slot.take()?.downcast::<Vec<E>>() {
            Ok(exits) => Some(*exits),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }

    /// Keeps `exits` for [`exit_results`](Self::exit_results): added to the
    /// results not taken yet when those are of the same type (so that maps
    /// finishing together, or states retired by a later map, lose none), in
    /// place of results of another type.
    pub(crate) fn store_exit_results<E: Send + 'static>(&self, mut exits: Vec<E>) {
        let mut slot = self.shared.exit_results.lock();
        if let Some(kept) = slot.as_mut().and_then(|k| k.downcast_mut::<Vec<E>>()) {
            kept.append(&mut exits);
        } else {
            *slot = Some(Box::new(exits));
        }
    }

    /// Ends the worker states that a keep-alive pool holds: runs their exit
    /// hooks and keeps the results for [`exit_results`](Self::exit_results).
    ///
    /// MPIRE's `stop_and_join`. The threads stay up, so the pool can run more
    /// maps, which build new states. On a pool without keep-alive, or when no
    /// state is held, it does nothing.
    ///
    /// If it is never called, the exit hooks run when the last handle of the
    /// pool is dropped, and their results are discarded.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ExitPanicked`](crate::ErrorKind::ExitPanicked) when an
    /// exit hook panicked; the other hooks still ran.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::builder().n_jobs(2).keep_alive(true).build()?;
    /// for _ in 0..2 {
    ///     (0..100usize)
    ///         .mpire(&pool)
    ///         .worker_init(|_| 0usize)
    ///         .worker_exit(|_, seen| seen)
    ///         .map_with_state(|seen, x| {
    ///             *seen += 1;
    ///             x
    ///         });
    /// }
    /// pool.stop_and_join()?;
    /// let seen: Vec<usize> = pool.exit_results().unwrap();
    /// assert_eq!(seen.iter().sum::<usize>(), 200);
    /// # Ok::<(), mpire::Error>(())
    /// ```
    pub fn stop_and_join(&self) -> Result<(), Error> {
        let kept = self.shared.kept.lock().take();
        match kept {
            Some(kept) => kept.retire_into(self),
            None => Ok(()),
        }
    }

    /// The insights of the last map run on this pool with insights enabled;
    /// while that map runs (an `imap` being consumed), the insights so far.
    ///
    /// MPIRE's `get_insights`. `None` if no map enabled insights.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpire::prelude::*;
    ///
    /// let pool = WorkerPool::new(2);
    /// (0..100usize).mpire(&pool).enable_insights(true).map(|x| x * x);
    /// let insights = pool.insights().unwrap();
    /// assert_eq!(insights.n_completed_tasks().iter().sum::<usize>(), 100);
    /// ```
    #[doc(alias = "get_insights")]
    pub fn insights(&self) -> Option<Insights> {
        let recorder = self.shared.insights.lock().clone()?;
        Some(recorder.snapshot())
    }

    /// Prints [`insights`](Self::insights) to stdout, as MPIRE's
    /// `print_insights`; prints nothing if no map enabled insights.
    pub fn print_insights(&self) {
        if let Some(insights) = self.insights() {
            println!("{insights}");
        }
    }

    pub(crate) fn set_insights(&self, recorder: Arc<Recorder>) {
        *self.shared.insights.lock() = Some(recorder);
    }

    /// `true` if worker states outlive a map ([`WorkerPoolBuilder::keep_alive`]).
    pub fn keep_alive(&self) -> bool {
        self.shared.keep_alive
    }

    pub(crate) fn take_kept(&self) -> Option<Box<dyn KeptStates>> {
        if !self.shared.keep_alive {
            return None;
        }
        self.shared.kept.lock().take()
    }

    pub(crate) fn put_kept(&self, kept: Box<dyn KeptStates>) {
        let older = self.shared.kept.lock().replace(kept);
        if let Some(older) = older {
            // Two maps ran at once on a keep-alive pool: the states of the
            // one that finished first end here.
            let _ = older.retire_into(self);
        }
    }

    /// The worker id of the calling thread if it is one of this pool's
    /// workers.
    pub(crate) fn current_worker(&self) -> Option<usize> {
        self.threads.current_thread_index()
    }
}

impl Default for WorkerPool {
    /// A pool with one worker per available core, as MPIRE's `WorkerPool()`.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start the threads.
    fn default() -> Self {
        match WorkerPool::builder().build() {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        }
    }
}

impl fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("n_jobs", &self.n_jobs)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`WorkerPool`].
#[derive(Default)]
pub struct WorkerPoolBuilder {
    keep_alive: bool,
    n_jobs: Option<usize>,
    thread_name: Option<Box<dyn FnMut(usize) -> String>>,
    stack_size: Option<usize>,
}

impl WorkerPoolBuilder {
    /// The number of workers. By default, the machine's available
    /// parallelism.
    ///
    /// Zero is refused by [`build`](Self::build): a pool without workers
    /// could never run a task, and a map on it would wait forever.
    pub fn n_jobs(mut self, n_jobs: usize) -> Self {
        self.n_jobs = Some(n_jobs);
        self
    }

    /// Keeps worker states alive between maps. Off by default.
    ///
    /// MPIRE's `keep_alive`. A map whose state type matches the states held
    /// by the pool adopts them instead of calling `worker_init`; at the end
    /// of the map they go back to the pool instead of meeting `worker_exit`.
    /// The exit hooks run at [`WorkerPool::stop_and_join`], or, with their
    /// results discarded, when the pool is dropped. A map with another state
    /// type ends the held states first (their exit results go to
    /// [`WorkerPool::exit_results`]).
    pub fn keep_alive(mut self, keep_alive: bool) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Names the worker threads; by default they are named `mpire-worker-{id}`.
    pub fn thread_name(mut self, name: impl FnMut(usize) -> String + 'static) -> Self {
        self.thread_name = Some(Box::new(name));
        self
    }

    /// The stack size of each worker thread. By default, rayon's.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidOption`](crate::ErrorKind::InvalidOption) for
    /// `n_jobs` 0; [`ErrorKind::PoolBuild`](crate::ErrorKind::PoolBuild) if
    /// the threads cannot be started.
    pub fn build(self) -> Result<WorkerPool, Error> {
        let n_jobs = match self.n_jobs {
            Some(0) => {
                return Err(Error::invalid_option(
                    "n_jobs",
                    "0".to_string(),
                    "must be at least 1 (a pool without workers cannot run a task)",
                ));
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        };
        let mut builder = rayon::ThreadPoolBuilder::new()
            .num_threads(n_jobs)
            .start_handler(|_| crate::runtime::mark_worker_thread());
        builder = match self.thread_name {
            Some(name) => builder.thread_name(name),
            None => builder.thread_name(|i| format!("mpire-worker-{i}")),
        };
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        let threads = builder
            .build()
            .map_err(|e| Error::pool_build(e.to_string()))?;
        Ok(WorkerPool {
            threads: Arc::new(threads),
            n_jobs,
            shared: Arc::new(Shared {
                keep_alive: self.keep_alive,
                exit_results: Mutex::default(),
                kept: Mutex::default(),
                insights: Mutex::default(),
            }),
        })
    }
}

impl fmt::Debug for WorkerPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPoolBuilder")
            .field("n_jobs", &self.n_jobs)
            .field("stack_size", &self.stack_size)
            .finish_non_exhaustive()
    }
}

//! The options every map takes, and their validation.

use crate::error::Error;
use crate::plan::{self, ChunkPlan, ChunkSize};

/// The options shared by every entry point, as the user set them.
///
/// Setters only record; [`Options::validate`] checks everything at once when a
/// map starts, so a bad value is reported as an [`Error`] from the `try_`
/// forms instead of a panic deep inside a builder chain.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    pub(crate) chunk_size: Option<ChunkSize>,
    pub(crate) n_splits: Option<usize>,
    pub(crate) iterable_len: Option<usize>,
    pub(crate) worker_lifespan: Option<usize>,
    /// Only the plain-iterator bridge streams its input, so only its builder
    /// sets this.
    pub(crate) max_tasks_active: Option<usize>,
    /// Each builder has its own `enable_insights`, since describing items
    /// needs their type.
    pub(crate) enable_insights: bool,
    #[cfg(feature = "progress")]
    pub(crate) progress: crate::progress::ProgressOptions,
}

/// Options after validation.
#[derive(Clone, Debug)]
pub(crate) struct Checked {
    pub(crate) chunk_size: Option<f64>,
    pub(crate) n_splits: Option<usize>,
    pub(crate) iterable_len: Option<usize>,
    pub(crate) worker_lifespan: Option<usize>,
    pub(crate) max_tasks_active: Option<usize>,
    pub(crate) enable_insights: bool,
    #[cfg(feature = "progress")]
    pub(crate) progress: crate::progress::ProgressOptions,
}

fn at_least_one(option: &'static str, value: Option<usize>) -> Result<(), Error> {
    match value {
        Some(0) => Err(Error::invalid_option(
            option,
            "0".to_string(),
            "must be at least 1",
        )),
        _ => Ok(()),
    }
}

impl Options {
    /// Checks every option; the first bad one is reported.
    pub(crate) fn validate(&self) -> Result<Checked, Error> {
        let chunk_size = self.chunk_size.map(ChunkSize::validated).transpose()?;
        if let Some(s) = self.n_splits {
            plan::validate_n_splits(s)?;
        }
        at_least_one("worker_lifespan", self.worker_lifespan)?;
        at_least_one("max_tasks_active", self.max_tasks_active)?;
        Ok(Checked {
            chunk_size,
            n_splits: self.n_splits,
            iterable_len: self.iterable_len,
            worker_lifespan: self.worker_lifespan,
            max_tasks_active: self.max_tasks_active,
            enable_insights: self.enable_insights,
            #[cfg(feature = "progress")]
            progress: self.progress.clone(),
        })
    }
}

impl Checked {
    /// The plan for an input of `n_tasks` tasks, with `default_chunks` chunks
    /// when neither `chunk_size` nor `n_splits` is given.
    pub(crate) fn plan(&self, n_tasks: usize, default_chunks: usize) -> Result<ChunkPlan, Error> {
        let size =
            plan::effective_chunk_size(n_tasks, self.chunk_size, self.n_splits, default_chunks);
        ChunkPlan::new(n_tasks, size)
    }
}

/// Generates the option setters shared by every builder, with MPIRE's names.
/// The type must have a field `options: Options`.
macro_rules! option_setters {
    () => {
        /// The number of tasks handed to a worker at a time.
        ///
        /// By default the input is cut into `64 * n_jobs` chunks when its
        /// length is known (chunks of one when there are fewer tasks, and of
        /// at most 2^20 tasks for huge inputs, so that they stream). A
        /// fraction such as `2.5` is allowed: chunk sizes then alternate as
        /// MPIRE's do (`3, 2, 3, 2, …`). Takes precedence over `n_splits`.
        /// Values below 1, NaN and infinity are reported when the map starts.
        pub fn chunk_size(mut self, chunk_size: impl Into<$crate::ChunkSize>) -> Self {
            self.options.chunk_size = Some(chunk_size.into());
            self
        }

        /// The number of chunks to cut the input into. Not set by default.
        ///
        /// Needs the input's length (or `iterable_len`); `chunk_size` wins
        /// when both are given. Zero is reported when the map starts.
        pub fn n_splits(mut self, n_splits: usize) -> Self {
            self.options.n_splits = Some(n_splits);
            self
        }

        /// The number of tasks in the input. Not set by default: the length
        /// is taken from the input when it has one.
        ///
        /// A smaller value than the input's length processes only the first
        /// `iterable_len` tasks. A larger value is an error
        /// ([`ErrorKind::IterableLenMismatch`](crate::ErrorKind::IterableLenMismatch)).
        pub fn iterable_len(mut self, iterable_len: usize) -> Self {
            self.options.iterable_len = Some(iterable_len);
            self
        }

        /// Restarts a worker's state after it completed this many tasks. Not
        /// set by default: state lives for the whole map.
        ///
        /// The count is checked between chunks, so an incarnation may run up
        /// to `chunk_size - 1` tasks more. When reached, `worker_exit` runs
        /// (its result is kept), the state is dropped, and `worker_init` runs
        /// again before the worker's next chunk. Zero is reported when the
        /// map starts.
        pub fn worker_lifespan(mut self, worker_lifespan: usize) -> Self {
            self.options.worker_lifespan = Some(worker_lifespan);
            self
        }

        $crate::options::progress_setters!();
    };
}
pub(crate) use option_setters;

/// Generates the progress bar setters. The type must have a field
/// `options: Options`.
macro_rules! progress_setters {
    () => {
        /// Shows a progress bar on stderr, drawn only when stderr is a
        /// terminal. Off by default. Needs the `progress` feature (on by
        /// default).
        ///
        /// The bar shows the elapsed and remaining time, the tasks done out
        /// of the total with a percentage, and the rate. It counts finished
        /// tasks, updated once per chunk. A failed map marks the bar as
        /// failed.
        #[cfg(feature = "progress")]
        pub fn progress_bar(mut self, progress_bar: bool) -> Self {
            self.options.progress.enabled = progress_bar;
            self
        }

        /// The line of the progress bar among the bars shown at once (nested
        /// pools): 0 is the first line. By default the bar goes below those
        /// already shown. A bar at a position above 0 leaves the screen when
        /// it finishes (a failed one stays), so that the next bar at that
        /// position takes its line, as MPIRE's nested bars do. Implies
        /// [`progress_bar(true)`](Self::progress_bar).
        #[cfg(feature = "progress")]
        pub fn progress_bar_position(mut self, position: usize) -> Self {
            self.options.progress.enabled = true;
            self.options.progress.position = Some(position);
            self
        }

        /// The style of the progress bar (an indicatif style or template). By
        /// default a bar in the manner of MPIRE's.
        #[cfg(feature = "progress")]
        pub fn progress_bar_style(mut self, style: indicatif::ProgressStyle) -> Self {
            self.options.progress.style = Some(style);
            self
        }

        /// Draws the progress bar in `group` instead of the crate's shared
        /// multi-bar on stderr: to another target, or into an in-memory
        /// terminal in tests. Implies [`progress_bar(true)`](Self::progress_bar).
        #[cfg(feature = "progress")]
        pub fn progress_bar_group(mut self, group: indicatif::MultiProgress) -> Self {
            self.options.progress.enabled = true;
            self.options.progress.group = Some(group);
            self
        }
    };
}
pub(crate) use progress_setters;

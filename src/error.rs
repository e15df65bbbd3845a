//! The crate's one error type.

use std::any::Any;
use std::fmt;

/// What went wrong, as a coarse classification of an [`Error`].
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
/// use mpire::ErrorKind;
///
/// let pool = WorkerPool::new(2);
/// let err = (0..10usize).mpire(&pool).chunk_size(0).try_map(|x| x).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidOption);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An option was given a value it cannot take.
    InvalidOption,
    /// A task panicked.
    TaskPanicked,
    /// A `worker_init` hook panicked.
    InitPanicked,
    /// A `worker_exit` hook panicked.
    ExitPanicked,
    /// The input held a different number of tasks than `iterable_len` declared.
    IterableLenMismatch,
    /// The worker threads could not be started.
    PoolBuild,
    /// The arrays returned for the chunks of an array's rows could not be
    /// concatenated along axis 0: their trailing shapes differ.
    Concatenate,
}

/// An error from building a pool or running a map.
///
/// Messages name the option and the value (`chunk_size must be at least 1,
/// got 0`), or the task index, the worker and the original panic message.
/// The accessors give the same facts in structured form.
///
/// # Examples
///
/// ```
/// use mpire::prelude::*;
///
/// let pool = WorkerPool::new(2);
/// let err = (0..100usize)
///     .mpire(&pool)
///     .try_map(|x| if x == 42 { panic!("bad item") } else { x })
///     .unwrap_err();
/// assert_eq!(err.task_index(), Some(42));
/// assert_eq!(err.panic_message(), Some("bad item"));
/// assert!(err.worker_id().unwrap() < 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    repr: Repr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    InvalidOption {
        option: &'static str,
        value: String,
        reason: String,
    },
    Panicked {
        kind: ErrorKind,
        task_index: Option<usize>,
        worker_id: Option<usize>,
        message: String,
    },
    IterableLenMismatch {
        declared: usize,
        actual: usize,
    },
    PoolBuild {
        message: String,
    },
    Concatenate {
        chunk: usize,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
}

impl Error {
    pub(crate) fn invalid_option(option: &'static str, value: String, reason: &str) -> Error {
        Error {
            repr: Repr::InvalidOption {
                option,
                value,
                reason: reason.to_string(),
            },
        }
    }

    pub(crate) fn panicked(
        kind: ErrorKind,
        task_index: Option<usize>,
        worker_id: Option<usize>,
        payload: &(dyn Any + Send),
    ) -> Error {
        Error {
            repr: Repr::Panicked {
                kind,
                task_index,
                worker_id,
                message: panic_message(payload),
            },
        }
    }

    pub(crate) fn iterable_len_mismatch(declared: usize, actual: usize) -> Error {
        Error {
            repr: Repr::IterableLenMismatch { declared, actual },
        }
    }

    pub(crate) fn pool_build(message: String) -> Error {
        Error {
            repr: Repr::PoolBuild { message },
        }
    }

    /// Chunk `chunk` returned an array of shape `found`, which cannot be
    /// stacked under the first chunk's array of shape `expected`.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) fn concatenate(chunk: usize, expected: &[usize], found: &[usize]) -> Error {
        Error {
            repr: Repr::Concatenate {
                chunk,
                expected: expected.to_vec(),
                found: found.to_vec(),
            },
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match &self.repr {
            Repr::InvalidOption { .. } => ErrorKind::InvalidOption,
            Repr::Panicked { kind, .. } => *kind,
            Repr::IterableLenMismatch { .. } => ErrorKind::IterableLenMismatch,
            Repr::PoolBuild { .. } => ErrorKind::PoolBuild,
            Repr::Concatenate { .. } => ErrorKind::Concatenate,
        }
    }

    /// The option that was given a bad value, for [`ErrorKind::InvalidOption`].
    pub fn option(&self) -> Option<&str> {
        match &self.repr {
            Repr::InvalidOption { option, .. } => Some(option),
            _ => None,
        }
    }

    /// The bad value, as written, for [`ErrorKind::InvalidOption`].
    pub fn value(&self) -> Option<&str> {
        match &self.repr {
            Repr::InvalidOption { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The index in the input of the task that panicked, when known.
    ///
    /// Inputs of unknown order (rayon's unindexed iterators) have no index.
    pub fn task_index(&self) -> Option<usize> {
        match &self.repr {
            Repr::Panicked { task_index, .. } => *task_index,
            _ => None,
        }
    }

    /// The worker (0..n_jobs) on which the panic happened.
    pub fn worker_id(&self) -> Option<usize> {
        match &self.repr {
            Repr::Panicked { worker_id, .. } => *worker_id,
            _ => None,
        }
    }

    /// The original panic message, for the panic kinds.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panicked { message, .. } => Some(message),
            _ => None,
        }
    }

    /// `true` for the three panic kinds.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panicked { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::InvalidOption {
                option,
                value,
                reason,
            } => write!(f, "{option} {reason}, got {value}"),
            Repr::Panicked {
                kind,
                task_index,
                worker_id,
                message,
            } => {
                match kind {
                    ErrorKind::InitPanicked => f.write_str("worker_init panicked")?,
                    ErrorKind::ExitPanicked => f.write_str("worker_exit panicked")?,
                    _ => match task_index {
                        Some(i) => write!(f, "task {i} panicked")?,
                        None => f.write_str("a task panicked")?,
                    },
                }
                if let Some(w) = worker_id {
                    write!(f, " on worker {w}")?;
                }
                write!(f, ": {message}")
            }
            Repr::IterableLenMismatch { declared, actual } => write!(
                f,
                "iterable_len declared {declared} tasks but the input held {actual}"
            ),
            Repr::PoolBuild { message } => write!(f, "could not start the worker pool: {message}"),
            Repr::Concatenate { chunk, found, .. } if found.is_empty() => write!(
                f,
                "cannot concatenate the chunk outputs along axis 0: chunk {chunk} returned a \
                 0-dimensional array, which has no axis 0"
            ),
            Repr::Concatenate {
                chunk,
                expected,
                found,
            } => write!(
                f,
                "cannot concatenate the chunk outputs along axis 0: chunk {chunk} returned shape \
                 {found:?}, chunk 0 returned shape {expected:?}; all but the first axis must match"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The text of a panic payload: the `&str` or `String` it carries, if any.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

//! MPIRE's `WorkerPool` semantics on rayon.
//!
//! rayon makes data parallelism easy; this crate adds what users of Python's
//! [MPIRE](https://github.com/sybrenjansen/mpire) take for granted: explicit
//! chunking, per-worker state built once per worker with init and exit
//! hooks, worker lifespans, and the map family (`map`, `map_unordered`,
//! `imap`, `imap_unordered`), all running on a dedicated rayon thread pool.
//!
//! The key difference from rayon's `map_init`: state is built **once per
//! worker**, not once per split.
//!
//! # Example: MPIRE's map family
//!
//! ```
//! use mpire::prelude::*;
//!
//! let pool = WorkerPool::new(4);
//! let squares = (0..100usize).mpire(&pool).map(|x| x * x);
//! assert_eq!(squares[..5], [0, 1, 4, 9, 16]);
//!
//! let mut unordered = (0..100usize).mpire(&pool).chunk_size(10).map_unordered(|x| x * x);
//! unordered.sort();
//! assert_eq!(unordered, squares);
//! ```
//!
//! # Example: upgrading a rayon chain
//!
//! One call changes: `map(f)` becomes `mpire_map(&pool, f)`, and the rest of
//! the chain stays as it is.
//!
//! ```
//! use mpire::prelude::*;
//!
//! let pool = WorkerPool::new(2);
//! let v: Vec<u64> = (0..1000).collect();
//! let total: u64 = v.par_iter().mpire_map(&pool, |x| x * 2).sum();
//! assert_eq!(total, v.par_iter().map(|x| x * 2).sum::<u64>());
//! ```
//!
//! # Example: per-worker state with init and exit hooks
//!
//! ```
//! use mpire::prelude::*;
//!
//! let pool = WorkerPool::new(4);
//! let run = (0..100usize)
//!     .mpire(&pool)
//!     .worker_init(|_| 0usize)
//!     .worker_exit(|_, count_even| count_even)
//!     .map_with_state(|count_even, x| {
//!         if x % 2 == 0 {
//!             *count_even += 1;
//!         }
//!         x * x
//!     });
//! assert_eq!(run.exit_results().iter().sum::<usize>(), 50);
//! ```
//!
//! # Crate layout
//!
//! * [`pool`](WorkerPool): the dedicated thread pool;
//! * `options` and `plan`: the options, their validation, and MPIRE's chunk
//!   plan ([`utils::chunk_tasks`] exposes it);
//! * `scheduler`: how chunks reach the workers (its module documentation
//!   describes the design);
//! * `runtime`: worker ids, per-worker state, hooks and lifespan, panics;
//! * `map` and `chain`: the sources over rayon's parallel iterators;
//! * `bridge`: the source over plain iterators, streamed in bounded memory
//!   (its module documentation describes the dispatcher);
//! * `sink`: where results go (in order, unordered, lazily);
//! * `rows` (feature `ndarray`): the rows of ndarray arrays, cut into
//!   chunks numpy-style ([`MpireRows`], [`MpireRowsMut`]);
//! * [`Error`]: the one error type.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bridge;
mod chain;
mod error;
mod insights;
mod map;
mod options;
mod plan;
mod pool;
pub mod prelude;
#[cfg(feature = "progress")]
mod progress;
#[cfg(feature = "ndarray")]
mod rows;
mod runtime;
mod scheduler;
mod sink;
pub mod utils;

pub use bridge::{Bridge, BridgeImap, MpireBridge};
pub use chain::MpireMap;
pub use error::{Error, ErrorKind};
pub use insights::{Insights, Phase, SlowTask};
pub use map::{Mpire, ParallelMpire, Run};
pub use plan::ChunkSize;
pub use pool::{WorkerPool, WorkerPoolBuilder};
#[cfg(feature = "ndarray")]
pub use rows::{MpireRows, MpireRowsMut, Rows, RowsMut, RowsRun};
pub use runtime::{
    DebugItems, DescribeItem, Described, NoDescribe, NoExit, NoInit, Stateless, TaskFn, WithState,
    Worker, WorkerExit, WorkerInit, worker_id,
};
pub use sink::Imap;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

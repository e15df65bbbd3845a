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
//! # Example: tasks of several arguments
//!
//! A task receives one item. MPIRE unpacks a tuple into arguments and a
//! dictionary into keyword arguments; in Rust the task destructures a tuple
//! or a struct itself, and [`utils::star`] adapts a plain function of several
//! arguments. Rust has no keyword arguments, so MPIRE's dictionaries become a
//! struct:
//!
//! ```
//! use mpire::prelude::*;
//! use mpire::utils::star;
//!
//! fn multiply(x: usize, y: usize) -> usize {
//!     x * y
//! }
//!
//! let pool = WorkerPool::new(4);
//! let pairs: Vec<(usize, usize)> = (0..100).zip(100..200).collect();
//! assert_eq!(pairs.clone().mpire(&pool).map(|(x, y)| x * y)[..3], [0, 101, 204]);
//! assert_eq!(pairs.mpire(&pool).map(star(multiply))[..3], [0, 101, 204]);
//!
//! // [{'x': 0, 'y': 100}, {'y': 101, 'x': 1}, ...]
//! struct Args {
//!     x: usize,
//!     y: usize,
//! }
//! let args = vec![Args { x: 0, y: 100 }, Args { y: 101, x: 1 }];
//! let products = args.mpire(&pool).map(|Args { x, y }| multiply(x, y));
//! assert_eq!(products, [0, 101]);
//! ```
//!
//! # Feature flags
//!
//! * `progress` (on by default): progress bars ([`Mpire::progress_bar`] and
//!   its siblings), drawn by indicatif, which it pulls in.
//! * `ndarray` (off by default): `mpire_rows` and `mpire_rows_mut`,
//!   numpy-style row chunking of ndarray arrays and views; pulls in ndarray.
//!
//! # Crate layout
//!
//! * [`pool`](WorkerPool): the dedicated thread pool, keep-alive states, and
//!   the last map's exit results and insights;
//! * `options` and `plan`: the options, their validation, and MPIRE's chunk
//!   plan ([`utils::chunk_tasks`] exposes it);
//! * `scheduler`: how the chunks of a rayon iterator reach the workers (the
//!   design notes are in the module's source, as for the modules below);
//! * `runtime`: worker ids, per-worker state, hooks and lifespan, panics;
//!   every chunk of every source runs through it;
//! * the sources: `map` and `chain` over rayon's parallel iterators, `bridge`
//!   over plain iterators, `rows` over ndarray arrays;
//! * `sink`: where results go (in order, unordered, lazily);
//! * `insights` and `progress`: what a map reports while it runs;
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

//! The traits and types most programs need: `use mpire::prelude::*;`.
//!
//! Also re-exports rayon's prelude, so that `par_iter` and friends are in
//! scope too.

pub use crate::bridge::MpireBridge;
pub use crate::map::ParallelMpire;
pub use crate::pool::WorkerPool;
#[cfg(feature = "ndarray")]
pub use crate::rows::{MpireRows, MpireRowsMut};
pub use rayon::prelude::*;

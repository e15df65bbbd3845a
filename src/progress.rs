//! Progress bars, drawn by indicatif.
//!
//! Every bar lives in a [`MultiProgress`]: by default one shared by the whole
//! process and drawn to stderr (indicatif draws nothing when stderr is not a
//! terminal), so that the bars of nested pools each get a line of their own.
//! The runtime counts finished tasks once per chunk; indicatif rate-limits the
//! drawing.

use std::fmt;
use std::sync::{Arc, OnceLock};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Error;
use crate::options::Checked;
use crate::plan::ChunkPlan;

/// The default bar, in the manner of MPIRE's (tqdm's): percentage, bar, done
/// and total, elapsed and remaining time, rate.
const TEMPLATE: &str =
    "{percent:>3}%|{bar:30}| {pos}/{len} [{elapsed_precise}<{eta_precise}, {rate}] {msg}";

/// The bar of an input whose length is not known yet.
const UNSIZED_TEMPLATE: &str = "{spinner} {pos} [{elapsed_precise}, {rate}] {msg}";

/// The progress options of a map.
#[derive(Clone, Default)]
pub(crate) struct ProgressOptions {
    pub(crate) enabled: bool,
    pub(crate) position: Option<usize>,
    pub(crate) style: Option<ProgressStyle>,
    pub(crate) group: Option<MultiProgress>,
    /// Count rows instead of tasks: task `k` is chunk `k` of this plan, and
    /// the total is the plan's number of rows.
    pub(crate) rows: Option<Arc<ChunkPlan>>,
}

impl fmt::Debug for ProgressOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressOptions")
            .field("enabled", &self.enabled)
            .field("position", &self.position)
            .field("style", &self.style.is_some())
            .field("group", &self.group.is_some())
            .field("rows", &self.rows.is_some())
            .finish()
    }
}

/// The process-wide multi-bar on stderr.
fn shared_group() -> &'static MultiProgress {
    static GROUP: OnceLock<MultiProgress> = OnceLock::new();
    GROUP.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// The bar of one map.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
    rows: Option<Arc<ChunkPlan>>,
    /// A bar below the first line makes room for the next bar at its
    /// position when it finishes, as MPIRE's nested bars do.
    clear_when_done: bool,
}

impl Progress {
    /// The bar the options ask for, with `total` tasks when known.
    pub(crate) fn for_map(checked: &Checked, total: Option<usize>) -> Option<Progress> {
        let options = &checked.progress;
        if !options.enabled {
            return None;
        }
        let total = match &options.rows {
            Some(plan) => Some(plan.n_tasks()),
            None => total,
        };
        let bar = match total {
            Some(total) => ProgressBar::new(total as u64),
            None => ProgressBar::no_length(),
        };
        let style = options
            .style
            .clone()
            .unwrap_or_else(|| default_style(total.is_some()));
        bar.set_style(style);
        let group = options
            .group
            .clone()
            .unwrap_or_else(|| shared_group().clone());
        let bar = match options.position {
            Some(position) => group.insert(position, bar),
            None => group.add(bar),
        };
        Some(Progress {
            bar,
            rows: options.rows.clone(),
            clear_when_done: options.position.is_some_and(|p| p > 0),
        })
    }

    /// The `n` tasks from `first` on finished (`first` is `None` when the
    /// input has no positions).
    #[inline]
    pub(crate) fn inc(&self, first: Option<usize>, n: usize) {
        let amount = match (&self.rows, first) {
            (Some(plan), Some(first)) => plan.start(first + n) - plan.start(first),
            _ => n,
        };
        self.bar.inc(amount as u64);
    }

    /// The input turned out to hold `total` tasks.
    pub(crate) fn set_total(&self, total: usize) {
        if self.bar.length().is_none() {
            self.bar.set_style(default_style(true));
        }
        self.bar.set_length(total as u64);
    }

    /// The map is over: the bar is finished, or marked failed.
    pub(crate) fn finish(&self, failed: Option<&Error>) {
        match failed {
            Some(error) => self.bar.abandon_with_message(format!("FAILED: {error}")),
            None => {
                if self.bar.length().is_none() {
                    self.set_total(self.bar.position() as usize);
                }
                if self
                    .bar
                    .length()
                    .is_some_and(|len| self.bar.position() < len)
                {
                    // Stopped early (a dropped imap, a short-circuiting
                    // consumer): the bar keeps the count it reached.
                    self.bar.abandon();
                    return;
                }
                if self.clear_when_done {
                    self.bar.finish_and_clear();
                } else {
                    self.bar.finish();
                }
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // A map that ended without reaching `finish` (its caller unwound)
        // still leaves its bar in a final state.
        if !self.bar.is_finished() {
            self.bar.abandon();
        }
    }
}

fn default_style(sized: bool) -> ProgressStyle {
    let template = if sized { TEMPLATE } else { UNSIZED_TEMPLATE };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉▊▋▌▍▎▏ ")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1} tasks/s", state.per_sec());
            },
        )
}

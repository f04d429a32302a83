//! Progress on stderr: one bar per region (functions done / found), and counting bars (packages scanned, accounts
//! done), shown only when asked (a terminal, not --quiet).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The set of region bars; hidden when progress is off.
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            multi: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A bar for one region (a hidden one when progress is off).
    pub fn region(&self, region: &str) -> RegionProgress {
        let Some(multi) = &self.multi else {
            return RegionProgress(ProgressBar::hidden());
        };
        let style =
            ProgressStyle::with_template("{prefix:>15} [{bar:30}] {pos}/{len} functions {msg}")
                .expect("static template")
                .progress_chars("=> ");
        let bar = multi.add(
            ProgressBar::new(0)
                .with_style(style)
                .with_prefix(region.to_string()),
        );
        RegionProgress(bar)
    }
}

/// A bar on stderr counting `len` things in `template` (indicatif's; `{bar:30}` is drawn with `=> `); a hidden one
/// when progress is off.
pub fn counter(enabled: bool, len: usize, template: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(template)
        .expect("static template")
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr()).with_style(style)
}

/// One region's bar.
pub struct RegionProgress(ProgressBar);

impl RegionProgress {
    /// More functions were listed.
    pub fn found(&self, count: u64) {
        self.0.inc_length(count);
    }

    /// One function is complete.
    pub fn done(&self) {
        self.0.inc(1);
    }

    /// A phase of the region (`metrics`, `done`, `not enabled`).
    pub fn phase(&self, message: &'static str) {
        self.0.set_message(message);
    }

    pub fn finish(&self, message: &'static str) {
        self.0.finish_with_message(message);
    }
}

//! The HTML report of the demo account in a real headless browser (Debian's chromium, installed by
//! tests/browser/setup.sh): the page renders (a non-trivial, non-blank screenshot showing the severity chart's colours)
//! without any network.
//!
//! Skips with a loud message only when chromium is absent AND `LP_REQUIRE_BROWSER` is unset; CI sets it.

#[path = "support/report.rs"]
mod report;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use report::*;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.is_file())
    })
}

/// Run chromium headless on `page`, writing `png`; killed after two minutes.
fn screenshot(browser: &Path, page: &Path, png: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            if !status.success() {
                let mut err = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).ok();
                panic!("chromium failed ({status}): {err}");
            }
            return;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (distinct colours, share of non-white pixels, whether `rgb` appears) of an 8-bit RGB(A) PNG.
fn analyse(png_path: &Path, rgb: [u8; 3]) -> (usize, f64, bool) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = &buf[..info.buffer_size()];
    let mut colours = HashSet::new();
    let (mut non_white, mut found) = (0usize, false);
    for px in pixels.chunks_exact(channels) {
        let c = [px[0], px[1], px[2]];
        colours.insert(c);
        if c != [255, 255, 255] {
            non_white += 1;
        }
        found |= c == rgb;
    }
    (
        colours.len(),
        non_white as f64 / (pixels.len() / channels) as f64,
        found,
    )
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var_os("LP_REQUIRE_BROWSER").is_some() {
            panic!("LP_REQUIRE_BROWSER is set but chromium is not installed: run tests/browser/setup.sh");
        }
        skipped("the HTML report browser test needs chromium: run tests/browser/setup.sh, or set LP_REQUIRE_BROWSER=1 to fail instead");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = scan(
        &root().join("mocks/demo-account.json"),
        &["--format", "html", "--output", page.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let png_path = dir.path().join("report.png");
    screenshot(&browser, &page, &png_path);
    let size = std::fs::metadata(&png_path)
        .expect("a screenshot was written")
        .len();
    assert!(size > 20_000, "screenshot only {size} bytes: blank page?");
    // The severity chart's "low" bar is a solid rectangle of #0277bd: the page really rendered, styles included.
    let (colours, ink, low_bar) = analyse(&png_path, [0x02, 0x77, 0xbd]);
    assert!(
        colours > 50,
        "only {colours} distinct colours: blank or unstyled page"
    );
    assert!(
        ink > 0.02,
        "only {:.1}% of the page is not white",
        ink * 100.0
    );
    assert!(
        low_bar,
        "the severity chart's low bar colour is not on the screenshot"
    );
}

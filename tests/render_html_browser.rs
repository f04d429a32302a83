//! The HTML report of the demo account in a real headless browser (Debian's chromium, installed by
//! tests/browser/setup.sh): the page renders (a non-trivial, non-blank screenshot showing the severity chart's colours)
//! without any network; in the DOM chromium builds, the "fix first" block lists the demo's critical and high failures,
//! the table of contents links every severity and check, and every jump link lands on an element; a jump to a finding
//! scrolls to it and highlights it (the `:target` colour is on the screenshot); 1920 wide, the tables span the window
//! and each function's bar draws its risk (the worst function's long and red, sound ones short and green).
//!
//! `LP_HTML_SCREENSHOTS=DIR` keeps the screenshots in DIR (to look at them, or refresh docs/img/html-report.png).
//!
//! Skips with a loud message only when chromium is absent AND `LP_REQUIRE_BROWSER` is unset; CI sets it.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{cli::*, *};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.is_file())
    })
}

/// Run chromium headless with `args` on `url`, its standard output to `stdout`; killed after two minutes.
fn chromium_run(browser: &Path, args: &[String], url: &str, stdout: &Path) {
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
        .args(args)
        .arg(url)
        .stdout(std::fs::File::create(stdout).unwrap())
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

/// A screenshot `width` × `height` pixels of `url` in `png` (kept in `$LP_HTML_SCREENSHOTS` when set).
fn screenshot(browser: &Path, url: &str, (width, height): (u32, u32), png: &Path) {
    let log = png.with_extension("log");
    chromium_run(
        browser,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
        ],
        url,
        &log,
    );
    if let Some(dir) = std::env::var_os("LP_HTML_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(png, Path::new(&dir).join(png.file_name().unwrap())).unwrap();
    }
}

/// The document as chromium parsed it.
fn dom(browser: &Path, url: &str, dir: &Path) -> String {
    let path = dir.join("dom.html");
    chromium_run(browser, &["--dump-dom".into()], url, &path);
    std::fs::read_to_string(path).unwrap()
}

/// The values of `attribute="…"` in `html`, in order.
fn values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(" {attribute}=\"");
    html.split(&marker)
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// The pixels of an 8-bit RGB(A) PNG: (width, rows of RGB).
fn pixels(png_path: &Path) -> (usize, Vec<[u8; 3]>) {
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
    let rgb = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|px| [px[0], px[1], px[2]])
        .collect();
    (info.width as usize, rgb)
}

/// (distinct colours, share of non-white pixels, whether `rgb` appears) of an 8-bit RGB(A) PNG.
fn analyse(png_path: &Path, rgb: [u8; 3]) -> (usize, f64, bool) {
    let (_, pixels) = pixels(png_path);
    let colours: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    let non_white = pixels.iter().filter(|&&c| c != [255, 255, 255]).count();
    (
        colours.len(),
        non_white as f64 / pixels.len() as f64,
        colours.contains(&rgb),
    )
}

/// Horizontal runs of `rgb`: (row, first column, length) of each, left to right, top to bottom.
fn runs(width: usize, pixels: &[[u8; 3]], rgb: [u8; 3]) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    for (y, row) in pixels.chunks_exact(width).enumerate() {
        let mut x = 0;
        while x < width {
            let start = x;
            while x < width && row[x] == rgb {
                x += 1;
            }
            if x > start {
                found.push((y, start, x - start));
            }
            x += 1;
        }
    }
    found
}

/// How many pixels of `rgb` stand in column `x` from row `y`, up and down together.
fn column_extent(width: usize, pixels: &[[u8; 3]], x: usize, y: usize, rgb: [u8; 3]) -> usize {
    let at = |y: usize| pixels.get(y * width + x) == Some(&rgb);
    let up = (0..y).rev().take_while(|&y| at(y)).count();
    let down = (y..pixels.len() / width).take_while(|&y| at(y)).count();
    up + down
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
        &demo_path(),
        &["--format", "html", "--output", page.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let url = format!("file://{}", page.display());
    let png_path = dir.path().join("report.png");
    screenshot(&browser, &url, (1280, 2000), &png_path);
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

    let dom = dom(&browser, &url, dir.path());
    let report = scan_json(&demo_path(), &[]);
    let findings = report["findings"].as_array().unwrap();
    let is = |f: &serde_json::Value, status: &str, severity: &str| {
        f["status"] == status && f["severity"] == severity
    };
    // fix first: every critical and high failure of the demo (fewer than the block's maximum of 100), nothing else
    let urgent: Vec<&str> = findings
        .iter()
        .filter(|f| is(f, "fail", "critical") || is(f, "fail", "high"))
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!urgent.is_empty() && urgent.len() < 100);
    let fix_first = &dom[dom.find("id=\"fix-first\"").expect("a fix-first block")
        ..dom.find("id=\"contents\"").expect("a table of contents")];
    assert_eq!(
        fix_first.matches("<tr class=\"urgent\">").count(),
        urgent.len()
    );
    for id in &urgent {
        assert!(
            fix_first.contains(&format!("href=\"#f-{id}\"")),
            "{id} is not in the fix-first block"
        );
    }
    let last_critical = fix_first
        .rfind(">critical<")
        .expect("the demo fails critical checks");
    let first_high = fix_first
        .find(">high<")
        .expect("the demo fails high checks");
    assert!(
        last_critical < first_high,
        "critical findings come before high ones"
    );
    // the table of contents: one link per severity present and per check at that severity
    let toc = &dom[dom.find("<nav class=\"toc\"").unwrap()..dom.find("</nav>").unwrap()];
    let toc_links = values(toc, "href");
    for f in findings {
        let severity = f["severity"].as_str().unwrap();
        let check = f["check_id"].as_str().unwrap();
        for link in [
            format!("#sev-{severity}"),
            format!("#check-{severity}-{check}"),
        ] {
            assert!(
                toc_links.contains(&link.as_str()),
                "the contents have no link to {link}"
            );
        }
    }
    // every jump link of the page lands on exactly one element
    let ids = values(&dom, "id");
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an element id is used twice");
    let links: Vec<&str> = values(&dom, "href")
        .into_iter()
        .filter_map(|h| h.strip_prefix('#'))
        .collect();
    assert!(
        links.len() > urgent.len() + findings.len() / 10,
        "{} links",
        links.len()
    );
    for link in &links {
        assert!(unique.contains(link), "#{link} jumps nowhere");
    }
    // a link to the worst finding lands on its row, which the page highlights (`:target`). The window is tall
    // enough to hold the row without scrolling: headless chromium paints nothing but the first screen on a scrolled page.
    let target = dir.path().join("report-jump.png");
    screenshot(
        &browser,
        &format!("{url}#f-{}", urgent[0]),
        (1280, 16_000),
        &target,
    );
    let highlight = [0xff, 0xf3, 0xb0];
    assert!(
        analyse(&target, highlight).2,
        "the jump target's highlight is not on the screenshot"
    );
    assert!(
        !analyse(&png_path, highlight).2,
        "without a jump nothing is highlighted"
    );

    // The whole page 1920 wide: the tables span the window and each function's bar draws its risk.
    let wide = dir.path().join("report-wide.png");
    screenshot(&browser, &url, (1920, 16_000), &wide);
    let (width, pixels) = pixels(&wide);
    // Columns that use the width: every table row's 1-px border runs across nearly the whole window (the body has
    // no maximum width; it kept the page 1,200 px wide before), one per function row at least.
    let line = [0xd9, 0xde, 0xe3];
    let full_rows: HashSet<usize> = runs(width, &pixels, line)
        .into_iter()
        .filter(|&(_, _, len)| len * 10 >= width * 9)
        .map(|(y, _, _)| y)
        .collect();
    let functions = report["functions"].as_array().unwrap();
    assert!(
        full_rows.len() >= functions.len(),
        "{} lines span 90% of the window; {} function rows",
        full_rows.len(),
        functions.len()
    );
    // The risk bars (64 x 10 px): the widest red bar is the worst function's, as long as its risk (100 - score);
    // green bars (score 90 or more) are short. A 10-px tall run tells a bar from the chart's 18-px bars, borders and text.
    let bars = |rgb: [u8; 3]| -> Vec<usize> {
        runs(width, &pixels, rgb)
            .into_iter()
            .filter(|&(y, x, len)| {
                (8..=12).contains(&column_extent(width, &pixels, x + len / 2, y, rgb))
            })
            .map(|(_, _, len)| len)
            .collect()
    };
    let score = |f: &serde_json::Value| f["score"].as_u64().unwrap() as usize;
    let worst = functions.iter().map(score).min().unwrap();
    let worst_bar = 64 * (100 - worst) / 100;
    assert!(worst_bar >= 32, "the demo's worst function scores {worst}");
    let red = bars([0xc6, 0x28, 0x28]);
    let longest = red.iter().copied().max().unwrap_or(0);
    assert!(
        longest + 6 >= worst_bar && longest <= 64,
        "widest red bar {longest} px; the worst function's risk draws {worst_bar} px"
    );
    let green = bars([0x2e, 0x7d, 0x32]);
    assert!(
        functions.iter().any(|f| score(f) >= 90) && !green.is_empty(),
        "no green bar"
    );
    assert!(
        green.iter().all(|&len| len <= 8),
        "a sound function's bar is short: {green:?}"
    );
}

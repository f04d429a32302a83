//! Helpers for the scanner's tests and benchmark: zips built in memory or on disk, a tiny fake detector (so the
//! scanner's tests do not depend on the detector's rules), and a minimal HTTP server on 127.0.0.1.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::Hit;

/// The only "secret" the fake detector knows.
pub const FAKE_KEY: &str = "FAKEKEY0123456789ABC";

/// Finds [`FAKE_KEY`] on any line.
pub fn detect_fake(text: &str) -> Vec<Hit> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(FAKE_KEY))
        .map(|(i, _)| Hit {
            line: i as u32 + 1,
            rule_id: "fake-key".into(),
            masked_preview: "FAKE…(20 chars)".into(),
        })
        .collect()
}

/// A zip of `(path, bytes)` entries, deflated.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (path, data) in files {
        zip.start_file(*path, options).expect("start entry");
        zip.write_all(data).expect("write entry");
    }
    zip.finish().expect("finish zip").into_inner()
}

/// Bytes in an anonymous temp file, positioned at the start.
pub fn temp_file(bytes: &[u8]) -> std::fs::File {
    let mut file = tempfile::tempfile().expect("temp file");
    file.write_all(bytes).expect("write temp file");
    file.seek(SeekFrom::Start(0)).expect("rewind");
    file
}

/// What the test server answers for a path.
#[derive(Clone)]
pub enum Reply {
    /// 200 with these bytes.
    Bytes(Arc<Vec<u8>>),
    /// 200 with this file's content, streamed.
    File(PathBuf),
    /// An error status with an empty body.
    Status(u16),
    /// 200 with a Content-Length header of this size, then nothing.
    Stall(u64),
}

/// A minimal HTTP/1.1 server on 127.0.0.1 (one thread per connection); counts the requests per path.
pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<std::sync::Mutex<HashMap<String, usize>>>,
    total: Arc<AtomicUsize>,
}

impl TestServer {
    /// Serve `route(path)` for every GET until the process exits.
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(std::sync::Mutex::new(HashMap::new()));
        let total = Arc::new(AtomicUsize::new(0));
        let route = Arc::new(route);
        let (counted, all) = (Arc::clone(&requests), Arc::clone(&total));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (route, counted, all) =
                    (Arc::clone(&route), Arc::clone(&counted), Arc::clone(&all));
                std::thread::spawn(move || {
                    let _ = answer(stream, &*route, &counted, &all);
                });
            }
        });
        TestServer {
            addr,
            requests,
            total,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests received for `path` (query excluded).
    pub fn requests(&self, path: &str) -> usize {
        self.requests
            .lock()
            .expect("requests")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn total_requests(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

fn answer(
    stream: TcpStream,
    route: &(dyn Fn(&str) -> Reply + Send + Sync),
    counted: &std::sync::Mutex<HashMap<String, usize>>,
    all: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target).to_string();
    *counted
        .lock()
        .expect("requests")
        .entry(path.clone())
        .or_default() += 1;
    all.fetch_add(1, Ordering::SeqCst);
    let mut out = stream;
    let head = |status: &str, len: u64| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match route(&path) {
        Reply::Bytes(bytes) => {
            out.write_all(head("200 OK", bytes.len() as u64).as_bytes())?;
            out.write_all(&bytes)?;
        }
        Reply::File(file) => {
            let mut file = std::fs::File::open(file)?;
            let len = file.metadata()?.len();
            out.write_all(head("200 OK", len).as_bytes())?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n])?;
            }
        }
        Reply::Status(code) => out.write_all(head(&format!("{code} Test"), 0).as_bytes())?,
        Reply::Stall(len) => {
            out.write_all(head("200 OK", len).as_bytes())?;
            std::thread::sleep(Duration::from_secs(30));
        }
    }
    out.flush()
}

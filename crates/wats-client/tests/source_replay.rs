//! Generated create/append/rename/truncate/delete sequences replayed against a real source,
//! checked against what must hold whatever the timing: once the folder is quiet, every
//! matching file has been handed over with its final content and nothing more comes; and a
//! file never removed is never handed over twice with the same content in a row.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wats_client::source::{hash_file, ReadyFile, Source, SourceConfig};

const NAMES: [&str; 4] = ["a.log", "b.log", "c.log", "a.tmp"];

#[derive(Debug)]
enum Op {
    Write(usize, String),
    Append(usize, String),
    Rename(usize, usize),
    Truncate(usize),
    Delete(usize),
    Pause(u64),
}

fn generate(rng: &mut fastrand::Rng, n: usize) -> Vec<Op> {
    (0..n)
        .map(|_| match rng.u8(0..10) {
            0..=2 => Op::Write(rng.usize(0..NAMES.len()), format!("v{}", rng.u8(0..4))),
            3 => Op::Append(rng.usize(0..NAMES.len()), "+".into()),
            4 => Op::Rename(rng.usize(0..NAMES.len()), rng.usize(0..NAMES.len())),
            5 => Op::Truncate(rng.usize(0..NAMES.len())),
            6 => Op::Delete(rng.usize(0..NAMES.len())),
            7 => Op::Pause(400), // longer than the settle time: files may be handed over
            _ => Op::Pause(rng.u64(0..60)),
        })
        .collect()
}

struct Log {
    /// Per path: what was handed over, in order.
    yielded: HashMap<PathBuf, Vec<String>>,
    /// Per path: removed (deleted or renamed away) since its last hand-over.
    removed: HashMap<PathBuf, bool>,
}

impl Log {
    fn take(&mut self, src: &mut Source, f: ReadyFile) {
        let history = self.yielded.entry(f.path.clone()).or_default();
        let removed = self.removed.insert(f.path.clone(), false).unwrap_or(false);
        if let Some(last) = history.last() {
            assert!(
                removed || *last != f.hash,
                "{} handed over twice with the same content, never removed in between",
                f.path.display()
            );
        }
        history.push(f.hash);
        src.ack(&f.path).unwrap();
    }

    fn drain(&mut self, src: &mut Source) {
        while let Some(f) = src.try_next() {
            self.take(src, f);
        }
    }
}

fn apply(dir: &Path, op: &Op, log: &mut Log) {
    let p = |i: usize| dir.join(NAMES[i]);
    match op {
        Op::Write(i, text) => fs::write(p(*i), text).unwrap(),
        Op::Append(i, text) => {
            let mut f = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p(*i))
                .unwrap();
            f.write_all(text.as_bytes()).unwrap();
        }
        Op::Rename(a, b) => {
            if a != b && p(*a).exists() {
                fs::rename(p(*a), p(*b)).unwrap();
                log.removed.insert(p(*a), true);
                log.removed.insert(p(*b), true); // replaced: a new file under that name
            }
        }
        Op::Truncate(i) => {
            if p(*i).exists() {
                fs::File::create(p(*i)).unwrap();
            }
        }
        Op::Delete(i) => {
            if p(*i).exists() {
                fs::remove_file(p(*i)).unwrap();
                log.removed.insert(p(*i), true);
            }
        }
        Op::Pause(ms) => std::thread::sleep(Duration::from_millis(*ms)),
    }
}

fn replay(seed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let dir = root.join("in");
    fs::create_dir(&dir).unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    // Some files exist before the source starts.
    for name in &NAMES[..2] {
        if rng.bool() {
            fs::write(dir.join(name), "start").unwrap();
        }
    }
    let config = SourceConfig {
        patterns: vec!["*.log".into()],
        settle: Duration::from_millis(150),
        // Either rescans every 300 ms, or events alone after the start-up scan.
        rescan_interval: Duration::from_millis(if rng.bool() { 300 } else { 3_600_000 }),
        ..SourceConfig::new("replay", &dir)
    };
    let ledger = root.join("ledger.sqlite");
    let mut src = Source::start(config.clone(), &ledger).unwrap();
    let mut log = Log {
        yielded: HashMap::new(),
        removed: HashMap::new(),
    };
    let ops = generate(&mut rng, 25);
    for (n, op) in ops.iter().enumerate() {
        apply(&dir, op, &mut log);
        log.drain(&mut src);
        // Half-way, a restart: the ledger carries what was acked.
        if n == ops.len() / 2 {
            src.stop();
            src = Source::start(config.clone(), &ledger).unwrap();
        }
    }

    // Quiet now: wait until every final file was handed over with its final content.
    let finals: Vec<(PathBuf, String)> = NAMES
        .iter()
        .filter(|n| n.ends_with(".log"))
        .map(|n| dir.join(n))
        .filter(|p| p.exists())
        .map(|p| {
            let h = hash_file(&p).unwrap();
            (p, h)
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        log.drain(&mut src);
        let done = finals
            .iter()
            .all(|(p, h)| log.yielded.get(p).and_then(|v| v.last()) == Some(h));
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "seed {seed}: final files not handed over with their final content\nops: {ops:#?}\nfinal: {finals:#?}\nyielded: {:#?}",
            log.yielded
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // And nothing more comes, except (timing allowing) a file removed and written again with
    // the content it had: the source may or may not have seen it gone, both are right.
    std::thread::sleep(Duration::from_millis(700));
    src.rescan();
    std::thread::sleep(Duration::from_millis(400));
    while let Some(extra) = src.try_next() {
        let was_removed = log.removed.get(&extra.path).copied().unwrap_or(false);
        let is_final = finals
            .iter()
            .any(|(p, h)| *p == extra.path && *h == extra.hash);
        assert!(
            was_removed && is_final,
            "seed {seed}: unexpected {extra:?} after quiet\nops: {ops:#?}"
        );
        log.take(&mut src, extra);
    }
    // Nothing that is not a *.log file was ever handed over.
    assert!(log
        .yielded
        .keys()
        .all(|p| p.extension().is_some_and(|e| e == "log")));
}

#[test]
fn generated_sequences_hold_the_invariants() {
    let seeds: Vec<u64> = match std::env::var("WATS_SOURCE_REPLAY_SEEDS") {
        Ok(n) => (0..n.parse().unwrap()).collect(),
        Err(_) => (0..6).collect(),
    };
    for seed in seeds {
        replay(seed);
    }
}

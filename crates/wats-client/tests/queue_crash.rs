//! Crash safety of the queue: a queue abandoned mid-claim, and a real process killed with
//! SIGKILL at random moments while it enqueues, claims and settles entries. After reopening,
//! everything acknowledged is there, nothing is left `uploading`, and the file is sound.
//!
//! The killed process is this test binary itself, re-run with `QUEUE_CRASH_CHILD` set (the
//! `crash_child` test does the work then and is a no-op otherwise).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use uuid::Uuid;
use wats_client::queue::{ErrorKind, Queue, QueueOptions, State};
use wats_report::{Report, ReportBuilder};

fn report(id: Uuid, sn: &str) -> Report {
    ReportBuilder::uut("PN-C", sn, "A", 10)
        .id(id)
        .build_unchecked()
}

fn open(path: &Path) -> Queue {
    Queue::open(path, QueueOptions::default()).unwrap()
}

#[test]
fn abandoned_mid_claim_everything_returns_to_pending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let q = open(&path);
    let ids: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().enumerate() {
        q.enqueue(&report(*id, &format!("SN{i}")), None).unwrap();
    }
    let claimed = q.claim_due(SystemTime::now(), 20).unwrap();
    for e in &claimed[..5] {
        q.complete(e.id()).unwrap();
    }
    q.park(claimed[5].id(), ErrorKind::Rejected, "bad").unwrap();
    // No shutdown: the connection is leaked as a crash would leave it (WAL not checkpointed).
    std::mem::forget(q);

    let q = open(&path);
    let s = q.stats().unwrap();
    assert_eq!((s.done, s.parked, s.uploading, s.pending), (5, 1, 0, 44));
    for e in &claimed[6..] {
        let info = q.get(e.id()).unwrap().unwrap();
        assert_eq!((info.state, info.attempts), (State::Pending, 1));
    }
    // All due again at once.
    assert_eq!(q.claim_due(SystemTime::now(), 100).unwrap().len(), 44);
}

/// The child's work loop: prints a line after each committed step.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("QUEUE_CRASH_CHILD") else {
        return;
    };
    let q = open(Path::new(&path));
    let mut i = 0u64;
    loop {
        let id = Uuid::new_v4();
        q.enqueue(&report(id, &format!("SN{i}")), None).unwrap();
        println!("Q {id}");
        if i.is_multiple_of(3) {
            let claimed = q.claim_due(SystemTime::now(), 4).unwrap();
            for (j, e) in claimed.iter().enumerate() {
                println!("C {}", e.id());
                match j {
                    0 => {
                        q.complete(e.id()).unwrap();
                        println!("D {}", e.id());
                    }
                    1 if i.is_multiple_of(9) => {
                        q.park(e.id(), ErrorKind::Rejected, "no").unwrap();
                        println!("P {}", e.id());
                    }
                    // The rest stay uploading until the kill.
                    _ => {}
                }
            }
        }
        i += 1;
    }
}

#[test]
fn killed_at_random_moments_loses_nothing() {
    let exe = std::env::current_exe().unwrap();
    let rounds: u32 = std::env::var("QUEUE_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    // Every id ever acknowledged, with the last state the child reported.
    let mut acked: BTreeMap<Uuid, char> = BTreeMap::new();
    let mut rng_state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(std::process::id());
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("QUEUE_CRASH_CHILD", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill after 150..650 ms, wherever the child is.
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        let delay = Duration::from_millis(150 + rng_state % 500);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => lines.push(l),
                    Err(_) => break,
                }
            }
            lines
        });
        let start = Instant::now();
        while start.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        let mut n = 0;
        for line in lines {
            let Some((tag, id)) = line.split_once(' ') else {
                continue;
            };
            let Ok(id) = id.trim().parse::<Uuid>() else {
                continue;
            };
            let tag = tag.chars().next().unwrap();
            if "QCDP".contains(tag) {
                acked.insert(id, tag);
                n += 1;
            }
        }
        assert!(n > 0, "round {round}: the child acknowledged nothing");

        let q = open(&path);
        assert!(q.integrity_check().unwrap().is_empty());
        let s = q.stats().unwrap();
        assert_eq!(s.uploading, 0, "round {round}: claims survive a restart");
        let present: BTreeMap<Uuid, State> = q
            .list(None, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.state))
            .collect();
        for (id, tag) in &acked {
            let state = present
                .get(id)
                .unwrap_or_else(|| panic!("round {round}: acknowledged entry {id} lost"));
            match tag {
                'D' => assert_eq!(*state, State::Done, "{id}"),
                'P' => assert_eq!(*state, State::Parked, "{id}"),
                // Enqueued or claimed: a verdict may have committed just before the kill.
                _ => assert_ne!(*state, State::Uploading),
            }
        }
        let ids: BTreeSet<_> = present.keys().collect();
        assert!(ids.len() >= acked.len());
        drop(q);
    }
}

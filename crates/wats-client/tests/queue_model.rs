//! Model-based test of the queue (as Vector tests its disk buffer): random sequences of
//! operations run against the real [`Queue`] on a SQLite file and against a small in-memory
//! model; after every step the outcomes, states, attempt counts, documents and counts agree,
//! and what a second connection reads from the file (what would survive a crash) agrees too.
//!
//! `PROPTEST_CASES` sets the number of sequences (default 96).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use uuid::Uuid;
use wats_client::queue::{
    EnqueueOutcome, ErrorKind, Queue, QueueError, QueueOptions, State, Which,
};
use wats_report::{Report, ReportBuilder};

const KEYS: u8 = 6;
const MAX_ENTRIES: u64 = 4;

#[derive(Clone, Debug)]
enum Op {
    Enqueue { key: u8, version: u8 },
    Claim { limit: usize, advance_ms: i64 },
    Complete(u8),
    RetryLater { key: u8, delay_ms: i64 },
    Park(u8),
    Release(u8),
    RetryParked(Option<u8>),
    Drop(u8),
    Reopen,
    Prune,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS;
    prop_oneof![
        4 => (key.clone(), 0u8..3).prop_map(|(key, version)| Op::Enqueue { key, version }),
        4 => (1usize..4, prop_oneof![Just(0i64), Just(1000), Just(4000)])
            .prop_map(|(limit, advance_ms)| Op::Claim { limit, advance_ms }),
        2 => key.clone().prop_map(Op::Complete),
        2 => (key.clone(), prop_oneof![Just(0i64), Just(1000), Just(5000)])
            .prop_map(|(key, delay_ms)| Op::RetryLater { key, delay_ms }),
        1 => key.clone().prop_map(Op::Park),
        1 => key.clone().prop_map(Op::Release),
        1 => proptest::option::of(key.clone()).prop_map(Op::RetryParked),
        1 => key.clone().prop_map(Op::Drop),
        1 => Just(Op::Reopen),
        1 => Just(Op::Prune),
    ]
}

#[derive(Clone, Debug, PartialEq)]
struct ModelEntry {
    state: State,
    version: u8,
    attempts: u32,
    /// `None`: due at once (set from the wall clock, which is always before the test clock).
    next_at: Option<i64>,
    requeue: bool,
}

#[derive(Default)]
struct Model {
    entries: BTreeMap<u8, ModelEntry>,
    clock: i64,
}

impl Model {
    fn undelivered(&self) -> u64 {
        self.entries
            .values()
            .filter(|e| e.state != State::Done)
            .count() as u64
    }

    fn due(&self, key: &u8) -> bool {
        let e = &self.entries[key];
        e.state == State::Pending && e.next_at.is_none_or(|t| t <= self.clock)
    }

    /// The expected error of a verdict on `key`, or `None` when it applies.
    fn verdict_error(&self, key: u8) -> Option<&'static str> {
        match self.entries.get(&key) {
            None => Some("not found"),
            Some(e) if e.state != State::Uploading => Some("wrong state"),
            Some(_) => None,
        }
    }

    /// A verdict on an entry replaced while uploading makes it pending, fresh.
    fn apply_verdict(&mut self, key: u8, f: impl FnOnce(&mut ModelEntry)) {
        let e = self.entries.get_mut(&key).unwrap();
        if e.requeue {
            e.state = State::Pending;
            e.attempts = 0;
            e.next_at = None;
            e.requeue = false;
        } else {
            f(e);
        }
    }
}

fn kind(r: &Result<(), QueueError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(QueueError::NotFound(_)) => "not found",
        Err(QueueError::WrongState { .. }) => "wrong state",
        Err(e) => panic!("unexpected error {e}"),
    }
}

struct Harness {
    dir: tempfile::TempDir,
    queue: Option<Queue>,
    ids: Vec<Uuid>,
    base: Report,
    epoch: SystemTime,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let queue = Some(Self::open_at(dir.path()));
        Harness {
            dir,
            queue,
            ids: (0..KEYS).map(|_| Uuid::new_v4()).collect(),
            base: ReportBuilder::uut("PN-M", "x", "A", 10).build_unchecked(),
            // The test clock runs a day ahead of the wall clock.
            epoch: SystemTime::now() + Duration::from_secs(86_400),
        }
    }

    fn open_at(dir: &std::path::Path) -> Queue {
        Queue::open(
            dir.join("q.db"),
            QueueOptions {
                max_entries: MAX_ENTRIES,
                ..QueueOptions::default()
            },
        )
        .unwrap()
    }

    fn q(&self) -> &Queue {
        self.queue.as_ref().unwrap()
    }

    fn report(&self, key: u8, version: u8) -> Report {
        let mut r = self.base.clone();
        r.id = Some(self.ids[key as usize]);
        r.sn = Some(format!("k{key}-v{version}"));
        r
    }

    fn at(&self, clock: i64) -> SystemTime {
        self.epoch + Duration::from_millis(clock as u64)
    }

    fn key_of(&self, id: Uuid) -> u8 {
        self.ids.iter().position(|i| *i == id).unwrap() as u8
    }

    /// Everything the queue holds equals the model, through the queue and through a second
    /// connection reading the file.
    fn check(&self, model: &Model) {
        let listed = self.q().list(None, 1000).unwrap();
        let mut real = BTreeMap::new();
        for info in &listed {
            real.insert(self.key_of(info.id), (info.state, info.attempts));
        }
        let expected: BTreeMap<u8, (State, u32)> = model
            .entries
            .iter()
            .map(|(k, e)| (*k, (e.state, e.attempts)))
            .collect();
        assert_eq!(real, expected, "queue vs model");
        for (k, e) in &model.entries {
            let doc = self.q().document(self.ids[*k as usize]).unwrap();
            if e.state == State::Done {
                assert_eq!(doc, None);
            } else {
                let doc = doc.expect("undelivered entries keep their document");
                assert!(doc.contains(&format!("\"k{k}-v{}\"", e.version)), "{doc}");
            }
        }
        // Includes the trigger-kept undelivered totals against a recount.
        assert_eq!(self.q().integrity_check().unwrap(), Vec::<String>::new());
        let stats = self.q().stats().unwrap();
        for s in State::ALL {
            let n = model.entries.values().filter(|e| e.state == s).count() as u64;
            assert_eq!(stats.count(s), n, "count of {s}");
        }
        // What is committed to the file (what a crash right now would leave).
        let conn = rusqlite::Connection::open_with_flags(
            self.dir.path().join("q.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut stmt = conn
            .prepare("SELECT id, state, attempts FROM entries")
            .unwrap();
        let on_disk: BTreeMap<u8, (State, u32)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })
            .unwrap()
            .map(|r| {
                let (id, state, attempts) = r.unwrap();
                (
                    self.key_of(id.parse().unwrap()),
                    (state.parse().unwrap(), attempts),
                )
            })
            .collect();
        assert_eq!(on_disk, expected, "file vs model");
    }

    fn step(&mut self, model: &mut Model, op: &Op) {
        match *op {
            Op::Enqueue { key, version } => {
                let got = self.q().enqueue(&self.report(key, version), None);
                let existing = model.entries.get(&key).cloned();
                let takes_slot = existing.as_ref().is_none_or(|e| e.state == State::Done);
                match existing {
                    Some(e) if e.state == State::Done && e.version == version => {
                        assert_eq!(got.unwrap(), EnqueueOutcome::AlreadyDelivered);
                    }
                    _ if takes_slot && model.undelivered() >= MAX_ENTRIES => {
                        assert!(got.unwrap_err().is_full());
                    }
                    None => {
                        assert_eq!(got.unwrap(), EnqueueOutcome::Inserted);
                        model.entries.insert(
                            key,
                            ModelEntry {
                                state: State::Pending,
                                version,
                                attempts: 0,
                                next_at: None,
                                requeue: false,
                            },
                        );
                    }
                    Some(e) if e.state == State::Uploading => {
                        assert_eq!(got.unwrap(), EnqueueOutcome::ReplacedWhileUploading);
                        let e = model.entries.get_mut(&key).unwrap();
                        e.version = version;
                        e.requeue = true;
                    }
                    Some(_) => {
                        assert_eq!(got.unwrap(), EnqueueOutcome::Replaced);
                        let e = model.entries.get_mut(&key).unwrap();
                        *e = ModelEntry {
                            state: State::Pending,
                            version,
                            attempts: 0,
                            next_at: None,
                            requeue: false,
                        };
                    }
                }
            }
            Op::Claim { limit, advance_ms } => {
                model.clock += advance_ms;
                let got = self.q().claim_due(self.at(model.clock), limit).unwrap();
                let due: Vec<u8> = model
                    .entries
                    .keys()
                    .filter(|k| model.due(k))
                    .copied()
                    .collect();
                assert_eq!(got.len(), limit.min(due.len()), "claimed vs due {due:?}");
                let mut seen = Vec::new();
                for entry in &got {
                    let k = self.key_of(entry.id());
                    assert!(
                        due.contains(&k),
                        "claimed {k}, not due (never twice at once)"
                    );
                    assert!(!seen.contains(&k), "claimed {k} twice in one call");
                    seen.push(k);
                    let e = model.entries.get_mut(&k).unwrap();
                    assert!(entry.document.contains(&format!("\"k{k}-v{}\"", e.version)));
                    e.state = State::Uploading;
                    e.attempts += 1;
                    assert_eq!(entry.info.attempts, e.attempts);
                }
            }
            Op::Complete(key) => {
                let got = self.q().complete(self.ids[key as usize]);
                let want = model.verdict_error(key);
                assert_eq!(kind(&got), want.unwrap_or("ok"));
                if want.is_none() {
                    model.apply_verdict(key, |e| e.state = State::Done);
                }
            }
            Op::RetryLater { key, delay_ms } => {
                let next = model.clock + delay_ms;
                let got = self.q().retry_later(
                    self.ids[key as usize],
                    ErrorKind::Server,
                    "503",
                    self.at(next),
                );
                let want = model.verdict_error(key);
                assert_eq!(kind(&got), want.unwrap_or("ok"));
                if want.is_none() {
                    model.apply_verdict(key, |e| {
                        e.state = State::Pending;
                        e.next_at = Some(next);
                    });
                }
            }
            Op::Park(key) => {
                let got = self
                    .q()
                    .park(self.ids[key as usize], ErrorKind::Rejected, "400 bad");
                let want = model.verdict_error(key);
                assert_eq!(kind(&got), want.unwrap_or("ok"));
                if want.is_none() {
                    model.apply_verdict(key, |e| e.state = State::Parked);
                }
            }
            Op::Release(key) => {
                let got = self.q().release(self.ids[key as usize]);
                let want = model.verdict_error(key);
                assert_eq!(kind(&got), want.unwrap_or("ok"));
                if want.is_none() {
                    model.apply_verdict(key, |e| {
                        e.state = State::Pending;
                        e.attempts -= 1;
                        e.next_at = None;
                    });
                }
            }
            Op::RetryParked(None) => {
                let n = self.q().retry_parked(Which::All).unwrap();
                let mut expected = 0;
                for e in model
                    .entries
                    .values_mut()
                    .filter(|e| e.state == State::Parked)
                {
                    e.state = State::Pending;
                    e.attempts = 0;
                    e.next_at = None;
                    expected += 1;
                }
                assert_eq!(n, expected);
            }
            Op::RetryParked(Some(key)) => {
                let got = self.q().retry_parked(Which::One(self.ids[key as usize]));
                match model.entries.get_mut(&key) {
                    None => assert!(matches!(got, Err(QueueError::NotFound(_)))),
                    Some(e) if e.state != State::Parked => {
                        assert!(matches!(got, Err(QueueError::WrongState { .. })))
                    }
                    Some(e) => {
                        assert_eq!(got.unwrap(), 1);
                        e.state = State::Pending;
                        e.attempts = 0;
                        e.next_at = None;
                    }
                }
            }
            Op::Drop(key) => {
                let got = self.q().drop_entry(self.ids[key as usize]);
                match model.entries.get(&key) {
                    None => assert_eq!(kind(&got), "not found"),
                    Some(e) if e.state == State::Uploading => assert_eq!(kind(&got), "wrong state"),
                    Some(_) => {
                        assert_eq!(kind(&got), "ok");
                        model.entries.remove(&key);
                    }
                }
            }
            Op::Reopen => {
                // Dropped without any shutdown step, then opened again: claims are gone.
                self.queue = None;
                self.queue = Some(Self::open_at(self.dir.path()));
                for e in model.entries.values_mut() {
                    if e.state == State::Uploading {
                        e.state = State::Pending;
                        e.next_at = None;
                        e.requeue = false;
                    }
                }
            }
            Op::Prune => {
                let n = self
                    .q()
                    .prune_done(SystemTime::now() + Duration::from_secs(1))
                    .unwrap();
                let before = model.entries.len();
                model.entries.retain(|_, e| e.state != State::Done);
                assert_eq!(n as usize, before - model.entries.len());
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn queue_agrees_with_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut h = Harness::new();
        let mut model = Model::default();
        for op in &ops {
            h.step(&mut model, op);
            h.check(&model);
        }
        // Finally: reopen, every undelivered entry is there and pending or parked.
        h.step(&mut model, &Op::Reopen);
        h.check(&model);
    }
}

//! The durable queue on a real SQLite file: behaviour, limits, crash recovery.

use std::path::Path;
use std::time::{Duration, SystemTime};

use uuid::Uuid;
use wats_client::queue::{
    EnqueueOutcome, ErrorKind, Queue, QueueError, QueueOptions, State, Which,
};
use wats_report::{Report, ReportBuilder};

fn report(id: Uuid, sn: &str) -> Report {
    ReportBuilder::uut("PN-1", sn, "A", 10)
        .id(id)
        .build_unchecked()
}

fn open(dir: &Path) -> Queue {
    Queue::open(dir.join("queue.db"), QueueOptions::default()).unwrap()
}

fn later(secs: u64) -> SystemTime {
    SystemTime::now() + Duration::from_secs(secs)
}

#[test]
fn enqueue_is_idempotent_by_report_id() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    assert_eq!(
        q.enqueue(&report(id, "SN1"), Some(Path::new("/in/a.json")))
            .unwrap(),
        EnqueueOutcome::Inserted
    );
    assert_eq!(
        q.enqueue(&report(id, "SN1-fixed"), None).unwrap(),
        EnqueueOutcome::Replaced
    );
    let s = q.stats().unwrap();
    assert_eq!((s.pending, s.undelivered()), (1, 1));
    let doc = q.document(id).unwrap().unwrap();
    assert!(doc.contains("SN1-fixed"), "{doc}");
    // The source of the first enqueue is kept when the replay names none.
    let info = q.get(id).unwrap().unwrap();
    assert_eq!(info.source.as_deref(), Some(Path::new("/in/a.json")));
}

#[test]
fn a_report_without_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let mut r = report(Uuid::new_v4(), "SN");
    r.id = None;
    assert!(matches!(
        q.enqueue(&r, None).unwrap_err(),
        QueueError::MissingId
    ));
    assert_eq!(q.stats().unwrap().undelivered(), 0);
}

#[test]
fn full_queue_refuses_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let q = Queue::open(
        dir.path().join("q.db"),
        QueueOptions {
            max_entries: 3,
            ..QueueOptions::default()
        },
    )
    .unwrap();
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().enumerate() {
        q.enqueue(&report(*id, &format!("SN{i}")), None).unwrap();
    }
    let err = q.enqueue(&report(Uuid::new_v4(), "SN9"), None).unwrap_err();
    assert!(err.is_full(), "{err}");
    assert!(err.to_string().contains("the queue is full"), "{err}");
    // A replay of a queued report still fits (it takes no new slot).
    assert_eq!(
        q.enqueue(&report(ids[0], "SN0b"), None).unwrap(),
        EnqueueOutcome::Replaced
    );
    // Delivering one makes room.
    let claimed = q.claim_due(SystemTime::now(), 1).unwrap();
    q.complete(claimed[0].id()).unwrap();
    q.enqueue(&report(Uuid::new_v4(), "SN9"), None).unwrap();
    assert_eq!(q.stats().unwrap().undelivered(), 3);

    // The byte bound.
    let q2 = Queue::open(
        dir.path().join("q2.db"),
        QueueOptions {
            max_bytes: 1000,
            ..QueueOptions::default()
        },
    )
    .unwrap();
    let mut n = 0;
    let err = loop {
        match q2.enqueue(&report(Uuid::new_v4(), "SN"), None) {
            Ok(_) => n += 1,
            Err(e) => break e,
        }
    };
    assert!(err.is_full() && n > 0, "{err} after {n}");
    assert!(q2.stats().unwrap().bytes <= 1000);
}

/// A queue database from before the undelivered totals (no table, no triggers) gets them,
/// counted, when opened; the bound then holds as before.
#[test]
fn totals_are_added_to_an_older_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let options = QueueOptions {
        max_entries: 3,
        ..QueueOptions::default()
    };
    {
        let q = Queue::open(&path, options.clone()).unwrap();
        for i in 0..2 {
            q.enqueue(&report(Uuid::new_v4(), &format!("SN{i}")), None)
                .unwrap();
        }
        let claimed = q.claim_due(SystemTime::now(), 1).unwrap();
        q.complete(claimed[0].id()).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER undelivered_insert; DROP TRIGGER undelivered_delete;
         DROP TRIGGER undelivered_update; DROP TABLE undelivered;",
    )
    .unwrap();
    drop(conn);
    let q = Queue::open(&path, options).unwrap();
    assert!(q.integrity_check().unwrap().is_empty());
    q.enqueue(&report(Uuid::new_v4(), "SN2"), None).unwrap();
    q.enqueue(&report(Uuid::new_v4(), "SN3"), None).unwrap();
    let err = q.enqueue(&report(Uuid::new_v4(), "SN4"), None).unwrap_err();
    assert!(err.is_full(), "1 + 2 undelivered of 3: {err}");
    assert!(q.integrity_check().unwrap().is_empty());
}

#[test]
fn documents_are_stored_compressed_and_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    let mut b = ReportBuilder::uut("PN-1", "SN-big", "A", 10).id(id);
    {
        let mut g = b.group("Group");
        for i in 0..200 {
            g.add_step(format!("Step {i}"), i as f64)
                .unit("V")
                .limits(0.0, 1e3);
        }
    }
    let report = b.build().unwrap();
    q.enqueue(&report, None).unwrap();
    let expected = wats_report::wsjf::to_string(&report.for_submission());
    assert_eq!(q.document(id).unwrap().as_deref(), Some(expected.as_str()));
    assert_eq!(q.stats().unwrap().bytes, expected.len() as u64);
    let conn = rusqlite::Connection::open(dir.path().join("queue.db")).unwrap();
    let (plain, packed): (String, Vec<u8>) = conn
        .query_row("SELECT document, packed FROM entries", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(plain.is_empty());
    assert!(
        packed.len() * 4 < expected.len(),
        "{} bytes stored for a {}-byte document",
        packed.len(),
        expected.len()
    );
    let claimed = q.claim_due(SystemTime::now(), 1).unwrap();
    assert_eq!(
        (claimed[0].document.as_str(), &claimed[0].damaged),
        (expected.as_str(), &None)
    );
}

#[test]
fn a_version_1_database_is_upgraded_and_its_plain_documents_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    let id = Uuid::new_v4();
    {
        // The version 1 layout, with one plain entry in it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE entries (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                document TEXT NOT NULL, doc_hash INTEGER NOT NULL, bytes INTEGER NOT NULL,
                source TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'uploading', 'done', 'parked')),
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
                last_error_kind TEXT, last_error_text TEXT,
                requeue INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO entries (id, document, doc_hash, bytes, state, next_attempt_at,
                 created_at, updated_at) VALUES (?1, '{\"v\":1}', 1, 7, 'pending', 0, 0, 0)",
            [id.to_string()],
        )
        .unwrap();
    }
    let q = open(dir.path());
    assert!(q.integrity_check().unwrap().is_empty());
    assert_eq!(q.document(id).unwrap().as_deref(), Some("{\"v\":1}"));
    let claimed = q.claim_due(SystemTime::now(), 10).unwrap();
    assert_eq!(claimed[0].document, "{\"v\":1}");
    let newer = Uuid::new_v4();
    q.enqueue(&report(newer, "SN2"), None).unwrap();
    assert!(q.document(newer).unwrap().unwrap().contains("SN2"));
    drop(q);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[test]
fn a_damaged_stored_document_is_named_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    q.enqueue(&report(id, "SN1"), None).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("queue.db")).unwrap();
    conn.execute("UPDATE entries SET packed = X'FFFF0000DEAD'", [])
        .unwrap();
    let err = q.document(id).unwrap_err();
    assert!(matches!(err, QueueError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains(&id.to_string()), "{err}");
    let claimed = q.claim_due(SystemTime::now(), 1).unwrap();
    assert!(claimed[0].document.is_empty());
    assert!(
        claimed[0]
            .damaged
            .as_deref()
            .unwrap()
            .contains("damaged compressed document"),
        "{:?}",
        claimed[0].damaged
    );
}

#[test]
fn concurrent_enqueues_and_deliveries_share_transactions_and_keep_the_bound_exactly() {
    const THREADS: usize = 8;
    const EACH: usize = 150;
    const MAX: u64 = 1000;
    let dir = tempfile::tempdir().unwrap();
    let q = std::sync::Arc::new(
        Queue::open(
            dir.path().join("queue.db"),
            QueueOptions {
                max_entries: MAX,
                ..QueueOptions::default()
            },
        )
        .unwrap(),
    );
    let outcomes: Vec<(usize, usize)> = (0..THREADS)
        .map(|t| {
            let q = q.clone();
            std::thread::spawn(move || {
                let (mut stored, mut full) = (0, 0);
                for i in 0..EACH {
                    match q.enqueue(&report(Uuid::new_v4(), &format!("SN-{t}-{i}")), None) {
                        Ok(EnqueueOutcome::Inserted) => stored += 1,
                        Err(e) if e.is_full() => full += 1,
                        other => panic!("{other:?}"),
                    }
                }
                (stored, full)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let stored: usize = outcomes.iter().map(|o| o.0).sum();
    let full: usize = outcomes.iter().map(|o| o.1).sum();
    assert_eq!((stored as u64, full), (MAX, THREADS * EACH - MAX as usize));
    assert_eq!(q.stats().unwrap().pending, MAX);
    assert!(q.integrity_check().unwrap().is_empty());

    let claimed = q.claim_due(SystemTime::now(), MAX as usize).unwrap();
    let ids: Vec<Uuid> = claimed.iter().map(|e| e.id()).collect();
    let handles: Vec<_> = ids
        .chunks(ids.len() / THREADS)
        .map(|chunk| {
            let (q, chunk) = (q.clone(), chunk.to_vec());
            std::thread::spawn(move || {
                for id in &chunk {
                    q.complete(*id).unwrap();
                }
                // A second verdict for the same entry is refused, in a group as alone.
                assert!(q.complete(chunk[0]).is_err());
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let stats = q.stats().unwrap();
    assert_eq!((stats.done, stats.undelivered(), stats.bytes), (MAX, 0, 0));
    assert!(q.integrity_check().unwrap().is_empty());
}

#[test]
fn claim_guard_never_hands_out_an_entry_twice() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    for i in 0..10 {
        q.enqueue(&report(Uuid::new_v4(), &format!("SN{i}")), None)
            .unwrap();
    }
    let a = q.claim_due(SystemTime::now(), 4).unwrap();
    let b = q.claim_due(SystemTime::now(), 100).unwrap();
    assert_eq!((a.len(), b.len()), (4, 6));
    assert!(q.claim_due(SystemTime::now(), 100).unwrap().is_empty());
    let mut all: Vec<Uuid> = a.iter().chain(&b).map(|e| e.id()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 10);
    assert!(a
        .iter()
        .all(|e| e.info.state == State::Uploading && e.info.attempts == 1));
    // Verdicts apply only to claimed entries, once.
    q.complete(a[0].id()).unwrap();
    let err = q.complete(a[0].id()).unwrap_err();
    assert!(
        matches!(
            err,
            QueueError::WrongState {
                actual: State::Done,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        q.complete(Uuid::new_v4()).unwrap_err(),
        QueueError::NotFound(_)
    ));
    // An uploading entry cannot be dropped.
    assert!(matches!(
        q.drop_entry(a[1].id()).unwrap_err(),
        QueueError::WrongState { .. }
    ));
}

#[test]
fn claims_from_many_threads_are_disjoint() {
    let dir = tempfile::tempdir().unwrap();
    let q = std::sync::Arc::new(open(dir.path()));
    for i in 0..200 {
        q.enqueue(&report(Uuid::new_v4(), &format!("SN{i}")), None)
            .unwrap();
    }
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let batch = q.claim_due(SystemTime::now(), 3).unwrap();
                    if batch.is_empty() {
                        break got;
                    }
                    got.extend(batch.into_iter().map(|e| e.id()));
                }
            })
        })
        .collect();
    let mut all: Vec<Uuid> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (200, 200));
}

#[test]
fn backoff_park_and_retry_parked() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    q.enqueue(&report(a, "A"), None).unwrap();
    q.enqueue(&report(b, "B"), None).unwrap();
    let now = SystemTime::now();
    let claimed = q.claim_due(now, 10).unwrap();
    assert_eq!(claimed.len(), 2);
    q.retry_later(a, ErrorKind::Server, "503 Service Unavailable", later(60))
        .unwrap();
    q.park(b, ErrorKind::Rejected, "root -> step X: bad limit")
        .unwrap();
    // Not due yet; due later.
    assert!(q.claim_due(SystemTime::now(), 10).unwrap().is_empty());
    let again = q.claim_due(later(61), 10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id(), a);
    assert_eq!(again[0].info.attempts, 2);
    let err = again[0].info.last_error.clone().unwrap();
    assert_eq!(
        (err.kind, err.text.as_str()),
        (ErrorKind::Server, "503 Service Unavailable")
    );
    q.complete(a).unwrap();

    let parked = q.list(Some(State::Parked), 10).unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        parked[0].last_error.as_ref().unwrap().text,
        "root -> step X: bad limit"
    );
    assert!(matches!(
        q.retry_parked(Which::One(a)).unwrap_err(),
        QueueError::WrongState { .. }
    ));
    assert_eq!(q.retry_parked(Which::One(b)).unwrap(), 1);
    let c = q.claim_due(SystemTime::now(), 10).unwrap();
    assert_eq!((c.len(), c[0].info.attempts), (1, 1));
    q.complete(b).unwrap();
    let s = q.stats().unwrap();
    assert_eq!((s.done, s.undelivered(), s.bytes), (2, 0, 0));
    // Done entries are pruned by age.
    assert_eq!(
        q.prune_done(SystemTime::now() - Duration::from_secs(60))
            .unwrap(),
        0
    );
    assert_eq!(q.prune_done(later(1)).unwrap(), 2);
    assert_eq!(q.stats().unwrap().done, 0);
}

#[test]
fn replay_while_uploading_is_uploaded_again() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    q.enqueue(&report(id, "v1"), None).unwrap();
    let c = q.claim_due(SystemTime::now(), 1).unwrap();
    assert!(c[0].document.contains("v1"));
    assert_eq!(
        q.enqueue(&report(id, "v2"), None).unwrap(),
        EnqueueOutcome::ReplacedWhileUploading
    );
    // Not handed out again while the first upload runs.
    assert!(q.claim_due(SystemTime::now(), 10).unwrap().is_empty());
    q.complete(id).unwrap();
    // v1 was delivered; v2 must still go.
    let c = q.claim_due(SystemTime::now(), 1).unwrap();
    assert_eq!(c.len(), 1);
    assert!(c[0].document.contains("v2"));
    q.complete(id).unwrap();
    assert_eq!(q.get(id).unwrap().unwrap().state, State::Done);
}

#[test]
fn replay_of_a_delivered_report() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    let v1 = report(id, "v1");
    q.enqueue(&v1, None).unwrap();
    q.claim_due(SystemTime::now(), 1).unwrap();
    q.complete(id).unwrap();
    // The identical document (a source file read again after a crash): nothing to do.
    assert_eq!(
        q.enqueue(&v1, None).unwrap(),
        EnqueueOutcome::AlreadyDelivered
    );
    assert_eq!(q.stats().unwrap().pending, 0);
    // A changed document under the same id is delivered again (the server overwrites).
    let mut v2 = v1.clone();
    v2.sn = Some("v2".into());
    assert_eq!(q.enqueue(&v2, None).unwrap(), EnqueueOutcome::Replaced);
    assert_eq!(q.stats().unwrap().pending, 1);
}

#[test]
fn release_returns_without_counting_and_recover_returns_uploading() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    q.enqueue(&report(a, "A"), None).unwrap();
    q.enqueue(&report(b, "B"), None).unwrap();
    q.claim_due(SystemTime::now(), 2).unwrap();
    q.release(a).unwrap();
    let info = q.get(a).unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (State::Pending, 0));
    assert_eq!(q.recover().unwrap(), 1);
    let info = q.get(b).unwrap().unwrap();
    assert_eq!((info.state, info.attempts), (State::Pending, 1));
}

#[test]
fn long_error_texts_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = Uuid::new_v4();
    q.enqueue(&report(id, "A"), None).unwrap();
    q.claim_due(SystemTime::now(), 1).unwrap();
    q.park(id, ErrorKind::Rejected, &"x".repeat(100_000))
        .unwrap();
    let e = q.get(id).unwrap().unwrap().last_error.unwrap();
    assert_eq!(e.text.len(), wats_client::queue::MAX_ERROR_TEXT);
}

#[test]
fn settings_are_wal_and_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    drop(q);
    assert!(dir.path().join("queue.db").exists());
    let conn = rusqlite::Connection::open(dir.path().join("queue.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // synchronous is per connection: check it on the queue's own connection via behaviour is
    // not possible, so check the code path by reopening and asserting the integrity check.
    let q = open(dir.path());
    assert!(q.integrity_check().unwrap().is_empty());
}

#[test]
fn storage_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Queue::open(&path, QueueOptions::default()).unwrap_err();
    assert_eq!(
        err.storage_kind(),
        Some(wats_client::queue::StorageErrorKind::Corrupt),
        "{err}"
    );
    // A newer schema is refused rather than misread.
    let path = dir.path().join("new.db");
    drop(Queue::open(&path, QueueOptions::default()).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    assert!(matches!(
        Queue::open(&path, QueueOptions::default()).unwrap_err(),
        QueueError::SchemaTooNew { found: 99 }
    ));
}

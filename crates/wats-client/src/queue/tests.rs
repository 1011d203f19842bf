//! The queue's unit tests.

use super::*;

#[test]
fn cut_respects_char_boundaries() {
    let s = "é".repeat(MAX_ERROR_TEXT);
    let c = cut(&s);
    assert!(c.len() <= MAX_ERROR_TEXT && c.is_char_boundary(c.len()));
    assert_eq!(cut("short"), "short");
}

#[test]
fn millis_round_trip() {
    let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    assert_eq!(from_millis(millis(t)), t);
    let before = UNIX_EPOCH - Duration::from_millis(5);
    assert_eq!(from_millis(millis(before)), before);
}

#[test]
fn complete_leaves_the_connection_on_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path().join("q.db"), QueueOptions::default()).unwrap();
    let synchronous = |q: &Queue| -> i64 {
        q.conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(synchronous(&queue), 2, "FULL");
    let report = wats_report::ReportBuilder::uut("PN", "SN1", "A", 10).build_unchecked();
    queue.enqueue(&report, None).unwrap();
    let claimed = queue.claim_due(SystemTime::now(), 1).unwrap();
    queue.complete(claimed[0].id()).unwrap();
    assert_eq!(
        synchronous(&queue),
        2,
        "FULL again after a relaxed complete"
    );
    // A refused verdict (not uploading any more) restores it too.
    assert!(queue.complete(claimed[0].id()).is_err());
    assert_eq!(synchronous(&queue), 2);
    assert_eq!(queue.stats().unwrap().count(State::Done), 1);
}

#[test]
fn states_and_kinds_round_trip() {
    for s in State::ALL {
        assert_eq!(s.as_str().parse::<State>().unwrap(), s);
    }
    assert_eq!(ErrorKind::parse("rate_limited"), ErrorKind::RateLimited);
    assert_eq!(ErrorKind::parse("???"), ErrorKind::Other);
}

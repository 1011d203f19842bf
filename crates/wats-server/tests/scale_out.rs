//! Several `wats-server` processes on one PostgreSQL database, as behind a load balancer:
//! concurrent writes stay correct (no `500`, one row per id with the right receive count,
//! unique `seq`, runs 1..n in start order per unit), and `kill -9` of one server loses no
//! acknowledged report.

mod common;
#[path = "common/process.rs"]
mod process;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use common::{postgres_database, PASSWORD, USER};
use process::Process;
use serde_json::{json, Value};
use sqlx::Row as _;

/// Two servers started at once on a fresh database (their migrations race too).
async fn two_servers() -> Option<(String, Vec<Process>, reqwest::Client)> {
    let db = postgres_database().await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut servers = vec![Process::spawn(&db), Process::spawn(&db)];
    for s in &mut servers {
        s.wait_ready(&client).await;
    }
    Some((db, servers, client))
}

fn report(id: &str, pn: &str, sn: &str, start_minute: u32) -> Value {
    json!({
        "type": "T", "id": id, "pn": pn, "sn": sn, "rev": "A", "processCode": 10,
        "result": "P", "machineName": "ST1", "location": "Lab", "purpose": "Test",
        "start": format!("2026-05-01T{:02}:{:02}:00+00:00", start_minute / 60, start_minute % 60),
        "uut": {"user": "op1"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main",
                 "status": "P", "steps": [
            {"id": 2, "group": "M", "stepType": "ET_NLT", "name": "V", "status": "P",
             "numericMeas": [{"compOp": "GELE", "status": "P", "unit": "V", "value": 5.0,
                              "lowLimit": 4.5, "highLimit": 5.5}]}
        ]}
    })
}

async fn submit(client: &reqwest::Client, base: &str, body: &Value) -> Result<u16, String> {
    let r = client
        .post(format!("{base}/api/Report/WSJF"))
        .basic_auth(USER, Some(PASSWORD))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    if status != 200 && std::env::var("WATS_SHOW_REFUSALS").is_ok() {
        eprintln!("{status}: {}", r.text().await.unwrap_or_default());
    }
    Ok(status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_and_16_submitters_write_correctly() {
    let Some((db, servers, client)) = two_servers().await else {
        return;
    };
    let pn = format!("SCALE-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    // New reports; ids each submitted 8 times; three units with 20 tests each, shuffled.
    let mut jobs: Vec<Value> = Vec::new();
    for i in 0..160 {
        jobs.push(report(
            &uuid::Uuid::new_v4().to_string(),
            &pn,
            &format!("NEW-{i}"),
            i,
        ));
    }
    let repeated: Vec<String> = (0..10).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for id in &repeated {
        for _ in 0..8 {
            jobs.push(report(id, &pn, &format!("REP-{id}"), 5));
        }
    }
    for unit in 0..3 {
        for minute in 0..20 {
            let id = uuid::Uuid::new_v4().to_string();
            jobs.push(report(&id, &pn, &format!("UNIT-{unit}"), 100 + minute * 7));
        }
    }
    fastrand::shuffle(&mut jobs);
    let total = jobs.len();
    let jobs = Arc::new(std::sync::Mutex::new(jobs));
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let mut tasks = Vec::new();
    for k in 0..16 {
        let (jobs, client, base) = (jobs.clone(), client.clone(), bases[k % 2].clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            loop {
                let Some(job) = jobs.lock().unwrap().pop() else {
                    break;
                };
                statuses.push(submit(&client, &base, &job).await.unwrap());
            }
            statuses
        }));
    }
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for t in tasks {
        for s in t.await.unwrap() {
            *statuses.entry(s).or_default() += 1;
        }
    }
    assert_eq!(
        statuses,
        BTreeMap::from([(200, total)]),
        "answers by status"
    );

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let rows =
        sqlx::query("SELECT id, sn, start_utc, run, receive_count, seq FROM reports WHERE pn = $1")
            .bind(&pn)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 160 + 10 + 60, "one row per id");
    let mut seqs = std::collections::BTreeSet::new();
    let mut units: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for r in &rows {
        let id: String = r.get(0);
        let sn: String = r.get(1);
        assert!(
            seqs.insert(r.get::<i64, _>(5)),
            "seq {} twice",
            r.get::<i64, _>(5)
        );
        let expected_receives = if repeated.contains(&id) { 8 } else { 1 };
        assert_eq!(
            r.get::<i64, _>(4),
            expected_receives,
            "receive_count of {id}"
        );
        units.entry(sn).or_default().push((r.get(2), r.get(3)));
    }
    for (sn, mut runs) in units {
        runs.sort();
        let got: Vec<i64> = runs.iter().map(|(_, run)| *run).collect();
        let want: Vec<i64> = (1..=runs.len() as i64).collect();
        assert_eq!(got, want, "runs of {sn} in start order");
    }
    // The step facts (migration 0018) count each stored report once, replacements included:
    // one execution of V per report, and each unit's facts on its run 1.
    let executions: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(executions), 0) AS BIGINT) FROM step_day_facts WHERE pn = $1",
    )
    .bind(&pn)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        executions,
        rows.len() as i64,
        "step executions in the facts"
    );
    let unit_runs: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(unit_runs), 0) AS BIGINT) FROM reports WHERE pn = $1 AND run = 1",
    )
    .bind(&pn)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unit_runs, rows.len() as i64, "runs in the unit facts");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_one_server_loses_no_acknowledged_report() {
    let Some((db, mut servers, client)) = two_servers().await else {
        return;
    };
    let pn = format!("KILL-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for k in 0..8 {
        let (client, base, acked, stop, pn) = (
            client.clone(),
            bases[k % 2].clone(),
            acked.clone(),
            stop.clone(),
            pn.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let id = uuid::Uuid::new_v4().to_string();
                let body = report(&id, &pn, &format!("K{k}-{i}"), i % 1000);
                if submit(&client, &base, &body).await == Ok(200) {
                    acked.lock().unwrap().push(id);
                }
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    servers[0].kill();
    let acked_at_kill = acked.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked_at_kill > 0 && acked.len() > acked_at_kill,
        "load ran on both sides"
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let stored: std::collections::HashSet<String> =
        sqlx::query("SELECT id FROM reports WHERE pn = $1")
            .bind(&pn)
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged reports lost: {lost:?}",
        lost.len()
    );
    pool.close().await;
}

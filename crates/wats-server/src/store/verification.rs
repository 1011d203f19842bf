//! Unit verification and grade (`GET /api/Production/UnitVerification`), computed from the
//! unit's reports.
//!
//! The processes a unit must pass are the test operations it has UUT reports in; each is
//! judged by its latest run (by start time). Per process: runs, runs not passed, the latest
//! run's result, start and station, and the repairs (UUR reports referring to one of its
//! runs). Over all: passed on the first, any and last run; first runs in process order (the
//! processes' `processIndex`); no repairs. The verdict: `Passed` when every latest run passed,
//! else `Failed` when one failed, else `Incomplete` (a latest run ended in error or was
//! terminated); `NotTested` without UUT reports.
//!
//! One indexed query (`reports_run`: sn, pn, process, start) reads the unit's runs; the rest
//! is arithmetic over them, so a unit with hundreds of reports verifies in milliseconds.

use std::collections::HashMap;

use sqlx::Row;
use wats_types::production::{UnitVerification, UnitVerificationGrade};

use super::production::{micros_text, ProductionTx};
use super::Process;
use crate::error::ApiResult;

/// One report of the unit, as verification reads it.
struct Run {
    id: String,
    uut: bool,
    process: i64,
    process_name: Option<String>,
    result: String,
    start: i64,
    station: Option<String>,
    referenced_uut: Option<String>,
}

/// The verdict of a unit's runs: (`status`, `grade`).
fn verdict(latest: &[&str]) -> (&'static str, &'static str) {
    if latest.is_empty() {
        ("NotTested", "NOT_TESTED")
    } else if latest.iter().all(|r| *r == "Passed") {
        ("Passed", "PASSED")
    } else if latest.contains(&"Failed") {
        ("Failed", "FAILED")
    } else {
        ("Incomplete", "INCOMPLETE")
    }
}

impl ProductionTx<'_> {
    /// Whether a serial number of a part number has any report.
    pub async fn has_reports(&mut self, sn: &str, pn: &str) -> ApiResult<bool> {
        Ok(
            sqlx::query("SELECT 1 FROM reports WHERE sn = $1 AND pn = $2 LIMIT 1")
                .bind(sn)
                .bind(pn)
                .fetch_optional(&mut *self.p.tx)
                .await?
                .is_some(),
        )
    }

    /// The unit's verification from its reports (of `revision` only, when given).
    pub async fn verify(
        &mut self,
        sn: &str,
        pn: &str,
        revision: Option<&str>,
        processes: &[Process],
    ) -> ApiResult<UnitVerificationGrade> {
        let mut sql = "SELECT id, report_type, process_code, process_name, result, start_utc, \
                       station, referenced_uut FROM reports WHERE sn = $1 AND pn = $2"
            .to_owned();
        if revision.is_some() {
            sql.push_str(" AND rev = $3");
        }
        sql.push_str(" ORDER BY start_utc, id");
        let mut q = sqlx::query(&sql).bind(sn).bind(pn);
        if let Some(r) = revision {
            q = q.bind(r);
        }
        let rows = q.fetch_all(&mut *self.p.tx).await?;
        let runs = rows
            .iter()
            .map(|r| {
                Ok(Run {
                    id: r.try_get(0)?,
                    uut: r.try_get::<String, _>(1)? == "T",
                    process: r.try_get(2)?,
                    process_name: r.try_get(3)?,
                    result: r.try_get(4)?,
                    start: r.try_get(5)?,
                    station: r.try_get(6)?,
                    referenced_uut: r.try_get(7)?,
                })
            })
            .collect::<ApiResult<Vec<Run>>>()?;
        Ok(grade(&runs, processes))
    }
}

/// The grade of a unit's runs (oldest first).
fn grade(runs: &[Run], processes: &[Process]) -> UnitVerificationGrade {
    let index_of = |code: i64| {
        processes
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.process_index)
            .unwrap_or(i64::MAX)
    };
    // Which process each UUT ran in, for attributing repairs.
    let uut_process: HashMap<&str, i64> = runs
        .iter()
        .filter(|r| r.uut)
        .map(|r| (r.id.as_str(), r.process))
        .collect();
    let mut order: Vec<i64> = Vec::new();
    for r in runs.iter().filter(|r| r.uut) {
        if !order.contains(&r.process) {
            order.push(r.process);
        }
    }
    // First runs came in process order when the order of first appearance is sorted by index.
    let in_order = order.windows(2).all(|w| index_of(w[0]) <= index_of(w[1]));
    order.sort_by_key(|c| (index_of(*c), *c));
    let mut results = Vec::with_capacity(order.len());
    let (mut first_ok, mut any_ok, mut last_ok) = (true, true, true);
    let mut latest_results = Vec::new();
    for code in &order {
        let mine: Vec<&Run> = runs
            .iter()
            .filter(|r| r.uut && r.process == *code)
            .collect();
        let repair_count = runs
            .iter()
            .filter(|r| !r.uut)
            .filter(|r| {
                r.referenced_uut
                    .as_deref()
                    .and_then(|id| uut_process.get(id))
                    .is_some_and(|p| p == code)
            })
            .count();
        let first = mine[0];
        let last = mine[mine.len() - 1];
        first_ok &= first.result == "Passed";
        any_ok &= mine.iter().any(|r| r.result == "Passed");
        last_ok &= last.result == "Passed";
        latest_results.push(last.result.as_str());
        let name = processes
            .iter()
            .find(|p| p.code == *code)
            .map(|p| p.name.clone())
            .or_else(|| last.process_name.clone());
        results.push(UnitVerification {
            process_code: i32::try_from(*code).ok(),
            process_name: name,
            process_index: i32::try_from(index_of(*code))
                .ok()
                .filter(|i| *i != i32::MAX),
            status: Some(last.result.clone()),
            start_utc: Some(micros_text(last.start)),
            station_name: last.station.clone(),
            total_count: Some(mine.len() as i32),
            non_passed_count: Some(mine.iter().filter(|r| r.result != "Passed").count() as i32),
            repair_count: Some(repair_count as i32),
            ..UnitVerification::default()
        });
    }
    // Repairs that refer to no known run still count against `noRepairs`.
    let all_repairs = runs.iter().filter(|r| !r.uut).count();
    let tested = !order.is_empty();
    let (status, grade) = verdict(&latest_results);
    UnitVerificationGrade {
        status: Some(status.into()),
        grade: Some(grade.into()),
        all_processes_executed_in_correct_order: Some(tested && in_order),
        all_processes_passed_first_run: Some(tested && first_ok),
        all_processes_passed_any_run: Some(tested && any_ok),
        all_processes_passed_last_run: Some(tested && last_ok),
        no_repairs: Some(all_repairs == 0),
        results: Some(results),
        ..UnitVerificationGrade::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, uut: bool, process: i64, result: &str, start: i64) -> Run {
        Run {
            id: id.into(),
            uut,
            process,
            process_name: None,
            result: result.into(),
            start,
            station: None,
            referenced_uut: None,
        }
    }

    fn process(code: i64, index: i64) -> Process {
        Process {
            code,
            process_id: code.to_string(),
            name: format!("P{code}"),
            description: None,
            is_test_operation: true,
            is_repair_operation: false,
            is_wip_operation: false,
            process_index: index,
            state: 1,
            properties: None,
        }
    }

    #[test]
    fn latest_run_decides_and_repairs_are_counted() {
        let mut repair = run("r", false, 500, "Passed", 3);
        repair.referenced_uut = Some("a".into());
        let runs = [
            run("a", true, 10, "Failed", 1),
            run("b", true, 50, "Passed", 2),
            repair,
            run("c", true, 10, "Passed", 4),
        ];
        let g = grade(&runs, &[process(10, 1), process(50, 2)]);
        assert_eq!(g.status.as_deref(), Some("Passed"));
        assert_eq!(g.all_processes_passed_last_run, Some(true));
        assert_eq!(g.all_processes_passed_first_run, Some(false));
        assert_eq!(g.no_repairs, Some(false));
        let r = g.results.unwrap();
        assert_eq!(r[0].total_count, Some(2));
        assert_eq!(r[0].non_passed_count, Some(1));
        assert_eq!(r[0].repair_count, Some(1));
        assert_eq!(g.all_processes_executed_in_correct_order, Some(true));
    }

    #[test]
    fn out_of_order_and_untested() {
        let runs = [
            run("a", true, 50, "Passed", 1),
            run("b", true, 10, "Error", 2),
        ];
        let g = grade(&runs, &[process(10, 1), process(50, 2)]);
        assert_eq!(g.all_processes_executed_in_correct_order, Some(false));
        assert_eq!(g.grade.as_deref(), Some("INCOMPLETE"));
        let g = grade(&[], &[]);
        assert_eq!(g.grade.as_deref(), Some("NOT_TESTED"));
        assert_eq!(g.all_processes_passed_last_run, Some(false));
    }
}

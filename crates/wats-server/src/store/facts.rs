//! The step facts kept at ingest for analytics (migration 0018): a step dictionary and, per
//! UTC day, part number, revision, process and step, the executions and failures of UUT
//! reports. `TopFailed` sums these for the whole days of its range instead of reading every
//! measurement row. (A unit's run facts are kept with its runs, in `reports.rs`.)

/// A day in microseconds.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// The UTC day (days since the epoch) of an instant in µs.
pub fn day_of(micros: i64) -> i64 {
    micros.div_euclid(DAY_MICROS)
}

/// The revision as the facts' unique key has it: `=` before a revision, '' for none (so that
/// NULL and '' stay apart).
pub fn rev_key(rev: Option<&str>) -> String {
    rev.map_or_else(String::new, |r| format!("={r}"))
}

/// How a measurement row `m` finds its step in the dictionary `d`.
const STEP_JOIN: &str = "JOIN step_dict d ON d.path = m.step_path \
     AND d.name_key = COALESCE('=' || m.step_name, '') \
     AND d.type_key = COALESCE('=' || m.step_type, '')";

/// The start of both ways of filling the step facts.
const INSERT: &str = "INSERT INTO step_day_facts (day, pn, rev, rev_key, process_code, step_id, \
     executions, failures, first_fail_utc, last_fail_utc)";

/// One group of step facts: a day of one part number, revision and process.
pub struct StepDay {
    /// Days since the epoch.
    pub day: i64,
    /// Part number.
    pub pn: String,
    /// Revision.
    pub rev: Option<String>,
    /// Process code.
    pub process_code: i64,
}

impl StepDay {
    /// Takes this group's lock (PostgreSQL; SQLite has one writer): its writers take turns,
    /// so a recount sees every report whose counts it replaces and collides with no insert.
    /// Taken after the unit locks, by every writer, so no two wait on each other in a cycle.
    async fn lock(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        sqlite: bool,
    ) -> sqlx::Result<()> {
        if sqlite {
            return Ok(());
        }
        let key = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.day,
            self.pn,
            rev_key(self.rev.as_deref()),
            self.process_code
        );
        super::reports::lock(tx, super::reports::LockSpace::Facts, &key).await
    }

    /// Adds UUT report `id` (starting at `start`, its measurements inserted) to the facts:
    /// its steps into the dictionary, its step executions and failures into the day. The
    /// day's rows are updated in step-id order, so two writers never wait on each other in
    /// a cycle.
    pub async fn add(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        start: i64,
        sqlite: bool,
    ) -> sqlx::Result<()> {
        self.lock(tx, sqlite).await?;
        // Ordered, so concurrent PostgreSQL writers adding the same new steps take the key
        // locks in one order.
        sqlx::query(
            "INSERT INTO step_dict (path, name, type, name_key, type_key) \
             SELECT DISTINCT m.step_path, m.step_name, m.step_type, \
                    COALESCE('=' || m.step_name, ''), COALESCE('=' || m.step_type, '') \
             FROM measurements m WHERE m.report_id = $1 AND m.meas_index = 0 \
             ORDER BY 1, 4, 5 \
             ON CONFLICT (path, name_key, type_key) DO NOTHING",
        )
        .persistent(sqlite)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let failed = "CASE WHEN m.step_status = 'F' THEN";
        sqlx::query(&format!(
            "{INSERT} SELECT $2, $3, $4, $5, $6, d.id, COUNT(*), SUM({failed} 1 ELSE 0 END), \
                    MIN({failed} $7 END), MAX({failed} $7 END) \
             FROM measurements m {STEP_JOIN} \
             WHERE m.report_id = $1 AND m.meas_index = 0 GROUP BY d.id ORDER BY d.id \
             ON CONFLICT (day, pn, rev_key, process_code, step_id) DO UPDATE SET \
             executions = step_day_facts.executions + excluded.executions, \
             failures = step_day_facts.failures + excluded.failures, \
             first_fail_utc = CASE WHEN step_day_facts.first_fail_utc IS NULL \
                 OR excluded.first_fail_utc < step_day_facts.first_fail_utc \
                 THEN excluded.first_fail_utc ELSE step_day_facts.first_fail_utc END, \
             last_fail_utc = CASE WHEN step_day_facts.last_fail_utc IS NULL \
                 OR excluded.last_fail_utc > step_day_facts.last_fail_utc \
                 THEN excluded.last_fail_utc ELSE step_day_facts.last_fail_utc END"
        ))
        .persistent(sqlite)
        .bind(id)
        .bind(self.day)
        .bind(self.pn.as_str())
        .bind(self.rev.as_deref())
        .bind(rev_key(self.rev.as_deref()))
        .bind(self.process_code)
        .bind(start)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Counts this group again from the stored reports (after one of them was replaced: a
    /// first or last failure cannot be subtracted).
    pub async fn recount(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        sqlite: bool,
    ) -> sqlx::Result<()> {
        self.lock(tx, sqlite).await?;
        let key = rev_key(self.rev.as_deref());
        sqlx::query(
            "DELETE FROM step_day_facts WHERE day = $1 AND pn = $2 AND rev_key = $3 \
             AND process_code = $4",
        )
        .bind(self.day)
        .bind(self.pn.as_str())
        .bind(key.as_str())
        .bind(self.process_code)
        .execute(&mut **tx)
        .await?;
        let failed = "CASE WHEN m.step_status = 'F' THEN";
        sqlx::query(&format!(
            "{INSERT} SELECT $1, $2, MAX(r.rev), $3, $4, d.id, COUNT(*), SUM({failed} 1 ELSE 0 END), \
                    MIN({failed} r.start_utc END), MAX({failed} r.start_utc END) \
             FROM reports r JOIN measurements m ON m.report_id = r.id AND m.meas_index = 0 \
             {STEP_JOIN} \
             WHERE r.report_type = 'T' AND r.pn = $2 AND COALESCE('=' || r.rev, '') = $3 \
             AND r.process_code = $4 AND r.start_utc >= $5 AND r.start_utc < $6 \
             GROUP BY d.id"
        ))
        .bind(self.day)
        .bind(self.pn.as_str())
        .bind(key.as_str())
        .bind(self.process_code)
        .bind(self.day * DAY_MICROS)
        .bind((self.day + 1) * DAY_MICROS)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

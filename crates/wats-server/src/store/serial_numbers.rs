//! Serial numbers: types, their numbers (generated from the type's format over address
//! ranges, or imported), taking them, freeing them, and what is where.
//!
//! Taking is atomic: one transaction locks the type (the writer lock on SQLite, the type's row
//! `FOR UPDATE` on PostgreSQL), checks that enough numbers are free, and marks the lowest free
//! addresses taken with one `UPDATE … RETURNING`. So concurrent takers never get the same
//! number, and a request for more than is free takes nothing. Freed numbers become free again
//! and, being the lowest addresses, are handed out first, as WATS reuses a freed range.

use chrono::Utc;
use sqlx::Row;
use wats_types::production::{
    SerialNumberIdentifier, SerialNumberRange, SerialNumberRecord, SerialNumberType,
};

use super::product::{key, required};
use super::production::{json, micros_text, ProductionTx};
use super::serial_files::{self, ImportRow};
use super::Backend;
use crate::error::{ApiError, ApiResult};

/// Not handed out.
pub const FREE: i64 = 0;
/// Reserved (imported so).
pub const RESERVED: i64 = 1;
/// Handed out.
pub const TAKEN: i64 = 2;

/// The most numbers one take, generate or import may handle.
pub const MAX_BATCH: i64 = 1_000_000;

/// The name of a state.
pub fn state_name(state: i64) -> &'static str {
    match state {
        FREE => "Free",
        RESERVED => "Reserved",
        _ => "Taken",
    }
}

/// A state by name (case ignored) or number; 400 naming `field` otherwise.
pub fn parse_state(text: &str, field: &str) -> ApiResult<i64> {
    match text.trim().to_ascii_lowercase().as_str() {
        "free" | "0" => Ok(FREE),
        "reserved" | "1" => Ok(RESERVED),
        "taken" | "2" => Ok(TAKEN),
        other => Err(ApiError::bad_request(format!(
            "{field}: unknown serial number state '{other}' (expected Free, Reserved or Taken)"
        ))),
    }
}

/// Which numbers a listing or count selects.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// From this address (inclusive).
    pub from: Option<i64>,
    /// To this address (inclusive).
    pub to: Option<i64>,
    /// Taken at or after (µs).
    pub taken_from: Option<i64>,
    /// Taken before (µs).
    pub taken_to: Option<i64>,
    /// Taken for this unit serial number.
    pub ref_sn: Option<String>,
    /// Taken for this part number.
    pub ref_pn: Option<String>,
    /// In this state.
    pub state: Option<i64>,
}

/// A take request.
#[derive(Clone, Debug, Default)]
pub struct Take {
    /// The type's name.
    pub type_name: String,
    /// How many.
    pub quantity: i64,
    /// For this unit serial number.
    pub ref_sn: Option<String>,
    /// For this part number.
    pub ref_pn: Option<String>,
    /// By this station.
    pub station: Option<String>,
}

/// 404 for an unknown type.
fn type_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("Serial number type '{name}' was not found"))
}

impl ProductionTx<'_> {
    /// Every serial-number type, by name.
    pub async fn sn_types(&mut self) -> ApiResult<Vec<SerialNumberType>> {
        self.docs_by("SELECT doc FROM serial_number_types ORDER BY name_key", &[])
            .await
    }

    /// A type by name.
    pub async fn sn_type(&mut self, name: &str) -> ApiResult<Option<SerialNumberType>> {
        Ok(self
            .docs_by(
                "SELECT doc FROM serial_number_types WHERE name_key = $1",
                &[key(name)],
            )
            .await?
            .into_iter()
            .next())
    }

    /// A type by name, or 404.
    pub async fn existing_sn_type(&mut self, name: &str) -> ApiResult<SerialNumberType> {
        self.sn_type(name)
            .await?
            .ok_or_else(|| type_not_found(name))
    }

    /// Creates or replaces a type; `field` names it in errors.
    pub async fn save_sn_type(
        &mut self,
        mut t: SerialNumberType,
        field: &str,
    ) -> ApiResult<SerialNumberType> {
        let name = required(t.name.as_deref(), &format!("{field}.name"))?.to_owned();
        let id = t.identifier.unwrap_or_default();
        if !(0..=2).contains(&id.0) {
            return Err(ApiError::bad_request(format!(
                "{field}.identifier must be 0 (serial number), 1 (MAC address) or 2 (IMEI), not {}",
                id.0
            )));
        }
        if let Some(re) = t.reg_ex.as_deref().filter(|r| !r.is_empty()) {
            regex::Regex::new(re).map_err(|e| {
                ApiError::bad_request(format!("{field}.regEx is not a regular expression: {e}"))
            })?;
        }
        if let Some(f) = &t.format {
            if f.chars().filter(|c| *c == '#').count() > 18 {
                return Err(ApiError::bad_request(format!(
                    "{field}.format has more than 18 digits (#)"
                )));
            }
        }
        t.identifier = Some(id);
        t.identifier_name = Some(SerialNumberIdentifier(id.0).name().to_owned());
        sqlx::query(
            "INSERT INTO serial_number_types (name_key, doc) VALUES ($1, $2) \
             ON CONFLICT (name_key) DO UPDATE SET doc = excluded.doc",
        )
        .bind(key(&name))
        .bind(json(&t)?)
        .execute(&mut *self.p.tx)
        .await?;
        Ok(t)
    }

    /// Locks a type until the transaction ends (PostgreSQL; SQLite holds the writer lock).
    async fn lock_type(&mut self, name: &str) -> ApiResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM serial_number_types WHERE name_key = $1 FOR UPDATE")
                .bind(key(name))
                .fetch_optional(&mut *self.p.tx)
                .await?;
        }
        Ok(())
    }

    /// Adds the free numbers `start..=end` of a type (existing ones are left as they are);
    /// answers how many were added.
    pub async fn generate(&mut self, type_name: &str, start: i64, end: i64) -> ApiResult<i64> {
        let t = self.existing_sn_type(type_name).await?;
        if end < start {
            return Err(ApiError::bad_request(format!(
                "endAddress {end} is before startAddress {start}"
            )));
        }
        let count = (end - start).saturating_add(1);
        if count > MAX_BATCH {
            return Err(ApiError::bad_request(format!(
                "a range holds at most {MAX_BATCH} numbers; {start}..{end} holds {count}"
            )));
        }
        self.lock_type(type_name).await?;
        let mut added = 0;
        let mut at = start;
        while at <= end {
            let chunk_end = (at + 499).min(end);
            let mut sql =
                "INSERT INTO serial_numbers (type_key, sn_key, sn, address, state) VALUES "
                    .to_owned();
            let mut binds: Vec<(String, String, i64)> = Vec::new();
            for a in at..=chunk_end {
                let sn = serial_files::render(&t, a)?;
                let n = binds.len() * 4;
                if !binds.is_empty() {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, 0)",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                ));
                binds.push((key(&sn), sn, a));
            }
            sql.push_str(" ON CONFLICT (type_key, sn_key) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for (k, sn, a) in binds {
                q = q.bind(key(type_name)).bind(k).bind(sn).bind(a);
            }
            added += q.execute(&mut *self.p.tx).await?.rows_affected() as i64;
            at = chunk_end + 1;
        }
        Ok(added)
    }

    /// Takes the lowest free numbers of a type (see the module): all or none.
    pub async fn take(&mut self, req: &Take) -> ApiResult<Vec<String>> {
        if !(1..=MAX_BATCH).contains(&req.quantity) {
            return Err(ApiError::bad_request(format!(
                "quantity must be between 1 and {MAX_BATCH}, not {}",
                req.quantity
            )));
        }
        self.existing_sn_type(&req.type_name).await?;
        self.lock_type(&req.type_name).await?;
        let tk = key(&req.type_name);
        // Counting at most `quantity` free rows keeps this step independent of the pool size.
        let enough: i64 = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM serial_numbers WHERE type_key = $1 \
             AND state = 0 LIMIT $2) AS f",
        )
        .bind(&tk)
        .bind(req.quantity)
        .fetch_one(&mut *self.p.tx)
        .await?
        .try_get(0)?;
        if enough < req.quantity {
            return Err(ApiError::bad_request(format!(
                "Serial number type '{}' has {enough} free serial numbers; {} were asked for, \
                 none were taken",
                req.type_name, req.quantity
            )));
        }
        // Numbers with an address first, lowest first (served by the (type, state, address)
        // index), then imported numbers without one, by serial number.
        let mut taken = Vec::with_capacity(req.quantity as usize);
        for with_address in [true, false] {
            let left = req.quantity - taken.len() as i64;
            if left == 0 {
                break;
            }
            let (cond, order) = if with_address {
                ("address IS NOT NULL", "address")
            } else {
                ("address IS NULL", "sn_key")
            };
            let sql = format!(
                "UPDATE serial_numbers SET state = 2, ref_sn = $3, ref_pn = $4, station = $5, \
                 taken_utc = $6 WHERE type_key = $1 AND sn_key IN (SELECT sn_key FROM \
                 serial_numbers WHERE type_key = $1 AND state = 0 AND {cond} ORDER BY {order} \
                 LIMIT $2) RETURNING sn, address"
            );
            let rows = sqlx::query(&sql)
                .bind(&tk)
                .bind(left)
                .bind(req.ref_sn.clone())
                .bind(req.ref_pn.clone())
                .bind(req.station.clone())
                .bind(Utc::now().timestamp_micros())
                .fetch_all(&mut *self.p.tx)
                .await?;
            for r in &rows {
                taken.push((r.try_get::<Option<i64>, _>(1)?, r.try_get::<String, _>(0)?));
            }
        }
        if taken.len() as i64 != req.quantity {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "took {} serial numbers of {} counted free",
                taken.len(),
                req.quantity
            )));
        }
        taken.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
        Ok(taken.into_iter().map(|t| t.1).collect())
    }

    fn selection_sql(sel: &Selection, first: usize) -> (String, Vec<SelBind>) {
        let mut sql = String::new();
        let mut binds = Vec::new();
        let mut add = |cond: &str, b: SelBind| {
            binds.push(b);
            sql.push_str(&format!(" AND {cond} ${}", first + binds.len() - 1));
        };
        if let Some(a) = sel.from {
            add("address >=", SelBind::Int(a));
        }
        if let Some(a) = sel.to {
            add("address <=", SelBind::Int(a));
        }
        if let Some(t) = sel.taken_from {
            add("taken_utc >=", SelBind::Int(t));
        }
        if let Some(t) = sel.taken_to {
            add("taken_utc <", SelBind::Int(t));
        }
        if let Some(s) = &sel.ref_sn {
            add("ref_sn =", SelBind::Text(s.clone()));
        }
        if let Some(s) = &sel.ref_pn {
            add("ref_pn =", SelBind::Text(s.clone()));
        }
        if let Some(s) = sel.state {
            add("state =", SelBind::Int(s));
        }
        (sql, binds)
    }

    /// The numbers of a type a selection picks, by address.
    pub async fn sn_records(
        &mut self,
        type_name: &str,
        sel: &Selection,
    ) -> ApiResult<Vec<SerialNumberRecord>> {
        let t = self.existing_sn_type(type_name).await?;
        let (cond, binds) = Self::selection_sql(sel, 2);
        let sql = format!(
            "SELECT sn, address, state, ref_sn, ref_pn, station, taken_utc FROM serial_numbers \
             WHERE type_key = $1{cond} ORDER BY address IS NULL, address, sn_key"
        );
        let mut q = sqlx::query(&sql).bind(key(type_name));
        for b in binds {
            q = b.bind(q);
        }
        let rows = q.fetch_all(&mut *self.p.tx).await?;
        rows.iter()
            .map(|r| {
                Ok(SerialNumberRecord {
                    serial_number: Some(r.try_get(0)?),
                    serial_number_type: t.name.clone(),
                    address: r.try_get(1)?,
                    state: Some(state_name(r.try_get(2)?).to_owned()),
                    ref_sn: r.try_get(3)?,
                    ref_pn: r.try_get(4)?,
                    station_name: r.try_get(5)?,
                    taken_utc: r.try_get::<Option<i64>, _>(6)?.map(micros_text),
                    ..SerialNumberRecord::default()
                })
            })
            .collect()
    }

    /// How many numbers of a type were taken, within a selection.
    pub async fn sn_count(&mut self, type_name: &str, sel: &Selection) -> ApiResult<i64> {
        self.existing_sn_type(type_name).await?;
        let (cond, binds) = Self::selection_sql(sel, 2);
        let sql =
            format!("SELECT COUNT(*) FROM serial_numbers WHERE type_key = $1 AND state = 2{cond}");
        let mut q = sqlx::query(&sql).bind(key(type_name));
        for b in binds {
            q = b.bind(q);
        }
        Ok(q.fetch_one(&mut *self.p.tx).await?.try_get(0)?)
    }

    /// The address bounds of a range request, checked against its type.
    async fn range_bounds(
        &mut self,
        r: &SerialNumberRange,
        field: &str,
    ) -> ApiResult<(SerialNumberType, i64, i64)> {
        let name = required(r.type_name.as_deref(), &format!("{field}.type"))?.to_owned();
        let t = self.existing_sn_type(&name).await?;
        let start = serial_files::address(
            &t,
            required(r.start_address.as_deref(), &format!("{field}.startAddress"))?,
            &format!("{field}.startAddress"),
        )?;
        let end = match r.end_address.as_deref().filter(|e| !e.trim().is_empty()) {
            Some(e) => serial_files::address(&t, e, &format!("{field}.endAddress"))?,
            None => start,
        };
        if end < start {
            return Err(ApiError::bad_request(format!(
                "{field}: endAddress {end} is before startAddress {start}"
            )));
        }
        Ok((t, start, end))
    }

    /// Frees the numbers in ranges (taken or reserved become free, their references cleared);
    /// answers how many were freed.
    pub async fn free(&mut self, ranges: &[SerialNumberRange]) -> ApiResult<i64> {
        let mut freed = 0;
        for (i, r) in ranges.iter().enumerate() {
            let (t, start, end) = self.range_bounds(r, &format!("ranges[{i}]")).await?;
            let name = t.name.clone().unwrap_or_default();
            self.lock_type(&name).await?;
            freed += sqlx::query(
                "UPDATE serial_numbers SET state = 0, ref_sn = NULL, ref_pn = NULL, \
                 station = NULL, taken_utc = NULL \
                 WHERE type_key = $1 AND address >= $2 AND address <= $3 AND state <> 0",
            )
            .bind(key(&name))
            .bind(start)
            .bind(end)
            .execute(&mut *self.p.tx)
            .await?
            .rows_affected() as i64;
        }
        Ok(freed)
    }

    /// Deletes the free numbers of ranges, or of every type when `ranges` is empty (the body
    /// pyWATS means to send is dropped by its client); answers how many.
    pub async fn delete_free(&mut self, ranges: &[SerialNumberRange]) -> ApiResult<i64> {
        if ranges.is_empty() {
            return Ok(sqlx::query("DELETE FROM serial_numbers WHERE state = 0")
                .execute(&mut *self.p.tx)
                .await?
                .rows_affected() as i64);
        }
        let mut deleted = 0;
        for (i, r) in ranges.iter().enumerate() {
            let (t, start, end) = self.range_bounds(r, &format!("ranges[{i}]")).await?;
            deleted += sqlx::query(
                "DELETE FROM serial_numbers WHERE type_key = $1 AND address >= $2 \
                 AND address <= $3 AND state = 0",
            )
            .bind(key(t.name.as_deref().unwrap_or_default()))
            .bind(start)
            .bind(end)
            .execute(&mut *self.p.tx)
            .await?
            .rows_affected() as i64;
        }
        Ok(deleted)
    }

    /// The contiguous address ranges of one type or all, with their numbers' states.
    pub async fn sn_ranges(
        &mut self,
        type_name: Option<&str>,
    ) -> ApiResult<Vec<SerialNumberRange>> {
        let types = match type_name {
            Some(n) => vec![self.existing_sn_type(n).await?],
            None => self.sn_types().await?,
        };
        let mut out = Vec::new();
        for t in types {
            let name = t.name.clone().unwrap_or_default();
            let rows = sqlx::query(
                "SELECT address, state FROM serial_numbers WHERE type_key = $1 \
                 AND address IS NOT NULL ORDER BY address",
            )
            .bind(key(&name))
            .fetch_all(&mut *self.p.tx)
            .await?;
            let mut cur: Option<(i64, i64, [i64; 3])> = None;
            let push = |c: (i64, i64, [i64; 3]), out: &mut Vec<SerialNumberRange>| {
                out.push(range_row(&t, Some(c.0), Some(c.1), c.2));
            };
            for r in &rows {
                let (a, s): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
                let s = s.clamp(0, 2) as usize;
                match &mut cur {
                    Some((_, end, counts)) if *end + 1 == a => {
                        *end = a;
                        counts[s] += 1;
                    }
                    _ => {
                        if let Some(c) = cur.take() {
                            push(c, &mut out);
                        }
                        let mut counts = [0; 3];
                        counts[s] = 1;
                        cur = Some((a, a, counts));
                    }
                }
            }
            if let Some(c) = cur {
                push(c, &mut out);
            }
        }
        Ok(out)
    }

    /// Numbers per state, of one type or all.
    pub async fn sn_statistics(&mut self, type_name: Option<&str>) -> ApiResult<SerialNumberRange> {
        let mut sql = "SELECT state, COUNT(*) FROM serial_numbers".to_owned();
        let t = match type_name {
            Some(n) => {
                sql.push_str(" WHERE type_key = $1");
                Some(self.existing_sn_type(n).await?)
            }
            None => None,
        };
        sql.push_str(" GROUP BY state");
        let mut q = sqlx::query(&sql);
        if let Some(n) = type_name {
            q = q.bind(key(n));
        }
        let mut counts = [0i64; 3];
        for r in q.fetch_all(&mut *self.p.tx).await? {
            let s: i64 = r.try_get(0)?;
            counts[s.clamp(0, 2) as usize] += r.try_get::<i64, _>(1)?;
        }
        Ok(match t {
            Some(t) => range_row(&t, None, None, counts),
            None => SerialNumberRange {
                total: Some(counts.iter().sum()),
                free: Some(counts[0]),
                reserved: Some(counts[1]),
                taken: Some(counts[2]),
                ..SerialNumberRange::default()
            },
        })
    }

    /// Imports numbers, all or none; 400 naming the first bad line. Answers how many.
    pub async fn import(&mut self, rows: &[ImportRow]) -> ApiResult<i64> {
        if rows.len() as i64 > MAX_BATCH {
            return Err(ApiError::bad_request(format!(
                "an import holds at most {MAX_BATCH} serial numbers"
            )));
        }
        let mut types: std::collections::HashMap<String, (SerialNumberType, Option<regex::Regex>)> =
            Default::default();
        let mut seen = std::collections::HashSet::new();
        let now = Utc::now().timestamp_micros();
        for r in rows {
            let n = r.line;
            let tk = key(&r.type_name);
            if !types.contains_key(&tk) {
                let t = self.sn_type(&r.type_name).await?.ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "line {n}: serial number type '{}' does not exist",
                        r.type_name
                    ))
                })?;
                let re = match t.reg_ex.as_deref().filter(|r| !r.is_empty()) {
                    Some(re) => Some(
                        regex::Regex::new(&format!("^(?:{re})$"))
                            .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?,
                    ),
                    None => None,
                };
                self.lock_type(&r.type_name).await?;
                types.insert(tk.clone(), (t, re));
            }
            let (t, re) = &types[&tk];
            if let Some(re) = re {
                if !re.is_match(&r.serial_number) {
                    return Err(ApiError::bad_request(format!(
                        "line {n}: '{}' does not match the regEx '{}' of type '{}'",
                        r.serial_number,
                        t.reg_ex.as_deref().unwrap_or_default(),
                        r.type_name
                    )));
                }
            }
            let state = match &r.state {
                Some(s) => parse_state(s, &format!("line {n}"))?,
                None => FREE,
            };
            let sk = key(&r.serial_number);
            if !seen.insert((tk.clone(), sk.clone())) {
                return Err(ApiError::bad_request(format!(
                    "line {n}: serial number '{}' appears twice in the file",
                    r.serial_number
                )));
            }
            let done = sqlx::query(
                "INSERT INTO serial_numbers (type_key, sn_key, sn, address, state, ref_sn, \
                 ref_pn, station, taken_utc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (type_key, sn_key) DO NOTHING",
            )
            .bind(&tk)
            .bind(&sk)
            .bind(&r.serial_number)
            .bind(serial_files::parse(t, &r.serial_number))
            .bind(state)
            .bind(r.ref_sn.clone())
            .bind(r.ref_pn.clone())
            .bind(r.station.clone())
            .bind((state == TAKEN).then_some(now))
            .execute(&mut *self.p.tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(ApiError::bad_request(format!(
                    "line {n}: serial number '{}' already exists in type '{}'",
                    r.serial_number, r.type_name
                )));
            }
        }
        Ok(rows.len() as i64)
    }
}

fn range_row(
    t: &SerialNumberType,
    start: Option<i64>,
    end: Option<i64>,
    counts: [i64; 3],
) -> SerialNumberRange {
    SerialNumberRange {
        type_name: t.name.clone(),
        identifier: t.identifier,
        identifier_name: t.identifier_name.clone(),
        start_address: start.map(|a| a.to_string()),
        end_address: end.map(|a| a.to_string()),
        total: Some(counts.iter().sum()),
        free: Some(counts[0]),
        reserved: Some(counts[1]),
        taken: Some(counts[2]),
        ..SerialNumberRange::default()
    }
}

/// A bound parameter of a selection.
enum SelBind {
    Int(i64),
    Text(String),
}

impl SelBind {
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            SelBind::Int(i) => q.bind(i),
            SelBind::Text(s) => q.bind(s),
        }
    }
}

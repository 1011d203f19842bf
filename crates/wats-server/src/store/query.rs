//! Header queries: `GET /api/Report/Query/Header` (OData) and `HeaderByMiscInfo`.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, Store};
use crate::odata::sql::{compile_filter, ColType, Collection, Field, Schema, SqlBuilder, SqlValue};
use crate::odata::{ODataError, QueryOptions, DEFAULT_TOP, MAX_TOP};

const fn f(name: &'static str, column: &'static str, ty: ColType) -> Field {
    Field { name, column, ty }
}

/// The header properties clients filter and sort on, and their columns.
pub static HEADER_FIELDS: &[Field] = &[
    f("uuid", "id", ColType::Guid),
    f("serialNumber", "sn", ColType::Text),
    f("partNumber", "pn", ColType::Text),
    f("revision", "rev", ColType::Text),
    f("reportType", "report_type", ColType::Text),
    f("start", "start_utc", ColType::Time),
    f("startUtc", "start_utc", ColType::Time),
    f("result", "result", ColType::Result),
    f("batchNumber", "batch_sn", ColType::Text),
    f("userName", "operator", ColType::Text),
    f("operator", "operator", ColType::Text),
    f("stationName", "station", ColType::Text),
    f("location", "location", ColType::Text),
    f("purpose", "purpose", ColType::Text),
    f("timeStamp", "seq", ColType::Int),
    f("processCode", "process_code", ColType::Int),
    f("processName", "process_name", ColType::Text),
    f("comment", "comment", ColType::Text),
    f("executionTime", "exec_time", ColType::Real),
    f("swFilename", "sw_filename", ColType::Text),
    f("swVersion", "sw_version", ColType::Text),
    f("testSocketIndex", "test_socket_index", ColType::Int),
    f("fixtureId", "fixture_id", ColType::Text),
    f("errorCode", "error_code", ColType::Int),
    f("errorMessage", "error_message", ColType::Text),
    f("run", "run", ColType::Int),
    f("receiveCount", "receive_count", ColType::Int),
    f("reportSize", "report_size", ColType::Int),
    f("causedUutFailure", "caused_uut_failure", ColType::Text),
    f(
        "causedUutFailurePath",
        "caused_uut_failure_path",
        ColType::Text,
    ),
    f("referencedUut", "referenced_uut", ColType::Guid),
    f("productName", "product_name", ColType::Text),
];

static SUB_UNIT_FIELDS: &[Field] = &[
    f("partType", "part_type", ColType::Text),
    f("serialNumber", "sn", ColType::Text),
    f("partNumber", "pn", ColType::Text),
    f("revision", "rev", ColType::Text),
];

static MISC_FIELDS: &[Field] = &[
    f("description", "description", ColType::Text),
    f("value", "text_value", ColType::Text),
];

static ASSET_FIELDS: &[Field] = &[f("serialNumber", "asset_sn", ColType::Text)];

static COLLECTIONS: &[Collection] = &[
    Collection {
        name: "subUnits",
        table: "report_sub_units",
        parent_column: "report_id",
        condition: "r.report_type = 'T'",
        fields: SUB_UNIT_FIELDS,
    },
    Collection {
        name: "uurSubUnits",
        table: "report_sub_units",
        parent_column: "report_id",
        condition: "r.report_type = 'R'",
        fields: SUB_UNIT_FIELDS,
    },
    Collection {
        name: "miscInfo",
        table: "report_misc_infos",
        parent_column: "report_id",
        condition: "r.report_type = 'T'",
        fields: MISC_FIELDS,
    },
    Collection {
        name: "uurMiscInfo",
        table: "report_misc_infos",
        parent_column: "report_id",
        condition: "r.report_type = 'R'",
        fields: MISC_FIELDS,
    },
    Collection {
        name: "assets",
        table: "report_assets",
        parent_column: "report_id",
        condition: "",
        fields: ASSET_FIELDS,
    },
];

/// The schema `$filter` compiles against.
pub static HEADER_SCHEMA: Schema = Schema {
    alias: "r",
    id_column: "id",
    fields: HEADER_FIELDS,
    collections: COLLECTIONS,
};

/// The expandable collections (WATS's names).
pub const EXPANDS: [&str; 7] = [
    "subUnits",
    "miscInfo",
    "assets",
    "attachments",
    "uurSubUnits",
    "uurMiscInfo",
    "uurAttachments",
];

/// The properties of a header in the order they are written.
const OUTPUT_FIELDS: [&str; 31] = [
    "uuid",
    "serialNumber",
    "partNumber",
    "revision",
    "reportType",
    "start",
    "startUtc",
    "result",
    "batchNumber",
    "userName",
    "stationName",
    "location",
    "purpose",
    "measuresDeleted",
    "timeStamp",
    "processCode",
    "processName",
    "comment",
    "executionTime",
    "swFilename",
    "swVersion",
    "testSocketIndex",
    "fixtureId",
    "errorCode",
    "errorMessage",
    "run",
    "receiveCount",
    "reportSize",
    "causedUutFailure",
    "causedUutFailurePath",
    "referencedUut",
];

pub(crate) const HEADER_COLUMNS: &str =
    "r.id, r.sn, r.pn, r.rev, r.report_type, r.start_text, r.start_utc, \
    r.result, r.batch_sn, r.operator, r.station, r.location, r.purpose, r.seq, r.process_code, \
    r.process_name, r.comment, r.exec_time, r.sw_filename, r.sw_version, r.test_socket_index, \
    r.fixture_id, r.error_code, r.error_message, r.run, r.receive_count, r.report_size, \
    r.caused_uut_failure, r.caused_uut_failure_path, r.referenced_uut, r.product_name";

fn utc_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

pub(crate) fn header_json(r: &AnyRow) -> sqlx::Result<Map<String, Value>> {
    let s = |i: usize| -> sqlx::Result<Value> {
        Ok(r.try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::String))
    };
    let n = |i: usize| -> sqlx::Result<Value> {
        Ok(r.try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::from))
    };
    let mut m = Map::new();
    m.insert("uuid".into(), s(0)?);
    m.insert("serialNumber".into(), s(1)?);
    m.insert("partNumber".into(), s(2)?);
    m.insert("revision".into(), s(3)?);
    m.insert("reportType".into(), s(4)?);
    m.insert("start".into(), s(5)?);
    m.insert("startUtc".into(), Value::String(utc_text(r.try_get(6)?)));
    m.insert("result".into(), s(7)?);
    m.insert("batchNumber".into(), s(8)?);
    m.insert("userName".into(), s(9)?);
    m.insert("stationName".into(), s(10)?);
    m.insert("location".into(), s(11)?);
    m.insert("purpose".into(), s(12)?);
    m.insert("measuresDeleted".into(), Value::Bool(false));
    m.insert("timeStamp".into(), n(13)?);
    m.insert("processCode".into(), n(14)?);
    m.insert("processName".into(), s(15)?);
    m.insert("comment".into(), s(16)?);
    m.insert(
        "executionTime".into(),
        r.try_get::<Option<f64>, _>(17)?
            .map_or(Value::Null, Value::from),
    );
    m.insert("swFilename".into(), s(18)?);
    m.insert("swVersion".into(), s(19)?);
    m.insert("testSocketIndex".into(), n(20)?);
    m.insert("fixtureId".into(), s(21)?);
    m.insert("errorCode".into(), n(22)?);
    m.insert("errorMessage".into(), s(23)?);
    m.insert("run".into(), n(24)?);
    m.insert("receiveCount".into(), n(25)?);
    m.insert("reportSize".into(), n(26)?);
    m.insert("causedUutFailure".into(), s(27)?);
    m.insert("causedUutFailurePath".into(), s(28)?);
    m.insert("referencedUut".into(), s(29)?);
    m.insert("productName".into(), s(30)?);
    Ok(m)
}

/// A query failed: the client's fault (400) or the database's (500).
#[derive(Debug)]
pub enum QueryError {
    /// Bad query options.
    OData(ODataError),
    /// Database failure.
    Db(sqlx::Error),
}

impl From<ODataError> for QueryError {
    fn from(e: ODataError) -> Self {
        QueryError::OData(e)
    }
}

impl From<sqlx::Error> for QueryError {
    fn from(e: sqlx::Error) -> Self {
        QueryError::Db(e)
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &'q [SqlValue],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            SqlValue::Text(s) => q.bind(s.as_str()),
            SqlValue::Int(i) => q.bind(*i),
            SqlValue::Real(f) => q.bind(*f),
        };
    }
    q
}

impl Store {
    /// Report headers matching `options`; `report_type` is `T` or `R` when the caller
    /// restricts it.
    pub async fn query_headers(
        &self,
        options: &QueryOptions,
        report_type: Option<&str>,
    ) -> Result<Vec<Value>, QueryError> {
        let expand = resolve_names(&options.expand, &EXPANDS, "$expand")?;
        let mut select_all = options.select.is_empty();
        let mut select = Vec::new();
        for name in &options.select {
            if name == "*" {
                select_all = true;
            } else if let Some(e) = EXPANDS.iter().find(|e| e.eq_ignore_ascii_case(name)) {
                if !expand.contains(e) {
                    return Err(ODataError::new(format!(
                        "$select: {e} must also be named in $expand"
                    ))
                    .into());
                }
                select.push(*e);
            } else if let Some(o) = OUTPUT_FIELDS
                .iter()
                .chain(["productName"].iter())
                .find(|o| o.eq_ignore_ascii_case(name))
            {
                select.push(*o);
            } else {
                return Err(ODataError::new(format!("$select: unknown property '{name}'")).into());
            }
        }

        let mut b = SqlBuilder::new(self.backend == Backend::Postgres);
        b.push("SELECT ")
            .push(HEADER_COLUMNS)
            .push(" FROM reports r WHERE 1=1");
        if let Some(t) = report_type {
            b.push(" AND r.report_type = ");
            b.bind(SqlValue::Text(t.to_owned()));
        }
        if let Some(filter) = &options.filter {
            b.push(" AND (");
            compile_filter(filter, &HEADER_SCHEMA, &mut b)
                .map_err(|e| ODataError::new(format!("invalid $filter: {e}")))?;
            b.push(")");
        }
        b.push(" ORDER BY ");
        if options.order_by.is_empty() {
            b.push("r.start_utc DESC");
        }
        for (i, o) in options.order_by.iter().enumerate() {
            let Some(field) = HEADER_SCHEMA.field(&o.field) else {
                return Err(
                    ODataError::new(format!("$orderby: unknown property '{}'", o.field)).into(),
                );
            };
            if i > 0 {
                b.push(", ");
            }
            b.push("r.").push(field.column);
            b.push(if o.descending { " DESC" } else { " ASC" });
        }
        b.push(", r.id ASC LIMIT ");
        b.bind(SqlValue::Int(
            options.top.unwrap_or(DEFAULT_TOP).min(MAX_TOP),
        ));
        b.push(" OFFSET ");
        b.bind(SqlValue::Int(options.skip.unwrap_or(0)));

        let rows = bind_all(sqlx::query(&b.sql), &b.args)
            .fetch_all(&self.pool)
            .await?;
        let mut headers = Vec::with_capacity(rows.len());
        for row in &rows {
            headers.push(header_json(row)?);
        }
        if !expand.is_empty() && !headers.is_empty() {
            self.expand(&mut headers, &expand).await?;
        }
        Ok(headers
            .into_iter()
            .map(|mut h| {
                if !select_all {
                    h.retain(|k, _| select.contains(&k.as_str()));
                }
                Value::Object(h)
            })
            .collect())
    }

    async fn expand(
        &self,
        headers: &mut [Map<String, Value>],
        expand: &[&'static str],
    ) -> sqlx::Result<()> {
        let ids: Vec<String> = headers
            .iter()
            .filter_map(|h| h["uuid"].as_str().map(str::to_owned))
            .collect();
        let placeholders = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let fetch = |sql: String| {
            let ids = ids.clone();
            async move {
                let mut q = sqlx::query(&sql);
                for id in &ids {
                    q = q.bind(id.clone());
                }
                q.fetch_all(&self.pool).await
            }
        };
        let mut per_report: HashMap<(&'static str, String), Vec<Value>> = HashMap::new();
        let wants = |names: [&str; 2]| names.iter().any(|n| expand.contains(n));
        if wants(["subUnits", "uurSubUnits"]) {
            for r in fetch(format!(
                "SELECT report_id, part_type, sn, pn, rev FROM report_sub_units \
                 WHERE report_id IN ({placeholders}) ORDER BY report_id, idx"
            ))
            .await?
            {
                let item = json!({
                    "partType": r.try_get::<Option<String>, _>(1)?,
                    "serialNumber": r.try_get::<Option<String>, _>(2)?,
                    "partNumber": r.try_get::<Option<String>, _>(3)?,
                    "revision": r.try_get::<Option<String>, _>(4)?,
                });
                per_report
                    .entry(("subUnits", r.try_get(0)?))
                    .or_default()
                    .push(item);
            }
        }
        if wants(["miscInfo", "uurMiscInfo"]) {
            for r in fetch(format!(
                "SELECT report_id, description, text_value, numeric_value FROM report_misc_infos \
                 WHERE report_id IN ({placeholders}) ORDER BY report_id, idx"
            ))
            .await?
            {
                let text: Option<String> = r.try_get(2)?;
                let numeric: Option<f64> = r.try_get(3)?;
                let item = json!({
                    "description": r.try_get::<Option<String>, _>(1)?,
                    "value": text.or_else(|| numeric.map(|n| n.to_string())),
                });
                per_report
                    .entry(("miscInfo", r.try_get(0)?))
                    .or_default()
                    .push(item);
            }
        }
        if wants(["assets", "assets"]) {
            for r in fetch(format!(
                "SELECT report_id, asset_sn, usage_count FROM report_assets \
                 WHERE report_id IN ({placeholders}) ORDER BY report_id, idx"
            ))
            .await?
            {
                let item = json!({
                    "serialNumber": r.try_get::<Option<String>, _>(1)?,
                    "runningCount": r.try_get::<Option<i64>, _>(2)?,
                });
                per_report
                    .entry(("assets", r.try_get(0)?))
                    .or_default()
                    .push(item);
            }
        }
        if wants(["attachments", "uurAttachments"]) {
            for r in fetch(format!(
                "SELECT report_id, step_id, attachment_id, name FROM report_attachments \
                 WHERE report_id IN ({placeholders}) ORDER BY report_id, idx"
            ))
            .await?
            {
                let step_id: Option<i64> = r.try_get(1)?;
                let item = match step_id {
                    Some(s) => json!({"stepId": s, "filename": r.try_get::<Option<String>, _>(3)?}),
                    None => json!({
                        "id": r.try_get::<Option<String>, _>(2)?,
                        "filename": r.try_get::<Option<String>, _>(3)?,
                    }),
                };
                per_report
                    .entry(("attachments", r.try_get(0)?))
                    .or_default()
                    .push(item);
            }
        }
        for h in headers.iter_mut() {
            let id = h["uuid"].as_str().unwrap_or_default().to_owned();
            let is_uur = h["reportType"].as_str() == Some("R");
            for name in expand {
                let (source, for_uur) = match *name {
                    "subUnits" => ("subUnits", false),
                    "uurSubUnits" => ("subUnits", true),
                    "miscInfo" => ("miscInfo", false),
                    "uurMiscInfo" => ("miscInfo", true),
                    "attachments" => ("attachments", false),
                    "uurAttachments" => ("attachments", true),
                    _ => ("assets", is_uur),
                };
                let items = if for_uur == is_uur {
                    per_report
                        .get(&(source, id.clone()))
                        .cloned()
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                h.insert((*name).to_owned(), Value::Array(items));
            }
        }
        Ok(())
    }

    /// Headers of reports with a misc info matching `description` (and `value`), newest first
    /// (`WATS_UUTResult` shape).
    pub async fn headers_by_misc_info(
        &self,
        description: Option<&str>,
        value: Option<&str>,
        serial_number: Option<&str>,
        process_code: Option<i64>,
        top: i64,
    ) -> sqlx::Result<Vec<Value>> {
        let mut b = SqlBuilder::new(false);
        b.push(
            "SELECT r.id, r.sn, r.pn, r.start_text, r.result, r.process_code, r.process_name \
             FROM reports r WHERE EXISTS (SELECT 1 FROM report_misc_infos m \
             WHERE m.report_id = r.id",
        );
        if let Some(d) = description {
            b.push(" AND m.description = ")
                .bind(SqlValue::Text(d.to_owned()));
        }
        if let Some(v) = value {
            b.push(" AND m.text_value = ")
                .bind(SqlValue::Text(v.to_owned()));
        }
        b.push(")");
        if let Some(sn) = serial_number {
            b.push(" AND r.sn = ").bind(SqlValue::Text(sn.to_owned()));
        }
        if let Some(pc) = process_code {
            b.push(" AND r.process_code = ").bind(SqlValue::Int(pc));
        }
        b.push(" ORDER BY r.start_utc DESC, r.id LIMIT ")
            .bind(SqlValue::Int(top));
        let rows = bind_all(sqlx::query(&b.sql), &b.args)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get(0)?;
            let misc = sqlx::query(
                "SELECT description, text_value FROM report_misc_infos WHERE report_id = $1 \
                 ORDER BY idx",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|m| {
                Ok(json!({
                    "description": m.try_get::<Option<String>, _>(0)?,
                    "data": m.try_get::<Option<String>, _>(1)?,
                }))
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
            out.push(json!({
                "miscData": misc,
                "serialNumber": r.try_get::<String, _>(1)?,
                "partNumber": r.try_get::<String, _>(2)?,
                "start": r.try_get::<String, _>(3)?,
                "result": r.try_get::<String, _>(4)?,
                "uuid": id,
                "processCode": r.try_get::<i64, _>(5)?,
                "processName": r.try_get::<Option<String>, _>(6)?,
            }));
        }
        Ok(out)
    }
}

fn resolve_names(
    names: &[String],
    known: &[&'static str],
    option: &str,
) -> Result<Vec<&'static str>, ODataError> {
    let mut out = Vec::new();
    for n in names {
        match known.iter().find(|k| k.eq_ignore_ascii_case(n)) {
            Some(k) if !out.contains(k) => out.push(*k),
            Some(_) => {}
            None => {
                return Err(ODataError::new(format!(
                    "{option}: unknown property '{n}' (known: {})",
                    known.join(", ")
                )))
            }
        }
    }
    Ok(out)
}

//! Declarative converters: CSV columns mapped to report fields by configuration.
//!
//! The `csv` converter reads one row per step. Rows with the same serial number, part number
//! and start time form one report, so one file may hold many units. Columns are found by
//! their header name: the `columns` argument maps a field to a header
//! (`{"serial_number": "Board SN"}`); without it the usual names are recognised,
//! case-insensitively and ignoring spaces, `_` and `-`:
//!
//! | field | recognised headers |
//! |---|---|
//! | `serial_number` | SerialNumber, SN, Serial, SerialNo |
//! | `part_number` | PartNumber, PN, Part, PartNo |
//! | `revision` | Revision, Rev |
//! | `process_code` | ProcessCode, OperationCode |
//! | `process_name` | OperationType, Operation, Process, ProcessName |
//! | `start_time` | TestDate, Date, Start, StartTime, DateTime, Timestamp |
//! | `operator` | Operator, User |
//! | `station` | Station, StationName, Machine |
//! | `step_group` | Group, Sequence, StepGroup (a path: `Power/Rails`) |
//! | `step_name` | StepName, Step, TestName, Test |
//! | `step_type` | StepType, Type (`NumericLimit`, `PassFail`, `StringValue`, …) |
//! | `value` | Value, Measurement, Measured |
//! | `low_limit` / `high_limit` | LowLimit, Low, Min / HighLimit, High, Max |
//! | `unit` | Unit, Units |
//! | `comp_op` | CompOp, Comparison |
//! | `status` | Result, Status, PassFail, StepResult |
//!
//! A numeric step gets `GELE` with both limits, `GE` with a low one, `LE` with a high one,
//! `LOG` with none (or the `comp_op` column). A row without a value is a pass/fail step; a
//! non-numeric value a string step (the low-limit column, if any, is the expected text). The
//! status column's verdict is kept (`pass_values`, default pass/passed/p/ok/true/1, pass;
//! anything else fails); without one, the limits judge.
//!
//! Other arguments: `delimiter` (`,` `;` `\t` `|`; detected from the header by default),
//! `time_format` (chrono format; by default ISO, `dd.mm.yyyy`, `mm/dd/yyyy` are tried),
//! `time_zone`, `part_number`, `revision` (default `1`), `process_code` (default 10),
//! `operator`, `station_name`, `location`, `purpose`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;
use wats_report::{CompOp, Report, ReportBuilder, Status, Timestamp};

use crate::util::parse_number;
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// CSV with a column mapping.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvMapping;

/// The fields a column can map to, with the header names recognised by default.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "serial_number",
        &["serialnumber", "sn", "serial", "serialno", "unitserial"],
    ),
    (
        "part_number",
        &["partnumber", "pn", "part", "partno", "product"],
    ),
    ("revision", &["revision", "rev", "partrevision"]),
    (
        "process_code",
        &["processcode", "operationcode", "operationtypecode"],
    ),
    (
        "process_name",
        &["operationtype", "operation", "process", "processname"],
    ),
    (
        "start_time",
        &[
            "testdate",
            "date",
            "start",
            "starttime",
            "datetime",
            "timestamp",
            "testtime",
        ],
    ),
    ("operator", &["operator", "user", "username"]),
    (
        "station",
        &["station", "stationname", "machine", "machinename"],
    ),
    (
        "step_group",
        &["group", "sequence", "stepgroup", "stepsequence"],
    ),
    ("step_name", &["stepname", "step", "testname", "test"]),
    ("step_type", &["steptype", "type", "testtype"]),
    (
        "value",
        &[
            "value",
            "measurement",
            "measured",
            "measuredvalue",
            "reading",
        ],
    ),
    ("low_limit", &["lowlimit", "low", "min", "lowerlimit", "ll"]),
    (
        "high_limit",
        &["highlimit", "high", "max", "upperlimit", "hl"],
    ),
    ("unit", &["unit", "units"]),
    ("comp_op", &["compop", "comparison", "compoperator"]),
    (
        "status",
        &["result", "status", "passfail", "stepresult", "verdict"],
    ),
];

const PARAMETERS: &[Parameter] = &[
    Parameter { name: "columns", description: "object: field → header name (fields: serial_number, part_number, revision, process_code, process_name, start_time, operator, station, step_group, step_name, step_type, value, low_limit, high_limit, unit, comp_op, status)" },
    Parameter { name: "delimiter", description: "field separator: , ; \\t or |; detected from the header by default" },
    Parameter { name: "time_format", description: "chrono format of the start time; ISO 8601, dd.mm.yyyy and mm/dd/yyyy are tried by default" },
    Parameter { name: "time_zone", description: "zone of naive times: local (default), UTC, +02:00" },
    Parameter { name: "pass_values", description: "array of status texts that mean passed; default pass, passed, p, ok, true, 1" },
    Parameter { name: "part_number", description: "part number when the file has no column for it" },
    Parameter { name: "revision", description: "revision when the file has none; default 1" },
    Parameter { name: "process_code", description: "operation code when the file has none; default 10" },
    Parameter { name: "operator", description: "operator when the file has none" },
    Parameter { name: "station_name", description: "station when neither the file nor the configuration names one" },
];

fn normalize(header: &str) -> String {
    header
        .trim()
        .trim_matches('"')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits `text` into records (RFC 4180: quoted fields, doubled quotes, separators and line
/// breaks inside quotes), each with the line it starts on.
pub fn parse_csv(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>, ConvertError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quoted = false;
    let mut quote_line = 0;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                quote_line = line;
                at_field_start = false;
            }
            c if c == delimiter => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].trim().is_empty()) {
                    records.push((record_line, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                record_line = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(ConvertError::at_line(
            quote_line,
            "a quoted field is not closed (truncated file?)",
        ));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

fn sniff_delimiter(header: &str) -> char {
    [',', ';', '\t', '|']
        .into_iter()
        .max_by_key(|d| header.matches(*d).count())
        .unwrap_or(',')
}

fn header_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// Where each field is in a row.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn find(header: &[String], cx: &Context) -> Result<Columns, ConvertError> {
        let normalized: Vec<String> = header.iter().map(|h| normalize(h)).collect();
        let configured = cx.arguments.get("columns").and_then(Value::as_object);
        let mut map = HashMap::new();
        for (field, aliases) in FIELDS {
            if let Some(name) = configured
                .and_then(|c| c.get(*field))
                .and_then(Value::as_str)
            {
                let wanted = normalize(name);
                let index = normalized
                    .iter()
                    .position(|h| *h == wanted)
                    .ok_or_else(|| {
                        ConvertError::at_line(
                            1,
                            format!("column {name:?} (for {field}) is not in the header"),
                        )
                    })?;
                map.insert(*field, index);
            } else if let Some(index) = normalized
                .iter()
                .position(|h| aliases.contains(&h.as_str()))
            {
                map.insert(*field, index);
            }
        }
        Ok(Columns(map))
    }

    fn get<'r>(&self, row: &'r [String], field: &str) -> Option<&'r str> {
        let i = *self.0.get(field)?;
        row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

fn parse_time(text: &str, format: Option<&str>, cx: &Context) -> Option<Timestamp> {
    if let Some(f) = format {
        if let Ok(dt) = DateTime::parse_from_str(text, f) {
            return Some(Timestamp::new(dt));
        }
        return NaiveDateTime::parse_from_str(text, f)
            .ok()
            .and_then(|n| cx.timestamp(n).ok());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(Timestamp::new(dt));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, f) {
            return cx.timestamp(n).ok();
        }
    }
    None
}

/// One unit's rows.
struct Unit {
    key: (String, String, String),
    line: usize,
    rows: Vec<(usize, Vec<String>)>,
}

impl Converter for CsvMapping {
    fn name(&self) -> &str {
        "csv"
    }
    fn description(&self) -> &str {
        "CSV, one row per step, with a configurable column mapping"
    }
    fn patterns(&self) -> &[&str] {
        &["*.csv", "*.txt"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let header = header_line(&head);
        // JSON and XML are no CSV header; telling that first spares normalizing every piece
        // of a one-line JSON document (38 µs of detecting a WSJF file).
        if header.trim_start().starts_with(['{', '[', '<']) {
            return 0.0;
        }
        let delimiter = sniff_delimiter(header);
        if header.matches(delimiter).count() < 2 {
            return 0.0;
        }
        let names: Vec<String> = header.split(delimiter).map(normalize).collect();
        let has = |field: &str| {
            FIELDS
                .iter()
                .find(|(f, _)| *f == field)
                .is_some_and(|(_, aliases)| names.iter().any(|n| aliases.contains(&n.as_str())))
        };
        match (
            has("serial_number"),
            has("step_name"),
            has("value") || has("status"),
        ) {
            (true, true, true) => 0.75,
            (true, true, false) | (true, false, true) => 0.5,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let delimiter = match cx.text("delimiter").as_deref() {
            None => sniff_delimiter(header_line(&text)),
            Some("\\t") | Some("tab") => '\t',
            Some(d) if d.chars().count() == 1 => d.chars().next().unwrap_or(','),
            Some(d) => {
                return Err(ConvertError::new(format!(
                    "argument \"delimiter\": {d:?} is not one character"
                )))
            }
        };
        let records = parse_csv(&text, delimiter)?;
        let Some(((_, header), rows)) = records.split_first() else {
            return Err(ConvertError::new("the file is empty"));
        };
        let columns = Columns::find(header, cx)?;
        if !columns.0.contains_key("serial_number") {
            return Err(ConvertError::at_line(
                1,
                "no serial number column in the header (map one with the \"columns\" argument)",
            ));
        }
        if !columns.0.contains_key("step_name") {
            return Err(ConvertError::at_line(
                1,
                "no step name column in the header (map one with the \"columns\" argument)",
            ));
        }
        let mut units: Vec<Unit> = Vec::new();
        for (line, row) in rows {
            let sn = columns
                .get(row, "serial_number")
                .ok_or_else(|| ConvertError::at_line(*line, "the serial number is empty"))?;
            let key = (
                sn.to_string(),
                columns.get(row, "part_number").unwrap_or("").to_string(),
                columns.get(row, "start_time").unwrap_or("").to_string(),
            );
            match units.iter_mut().find(|u| u.key == key) {
                Some(u) => u.rows.push((*line, row.clone())),
                None => units.push(Unit {
                    key,
                    line: *line,
                    rows: vec![(*line, row.clone())],
                }),
            }
        }
        if units.is_empty() {
            return Err(ConvertError::new("the file has a header but no rows"));
        }
        let pass_values: Vec<String> =
            match cx.arguments.get("pass_values").and_then(Value::as_array) {
                Some(values) => values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect(),
                None => ["pass", "passed", "p", "ok", "true", "1"]
                    .map(String::from)
                    .to_vec(),
            };
        let time_format = cx.text("time_format");
        units
            .into_iter()
            .map(|u| build(u, &columns, cx, &pass_values, time_format.as_deref()))
            .collect()
    }
}

fn build(
    unit: Unit,
    columns: &Columns,
    cx: &Context,
    pass_values: &[String],
    time_format: Option<&str>,
) -> Result<Report, ConvertError> {
    let first = &unit.rows[0].1;
    let pn = match unit.key.1.as_str() {
        "" => cx.text("part_number").ok_or_else(|| {
            ConvertError::at_line(
                unit.line,
                "no part number: the file has none and the \"part_number\" argument is not set",
            )
        })?,
        pn => pn.to_string(),
    };
    let rev = columns
        .get(first, "revision")
        .map(str::to_string)
        .unwrap_or_else(|| cx.text_or("revision", "1"));
    let code = match columns.get(first, "process_code") {
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ConvertError::at_line(unit.line, format!("process code {text:?} is not a number"))
        })?),
        None => None,
    };
    let code = cx.process_code(code, 10)?;
    let (station, location, purpose) = cx.station_identity("CSV");
    let station = columns
        .get(first, "station")
        .map(str::to_string)
        .unwrap_or(station);
    let mut b =
        ReportBuilder::uut(pn, unit.key.0.clone(), rev, code).station(station, location, purpose);
    if let Some(name) = columns.get(first, "process_name") {
        b = b.process_name(name);
    }
    if let Some(op) = columns
        .get(first, "operator")
        .map(str::to_string)
        .or_else(|| cx.text("operator"))
    {
        b = b.operator(op);
    }
    if !unit.key.2.is_empty() {
        let at = parse_time(&unit.key.2, time_format, cx).ok_or_else(|| {
            ConvertError::at_line(
                unit.line,
                format!(
                    "start time {:?} is not a date and time{}",
                    unit.key.2,
                    time_format
                        .map(|f| format!(" in the format {f:?}"))
                        .unwrap_or_default()
                ),
            )
        })?;
        b = b.start(at);
    }
    for (line, row) in &unit.rows {
        let name = columns
            .get(row, "step_name")
            .ok_or_else(|| ConvertError::at_line(*line, "the step name is empty"))?;
        let group = columns.get(row, "step_group").unwrap_or("");
        let kind = columns
            .get(row, "step_type")
            .map(normalize)
            .unwrap_or_default();
        let value = columns.get(row, "value");
        let number = |field: &str| -> Result<Option<f64>, ConvertError> {
            match columns.get(row, field) {
                None => Ok(None),
                Some(t) => parse_number(t).map(Some).ok_or_else(|| {
                    ConvertError::at_line(*line, format!("{field}: {t:?} is not a number"))
                }),
            }
        };
        let status = columns.get(row, "status").map(|s| {
            if pass_values.iter().any(|p| p.eq_ignore_ascii_case(s)) {
                Status::Passed
            } else if s.eq_ignore_ascii_case("skipped") || s.eq_ignore_ascii_case("skip") {
                Status::Skipped
            } else {
                Status::Failed
            }
        });
        let numeric_kind = matches!(
            kind.as_str(),
            "numericlimit" | "numeric" | "etnlt" | "nlt" | "number"
        );
        let pass_fail_kind = matches!(kind.as_str(), "passfail" | "boolean" | "etpft" | "pft");
        let string_kind = matches!(
            kind.as_str(),
            "stringvalue" | "string" | "etsvt" | "svt" | "text"
        );
        let mut g = b.group(group);
        let step = match value {
            Some(v)
                if !pass_fail_kind
                    && !string_kind
                    && (numeric_kind || parse_number(v).is_some()) =>
            {
                let value = parse_number(v).ok_or_else(|| {
                    ConvertError::at_line(
                        *line,
                        format!("value: {v:?} is not a number (step {name:?} is numeric)"),
                    )
                })?;
                let (low, high) = (number("low_limit")?, number("high_limit")?);
                let op = match columns.get(row, "comp_op") {
                    Some(op) => Some(CompOp::parse(op).ok_or_else(|| {
                        ConvertError::at_line(
                            *line,
                            format!("comp_op: {op:?} is not a comparison operator"),
                        )
                    })?),
                    None => None,
                };
                let (op, l, h) = crate::util::comparison(op, low, high);
                let mut s = g.add_step(name, value).compare(op, l, h);
                if let Some(unit) = columns.get(row, "unit") {
                    s = s.unit(unit.to_string());
                }
                s
            }
            Some(v) if !pass_fail_kind => {
                let numeric_limits = ["low_limit", "high_limit"]
                    .iter()
                    .any(|f| columns.get(row, f).and_then(parse_number).is_some());
                if numeric_limits && !string_kind {
                    return Err(ConvertError::at_line(
                        *line,
                        format!(
                            "value: {v:?} is not a number, but step {name:?} has numeric limits"
                        ),
                    ));
                }
                let mut s = g.add_step(name, v.to_string());
                if let Some(expected) = columns.get(row, "low_limit") {
                    s = s.limit(expected);
                }
                s
            }
            _ => {
                if numeric_kind {
                    return Err(ConvertError::at_line(
                        *line,
                        format!("step {name:?} is numeric but has no value"),
                    ));
                }
                g.add_step(name, status != Some(Status::Failed))
            }
        };
        if let Some(status) = status {
            let _ = step.status(status);
        }
    }
    Ok(b.build_unchecked())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let r = parse_csv("a,\"b,c\",\"d\"\"e\"\n\"x\ny\",2\n", ',').unwrap();
        assert_eq!(r[0].1, vec!["a", "b,c", "d\"e"]);
        assert_eq!(r[1], (2, vec!["x\ny".to_string(), "2".to_string()]));
        assert_eq!(parse_csv("a\n\"b", ',').unwrap_err().location.line, 2);
    }
}

/// JSON test results with a path mapping: the `json` converter.
///
/// The `fields` argument maps report fields to JSON pointers (RFC 6901, `/unit/serial`);
/// `units` points at an array of units when one file holds many (default: the document is
/// one unit, or an array of units); `steps` points at the unit's array of steps, and
/// `step_fields` maps step fields to pointers relative to a step. Without arguments the
/// usual names are looked up, case-insensitively: `serialNumber`/`serial_number`/`sn`,
/// `partNumber`/`part_number`/`pn`, `revision`/`rev`, `processCode`/`process_code`,
/// `operator`, `station`, `startTime`/`start`, `result`, and `steps` holding `name`,
/// `group` (a path `A/B`), `value`, `lowLimit`/`low`, `highLimit`/`high`, `unit`, `compOp`,
/// `status`. A step's value decides its kind (number, boolean, text); limits choose the
/// comparison as for CSV. Errors name the JSON path.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonMapping;

const JSON_FIELDS: &[(&str, &[&str])] = &[
    (
        "serial_number",
        &["serialnumber", "serial_number", "sn", "serial"],
    ),
    ("part_number", &["partnumber", "part_number", "pn"]),
    ("revision", &["revision", "rev"]),
    (
        "process_code",
        &["processcode", "process_code", "operationcode"],
    ),
    ("operator", &["operator", "user"]),
    ("station", &["station", "stationname", "machinename"]),
    (
        "start_time",
        &["starttime", "start_time", "start", "timestamp", "date"],
    ),
    ("result", &["result", "status", "verdict"]),
    ("steps", &["steps", "tests", "measurements", "results"]),
];

const JSON_STEP_FIELDS: &[(&str, &[&str])] = &[
    ("name", &["name", "stepname", "test", "testname"]),
    ("group", &["group", "sequence"]),
    ("value", &["value", "measured", "reading"]),
    ("low_limit", &["lowlimit", "low_limit", "low", "min"]),
    ("high_limit", &["highlimit", "high_limit", "high", "max"]),
    ("unit", &["unit", "units"]),
    ("comp_op", &["compop", "comp_op", "comparison"]),
    ("status", &["status", "result", "verdict"]),
];

const JSON_PARAMETERS: &[Parameter] = &[
    Parameter { name: "fields", description: "object: report field → JSON pointer (serial_number, part_number, revision, process_code, operator, station, start_time, result)" },
    Parameter { name: "units", description: "JSON pointer to an array of units (one report each)" },
    Parameter { name: "steps", description: "JSON pointer (relative to a unit) to its array of steps" },
    Parameter { name: "step_fields", description: "object: step field → JSON pointer relative to a step (name, group, value, low_limit, high_limit, unit, comp_op, status)" },
    Parameter { name: "part_number", description: "part number when the document has none" },
    Parameter { name: "revision", description: "revision when the document has none; default 1" },
    Parameter { name: "process_code", description: "operation code when the document has none; default 10" },
    Parameter { name: "time_zone", description: "zone of naive times: local (default), UTC, +02:00" },
];

/// The value of `field`: the configured pointer, else the first recognised key.
fn json_get<'v>(
    v: &'v Value,
    field: &str,
    configured: Option<&serde_json::Map<String, Value>>,
    aliases: &[(&str, &[&str])],
) -> Option<&'v Value> {
    if let Some(ptr) = configured
        .and_then(|c| c.get(field))
        .and_then(Value::as_str)
    {
        return v.pointer(ptr).filter(|x| !x.is_null());
    }
    let names = aliases.iter().find(|(f, _)| *f == field)?.1;
    let obj = v.as_object()?;
    obj.iter()
        .find(|(k, _)| names.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(_, x)| x)
        .filter(|x| !x.is_null())
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Converter for JsonMapping {
    fn name(&self) -> &str {
        "json"
    }
    fn description(&self) -> &str {
        "JSON test results with a configurable path mapping"
    }
    fn patterns(&self) -> &[&str] {
        &["*.json"]
    }
    fn parameters(&self) -> &[Parameter] {
        JSON_PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(4096);
        let t = head.trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            return 0.0;
        }
        let lower = head.to_ascii_lowercase();
        // WSJF is the wsjf converter's; this one takes other layouts with a serial and steps.
        if lower.contains("\"type\"")
            && (lower.contains("\"root\"") || lower.contains("\"processcode\""))
        {
            return 0.1;
        }
        let serial = ["\"serialnumber\"", "\"serial_number\"", "\"sn\""]
            .iter()
            .any(|k| lower.contains(k));
        let steps = ["\"steps\"", "\"tests\"", "\"measurements\""]
            .iter()
            .any(|k| lower.contains(k));
        match (serial, steps) {
            (true, true) => 0.7,
            (true, false) => 0.3,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let doc: Value = serde_json::from_slice(source.bytes)
            .map_err(|e| ConvertError::at(e.line(), e.column(), format!("not valid JSON: {e}")))?;
        let fields = cx.arguments.get("fields").and_then(Value::as_object);
        let step_fields = cx.arguments.get("step_fields").and_then(Value::as_object);
        let units: Vec<(String, &Value)> = match cx.text("units") {
            Some(ptr) => doc
                .pointer(&ptr)
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    ConvertError::at_path(ptr.clone(), "\"units\" does not point at an array")
                })?
                .iter()
                .enumerate()
                .map(|(i, u)| (format!("{ptr}/{i}"), u))
                .collect(),
            None => match &doc {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (format!("/{i}"), u))
                    .collect(),
                other => vec![(String::new(), other)],
            },
        };
        if units.is_empty() {
            return Err(ConvertError::new("no unit in the document"));
        }
        units
            .into_iter()
            .map(|(path, unit)| {
                let at = |f: &str| json_get(unit, f, fields, JSON_FIELDS);
                let field_path = |f: &str| format!("{path}/{f}");
                let sn = at("serial_number").and_then(json_text).ok_or_else(|| {
                    ConvertError::at_path(field_path("serialNumber"), "no serial number")
                })?;
                let pn = at("part_number")
                    .and_then(json_text)
                    .or_else(|| cx.text("part_number"))
                    .ok_or_else(|| {
                        ConvertError::at_path(
                            field_path("partNumber"),
                            "no part number (set the part_number argument)",
                        )
                    })?;
                let rev = at("revision")
                    .and_then(json_text)
                    .unwrap_or_else(|| cx.text_or("revision", "1"));
                let code = match at("process_code") {
                    Some(v) => Some(
                        json_text(v)
                            .and_then(|t| t.parse::<i64>().ok())
                            .ok_or_else(|| {
                                ConvertError::at_path(
                                    field_path("processCode"),
                                    format!("{v} is not an operation code"),
                                )
                            })?,
                    ),
                    None => None,
                };
                let (station, location, purpose) = cx.station_identity("JSON");
                let station = at("station").and_then(json_text).unwrap_or(station);
                let mut b = ReportBuilder::uut(pn, sn, rev, cx.process_code(code, 10)?)
                    .station(station, location, purpose);
                if let Some(op) = at("operator").and_then(json_text) {
                    b = b.operator(op);
                }
                if let Some(t) = at("start_time").and_then(json_text) {
                    let ts =
                        parse_time(&t, cx.text("time_format").as_deref(), cx).ok_or_else(|| {
                            ConvertError::at_path(
                                field_path("startTime"),
                                format!("{t:?} is not a date and time"),
                            )
                        })?;
                    b = b.start(ts);
                }
                if let Some(r) = at("result").and_then(json_text) {
                    b = b.result(
                        if ["pass", "passed", "p", "ok", "true"]
                            .contains(&r.to_ascii_lowercase().as_str())
                        {
                            Status::Passed
                        } else {
                            Status::Failed
                        },
                    );
                }
                let steps = match cx.text("steps") {
                    Some(ptr) => unit.pointer(&ptr),
                    None => at("steps"),
                };
                for (i, s) in steps
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let sp = format!("{path}/steps/{i}");
                    let get = |f: &str| json_get(s, f, step_fields, JSON_STEP_FIELDS);
                    let name = get("name").and_then(json_text).ok_or_else(|| {
                        ConvertError::at_path(format!("{sp}/name"), "a step without a name")
                    })?;
                    let group = get("group").and_then(json_text).unwrap_or_default();
                    let num = |f: &str| -> Result<Option<f64>, ConvertError> {
                        match get(f) {
                            None => Ok(None),
                            Some(Value::Number(n)) => Ok(n.as_f64()),
                            Some(Value::String(t)) => parse_number(t).map(Some).ok_or_else(|| {
                                ConvertError::at_path(
                                    format!("{sp}/{f}"),
                                    format!("{t:?} is not a number"),
                                )
                            }),
                            Some(other) => Err(ConvertError::at_path(
                                format!("{sp}/{f}"),
                                format!("{other} is not a number"),
                            )),
                        }
                    };
                    let status = get("status").and_then(json_text).map(|t| {
                        if ["pass", "passed", "p", "ok", "true"]
                            .contains(&t.to_ascii_lowercase().as_str())
                        {
                            Status::Passed
                        } else {
                            Status::Failed
                        }
                    });
                    let mut g = b.group(&group);
                    let mut sb = match get("value") {
                        Some(Value::Bool(v)) => g.add_step(name, *v),
                        Some(Value::String(t)) if parse_number(t).is_none() => {
                            g.add_step(name, t.clone())
                        }
                        None => g.add_step(name, status != Some(Status::Failed)),
                        Some(_) => {
                            let value = num("value")?.unwrap_or(0.0);
                            let (low, high) = (num("low_limit")?, num("high_limit")?);
                            let op = match get("comp_op").and_then(json_text) {
                                Some(op) => Some(CompOp::parse(&op).ok_or_else(|| {
                                    ConvertError::at_path(
                                        format!("{sp}/compOp"),
                                        format!("{op:?} is not a comparison operator"),
                                    )
                                })?),
                                None => None,
                            };
                            let (op, l, h) = crate::util::comparison(op, low, high);
                            let mut sb = g.add_step(name, value).compare(op, l, h);
                            if let Some(u) = get("unit").and_then(json_text) {
                                sb = sb.unit(u);
                            }
                            sb
                        }
                    };
                    if let Some(st) = status {
                        sb = sb.status(st);
                    }
                    let _ = sb;
                }
                Ok(b.build_unchecked())
            })
            .collect()
    }
}

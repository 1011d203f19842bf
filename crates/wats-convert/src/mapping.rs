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
                    Some(op) => CompOp::parse(op).ok_or_else(|| {
                        ConvertError::at_line(
                            *line,
                            format!("comp_op: {op:?} is not a comparison operator"),
                        )
                    })?,
                    None => match (low, high) {
                        (Some(_), Some(_)) => CompOp::GELE,
                        (Some(_), None) => CompOp::GE,
                        (None, Some(_)) => CompOp::LE,
                        (None, None) => CompOp::LOG,
                    },
                };
                let (l, h) = match (op, low, high) {
                    (CompOp::LE | CompOp::LT, None, Some(h)) => (Some(h), None),
                    other => (other.1, other.2),
                };
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

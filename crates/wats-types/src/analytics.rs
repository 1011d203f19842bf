//! Analytics (`/api/App/*`, controller "App"): the `WATSFilter` every call takes and the rows
//! the calls answer. JSON names from the reference (§3.6, §4.4) and WATS's OpenAPI
//! (`PublicWatsFilter`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::common::Extra;

/// Declares a wire struct whose fields are all optional and skipped when unset, with `extra`
/// keeping unknown keys (the convention of this crate, without a page of attributes).
macro_rules! wire {
    ($(#[$meta:meta])* pub struct $name:ident {
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Other keys.
            #[serde(flatten)]
            #[cfg_attr(feature = "utoipa", schema(ignore))]
            pub extra: Extra,
        }
    };
}

/// How periods are cut (`dateGrouping`): an integer on the wire (pyWATS's `DateGrouping`);
/// names such as `"DAY"` are read too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct DateGrouping(pub i32);

impl DateGrouping {
    /// -1: no periods.
    pub const NONE: DateGrouping = DateGrouping(-1);
    /// 0: calendar years.
    pub const YEAR: DateGrouping = DateGrouping(0);
    /// 1: calendar quarters.
    pub const QUARTER: DateGrouping = DateGrouping(1);
    /// 2: calendar months.
    pub const MONTH: DateGrouping = DateGrouping(2);
    /// 3: ISO weeks (Monday first).
    pub const WEEK: DateGrouping = DateGrouping(3);
    /// 4: days.
    pub const DAY: DateGrouping = DateGrouping(4);
    /// 5: hours.
    pub const HOUR: DateGrouping = DateGrouping(5);

    const NAMES: [(&'static str, DateGrouping); 7] = [
        ("NONE", Self::NONE),
        ("YEAR", Self::YEAR),
        ("QUARTER", Self::QUARTER),
        ("MONTH", Self::MONTH),
        ("WEEK", Self::WEEK),
        ("DAY", Self::DAY),
        ("HOUR", Self::HOUR),
    ];

    /// Parses a name (any case) or an integer.
    pub fn parse(text: &str) -> Option<DateGrouping> {
        let t = text.trim();
        if let Ok(n) = t.parse::<i32>() {
            return Some(DateGrouping(n));
        }
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(t))
            .map(|(_, g)| *g)
    }
}

impl Serialize for DateGrouping {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for DateGrouping {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(DateGrouping)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid dateGrouping {n}"))),
            serde_json::Value::String(s) => DateGrouping::parse(&s).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid dateGrouping '{s}': expected -1..5 or NONE, YEAR, QUARTER, MONTH, \
                     WEEK, DAY, HOUR"
                ))
            }),
            other => Err(serde::de::Error::custom(format!(
                "invalid dateGrouping {other}"
            ))),
        }
    }
}

wire! {
    /// The filter of every analytics call (`WATSFilter`; WATS's `PublicWatsFilter`). Text
    /// fields take `;`-separated alternatives and the wildcards `%` (any run of characters)
    /// and `_` (one character). Dates are ISO 8601; without an offset they are UTC.
    pub struct WatsFilter {
        /// Serial number.
        serial_number: String,
        /// Part number.
        part_number: String,
        /// Revision.
        revision: String,
        /// Batch number.
        batch_number: String,
        /// Station name.
        station_name: String,
        /// Test operation (process) name.
        test_operation: String,
        /// Report status word (`Passed`, `Failed`, …).
        status: String,
        /// Yield threshold, 0–100.
        #[serde(rename = "yield")]
        yield_value: i32,
        /// Misc info description (alias of `miscInfoDescription`).
        misc_description: String,
        /// Misc info value (alias of `miscInfoString`).
        misc_value: String,
        /// Misc info description.
        misc_info_description: String,
        /// Misc info text.
        misc_info_string: String,
        /// Asset serial number.
        #[serde(alias = "assetSerialNum")]
        asset_serial_number: String,
        /// Asset name.
        asset_name: String,
        /// Product group name.
        product_group: String,
        /// Level name.
        level: String,
        /// Test software file name.
        sw_filename: String,
        /// Test software version.
        sw_version: String,
        /// Test socket index.
        socket: String,
        /// Start of the date range (inclusive).
        date_from: String,
        /// End of the date range (exclusive).
        date_to: String,
        /// How periods are cut.
        date_grouping: DateGrouping,
        /// Number of periods back from now.
        period_count: i32,
        /// Whether the running period counts as one of `periodCount`.
        include_current_period: bool,
        /// Row limit (step analysis, measurements).
        max_count: i32,
        /// Minimum unit count of a row.
        min_count: i32,
        /// Number of rows to return.
        top_count: i32,
        /// `;`-separated dimensions and KPIs, each optionally followed by `asc`/`desc`.
        dimensions: String,
        /// Which run: 1, 2, 3, -1 (last) or -2 (all).
        run: i32,
        /// Measurement paths (`¶`-separated steps, `¶¶` before a measurement name).
        measurement_paths: String,
    }
}

wire! {
    /// A row of `DynamicYield` (and the volume/worst/high-volume lists). Yields are
    /// percentages (0–100); the dimension fields are set when they are dimensions.
    pub struct YieldData {
        /// Part number.
        part_number: String,
        /// Revision.
        revision: String,
        /// Product name.
        product_name: String,
        /// Product group.
        product_group: String,
        /// Station name.
        station_name: String,
        /// Test operation name.
        test_operation: String,
        /// Process code.
        process_code: String,
        /// Period start (`2026-12-06T00:00:00Z` for a day).
        period: String,
        /// Location.
        location: String,
        /// Purpose.
        purpose: String,
        /// Level.
        level: String,
        /// Batch number.
        batch_number: String,
        /// Operator.
        operator: String,
        /// Fixture id.
        fixture_id: String,
        /// Test socket index.
        socket_index: String,
        /// Error code.
        error_code: String,
        /// Test software file name.
        sw_filename: String,
        /// Test software version.
        sw_version: String,
        /// Name of the step that caused the unit failure.
        step_caused_uut_failure: String,
        /// Path of the step that caused the unit failure.
        step_path_caused_uut_failure: String,
        /// Misc info description.
        misc_info_description: String,
        /// Misc info text.
        misc_info_string: String,
        /// Asset serial number.
        asset_serial_number: String,
        /// Unit type.
        unit_type: String,
        /// Units whose first run is in the filter.
        unit_count: i64,
        /// Units that passed on run 1.
        fp_count: i64,
        /// Units that passed by run 2.
        sp_count: i64,
        /// Units that passed by run 3.
        tp_count: i64,
        /// Units whose last run passed.
        lp_count: i64,
        /// `unitCount - fpCount`.
        fp_fail_count: i64,
        /// `unitCount - spCount`.
        sp_fail_count: i64,
        /// `unitCount - tpCount`.
        tp_fail_count: i64,
        /// `unitCount - lpCount`.
        lp_fail_count: i64,
        /// First pass yield, %.
        fpy: f64,
        /// Second pass yield, %.
        spy: f64,
        /// Third pass yield, %.
        tpy: f64,
        /// Last pass yield, %.
        lpy: f64,
        /// Failed units per million on run 1.
        ppm_fpy: f64,
        /// Failed units per million by run 2.
        ppm_spy: f64,
        /// Failed units per million by run 3.
        ppm_tpy: f64,
        /// Failed units per million at the last run.
        ppm_lpy: f64,
        /// Passed reports among those matching the filter.
        test_yield_count: i64,
        /// Reports matching the filter.
        test_report_count: i64,
        /// Report-based yield (TRY), %.
        test_yield: f64,
        /// Failed reports per million.
        ppm_test_yield: f64,
        /// Runs after the first, of the counted units.
        retest_count: i64,
        /// Earliest start of a counted report.
        first_utc: String,
        /// Latest start of a counted report.
        last_utc: String,
    }
}

wire! {
    /// A row of `TopFailed`: a step that failed, by path.
    pub struct TopFailedStep {
        /// Step name.
        step_name: String,
        /// Step path, `¶`-separated.
        step_path: String,
        /// Step type.
        step_type: String,
        /// Step group.
        step_group: String,
        /// Part number.
        part_number: String,
        /// Revision.
        revision: String,
        /// Product group.
        product_group: String,
        /// Reports in which the step failed.
        fail_count: i64,
        /// Reports in which the step ran.
        total_count: i64,
        /// `failCount / totalCount`, %.
        fail_rate: f64,
        /// Start of the first failing report.
        first_fail_date: String,
        /// Start of the last failing report.
        last_fail_date: String,
    }
}

wire! {
    /// Statistics of one measurement path (`AggregatedMeasurements`).
    pub struct AggregatedMeasurement {
        /// Step name.
        step_name: String,
        /// Measurement path (`¶`, `¶¶` before a measurement name).
        step_path: String,
        /// Part number, when the filter names one.
        part_number: String,
        /// Revision, when the filter names one.
        revision: String,
        /// Values counted.
        count: i64,
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// Mean.
        avg: f64,
        /// Sample standard deviation.
        stdev: f64,
        /// Sample variance.
        var: f64,
        /// Low limit (the most recent one).
        limit_low: f64,
        /// High limit (the most recent one).
        limit_high: f64,
        /// `min(cpLower, cpUpper)`.
        cpk: f64,
        /// `(high - low) / 6σ`.
        cp: f64,
        /// `(avg - low) / 3σ`.
        cp_lower: f64,
        /// `(high - avg) / 3σ`.
        cp_upper: f64,
        /// Unit.
        unit: String,
    }
}

wire! {
    /// One measured value (`Measurements`).
    pub struct MeasurementData {
        /// Serial number.
        serial_number: String,
        /// Part number.
        part_number: String,
        /// Revision.
        revision: String,
        /// Report id.
        #[serde(alias = "id")]
        report_id: String,
        /// Step name.
        step_name: String,
        /// Measurement path.
        step_path: String,
        /// Value.
        value: f64,
        /// Low limit.
        #[serde(alias = "limit1")]
        limit_low: f64,
        /// High limit.
        #[serde(alias = "limit2")]
        limit_high: f64,
        /// Unit.
        unit: String,
        /// Measurement status word.
        status: String,
        /// Report start.
        start_utc: String,
    }
}

wire! {
    /// A row of `TestStepAnalysis`: one step path (and measurement, for multi-measurement
    /// steps: `path¶¶name`).
    pub struct StepAnalysisRow {
        /// Step name.
        step_name: String,
        /// Step path, `¶`-separated.
        step_path: String,
        /// Step type.
        step_type: String,
        /// Step group.
        step_group: String,
        /// Executions of the step.
        step_count: i64,
        /// Passed.
        step_passed_count: i64,
        /// Done.
        step_done_count: i64,
        /// Skipped.
        step_skipped_count: i64,
        /// Failed.
        step_failed_count: i64,
        /// Error.
        step_error_count: i64,
        /// Terminated.
        step_terminated_count: i64,
        /// Any other status.
        step_other_count: i64,
        /// Failed, error or terminated.
        step_failed_error_terminated_count: i64,
        /// Reports failed, errored or terminated by this step.
        step_caused_uut_failed_error_terminated: i64,
        /// Reports failed by this step.
        step_caused_uut_failed: i64,
        /// Reports errored by this step.
        step_caused_uut_error: i64,
        /// Reports terminated by this step.
        step_caused_uut_terminated: i64,
        /// Low limit used (the newest).
        limit1: f64,
        /// Low limit used without failures.
        limit1_wof: f64,
        /// High limit used (the newest).
        limit2: f64,
        /// High limit used without failures.
        limit2_wof: f64,
        /// Comparison operator.
        comp_operator: String,
        /// Mean step time, s.
        step_time_avg: f64,
        /// Longest step time, s.
        step_time_max: f64,
        /// Shortest step time, s.
        step_time_min: f64,
        /// Measurement name.
        measure_name: String,
        /// Values counted.
        measure_count: i64,
        /// Values counted without failures.
        measure_count_wof: i64,
        /// Smallest value.
        min: f64,
        /// Smallest value, without failed measurements.
        min_wof: f64,
        /// Largest value.
        max: f64,
        /// Largest value, without failed measurements.
        max_wof: f64,
        /// Mean.
        avg: f64,
        /// Mean, without failed measurements.
        avg_wof: f64,
        /// Sample standard deviation.
        stdev: f64,
        /// Sample standard deviation, without failed measurements.
        stdev_wof: f64,
        /// Sample variance.
        var: f64,
        /// Sample variance, without failed measurements.
        var_wof: f64,
        /// min(cpLower, cpUpper).
        cpk: f64,
        /// min(cpLower, cpUpper), without failed measurements.
        cpk_wof: f64,
        /// (high - low) / 6σ.
        cp: f64,
        /// (high - low) / 6σ, without failed measurements.
        cp_wof: f64,
        /// (avg - low) / 3σ.
        cp_lower: f64,
        /// (avg - low) / 3σ, without failed measurements.
        cp_lower_wof: f64,
        /// (high - avg) / 3σ.
        cp_upper: f64,
        /// (high - avg) / 3σ, without failed measurements.
        cp_upper_wof: f64,
        /// avg + 3σ.
        sigma_high3: f64,
        /// avg + 3σ, without failed measurements.
        sigma_high3_wof: f64,
        /// avg - 3σ.
        sigma_low3: f64,
        /// avg - 3σ, without failed measurements.
        sigma_low3_wof: f64,
    }
}

wire! {
    /// One measurement of `MeasurementList` (internal): a numeric, string or pass/fail
    /// measurement of a report the filter matches.
    pub struct MeasurementListItem {
        /// Serial number.
        serial_number: String,
        /// Part number.
        part_number: String,
        /// Revision.
        revision: String,
        /// Report id.
        #[serde(alias = "id")]
        report_id: String,
        /// Step name.
        step_name: String,
        /// Measurement path (`¶¶name` after the step path for a step of several).
        step_path: String,
        /// Numeric value.
        value: f64,
        /// String value.
        string_value: String,
        /// Low limit.
        limit_low: f64,
        /// High limit.
        limit_high: f64,
        /// Unit.
        unit: String,
        /// Measurement status word.
        status: String,
        /// Report start.
        start_utc: String,
        /// Station.
        station_name: String,
    }
}

wire! {
    /// One step of `StepStatusList` (internal): its executions in the reports the filter
    /// matches, and the newest one.
    pub struct StepStatusItem {
        /// Step name.
        step_name: String,
        /// Step path, `¶`-separated.
        step_path: String,
        /// Step type.
        step_type: String,
        /// Step group.
        step_group: String,
        /// Part number, when all executions share one.
        part_number: String,
        /// Revision, when all executions share one.
        revision: String,
        /// Executions that passed.
        pass_count: i64,
        /// Executions that failed.
        fail_count: i64,
        /// Executions.
        total_count: i64,
        /// The newest execution's status word.
        status: String,
        /// The newest execution's report start.
        start_utc: String,
        /// The newest execution's serial number.
        serial_number: String,
        /// The newest execution's report id.
        report_id: String,
    }
}

wire! {
    /// An alarm or notification log (`GetAlarmAndNotificationLogs`, internal). The fields
    /// common to every alarm type; those of one type are kept in `extra`.
    pub struct AlarmLog {
        /// Log id.
        log_id: i64,
        /// Alarm name.
        name: String,
        /// When it was logged.
        log_date: String,
        /// The trigger that raised it.
        trigger_id: i64,
        /// `AlarmType`: 1 report, 2 yield/volume, 3 serial number, 4 measurement, 5 asset.
        #[serde(rename = "type")]
        alarm_type: i32,
        /// State (e.g. `C`, completed).
        state: String,
        /// Part number.
        part_number: String,
        /// Product name.
        product_name: String,
        /// Process code (text on the wire).
        process_code: String,
        /// Process name.
        process_name: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_differ() {
        let f: WatsFilter = serde_json::from_str(
            r#"{"yield":90,"dateGrouping":"day","assetSerialNum":"A1","x":1}"#,
        )
        .unwrap();
        assert_eq!(f.yield_value, Some(90));
        assert_eq!(f.date_grouping, Some(DateGrouping::DAY));
        assert_eq!(f.asset_serial_number.as_deref(), Some("A1"));
        let back = serde_json::to_value(&f).unwrap();
        assert_eq!(back["dateGrouping"], 4);
        assert_eq!(back["yield"], 90);
        assert_eq!(back["x"], 1);
        let y = YieldData {
            ppm_fpy: Some(1.0),
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&y).unwrap(), r#"{"ppmFpy":1.0}"#);
    }

    #[test]
    fn bad_grouping_is_an_error() {
        assert!(serde_json::from_str::<WatsFilter>(r#"{"dateGrouping":"fortnight"}"#).is_err());
    }
}

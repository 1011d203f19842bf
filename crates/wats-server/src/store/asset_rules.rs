//! The Asset domain's rules, without the database: when calibration and maintenance are next
//! due, and the alarm state (OK, warning, alarm) of an asset against its type.
//!
//! * **Due dates.** An interval of `d` days (`calibrationInterval`, `maintenanceInterval`)
//!   makes the next date the last calibration (maintenance) + `d` days; an asset never
//!   calibrated is due `d` days after it was registered (`firstSeenDate`). A date set by the
//!   external calls (`…/External`, `toDate`) wins until the next ordinary calibration. An
//!   interval of -1 (`IntervalMode.UNLIMITED`) means never due; 0, absent or -2 (`EXTERNAL`)
//!   leaves only an externally set date.
//! * **Alarm state.** Four measures, each in percent: running count of `runningCountLimit`,
//!   total count of `totalCountLimit`, and the time since the last calibration (maintenance)
//!   of the time from it to the next due date. A measure at or past `alarmThreshold` (default
//!   100) is an alarm, at or past `warningThreshold` (default 80) a warning; the asset takes
//!   the worst. Thresholds are percent, as WATS's OpenAPI says (pyWATS's guide shows 0.8 and
//!   1.0, which would mean 0.8 % and 1 %).
//!
//! The state is computed when read, from the stored counts and dates and the clock, so it is
//! current after every count, calibration and maintenance and as time passes.

use chrono::{DateTime, Duration, Utc};
use wats_report::Timestamp;
use wats_types::asset::{AlarmState, Asset, AssetStatus, AssetType};

/// The warning threshold when the type sets none, in percent.
pub const DEFAULT_WARNING_PERCENT: f64 = 80.0;
/// The alarm threshold when the type sets none, in percent.
pub const DEFAULT_ALARM_PERCENT: f64 = 100.0;
/// `IntervalMode.UNLIMITED`: never due.
pub const INTERVAL_UNLIMITED: f64 = -1.0;

/// Keys in an asset's stored document for the dates the external calls set.
pub const EXTERNAL_NEXT_CALIBRATION: &str = "externalNextCalibrationDate";
/// See [`EXTERNAL_NEXT_CALIBRATION`].
pub const EXTERNAL_NEXT_MAINTENANCE: &str = "externalNextMaintenanceDate";

fn days(d: f64) -> Duration {
    Duration::microseconds((d * 86_400_000_000.0).round() as i64)
}

fn utc(t: &Option<Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().map(Timestamp::utc)
}

/// The next due date from the last date (or the registration), the interval and an external
/// override.
pub fn next_due(
    last: Option<DateTime<Utc>>,
    registered: Option<DateTime<Utc>>,
    interval: Option<f64>,
    external: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if let Some(e) = external {
        return Some(e);
    }
    match interval {
        Some(d) if d > 0.0 => last.or(registered).map(|from| from + days(d)),
        _ => None,
    }
}

fn external(asset: &Asset, key: &str) -> Option<DateTime<Utc>> {
    asset
        .extra
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(|s| Timestamp::parse(s).ok())
        .map(|t| t.utc())
}

/// Fills the asset's next calibration and maintenance dates from its type (see the module).
pub fn fill_due_dates(asset: &mut Asset, t: Option<&AssetType>) {
    let registered = utc(&asset.first_seen_date);
    let cal = next_due(
        utc(&asset.last_calibration_date),
        registered,
        t.and_then(|t| t.calibration_interval),
        external(asset, EXTERNAL_NEXT_CALIBRATION),
    );
    let maint = next_due(
        utc(&asset.last_maintenance_date),
        registered,
        t.and_then(|t| t.maintenance_interval),
        external(asset, EXTERNAL_NEXT_MAINTENANCE),
    );
    asset.next_calibration_date = cal.map(Timestamp::from_utc);
    asset.next_maintenance_date = maint.map(Timestamp::from_utc);
    // The overrides are this server's bookkeeping, not WATS's fields.
    asset.extra.remove(EXTERNAL_NEXT_CALIBRATION);
    asset.extra.remove(EXTERNAL_NEXT_MAINTENANCE);
}

fn count_percent(count: Option<i64>, limit: Option<i64>) -> Option<f64> {
    match limit {
        Some(l) if l > 0 => Some(count.unwrap_or(0) as f64 * 100.0 / l as f64),
        _ => None,
    }
}

fn time_percent(
    from: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let due = due?;
    let Some(from) = from.filter(|f| *f < due) else {
        // No span to measure against: due or not.
        return Some(if now >= due { 100.0 } else { 0.0 });
    };
    let span = (due - from).num_microseconds()? as f64;
    let used = (now - from).num_microseconds()? as f64;
    Some((used * 100.0 / span).max(0.0))
}

/// Rounds a percentage to 0.01 for the answer.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The status of an asset whose due dates are filled ([`fill_due_dates`]) at `now`.
pub fn status(asset: &Asset, t: Option<&AssetType>, now: DateTime<Utc>) -> AssetStatus {
    let warning = t
        .and_then(|t| t.warning_threshold)
        .unwrap_or(DEFAULT_WARNING_PERCENT);
    let alarm = t
        .and_then(|t| t.alarm_threshold)
        .unwrap_or(DEFAULT_ALARM_PERCENT);
    let registered = utc(&asset.first_seen_date);
    let running = count_percent(asset.running_count, t.and_then(|t| t.running_count_limit));
    let total = count_percent(asset.total_count, t.and_then(|t| t.total_count_limit));
    let cal = time_percent(
        utc(&asset.last_calibration_date).or(registered),
        utc(&asset.next_calibration_date),
        now,
    );
    let maint = time_percent(
        utc(&asset.last_maintenance_date).or(registered),
        utc(&asset.next_maintenance_date),
        now,
    );
    let mut worst = AlarmState::OK;
    let mut reasons = Vec::new();
    for (name, pct) in [
        ("running count", running),
        ("total count", total),
        ("calibration", cal),
        ("maintenance", maint),
    ] {
        let Some(p) = pct else { continue };
        let level = if p >= alarm {
            AlarmState::ALARM
        } else if p >= warning {
            AlarmState::WARNING
        } else {
            continue;
        };
        reasons.push(format!(
            "{name} at {:.1} % ({})",
            p,
            if level == AlarmState::ALARM {
                "alarm"
            } else {
                "warning"
            }
        ));
        worst = worst.max(level);
    }
    AssetStatus {
        asset_id: asset.asset_id.clone(),
        serial_number: asset.serial_number.clone(),
        state: asset.state,
        alarm_state: Some(worst),
        message: Some(if reasons.is_empty() {
            "OK".to_owned()
        } else {
            reasons.join("; ")
        }),
        running_count_percent: running.map(round2),
        total_count_percent: total.map(round2),
        calibration_percent: cal.map(round2),
        maintenance_percent: maint.map(round2),
        next_calibration_date: asset.next_calibration_date,
        next_maintenance_date: asset.next_maintenance_date,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn due_dates_by_hand() {
        // 2026-01-10 + 90 days = 2026-04-10; never calibrated: from registration.
        assert_eq!(
            next_due(Some(at(2026, 1, 10)), None, Some(90.0), None),
            Some(at(2026, 4, 10))
        );
        assert_eq!(
            next_due(None, Some(at(2026, 2, 1)), Some(1.5), None),
            Some(Utc.with_ymd_and_hms(2026, 2, 2, 12, 0, 0).unwrap())
        );
        assert_eq!(
            next_due(Some(at(2026, 1, 10)), None, Some(INTERVAL_UNLIMITED), None),
            None
        );
        assert_eq!(
            next_due(
                Some(at(2026, 1, 10)),
                None,
                Some(90.0),
                Some(at(2027, 1, 1))
            ),
            Some(at(2027, 1, 1))
        );
    }

    #[test]
    fn alarm_is_the_worst_measure() {
        let t = AssetType::new("F")
            .running_count_limit(100)
            .calibration_interval(100.0);
        let mut a = Asset {
            running_count: Some(50),
            last_calibration_date: Some(Timestamp::from_utc(at(2026, 1, 1))),
            ..Asset::default()
        };
        fill_due_dates(&mut a, Some(&t));
        // Day 50 of 100, 50 of 100 uses: OK.
        let s = status(&a, Some(&t), at(2026, 2, 20));
        assert_eq!(s.alarm_state, Some(AlarmState::OK));
        assert_eq!(s.calibration_percent, Some(50.0));
        // 80 uses: warning (default 80 %).
        a.running_count = Some(80);
        assert_eq!(
            status(&a, Some(&t), at(2026, 2, 20)).alarm_state,
            Some(AlarmState::WARNING)
        );
        // Past the due date: alarm.
        assert_eq!(
            status(&a, Some(&t), at(2026, 4, 11)).alarm_state,
            Some(AlarmState::ALARM)
        );
    }
}

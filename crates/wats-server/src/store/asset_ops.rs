//! The Asset domain's operations on one asset: state, counts, calibration and maintenance,
//! and the counts a submitted report adds. Each writes the asset and a log entry.

use chrono::{DateTime, Utc};
use wats_report::Timestamp;
use wats_types::asset::{Asset, AssetLogType, AssetState};

use super::asset::{AssetTx, Entry};
use super::asset_rules::{EXTERNAL_NEXT_CALIBRATION, EXTERNAL_NEXT_MAINTENANCE};
use super::Store;
use crate::error::{ApiError, ApiResult};

/// Calibration or maintenance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Calibration (resets the running count: the running-count limit is the uses allowed
    /// between calibrations).
    Calibration,
    /// Maintenance.
    Maintenance,
}

impl AssetTx<'_> {
    /// Records that a report's assets are being counted; false when they already were.
    pub async fn first_count_of(&mut self, report_id: &str) -> ApiResult<bool> {
        let done = sqlx::query(
            "INSERT INTO asset_counted_reports (report_id, counted_utc) VALUES ($1, $2) \
             ON CONFLICT (report_id) DO NOTHING",
        )
        .bind(report_id.to_lowercase())
        .bind(self.now.timestamp_micros())
        .execute(&mut **self.tx())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the operational state (0–6).
    pub async fn set_state(&mut self, mut a: Asset, state: i64) -> ApiResult<()> {
        let s = i32::try_from(state)
            .ok()
            .map(AssetState)
            .filter(|s| s.is_known())
            .ok_or_else(|| ApiError::bad_request(format!("state must be 0..6, not {state}")))?;
        a.state = Some(s);
        self.write(&a, false).await?;
        self.log(
            &a,
            Entry {
                value: Some(s.0.to_string()),
                property: Some("state"),
                ..Entry::new(AssetLogType::STATE_CHANGE, None)
            },
        )
        .await
    }

    /// Adds `by` uses to an asset's running and total counts (and its descendants' when
    /// `children`).
    pub async fn increment(
        &mut self,
        a: Asset,
        by: i64,
        children: bool,
        why: &str,
    ) -> ApiResult<()> {
        let mut all = vec![a.clone()];
        if children {
            all.extend(
                self.descendants(a.asset_id.as_deref().unwrap_or(""), 0)
                    .await?,
            );
        }
        for mut x in all {
            x.running_count = Some(x.running_count.unwrap_or(0).saturating_add(by));
            x.total_count = Some(x.total_count.unwrap_or(0).saturating_add(by));
            self.write(&x, false).await?;
            let note = format!("+{by} ({why})");
            self.log(
                &x,
                Entry::update("totalCount", x.total_count.unwrap_or(0), Some(&note)),
            )
            .await?;
        }
        Ok(())
    }

    /// Sets the running count (`reset`: to 0, logged as a reset with the comment).
    pub async fn set_running(
        &mut self,
        mut a: Asset,
        value: i64,
        comment: Option<&str>,
        reset: bool,
    ) -> ApiResult<()> {
        if value < 0 {
            return Err(ApiError::bad_request("runningCount cannot be negative"));
        }
        a.running_count = Some(value);
        self.write(&a, false).await?;
        let e = if reset {
            Entry::new(AssetLogType::RESET_COUNT, comment)
        } else {
            Entry::update("runningCount", value, comment)
        };
        self.log(&a, e).await
    }

    /// Sets the total count.
    pub async fn set_total(&mut self, mut a: Asset, value: i64) -> ApiResult<()> {
        if value < 0 {
            return Err(ApiError::bad_request("totalCount cannot be negative"));
        }
        a.total_count = Some(value);
        self.write(&a, false).await?;
        self.log(&a, Entry::update("totalCount", value, None)).await
    }

    /// Records a calibration or maintenance at `at`; `external_next` is the next due date an
    /// external system set (the `…/External` calls), else the type's interval decides.
    pub async fn service(
        &mut self,
        mut a: Asset,
        kind: Service,
        at: DateTime<Utc>,
        external_next: Option<DateTime<Utc>>,
        comment: Option<&str>,
    ) -> ApiResult<()> {
        let at_ts = Some(Timestamp::from_utc(at));
        let (key, log_kind) = match kind {
            Service::Calibration => {
                a.last_calibration_date = at_ts;
                a.running_count = Some(0);
                (EXTERNAL_NEXT_CALIBRATION, AssetLogType::CALIBRATION)
            }
            Service::Maintenance => {
                a.last_maintenance_date = at_ts;
                (EXTERNAL_NEXT_MAINTENANCE, AssetLogType::MAINTENANCE)
            }
        };
        match external_next {
            Some(n) => {
                if n < at {
                    return Err(ApiError::bad_request("toDate cannot be before fromDate"));
                }
                a.extra
                    .insert(key.into(), Timestamp::from_utc(n).to_string().into());
            }
            None => {
                a.extra.remove(key);
            }
        }
        self.write(&a, false).await?;
        self.log(
            &a,
            Entry {
                value: Some(Timestamp::from_utc(at).to_string()),
                ..Entry::new(log_kind, comment)
            },
        )
        .await
    }
}

impl Store {
    /// Adds the uses a UUT report names (`assets[].assetSN`, `usageCount`, default 1) to the
    /// running and total counts of those assets and sets their `lastSeenDate` to the report's
    /// start, logged as the submitting user. Serial numbers that name no asset are skipped. A
    /// report id is counted once (`asset_counted_reports`, in the same transaction): sending
    /// the report again adds nothing.
    pub async fn count_report_assets(
        &self,
        assets: &[(Option<String>, Option<i64>)],
        start_utc_micros: i64,
        user: &str,
        report_id: &str,
    ) -> ApiResult<usize> {
        let mut tx = self.asset_write(user).await?;
        if !tx.first_count_of(report_id).await? {
            return Ok(0);
        }
        let seen = DateTime::<Utc>::from_timestamp_micros(start_utc_micros).unwrap_or(tx.now);
        let mut counted = 0;
        for (sn, usage) in assets {
            let Some(sn) = sn.as_deref().filter(|s| !s.trim().is_empty()) else {
                continue;
            };
            let mut a = match tx.existing(None, Some(sn)).await {
                Ok(a) => a,
                Err(ApiError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            if a.last_seen_date.is_none_or(|t| t.utc() < seen) {
                a.last_seen_date = Some(Timestamp::from_utc(seen));
            }
            let by = usage.unwrap_or(1).max(0);
            tx.increment(a, by, false, &format!("report {report_id}"))
                .await?;
            counted += 1;
        }
        tx.commit().await?;
        Ok(counted)
    }
}

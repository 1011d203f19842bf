//! Blocking [`crate::analytics`].

use super::Wats;
use crate::analytics::{
    AggregatedMeasurement, AlarmLog, Filter, MeasurementData, MeasurementListItem, StepAnalysisRow,
    StepStatusItem, TopFailedStep, YieldData,
};
use crate::error::Result;

/// Blocking [`crate::analytics::AnalyticsHandler`].
#[derive(Clone, Copy, Debug)]
pub struct AnalyticsHandler<'a> {
    pub(super) wats: &'a Wats,
}

macro_rules! mirror {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl AnalyticsHandler<'_> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.wats.wait(self.wats.inner.analytics().$name($($arg),*))
                }
            )*
        }
    };
}

mirror! {
    /// See [`crate::analytics::AnalyticsHandler::dynamic_yield`].
    fn dynamic_yield(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::volume_yield`].
    fn volume_yield(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::high_volume`].
    fn high_volume(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::high_volume_by_product_group`].
    fn high_volume_by_product_group(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::worst_yield`].
    fn worst_yield(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::worst_yield_by_product_group`].
    fn worst_yield_by_product_group(&self, filter: &Filter) -> Vec<YieldData>;
    /// See [`crate::analytics::AnalyticsHandler::top_failed`].
    fn top_failed(&self, filter: &Filter) -> Vec<TopFailedStep>;
    /// See [`crate::analytics::AnalyticsHandler::test_step_analysis`].
    fn test_step_analysis(&self, filter: &Filter) -> Vec<StepAnalysisRow>;
    /// See [`crate::analytics::AnalyticsHandler::measurements`].
    fn measurements(&self, filter: &Filter, paths: &str) -> Vec<MeasurementData>;
    /// See [`crate::analytics::AnalyticsHandler::aggregated_measurements`].
    fn aggregated_measurements(&self, filter: &Filter, paths: &str) -> Vec<AggregatedMeasurement>;
    /// See [`crate::analytics::AnalyticsHandler::measurement_list`].
    fn measurement_list(&self, filter: &Filter) -> Vec<MeasurementListItem>;
    /// See [`crate::analytics::AnalyticsHandler::step_status_list`].
    fn step_status_list(&self, filter: &Filter) -> Vec<StepStatusItem>;
    /// See [`crate::analytics::AnalyticsHandler::alarm_logs`].
    fn alarm_logs(&self, filter: &Filter) -> Vec<AlarmLog>;
}

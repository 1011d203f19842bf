//! [`StepBuilder`], which refines a step just added, and [`ChartSpec`].

use super::*;

/// Refines a step just added. Limits, unit and operator apply to every measurement of the step;
/// [`measure`](Self::measure) adds one more named measurement with its own settings.
#[derive(Debug)]
pub struct StepBuilder<'a> {
    pub(super) step: &'a mut Step,
}

impl StepBuilder<'_> {
    fn numeric(&mut self) -> impl Iterator<Item = &mut NumericMeasurement> {
        self.step.numeric_meas.iter_mut().flatten()
    }

    /// Sets the unit of the numeric measurements.
    pub fn unit(mut self, unit: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        let unit = unit.into();
        self.numeric().for_each(|m| m.unit = Some(unit.clone()));
        self
    }

    /// Inside `low..=high` (`GELE`).
    pub fn limits(self, low: f64, high: f64) -> Self {
        self.compare(CompOp::GELE, Some(low), Some(high))
    }

    /// At least `low` (`GE`).
    pub fn min(self, low: f64) -> Self {
        self.compare(CompOp::GE, Some(low), None)
    }

    /// At most `high` (`LE`; WATS reads a single limit from `lowLimit`, so it is stored there).
    pub fn max(self, high: f64) -> Self {
        self.compare(CompOp::LE, Some(high), None)
    }

    /// Any operator with its limits (single-limit operators use `low` only).
    pub fn compare(mut self, op: CompOp, low: Option<f64>, high: Option<f64>) -> Self {
        self.numeric().for_each(|m| {
            m.comp_op = Some(op.into());
            m.low_limit = low;
            m.high_limit = high;
        });
        self
    }

    /// The expected text of string measurements (`EQ`, case-sensitive); use
    /// [`string_compare`](Self::string_compare) for other operators.
    pub fn limit(self, expected: &str) -> Self {
        self.string_compare(CompOp::EQ, expected)
    }

    /// The operator and limit of string measurements.
    pub fn string_compare(self, op: CompOp, limit: &str) -> Self {
        for m in self.step.string_meas.iter_mut().flatten() {
            m.comp_op = Some(CompOpValue::from(op));
            m.limit = Some(limit.to_owned());
        }
        self
    }

    /// Adds one more named numeric measurement, configured by `f`; turns the step into a
    /// multiple-measurement step.
    pub fn measure(self, name: &str, value: f64, f: impl FnOnce(&mut NumericMeasurement)) -> Self {
        let list = self.step.numeric_meas.get_or_insert_with(Vec::new);
        let mut m = NumericMeasurement {
            comp_op: Some(CompOp::LOG.into()),
            name: Some(name.to_owned()),
            value: Some(value),
            ..Default::default()
        };
        f(&mut m);
        list.push(m);
        if list.len() > 1 {
            for (i, m) in list.iter_mut().enumerate() {
                m.name.get_or_insert_with(|| i.to_string());
            }
            self.step.step_type = Some("ET_MNLT".into());
        }
        self
    }

    /// Sets the status explicitly: measurements are then not judged; they take the step's
    /// verdict (Passed, Failed or Skipped; Error and Terminated give Failed). Skipped removes
    /// the step's measurements, chart and attachment, as WATS does.
    pub fn status(self, status: Status) -> Self {
        self.step.status = Some(status);
        if status == Status::Skipped {
            self.step.numeric_meas = None;
            self.step.boolean_meas = None;
            self.step.string_meas = None;
            self.step.chart = None;
            self.step.attachment = None;
            return self;
        }
        let meas = match status {
            Status::Passed | Status::Done => Status::Passed,
            _ => Status::Failed,
        };
        for m in self.step.numeric_meas.iter_mut().flatten() {
            m.status = Some(meas);
        }
        for m in self.step.string_meas.iter_mut().flatten() {
            m.status = Some(meas);
        }
        for m in self.step.boolean_meas.iter_mut().flatten() {
            m.status = Some(meas);
        }
        self
    }

    /// Sets the step type (the icon WATS shows).
    pub fn step_type(self, step_type: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.step.step_type = Some(step_type.into());
        self
    }

    /// Sets the execution time in seconds.
    pub fn time(self, seconds: f64) -> Self {
        self.step.tot_time = Some(seconds);
        self
    }

    /// Sets the step's report text.
    pub fn report_text(self, text: &str) -> Self {
        self.step.report_text = Some(text.to_owned());
        self
    }

    /// Sets the step group (setup, main, cleanup).
    pub fn in_group(self, group: StepGroup) -> Self {
        self.step.group = Some(group);
        self
    }

    /// Adds a chart series of `y` against `x` (or 0, 1, 2… when `x` is empty); the first call
    /// creates the chart with the given title and axes.
    pub fn chart_series(
        self,
        chart: ChartSpec<'_>,
        series_name: &str,
        x: &[f64],
        y: &[f64],
    ) -> Self {
        let x = (!x.is_empty()).then(|| SeriesText::from_values(x));
        self.chart_series_text(chart, series_name, x, SeriesText::from_values(y))
    }

    /// [`chart_series`](Self::chart_series) with the values already written as a series
    /// holds them; `x` `None` for 0, 1, 2….
    pub fn chart_series_text(
        self,
        chart: ChartSpec<'_>,
        series_name: &str,
        x: Option<SeriesText>,
        y: SeriesText,
    ) -> Self {
        let c = self.step.chart.get_or_insert_with(|| {
            Box::new(Chart {
                chart_type: Some(chart.chart_type.to_owned()),
                label: Some(chart.label.to_owned()),
                x_label: Some(chart.x_label.to_owned()),
                x_unit: chart.x_unit.map(str::to_owned),
                y_label: Some(chart.y_label.to_owned()),
                y_unit: chart.y_unit.map(str::to_owned),
                series: Some(Vec::new()),
                ..Default::default()
            })
        });
        c.series.get_or_insert_with(Vec::new).push(Series {
            data_type: Some("XYG".into()),
            name: Some(series_name.to_owned()),
            xdata: x.map(SeriesText::into_string),
            ydata: Some(y.into_string()),
            ..Default::default()
        });
        if self.step.numeric_meas.is_some() {
            self.step.step_type = Some("WATS_XYGMNLT".into());
        }
        self
    }

    /// Attaches a file to the step (one per step).
    pub fn attach(self, name: &str, content_type: &str, data: &[u8]) -> Self {
        self.step.attachment = Some(Box::new(Attachment {
            name: Some(name.to_owned()),
            content_type: Some(content_type.to_owned()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            ..Default::default()
        }));
        self
    }

    /// The step itself, for fields the builder has no method for.
    pub fn step_mut(&mut self) -> &mut Step {
        self.step
    }
}

/// Title and axes of a chart.
#[derive(Clone, Copy, Debug)]
pub struct ChartSpec<'a> {
    /// `Line`, `LineLogX`, `LineLogY` or `LineLogXY`.
    pub chart_type: &'a str,
    /// Title.
    pub label: &'a str,
    /// X axis label.
    pub x_label: &'a str,
    /// X axis unit.
    pub x_unit: Option<&'a str>,
    /// Y axis label.
    pub y_label: &'a str,
    /// Y axis unit.
    pub y_unit: Option<&'a str>,
}

impl Default for ChartSpec<'_> {
    fn default() -> Self {
        ChartSpec {
            chart_type: "Line",
            label: "",
            x_label: "X",
            x_unit: None,
            y_label: "Y",
            y_unit: None,
        }
    }
}

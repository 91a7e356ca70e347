//! todo
/// todo
pub struct MetricReport;
/// todo
pub struct MetricSeries;

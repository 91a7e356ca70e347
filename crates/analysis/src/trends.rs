//! todo
/// todo
pub struct TrendReport;

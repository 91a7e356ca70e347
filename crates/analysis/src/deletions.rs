//! todo
/// todo
pub struct DeletionReport;
/// todo
pub struct ItemLife;

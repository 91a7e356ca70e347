//! Integration tests for annals-schedule, by topic.

mod budget;
mod perf;
mod policy;
mod simulation;

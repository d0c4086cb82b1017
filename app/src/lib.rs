//! The payrange service.

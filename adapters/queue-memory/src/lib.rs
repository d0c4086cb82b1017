//! In-process JobQueue adapter for payrange's embedded mode.

//! sea-orm entities: one per table, plain rows with no domain rules. `convert` turns them into
//! domain values and back.

pub mod prediction;
pub mod session;
pub mod user;

//! Typed identifiers. All are UUIDv7, so they sort by creation time: history pages are ordered
//! by id, which makes keyset pagination a single index range scan.

use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUIDv7) id.
            #[must_use]
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (read back from storage or a token).
            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a [`crate::models::User`].
    UserId
);
id_type!(
    /// Identifies a [`crate::models::Prediction`]; also the idempotency key of its job.
    PredictionId
);
id_type!(
    /// Identifies a signed-in session; tokens carry it so that sign-out can revoke them.
    SessionId
);

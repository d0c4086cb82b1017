//! PASETO v4.local TokenCodec adapter for payrange.

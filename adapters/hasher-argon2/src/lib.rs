//! argon2id PasswordHasher adapter for payrange.

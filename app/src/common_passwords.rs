//! The bundled list of common passwords (see `app/data/README.md` for its source), which new
//! passwords must not be on: registration and password changes over HTTP (`http::accounts`)
//! and accounts created from the command line (`wiring::create_user`) check it alike.

use std::collections::HashSet;
use std::sync::OnceLock;

static LIST: &str = include_str!("../data/common-passwords.txt");

fn set() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::to_lowercase).collect())
}

/// Whether `password` is on the list, ignoring case.
#[must_use]
pub fn contains(password: &str) -> bool {
    set().contains(&password.to_lowercase())
}

/// How many passwords the list holds.
#[must_use]
pub fn len() -> usize {
    set().len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_is_large_and_case_insensitive() {
        assert!(super::len() >= 10_000);
        assert!(super::contains("PASSWORD"));
        assert!(!super::contains("correct horse battery staple 42"));
    }
}

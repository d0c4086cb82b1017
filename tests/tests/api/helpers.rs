//! The API tests' names for the harness of `payrange-tests` (`tests/src/`): the app started
//! in this process ([`TestApp`]), its users, and the assertions the tests share.

pub use payrange_tests::app::{TestApp, User, production};
pub use payrange_tests::client::{PASSWORD, assert_error, json_of, vacancy};
pub use payrange_tests::scratch::Scratch;

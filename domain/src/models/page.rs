//! Keyset pagination: a page of items and the opaque cursor to the next one.

use uuid::Uuid;

/// Default number of items per page.
pub const DEFAULT_PAGE_LIMIT: u32 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_LIMIT: u32 = 100;

/// Where a page starts: strictly after (older than) the item with this id.
///
/// Its text form is the 32 hex digits of the id; clients treat it as opaque.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor(Uuid);

/// Why a cursor string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor is not one this service returned")]
pub struct CursorError;

impl Cursor {
    /// A cursor after the item with this id.
    #[must_use]
    pub const fn after(id: Uuid) -> Self {
        Self(id)
    }

    /// Parses the text form.
    ///
    /// # Errors
    /// [`CursorError`] for anything but 32 lower-case hex digits.
    pub fn parse(raw: &str) -> Result<Self, CursorError> {
        if raw.len() != 32 || !raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(CursorError);
        }
        Uuid::try_parse(raw).map(Self).map_err(|_| CursorError)
    }

    /// The id the page starts after.
    #[must_use]
    pub const fn id(&self) -> Uuid {
        self.0
    }

    /// The text form handed to clients.
    #[must_use]
    pub fn encode(&self) -> String {
        self.0.simple().to_string()
    }
}

/// What page a client wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    after: Option<Cursor>,
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageRequestError {
    /// `limit` outside 1..=[`MAX_PAGE_LIMIT`].
    #[error("limit must be between 1 and {MAX_PAGE_LIMIT}")]
    Limit,
    /// `cursor` malformed.
    #[error(transparent)]
    Cursor(#[from] CursorError),
}

impl PageRequest {
    /// Validates a limit (default [`DEFAULT_PAGE_LIMIT`]) and an optional cursor string.
    ///
    /// # Errors
    /// [`PageRequestError`] naming the bad parameter.
    pub fn new(limit: Option<u64>, cursor: Option<&str>) -> Result<Self, PageRequestError> {
        let limit = match limit {
            None => DEFAULT_PAGE_LIMIT,
            Some(l) if (1..=u64::from(MAX_PAGE_LIMIT)).contains(&l) => {
                u32::try_from(l).map_err(|_| PageRequestError::Limit)?
            }
            Some(_) => return Err(PageRequestError::Limit),
        };
        let after = cursor.map(Cursor::parse).transpose()?;
        Ok(Self { limit, after })
    }

    /// Items per page.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }

    /// Start after this cursor, or at the newest item.
    #[must_use]
    pub const fn after(&self) -> Option<Cursor> {
        self.after
    }
}

/// One page of items, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next (older) page, `None` on the last page.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor::after(Uuid::now_v7());
        assert_eq!(Cursor::parse(&c.encode()), Ok(c));
        for bad in ["", "zz", "../../etc", &"A".repeat(32), &"0".repeat(33)] {
            assert!(Cursor::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(
            PageRequest::new(None, None).unwrap().limit(),
            DEFAULT_PAGE_LIMIT
        );
        assert_eq!(
            PageRequest::new(Some(0), None),
            Err(PageRequestError::Limit)
        );
        assert_eq!(
            PageRequest::new(Some(u64::MAX), None),
            Err(PageRequestError::Limit)
        );
        assert_eq!(PageRequest::new(Some(100), None).unwrap().limit(), 100);
    }
}

//! The web UI: the files of `app/web/`, built into the binary.

use poem::Endpoint;
use poem::endpoint::EmbeddedFilesEndpoint;
use rust_embed::RustEmbed;

/// `app/web/` at build time.
#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// Serves `index.html` at `/` and the other files by name.
pub fn endpoint() -> impl Endpoint {
    EmbeddedFilesEndpoint::<Assets>::new()
}

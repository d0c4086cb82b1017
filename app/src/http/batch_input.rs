//! The rows of a batch upload, read from a JSON list or a CSV file, each validated with the
//! rules of a single prediction: the valid ones become [`NewBatchRow`]s, the others
//! rejections naming their line, field and code. Also the `text/csv` payload type, for the
//! upload and for the results download.

use payrange_domain::models::{MAX_BATCH_ROWS, Market, Vacancy};
use payrange_domain::services::NewBatchRow;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, Object, impl_apirequest_for_payload};

use super::error::{ApiError, ErrorCode, body};
use super::text::Text;

/// One vacancy of a JSON batch: the fields of a single prediction. Each item is validated on
/// its own: a bad one is reported in `rejected` (by its 1-based index) and the others go
/// ahead.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct BatchItemDto {
    /// Title, 1 to 200 characters after trimming.
    pub name: Option<Text>,
    /// Description, 1 to 20,000 characters after trimming.
    pub description: Option<Text>,
    /// City or region (optional, at most 100 characters).
    pub area: Option<Text>,
    /// Market, `ru` or `uk` (optional: chosen from the text when absent, as for a single
    /// prediction).
    pub market: Option<Text>,
}

/// A batch of vacancies as JSON.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct BatchItemsDto {
    /// 1 to 1,000 vacancies (more: 413 `too_many_rows`).
    #[oai(validator(min_items = 1))]
    pub items: Vec<BatchItemDto>,
}

/// A row refused at submission.
#[derive(Clone, Debug, Object)]
pub struct BatchRejectionDto {
    /// The CSV line the row starts on (the header is line 1), or the item's 1-based index.
    pub line: u32,
    /// The field at fault, if one is (`name`, `description`, `area`, `market`).
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    /// `validation_failed` (the rules of a single prediction), `csv_malformed` (the line
    /// cannot be read, e.g. not UTF-8) or `quota_exceeded` (past the submission quota).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// The rows of an upload, sorted out.
#[derive(Debug, Default)]
pub struct Rows {
    /// Valid rows, in order.
    pub valid: Vec<NewBatchRow>,
    /// Refused rows, in order.
    pub rejected: Vec<BatchRejectionDto>,
}

impl Rows {
    fn push(
        &mut self,
        line: u32,
        name: &str,
        description: &str,
        area: Option<&str>,
        market: Option<&str>,
    ) {
        let refused = |field: &str, message: String| BatchRejectionDto {
            line,
            field: Some(field.to_owned()),
            code: ErrorCode::ValidationFailed.into(),
            message,
        };
        let market = match market.map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => match Market::parse(m) {
                Ok(m) => Some(m),
                Err(e) => return self.rejected.push(refused("market", e.to_string())),
            },
        };
        match Vacancy::in_market(name, description, area, market) {
            Ok(vacancy) => self.valid.push(NewBatchRow { line, vacancy }),
            Err(e) => self
                .rejected
                .push(refused(e.field().as_str(), e.to_string())),
        }
    }

    fn count(&self) -> usize {
        self.valid.len() + self.rejected.len()
    }
}

fn error(code: ErrorCode, message: String) -> ApiError {
    ApiError::Unprocessable(body(code, message))
}

/// 413 `too_many_rows`.
fn too_many_rows() -> ApiError {
    ApiError::PayloadTooLarge(body(
        ErrorCode::TooManyRows,
        format!("a batch holds at most {MAX_BATCH_ROWS} rows; split the file"),
    ))
}

fn empty() -> ApiError {
    error(ErrorCode::EmptyBatch, "the batch has no rows".into())
}

/// The rows of a JSON batch; line = 1-based index.
///
/// # Errors
/// 413 `too_many_rows`, 422 `empty_batch`.
pub fn from_items(items: Vec<BatchItemDto>) -> Result<Rows, ApiError> {
    if items.len() > MAX_BATCH_ROWS {
        return Err(too_many_rows());
    }
    if items.is_empty() {
        return Err(empty());
    }
    let mut rows = Rows::default();
    for (line, item) in (1u32..).zip(items) {
        let missing = |field: &str| BatchRejectionDto {
            line,
            field: Some(field.to_owned()),
            code: ErrorCode::ValidationFailed.into(),
            message: format!("{field} is required"),
        };
        match (&item.name, &item.description) {
            (None, _) => rows.rejected.push(missing("name")),
            (_, None) => rows.rejected.push(missing("description")),
            (Some(name), Some(description)) => {
                rows.push(
                    line,
                    name,
                    description,
                    item.area.as_deref(),
                    item.market.as_deref(),
                );
            }
        }
    }
    Ok(rows)
}

/// Which column holds what.
struct Columns {
    name: usize,
    description: usize,
    area: Option<usize>,
    market: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> Result<Columns, ApiError> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    match (find(&["name", "title"]), find(&["description"])) {
        (Some(name), Some(description)) => Ok(Columns {
            name,
            description,
            area: find(&["area"]),
            market: find(&["market"]),
        }),
        _ => Err(error(
            ErrorCode::CsvHeader,
            format!(
                "the first line must name the columns `name` (or `title`) and `description` \
                 (`area` and `market` are optional); it names: {}",
                header.iter().collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// The rows of a CSV upload (UTF-8, with or without a BOM; a header row naming the columns;
/// quoted fields may span lines; other columns are ignored); line = the line the row starts
/// on.
///
/// # Errors
/// 413 `too_many_rows`, 422 `empty_batch` or `csv_header`.
pub fn from_csv(body: &[u8]) -> Result<Rows, ApiError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(body);
    let header = reader.headers().map_err(|e| {
        error(
            ErrorCode::CsvHeader,
            format!("the header line cannot be read: {e}"),
        )
    })?;
    let columns = columns(header)?;
    let mut rows = Rows::default();
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter {
        body,
        at: 0,
        line: 1,
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if rows.count() >= MAX_BATCH_ROWS {
                    return Err(too_many_rows());
                }
                let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
                let field = |i: usize| record.get(i).unwrap_or("");
                let area = columns.area.map(field).filter(|a| !a.trim().is_empty());
                let market = columns.market.map(field);
                rows.push(
                    line,
                    field(columns.name),
                    field(columns.description),
                    area,
                    market,
                );
            }
            Err(e) => {
                if rows.count() >= MAX_BATCH_ROWS {
                    return Err(too_many_rows());
                }
                let Some(line) = e.position().map(|p| lines.line_of(p.byte())) else {
                    return Err(error(
                        ErrorCode::CsvMalformed,
                        format!("the file cannot be read: {e}"),
                    ));
                };
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".to_owned(),
                    _ => format!("the line cannot be read: {e}"),
                };
                rows.rejected.push(BatchRejectionDto {
                    line,
                    field: None,
                    code: ErrorCode::CsvMalformed.into(),
                    message,
                });
            }
        }
    }
    if rows.count() == 0 {
        return Err(empty());
    }
    Ok(rows)
}

/// The line number of byte offsets of `body`, asked in increasing order: the csv crate's own
/// count leaves out the line breaks inside quoted fields, while a person looking for a line
/// counts every one.
struct LineCounter<'a> {
    body: &'a [u8],
    /// Bytes counted so far.
    at: usize,
    /// The line `at` is on.
    line: u32,
}

impl LineCounter<'_> {
    fn line_of(&mut self, byte: u64) -> u32 {
        let mut to = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.body.len());
        // A record may be reported from the line break before it (the `\n` of a CRLF): it
        // starts at its first byte that is not one, as empty lines are skipped.
        while self
            .body
            .get(to)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            to += 1;
        }
        if to > self.at {
            let breaks = self.body[self.at..to]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line = self
                .line
                .saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
            self.at = to;
        }
        self.line
    }
}

/// A `text/csv` body: a batch upload, or a results download.
#[derive(Debug)]
pub struct Csv(pub Vec<u8>);

impl Payload for Csv {
    const CONTENT_TYPE: &'static str = "text/csv; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv"))
    }

    /// Bytes, as the server reads them (each line is decoded as UTF-8 on its own, so that one
    /// bad line is refused alone); `format: binary` also lets generated clients send a file.
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "binary")))
    }
}

impl ParsePayload for Csv {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(Vec::<u8>::from_request(request, body).await?))
    }
}

// A request body of its own (`POST /batches/csv`), as `Json` is.
impl_apirequest_for_payload!(Csv);

impl IntoResponse for Csv {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.0)
    }
}

impl ApiResponse for Csv {
    fn meta() -> poem_openapi::registry::MetaResponses {
        poem_openapi::registry::MetaResponses {
            responses: vec![poem_openapi::registry::MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![poem_openapi::registry::MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(_registry: &mut poem_openapi::registry::Registry) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_numbered_by_their_first_line_and_bad_ones_rejected() {
        let body = "\u{feff}title,description,extra\n\
                    Rust developer,\"Writes Rust\nin a team\",x\n\
                    ,No title here,y\n\
                    Analyst,SQL and reports,z\n";
        let rows = from_csv(body.as_bytes()).expect("rows");
        let lines: Vec<u32> = rows.valid.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 5]);
        assert_eq!(rows.rejected.len(), 1);
        assert_eq!(rows.rejected[0].line, 4);
        assert_eq!(rows.rejected[0].field.as_deref(), Some("name"));
        assert_eq!(rows.rejected[0].code, "validation_failed");
    }

    #[test]
    fn crlf_line_ends_and_blank_lines_keep_the_numbers_right() {
        let body = "name,description\r\nA,\"two\r\nlines\"\r\n\r\n,no title\r\nC,third\r\n";
        let rows = from_csv(body.as_bytes()).expect("rows");
        assert_eq!(
            rows.valid.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 6]
        );
        assert_eq!(rows.rejected[0].line, 5);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_rejected_alone() {
        let mut body = b"name,description\nA,first\n".to_vec();
        body.extend_from_slice(b"B,\xff\xfe\nC,third\n");
        let rows = from_csv(&body).expect("rows");
        assert_eq!(
            rows.valid.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert_eq!(rows.rejected[0].line, 3);
        assert_eq!(rows.rejected[0].code, "csv_malformed");
    }

    #[test]
    fn headers_empty_files_and_too_many_rows_are_refused_whole() {
        assert!(matches!(
            from_csv(b"a,b\n1,2\n"),
            Err(ApiError::Unprocessable(_))
        ));
        assert!(matches!(
            from_csv(b"name,description\n"),
            Err(ApiError::Unprocessable(_))
        ));
        let mut big = String::from("name,description\n");
        for i in 0..=MAX_BATCH_ROWS {
            big.push_str(&format!("t{i},d\n"));
        }
        assert!(matches!(
            from_csv(big.as_bytes()),
            Err(ApiError::PayloadTooLarge(_))
        ));
    }
}

//! Markets in the API: the optional `market` of a submitted vacancy, and the market of a
//! result.

use payrange_domain::models::{Market, Vacancy};
use poem_openapi::Enum;

use super::dto::VacancyDto;
use super::error::ApiError;

/// The job market whose model priced a vacancy: `ru` (Russia, hh.ru model, RUB per month)
/// or `uk` (the United Kingdom, Adzuna model, GBP per year). Named with the vacancy, or
/// chosen from its text: `ru` when at least a tenth of the letters of title, description
/// and area are Cyrillic, `uk` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MarketDto {
    /// Russia: hh.ru model, RUB per month.
    Ru,
    /// The United Kingdom: Adzuna model, GBP per year.
    Uk,
}

impl From<Market> for MarketDto {
    fn from(m: Market) -> Self {
        match m {
            Market::Ru => Self::Ru,
            Market::Uk => Self::Uk,
        }
    }
}

impl From<MarketDto> for Market {
    fn from(m: MarketDto) -> Self {
        match m {
            MarketDto::Ru => Self::Ru,
            MarketDto::Uk => Self::Uk,
        }
    }
}

/// The market named in a request field, if any: a blank value means not given.
///
/// # Errors
/// 422 naming `field` and the accepted values.
pub(super) fn named_market(field: &str, raw: Option<&str>) -> Result<Option<Market>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Market::parse(s)
            .map(Some)
            .map_err(|e| ApiError::invalid(field, e.to_string())),
    }
}

/// The vacancy of a request body, in its named market or else the one its text suggests.
///
/// # Errors
/// 422 naming the field at fault.
pub(super) fn vacancy_of(body: &VacancyDto) -> Result<Vacancy, ApiError> {
    let market = named_market("market", body.market.as_deref())?;
    Vacancy::in_market(&body.name, &body.description, body.area.as_deref(), market)
        .map_err(|e| ApiError::invalid(e.field().as_str(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_market_is_not_given_and_a_bad_one_names_the_field() {
        assert_eq!(named_market("market", None).unwrap(), None);
        assert_eq!(named_market("market", Some(" ")).unwrap(), None);
        assert_eq!(
            named_market("market", Some("UK")).unwrap(),
            Some(Market::Uk)
        );
        let err = format!("{:?}", named_market("market", Some("fr")).unwrap_err());
        assert!(err.contains("market") && err.contains("ru, uk"), "{err}");
    }
}

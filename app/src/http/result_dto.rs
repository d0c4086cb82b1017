//! The JSON shapes of a prediction's result beyond its bounds: the explanation (terms with
//! their source and amount, a stated salary, the pay basis), the likely range's confidence
//! label, and the model's interval quality.

use std::borrow::Cow;

use payrange_domain::models::{
    Confidence, Explanation, IntervalQuality, PayBasis, StatedSalaryEffect, TermContribution,
    TermSource,
};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde_json::Value;

/// Where a term was found: `title`, `description`, or `area` (the city or region).
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum TermSourceDto {
    /// The vacancy's title.
    Title,
    /// Its description.
    Description,
    /// Its city or region.
    Area,
}

impl From<TermSource> for TermSourceDto {
    fn from(s: TermSource) -> Self {
        match s {
            TermSource::Title => Self::Title,
            TermSource::Description => Self::Description,
            TermSource::Area => Self::Area,
        }
    }
}

/// One term's push on a bound.
#[derive(Debug, Object)]
pub struct TermDto {
    /// The word or phrase as the model reads it (lower case), e.g. `python` or
    /// `machine learning`; where it was found is `source`. Never an internal feature name.
    pub term: String,
    // No `///` on enum-typed fields: poem-openapi would carry a field description by wrapping
    // the enum's `$ref` in `allOf`, which openapi-python-client cannot parse ("Cannot take allOf
    // a non-object"). The enum's own description documents the field.
    #[allow(missing_docs)]
    pub source: TermSourceDto,
    /// Contribution to the log of the bound: > 0 pushed it up, < 0 down (`exp(c) - 1` is the
    /// relative effect).
    pub contribution: f64,
    /// The same push in whole currency units: how much higher the bound is than it would be
    /// without this term alone, `bound × (1 − e^−contribution)`, rounded; negative when the
    /// term lowered it.
    pub amount: f64,
}

fn terms(ts: &[TermContribution]) -> Vec<TermDto> {
    ts.iter()
        .map(|t| TermDto {
            term: t.term.clone(),
            source: t.source.into(),
            contribution: t.contribution,
            amount: t.amount.round(),
        })
        .collect()
}

/// What a salary stated in the vacancy did to the estimate: `used_as_given` (the estimate
/// equals the stated figures, within 1 %), `moved_towards` (the estimate moved towards them
/// without reaching them), `set_aside` (found but set aside as implausible for this vacancy,
/// e.g. a bonus, a turnover or an hourly rate).
#[derive(Debug, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatedSalaryEffectDto {
    /// The estimate equals the stated figures.
    UsedAsGiven,
    /// The estimate moved towards them.
    MovedTowards,
    /// They were set aside.
    SetAside,
}

impl From<StatedSalaryEffect> for StatedSalaryEffectDto {
    fn from(e: StatedSalaryEffect) -> Self {
        match e {
            StatedSalaryEffect::UsedAsGiven => Self::UsedAsGiven,
            StatedSalaryEffect::MovedTowards => Self::MovedTowards,
            StatedSalaryEffect::SetAside => Self::SetAside,
        }
    }
}

/// A salary the vacancy states itself ("от 250 000 до 350 000 руб."), and what it did.
#[derive(Debug, Object)]
pub struct StatedSalaryDto {
    /// The stated lower figure, in the prediction's currency; null when only an upper one is
    /// stated.
    #[oai(nullable)]
    pub from: Option<f64>,
    /// The stated upper figure; null when only a lower one is stated.
    #[oai(nullable)]
    pub to: Option<f64>,
    // No `///`: see `TermDto::source`.
    #[allow(missing_docs)]
    pub effect: StatedSalaryEffectDto,
}

/// Whether the vacancy's pay is stated before tax (`gross`), as take-home pay (`net`), or
/// neither (`unstated`: the text does not say).
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum PayBasisDto {
    /// Before tax.
    Gross,
    /// After tax.
    Net,
    /// Not said.
    Unstated,
}

impl From<PayBasis> for PayBasisDto {
    fn from(b: PayBasis) -> Self {
        match b {
            PayBasis::Gross => Self::Gross,
            PayBasis::Net => Self::Net,
            PayBasis::Unstated => Self::Unstated,
        }
    }
}

/// Why the model predicted this range.
#[derive(Debug, Object)]
pub struct ExplanationDto {
    /// Terms behind `salary_from` that moved it by at least 1 %, strongest first.
    pub salary_from: Vec<TermDto>,
    /// Terms behind `salary_to`, the same way.
    pub salary_to: Vec<TermDto>,
    /// A salary the vacancy states itself, when it states one.
    #[oai(nullable)]
    pub stated_salary: Option<StatedSalaryDto>,
    // No `///`: see `TermDto::source`.
    #[allow(missing_docs)]
    pub pay_basis: PayBasisDto,
}

impl From<&Explanation> for ExplanationDto {
    fn from(e: &Explanation) -> Self {
        Self {
            salary_from: terms(&e.salary_from),
            salary_to: terms(&e.salary_to),
            stated_salary: e.stated_salary.as_ref().map(|s| StatedSalaryDto {
                from: s.from,
                to: s.to,
                effect: s.effect.into(),
            }),
            pay_basis: e.pay_basis.into(),
        }
    }
}

/// The confidence label of a likely range, written inline (`{"type": "string", "enum":
/// [...]}`) rather than as a named enum: a nullable field of a named enum becomes an `allOf`
/// that openapi-python-client cannot read (see `TermDto::source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfidenceDto(pub Confidence);

const CONFIDENCES: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

impl Type for ConfidenceDto {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string(confidence)".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            enum_items: CONFIDENCES
                .iter()
                .map(|c| Value::from(c.as_str()))
                .collect(),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for ConfidenceDto {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        match value.as_str().and_then(Confidence::parse) {
            Some(c) => Ok(Self(c)),
            None => Err(ParseError::expected_type(value)),
        }
    }
}

impl ToJSON for ConfidenceDto {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.0.as_str()))
    }
}

/// How well the model's likely ranges held under cross-validation.
#[derive(Debug, Object)]
pub struct IntervalQualityDto {
    /// The coverage level the likely ranges are calibrated for (0.8 = 80 %).
    pub level: f64,
    /// Share of validation vacancies (with both bounds known) whose true midpoint fell
    /// inside their likely range; close to `level` when the calibration holds.
    pub coverage: f64,
    /// Mean width of those likely ranges, in currency units.
    pub mean_width: f64,
}

impl From<&IntervalQuality> for IntervalQualityDto {
    fn from(q: &IntervalQuality) -> Self {
        Self {
            level: q.level,
            coverage: q.coverage,
            mean_width: q.mean_width,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn confidence_is_its_stable_text_both_ways_and_nothing_else_parses() {
        for c in CONFIDENCES {
            let json = ConfidenceDto(c).to_json().unwrap();
            assert_eq!(json, Value::from(c.as_str()));
            assert_eq!(ConfidenceDto::parse_from_json(Some(json)).unwrap().0, c);
        }
        for bad in [Value::from("certain"), Value::from(1), Value::Null] {
            assert!(ConfidenceDto::parse_from_json(Some(bad)).is_err());
        }
    }
}

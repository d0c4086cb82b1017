//! The [`LogStore`] contract for markets: a prediction's market round-trips through every way
//! a prediction is written (insert, finish on first delivery, start and finish) and read
//! (one, several, a history page), including a market its text would not suggest.
//!
//! [`LogStore`]: payrange_domain::ports::LogStore

use payrange_domain::models::{
    Market, PageRequest, PredictionFilter, PredictionId, PredictionStatus, Vacancy,
};
use payrange_domain::ports::UnstartedFinish;

use super::fixtures::{TestStore, at, contract_tests, estimate, queued, user};

contract_tests!(each_market_round_trips_through_insert_finish_and_history);

async fn each_market_round_trips_through_insert_finish_and_history(s: &TestStore) {
    let ann = user(s, "ann@example.com").await;
    // Both markets, each named against its text's own detection.
    let cases = [
        (
            Vacancy::new("Повар", "Готовить завтраки", None).unwrap(),
            Market::Uk,
        ),
        (
            Vacancy::new("Chef", "Cook breakfasts in Leeds", Some("Leeds")).unwrap(),
            Market::Ru,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (vacancy, market)) in cases.into_iter().enumerate() {
        assert_ne!(vacancy.market(), market);
        let mut p = queued(PredictionId::generate(), ann.id, at(i as i64));
        p.vacancy = vacancy.with_market(Some(market));
        s.insert_prediction(&p).await.unwrap();
        assert_eq!(s.prediction(p.id).await.unwrap(), Some(p.clone()));
        ids.push((p.id, market));
    }

    let est = estimate();
    let (first, first_market) = ids[0];
    let written = s
        .finish_unstarted(
            &[UnstartedFinish {
                id: first,
                attempts: 0,
                outcome: Ok(&est),
            }],
            at(5),
            at(6),
        )
        .await
        .unwrap();
    assert_eq!(written, [true]);
    let (second, second_market) = ids[1];
    s.start_prediction(second, at(5)).await.unwrap();
    assert!(s.finish_prediction(second, Ok(&est), at(6)).await.unwrap());

    for (id, market) in [(first, first_market), (second, second_market)] {
        let p = s.prediction(id).await.unwrap().unwrap();
        assert_eq!(p.status, PredictionStatus::Done);
        assert_eq!(p.vacancy.market(), market);
    }
    let page = s
        .list_predictions(
            &PredictionFilter::owned_by(ann.id),
            PageRequest::new(Some(10), None).unwrap(),
        )
        .await
        .unwrap();
    let listed: Vec<(PredictionId, Market)> = page
        .items
        .iter()
        .map(|p| (p.id, p.vacancy.market()))
        .collect();
    assert_eq!(listed, [ids[1], ids[0]], "newest first, each in its market");
}

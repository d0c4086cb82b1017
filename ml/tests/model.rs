//! Behaviour of trained models: batch/single equality, artifact round trip and errors,
//! reproducible versions, `from <= to`, explanations and the file operations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use payrange_ml::commands::{evaluate_file, predict_csv, train_file};
use payrange_ml::features::vectorizer::{Vectorizer, VectorizerSettings, Workspace};
use payrange_ml::fitting::held_back::text_key;
use payrange_ml::{
    ArtifactError, FORMAT_VERSION, HeldBackRow, HeldBackScore, Model, PayBasis, StatedEffect,
    TermSource, VacancyText,
};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

#[test]
fn a_vacancy_scored_alone_equals_its_row_in_a_batch() {
    let data = common::fixture_data();
    let docs: Vec<VacancyText<'_>> = data.rows.iter().map(|r| r.text()).collect();
    let v = Vectorizer::fit(&docs[..150], VectorizerSettings::default());
    let batch = v.transform(&docs[150..]);
    let mut ws = Workspace::default();
    for (i, d) in docs[150..].iter().enumerate() {
        v.transform_into(d, &mut ws);
        let row = batch.outer_view(i).unwrap();
        let alone: Vec<(usize, f64)> = ws.row.iter().map(|&(j, x)| (j as usize, x)).collect();
        let in_batch: Vec<(usize, f64)> = row.iter().map(|(j, &x)| (j, x)).collect();
        assert_eq!(alone, in_batch);
    }
    // And IDF does not depend on what is transformed with it.
    let again = v.transform(&docs[150..151]);
    assert_eq!(
        again.outer_view(0).unwrap().data(),
        batch.outer_view(0).unwrap().data()
    );
}

#[test]
fn artifact_round_trip_gives_bit_identical_predictions() {
    let m = common::small_model();
    let bytes = m.to_bytes().unwrap();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back.metadata(), m.metadata());
    assert_eq!(back.to_bytes().unwrap(), bytes);
    // The held-back rows too (9 of the fixture's 200).
    assert_eq!(m.held_back().len(), 9);
    assert_eq!(back.held_back(), m.held_back());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    m.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    for r in &common::fixture_data().rows {
        let (a, b, c) = (
            m.predict(&r.text()),
            back.predict(&r.text()),
            loaded.predict(&r.text()),
        );
        assert_eq!(a.salary_from.to_bits(), b.salary_from.to_bits());
        assert_eq!(a.salary_to.to_bits(), c.salary_to.to_bits());
        assert_eq!(a, c);
        // The calibration survives too: the same likely range at every level.
        let (_, d) = m.predict_with_difficulty(&r.text());
        for level in [0.5, 0.8, 0.95] {
            let want = m.likely_range(&d, level).unwrap();
            assert_eq!(loaded.likely_range(&d, level), Some(want));
        }
    }
    assert!(m.metadata().calibration.is_some());
}

#[test]
fn corrupt_truncated_or_wrong_version_files_give_clear_errors() {
    let bytes = common::small_model().to_bytes().unwrap();
    assert!(matches!(
        Model::from_bytes(b""),
        Err(ArtifactError::BadMagic)
    ));
    assert!(matches!(
        Model::from_bytes(b"PK\x03\x04 zip file"),
        Err(ArtifactError::BadMagic)
    ));
    let cut = &bytes[..bytes.len() / 2];
    assert!(matches!(
        Model::from_bytes(cut),
        Err(ArtifactError::Truncated { .. })
    ));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0x55;
    assert!(matches!(
        Model::from_bytes(&flipped),
        Err(ArtifactError::ChecksumMismatch)
    ));
    // Older formats (1: no stacking metadata, 2: no anchor stage, 3: no likely-range
    // calibration, 4: a symmetric likely range) and a newer one are refused; 5 (no
    // held-back rows) is read, see the bundled model.
    for other in [1u8, 2, 3, 4, 7] {
        let mut changed = bytes.clone();
        changed[16] = other;
        let err = Model::from_bytes(&changed).unwrap_err();
        assert!(matches!(
            err,
            ArtifactError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION
            } if found == u32::from(other)
        ));
        assert!(
            err.to_string().contains(&format!("version {other}")),
            "{err}"
        );
    }
    // No cut point panics.
    for len in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
        assert!(Model::from_bytes(&bytes[..len]).is_err());
    }
    let missing = Model::load(std::path::Path::new("/nonexistent/x.model")).unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/x.model"));
}

#[test]
fn same_data_and_settings_give_the_same_version_whatever_the_training_time() {
    let data = common::fixture_data();
    let s = common::small_settings();
    let t1 = time::OffsetDateTime::from_unix_timestamp(1_000_000_000).unwrap();
    let t2 = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let a = payrange_ml::fitting::train::train(&data, &s, t1, &mut |_, _, _| {}).unwrap();
    let b = payrange_ml::fitting::train::train(&data, &s, t2, &mut |_, _, _| {}).unwrap();
    assert_eq!(a.metadata().version, b.metadata().version);
    assert_ne!(a.metadata().trained_at, b.metadata().trained_at);
    let mut s2 = s.clone();
    s2.vectorizer.min_df = 3;
    let c = payrange_ml::fitting::train::train(&data, &s2, t1, &mut |_, _, _| {}).unwrap();
    assert_ne!(a.metadata().version, c.metadata().version);
}

fn random_text(rng: &mut Xoshiro256PlusPlus, words: &[&str], n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        match rng.gen_range(0..10) {
            0 => s.push(char::from_u32(rng.gen_range(0x20..0x4ff)).unwrap_or('?')),
            1 => s.push_str(&rng.gen_range(1..2_000_000).to_string()),
            _ => s.push_str(words[rng.gen_range(0..words.len())]),
        }
        s.push(' ');
    }
    s
}

#[test]
fn predictions_always_satisfy_from_le_to_and_are_finite() {
    let data = common::fixture_data();
    let words: Vec<&str> = data
        .rows
        .iter()
        .flat_map(|r| r.description.split(' '))
        .take(5000)
        .collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let models = [common::small_model(), Model::bundled().unwrap()];
    for m in &models {
        for _ in 0..1500 {
            let (nn, nd) = (rng.gen_range(0..6), rng.gen_range(0..300));
            let name = random_text(&mut rng, &words, nn);
            let desc = random_text(&mut rng, &words, nd);
            let area = if rng.gen_bool(0.5) {
                Some(words[rng.gen_range(0..words.len())])
            } else {
                None
            };
            let p = m.predict(&VacancyText {
                name: &name,
                description: &desc,
                area,
            });
            assert!(p.salary_from.is_finite() && p.salary_from > 0.0);
            assert!(p.salary_from <= p.salary_to, "{p:?}");
        }
    }
}

#[test]
fn explanations_list_plain_words_with_their_effect_in_currency() {
    let m = Model::bundled().unwrap();
    let v = VacancyText {
        name: "Senior Python разработчик",
        description: "Разработка backend на Python, Django, PostgreSQL. Опыт от 3 лет, \
                      или больше. Мы предлагаем удалённую работу и ДМС.",
        area: Some("Москва"),
    };
    let d = m.predict_explained(&v, 5);
    assert_eq!(d.range, m.predict(&v));
    let e = &d.explanation;
    assert!(
        !e.salary_from.is_empty() && e.salary_from.len() <= 5,
        "{e:?}"
    );
    assert!(
        e.salary_to.iter().any(|t| t.source == TermSource::Title),
        "{e:?}"
    );
    for (list, bound) in [
        (&e.salary_from, d.range.salary_from),
        (&e.salary_to, d.range.salary_to),
    ] {
        for w in list.windows(2) {
            assert!(w[0].contribution.abs() >= w[1].contribution.abs());
        }
        for t in list {
            // At least 1 % of the bound, as money, and never an internal feature name.
            assert!(t.amount.abs() >= 0.01 * bound * 0.999, "{t:?}");
            assert_eq!(t.amount.signum(), t.contribution.signum(), "{t:?}");
            assert!(!t.term.contains(':') && !t.term.contains('≈'), "{t:?}");
            for stop in ["или", "и", "на", "от", "or", "and"] {
                assert_ne!(t.term, stop, "{t:?}");
            }
        }
    }
    assert_eq!(e.stated_salary, None);
    assert_eq!(e.pay_basis, PayBasis::Unstated);
    assert!(
        d.range.salary_from > 30_000.0 && d.range.salary_to < 2_000_000.0,
        "{d:?}"
    );
}

#[test]
fn a_salary_stated_in_the_description_pulls_the_bounds_and_is_shown_on_its_own() {
    let m = Model::bundled().unwrap();
    assert!(m.metadata().hyperparameters.anchor_stage.is_some());
    let base = "Ищем бухгалтера в небольшую компанию. Первичная документация, 1С, сверки.";
    let plain = VacancyText {
        name: "Бухгалтер",
        description: base,
        area: Some("Москва"),
    };
    let stated_text = format!("{base} Заработная плата от 95 000 до 120 000 руб. на руки.");
    let stated = VacancyText {
        description: &stated_text,
        ..plain
    };
    let (p0, p1) = (m.predict(&plain), m.predict(&stated));
    // The stated figures pull each bound towards them.
    assert!(
        (p1.salary_from - 95_000.0).abs() < (p0.salary_from - 95_000.0).abs(),
        "{p0:?} {p1:?}"
    );
    assert!(
        (p1.salary_to - 120_000.0).abs() < (p0.salary_to - 120_000.0).abs(),
        "{p0:?} {p1:?}"
    );
    let d = m.predict_explained(&stated, 50);
    assert_eq!(d.range, p1);
    let s = d.explanation.stated_salary.clone().unwrap();
    assert_eq!((s.from, s.to), (Some(95_000.0), Some(120_000.0)));
    let met = |b: f64, f: f64| (b - f).abs() <= 0.01 * f;
    let expected = if met(p1.salary_from, 95_000.0) && met(p1.salary_to, 120_000.0) {
        StatedEffect::UsedAsGiven
    } else {
        StatedEffect::MovedTowards
    };
    assert_eq!(s.effect, expected, "{d:?}");
    assert_eq!(d.explanation.pay_basis, PayBasis::Net);
    // The stated salary is not a term among the words.
    for t in d
        .explanation
        .salary_from
        .iter()
        .chain(&d.explanation.salary_to)
    {
        assert!(
            !t.term.contains("95") && !t.term.contains("stated"),
            "{t:?}"
        );
    }
    // A figure three times off the text's own estimate is not taken for the salary.
    let bonus_text = format!("{base} Бонус до 5 000 000 руб.");
    let bonus = VacancyText {
        description: &bonus_text,
        ..plain
    };
    let d = m.predict_explained(&bonus, 50);
    assert_eq!(
        d.explanation.stated_salary.map(|s| s.effect),
        Some(StatedEffect::SetAside)
    );
}

#[test]
fn a_stated_pair_far_from_the_estimate_is_taken_or_set_aside_whole() {
    // Found in use: "от 250 000 до 350 000 руб." for an accountant gave 168,894 - 168,894;
    // the lower figure was in play and the upper one set aside, and the bounds crossed.
    let m = Model::bundled().unwrap();
    let base = "Ищем бухгалтера в небольшую компанию. Первичная документация, 1С, сверки.";
    let p0 = m.predict(&VacancyText {
        name: "Бухгалтер",
        description: base,
        area: Some("Москва"),
    });
    for (from, to) in [
        (60_000, 80_000),
        (150_000, 200_000),
        (250_000, 350_000),
        (400_000, 500_000),
        (900_000, 1_200_000),
    ] {
        let text = format!("{base} Заработная плата от {from} до {to} руб.");
        let v = VacancyText {
            name: "Бухгалтер",
            description: &text,
            area: Some("Москва"),
        };
        let d = m.predict_explained(&v, 50);
        let p = d.range;
        assert!(p.salary_to >= 1.05 * p.salary_from, "{from}-{to}: {p:?}");
        let s = d.explanation.stated_salary.unwrap();
        let (f, t) = (f64::from(from), f64::from(to));
        match s.effect {
            // Both figures in play: both bounds move towards their own figure.
            StatedEffect::UsedAsGiven | StatedEffect::MovedTowards => {
                assert!(
                    (p.salary_from - f).abs() < (p0.salary_from - f).abs(),
                    "{p:?}"
                );
                assert!((p.salary_to - t).abs() < (p0.salary_to - t).abs(), "{p:?}");
            }
            StatedEffect::SetAside => assert!(p.salary_to < f || p.salary_from > t, "{p:?}"),
        }
    }
}

#[test]
fn the_bundled_model_carries_a_calibrated_likely_range() {
    let m = Model::bundled().unwrap();
    let cal = m.metadata().calibration.as_ref().unwrap();
    assert!(cal.scores.len() > 1000);
    let short = VacancyText {
        name: "Менеджер",
        description: "Звоните.",
        area: None,
    };
    let long_text = "Разработка backend-сервисов на Python (Django, FastAPI), PostgreSQL, Redis, \
        Kafka. Проектирование API, code review, наставничество младших разработчиков. \
        Требования: опыт коммерческой разработки от 5 лет, знание SQL, Docker, Kubernetes, \
        CI/CD. Условия: оформление по ТК РФ, удалённая работа, ДМС, обучение за счёт компании.";
    let long = VacancyText {
        name: "Senior Python developer",
        description: long_text,
        area: Some("Москва"),
    };
    let width = |v: &VacancyText<'_>, level: f64| {
        let (p, d) = m.predict_with_difficulty(v);
        let (lo, hi) = m.likely_range(&d, level).unwrap();
        let mid = 0.5 * (p.salary_from + p.salary_to);
        assert!(lo < mid && mid < hi, "{lo} {mid} {hi}");
        (hi - lo) / (hi + lo)
    };
    // A vague vacancy gets a wider band (relative to its level) than a detailed one, and
    // every band widens with the level.
    assert!(
        width(&short, 0.8) > width(&long, 0.8),
        "{} {}",
        width(&short, 0.8),
        width(&long, 0.8)
    );
    for v in [&short, &long] {
        assert!(width(v, 0.5) < width(v, 0.8) && width(v, 0.8) < width(v, 0.95));
    }
    // Over the calibration rows the ranges cover close to each level.
    for s in &m.metadata().cv_interval {
        assert!((s.coverage - s.level).abs() < 0.02, "{s:?}");
    }
}

#[test]
fn file_operations_count_bad_rows_and_write_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(common::fixture()).unwrap();
    let bad =
        format!("{src},,no name,1000,2000,RUR,Москва,x\r\n9,Повар,Готовить,много,2000,RUR,,x\r\n");
    let data = dir.path().join("d.csv");
    std::fs::write(&data, bad).unwrap();
    let out = dir.path().join("m.model");
    let t = time::OffsetDateTime::from_unix_timestamp(0).unwrap();
    let o = train_file(&data, &out, &common::small_settings(), t, &mut |_, _, _| {}).unwrap();
    assert_eq!(o.bad_rows.values().sum::<usize>(), 2, "{:?}", o.bad_rows);
    // The fixture's 200 good rows, 9 of them held back.
    assert_eq!(o.model.metadata().rows.used, 191);
    assert_eq!(o.data.rows.len(), 191);
    assert_eq!(o.model.held_back().len(), 9);
    let m = Model::load(&out).unwrap();
    let r = evaluate_file(&m, &common::fixture()).unwrap();
    assert_eq!(r.rows, 200);
    assert_eq!(r.crossed, 0.0);
    assert!(r.salary_from.mae > 0.0 && r.predict_us_p50 > 0.0);
    let pred = dir.path().join("p.csv");
    let (n, _) = predict_csv(&m, &common::fixture(), &pred).unwrap();
    assert_eq!(n, 200);
    let mut rdr = csv::Reader::from_path(&pred).unwrap();
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["id", "name", "salary_from", "salary_to"]
    );
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 200);
    for r in &recs {
        let (f, t): (f64, f64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
        assert!(f <= t && f > 0.0);
    }
}

#[test]
fn nested_cv_and_the_training_report_agree_with_the_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let t = time::OffsetDateTime::from_unix_timestamp(0).unwrap();
    let settings = payrange_ml::fitting::settings::TrainSettings {
        nested_outer_folds: 3,
        ..common::small_settings()
    };
    let o = train_file(&common::fixture(), &out, &settings, t, &mut |_, _, _| {}).unwrap();
    let m = Model::load(&out).unwrap();
    let md = m.metadata();
    let nested = md.nested_cv.clone().unwrap();
    assert_eq!(nested.outer_folds, 3);
    assert_eq!(nested.folds.len(), 3);
    // Every row is held out exactly once.
    let held = o.nested.as_ref().unwrap();
    assert_eq!(held.held_out.len(), o.data.rows.len());
    assert_eq!(
        nested.folds.iter().map(|f| f.test_rows).sum::<usize>(),
        o.data.rows.len()
    );
    assert!(nested.metrics.salary_from.mae > 0.0);
    let levels: Vec<f64> = nested.interval.iter().map(|s| s.level).collect();
    assert_eq!(levels, vec![0.5, 0.8, 0.9, 0.95]);
    for w in nested.interval.windows(2) {
        assert!(w[0].mean_width < w[1].mean_width, "{:?}", nested.interval);
    }
    // The report shows the artifact's numbers.
    let r = payrange_ml::report::training_report(&o, None);
    let first = &r.cv_table[0];
    assert!(first.protocol.starts_with("nested 3×3"), "{first:?}");
    assert_eq!(
        first.mae,
        [
            Some(nested.metrics.salary_from.mae),
            Some(nested.metrics.salary_to.mae)
        ]
    );
    let per_fold = &r.cv_table[1];
    assert_eq!(per_fold.mae[1], Some(md.cv_metrics.metrics.salary_to.mae));
    let cal: Vec<(f64, f64)> = r
        .calibration
        .iter()
        .map(|c| (c.level, c.coverage))
        .collect();
    let want: Vec<(f64, f64)> = nested
        .interval
        .iter()
        .map(|s| (s.level, s.coverage))
        .collect();
    assert_eq!(cal, want);
    assert_eq!(r.learning_curve.len(), 5);
    assert!(r.learning_curve[0].rows < r.learning_curve[4].rows);
    assert_eq!(r.model_version, md.version);
    let html = payrange_ml::report::render(&r);
    assert!(html.contains(&md.version));
}

#[test]
fn the_bundled_adzuna_model_loads_and_predicts_annual_pounds() {
    let m = Model::bundled_adzuna().unwrap();
    let md = m.metadata();
    assert_eq!(md.currency, "GBP");
    assert!(
        md.data_file.ends_with("adzuna_jobs.csv"),
        "{}",
        md.data_file
    );
    assert!(md.rows.used > 2000, "{:?}", md.rows);
    assert!(md.calibration.is_some());
    assert_ne!(md.version, Model::bundled().unwrap().metadata().version);
    let v = VacancyText {
        name: "Senior Software Engineer",
        description: "Java and Spring developer for a fintech company in central London. \
                      Permanent role, competitive salary and benefits.",
        area: Some("London"),
    };
    let r = m.predict(&v);
    // Annual salaries in pounds: tens of thousands.
    assert!(
        r.salary_from > 15_000.0 && r.salary_from <= r.salary_to && r.salary_to < 150_000.0,
        "{r:?}"
    );
}

#[test]
fn training_holds_back_the_same_rows_and_takes_them_out_of_everything() {
    let data = common::fixture_data();
    let t = time::OffsetDateTime::from_unix_timestamp(0).unwrap();
    let s = common::small_settings();
    let r = payrange_ml::fitting::train::train_reported(&data, &s, t, &mut |_, _, _| {}).unwrap();
    let held = r.model.held_back();
    assert_eq!(held.len(), 9);
    assert_eq!(held.len() + r.data.rows.len(), data.rows.len());
    assert_eq!(r.model.metadata().rows.used, r.data.rows.len());
    assert_eq!(r.oof_logs.len(), r.data.rows.len());
    // Chosen by their text: below 5 % of the key range; none of them trained on.
    for h in held {
        assert!(text_key(&h.name, &h.description) < (0.05 * 2f64.powi(64)) as u64);
        assert!(
            !r.data
                .rows
                .iter()
                .any(|t| t.name == h.name && t.description == h.description)
        );
    }
    // Another model of the same file, at other settings, holds back the same rows.
    let other = payrange_ml::fitting::settings::TrainSettings {
        folds: 4,
        ..common::small_settings()
    };
    let m2 = payrange_ml::fitting::train::train(&data, &other, t, &mut |_, _, _| {}).unwrap();
    assert_eq!(m2.held_back(), held);
    assert_ne!(m2.metadata().version, r.model.metadata().version);
    // Share 0: nothing held back, every row trained on.
    let none = payrange_ml::fitting::settings::TrainSettings {
        held_back_share: 0.0,
        ..common::small_settings()
    };
    let r0 =
        payrange_ml::fitting::train::train_reported(&data, &none, t, &mut |_, _, _| {}).unwrap();
    assert!(r0.model.held_back().is_empty());
    assert_eq!(r0.model.metadata().rows.used, 200);
}

#[test]
fn a_model_is_scored_on_held_back_rows_through_its_predictions() {
    let m = common::small_model();
    let rows = m.held_back().to_vec();
    let s = m.score_held_back(&rows);
    let from: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.salary_from?, m.predict(&r.text()).salary_from)))
        .collect();
    let to: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.salary_to?, m.predict(&r.text()).salary_to)))
        .collect();
    let mae = |v: &[(f64, f64)]| v.iter().map(|(t, p)| (t - p).abs()).sum::<f64>() / v.len() as f64;
    assert_eq!(s.rows, 9);
    assert_eq!((s.from_rows, s.to_rows), (from.len(), to.len()));
    assert!(s.to_rows < s.rows, "{s:?}");
    assert_eq!(s.mae_from, Some(mae(&from)));
    assert_eq!(s.mae_to, Some(mae(&to)));
    assert!(s.mae_from.unwrap() > 0.0);
    // The bundled model scored on the same rows, as an upload check would compare them.
    let other = Model::bundled().unwrap().score_held_back(m.held_back());
    assert_eq!((other.from_rows, other.to_rows), (s.from_rows, s.to_rows));
    assert_ne!(other.mae_from, s.mae_from);
    // Nothing to score: no error, no MAE; a row without bounds counts as a row only.
    assert_eq!(
        m.score_held_back(&[]),
        HeldBackScore {
            rows: 0,
            from_rows: 0,
            mae_from: None,
            to_rows: 0,
            mae_to: None
        }
    );
    let bare = HeldBackRow {
        name: "Повар".into(),
        description: "Готовить".into(),
        area: None,
        salary_from: None,
        salary_to: None,
    };
    let one = m.score_held_back(&[bare]);
    assert_eq!((one.rows, one.from_rows, one.mae_from), (1, 0, None));
}

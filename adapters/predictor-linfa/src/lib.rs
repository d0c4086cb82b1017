//! SalaryPredictor adapter backed by payrange-ml's linfa-compatible model.

"""Feature table -> fitted, calibrated, evaluated model -> MLflow run and registry alias."""

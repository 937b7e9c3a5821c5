"""MLflow "model from code": the registered model as a pyfunc that returns calibrated PDs.

MLflow copies this file into each model version and runs it on load, so no pickle is stored.
The service does not use it (it reads the verified bundle directly); `mlflow models serve`
and notebooks can.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from core.bundle import load_bundle


class DistressModel(PythonModel):
    def load_context(self, context: Any) -> None:
        self.model = load_bundle(Path(context.artifacts["bundle"]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        return pd.DataFrame({"pd": self.model.predict_pd(model_input)})


mlflow.models.set_model(DistressModel())

"""`ews brief --region 26` on the small served world (``tiny_run``): the workbook always, the
PDF where Chromium is installed (slow), and a clear line instead of a PDF without it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import region_plan
from core.settings import get_settings
from serving.domain.brief_files import chromium
from tests.conftest import DemoRun


def _run(tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("EWS_DATA_DIR", str(tiny_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(tiny_run.settings.models_dir))
    app = typer.Typer()
    region_plan.register(app)
    app.command("unused")(lambda: None)  # two commands keep `brief` a named sub-command
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["brief", *args])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_the_command_writes_the_workbook_and_says_why_there_is_no_pdf(
    tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EWS_CHROMIUM", str(tmp_path / "no-chromium"))
    code, output = _run(tiny_run, monkeypatch, "--region", "26", "--out", str(tmp_path))
    assert code == 0, output
    [workbook] = tmp_path.glob("brief-26-*.xlsx")
    assert "stage" in load_workbook(workbook).sheetnames
    assert "skipped the PDF" in output and "Chromium is not installed" in output
    assert not list(tmp_path.glob("*.pdf"))


def test_bad_options_name_the_option(
    tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, output = _run(tiny_run, monkeypatch, "--region", "99", "--out", str(tmp_path))
    assert code == 2 and "--region" in output
    code, output = _run(
        tiny_run, monkeypatch, "--region", "26", "--as-of", "1999-06-30", "--out", str(tmp_path)
    )
    assert code == 2 and "--as-of" in output and "stored as-of date" in output


@pytest.mark.slow
def test_the_command_writes_the_pdf_where_chromium_is_installed(
    tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    code, output = _run(tiny_run, monkeypatch, "--region", "26", "--out", str(tmp_path))
    assert code == 0, output
    [document] = tmp_path.glob("brief-26-*.pdf")
    assert document.read_bytes()[:5] == b"%PDF-"
    assert list(tmp_path.glob("brief-26-*.xlsx"))

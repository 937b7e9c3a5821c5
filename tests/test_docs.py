"""Docs that match the code: every `ews …` command the README and docs/*.md show exists.

Each command line in a fenced block or an inline code span is cut into its `ews` commands
(at `&&`, `|`, `;` and the docs' arrows); each one's subcommand path must be one the CLI has,
`ews <path> --help` must run, and every `--option` shown must be one of that command's options.
"""

from __future__ import annotations

import importlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.S)
INLINE = re.compile(r"`([^`\n]+)`")
# Where one shown command ends and the next begins.
SEPARATORS = re.compile(r"&&|\|\||;|─►|\s\|\s|#")
# `ews` at the start of a command, after a prompt or environment assignments.
START = re.compile(r"^\s*(?:\$\s+)?(?:[A-Z_]+=\S+\s+)*ews\s+(?=[a-z])")
OPTION = re.compile(r"--[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class Shown:
    document: str
    text: str  # from `ews` on, up to the next separator

    def words(self) -> list[str]:
        """Words after `ews`: brackets of optional parts and `…` placeholders removed."""
        plain = self.text.replace("[", " ").replace("]", " ").replace("\\|", " ").replace("|", " ")
        return shlex.split(plain.replace("…", " "), posix=True)[1:]


def _commands_in(line: str) -> list[str]:
    found = []
    for piece in SEPARATORS.split(line):
        match = START.search(piece)
        if match:
            found.append("ews " + piece[match.end() :].strip().rstrip("\\").strip())
    return found


def shown_commands() -> list[Shown]:
    shown: dict[tuple[str, str], Shown] = {}
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        lines = [line for block in FENCED.findall(text) for line in block.splitlines()]
        lines += INLINE.findall(FENCED.sub("", text))
        for line in lines:
            for command in _commands_in(line):
                name = str(path.relative_to(ROOT))
                shown.setdefault((name, command), Shown(name, command))
    return list(shown.values())


SHOWN = shown_commands()
CLI = typer.main.get_command(app)
# Drift found here in a document this change does not own: (document, command) -> what is
# wrong. An entry leaves once its document is fixed (the test below fails while it is stale).
KNOWN_DRIFT: dict[tuple[str, str], str] = {}


def _case(shown: Shown) -> object:
    why = KNOWN_DRIFT.get((shown.document, shown.text))
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(shown, marks=marks, id=f"{shown.document}: {shown.text}")


def test_known_drift_is_still_shown() -> None:
    assert set(KNOWN_DRIFT) <= {(s.document, s.text) for s in SHOWN}


def resolve(words: list[str]) -> tuple[list[str], Any]:
    """The longest subcommand path the words start with, and its command."""
    path: list[str] = []
    command: Any = CLI
    for word in words:
        if not isinstance(command, TyperGroup) or word not in command.commands:
            break
        path.append(word)
        command = command.commands[word]
    return path, command


def test_the_docs_show_commands_for_every_subcommand_group() -> None:
    """The extraction finds what it should (a regex that found nothing would pass everything)."""
    shown = {" ".join(resolve(s.words())[0]) for s in SHOWN}
    assert {"demo-data", "features", "train", "promote", "serve", "score", "keys create"} <= shown
    assert any("--scheduler" in s.text and s.words()[0] == "train" for s in SHOWN)


@pytest.mark.parametrize("shown", [_case(s) for s in SHOWN])
def test_each_shown_command_and_option_exists(shown: Shown) -> None:
    words = shown.words()
    path, command = resolve(words)
    assert path, f"{shown.document}: `{shown.text}` names no ews subcommand"
    assert not isinstance(command, TyperGroup), (
        f"{shown.document}: `{shown.text}` stops at the group `ews {' '.join(path)}`"
    )
    helped = CliRunner().invoke(app, [*path, "--help"])
    assert helped.exit_code == 0, helped.output
    options = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
    shown_options = {OPTION.match(w).group(0) for w in words if OPTION.match(w)}  # type: ignore[union-attr]
    assert shown_options <= options, (
        f"{shown.document}: `ews {' '.join(path)}` has no {sorted(shown_options - options)}"
    )


def test_the_readme_links_every_document() -> None:
    """A new page under docs/ is listed in the README's Documentation section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unlisted = [
        path.name
        for path in sorted((ROOT / "docs").glob("*.md"))
        if f"(docs/{path.name})" not in readme
    ]
    assert unlisted == []


# Names that look like module paths but are not: files, and the service's logger names.
NOT_MODULES = {"features.parquet", "serving.failures", "serving.requests"}
PACKAGES = ("core", "features", "scoring", "training", "serving", "cli", "bench")
# A whole name, not the tail of tests/features/x.py or of a.serving.x.
PATH = re.compile(rf"(?<![\w/.])(?:{'|'.join((*PACKAGES, 'tests'))})/[\w/]+\.py")
DOTTED = re.compile(rf"(?<![\w/.])(?:{'|'.join(PACKAGES)})(?:\.\w+)+")


def _named_code() -> list[tuple[str, str]]:
    """Every `x/y.py` path and `x.y.z` dotted name in README.md and docs/ (not the history log)."""
    names = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if doc.name == "benchmarks-log.md":
            continue
        for span in re.findall(r"`([^`\n]+)`", doc.read_text(encoding="utf-8")):
            names += [(doc.name, name) for name in PATH.findall(span) + DOTTED.findall(span)]
    return sorted(set(names) - {(doc, name) for doc, name in names if name in NOT_MODULES})


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(found, attr):
                return False
            found = getattr(found, attr)
        return True
    return False


def test_every_module_and_file_the_docs_name_exists() -> None:
    """Code moves; the docs' `serving/x.py` and `scoring.x.f` names must move with it."""
    named = _named_code()
    assert len(named) > 50  # the collection itself works
    missing = [
        (doc, name)
        for doc, name in named
        if not ((ROOT / name).exists() if name.endswith(".py") else _resolves(name))
    ]
    assert missing == []

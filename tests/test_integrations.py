"""What other tools read: the pre-commit hook, py.typed, and the documents
that show them (docs/ci.md, docs/api.md, the README)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import litmus
from litmus.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def hooks() -> list[dict]:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_the_pre_commit_hook_runs_litmus_check_on_test_files():
    (hook,) = hooks()
    assert hook["id"] == "litmus-check"
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    program, command = hook["entry"].split()
    assert program in PYPROJECT["project"]["scripts"]
    # pre-commit runs `entry args... files...`; a hook's output shows only when it
    # fails, so its warnings are errors (--strict) or nobody would see them
    args = build_parser().parse_args([command, *hook["args"], "x.lit"])
    assert args.command == "check" and args.strict
    files = re.compile(hook["files"])
    # a commit that changes only a kinds.txt checks the tests it names
    for name in ("a.lit", "dir/b.litmus", "tests/litmus/herd/MP+dmb.sy.litmus", "kinds.txt",
                 "tests/herd/kinds.txt"):
        assert files.search(name), name
    for name in ("c.py", "d.literal", "e.lit.bak", "f.litmus~", "mykinds.txt",
                 "kinds.txt.orig", "kinds.txt/x.py"):
        assert not files.search(name), name


def test_the_readme_shows_the_hook_in_three_lines():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text[text.index("**pre-commit**"):], re.DOTALL)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 3
    assert lines[0].strip().startswith("- repo:") and lines[1].strip().startswith("rev:")
    assert "litmus-check" in lines[2]


def test_py_typed_is_shipped():
    assert (ROOT / "litmus" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["litmus"]


def test_the_api_reference_covers_every_public_name():
    text = (ROOT / "docs" / "api.md").read_text()
    for name in litmus.__all__:
        if name.startswith("__"):
            continue
        assert f"`{name}" in text or f"### `{name}`" in text, name
    for name in ("Model.from_text", "Model.from_file", "check_many", "explain()", "witness()",
                 "to_dot()"):
        assert name in text, name


def test_the_ci_page_runs_litmus_check_with_junit_cache_and_jobs():
    text = (ROOT / "docs" / "ci.md").read_text()
    for system in ("GitHub Actions", "GitLab CI"):
        assert f"## {system}" in text
    commands = re.findall(r"litmus check [^\n`]*", text)
    runs = [c for c in commands if "--junit" in c and "-j" in c and "--cache" in c]
    assert len(runs) >= 2, commands
    assert "litmus check --junit report.xml" in text
    assert "reports:\n      junit:" in text  # GitLab reads the JUnit file


def test_no_install_command_names_pypis_litmus():
    """`pip install 'litmus[dask]'` would install PyPI's project called litmus
    (another one): the documents and messages say '.[dask]', a git URL or
    dask[distributed] instead."""
    texts = {p: p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
                                        *(ROOT / "litmus").rglob("*.py")]}
    for path, text in texts.items():
        for m in re.finditer(r"litmus\[[a-z,]+\]", text):
            assert text[m.end():].startswith(" @ git+"), f"{path}: {text[m.start():][:60]}"

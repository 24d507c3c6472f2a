"""Fast start: what `import litmus`, `litmus --help` and `litmus --version`
load, the lazy public API, and the grammar tables cached across processes.

Each check runs in a fresh interpreter (the test process has long imported
everything) and asserts the mechanism, not a time: no heavy module is loaded
before a command needs it, and a second process reads the parser tables the
first one built instead of building them again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cliutil import MP

import litmus

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("z3", "networkx", "lark", "rich")


def fresh(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter that imports this working copy."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full, cwd=ROOT, timeout=120, check=False)


LOADED = f"""
import json, sys
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def heavy_after(code: str) -> list[str]:
    p = fresh(code + LOADED)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_the_heavy_modules_are_real_dependencies():
    # the check below means something only if these names are what the engine loads
    assert heavy_after(f"import litmus; litmus.check(litmus.parse({MP!r}))") == sorted(
        ["z3", "networkx", "lark"])


@pytest.mark.parametrize("code", [
    "import litmus",
    "import litmus.cli",
    "import litmus.api",
    "import litmus.report",
    "import litmus.library",
    "import litmus.syntax.grammar",
    "import litmus.pytest_plugin",
    "import litmus.cli; litmus.cli.build_parser()",
    "import litmus; litmus.Model; litmus.Test; litmus.ParseError; litmus.__version__",
])
def test_importing_loads_no_heavy_module(code):
    assert heavy_after(code) == []


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["check", "--help"],
                                  ["run", "--help"], []])
def test_help_and_version_load_no_heavy_module(argv):
    code = f"""
import sys
from litmus.cli import main
try:
    main({argv!r})
except SystemExit as exc:
    print('exit', exc.code, file=sys.stderr)
"""
    p = fresh(code + LOADED)
    assert "exit" in p.stderr, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == []


def test_the_litmus_program_prints_its_version():
    p = subprocess.run([sys.executable, "-m", "litmus", "--version"], capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
                       check=False)
    assert p.returncode == 0
    assert p.stdout.strip() == f"litmus {litmus.__version__}"


def test_importing_the_parsers_builds_no_grammar():
    p = fresh("import litmus.syntax.dsl as d, litmus.syntax.cat as c\n"
              "print(d._PARSER is None and c._parser is None)")
    assert p.stdout.strip() == "True", p.stderr


# --------------------------------------------------------------------------- the lazy API


def test_every_public_name_resolves_and_is_listed():
    for name in litmus.__all__:
        assert getattr(litmus, name) is not None, name
    assert set(litmus.__all__) <= set(dir(litmus))
    for name in ("check", "load", "Result", "Model", "fix", "Explanation", "Execution"):
        assert name in litmus.__all__


def test_lazy_names_are_the_real_objects():
    from litmus.api import check, events, load
    from litmus.enumerate import Result
    from litmus.explain.fix import fix
    from litmus.model import Model

    assert litmus.check is check and litmus.load is load and litmus.fix is fix
    assert litmus.Result is Result and litmus.Model is Model
    assert litmus.events is events


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        litmus.nope  # noqa: B018
    assert not hasattr(litmus, "nope")


def test_events_stays_the_api_function_when_its_submodule_is_imported_first():
    # `litmus.events` is also a submodule (the event builder); importing it must
    # not replace the API function the package exports under that name
    p = fresh("import litmus.events, litmus\n"
              "from litmus.events import build_events\n"
              "print(litmus.events.__module__, callable(litmus.events))")
    assert p.stdout.split() == ["litmus.api", "True"], p.stderr


# --------------------------------------------------------------------------- grammar cache

PARSE_BOTH = f"""
import litmus
from litmus.syntax.cat import parse_cat
t = litmus.parse({MP!r})
m = parse_cat('"t"\\nlet r = po | rf\\nacyclic r as ax\\n')
print(t.name, len(m.stmts))
"""


def grammar_files(cache: Path) -> list[str]:
    d = cache / "grammars"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def test_grammar_tables_are_built_once_and_read_back(tmp_path):
    env = {"LITMUS_CACHE_DIR": str(tmp_path)}
    first = fresh(PARSE_BOTH, env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["MP", "2"]
    names = grammar_files(tmp_path)
    assert [n.split("-")[0] for n in names] == ["cat", "dsl"]
    assert all(n.endswith(".lark") for n in names)  # no temporary file left behind
    # a second process must not build the tables: building goes through
    # Lark.__init__, which now refuses
    no_build = "import lark\ndef refuse(*a, **k): raise SystemExit('tables rebuilt')\n" \
               "lark.Lark.__init__ = refuse\n"
    second = fresh(no_build + PARSE_BOTH, env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["MP", "2"]
    assert grammar_files(tmp_path) == names


def test_read_only_cache_location_falls_back_to_building_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    p = fresh(PARSE_BOTH, {"LITMUS_CACHE_DIR": str(blocker / "cache")})
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["MP", "2"]
    assert p.stderr == ""
    assert blocker.read_text() == "not a directory"


def test_a_corrupt_cache_file_is_rebuilt_and_replaced(tmp_path):
    env = {"LITMUS_CACHE_DIR": str(tmp_path)}
    assert fresh(PARSE_BOTH, env).returncode == 0
    assert len(grammar_files(tmp_path)) == 2
    for name in grammar_files(tmp_path):
        (tmp_path / "grammars" / name).write_bytes(b"\x80\x05garbage")
    p = fresh(PARSE_BOTH, env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["MP", "2"] and p.stderr == ""
    for name in grammar_files(tmp_path):
        assert (tmp_path / "grammars" / name).stat().st_size > 1000


def test_cache_file_names_change_with_the_grammar(monkeypatch, tmp_path):
    from litmus.syntax.grammar import cache_file

    monkeypatch.setenv("LITMUS_CACHE_DIR", str(tmp_path))
    a = cache_file("dsl", "start: A\nA: \"a\"\n", {"parser": "lalr"})
    b = cache_file("dsl", "start: A\nA: \"b\"\n", {"parser": "lalr"})
    c = cache_file("dsl", "start: A\nA: \"a\"\n", {"parser": "lalr", "lexer": "basic"})
    assert len({a, b, c}) == 3
    assert a.parent == tmp_path / "grammars"
    # the objects given again at each load are not part of the key, except the
    # terminals a post-lexer keeps, which the tables are built with
    assert cache_file("dsl", "g", {"postlex": object()}) == cache_file("dsl", "g", {})

    class PostLex:
        always_accept = ("_NL",)

    assert cache_file("dsl", "g", {"postlex": PostLex()}) != cache_file("dsl", "g", {})


def test_user_cache_dir(monkeypatch, tmp_path):
    from litmus.cachedir import user_cache_dir

    monkeypatch.setenv("LITMUS_CACHE_DIR", str(tmp_path / "x"))
    assert user_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("LITMUS_CACHE_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert user_cache_dir() == tmp_path / "litmus"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
        assert user_cache_dir() == Path.home() / ".cache" / "litmus"

"""Models from a file or from text in the Python API: litmus.Model.from_text,
Model.from_file, and check/check_models/explain/fix given a Model."""

from __future__ import annotations

from pathlib import Path

import pytest
from cliutil import MP

import litmus
from litmus.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
DOORBELL2 = ROOT / "tests" / "litmus" / "mmio" / "doorbell-two-peripherals.lit"


SC = '"my SC"\nacyclic po | rf | co | fr as sc\n'
# a model that allows everything (no axiom)
ANYTHING = '"anything goes"\nlet r = po\n'


def states(result: litmus.Result) -> list[str]:
    return [str(s) for s in result.states]


def test_check_with_a_model_from_text():
    test = litmus.parse(MP)
    mine = litmus.Model.from_text(SC, name="mysc")
    r = litmus.check(test, model=mine)
    assert r.model == "mysc"
    assert r.observation == "never"
    assert states(r) == states(litmus.check(test, "sc"))
    loose = litmus.check(test, litmus.Model.from_text(ANYTHING, name="loose"))
    assert loose.observation == "sometimes"
    assert len(loose.states) == 4


def test_a_model_from_text_can_build_on_a_bundled_one():
    test = litmus.load(DOORBELL2)
    mine = litmus.Model.from_text('"mine"\ninclude "device.cat"\n', name="mydevice")
    assert states(litmus.check(test, mine)) == states(litmus.check(test, "device"))
    assert litmus.check(test, mine).observation == "sometimes"


def test_model_from_text_errors_are_at_the_name_line_and_column():
    with pytest.raises(ModelError) as e:
        litmus.Model.from_text('"x"\nacyclic po |\n', name="broken")
    assert str(e.value).startswith("broken:3:")
    with pytest.raises(ModelError, match=r"^broken:2:1: cannot find included model 'nope.cat'"):
        litmus.Model.from_text('"x"\ninclude "nope.cat"\n', name="broken")


def test_model_from_text_does_not_include_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "extra.cat").write_text('"extra"\nlet r = po\n')
    monkeypatch.chdir(tmp_path)
    text = '"x"\ninclude "extra.cat"\nacyclic r as ax\n'
    with pytest.raises(ModelError, match="cannot find included model 'extra.cat'"):
        litmus.Model.from_text(text, name="x")
    m = litmus.Model.from_text(text, name="x", search_path=[tmp_path])
    # only po acyclic: MP's outcome is allowed
    assert litmus.check(litmus.parse(MP), m).observation == "sometimes"


def test_model_from_file(tmp_path):
    path = tmp_path / "my.cat"
    path.write_text(SC)
    m = litmus.Model.from_file(path)
    assert m.label == str(path) and m.title == "my SC"
    r = litmus.check(litmus.parse(MP), m)
    assert r.model == str(path)
    assert states(r) == states(litmus.check(litmus.parse(MP), path))
    bundled = litmus.Model.from_file(MODELS / "aarch64.cat")  # its includes are found
    assert litmus.check(litmus.parse(MP), bundled).observation == "sometimes"
    with pytest.raises(ModelError, match="no such file"):
        litmus.Model.from_file(tmp_path / "missing.cat")


def test_check_models_and_explain_with_model_objects():
    test = litmus.parse(MP)
    mine = litmus.Model.from_text(SC, name="mysc")
    got = litmus.check_models(test, ["arm", mine, "tso"])
    assert [(r.model, r.observation) for r in got] == [
        ("arm", "sometimes"), ("mysc", "never"), ("tso", "never")]
    # the result remembers the model it was checked under, so explaining it
    # does not look "mysc" up as a bundled name
    x = got[1].explain()
    assert x.model == "mysc" and not x.allowed
    assert "sc" in x.reason()
    assert got[1].witness() is None
    assert "digraph" in got[1].to_dot()
    assert got[0].model_def is None  # named models keep their name only


def test_fix_under_a_model_object():
    mine = litmus.Model.from_text('"mine"\ninclude "device.cat"\n', name="mydevice")
    fixes = litmus.fix(litmus.load(DOORBELL2), mine, max_fixes=1, max_edits=1)
    assert fixes and fixes[0].model == "mydevice" and fixes[0].observation == "never"

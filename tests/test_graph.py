"""Pictures of executions: the DOT text (nodes, a column per thread, labelled
edges, the explanation's cycle), SVG and PNG through Graphviz, and the
command line's `litmus graph` (its one message when Graphviz is missing)."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import litmus
from litmus.cli import main
from litmus.explain import explain
from litmus.explain.graph import render

ROOT = Path(__file__).resolve().parent.parent
MP = ROOT / "tests" / "litmus" / "MP.lit"
DOORBELL = ROOT / "examples" / "doorbell.lit"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def dot_program() -> str:
    """Graphviz's dot: skip without it, but fail under CI (which installs it)."""
    path = shutil.which("dot")
    if path is None:
        why = "Graphviz's dot is not installed (Debian package graphviz)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI is set and .ci/run installs it", pytrace=False)
        pytest.skip(why)
    return path


@pytest.fixture
def no_dot(tmp_path, monkeypatch) -> None:
    """A PATH on which no dot can be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# --------------------------------------------------------------------------- reading DOT

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')


def attrs(text: str) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(text):
        if v.startswith('"'):
            v = v[1:-1].replace("\\l", "\n").replace('\\"', '"').replace("\\\\", "\\")
        out[k] = v.rstrip("\n")
    return out


def nodes(dot: str) -> dict[int, dict[str, str]]:
    """Each node ``eN`` and its attributes, in the order of the text."""
    return {int(m.group(1)): attrs(m.group(2))
            for m in re.finditer(r"^\s*e(\d+) \[(.*)\];$", dot, re.MULTILINE)}


def edges(dot: str) -> list[tuple[int, int, dict[str, str]]]:
    """The visible edges ``eA -> eB`` with their attributes."""
    out = []
    for m in re.finditer(r"^\s*e(\d+) -> e(\d+) \[(.*)\];$", dot, re.MULTILINE):
        a = attrs(m.group(3))
        if a.get("style") != "invis":
            out.append((int(m.group(1)), int(m.group(2)), a))
    return out


def clusters(dot: str) -> dict[str, tuple[str, list[int]]]:
    """Each cluster: its label and the nodes declared in it, in order."""
    out = {}
    for m in re.finditer(r"subgraph (cluster_\w+) \{ label=\"([^\"]*)\";.*?\n(.*?)\n  \}",
                         dot, re.DOTALL):
        out[m.group(1)] = (m.group(2), [int(n) for n in re.findall(r"^\s*e(\d+) \[label",
                                                                      m.group(3), re.MULTILINE)])
    return out


def by_label(dot: str) -> dict[str, int]:
    """Node ids by the first line of their label (``a: Wx=1``)."""
    return {a["label"].split("\n")[0]: n for n, a in nodes(dot).items()}


def edge(dot: str, src: int, dst: int, label: str) -> dict[str, str]:
    found = [a for s, d, a in edges(dot) if (s, d) == (src, dst)
             and a.get("label", "").split(" ")[0].split("\n")[0] == label]
    assert found, f"no {label} edge e{src} -> e{dst} in\n{dot}"
    return found[0]


# --------------------------------------------------------------------------- DOT


@pytest.fixture(scope="module")
def mp_arm():
    return explain(MP, "arm")


@pytest.fixture(scope="module")
def doorbell_device():
    return explain(DOORBELL, "device")


def test_witness_nodes_are_labelled_as_herd_labels_them(mp_arm):
    dot = mp_arm.to_dot()
    assert dot.startswith("digraph G {") and dot.rstrip().endswith("}")
    labels = {a["label"] for a in nodes(dot).values()}
    assert {"a: Wx=1\nline 6: STR #1, [x]", "b: Wy=1\nline 7: STR #1, [y]",
            "c: Ry=1\nline 10: LDR r0, [y]", "d: Rx=0\nline 11: LDR r1, [x]"} <= labels
    assert {"Wx=0\ninitial value", "Wy=0\ninitial value"} <= labels
    assert len(nodes(dot)) == 6


def test_witness_has_one_column_per_thread_in_program_order(mp_arm):
    dot = mp_arm.to_dot()
    n = by_label(dot)
    cl = clusters(dot)
    assert cl["cluster_t0"] == ("P0 (CPU)", [n["a: Wx=1"], n["b: Wy=1"]])
    assert cl["cluster_t1"] == ("P1 (CPU)", [n["c: Ry=1"], n["d: Rx=0"]])
    assert cl["cluster_init"][0] == "initial state"
    assert sorted(cl["cluster_init"][1]) == sorted([n["Wx=0"], n["Wy=0"]])
    # the initial writes sit above every thread's first event
    for i in (n["Wx=0"], n["Wy=0"]):
        for first in (n["a: Wx=1"], n["c: Ry=1"]):
            assert f"e{i} -> e{first} [style=invis];" in dot


def test_witness_edges_are_labelled_and_coloured(mp_arm):
    dot = mp_arm.to_dot()
    n = by_label(dot)
    # rf from P0's write of y to P1's read of y: on the cycle, so named rfe, bold
    rf = edge(dot, n["b: Wy=1"], n["c: Ry=1"], "rfe")
    assert rf["color"] == "red" and rf["penwidth"] == "3"
    # fr from P1's read of x to P0's write of x
    fr = edge(dot, n["d: Rx=0"], n["a: Wx=1"], "fre")
    assert fr["color"] == "#ffa040"
    # po within each thread; the model keeps neither: dashed
    for a, b in (("a: Wx=1", "b: Wy=1"), ("c: Ry=1", "d: Rx=0")):
        po = edge(dot, n[a], n[b], "po")
        assert po["color"] == "black" and po["style"] == "dashed"
        assert "not ordered" in po["label"]
    # the read of x reads the initial write; co from the initial writes
    assert edge(dot, n["Wx=0"], n["d: Rx=0"], "rf")["color"] == "red"
    assert edge(dot, n["Wx=0"], n["a: Wx=1"], "co")["color"] == "blue"
    assert edge(dot, n["Wy=0"], n["b: Wy=1"], "co")["color"] == "blue"
    # no po across threads, none from the initial state
    for s, d, a in edges(dot):
        if a.get("label", "").startswith("po"):
            assert mp_arm.witness.event(s).thread == mp_arm.witness.event(d).thread
    assert "allowed" in dot.split("\n")[1]


def test_forbidden_outcome_draws_the_axioms_cycle(doorbell_device):
    x = doorbell_device
    assert not x.allowed and x.violations
    dot = x.to_dot()
    title = attrs(dot.split("\n")[1])["label"]
    assert "forbidden" in title and f"axiom {x.violations[0].axiom}" in title
    n = by_label(dot)
    d1 = edge(dot, n["a: Wcfg=2863289685"], n["b: Wdoorbell=1"], "d1-nR")
    assert d1["penwidth"] == "3" and d1["color"] == "brown"
    assert "D1 nR" in d1["tooltip"]
    # every step of the axiom's cycle is a bold edge with the step's relation
    for s in x.violations[0].steps:
        assert edge(dot, s.src, s.dst, s.label)["penwidth"] == "3"
    # the device agent's column and the device accesses are marked
    cl = clusters(dot)
    assert cl["cluster_t1"][0] == "NIC (device agent)"
    assert 'subgraph cluster_t1 { label="NIC (device agent)"; color="darkorange3"; ' \
           'style="filled' in dot
    assert 'label="P0 (CPU)"; color="magenta";' in dot
    cfg = nodes(dot)[n["a: Wcfg=2863289685"]]
    assert "device-nGnRE @nic" in cfg["label"] and cfg["style"] == "filled"


def test_result_to_dot_draws_the_condition(doorbell_device):
    r = litmus.check(DOORBELL, "device")
    dot = r.to_dot()
    assert "d1-nR" in dot and "forbidden" in dot
    allowed = litmus.check(DOORBELL, "arm").to_dot("NIC:r0=1 /\\ NIC:r1=0")
    assert "is allowed" in allowed


def test_an_impossible_outcome_is_a_note():
    dot = explain(MP, "arm", "P1:r0=7").to_dot()
    assert "impossible" in dot and "note [shape=box" in dot and "->" not in dot


# --------------------------------------------------------------------------- Graphviz


def test_svg_is_valid_xml_with_one_node_group_per_event(mp_arm, doorbell_device, dot_program):
    for x in (mp_arm, doorbell_device):
        dot = x.to_dot()
        svg = render(dot, "svg")
        root = ET.fromstring(svg)
        groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g")
                  if g.get("class") == "node"]
        assert len(groups) == len(nodes(dot))
        titles = {g.find("{http://www.w3.org/2000/svg}title").text for g in groups}
        assert titles == {f"e{n}" for n in nodes(dot)}


def test_cli_writes_svg_png_and_dot(tmp_path, capsys, dot_program):
    svg, png, dot = tmp_path / "mp.svg", tmp_path / "mp.png", tmp_path / "mp.dot"
    assert main(["graph", str(MP), "-m", "arm", "-o", str(svg)]) == 0
    assert "allowed" in capsys.readouterr().out
    ET.parse(svg)
    assert main(["graph", str(DOORBELL), "-m", "device", "-o", str(png)]) == 0
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert main(["graph", str(MP), "--outcome", "P1:r0=1 /\\ P1:r1=0", "-o", str(dot)]) == 0
    assert dot.read_text().startswith("digraph G {")


def test_cli_without_graphviz_says_how_to_get_it(tmp_path, capsys, no_dot):
    out = tmp_path / "mp.svg"
    code = main(["graph", str(MP), "-o", str(out)])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Graphviz" in err and "apt-get install graphviz" in err and ".dot" in err
    assert not out.exists()
    with pytest.raises(litmus.UsageError, match="Graphviz"):
        render("digraph G {}", "png")


def test_cli_dot_needs_no_graphviz(tmp_path, capsys, no_dot):
    out = tmp_path / "mp.dot"
    assert main(["graph", str(MP), "-o", str(out)]) == 0
    assert "d: Rx=0" in out.read_text()
    capsys.readouterr()
    assert main(["graph", str(MP)]) == 0  # no -o: DOT on standard output
    assert capsys.readouterr().out.startswith("digraph G {")


@pytest.mark.parametrize("argv, message", [
    (["-o", "mp.pdf"], "expected .dot, .svg or .png"),
    (["-m", "arm,sc", "-o", "mp.dot"], "one model at a time"),
    (["--outcome", "P9:r0=1", "-o", "mp.dot"], "unknown thread"),
])
def test_cli_usage_errors(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", str(MP), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_graph_of_a_directory_is_an_error(capsys):
    assert main(["graph", str(ROOT / "examples")]) == 2
    assert "one test" in capsys.readouterr().err

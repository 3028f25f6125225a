"""Evidence exports of a campaign alert: GraphML that a graph tool can read, CSV with stable ids, and
the `choruswatch export` command on stored alerts."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from choruswatch.export_cmd import ExportError, export, register
from choruswatch.exports import (
    ACCOUNT_COLUMNS,
    EVIDENCE_COLUMNS,
    accounts_csv,
    edges_csv,
    evidence_csv,
    graphml,
    write_exports,
)
from schemas.alert_v2 import alert_v2_to_cloudevent
from tests.factories import make_alert_v2

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_accounts_csv_has_one_row_per_node_with_stable_ids() -> None:
    alert = make_alert_v2()
    table = rows(accounts_csv(alert))
    assert list(table[0]) == list(ACCOUNT_COLUMNS)
    assert [r["account_id"] for r in table] == ["u0", "u1", "u2"]
    assert table[0]["handle"] == "" and table[1]["handle"] == "@bot1"
    assert table[2]["age_days"] == "6.0" and table[2]["new_account"] == "true"


def test_edges_and_evidence_csv_name_the_posts_behind_each_edge() -> None:
    alert = make_alert_v2()
    edges = rows(edges_csv(alert))
    assert [(e["source"], e["target"], e["weight"], e["co_actions"]) for e in edges] == [
        ("u0", "u1", "2.5", "3"),
        ("u0", "u2", "1", "1"),
    ]
    assert edges[0]["evidence_pairs"] == "m1 m2 3.5s theme:thm-01; m4 m5 8s link:https://example.org/a,b"
    evidence = rows(evidence_csv(alert))
    assert list(evidence[0]) == list(EVIDENCE_COLUMNS)
    # A comma in a link is quoted, not a column break.
    assert evidence[1] == {
        "source": "u0",
        "target": "u1",
        "mention_a": "m4",
        "mention_b": "m5",
        "gap_s": "8",
        "object_kind": "link",
        "object_id": "https://example.org/a,b",
    }


def test_graphml_parses_with_typed_attributes() -> None:
    alert = make_alert_v2(summary='quotes " and <tags> & ampersands')
    root = ET.fromstring(graphml(alert))
    keys = {
        k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.findall("g:key", NS)
    }
    assert keys["d1"] == ("node", "posts", "int") and keys["e0"] == ("edge", "weight", "double")
    graph = root.find("g:graph", NS)
    assert graph is not None and graph.get("edgedefault") == "undirected"
    nodes = {
        n.get("id"): {d.get("key"): d.text for d in n.findall("g:data", NS)}
        for n in graph.findall("g:node", NS)
    }
    assert set(nodes) == {"u0", "u1", "u2"}
    assert nodes["u1"]["d0"] == "@bot1" and nodes["u0"].get("d0") is None  # no handle: no data element
    edges = graph.findall("g:edge", NS)
    assert [(e.get("source"), e.get("target")) for e in edges] == [("u0", "u1"), ("u0", "u2")]
    summary = [d.text for d in graph.findall("g:data", NS) if d.get("key") == "g4"]
    assert summary == ['quotes " and <tags> & ampersands']


def test_graphml_adds_endpoints_beyond_the_listed_nodes() -> None:
    alert = make_alert_v2()
    alert = make_alert_v2(network=type(alert.network)(alert.network.nodes[:1], alert.network.edges, 3, 2))
    root = ET.fromstring(graphml(alert))
    ids = {n.get("id") for n in root.iter(f"{{{NS['g']}}}node")}
    assert ids == {"u0", "u1", "u2"}


def test_write_exports_and_the_export_command(tmp_path: Path) -> None:
    first = make_alert_v2(revision=1, status="open")
    latest = make_alert_v2(revision=2)
    other = make_alert_v2(alert_id="cwc-0b0b", campaign=latest.campaign)
    v1_line = {"schema_version": "1", "alert_id": "cw-1", "revision": 1}
    stored = tmp_path / "alerts.jsonl"
    stored.write_text(
        "".join(
            json.dumps(x) + "\n"
            for x in (
                first.to_dict(),
                v1_line,
                alert_v2_to_cloudevent(latest, source="urn:x"),
                other.to_dict(),
            )
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    paths = export(stored.read_text(encoding="utf-8"), out, alert_id="cwc-00ff")
    assert [p.name for p in paths] == [
        "cwc-00ff.graphml",
        "cwc-00ff-accounts.csv",
        "cwc-00ff-edges.csv",
        "cwc-00ff-evidence.csv",
    ]
    ET.parse(paths[0])  # well-formed on disk
    assert len(export(stored.read_text(encoding="utf-8"), out)) == 8  # both campaign alerts
    assert write_exports(latest, tmp_path / "w")[1].read_text(encoding="utf-8") == accounts_csv(latest)
    with pytest.raises(ExportError, match="no campaign alert 'cwc-nope'"):
        export(stored.read_text(encoding="utf-8"), out, alert_id="cwc-nope")
    with pytest.raises(ExportError, match="not a valid Alert v2"):
        export(json.dumps({**latest.to_dict(), "score": 7}), out)
    with pytest.raises(ExportError, match="no campaign alert"):
        export(json.dumps(v1_line), out)


def test_export_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from choruswatch.cli import main

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    stored = tmp_path / "one.json"
    stored.write_text(json.dumps(make_alert_v2().to_dict(), indent=2), encoding="utf-8")
    assert main(["export", str(stored), "--out", str(tmp_path / "cli")]) == 0  # registered in the CLI
    assert (tmp_path / "cli" / "cwc-00ff.graphml").exists()
    capsys.readouterr()
    args = parser.parse_args(["export", str(stored), "--out", str(tmp_path / "o")])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("cwc-00ff.graphml")
    args = parser.parse_args(["export", str(tmp_path / "missing.json")])
    assert args.func(args) == 2
    assert "cannot read" in capsys.readouterr().err

"""Evidence exports of a campaign alert (Alert v2) in the formats the field uses.

* **GraphML** for Gephi (and igraph, networkx, Cytoscape): the campaign's account network, nodes with
  handle, posts, account age, followers and flags, edges with co-action weight, count, fast share,
  symmetry and their evidence pairs as text;
* **CSV** of accounts (one row per account, stable ids first), of edges, and of edge evidence (one row
  per pair of posts behind an edge: the two mention ids, the time gap and the shared object), which is
  what analysts ask for to check an edge (QUT coordination toolkit issue 45, CooRTweet issue 25).

The functions returning text are pure and take an :class:`~schemas.alert_v2.AlertV2`;
:func:`write_exports` writes the four files of one alert into a folder. An alert lists at most 200
nodes and the 50 strongest edges (see the schema); ``network.node_count`` / ``edge_count`` say how
many there were, and the GraphML records both as graph attributes.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from schemas.alert_v2 import AlertV2, NetworkEdge, NetworkNode
from schemas.models import format_timestamp

__all__ = [
    "ACCOUNT_COLUMNS",
    "EDGE_COLUMNS",
    "EVIDENCE_COLUMNS",
    "accounts_csv",
    "edges_csv",
    "evidence_csv",
    "export_paths",
    "graphml",
    "write_exports",
]

ACCOUNT_COLUMNS: Final = (
    "account_id",
    "handle",
    "posts",
    "created_at",
    "age_days",
    "followers",
    "new_account",
    "low_followers",
    "allowlisted",
)
EDGE_COLUMNS: Final = ("source", "target", "weight", "co_actions", "fast", "symmetry", "evidence_pairs")
EVIDENCE_COLUMNS: Final = ("source", "target", "mention_a", "mention_b", "gap_s", "object_kind", "object_id")
_NS: Final = "http://graphml.graphdrawing.org/xmlns"
# GraphML attribute declarations: (key id, domain, name, type).
_KEYS: Final = (
    ("d0", "node", "handle", "string"),
    ("d1", "node", "posts", "int"),
    ("d2", "node", "created_at", "string"),
    ("d3", "node", "age_days", "double"),
    ("d4", "node", "followers", "long"),
    ("d5", "node", "new_account", "boolean"),
    ("d6", "node", "low_followers", "boolean"),
    ("d7", "node", "allowlisted", "boolean"),
    ("e0", "edge", "weight", "double"),
    ("e1", "edge", "co_actions", "int"),
    ("e2", "edge", "fast", "int"),
    ("e3", "edge", "symmetry", "double"),
    ("e4", "edge", "evidence", "string"),
    ("g0", "graph", "alert_id", "string"),
    ("g1", "graph", "revision", "int"),
    ("g2", "graph", "node_count", "int"),
    ("g3", "graph", "edge_count", "int"),
    ("g4", "graph", "summary", "string"),
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _node_row(node: NetworkNode) -> list[str]:
    created = None if node.created_at is None else format_timestamp(node.created_at)
    return [
        _text(v)
        for v in (
            node.account_id,
            node.handle,
            node.posts,
            created,
            node.age_days,
            node.followers,
            node.new_account,
            node.low_followers,
            node.allowlisted,
        )
    ]


def _evidence_text(edge: NetworkEdge) -> str:
    """Evidence pairs as one readable field: ``m1 m2 3.5s theme:thm-01; ...``."""
    return "; ".join(
        f"{e.mention_ids[0]} {e.mention_ids[1]} {e.gap_s:g}s {e.object_kind}:{e.object_id}"
        for e in edge.evidence
    )


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def accounts_csv(alert: AlertV2) -> str:
    """One row per account of the campaign network (most active first, as in the alert)."""
    return _csv(ACCOUNT_COLUMNS, [_node_row(n) for n in alert.network.nodes])


def edges_csv(alert: AlertV2) -> str:
    """One row per edge: the pair, decayed weight, co-actions, fast co-actions, symmetry, evidence."""
    rows = [
        [
            e.source,
            e.target,
            f"{e.weight:g}",
            str(e.co_actions),
            str(e.fast),
            f"{e.symmetry:g}",
            _evidence_text(e),
        ]
        for e in alert.network.edges
    ]
    return _csv(EDGE_COLUMNS, rows)


def evidence_csv(alert: AlertV2) -> str:
    """One row per pair of posts behind an edge."""
    rows = [
        [
            e.source,
            e.target,
            ev.mention_ids[0],
            ev.mention_ids[1],
            f"{ev.gap_s:g}",
            ev.object_kind,
            ev.object_id,
        ]
        for e in alert.network.edges
        for ev in e.evidence
    ]
    return _csv(EVIDENCE_COLUMNS, rows)


def graphml(alert: AlertV2) -> str:
    """The campaign network as GraphML (undirected), readable by Gephi."""
    ET.register_namespace("", _NS)
    root = ET.Element(f"{{{_NS}}}graphml")
    for key, domain, name, kind in _KEYS:
        ET.SubElement(root, f"{{{_NS}}}key", {"id": key, "for": domain, "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, f"{{{_NS}}}graph", {"id": alert.alert_id, "edgedefault": "undirected"})
    net = alert.network
    for key, value in (
        ("g0", alert.alert_id),
        ("g1", alert.revision),
        ("g2", net.node_count),
        ("g3", net.edge_count),
        ("g4", alert.summary),
    ):
        _data(graph, key, value)
    for node in net.nodes:
        el = ET.SubElement(graph, f"{{{_NS}}}node", {"id": node.account_id})
        for key, value in zip(
            ("d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"), _node_row(node)[1:], strict=True
        ):
            if value != "":
                _data(el, key, value)
    listed = {n.account_id for n in net.nodes}
    for i, edge in enumerate(net.edges):
        for end in (edge.source, edge.target):
            if end not in listed:  # an edge to an account beyond the 200 listed nodes
                listed.add(end)
                ET.SubElement(graph, f"{{{_NS}}}node", {"id": end})
        el = ET.SubElement(
            graph, f"{{{_NS}}}edge", {"id": f"e{i}", "source": edge.source, "target": edge.target}
        )
        for key, value in (
            ("e0", f"{edge.weight:g}"),
            ("e1", edge.co_actions),
            ("e2", edge.fast),
            ("e3", f"{edge.symmetry:g}"),
            ("e4", _evidence_text(edge)),
        ):
            _data(el, key, value)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _data(parent: ET.Element, key: str, value: object) -> None:
    if value is None:
        return
    el = ET.SubElement(parent, f"{{{_NS}}}data", {"key": key})
    el.text = _text(value)


def export_paths(alert: AlertV2, directory: Path) -> dict[str, Path]:
    """Where :func:`write_exports` puts each file of one alert."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in alert.alert_id)
    return {
        "graphml": directory / f"{stem}.graphml",
        "accounts": directory / f"{stem}-accounts.csv",
        "edges": directory / f"{stem}-edges.csv",
        "evidence": directory / f"{stem}-evidence.csv",
    }


def write_exports(alert: AlertV2, directory: Path) -> list[Path]:
    """Write the GraphML and the three CSV files of one alert into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = export_paths(alert, directory)
    contents = {
        "graphml": graphml(alert),
        "accounts": accounts_csv(alert),
        "edges": edges_csv(alert),
        "evidence": evidence_csv(alert),
    }
    for name, path in paths.items():
        path.write_text(contents[name], encoding="utf-8")
    return list(paths.values())

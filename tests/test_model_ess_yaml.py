"""rtclint.model.ess_yaml reads ESS values' own YAML without rtclint's parsers: the same
answers the rules got when they walked the nodes with the parsers' helpers."""

import pytest

from rtclint.document import Document, Span
from rtclint.model import Deployment, EssValues
from rtclint.model.ess_yaml import ess_exposed_ports, ess_livekit_auth

VALUES = {
    "pinned": "serverName: example.com\nmatrixRTC:\n  sfu:\n    exposedServices:\n"
              "      rtcTcp:\n        port: 30881\n      rtcMuxedUdp:\n        port: 0x7782\n",
    "odd": "matrixRTC:\n  sfu:\n    exposedServices:\n      a: {port: '30881'}\n      b: {port: yes}\n"
           "      c: {port: 1_000}\n      d: [1]\n      e: {port: 3.5}\n",
    "two documents": "matrixRTC:\n  sfu: {exposedServices: {a: {port: 1}}}\n---\n"
                     "matrixRTC:\n  sfu: {exposedServices: {b: {port: 2}}}\n",
    "broken": "matrixRTC: [\n",
    "auth": "matrixRTC:\n  livekitAuth:\n    key: devkey\n    secret:\n      value: 'not-a-real-secret'\n",
}


def deployment(text: str) -> tuple[Deployment, EssValues]:
    doc = Document.from_bytes("values.yaml", "/x/values.yaml", "yaml", text.encode())
    ess = EssValues("values.yaml", Span("values.yaml", 0, len(text)))
    return Deployment(documents={doc.path: doc}, ess=[ess]), ess


@pytest.mark.parametrize("case, ports", [
    ("pinned", [30881, 0x7782]), ("odd", [1000]), ("two documents", [1, 2]), ("broken", []), ("auth", []),
])
def test_exposed_ports_as_yaml_1_1_reads_them(case, ports):
    """Integers as YAML 1.1 reads them (hex, underscores); a quoted number, `yes`, a list
    or a float is no port."""
    dep, ess = deployment(VALUES[case])
    assert ess_exposed_ports(dep, ess) == ports


def test_exposed_ports_and_livekit_auth_values():
    dep, ess = deployment(VALUES["pinned"])
    assert ess_exposed_ports(dep, ess) == [30881, 0x7782]
    dep, ess = deployment(VALUES["odd"])
    assert ess_exposed_ports(dep, ess) == [1000]
    dep, ess = deployment(VALUES["auth"])
    found = ess_livekit_auth(dep, ess)
    assert [(what, value) for what, value, _span in found] == [("key", "devkey"), ("secret", "not-a-real-secret")]
    text = VALUES["auth"]
    assert [text[span.start:span.end] for _w, _v, span in found] == ["devkey", "'not-a-real-secret'"]

"""services.not_published_as_is merges ranges; it answers as asking every port of low..high
through PortMapping.host_port_for does (the way it was written first), for the call path
(callpath_parts.published) and for RTC403, which names and adds only the ports missing."""

from types import SimpleNamespace

from hypothesis import given, strategies as st

from rtclint.model.callpath_parts import published
from rtclint.model.services import PortMapping, not_published_as_is


def _port_by_port(svc, proto, low, high):
    wanted = set(range(low, high + 1))
    for mapping in svc.ports:
        if mapping.protocol != proto or mapping.kind != "publish":
            continue
        for port in mapping.container_ports():
            if mapping.host_port_for(port) == port:
                wanted.discard(port)
    return not wanted


PORT = st.integers(0, 40)
MAPPINGS = st.builds(PortMapping, container_port=PORT, host_port=st.none() | PORT, protocol=st.sampled_from(["tcp", "udp"]),
                     kind=st.sampled_from(["publish", "container"]), container_port_end=st.none() | PORT)


@given(st.lists(MAPPINGS, max_size=5), st.sampled_from(["tcp", "udp"]), PORT, PORT)
def test_published_is_every_port_asked(mappings, proto, low, high):
    svc = SimpleNamespace(ports=mappings)
    assert published(svc, proto, low, high) == _port_by_port(svc, proto, low, high)


def test_livekits_default_media_range():
    rng = PortMapping(50000, 50000, "udp", container_port_end=60000, host_port_end=60000)
    assert published(SimpleNamespace(ports=[rng]), "udp", 50000, 60000)
    shifted = PortMapping(50000, 40000, "udp", container_port_end=60000, host_port_end=50000)
    assert not published(SimpleNamespace(ports=[shifted]), "udp", 50000, 60000)


def _runs(ports):
    runs = []
    for port in sorted(ports):
        if runs and runs[-1][1] == port - 1:
            runs[-1][1] = port
        else:
            runs.append([port, port])
    return [tuple(r) for r in runs]


@given(st.lists(MAPPINGS, max_size=5), st.sampled_from(["tcp", "udp"]), PORT, PORT)
def test_the_gaps_are_the_ports_no_entry_publishes_as_is(mappings, proto, low, high):
    svc = SimpleNamespace(ports=mappings)
    as_is = {port for m in mappings if m.protocol == proto and m.kind == "publish"
             for port in m.container_ports() if m.host_port_for(port) == port}
    assert not_published_as_is(svc, proto, low, high) == _runs(set(range(low, high + 1)) - as_is)

"""ESS (element-hq/ess-helm `matrix-stack` chart) values → EssValues.

Besides the values as written, this reader models what the chart itself renders from
them, because rules must judge the deployment, not the values file:

- with `wellKnownDelegation.enabled` (default true) the chart serves
  `/.well-known/matrix/client` on `serverName` (templates/well-known/ingress.yaml); its
  body is `wellKnownDelegation.additional.client` (a JSON string) deep-merged UNDER the
  chart's own keys — `m.homeserver` = https://<synapse host> when Synapse is enabled, and
  `org.matrix.msc4143.rtc_foci` = [{livekit, https://<matrixRTC host>}] when MatrixRTC is
  enabled (templates/well-known/_helpers.tpl, `mustMergeOverwrite $additional $config`:
  the additional JSON can add keys but never override these). Emitted as
  WellKnown(source='ess', facts['chart']=True).
- with `matrixRTC.enabled` (default true) the chart configures Synapse with
  `msc4143_enabled`, `msc4222_enabled`, `matrix_rtc.transports` = https://<matrixRTC
  host>, `max_event_delay_duration: 24h` and the call rate limits
  (configs/synapse/synapse-0{1,4}-*.yaml.tpl). That is `chart_transports()`.

The ESS docs keep one release's values in several files side by side (`hostnames.yaml`,
`tls.yaml`, …, each passed with `-f`). Values files in one directory are merged into
`EssValues.release` (file-name order, later wins, as Helm merges `-f` files) unless they
name different serverNames; the chart is rendered from that merged view.
"""

from __future__ import annotations

import json
import os

from rtclint.document import Document, Span
from rtclint.model import EssValues, FileFacts, Located, WellKnown
from rtclint.model.configs import CHART_DEFAULT_ENABLED
from rtclint.model.wellknown import RTC_FOCI_KEY
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_items, node_span
from rtclint.parsers.yaml_synapse import to_python

INGRESS_COMPONENTS = ("elementAdmin", "elementWeb", "matrixAuthenticationService", "matrixRTC", "synapse",
                      "hookshot", "wellKnownDelegation")
EXPOSED_FIELDS = ("enabled", "portType", "port", "nodePort", "portRange.startPort", "portRange.endPort")


MAX_SIBLINGS = 50  # values files of one release in one directory; more is not a release


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    siblings = sibling_values(doc, tree)
    facts.includes += sorted({s.path for s in siblings})  # the cache must see their changes
    for node in nodes:
        if not isinstance(node, yaml.MappingNode):
            continue
        values = read_values(doc, node)
        facts.ess.append(values)
        names = {str(v.server_name.value).lower() for v in (values, *siblings) if v.server_name is not None}
        if siblings and len(names) <= 1:  # two serverNames: files of different releases
            values.release = merge_release(sorted([values, *siblings], key=lambda v: v.path))
        view = values.chart_view
        # one release serves one well-known: emitted by the file whose serverName counts
        if view.server_name is not None and view.server_name.span is not None \
                and view.server_name.span.path != doc.path:
            continue
        wk = chart_well_known(view)
        if wk is not None:
            facts.well_knowns.append(wk)


def sibling_values(doc: Document, tree: Tree) -> list[EssValues]:
    """The other ESS values files in the same directory: the ESS docs tell users to keep
    `hostnames.yaml`, `tls.yaml`, … side by side and pass each with `-f`. Helm's order
    is the command line's, which the tree does not record: file-name order is assumed."""
    from rtclint.parsers.yaml import classify, load_nodes

    directory = os.path.dirname(doc.abspath)
    paths = [p for p in tree.glob("*.y*ml", directory) if p.endswith((".yaml", ".yml"))
             and os.path.abspath(p) != os.path.abspath(doc.abspath)]
    found: list[EssValues] = []
    for path in paths[:MAX_SIBLINGS]:
        other = tree.load(path)
        if other is None:
            continue
        nodes, broken = load_nodes(other)
        if broken is None and nodes and classify(nodes[0], other) == "ess":
            found.append(read_values(other, nodes[0]))
    return found


def merge_release(files: list[EssValues]) -> EssValues:
    """Values files merged as Helm merges `-f` files: later files win, key by key."""
    merged = EssValues(path=files[0].path, span=files[0].span)
    for values in files:
        merged.server_name = values.server_name or merged.server_name
        merged.span = values.span if values.server_name is not None else merged.span
        for name in ("matrix_rtc", "well_known", "hosts", "enabled"):
            getattr(merged, name).update(getattr(values, name))
        for service, settings in values.exposed_services.items():
            merged.exposed_services.setdefault(service, {}).update(settings)
    return merged


def read_values(doc: Document, root: yaml.MappingNode) -> EssValues:
    values = EssValues(path=doc.path, span=node_span(doc, root), raw=to_python(root))
    flat = flatten(doc, root)
    values.server_name = _plain_host(flat.get("serverName"))
    for component in {c.split(".")[0] for c in CHART_DEFAULT_ENABLED} | set(INGRESS_COMPONENTS):
        if f"{component}.enabled" in flat:
            values.enabled[component] = flat[f"{component}.enabled"]
        host = _plain_host(flat.get(f"{component}.ingress.host"))
        if host is not None:
            values.hosts[component] = host
    if "matrixRTC.sfu.enabled" in flat:
        values.enabled["matrixRTC.sfu"] = flat["matrixRTC.sfu.enabled"]
    for path, located in flat.items():
        if path.startswith("matrixRTC."):
            values.matrix_rtc[path[len("matrixRTC."):]] = located
        elif path.startswith("wellKnownDelegation."):
            values.well_known[path[len("wellKnownDelegation."):]] = located
    values.exposed_services = _exposed_services(flat)
    return values


def flatten(doc: Document, node: yaml.Node, prefix: str = "", out: dict | None = None,
            depth: int = 0) -> dict[str, Located]:
    """Every mapping entry by dotted path (sequences and scalars are leaves)."""
    out = {} if out is None else out
    if depth > 32:
        return out
    for key, key_node, value in mapping_items(node):
        path = f"{prefix}{key}"
        out[path] = Located(to_python(value), node_span(doc, value), node_span(doc, key_node))
        if isinstance(value, yaml.MappingNode):
            flatten(doc, value, path + ".", out, depth + 1)
    return out


def _exposed_services(flat: dict[str, Located]) -> dict[str, dict[str, Located]]:
    prefix = "matrixRTC.sfu.exposedServices."
    found: dict[str, dict[str, Located]] = {}
    for path, located in flat.items():
        if not path.startswith(prefix):
            continue
        name, _, rest = path[len(prefix):].partition(".")
        if rest in EXPOSED_FIELDS:
            found.setdefault(name, {})[rest] = located
    return found


def _plain_host(located: Located | None) -> Located | None:
    """A host written literally; Helm `tpl` strings (`{{ ... }}`) are not knowable here."""
    if located is None or not isinstance(located.value, str) or "{{" in located.value or not located.value:
        return None
    return located


# -- what the chart renders ------------------------------------------------------------


def chart_transport_url(values: EssValues) -> str | None:
    """The livekit_service_url the chart writes (well-known and Synapse), or None."""
    return values.chart_transport_url()


def chart_transports(values: EssValues) -> list[dict]:
    """Synapse's `matrix_rtc.transports` as the chart configures it (Synapse enabled)."""
    url = chart_transport_url(values)
    if url is None or not values.component_enabled("synapse"):
        return []
    return [{"type": "livekit", "livekit_service_url": url}]


def chart_well_known(values: EssValues) -> WellKnown | None:
    """The client well-known the chart serves on serverName, or None when it serves none."""
    if not values.component_enabled("wellKnownDelegation") or values.server_name is None:
        return None
    additional = values.well_known.get("additional.client")
    span = _anchor(values, additional)
    extra, error = _additional_json(additional)
    if error:  # the chart refuses to render; RTC100 reports the JSON error on the string
        return WellKnown(which="client", body=additional.value, span=additional.span or span, source="ess",
                         hosts=[values.server_name.value.lower()], facts={"chart": True, "raw_additional": True})
    body = deep_merge(extra, _chart_client_keys(values))
    return WellKnown(
        which="client",
        body=json.dumps(body, indent=2),
        span=span,
        source="ess",
        hosts=[values.server_name.value.lower()],
        value=body,
        facts={"chart": True, "values": values.path},
    )


def _chart_client_keys(values: EssValues) -> dict:
    keys: dict = {}
    synapse_host = values.hosts.get("synapse")
    if values.component_enabled("synapse") and synapse_host is not None:
        keys["m.homeserver"] = {"base_url": f"https://{synapse_host.value}"}
    url = chart_transport_url(values)
    if url is not None:
        keys[RTC_FOCI_KEY] = [{"type": "livekit", "livekit_service_url": url}]
    return keys


def _additional_json(additional: Located | None) -> tuple[dict, bool]:
    """(parsed additional.client, broken?). Absent or not a string: {} (chart default)."""
    if additional is None or not isinstance(additional.value, str):
        return {}, False
    try:
        parsed = json.loads(additional.value)
    except ValueError:
        return {}, True
    return (parsed if isinstance(parsed, dict) else {}), not isinstance(parsed, dict)


def _anchor(values: EssValues, additional: Located | None) -> Span:
    if additional is not None and additional.span is not None:
        return additional.span
    wk_enabled = values.well_known.get("enabled")
    if wk_enabled is not None and wk_enabled.span is not None:
        return wk_enabled.span
    return values.server_name.span or values.span


def deep_merge(base: dict, override: dict) -> dict:
    """Sprig's mustMergeOverwrite(base, override): maps merge, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out

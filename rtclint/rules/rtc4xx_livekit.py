"""RTC4xx — LiveKit SFU (livekit.yaml, LIVEKIT_KEYS/LIVEKIT_CONFIG, Compose ports).

Facts from livekit/livekit (pkg/config/config.go, cmd/server/main.go, pkg/service/wire.go)
and livekit/mediatransportutil (pkg/rtcconfig): `port` defaults to 7880, `rtc.tcp_port`
to 7881; with neither `rtc.udp_port` nor `rtc.port_range_start` set, the UDP range is
50000-60000 (`--dev`: the single port 7882); `LIVEKIT_CONFIG` wins over `--config`;
`LIVEKIT_KEYS` is YAML and must be exactly `key: secret` ("including the space"); no keys
at all is fatal except with `--dev` (then `devkey: secret`); secrets under 32 characters
log "secret is too short"; a webhook whose `api_key` has no secret fails the start when
webhook URLs are set; the node IP is autodetected unless `rtc.node_ip` is set, and
`use_external_ip` asks STUN for the public address.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import command_option, jwt_services, livekit_instances
from rtclint.rules._services import doc_text, interpolated, mask
from rtclint.rules.registry import rule

DEFAULT_TCP_PORT = 7881
DEFAULT_UDP_RANGE = (50000, 60000)
DEV_UDP_PORT = 7882
MIN_SECRET = 32


def _int(located) -> int | None:
    if located is None:
        return None
    value = located.value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdecimal() else None


def _range(text) -> tuple[int, int] | None:
    m = re.match(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$", str(text))
    if not m:
        return None
    lo = int(m.group(1))
    return lo, int(m.group(2) or lo)


def rtc_ports(inst) -> list[tuple[int, int, str, str]]:
    """(first, last, protocol, what) for every port clients must reach directly."""
    cfg = inst.config
    rtc = cfg.rtc if cfg is not None else {}
    out = []
    tcp = _int(rtc.get("tcp_port"))
    tcp = DEFAULT_TCP_PORT if tcp is None and "tcp_port" not in rtc else tcp
    if tcp:
        out.append((tcp, tcp, "tcp", "rtc.tcp_port"))
    start, end = _int(rtc.get("port_range_start")), _int(rtc.get("port_range_end"))
    udp_option = None
    if inst.service is not None:
        udp_option = command_option(inst.service.command, "udp-port")
        env = inst.service.env.get("UDP_PORT")
        udp_option = udp_option or (env.value if env is not None else None)
    udp = _range(udp_option) if udp_option else (_range(rtc["udp_port"].value) if rtc.get("udp_port") else None)
    if start and end:
        out.append((start, end, "udp", "rtc.port_range_start-port_range_end"))
    elif udp:
        out.append((udp[0], udp[1], "udp", "rtc.udp_port"))
    elif inst.dev:
        out.append((DEV_UDP_PORT, DEV_UDP_PORT, "udp", "the --dev UDP port"))
    else:
        out.append((*DEFAULT_UDP_RANGE, "udp", "the default UDP range"))
    return out


def _published(service, first: int, last: int, proto: str) -> tuple[bool, list]:
    """(every port of the range published on the same host port, mappings that publish
    part of it on another host port)."""
    wrong = []
    for port in (first, last) if last - first > 1 else range(first, last + 1):
        hit = False
        for m in service.ports:
            if m.kind != "publish" or m.protocol != proto or port not in m.container_ports():
                continue
            if m.host_port_for(port) == port:
                hit = True
            else:
                wrong.append(m)
        if not hit:
            return False, wrong
    return True, wrong


def _fmt(first: int, last: int, proto: str) -> str:
    ports = f"{first}" if first == last else f"{first}-{last}"
    return f"{ports}:{ports}" + ("/udp" if proto == "udp" else "")


def _compose_livekits(dep):
    for inst in livekit_instances(dep):
        if (inst.service is not None and inst.service.source == "compose" and not inst.host_network
                and not inst.config_unknown):
            yield inst


def _anchor(inst) -> Span:
    cfg = inst.config
    if cfg is not None:
        return cfg.facts.get("keys_span") or cfg.span
    svc = inst.service
    return svc.facts.get("environment_span") or svc.span


@rule("RTC400", "livekit-no-keys", Severity.ERROR, where=("livekit", "compose", "k8s"))
def livekit_no_keys(ctx):
    """LiveKit has no API keys and will not start.

    ## What it does
    For a LiveKit container in the tree (Compose service, Kubernetes workload), looks for
    API keys in every place LiveKit takes them from: `keys` or `key_file` in its config
    (file, ConfigMap or `LIVEKIT_CONFIG`), `LIVEKIT_KEYS`, and `--keys` / `--key-file` on
    its command line. `--dev` supplies `devkey: secret` by itself. A livekit.yaml with no
    container in the tree is not judged: its environment may set `LIVEKIT_KEYS`.

    ## Why
    Without keys LiveKit exits at start ("one of key-file or keys must be provided"),
    and no JWT service can sign tokens it accepts.

    ## Example
    A livekit.yaml without `keys:` mounted into a container that sets no `LIVEKIT_KEYS`.

    ## Fix
    Add `keys: {KEY: SECRET}` (a secret of at least 32 characters, the same pair as the
    JWT service's `LIVEKIT_KEY`/`LIVEKIT_SECRET`), or set `LIVEKIT_KEYS: "KEY: SECRET"`.
    """
    dep = ctx.deployment
    for inst in livekit_instances(dep):
        if inst.dev or inst.keys() or (inst.env_keys is not None) or inst.config_unknown:
            continue
        svc = inst.service
        cfg = inst.config
        if cfg is not None and cfg.key_file is not None:
            continue
        if svc is not None:
            if command_option(svc.command, "keys") or command_option(svc.command, "key-file"):
                continue
            if "LIVEKIT_KEYS" in svc.env or svc.facts.get("env_from") or svc.facts.get("env_files_missing"):
                continue  # the keys come from a Secret or a file outside the tree
            if cfg is None and svc.facts.get("livekit_config_file") is None and svc.mounts and svc.source == "k8s":
                continue  # a mounted ConfigMap/Secret the tree does not hold
        else:
            continue  # a config on its own: LIVEKIT_KEYS may come from where it runs (systemd, a run elsewhere)
        related = [Related(svc.span, f"the container `{svc.name}`")] if svc is not None and cfg is not None else []
        yield ctx.report(_anchor(inst), f"LiveKit `{inst.name}` has no API keys (no `keys`, `key_file` or "
                         "LIVEKIT_KEYS): it exits at start with \"one of key-file or keys must be provided\"",
                         related=related)


@rule("RTC401", "livekit-secret-short", Severity.WARNING, where=("livekit", "compose", "k8s", "env"))
def livekit_secret_short(ctx):
    """A LiveKit API secret is shorter than 32 characters.

    ## What it does
    Checks every secret in LiveKit's `keys` (config file, ConfigMap, `LIVEKIT_CONFIG`,
    `LIVEKIT_KEYS`). The secret is never printed, only its length.

    ## Why
    The secret signs every access token; LiveKit logs "secret is too short, should be at
    least 32 characters for security" (outside `--dev`). Guides that ask for "20+
    characters" are too short.

    ## Example
    ```yaml
    keys:
      callkey: secret
    ```

    ## Fix
    Generate a long random secret (`openssl rand -hex 32`) and use it on both LiveKit
    and the JWT service.
    """
    for cfg in ctx.deployment.livekit:
        for key, located in cfg.keys.items():
            value = "" if located.value is None else str(located.value)
            if not value or interpolated(value) or len(value) >= MIN_SECRET or located.span is None:
                continue
            yield ctx.report(located.span, f"LiveKit secret for key `{key}` = {mask(value)} is shorter than {MIN_SECRET}: "
                             "LiveKit logs \"secret is too short\"; use a long random secret on both LiveKit and the JWT service")


@rule("RTC402", "livekit-keys-format", Severity.ERROR, fix="safe", where=("compose", "env", "k8s"))
def livekit_keys_format(ctx):
    """`LIVEKIT_KEYS` is not `key: secret`.

    ## What it does
    Parses `LIVEKIT_KEYS` the way LiveKit does (YAML: one `key: secret` per line) and
    reports a value that is not such a mapping — most often a missing space after the
    colon (`key:secret`).

    ## Why
    LiveKit exits: "Could not parse keys, it needs to be exactly, "key: secret",
    including the space".

    ## Example
    ```yaml
    environment:
      LIVEKIT_KEYS: "callkey:0123456789abcdef0123456789abcdef"
    ```

    ## Fix
    `--fix` inserts the space after the colon when that is the only problem.
    """
    dep = ctx.deployment
    for cfg in dep.livekit:
        if cfg.facts.get("origin") != "env-keys" or "keys_error" not in cfg.facts:
            continue
        var = cfg.facts.get("env")
        span = (var.value_span if var is not None else None) or cfg.span
        value = var.value if var is not None else ""
        fix = None
        m = re.match(r"^(\s*[^\s:]+):(?=\S)", value or "")
        if m and var is not None and var.value_span is not None and not interpolated(value):
            at = _source_offset(dep, var, m.end())
            if at is not None:
                fix = Fix(Applicability.SAFE, "insert a space after the colon", (Edit(Span(span.path, at, at), " "),))
        yield ctx.report(span, "LIVEKIT_KEYS must be `key: secret` (YAML, with a space after the colon): "
                         "LiveKit exits with \"Could not parse keys\"", fix=fix)


def _source_offset(dep, var, index: int) -> int | None:
    """The source offset of value character `index` (the char after the colon)."""
    from rtclint.parsers.yaml_values import align

    doc = dep.documents.get(var.value_span.path)
    if doc is None:
        return None
    emb = align(doc, var.value, var.value_span.start, var.value_span.end)
    at = emb.offset(index)
    return at if doc.text[at - 1 : at] == ":" else None


@rule("RTC403", "rtc-ports-not-published", Severity.ERROR, fix="safe", where=("compose", "livekit"))
def rtc_ports_not_published(ctx):
    """Compose does not publish LiveKit's media ports, or publishes them on other numbers.

    ## What it does
    For a LiveKit container on a Compose bridge network, checks that `rtc.tcp_port`
    (default 7881) and the UDP ports (`rtc.port_range_start`–`port_range_end`, else
    `rtc.udp_port`, else 50000–60000; 7882 with `--dev`) are published, UDP as `/udp`,
    each on the same host port as in the container. Not needed with `network_mode: host`.

    ## Why
    Media does not go through the reverse proxy: clients connect straight to these
    ports, at the port numbers LiveKit advertises — its own. A port published elsewhere
    or not at all makes calls connect and then stay silent and black.

    ## Example
    ```yaml
    ports:
      - "7881:7881"
      - "50100-50200:50100-50200"   # missing /udp
    ```

    ## Fix
    `--fix` adds the missing entries to `ports:` when it has entries to copy the layout
    from, or rewrites a short-syntax entry published on another host port
    (`"17881:7881"` → `"7881:7881"`).
    """
    dep = ctx.deployment
    for inst in _compose_livekits(dep):
        svc = inst.service
        missing, moved = [], []
        for first, last, proto, what in rtc_ports(inst):
            ok, wrong = _published(svc, first, last, proto)
            if not ok:
                (moved if wrong else missing).append((first, last, proto, what, wrong))
        if not missing and not moved:
            continue
        parts = [f"{_fmt(f, l, p)} ({w})" for f, l, p, w, _ in missing]
        parts += [f"{_fmt(f, l, p)} ({w}) is published on another host port" for f, l, p, w, _ in moved]
        cfg = inst.config
        related = [Related(cfg.facts.get("rtc_span") or cfg.span, "LiveKit's RTC ports")] if cfg is not None else []
        fix = _ports_fix(dep, svc, missing) if not moved else (_moved_fix(dep, moved) if not missing else None)
        anchor = svc.facts.get("ports_span") or svc.span
        yield ctx.report(anchor, f"Compose service `{svc.name}` must publish LiveKit's media ports as "
                         f"HOST:CONTAINER with equal numbers: " + "; ".join(parts)
                         + (f" (from {cfg.path})" if cfg is not None else ""), fix=fix, related=related)


def _ports_fix(dep, svc, missing) -> Fix | None:
    """New `- "P:P/udp"` items after the last published port, in its indentation and quotes."""
    published = [m for m in svc.ports if m.kind == "publish" and m.span is not None]
    if not published or not missing:
        return None
    last = max(published, key=lambda m: m.span.end)
    doc = dep.documents.get(last.span.path)
    if doc is None:
        return None
    line, _col = doc.line_col(last.span.start)
    text = doc.line_text(line)
    m = re.match(r"^(\s*)-\s+", text)
    if m is None or doc.line_col(last.span.end)[0] != line:
        return None
    quote = text[m.end() : m.end() + 1] if text[m.end() : m.end() + 1] in ("'", '"') else ""
    end = doc.line_end(line)
    items = "".join(f"{doc.newline}{m.group(1)}- {quote}{_fmt(f, l, p)}{quote}" for f, l, p, _w, _x in missing)
    return Fix(Applicability.SAFE, "publish " + ", ".join(_fmt(f, l, p) for f, l, p, _w, _x in missing),
               (Edit(Span(doc.path, end, end), items),))


def _moved_fix(dep, moved) -> Fix | None:
    """Rewrite `HOST:CONTAINER` items whose host port differs, keeping IP, quotes and
    protocol: only short-syntax items that publish exactly the needed range."""
    from rtclint.parsers.yaml_compose import parse_port_spec  # only when there is a fix to make

    edits = []
    for first, last, proto, _what, wrong in moved:
        if len(wrong) != 1 or wrong[0].span is None:
            return None
        span = wrong[0].span
        text = doc_text(dep, span)
        inner = text.strip("'\"")
        parsed = parse_port_spec(inner)
        if parsed is None or parsed[2] != (first, last):
            return None
        ip = parsed[0]
        new = (f"[{ip}]:" if ip and ":" in ip else f"{ip}:" if ip else "") + _fmt(first, last, proto)
        if proto != "tcp" or inner.endswith("/tcp"):
            new = new if new.endswith("/" + proto) else f"{new}/{proto}"
        start = span.start + text.index(inner)
        edits.append(Edit(Span(span.path, start, start + len(inner)), new))
    return Fix(Applicability.SAFE, "publish on the same host port", tuple(edits)) if edits else None


@rule("RTC404", "external-ip-unset", Severity.WARNING, where=("livekit", "compose"))
def external_ip_unset(ctx):
    """LiveKit runs on a container network and advertises the container's address.

    ## What it does
    For a LiveKit container on a Compose bridge network, checks that its config sets
    `rtc.use_external_ip: true` or `rtc.node_ip` (or `--node-ip` / `NODE_IP`).

    ## Why
    LiveKit tells clients the address to send media to. Without either setting it
    picks the container's own address (172.x), which no client can reach; calls connect
    and stay silent. Element Call's dev Compose file notes the symptom ("the SFU works
    far more reliably on the host network").

    ## Example
    ```yaml
    rtc:
      use_external_ip: false
    ```

    ## Fix
    Set `rtc.use_external_ip: true` (STUN finds the public address) or
    `rtc.node_ip: <public IP>`, or run LiveKit with `network_mode: host`.
    """
    for inst in _compose_livekits(ctx.deployment):
        svc = inst.service
        cfg = inst.config
        rtc = cfg.rtc if cfg is not None else {}
        if rtc.get("use_external_ip") is not None and rtc["use_external_ip"].value is True:
            continue
        if rtc.get("node_ip") is not None and rtc["node_ip"].value:
            continue
        if command_option(svc.command, "node-ip") or "NODE_IP" in svc.env:
            continue
        if cfg is not None:
            flag = rtc.get("use_external_ip")
            span = flag.span if flag is not None and flag.span else (cfg.facts.get("rtc_span") or cfg.span)
            related = [Related(svc.span, f"Compose service `{svc.name}` runs on a bridge network")]
        else:
            span, related = svc.span, []
        yield ctx.report(span, f"LiveKit `{inst.name}` runs on a Compose bridge network with neither "
                         "rtc.use_external_ip: true nor rtc.node_ip: it advertises the container's address, "
                         "which clients cannot reach", related=related)


@rule("RTC405", "webhook-key-unknown", Severity.ERROR, where=("livekit",))
def webhook_key_unknown(ctx):
    """`webhook.api_key` is not one of LiveKit's keys.

    ## What it does
    When webhook URLs are set, checks that `webhook.api_key` names a key in `keys`
    (or `LIVEKIT_KEYS`; `devkey` with `--dev` and no keys).

    ## Why
    LiveKit signs webhooks with that key's secret; with no such key it refuses to start
    ("api_key is required to use webhooks").

    ## Example
    ```yaml
    keys: {callkey: …}
    webhook:
      api_key: devkey
      urls: [https://jwt.example.com/sfu_webhook]
    ```

    ## Fix
    Set `webhook.api_key` to one of the keys.
    """
    for inst in livekit_instances(ctx.deployment):
        cfg = inst.config
        if cfg is None or cfg.webhook_api_key is None or not cfg.facts.get("webhook_urls"):
            continue
        keys = set(inst.keys()) or ({"devkey"} if inst.dev else set())
        if not keys and inst.service is None:
            continue  # keys from the environment it runs in, not in the tree
        if cfg.key_file is not None or (inst.env_keys is not None and not inst.env_keys.keys):
            continue  # keys from a file or an unreadable LIVEKIT_KEYS: not in the tree
        name = str(cfg.webhook_api_key.value or "")
        if name in keys:
            continue
        yield ctx.report(cfg.webhook_api_key.span, f"webhook.api_key `{name}` is not one of LiveKit's keys ("
                         + (", ".join(f"`{k}`" for k in sorted(keys)) or "none")
                         + "): LiveKit refuses to start with webhook URLs set")


@rule("RTC406", "turn-ports-not-published", Severity.WARNING, where=("livekit", "compose"))
def turn_ports_not_published(ctx):
    """LiveKit's embedded TURN server is enabled but its ports are not published.

    ## What it does
    With `turn.enabled: true` on a Compose bridge network, checks that `turn.udp_port`
    (UDP) and `turn.tls_port` (TCP) are published on the same host ports. The relay range
    (`relay_range_start`–`end`) is between the TURN server and the SFU inside the same
    container, so it is not required on the host.

    ## Why
    Clients behind strict firewalls reach LiveKit only through TURN; unpublished TURN
    ports make exactly those users fail to connect.

    ## Example
    ```yaml
    turn:
      enabled: true
      udp_port: 3478
      tls_port: 5349
    ```
    and `ports:` without `3478:3478/udp` and `5349:5349`.

    ## Fix
    Publish the TURN ports (or use `network_mode: host`).
    """
    for inst in _compose_livekits(ctx.deployment):
        cfg = inst.config
        if cfg is None or cfg.turn.get("enabled") is None or cfg.turn["enabled"].value is not True:
            continue
        missing = []
        for name, proto in (("udp_port", "udp"), ("tls_port", "tcp")):
            port = _int(cfg.turn.get(name))
            if port and not _published(inst.service, port, port, proto)[0]:
                missing.append(f"{_fmt(port, port, proto)} (turn.{name})")
        if missing:
            yield ctx.report(cfg.turn["enabled"].span, f"LiveKit's TURN server is enabled but Compose service "
                             f"`{inst.service.name}` does not publish " + ", ".join(missing),
                             related=[Related(inst.service.facts.get("ports_span") or inst.service.span,
                                              "published ports")])


@rule("RTC407", "image-unpinned", Severity.INFO, where=("compose", "k8s"))
def image_unpinned(ctx):
    """The LiveKit or lk-jwt-service image has no version tag (or `latest`).

    ## What it does
    Flags `image:` references to livekit-server or lk-jwt-service with no tag, or the
    tag `latest`, and no digest.

    ## Why
    Their configuration changes between releases (lk-jwt-service v0.5.0 made
    `LIVEKIT_FULL_ACCESS_HOMESERVERS` mandatory): an unpinned image turns a `docker
    compose pull` into an outage, and rtclint cannot tell which version's rules apply.

    ## Example
    ```yaml
    image: ghcr.io/element-hq/lk-jwt-service:latest
    ```

    ## Fix
    Pin a release: `ghcr.io/element-hq/lk-jwt-service:0.6.0`, `livekit/livekit-server:v1.13.4`.
    """
    dep = ctx.deployment
    services = [s for s in dep.services if s.role == "livekit"] + jwt_services(dep)
    for svc in services:
        if svc.image is None or not isinstance(svc.image.value, str) or "@" in svc.image.value:
            continue
        tag = svc.image_tag
        if tag is None or tag.lower() == "latest" or "${" in svc.image.value:
            if "${" in svc.image.value:
                continue  # the tag comes from the environment
            yield ctx.report(svc.image.span or svc.span, f"image `{svc.image.value}` is not pinned to a release"
                             + (" (`latest`)" if tag else " (no tag means `latest`)"))

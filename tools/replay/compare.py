"""Server versus model, one request: status, body, the CORS and Content-Type headers, the
redirect target, the upstream reached and the path it received, Upgrade passed."""

from __future__ import annotations

from rtclint.model.answer import Answer, Request

CORS = "access-control-allow-origin"


def differences(request: Request, real: dict, seen: dict | None, model: Answer, names: dict[str, str],
                mapping: dict[str, str], spec_only: bool = False) -> list[str]:
    """What differs ([] when they agree). `seen`: what reached a stand-in; `names`: stand-in
    address → the upstream name the config uses; `mapping`: upstream name → address.
    `spec_only` (a plain Ingress on Traefik against the model's ingress-nginx reading):
    only what the Ingress spec fixes — the upstream and the path it receives, or that
    nothing is proxied and the status — not headers or bodies, which are the controller's."""
    diffs: list[str] = []
    status = real["status"]
    headers = real["headers"]
    if model.kind == "proxy":
        up = model.upstream
        if seen is None:
            return [f"model proxies to {up.host}:{up.port}{up.path} but no upstream was reached (status {status})"]
        reached = names.get(seen["address"], seen["address"])
        choices = {(mapping.get(host, host), port) for host, port in up.choices or ((up.host, up.port),)}
        if (seen["address"], seen["port"]) not in choices:
            diffs.append(f"upstream: server reached {reached}:{seen['port']}, model {up.host}:{up.port}")
        if seen["path"] != up.path:
            diffs.append(f"upstream path: server sent {seen['path']!r}, model {up.path!r}")
        if request.upgrade and seen["upgrade"] != up.upgrade:
            diffs.append(f"Upgrade passed: server {seen['upgrade']}, model {up.upgrade}")
        if spec_only:
            return diffs
        upstream_cors = [v for k, v in seen["headers"].items() if k.lower() == CORS]
        own = model.header_values(CORS, status)
        # HAProxy `http-response set-header`, Traefik's `headers` middleware and an HTTPRoute's
        # ResponseHeaderModifier `set` replace the upstream's header; `add-header`, `add` and nginx add
        sets = model.server == "traefik" or model.server == "haproxy" and _sets(model) or \
            model.server == "gateway" and CORS in model.route.facts.get("response_sets", ())  # HTTPRoute `set`
        want = sorted(own if own and sets else upstream_cors + own)
        got = sorted(headers.get(CORS, []))
        if got != want:
            diffs.append(f"{CORS}: server {got}, model {want}")
        return diffs
    if seen is not None:
        diffs.append(f"server proxied to {names.get(seen['address'], seen['address'])}:{seen['port']}{seen['path']},"
                     f" model {model.kind}")
    if status != model.status:
        diffs.append(f"status: server {status}, model {model.status}")
    if spec_only:
        return diffs
    if model.kind == "redirect":
        location = (headers.get("location") or [None])[0]
        if location != model.location:
            diffs.append(f"location: server {location!r}, model {model.location!r}")
    if model.body is not None and real["body"] != model.body:
        diffs.append(f"body: server {real['body'][:120]!r}, model {model.body[:120]!r}")
    if model.kind == "respond" and model.body:
        got = headers.get("content-type", [])
        want = [model.content_type] if model.content_type else []
        extra = model.header_values("content-type", status)
        if sorted(got) != sorted(want + extra):
            diffs.append(f"content-type: server {got}, model {want + extra}")
    got = sorted(headers.get(CORS, []))
    want = sorted(model.header_values(CORS, status))
    if got != want:
        diffs.append(f"{CORS}: server {got}, model {want}")
    return diffs


def describe(model: Answer) -> str:
    if model.kind == "proxy":
        up = model.upstream
        return f"proxy {up.host}:{up.port}{up.path} upgrade={up.upgrade}"
    if model.kind == "redirect":
        return f"redirect {model.status} {model.location}"
    if model.kind == "unknown":
        return f"unknown ({model.reason})"
    return (f"respond {model.status} body={model.body!r:.80} content-type={model.content_type} "
            f"cors={model.header_values(CORS)}")


def describe_real(real: dict, seen: dict | None, names: dict[str, str]) -> str:
    out = f"{real['status']} body={real['body'][:80]!r} content-type={real['headers'].get('content-type')} " \
          f"cors={real['headers'].get(CORS)} location={real['headers'].get('location')}"
    if seen is not None:
        out += f" reached {names.get(seen['address'], seen['address'])}:{seen['port']}{seen['path']}" \
               f" upgrade={seen['upgrade']}"
    return out


def _sets(model: Answer) -> bool:
    """Whether the proxy's Access-Control-Allow-Origin is a `set-header` (read from the
    config line its span points at); `add-header` and `hdr` add."""
    for h in model.headers:
        if h.name.lower() != CORS or h.span is None:
            continue
        try:
            with open(h.span.path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            return True
        start = text.rfind("\n", 0, h.span.start) + 1
        return "set-header" in text[start:h.span.end]
    return True

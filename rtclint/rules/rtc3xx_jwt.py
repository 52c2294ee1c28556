"""RTC3xx — lk-jwt-service (Compose environment, .env files, Kubernetes env).

Facts from lk-jwt-service's config.go/main.go (tags v0.1.0–v0.5.0 and main): it reads
LIVEKIT_URL, LIVEKIT_KEY/LIVEKIT_SECRET (or LIVEKIT_KEY_FROM_FILE/LIVEKIT_SECRET_FROM_FILE,
or LIVEKIT_KEY_FILE holding `key:secret`, all since v0.3.0), LIVEKIT_FULL_ACCESS_HOMESERVERS
(v0.3.0; mandatory since v0.5.0, which also dropped the LIVEKIT_LOCAL_HOMESERVERS fallback),
LIVEKIT_JWT_BIND (v0.4.0; with LIVEKIT_JWT_PORT set too it refuses to start; LIVEKIT_JWT_PORT
alone logs a deprecation), and LIVEKIT_INSECURE_SKIP_VERIFY_TLS, which acts only when it is
exactly `YES_I_KNOW_WHAT_I_AM_DOING`. v0.1 read LK_JWT_PORT, renamed LIVEKIT_JWT_PORT in v0.2.
"""

from __future__ import annotations


from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import at_least, jwt_key_secret, jwt_services, livekit_instances, paired_livekit, service_target
from rtclint.rules._services import doc_text, interpolated, mask, rename_edits
from rtclint.rules.registry import rule
from rtclint.urls import hostname

JWT = "lk-jwt-service"
SKIP_TLS_ACTIVE = "YES_I_KNOW_WHAT_I_AM_DOING"


def _anchor(svc) -> Span:
    return svc.facts.get("environment_span") or svc.span


def _has(svc, *names: str) -> bool:
    """Set to something: `NAME=` (empty) is unset for lk-jwt-service; a bare `NAME`
    (value from the shell) or a Secret reference counts as set."""
    return any(name in svc.env and (svc.env[name].value is None or svc.env[name].value.strip()) for name in names)


def _unknown_env(svc) -> bool:
    """Variables may come from somewhere the tree does not show (envFrom, missing env_file)."""
    return bool(svc.facts.get("env_from")) or bool(svc.facts.get("env_files_missing"))


def _where(svc) -> str:
    where = {"compose": f"Compose service `{svc.name}`", "k8s": f"container `{svc.name}`",
             "env-file": f"env file {svc.span.path}"}.get(svc.source, f"`{svc.name}`")
    files = svc.facts.get("env_files") or []
    return where + (f" with env_file {', '.join(files)}" if files else "")


@rule("RTC300", "jwt-env-missing", Severity.ERROR, where=("compose", "env", "k8s"))
def jwt_env_missing(ctx):
    """lk-jwt-service lacks a variable it needs to start.

    ## What it does
    Checks that every lk-jwt-service (Compose service, Kubernetes container or env file)
    sets `LIVEKIT_URL`, the API key (`LIVEKIT_KEY`, `LIVEKIT_KEY_FROM_FILE` or
    `LIVEKIT_KEY_FILE`), the secret (`LIVEKIT_SECRET`, `LIVEKIT_SECRET_FROM_FILE` or
    `LIVEKIT_KEY_FILE`) and, from v0.5.0 on, `LIVEKIT_FULL_ACCESS_HOMESERVERS`. The
    version comes from the image tag, else from the configured target.

    ## Why
    Without them the service exits at start ("LIVEKIT_KEY* / LIVEKIT_SECRET* and
    LIVEKIT_URL must be set", "LIVEKIT_FULL_ACCESS_HOMESERVERS environment variable must
    be set"); the client then gets no token and reports that calls are not supported.

    ## Example
    ```yaml
    lk-jwt-service:
      image: ghcr.io/element-hq/lk-jwt-service:0.6.0
      environment:
        - LIVEKIT_URL=wss://sfu.example.com
        - LIVEKIT_KEY=callkey
        - LIVEKIT_SECRET_FROM_FILE=/run/secrets/livekit_secret
    ```
    `LIVEKIT_FULL_ACCESS_HOMESERVERS` is missing.

    ## Fix
    Add the missing variables; `LIVEKIT_FULL_ACCESS_HOMESERVERS` is your server_name
    (`example.com`), comma-separated for several.
    """
    for svc in jwt_services(ctx.deployment):
        if _unknown_env(svc):
            continue
        version = service_target(ctx.deployment, JWT, svc)
        missing = []
        if not _has(svc, "LIVEKIT_URL"):
            missing.append("LIVEKIT_URL")
        if not _has(svc, "LIVEKIT_KEY", "LIVEKIT_KEY_FROM_FILE", "LIVEKIT_KEY_FILE"):
            missing.append("LIVEKIT_KEY (or LIVEKIT_KEY_FROM_FILE / LIVEKIT_KEY_FILE)")
        if not _has(svc, "LIVEKIT_SECRET", "LIVEKIT_SECRET_FROM_FILE", "LIVEKIT_KEY_FILE"):
            missing.append("LIVEKIT_SECRET (or LIVEKIT_SECRET_FROM_FILE / LIVEKIT_KEY_FILE)")
        # LIVEKIT_LOCAL_HOMESERVERS present: RTC301 renames it, which also fixes this.
        if at_least(version, (0, 5)) and not _has(svc, "LIVEKIT_FULL_ACCESS_HOMESERVERS", "LIVEKIT_LOCAL_HOMESERVERS"):
            missing.append("LIVEKIT_FULL_ACCESS_HOMESERVERS (mandatory since v0.5.0; set it to your server_name)")
        if missing:
            yield ctx.report(_anchor(svc), f"lk-jwt-service ({_where(svc)}) does not start without "
                             + ", ".join(missing))


@rule("RTC301", "jwt-env-deprecated", Severity.ERROR, fix="safe", where=("compose", "env", "k8s"))
def jwt_env_deprecated(ctx):
    """lk-jwt-service reads a variable under a name it ignores, removed or deprecated.

    ## What it does
    Flags, for the lk-jwt-service version in use (image tag, else the target):
    `LK_JWT_PORT` (ignored since v0.2.0: the service listens on 8080 whatever it says),
    `LIVEKIT_LOCAL_HOMESERVERS` (deprecated in v0.3.0, removed in v0.5.0),
    `LIVEKIT_JWT_PORT` together with `LIVEKIT_JWT_BIND` (the service refuses to start)
    and `LIVEKIT_JWT_PORT` alone (deprecated since v0.4.0, a warning).

    ## Why
    A popular guide's Compose file sets `LK_JWT_PORT=8080` and
    `LIVEKIT_LOCAL_HOMESERVERS=…`: the first does nothing, the second stops the service
    from starting on v0.5.0 and later (no full-access homeservers).

    ## Example
    ```yaml
    environment:
      - LK_JWT_PORT=8080
      - LIVEKIT_LOCAL_HOMESERVERS=example.com
    ```

    ## Fix
    `--fix` renames in place: `LK_JWT_PORT=N` and `LIVEKIT_JWT_PORT=N` become
    `LIVEKIT_JWT_BIND=:N` (v0.4.0+; `LIVEKIT_JWT_PORT=N` before), and
    `LIVEKIT_LOCAL_HOMESERVERS` becomes `LIVEKIT_FULL_ACCESS_HOMESERVERS`. When both
    `LIVEKIT_JWT_PORT` and `LIVEKIT_JWT_BIND` are set, delete one by hand.
    """
    dep = ctx.deployment
    for svc in jwt_services(dep):
        version = service_target(dep, JWT, svc)
        yield from _old_port(ctx, svc, version)
        yield from _jwt_port(ctx, svc, version)
        yield from _local_homeservers(ctx, svc, version)


def _bind_fix(ctx, var, port: str, version) -> Fix | None:
    if not port.strip().isdecimal():
        return None
    if at_least(version, (0, 4)):
        edits = rename_edits(ctx.deployment, var, "LIVEKIT_JWT_BIND", f":{port.strip()}")
        text = f"LIVEKIT_JWT_BIND=:{port.strip()}"
    else:
        edits = rename_edits(ctx.deployment, var, "LIVEKIT_JWT_PORT")
        text = f"LIVEKIT_JWT_PORT={port.strip()}"
    return Fix(Applicability.SAFE, f"replace with {text}", edits) if edits else None


def _old_port(ctx, svc, version):
    var = svc.env.get("LK_JWT_PORT")
    if var is None or not at_least(version, (0, 2)):
        return
    if _has(svc, "LIVEKIT_JWT_BIND", "LIVEKIT_JWT_PORT"):
        fix = None
    else:
        fix = _bind_fix(ctx, var, var.value or "", version)
    yield ctx.report(var.name_span or var.span,
                     "LK_JWT_PORT is ignored since lk-jwt-service v0.2.0: the service listens on "
                     + ("LIVEKIT_JWT_BIND/LIVEKIT_JWT_PORT" if fix is None else "8080")
                     + " whatever it says; use " + (f"LIVEKIT_JWT_BIND=:{(var.value or 'PORT').strip()}"
                                                    if at_least(version, (0, 4)) else "LIVEKIT_JWT_PORT"), fix=fix)


def _jwt_port(ctx, svc, version):
    var = svc.env.get("LIVEKIT_JWT_PORT")
    if var is None or not at_least(version, (0, 4)):
        return
    bind = svc.env.get("LIVEKIT_JWT_BIND")
    if bind is not None:
        yield ctx.report(var.name_span or var.span,
                         "LIVEKIT_JWT_PORT and LIVEKIT_JWT_BIND are both set: lk-jwt-service refuses to start "
                         "(\"must not be set together\"); keep only LIVEKIT_JWT_BIND",
                         related=[Related(bind.span, "LIVEKIT_JWT_BIND is set here")])
        return
    yield ctx.report(var.name_span or var.span,
                     "LIVEKIT_JWT_PORT is deprecated since lk-jwt-service v0.4.0; use LIVEKIT_JWT_BIND=:"
                     + (var.value or "PORT").strip(),
                     fix=_bind_fix(ctx, var, var.value or "", version), severity=Severity.WARNING)


def _local_homeservers(ctx, svc, version):
    var = svc.env.get("LIVEKIT_LOCAL_HOMESERVERS")
    if var is None or not at_least(version, (0, 3)):
        return
    full = svc.env.get("LIVEKIT_FULL_ACCESS_HOMESERVERS")
    edits = None if full is not None else rename_edits(ctx.deployment, var, "LIVEKIT_FULL_ACCESS_HOMESERVERS")
    fix = Fix(Applicability.SAFE, "rename to LIVEKIT_FULL_ACCESS_HOMESERVERS", edits) if edits else None
    if at_least(version, (0, 5)):
        message = ("LIVEKIT_LOCAL_HOMESERVERS was removed in lk-jwt-service v0.5.0"
                   + ("" if full is not None else ": without LIVEKIT_FULL_ACCESS_HOMESERVERS the service does not start")
                   + "; rename it to LIVEKIT_FULL_ACCESS_HOMESERVERS")
        yield ctx.report(var.name_span or var.span, message, fix=fix)
    else:
        yield ctx.report(var.name_span or var.span, "LIVEKIT_LOCAL_HOMESERVERS is deprecated since lk-jwt-service "
                         "v0.3.0 and removed in v0.5.0; rename it to LIVEKIT_FULL_ACCESS_HOMESERVERS", fix=fix,
                         severity=Severity.WARNING)


def _tls_host(dep, host: str) -> bool:
    return any(site.tls_ports for site in dep.sites_for_host(host) if site.hosts and "*" not in site.hosts)


@rule("RTC302", "livekit-url-invalid", Severity.ERROR, fix="safe", where=("compose", "env", "k8s"))
def livekit_url_invalid(ctx):
    """`LIVEKIT_URL` is not the public `wss://` URL of the LiveKit SFU.

    ## What it does
    Checks the JWT service's `LIVEKIT_URL`: it must be `wss://` (`ws://` only where
    nothing is served over TLS), without a trailing `/`.

    ## Why
    The JWT service hands this URL to the browser, which opens a WebSocket to it. An
    `https://` URL is not a WebSocket URL; a `ws://` URL from an `https://` page is
    blocked as mixed content; a trailing slash makes the SDK request `//rtc`.

    ## Example
    ```
    LIVEKIT_URL=https://sfu.example.com/
    ```

    ## Fix
    `--fix` turns `https://` into `wss://` and removes a trailing `/`. Other schemes
    need the right URL by hand.
    """
    dep = ctx.deployment
    for svc in jwt_services(dep):
        var = svc.env.get("LIVEKIT_URL")
        if var is None or not var.value or interpolated(var.value) or var.value_span is None:
            continue
        value = var.value.strip()
        span = var.value_span
        scheme, sep, rest = value.partition("://")
        scheme = scheme.lower() if sep else ""
        if scheme == "https":
            edit_span = Span(span.path, span.start, span.start + 5)
            fix = None
            if doc_text(dep, edit_span).lower() == "https":
                edits = [Edit(edit_span, "wss")]
                if value.endswith("/") and rest.strip("/"):
                    edits.append(Edit(Span(span.path, span.end - 1, span.end), ""))
                fix = Fix(Applicability.SAFE, "use wss://", tuple(edits))
            yield ctx.report(span, "LIVEKIT_URL must be the SFU's WebSocket URL: https:// is not a WebSocket "
                             "scheme, use wss://", fix=fix)
            continue
        if scheme not in ("wss", "ws"):
            yield ctx.report(span, f"LIVEKIT_URL must be the public wss:// URL of the LiveKit SFU, not "
                             f"`{value[:60]}`")
            continue
        host = hostname(value) or ""
        if scheme == "ws" and host and _tls_host(dep, host):
            yield ctx.report(span, f"LIVEKIT_URL uses ws:// but {host} is served over TLS: browsers on an "
                             "https:// page block it; use wss://")
            continue
        if value.endswith("/") and rest.strip("/"):
            end = Span(span.path, span.end - 1, span.end)
            fix = Fix(Applicability.SAFE, "remove the trailing /", (Edit(end, ""),)) if doc_text(dep, end) == "/" else None
            yield ctx.report(span, "LIVEKIT_URL ends with `/`: the client then requests `//rtc`; remove it",
                             fix=fix, severity=Severity.WARNING)


@rule("RTC303", "livekit-key-mismatch", Severity.ERROR, where=("compose", "env", "k8s", "livekit"))
def livekit_key_mismatch(ctx):
    """The JWT service signs tokens with a key/secret LiveKit does not have.

    ## What it does
    Compares the JWT service's `LIVEKIT_KEY`/`LIVEKIT_SECRET` with the `keys` of the
    LiveKit it serves (livekit.yaml `keys`, `LIVEKIT_KEYS`, inline `LIVEKIT_CONFIG`). The
    LiveKit is the one `LIVEKIT_URL` is routed to, else the one holding the key, else the
    only one of the same Compose file or namespace; two stacks in one tree are never
    compared with each other. Secrets are compared, never printed.

    ## Why
    LiveKit rejects every token signed with an unknown key or a different secret: the
    client gets a token, then fails to connect ("invalid token").

    ## Example
    `LIVEKIT_KEY=callkey`, `LIVEKIT_SECRET=…` in Compose; `keys: {callkey: …other…}` in
    livekit.yaml.

    ## Fix
    Use the same key and secret on both sides, best from one env file or secret.
    """
    dep = ctx.deployment
    instances = livekit_instances(dep)
    for svc in jwt_services(dep):
        key, secret = jwt_key_secret(svc)
        if key is None or secret is None or not key.value or secret.value is None:
            continue
        if interpolated(key.value) or interpolated(secret.value) or key.from_secret or secret.from_secret:
            continue
        inst = paired_livekit(dep, svc)
        candidates = [inst] if inst is not None else instances
        known = [(i, _effective_keys(i)) for i in candidates]
        if not candidates or any(keys is None for _, keys in known):
            continue  # some LiveKit's keys are not in the tree
        holding = [(i, keys[key.value]) for i, keys in known if key.value in keys]
        if any(s.value == secret.value.strip() for _, s in holding):
            continue
        if holding:
            inst_, located = holding[0]
            related = [Related(located.span, f"LiveKit's secret for `{key.value}`: {mask(str(located.value))}")
                       ] if located.span is not None else []
            yield ctx.report(secret.value_span or secret.span,
                             f"LIVEKIT_SECRET = {mask(secret.value)} differs from the secret LiveKit "
                             f"`{inst_.name}` has for key `{key.value}` ({mask(str(located.value))}"
                             + (f", {located.span.path}" if located.span else ", its --dev default")
                             + "): every token is rejected", related=related)
            continue
        names = sorted({k for _, keys in known for k in keys})
        related = [Related(c.facts.get("keys_span") or c.span, f"LiveKit keys of {i.name}")
                   for i in candidates for c in i.configs[:1]]
        yield ctx.report(key.value_span or key.span,
                         f"LIVEKIT_KEY `{key.value}` is not one of LiveKit's API keys ("
                         + (", ".join(f"`{n}`" for n in names) or "none") + " in "
                         + ", ".join(sorted({i.name for i in candidates})) + "): every token is rejected",
                         related=related)


def _effective_keys(inst) -> dict | None:
    """key → secret text; None when a secret is not in the tree (Secret, ${VAR}, key_file)."""
    keys = inst.keys()
    cfg = inst.config
    if not keys:
        if inst.dev:
            return {"devkey": _Const("secret")}
        return None
    if cfg is not None and cfg.key_file is not None:
        return None
    out = {}
    for name, located in keys.items():
        if located.value is None or interpolated(str(located.value)):
            return None
        out[name] = located
    return out


class _Const:
    """LiveKit's built-in dev key pair (`--dev` without keys)."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.span = None


@rule("RTC304", "full-access-not-server-name", Severity.WARNING, where=("compose", "env", "k8s"))
def full_access_not_server_name(ctx):
    """`LIVEKIT_FULL_ACCESS_HOMESERVERS` names the homeserver host, not the server_name.

    ## What it does
    Compares each entry of `LIVEKIT_FULL_ACCESS_HOMESERVERS` (and the old
    `LIVEKIT_LOCAL_HOMESERVERS`) with the server_name(s) in the tree (homeserver.yaml
    `server_name`, ESS `serverName`, the configured `server-name`). Flags an entry that
    is a host under a server_name (`matrix.example.com`) or Synapse's public host, and
    `*` mixed with other entries.

    ## Why
    The JWT service compares the entries with the server part of user ids
    (`@alice:example.com` → `example.com`). `matrix.example.com` never matches, so local
    users only get restricted tokens and cannot create calls.

    ## Example
    ```
    LIVEKIT_FULL_ACCESS_HOMESERVERS=matrix.example.com
    ```
    with `server_name: example.com`.

    ## Fix
    List server_names: `LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com`. `*` alone grants
    full access to users of every homeserver.
    """
    dep = ctx.deployment
    declared = {str(n.value).lower(): n for n in dep.server_names() if n.value}
    names = set(declared)
    if ctx.config.server_name:
        names.add(ctx.config.server_name.lower())
    hs_hosts = set()
    for syn in dep.synapse:
        if syn.public_baseurl is not None and syn.public_baseurl.value:
            host = hostname(str(syn.public_baseurl.value))
            if host:
                hs_hosts.add(host.lower())
    for svc in jwt_services(dep):
        for var_name in ("LIVEKIT_FULL_ACCESS_HOMESERVERS", "LIVEKIT_LOCAL_HOMESERVERS"):
            var = svc.env.get(var_name)
            if var is None or not var.value or interpolated(var.value):
                continue
            entries = [e.lower() for e in var.value.replace(",", " ").split()]
            span = var.value_span or var.span
            if "*" in entries and len(entries) > 1:
                yield ctx.report(span, f"{var_name} mixes `*` with other entries: `*` already grants every "
                                 "homeserver full access; list server_names or use `*` alone")
                continue
            for entry in entries:
                if entry == "*" or entry in names:
                    continue
                server = next((n for n in names if entry.endswith("." + n)), None)
                if server is None and entry in hs_hosts and len(names) == 1:
                    server = next(iter(names))
                if server is not None:
                    where = declared.get(server)
                    related = [Related(where.span, f"server_name {server}")] if where is not None and where.span else []
                    yield ctx.report(span, f"{var_name} lists `{entry}`, a host, not a server_name: user ids "
                                     f"are `@user:{server}`, so write `{server}`", related=related)


@rule("RTC305", "insecure-tls-skip", Severity.INFO, where=("compose", "env", "k8s"))
def insecure_tls_skip(ctx):
    """`LIVEKIT_INSECURE_SKIP_VERIFY_TLS` is set on the JWT service.

    ## What it does
    Reports the variable wherever a JWT service sets it, and says whether it acts: only
    the exact value `YES_I_KNOW_WHAT_I_AM_DOING` turns TLS verification off.

    ## Why
    With it, the JWT service accepts any certificate when it verifies users through
    federation (OpenID userinfo), so a forged homeserver could obtain tokens. It belongs
    in local test setups with self-signed certificates only.

    ## Example
    ```
    LIVEKIT_INSECURE_SKIP_VERIFY_TLS=YES_I_KNOW_WHAT_I_AM_DOING
    ```

    ## Fix
    Remove it and give the homeserver a valid certificate.
    """
    for svc in jwt_services(ctx.deployment):
        var = svc.env.get("LIVEKIT_INSECURE_SKIP_VERIFY_TLS")
        if var is None:
            continue
        if (var.value or "").strip() == SKIP_TLS_ACTIVE:
            message = ("LIVEKIT_INSECURE_SKIP_VERIFY_TLS turns off TLS certificate checks when the JWT service "
                       "verifies users through federation; only for local testing")
        else:
            message = (f"LIVEKIT_INSECURE_SKIP_VERIFY_TLS has no effect: only the value {SKIP_TLS_ACTIVE} "
                       "acts; remove the line")
        yield ctx.report(var.name_span or var.span, message)

"""RTC9xx — secrets. Secrets are compared and measured, never printed (`****` + length)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rtclint.diagnostics import Severity
from rtclint.document import Span
from rtclint.model.stacks import ess_livekit_auth, link
from rtclint.rules._services import interpolated, mask, placeholder_kind
from rtclint.rules.registry import rule

SECRET_VARS = ("LIVEKIT_SECRET", "LIVEKIT_API_SECRET")
KEY_VARS = ("LIVEKIT_KEY", "LIVEKIT_API_KEY")


@dataclass
class Credential:
    """One API key or secret written somewhere in the tree."""

    what: str  # 'secret' or 'key'
    value: str
    span: Span
    place: str  # 'compose', 'k8s-env', 'env-file', 'configmap', 'livekit-file', 'helm-values', 'livekit-env'
    label: str  # for messages: `LIVEKIT_SECRET`, `keys.devkey`, `matrixRTC.livekitAuth.secret.value`


def credentials(ctx) -> Iterator[Credential]:
    dep = ctx.deployment
    link(dep)
    seen: set[tuple] = set()
    for cred in _all_credentials(dep):
        key = (cred.span, cred.what)
        if key not in seen:
            seen.add(key)
            yield cred


def _all_credentials(dep) -> Iterator[Credential]:
    for svc in sorted(dep.services, key=lambda s: s.source != "k8s-configmap"):  # the ConfigMap is the place
        for name, var in svc.env.items():
            what = "secret" if name in SECRET_VARS else "key" if name in KEY_VARS else None
            if what is None or var.value is None or var.from_secret or var.value_span is None:
                continue
            place = "env-file" if var.from_file or var.interpolated_from else {
                "compose": "compose", "k8s": "k8s-env", "k8s-configmap": "configmap"}.get(svc.source, "env-file")
            yield Credential(what, var.value.strip(), var.value_span, place, name)
    for cfg in dep.livekit:
        origin = cfg.facts.get("origin")
        env = cfg.facts.get("env")
        if origin == "env-keys":
            from_file = env is not None and (env.from_file or env.interpolated_from)
            place = "env-file" if from_file or cfg.facts.get("env_file") else "livekit-env"
        elif origin == "env-config":
            place = "livekit-env"
        elif origin == "configmap":
            place = "configmap"
        else:
            place = "livekit-file"
        label = "LIVEKIT_KEYS" if origin == "env-keys" else "keys"
        for key, located in cfg.keys.items():
            if located.key_span is not None:
                yield Credential("key", key, located.key_span, place, f"`{key}` ({label})")
            if located.value is not None and located.span is not None:
                yield Credential("secret", str(located.value), located.span, place, f"for `{key}` ({label})")
    for ess in dep.ess:
        yield from _ess_credentials(dep, ess)


def _ess_credentials(dep, ess) -> Iterator[Credential]:
    for what, value, span in ess_livekit_auth(dep, ess):
        label = "matrixRTC.livekitAuth.key" if what == "key" else "matrixRTC.livekitAuth.secret.value"
        yield Credential(what, value, span, "helm-values", label)


PLAINTEXT_PLACES = {"compose": "the Compose environment", "k8s-env": "a Kubernetes container env `value`",
                    "configmap": "a ConfigMap", "helm-values": "Helm values",
                    "livekit-env": "the Compose/Kubernetes environment"}


@rule("RTC900", "plaintext-secret", Severity.WARNING, where=("compose", "k8s", "ess"))
def plaintext_secret(ctx):
    """A LiveKit secret is written in plain text in a committed file.

    ## What it does
    Flags a LiveKit API secret written literally in a Compose `environment:`
    (`LIVEKIT_SECRET`, `LIVEKIT_KEYS`, `LIVEKIT_CONFIG`), a Kubernetes container's env
    `value:`, a ConfigMap, or Helm values (ESS `matrixRTC.livekitAuth.secret.value`).
    Env files, Secrets, `*_FILE` variables and `${VAR}` interpolation are the right
    places and are not flagged. The secret is never printed: `****` and its length.

    ## Why
    Whoever reads the repository (or the ConfigMap) can mint tokens for your SFU.

    ## Example
    ```yaml
    environment:
      - LIVEKIT_SECRET=0123456789abcdef0123456789abcdef
    ```

    ## Fix
    Move it to an env file kept out of the repository (`env_file:`), a Docker/Kubernetes
    Secret (`LIVEKIT_SECRET_FROM_FILE`, `secretKeyRef`), or the chart's existing-secret
    option (`matrixRTC.livekitAuth.secret.secret`/`secretKey` in ESS).
    """
    for cred in credentials(ctx):
        if cred.what != "secret" or cred.place not in PLAINTEXT_PLACES or not cred.value:
            continue
        if cred.place in ("compose", "livekit-env") and interpolated(cred.value):
            continue
        if cred.place == "k8s-env" and re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", cred.value):
            continue  # a reference to another variable of the container
        yield ctx.report(cred.span, f"LiveKit secret {cred.label} = {mask(cred.value)} is written in plain text in "
                         f"{PLAINTEXT_PLACES[cred.place]}; keep it in an env file or a Secret instead")


@rule("RTC901", "placeholder-secret", Severity.ERROR, where=("compose", "env", "k8s", "livekit", "ess"))
def placeholder_secret(ctx):
    """A LiveKit API key or secret is still a placeholder.

    ## What it does
    Flags keys and secrets (JWT service `LIVEKIT_KEY`/`LIVEKIT_SECRET`, LiveKit `keys`,
    `LIVEKIT_KEYS`, ESS `matrixRTC.livekitAuth`) whose value is a placeholder from a guide
    or an example: `(livekit_api_secret)`, `<secret>`, `changeme`, `secret`, `devkey`, or a
    `${VAR}` left unexpanded in a file whose program does not expand it (livekit.yaml,
    Kubernetes manifests; Compose files and env files do expand it). Templated files are
    skipped.

    ## Why
    `devkey`/`secret` are LiveKit's public development credentials: anyone can mint
    tokens for a server that uses them. A bracketed placeholder copied from a guide
    works until someone else copies the same guide.

    ## Example
    ```yaml
    environment:
      - LIVEKIT_KEY=(livekit_api_key)
      - LIVEKIT_SECRET=(livekit_api_secret)
    ```

    ## Fix
    Generate a key name and a random secret of at least 32 characters
    (`openssl rand -hex 32`) and use them on both LiveKit and the JWT service.
    """
    dep = ctx.deployment
    found: dict[tuple[str, int], list[tuple[Credential, str]]] = {}
    for cred in credentials(ctx):
        facts = dep.files.get(cred.span.path)
        if facts is not None and facts.templated:
            continue
        why = placeholder_kind(cred.value, cred.place in ("compose", "env-file", "livekit-env"))
        if why is not None:
            doc = dep.documents.get(cred.span.path)
            line = doc.line_col(cred.span.start)[0] if doc is not None else cred.span.start
            found.setdefault((cred.span.path, line), []).append((cred, why))
    for entries in found.values():  # `devkey: secret` is one finding, not two
        parts = []
        for cred, why in entries:
            shown = f"= {mask(cred.value)}" if cred.what == "secret" else ""
            parts.append(f"LiveKit API {cred.what} {cred.label} {shown} is {why}".replace("  ", " "))
        yield ctx.report(entries[0][0].span, "; ".join(parts) + ": replace it with a key name of your own and a "
                         "random secret of at least 32 characters, the same on LiveKit and the JWT service")

"""Every LiveKit key and secret the tree writes down, wherever it is written (Compose
environment, .env files, Kubernetes env and ConfigMaps, livekit.yaml, ESS values),
once each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rtclint.document import Span
from rtclint.model.stacks import ess_livekit_auth, link

SECRET_VARS = ("LIVEKIT_SECRET", "LIVEKIT_API_SECRET")
KEY_VARS = ("LIVEKIT_KEY", "LIVEKIT_API_KEY")


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
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
        from_key_file = cfg.facts.get("key_file_keys") or {}
        for key, located in cfg.keys.items():
            if from_key_file.get(key) is located:  # read from the ConfigMap/Secret mounted as key_file
                yield from _key_file_credentials(key, located, cfg.facts.get("key_file_from"))
                continue
            if located.key_span is not None:
                yield Credential("key", key, located.key_span, place, f"`{key}` ({label})")
            if located.value is not None and located.span is not None:
                yield Credential("secret", str(located.value), located.span, place, f"for `{key}` ({label})")
    for ess in dep.ess:
        yield from _ess_credentials(dep, ess)


def _key_file_credentials(key: str, located, kind: str | None) -> Iterator[Credential]:
    place = "configmap" if kind == "configmap" else "key-file"  # a Secret or a file is where it belongs
    if located.key_span is not None:
        yield Credential("key", key, located.key_span, place, f"`{key}` (key_file)")
    if located.value is not None and located.span is not None:
        yield Credential("secret", str(located.value), located.span, place, f"for `{key}` (key_file)")


def _ess_credentials(dep, ess) -> Iterator[Credential]:
    for what, value, span in ess_livekit_auth(dep, ess):
        label = "matrixRTC.livekitAuth.key" if what == "key" else "matrixRTC.livekitAuth.secret.value"
        yield Credential(what, value, span, "helm-values", label)

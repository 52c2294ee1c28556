"""nginx's `/etc/nginx/templates` convention, rendered from the container's environment.

The official nginx image's entrypoint (`20-envsubst-on-templates.sh`, nginxinc/docker-nginx)
renders every `*$NGINX_ENVSUBST_TEMPLATE_SUFFIX` (default `.template`) file under
`$NGINX_ENVSUBST_TEMPLATE_DIR` (default `/etc/nginx/templates`) into
`$NGINX_ENVSUBST_OUTPUT_DIR` (default `/etc/nginx/conf.d`): each `$NAME` or `${NAME}`
whose NAME starts with `$NGINX_ENVSUBST_FILTER` (default: any) and is *defined* in the
container's environment becomes its value; every other `$name` is left for nginx, which
takes it for one of its variables (`$host`).

When a Compose service of the tree mounts a template there, its resolved environment is
the container's: a variable it sets is replaced by its value, one it declares without a
known value becomes an opaque token (template_render), one it does not declare stays.
Replacing changes lengths, so the facts' spans are moved back onto the template's text.
"""

from __future__ import annotations

import dataclasses
import os
import re

from rtclint.document import Span

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
                 "compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                 "docker-compose.override.yml")
TEMPLATE_DIR, SUFFIX = "/etc/nginx/templates", ".template"


def container_env(doc, tree) -> tuple[dict[str, str | None], list[str]] | None:
    """The environment of the Compose service that mounts this template where the image
    renders it (name -> value, None when not known) and the files it was read from (the
    template's facts depend on them: the cache checks them), or None when none does."""
    from rtclint.parsers import yaml as yaml_reader

    for path, kind in sorted((tree.kinds or {}).items()):
        if kind != "yaml" or os.path.basename(path).lower() not in COMPOSE_NAMES:
            continue
        compose = tree.load(path)
        if compose is None:
            continue
        facts = yaml_reader.read(compose, tree)
        for service in facts.services:
            env = {name: var.value for name, var in service.env.items()}
            if any(_renders(doc.abspath, path, mount, env) for mount in service.mounts):
                return env, [compose.path, *facts.includes]
    return None


def env_from_services(doc, services, documents: dict) -> dict[str, str | None] | None:
    """container_env, from the model's Compose services (the engine's view, after parsing)."""
    for service in services:
        compose = documents.get(service.span.path) if service.source == "compose" else None
        if compose is None:
            continue
        env = {name: var.value for name, var in service.env.items()}
        if any(_renders(doc.abspath, compose.abspath, mount, env) for mount in service.mounts):
            return env
    return None


def _renders(template: str, compose_path: str, mount, env: dict[str, str | None]) -> bool:
    host = os.path.normpath(os.path.join(os.path.dirname(compose_path), os.path.expanduser(mount.source)))
    if template == host:
        inside = mount.target
    elif template.startswith(host.rstrip(os.sep) + os.sep):
        inside = mount.target.rstrip("/") + "/" + os.path.relpath(template, host).replace(os.sep, "/")
    else:
        return False
    folder = (env.get("NGINX_ENVSUBST_TEMPLATE_DIR") or TEMPLATE_DIR).rstrip("/")
    return inside.startswith(folder + "/") and inside.endswith(env.get("NGINX_ENVSUBST_TEMPLATE_SUFFIX") or SUFFIX)


def references(text: str, env: dict[str, str | None]) -> list[tuple[int, int, str]]:
    """(start, end, name) of each reference the image replaces: `$NAME`/`${NAME}` with
    NAME defined in the container (a name it does not define is nginx's own variable)."""
    name_filter = re.escape(env.get("NGINX_ENVSUBST_FILTER") or "")
    reference = re.compile(r"\$(\{)?(" + name_filter + r"\w*)(?(1)\})")
    return [(m.start(), m.end(), m.group(2)) for m in reference.finditer(text) if m.group(2) and m.group(2) in env]


def substitute(text: str, env: dict[str, str | None], opaque) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The rendered text and its replacements as (start, end) in the template, (start,
    end) in the result. `opaque(reference)` gives the stand-in for a declared variable
    whose value is unknown."""
    out: list[str] = []
    moves = []
    last = 0
    for start, end, name in references(text, env):
        value = env[name]
        value = opaque(text[start:end]) if value is None else value
        out.append(text[last:start])
        at = sum(map(len, out))
        out.append(value)
        moves.append((start, end, at, at + len(value)))
        last = end
    out.append(text[last:])
    return "".join(out), moves


def back_onto_template(facts, path: str, moves: list[tuple[int, int, int, int]]) -> None:
    """Move every Span of `path` in the facts from the rendered text onto the template:
    a place inside a replaced value becomes the reference that wrote it."""
    if not moves or all(e - s == re_ - rs for s, e, rs, re_ in moves):
        return

    def start_of(offset: int) -> int:
        shift = 0
        for s, e, rs, re_ in moves:
            if offset < rs:
                break
            if offset < re_:
                return s
            shift = e - re_
        return offset + shift

    def end_of(offset: int) -> int:
        shift = 0
        for s, e, rs, re_ in moves:
            if offset <= rs:
                break
            if offset <= re_:
                return e
            shift = e - re_
        return offset + shift

    def move(span: Span) -> Span:
        return Span(path, start_of(span.start), end_of(span.end)) if span.path == path else span

    _walk(facts, move, set())


def _walk(obj, move, seen: set[int]):
    """`obj` with every Span inside it moved (dataclasses, lists and dicts in place)."""
    if isinstance(obj, Span):
        return move(obj)
    if isinstance(obj, (str, int, float, bool, type(None))) or id(obj) in seen:
        return obj
    seen.add(id(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            moved = _walk(value, move, seen)
            if moved is not value:
                object.__setattr__(obj, f.name, moved)
    elif isinstance(obj, list):
        obj[:] = [_walk(v, move, seen) for v in obj]
    elif isinstance(obj, tuple):
        moved = tuple(_walk(v, move, seen) for v in obj)
        return moved if any(a is not b for a, b in zip(moved, obj)) else obj
    elif isinstance(obj, dict):
        for key, value in list(obj.items()):
            obj[key] = _walk(value, move, seen)
    return obj

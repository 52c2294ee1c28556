"""The homeserver config a Kubernetes container runs with: a homeserver.yaml or a
Continuwuity/Tuwunel TOML held in a ConfigMap/Secret key (parsers/kube_homeserver) or in a
file a kustomize generator puts there belongs to the container that mounts that key at a
path its program reads. The config's `service` is then that container (in the same
namespace), so its Kubernetes Service names are the homeserver's upstream; a container of
an image rtclint does not know becomes the homeserver ('synapse' role) when it runs Synapse
with that config. A config no container reads stays as it was.

Which paths a program reads, from the real programs:
- Synapse's image runs `/start.py` (element-hq/synapse `docker/start.py`): its first
  argument is the mode (`run` when none is given; `generate`/`migrate_config` write a
  config and exit, any other word exits with an error); in `run` mode, unless an argument
  starts with `--config-path` or `-c`, it adds `--config-path $SYNAPSE_CONFIG_PATH`,
  default `$SYNAPSE_CONFIG_DIR/homeserver.yaml`, default `/data/homeserver.yaml`. A
  container `command` replaces the entrypoint: `python -m synapse.app.homeserver -c …`
  reads what its options name. Synapse takes `-c`/`--config-path` many times, and a
  directory there means every `*.yaml` file directly in it (`find_config_files`).
- Continuwuity reads the files named by CONDUIT_CONFIG, CONDUWUIT_CONFIG and
  CONTINUWUITY_CONFIG, then every `-c`/`--config` (continuwuity `src/core/config/mod.rs`
  `Config::load`, `src/main/clap.rs`); Tuwunel the same with TUWUNEL_CONFIG (tuwunel
  `src/core/config/mod.rs` `file_paths`); conduwuit, before the fork, only the first two.
  Their images' entrypoint is the server itself.
A Compose service is read the same way: `entrypoint` replaces the image's, `command` is
the arguments.
A variable whose value the tree does not hold names no path rtclint can follow: that path
stays unknown (the others are still read).
"""

from __future__ import annotations

import os

from rtclint.model.linking_kube import same_namespace
from rtclint.model.services import Service

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.configs import SynapseConfig
    from rtclint.model.deployment import Deployment

SYNAPSE_DEFAULT_DIR = "/data"
TOML_ENVS = {
    "continuwuity": ("CONDUIT_CONFIG", "CONDUWUIT_CONFIG", "CONTINUWUITY_CONFIG"),
    "tuwunel": ("CONDUIT_CONFIG", "CONDUWUIT_CONFIG", "TUWUNEL_CONFIG"),
    "conduwuit": ("CONDUIT_CONFIG", "CONDUWUIT_CONFIG"),  # before the Continuwuity fork
}
# Image names (as in rules/homeserver_toml/view.py) → the server whose variables it reads.
TOML_IMAGES = (("tuwunel", "tuwunel"), ("continuwuity", "continuwuity"), ("conduwuit", "conduwuit"))


def link_homeservers(dep: "Deployment") -> None:
    held = _held_configs(dep)
    if not held:
        return
    holders: dict[str, list[Service]] = {}
    for svc in dep.services:
        if svc.source in ("k8s-configmap", "k8s-secret"):
            kind = svc.source[len("k8s-"):]
            holders.setdefault(f"{kind}:{svc.facts.get(kind)}", []).append(svc)
    # the main process first: a worker (`-m synapse.app.generic_worker`, SYNAPSE_WORKER)
    # reads the same homeserver.yaml, but the homeserver is the main one
    pods = sorted((s for s in dep.services if s.source == "k8s"), key=_is_worker)
    for svc in pods:
        for flavor, path in read_paths(svc):
            for cfg in _mounted(svc, holders, held, path, directory_ok=flavor == "synapse"):
                if (cfg.flavor == "synapse") == (flavor == "synapse") and cfg.service is None:
                    _claim(cfg, svc)


def _is_worker(svc: Service) -> bool:
    return "SYNAPSE_WORKER" in svc.env or any(".generic_worker" in w or ".worker" in w for w in svc.command)


def _held_configs(dep: "Deployment") -> dict:
    """(path, start, end) of a key's value / a generated file's path → its homeserver configs."""
    held: dict = {}
    for cfg in (*dep.synapse, *dep.toml_homeservers):
        if cfg.embedded and cfg.span is not None:
            held.setdefault((cfg.span.path, cfg.span.start, cfg.span.end), []).append(cfg)
        elif not cfg.embedded:
            held.setdefault(cfg.path, []).append(cfg)
    return held


def _claim(cfg: SynapseConfig, svc: Service) -> None:
    cfg.service = svc.name
    svc.facts.setdefault("homeserver_configs", []).append(cfg.path)
    if cfg.flavor == "synapse" and svc.role == "other":
        svc.role = "synapse"
        svc.facts["role_from_config"] = True  # its image tag names no Synapse version
    elif cfg.flavor != "synapse":
        svc.facts["homeserver"] = cfg.flavor


# -- the paths a container's program reads ------------------------------------------------


def read_paths(svc: Service) -> list[tuple[str, str]]:
    """(flavor, path) of every config file the container's program reads: flavor
    'synapse', or 'continuwuity'/'conduwuit'/'tuwunel' for the TOML servers."""
    toml = _toml_flavor(svc)
    if toml is not None:
        return [(toml, p) for p in _toml_paths(svc, toml)]
    return [("synapse", p) for p in _synapse_paths(svc)]


def _command_line(svc: Service) -> tuple[list[str] | None, list[str]]:
    """(the entrypoint when the service replaces the image's, None otherwise; the arguments):
    a Kubernetes container's `command`/`args`, a Compose service's `entrypoint`/`command`."""
    args = (svc.facts.get("args") or []) if svc.source == "k8s" else svc.command
    return svc.facts.get("entrypoint"), args


def _synapse_paths(svc: Service) -> list[str]:
    command, args = _command_line(svc)
    if command is None:
        return _start_py(args, svc) if svc.role == "synapse" else []
    words = [*command, *args]
    for index, word in enumerate(words):
        if word.endswith("start.py"):
            return _start_py(words[index + 1:], svc)
        if word.startswith("synapse.app."):
            return option_values(words[index + 1:], SYNAPSE_OPTIONS)
    return []  # a shell line or another program: what it runs is not read here


def _start_py(args: list[str], svc: Service) -> list[str]:
    mode = args[0] if args else "run"
    if mode != "run":
        return []  # `generate`/`migrate_config` write a config and exit; other words exit
    rest = args[1:]
    paths = option_values(rest, SYNAPSE_OPTIONS)
    if any(a.startswith(("--config-path", "-c")) for a in rest):  # start.py's own test
        return paths
    config_path = svc.env.get("SYNAPSE_CONFIG_PATH")
    config_dir = svc.env.get("SYNAPSE_CONFIG_DIR")
    if config_path is not None:
        return [*paths, config_path.value] if config_path.value else paths
    if config_dir is not None:
        return [*paths, f"{config_dir.value}/homeserver.yaml"] if config_dir.value else paths
    return [*paths, f"{SYNAPSE_DEFAULT_DIR}/homeserver.yaml"]


def _toml_flavor(svc: Service) -> str | None:
    image = (svc.image.value if svc.image is not None and isinstance(svc.image.value, str) else "").lower()
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    for part, flavor in TOML_IMAGES:
        if part in name:
            return flavor
    if "TUWUNEL_CONFIG" in svc.env:
        return "tuwunel"
    if "CONTINUWUITY_CONFIG" in svc.env:
        return "continuwuity"
    if any(n in svc.env for n in TOML_ENVS["conduwuit"]):
        return "conduwuit"
    return None


def _toml_paths(svc: Service, flavor: str) -> list[str]:
    paths = [svc.env[n].value for n in TOML_ENVS[flavor] if n in svc.env and svc.env[n].value]
    command, args = _command_line(svc)
    words = [*command[1:], *args] if command else args  # command[0]: the program itself
    return [*paths, *option_values(words, TOML_OPTIONS)]


# (short option, long option, shortest prefix argparse accepts for the long one or None)
SYNAPSE_OPTIONS = ("-c", "--config-path", "--config-p")
TOML_OPTIONS = ("-c", "--config", None)  # clap: no abbreviations


def option_values(words: list[str], options: tuple) -> list[str]:
    """The values given to a repeatable path option: `-c X`, `-cX`, `-c=X`, `--long X`,
    `--long=X` (and, for argparse, an unambiguous prefix of `--long`)."""
    short, long, prefix = options
    out = []
    index = 0
    while index < len(words):
        word = words[index]
        name, eq, value = word.partition("=")
        is_long = name == long or (prefix is not None and name.startswith(prefix) and long.startswith(name))
        if word == "--":
            break
        if is_long or word == short:
            if eq and is_long:
                out.append(value)
            elif index + 1 < len(words):
                out.append(words[index + 1])
                index += 1
        elif word.startswith(short) and not word.startswith("--") and len(word) > len(short):
            out.append(word[len(short) + 1:] if word[len(short)] == "=" else word[len(short):])
        index += 1
    return out


# -- which key is mounted there -----------------------------------------------------------


def _mounted(svc: Service, holders: dict, held: dict, path: str, directory_ok: bool) -> list[SynapseConfig]:
    """The homeserver configs of the ConfigMap/Secret keys this container has at `path`
    (for Synapse, `path` may be a mounted directory: its `*.yaml` keys)."""
    path = os.path.normpath(path)
    found = []
    for mount in svc.mounts:
        source, _, sub = mount.source.partition("#")
        if not source.startswith(("configmap:", "secret:")) or not mount.target:
            continue
        holder = next((h for h in holders.get(source, ())
                       if same_namespace(h.facts.get("namespace"), svc.facts.get("namespace"))), None)
        if holder is None:
            continue
        files = mount.files
        if files is None:  # every key of the object, as `target/KEY`
            files = {k: f"{mount.target.rstrip('/')}/{k}" for k in holder.facts.get("keys") or ()}
        spans = holder.facts.get("homeserver_keys") or {}
        generated = holder.facts.get("files") or {}
        for key in _keys_at(files, path, directory_ok and not sub):
            span = spans.get(key)
            if span is not None:
                found += held.get((span.path, span.start, span.end), [])
            elif generated.get(key):
                found += held.get(generated[key], [])
    return found


def _keys_at(files: dict[str, str], path: str, directory_ok: bool) -> list[str]:
    """The keys whose file is `path`; none, and a directory allowed: the keys that are
    `*.yaml` files directly in `path` (as Synapse reads a directory)."""
    exact = [k for k, p in files.items() if os.path.normpath(p) == path]
    if exact or not directory_ok:
        return exact
    return [k for k, p in files.items() if os.path.dirname(os.path.normpath(p)) == path and p.endswith(".yaml")]

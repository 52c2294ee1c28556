"""Settings files: the top level of `.rtclint.toml` or `rtclint.toml`, or `[tool.rtclint]`
in `pyproject.toml`, found as ruff finds its own.

The file nearest to the checked paths wins (searching from their common directory up to
the filesystem root; a parent's file is then not read); in one directory `.rtclint.toml`
beats `rtclint.toml`, which beats `pyproject.toml`, and a `pyproject.toml` without a
`[tool.rtclint]` table is passed over. Every key, code, severity, version and glob is
validated: a typo must fail loudly (exit 2, naming the file, the key and what is allowed),
never silently turn a check off.

```toml
[tool.rtclint]
select = ["RTC1", "RTC2"]
extend-select = ["RTC9"]
ignore = ["RTC407"]
exclude = ["legacy/"]
fail-on = "error"
server-name = "example.com"
per-file-ignores = { "staging/*" = ["RTC9"] }

[tool.rtclint.target]
synapse = "1.140"
element-call = "0.24"
```
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable

from rtclint.config import DEFAULT_TARGETS, Config
from rtclint.diagnostics import Severity

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAMES = (".rtclint.toml", "rtclint.toml", "pyproject.toml")
KNOWN_KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "exclude", "fail-on", "server-name", "target")


VERSION = re.compile(r"v?\d+(\.\d+){0,3}([.-]?(rc|alpha|beta|a|b)\.?\d*)?\Z", re.I)


class ConfigError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def find_config_file(paths: Iterable[str]) -> str | None:
    """The settings file nearest to the common directory of `paths`, or None."""
    start = _common_dir(list(paths) or ["."])
    directory = start
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and _has_rtclint_settings(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _common_dir(paths: list[str]) -> str:
    dirs = []
    for p in paths:
        full = os.path.abspath(p)
        dirs.append(full if os.path.isdir(full) else os.path.dirname(full))
    try:
        return os.path.commonpath(dirs)
    except ValueError:  # paths on different drives (Windows)
        return dirs[0]


def _has_rtclint_settings(path: str) -> bool:
    if os.path.basename(path) != "pyproject.toml":
        return True
    try:
        data = _read_toml(path)
    except ConfigError:
        return True  # broken: report it rather than silently skip to a parent file
    return isinstance(data.get("tool"), dict) and "rtclint" in data["tool"]


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return _toml().load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except _toml().TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def settings_table(path: str) -> tuple[dict[str, Any], str]:
    """The rtclint settings in a file and the name of their table, for messages."""
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml" or set(data) == {"tool"}:
        table = data.get("tool", {}).get("rtclint", {})
        return table, "[tool.rtclint]"
    return data, "the top level"


def load_config(paths: Iterable[str], explicit: str | None = None, base: Config | None = None) -> Config:
    """The configuration for checking `paths`: `explicit` if given, else the nearest
    settings file, else the defaults. Raises ConfigError for anything invalid."""
    config = base or Config()
    path = explicit
    if path is not None and not os.path.isfile(path):
        raise ConfigError(f"{path}: configuration file not found")
    if path is None:
        path = find_config_file(paths)
    if path is None:
        return config
    table, where = settings_table(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    apply_settings(config, table, path, where)
    config.root = os.path.dirname(os.path.abspath(path))
    config.source = path
    return config


def apply_settings(config: Config, table: dict[str, Any], path: str, where: str = "[tool.rtclint]") -> None:
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key '{unknown[0]}' in {where} (known keys: {', '.join(KNOWN_KEYS)})")
    if "select" in table:
        config.select = _codes(table["select"], "select", path)
    if "extend-select" in table:
        extend = _codes(table["extend-select"], "extend-select", path)
        if config.select:  # an empty selection already means every rule
            config.select = config.select + extend
        config.opt_in = config.opt_in + extend  # opt-in codes (RTC006) are on only when named
    if "ignore" in table:
        config.ignore = _codes(table["ignore"], "ignore", path)
    if "exclude" in table:
        config.exclude = [_glob(g, "exclude", path) for g in _strings(table["exclude"], "exclude", path)]
    if "per-file-ignores" in table:
        config.per_file_ignores = _per_file_ignores(table["per-file-ignores"], path)
    if "fail-on" in table:
        config.fail_on = _severity(table["fail-on"], path)
    if "server-name" in table:
        value = table["server-name"]
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: 'server-name' must be a non-empty string, e.g. \"example.com\"")
        config.server_name = value.strip()
    if "target" in table:
        config.targets = _targets(table["target"], path)


def _strings(value: Any, key: str, path: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value


def _codes(value: Any, key: str, path: str) -> list[str]:
    from rtclint.rules import known_codes

    known = known_codes()
    codes = [c.strip().upper() for c in _strings(value, key, path)]
    for code in codes:
        if not code or not any(k.startswith(code) for k in known):
            raise ConfigError(f"{path}: unknown rule code or prefix '{code}' in '{key}' (see `rtclint rules`)")
    return codes


def _per_file_ignores(value: Any, path: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
    return {_glob(glob, "per-file-ignores", path): _codes(codes, f"per-file-ignores.\"{glob}\"", path)
            for glob, codes in value.items()}


def _glob(pattern: str, key: str, path: str) -> str:
    """A glob as written, or ConfigError when it cannot match what was meant: empty, an
    unclosed `[`, or `**` glued to other characters (only `**/`, `/**/` and `/**` are
    globstars; `a**` is the same as `a*`, a silent surprise)."""
    allowed = "a glob such as \"staging/*\", \"**/*.conf\" or \"legacy/\""
    problem = None
    if not pattern.strip():
        problem = "is empty"
    elif _unclosed_bracket(pattern):
        problem = "has a `[` that is never closed"
    elif any("**" in part and part != "**" for part in pattern.split("/")):
        problem = "uses `**` inside a name (only whole `**/` path parts match any directories)"
    if problem:
        raise ConfigError(f"{path}: '{key}': the glob {pattern!r} {problem}; expected {allowed}")
    return pattern


def _unclosed_bracket(pattern: str) -> bool:
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            close = pattern.find("]", i + 2)
            if close == -1:
                return True
            i = close
        i += 1
    return False


def _severity(value: Any, path: str) -> Severity:
    names = [s.value for s in Severity]
    if not isinstance(value, str) or value.lower() not in names:
        raise ConfigError(f"{path}: 'fail-on' must be one of {', '.join(names)} (got {value!r})")
    return Severity(value.lower())


def _targets(value: Any, path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'target' must be a table, e.g. target = {{ synapse = \"1.140\" }}")
    targets = dict(DEFAULT_TARGETS)
    for name, version in value.items():
        if name not in DEFAULT_TARGETS:
            raise ConfigError(f"{path}: unknown key 'target.{name}' (known: {', '.join(DEFAULT_TARGETS)})")
        if not isinstance(version, str) or not version.strip():
            # A TOML float would turn "1.10" into 1.1: versions must be quoted.
            raise ConfigError(f"{path}: 'target.{name}' must be a version string in quotes, e.g. \"1.140\"")
        if not VERSION.match(version.strip()):
            raise ConfigError(f"{path}: 'target.{name}' is {version!r}, not a version: expected digits "
                              f"separated by dots, e.g. \"{DEFAULT_TARGETS[name]}\"")
        targets[name] = version.strip()
    return targets


def is_excluded(abspath: str, config: Config) -> bool:
    """Whether the configuration's `exclude` patterns (relative to the settings file's
    directory, gitignore syntax) cover a file, including files named explicitly."""
    if not config.exclude:
        return False
    from rtclint.ignore import GitIgnore

    root = os.path.abspath(config.root)
    rel = os.path.relpath(os.path.abspath(abspath), root)
    if rel.startswith(".."):
        return False
    return GitIgnore(config.exclude).match_file(rel.replace(os.sep, "/"))

"""What a file's content says it is, for the files whose name does not tell (a `.conf`, a
`.cfg`, a file named on the command line): a format (nginx, HAProxy, Caddy, JSON, env,
YAML), or a config of a program rtclint cannot model ("foreign": RTC004 names it, so that
a tree of them never reads as an all-clear). discover.py asks it; the patterns are
compiled only when a first file's content is read.
"""

from __future__ import annotations

import functools
import os
import re


# Configs of proxies, homeservers and call stacks rtclint cannot model (RTC004 names them,
# so that a tree of them never reads as an all-clear). The name decides for these...
FOREIGN_NAMES = {"httpd.conf": "Apache httpd config", "apache2.conf": "Apache httpd config",
                 "lighttpd.conf": "lighttpd config", "caddy.json": "Caddy JSON config"}
NIX_CADDY_JSON = "Caddy JSON config (NixOS services.caddy.settings)"
BY_YAML_NAME = {"envoy.": "Envoy config", "dendrite": "Dendrite homeserver config"}  # name prefix -> what
# ...the content for the rest: (what it is, a line only that program's configs hold, and for
# the costly multi-line patterns the words it cannot match without: a C substring test
# spares most files the pattern's ~30 µs walk over every line)
_FOREIGN_WORDS = {
    "Apache httpd config": ("<VirtualHost", "<Location", "ProxyPass", "ServerName", "RewriteRule", "DocumentRoot"),
    "lighttpd config": ("server.", "proxy.server", '$HTTP["', '$SERVER["'),
}


# matrix-docker-ansible-deploy's inventory/host_vars/<host>/vars.yml: the playbook writes
# the proxy, homeserver and call-stack configs from it (rules/files/rtc004 says which)
PLAYBOOK_VARS = "matrix-docker-ansible-deploy vars.yml"


@functools.cache
def _patterns() -> tuple[list, dict]:
    """(the foreign configs' patterns, in order; the formats' patterns by name), compiled
    when the first file's content must be read (a `.conf`, a `.cfg`, a file named on the
    command line): most runs never read one, and compiling them all took ~5 ms."""
    foreign = [
        ("Apache httpd config", re.compile(r"^[ \t]*(<VirtualHost\b|<Location(Match)?\b|ProxyPass(Match|Reverse)?[ \t]|"
                                           r"ServerName[ \t]|RewriteRule[ \t]|DocumentRoot[ \t])", re.M)),
        ("lighttpd config", re.compile(r'^[ \t]*(server\.(modules|document-root|port|bind)[ \t]*\+?=|'
                                       r'\$HTTP\["(host|url)"\]|\$SERVER\["socket"\]|proxy\.server[ \t]*\+?=)', re.M)),
        ("HAProxy Lua script", re.compile(r"\bcore\.register_(service|action|fetches|converters|task|init)[ \t]*\(")),
        ("OpenResty (nginx Lua) script", re.compile(r"\bngx\.(say|var|req|header|exit|redirect|location|print)\b")),
        ("Caddy JSON config", re.compile(r'"apps"\s*:\s*\{\s*"(http|tls|layer4)"\s*:')),
        # NixOS writes Caddy's JSON config from it (parsers/nix_caddy); only .nix files are asked
        (NIX_CADDY_JSON, re.compile(r"\bcaddy\.settings\b[ \t]*[=.]|\bservices\.caddy[ \t]*=")),
        ("Envoy config", re.compile(r"^(static_resources|dynamic_resources|admin):", re.M)),
        ("Dendrite homeserver config", re.compile(r"^(global|client_api|federation_api|app_service_api):", re.M)),
    ]
    kinds = {
        "haproxy": re.compile(r"^(global|defaults|frontend|backend|listen)(\s|$)", re.M),
        "haproxy_body": re.compile(r"^\s+(bind|use_backend|default_backend|server|mode|acl|http-request)\s", re.M),
        "nginx": re.compile(r"^\s*(server|http|location|upstream|events|map)\b[^\n{;]*\{|^\s*(proxy_pass|server_name|"
                            r"listen|add_header|return|include|ssl_certificate|root)\s[^\n;{]*;", re.M),
        "caddy": re.compile(r"^\s*(reverse_proxy|respond|handle_path|handle|route|header|encode|file_server|tls|redir|"
                            r"import|root|php_fastcgi|uri|rewrite)\b(?![^\n]*;\s*$)", re.M),
        "env": re.compile(r"^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*=", re.M),
        "yaml": re.compile(r"^[A-Za-z_][\w.-]*:(\s|$)", re.M),
        "playbook_vars": re.compile(r"^matrix_domain:", re.M),
    }
    return foreign, kinds


def foreign_config(text: str, name: str = "") -> tuple[str, int] | None:
    """(what it is, character offset of the line that tells) for a config rtclint cannot
    model, or None. By name (FOREIGN_NAMES, `envoy.*`/`dendrite*` YAML) the evidence is
    the first telling line when there is one, else the start."""
    lower = os.path.basename(name).lower()
    if lower in ("vars.yml", "vars.yaml"):
        found = _patterns()[1]["playbook_vars"].search(text)
        return (PLAYBOOK_VARS, found.start()) if found else None
    by_name = FOREIGN_NAMES.get(lower)
    if by_name is None and lower.endswith((".yml", ".yaml")):
        by_name = next((what for prefix, what in BY_YAML_NAME.items() if lower.startswith(prefix)), None)
    for what, pattern in _patterns()[0]:
        if by_name is not None and what != by_name:
            continue
        if what in BY_YAML_NAME.values() and by_name is None:
            continue  # YAML keys this common decide nothing without the name
        if "Lua" in what and not lower.endswith(".lua"):
            continue  # inline Lua (`content_by_lua_block`) leaves an nginx file an nginx file
        if what == "Caddy JSON config" and not text.lstrip().startswith("{"):
            continue
        if (what == NIX_CADDY_JSON) != lower.endswith(".nix"):
            continue
        if what in _FOREIGN_WORDS and not any(word in text for word in _FOREIGN_WORDS[what]):
            continue
        found = pattern.search(text)
        if found:
            return what, found.start() + len(found.group(0)) - len(found.group(0).lstrip())
    return (by_name, 0) if by_name is not None else None


_HAPROXY_SECTIONS = ("global", "defaults", "frontend", "backend", "listen")


def _may_start_a_line(text: str, words: tuple[str, ...]) -> bool:
    """Whether one of `words` starts a line of `text` (and maybe more follows): what a
    `^(word|…)` multi-line pattern needs, told by C substring tests before the pattern
    walks every line."""
    return text.startswith(words) or any("\n" + word in text for word in words)


def kind_from_content(text: str, name: str = "") -> str | None:
    """Best guess from the first kilobytes: used for `.conf`/`.cfg` files and for files
    named on the command line whose name says nothing."""
    if foreign_config(text, name) is not None:  # first: an Apache vhost is no Caddyfile
        return "foreign"
    patterns = _patterns()[1]
    if _may_start_a_line(text, _HAPROXY_SECTIONS) and patterns["haproxy"].search(text) and (
            patterns["haproxy_body"].search(text) or name.endswith(".cfg")):
        return "haproxy"
    if patterns["nginx"].search(text):
        return "nginx"
    if patterns["caddy"].search(text) and ";" not in re.sub(r"#.*", "", text):
        return "caddy"
    stripped = text.lstrip()
    if stripped.startswith("{") and stripped.rstrip().endswith("}"):
        return "json"
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and all(patterns["env"].match(ln) for ln in lines):
        return "env"
    if patterns["yaml"].search(text) or text.startswith("---"):
        return "yaml"
    if patterns["caddy"].search(text):
        return "caddy"
    return None

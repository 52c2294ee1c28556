"""HAProxy sections: the lines of a configuration grouped by section (`defaults` in effect
for each proxy, `.if` blocks read through), with the line checks HAProxy makes at start."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rtclint.document import Document
from rtclint.parsers.haproxy_lexer import Line, LineError, tokenize_line

SECTIONS = {"global", "defaults", "frontend", "backend", "listen", "peers", "resolvers", "userlist", "cache",
            "program", "http-errors", "ring", "mailers", "log-forward", "fcgi-app", "crt-store", "traces", "acme",
            "dynamic-update"}
PROXY_SECTIONS = {"defaults", "frontend", "backend", "listen"}
# Keywords that start a proxy-section line: a file that begins with them before any
# section header is a section body kept on its own (a documentation snippet).
BODY_KEYWORDS = {"acl", "bind", "use_backend", "default_backend", "http-request", "http-response", "server",
                 "mode", "option", "timeout", "tcp-request", "redirect", "balance", "http-after-response",
                 "capture", "stats", "errorfile", "log", "maxconn", "default-server", "use-server", "filter",
                 "compression", "hash-type", "cookie", "monitor-uri", "unique-id-format", "http-check"}
REMOVED = {"reqadd": "http-request add-header", "reqrep": "http-request replace-header",
           "reqirep": "http-request replace-header", "reqdel": "http-request del-header",
           "reqidel": "http-request del-header", "reqallow": "http-request allow", "reqiallow": "http-request allow",
           "reqdeny": "http-request deny", "reqideny": "http-request deny", "reqpass": "(nothing)",
           "reqipass": "(nothing)", "reqtarpit": "http-request tarpit", "reqitarpit": "http-request tarpit",
           "rspadd": "http-response add-header", "rsprep": "http-response replace-header",
           "rspirep": "http-response replace-header", "rspdel": "http-response del-header",
           "rspidel": "http-response del-header", "rspdeny": "http-response deny",
           "rspideny": "http-response deny", "block": "http-request deny", "redisp": "option redispatch"}
TIMEOUTS = {"client", "server", "connect", "check", "queue", "http-keep-alive", "http-request", "tunnel", "tarpit",
            "client-fin", "server-fin", "client-hs"}
MODES = {"tcp", "http", "health", "log", "spop"}
_TIME_UNITS = {"us": 1e-6, "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass
class Section:
    """An HAProxy section (global, defaults, frontend, backend, listen) and its lines."""

    kind: str  # 'global', 'frontend', ... or '' for a body with no header (fragment)
    name: str
    header: Line | None
    lines: list[Line] = field(default_factory=list)
    defaults: "Section | None" = None  # the defaults section in effect

    def find(self, keyword: str) -> list[Line]:
        return [ln for ln in self.lines if ln.keyword == keyword]


@dataclass
class Config:
    """An HAProxy config file split into sections, and the lines that did not tokenize."""

    sections: list[Section]
    errors: list[LineError]


def parse_config(doc: Document) -> Config:
    text = doc.text
    sections: list[Section] = []
    errors: list[LineError] = []
    current: Section | None = None
    last_defaults: Section | None = None
    named: dict[str, Section] = {}  # named defaults sections, for `from NAME`
    conds: list[int] = []
    for number, (start, end) in enumerate(physical_lines(text), 1):
        if text[start:end].lstrip(" \t").startswith("["):
            continue
        words, err = tokenize_line(text, start, end)
        if err is not None:
            errors.append(err)
            continue
        if not words:
            continue
        line = Line(words, start, end, number)
        if line.keyword.startswith("."):
            _directive(line, conds, errors)
            continue
        if line.keyword in SECTIONS:
            current = Section(line.keyword, line.words[1].value if len(words) > 1 else "", line)
            if line.keyword in PROXY_SECTIONS and len(words) < 2 and line.keyword != "defaults":
                errors.append(LineError(words[0].start, f"'{line.keyword}' expects an <id> argument"))
            if line.keyword == "defaults":
                last_defaults = current
                if current.name:
                    named[current.name] = current
            elif line.keyword in PROXY_SECTIONS:
                source = line.args()[2] if line.args()[1:2] == ["from"] and len(words) > 3 else None
                current.defaults = named.get(source, last_defaults) if source else last_defaults
            sections.append(current)
            continue
        if current is None:
            if line.keyword not in BODY_KEYWORDS:
                errors.append(LineError(words[0].start, f"unknown keyword '{line.keyword}' out of section"))
                continue
            current = Section("", "", None)
            sections.append(current)
        current.lines.append(line)
        _check_line(current, line, errors)
    if conds:
        # HAProxy notices at the end of its last line (a final line break starts no line)
        last = text.rfind("\n", 0, len(text) - 1) + 1 if text.endswith("\n") else text.rfind("\n") + 1
        errors.append(LineError(last, f"non-terminated '.if' block (opened on line {conds[-1]})"))
    return Config(sections, errors)


def physical_lines(text: str):
    """(start, end) of each line as HAProxy reads them: `fgets` splits at LF only, so a lone
    CR does not end a line; `parse_line` then stops at the first CR, which drops the rest
    of that line (readcfgfile in src/cfgparse.c, parse_line in src/tools.c)."""
    start = 0
    size = len(text)
    while start < size:
        stop = text.find("\n", start)
        if stop == -1:
            stop = size
        cr = text.find("\r", start, stop)
        yield start, stop if cr == -1 else cr
        start = stop + 1


def _directive(line: Line, conds: list[int], errors: list[LineError]) -> None:
    """`.if`/`.elif`/`.else`/`.endif` nesting and the message directives (conditions are
    not evaluated: both branches are read)."""
    kw = line.keyword
    at = line.words[0].start
    if kw == ".if":
        conds.append(line.number)
    elif kw in (".elif", ".else", ".endif"):
        if not conds:
            errors.append(LineError(at, f"lone '{kw}' with no matching '.if'"))
        elif kw == ".endif":
            conds.pop()
    elif kw not in (".diag", ".notice", ".warning", ".alert"):
        errors.append(LineError(at, f"unknown directive '{kw}'"))


def _check_line(section: Section, line: Line, errors: list[LineError]) -> None:
    """The keyword-level errors HAProxy reports for the lines the model reads."""
    kw, args, first = line.keyword, line.args(), line.words[0].start
    problem = None
    if kw in REMOVED and section.kind != "global":
        problem = f"the '{kw}' directive is not supported anymore since HAProxy 2.1; use '{REMOVED[kw]}' instead"
    elif section.kind not in ("global", "") and section.kind not in PROXY_SECTIONS:
        return
    elif kw == "mode" and section.kind != "global" and (not args or args[0] not in MODES):
        problem = f"unknown proxy mode '{args[0] if args else ''}'"
    elif kw == "timeout" and section.kind != "global":
        problem = _timeout_problem(args)
    elif kw == "server" and section.kind in ("backend", "listen", "") and len(args) < 2:
        problem = "'server' expects <name> and <addr>[:<port>] as arguments"
    elif kw == "bind" and section.kind in ("frontend", "listen", ""):
        problem = _bind_problem(args)
    elif kw == "use_backend" and not args:
        problem = "'use_backend' expects a backend name"
    elif kw == "default_backend" and len(args) != 1:
        problem = ("'default_backend' expects a backend name" if not args
                   else f"'default_backend' cannot handle unexpected argument '{args[1]}'")
    elif kw == "http-request" and args and args[0] == "return":
        problem = _return_problem(args[1:])
    elif kw in ("http-response", "http-after-response") and args and args[0] in ("add-header", "set-header"):
        body = before_condition(args[1:])
        if len(body) != 2:
            problem = f"'{kw} {args[0]}' expects exactly 2 arguments"
    if problem:
        errors.append(LineError(first, problem))


def _timeout_problem(args: list[str]) -> str | None:
    if not args or args[0] not in TIMEOUTS:
        return f"'timeout' supports {', '.join(sorted(TIMEOUTS))} (got '{args[0] if args else ''}')"
    if len(args) < 2:
        return f"'timeout {args[0]}' expects an integer value (in milliseconds)"
    if parse_time(args[1]) is None:
        return f"invalid value '{args[1]}' in 'timeout {args[0]}'"
    return None


def _bind_problem(args: list[str]) -> str | None:
    if not args:
        return "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments"
    for part in args[0].split(","):
        for port in ports_text(part):
            if not port.isdecimal() or not 0 < int(port) < 65536:
                return f"'bind' : invalid port '{port}'"
    return None


def _return_problem(args: list[str]) -> str | None:
    opts = before_condition(args)
    i = 0
    payload = ctype = False
    while i < len(opts):
        key = opts[i]
        val = opts[i + 1] if i + 1 < len(opts) else None
        if key in ("status", "content-type", "string", "lf-string", "file", "lf-file", "errorfile",
                   "errorfiles", "hdr"):
            if val is None:
                return f"'{key}' expects an argument"
            if key == "status" and (not val.isdecimal() or not 200 <= int(val) <= 599):
                return f"Unexpected status code '{val}'"
            if key == "content-type":
                ctype = True
            if key in ("string", "lf-string", "file", "lf-file"):
                payload = payload or bool(val)
                if key in ("string", "lf-string") and not val:
                    return f"'{key}' expects <str> as argument"
            i += 3 if key == "hdr" else 2
            continue
        if key == "default-errorfiles":
            i += 1
            continue
        return f"'http-request return' expects 'status', 'content-type', 'errorfile', 'errorfiles', 'file', " \
               f"'lf-file', 'string', 'lf-string' or 'hdr', but got '{key}'"
    if payload and not ctype:
        return "a content type must be defined when non-empty payload is configured"
    return None


def before_condition(args: list[str]) -> list[str]:
    for k, a in enumerate(args):
        if a in ("if", "unless"):
            return args[:k]
    return args


def ports_text(addr: str) -> list[str]:
    if "@" in addr:
        proto, _, addr = addr.partition("@")
        if proto in ("unix", "abns", "fd", "sockpair"):
            return []
    if addr.startswith("/"):
        return []
    if addr.startswith("["):
        _, _, rest = addr.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        port = addr.rsplit(":", 1)[1] if ":" in addr else ""
    if not port:
        return []
    return port.split("-", 1)


def parse_time(value: str) -> float | None:
    """HAProxy time (default unit ms) in seconds; None when invalid."""
    m = re.fullmatch(r"(\d+)(us|ms|s|m|h|d)?", value)
    if m is None:
        return None
    return int(m.group(1)) * (_TIME_UNITS[m.group(2)] if m.group(2) else 0.001)

"""The HAProxy parser: `read(doc, tree) -> FileFacts`.

The tokenizer follows HAProxy 2.x `parse_line` (src/tools.c) as `cfgparse.c` calls it
(ENV | DQUOTE | SQUOTE | BKSLASH | SHARP | WORD_EXPAND): a line ends at LF or CR (no
continuation lines); `#` outside quotes starts a comment anywhere, even inside a word;
`'…'` is strong quoting; `"…"` is weak (`${VAR}`/`$VAR` expand inside it, backslash
escapes work); quoted and unquoted pieces glue into one word (`"a"'b'c` → `abc`);
outside single quotes a backslash escapes space, `\\\\`, `#`, quotes, `$` (inside double
quotes), gives `\\t` `\\n` `\\r`, and `\\xHH`; any other `\\c` stays as is. Errors are
reported where HAProxy reports them (its "at position N" is our column).

Environment variables are not expanded (rtclint does not know the runtime
environment): a word keeps `${VAR}` as written and is marked templated.

Model: a Site per `frontend`/`listen` (bind ports, `ssl`), Routes in HAProxy's
evaluation order — `http-request return|redirect|deny` rules first, then `use_backend`
rules, then `default_backend` — with the path ACLs of each condition as the matcher
and its host ACLs in `Route.facts['hosts']`.
"""

from __future__ import annotations

import re

from rtclint.document import Document, Span
from rtclint.model.deployment import FileFacts
from rtclint.model.proxy import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from dataclasses import dataclass, field

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
_HEX = set("0123456789abcdefABCDEF")


# -- tokenizer ---------------------------------------------------------------------------

@dataclass
class HWord:
    value: str
    start: int  # source span of the whole word, quotes included
    end: int
    where: list[int] = field(default_factory=list, repr=False)  # source offset of each value char
    templated: bool = False  # holds an environment variable reference


@dataclass
class Line:
    words: list[HWord]
    start: int  # offset of the line start
    end: int  # offset of the line end (before the line break)
    number: int

    @property
    def keyword(self) -> str:
        return self.words[0].value if self.words else ""

    def args(self, from_index: int = 1) -> list[str]:
        return [w.value for w in self.words[from_index:]]


@dataclass
class LineError:
    offset: int
    message: str


def tokenize_line(text: str, start: int, end: int) -> tuple[list[HWord], LineError | None]:
    """Words of text[start:end] (one physical line, no line break) as parse_line splits it."""
    words: list[HWord] = []
    i = start
    while i < end and text[i] in " \t\f\v":
        i += 1
    cur: HWord | None = None
    squote = dquote = False
    quote_at = -1
    out: list[str] = []
    where: list[int] = []

    def emit(ch: str, at: int) -> None:
        nonlocal cur
        if cur is None:
            cur = HWord("", at, at)
        out.append(ch)
        where.append(at)

    def close(at: int) -> None:
        nonlocal cur, out, where
        if cur is not None:
            cur.value, cur.where, cur.end = "".join(out), where, at
            words.append(cur)
        cur, out, where = None, [], []

    while i < end:
        ch = text[i]
        if ch == "\r":
            break
        if ch == "#" and not squote and not dquote:
            break
        if ch == '"' and not squote:
            if cur is None:
                cur = HWord("", i, i)
            dquote, quote_at = not dquote, i
            i += 1
            continue
        if ch == "'" and not dquote:
            if cur is None:
                cur = HWord("", i, i)
            squote, quote_at = not squote, i
            i += 1
            continue
        if ch == "\\" and not squote:
            step, value, err = _escape(text, i, end, dquote)
            if err:
                return words, LineError(i, "truncated or invalid hexadecimal sequence")
            emit(value, i)
            i += step
            continue
        if ch in " \t\f\v" and not squote and not dquote:
            close(i)
            while i < end and text[i] in " \t\f\v":
                i += 1
            continue
        if ch == "$" and dquote:
            step, err_at, message = _variable(text, i, end)
            if message:
                return words, LineError(err_at, message)
            if cur is None:
                cur = HWord("", i, i)
            cur.templated = True
            for k in range(i, i + step):
                emit(text[k], k)
            i += step
            continue
        emit(ch, i)
        i += 1
    if squote or dquote:
        return words, LineError(quote_at, "unmatched quote")
    close(i)
    return words, None


def _escape(text: str, i: int, end: int, dquote: bool) -> tuple[int, str, bool]:
    nxt = text[i + 1] if i + 1 < end else ""
    if nxt in (" ", "\\", "#", "'", '"'):
        return 2, nxt, False
    if nxt in ("t", "n", "r"):
        return 2, {"t": "\t", "n": "\n", "r": "\r"}[nxt], False
    if nxt == "$" and dquote:
        return 2, "$", False
    if nxt == "x":
        hexa = text[i + 2:i + 4]
        if len(hexa) < 2 or i + 4 > end or not set(hexa) <= _HEX:
            return 0, "", True
        return 4, chr(int(hexa, 16)), False
    return 1, "\\", False


def _variable(text: str, i: int, end: int) -> tuple[int, int, str]:
    """Length of a `$NAME` / `${NAME[-default]}` reference at i (kept verbatim), or where
    and why HAProxy rejects it."""
    j = i + 1
    brace = j if j < end and text[j] == "{" else -1
    if brace != -1:
        j += 1
    if j >= end or not (text[j].isalpha() or text[j] in "_."):
        return 0, j, "forbidden first char in environment variable name"
    j += 1
    while j < end and (text[j].isalnum() or text[j] == "_"):
        j += 1
    if brace == -1:
        return j - i, 0, ""
    if text.startswith("[*]", j):
        j += 3
    if j < end and text[j] == "-":
        close = text.find("}", j, end)
        if close == -1:
            return 0, brace, "unmatched brace in environment variable name"
        return close + 1 - i, 0, ""
    if j >= end or text[j] != "}":
        return 0, brace, "unmatched brace in environment variable name"
    return j + 1 - i, 0, ""


# -- sections ----------------------------------------------------------------------------

@dataclass
class Section:
    kind: str  # 'global', 'frontend', ... or '' for a body with no header (fragment)
    name: str
    header: Line | None
    lines: list[Line] = field(default_factory=list)
    defaults: "Section | None" = None  # the defaults section in effect

    def find(self, keyword: str) -> list[Line]:
        return [ln for ln in self.lines if ln.keyword == keyword]


@dataclass
class Config:
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
    for number in range(1, doc.line_count + 1):
        start = doc.offset(number, 1)
        end = doc.line_end(number)
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
        last = doc.line_count - 1 if text.endswith("\n") and doc.line_count > 1 else doc.line_count
        errors.append(LineError(doc.offset(last, 1), f"non-terminated '.if' block (opened on line {conds[-1]})"))
    return Config(sections, errors)


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
        body = _before_condition(args[1:])
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
        for port in _ports_text(part):
            if not port.isdecimal() or not 0 < int(port) < 65536:
                return f"'bind' : invalid port '{port}'"
    return None


def _return_problem(args: list[str]) -> str | None:
    opts = _before_condition(args)
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


def _before_condition(args: list[str]) -> list[str]:
    for k, a in enumerate(args):
        if a in ("if", "unless"):
            return args[:k]
    return args


def _ports_text(addr: str) -> list[str]:
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


# -- model -------------------------------------------------------------------------------

HOST_FETCHES = re.compile(r"^(req\.)?hdr(_dom|_beg|_end|_reg|_sub|_str)?\((host)\)(,lower)?$", re.I)
PATH_FETCHES = {"path": "exact", "path_beg": "prefix", "path_end": "end", "path_reg": "regex", "path_sub": "sub",
                "path_dir": "prefix", "path,lower": "exact"}
_MATCH_FLAGS = {"-m": 1, "-i": 0, "-f": 1, "-M": 0, "-n": 0, "-u": 1, "--": 0}


@dataclass
class Acl:
    name: str
    fetch: str
    values: list[str]
    ci: bool
    method: str  # -m value or ''
    span: Span


class ModelBuilder:
    def __init__(self, doc: Document, config: Config) -> None:
        self.doc = doc
        self.config = config
        self.backends = {s.name: s for s in config.sections if s.kind in ("backend", "listen")}

    def span(self, start: int, end: int) -> Span:
        return Span(self.doc.path, start, end)

    def line_span(self, line: Line) -> Span:
        return self.span(line.words[0].start, line.words[-1].end)

    def sites(self) -> list[Site]:
        return [self.site(s) for s in self.config.sections if s.kind in ("frontend", "listen", "")]

    def site(self, section: Section) -> Site:
        acls = self.acls(section)
        header = section.header
        span = self.line_span(header) if header else self.span(section.lines[0].start, section.lines[0].start)
        site = Site(kind="haproxy", hosts=[], listens=self.listens(section), routes=[], span=span,
                    name=f"{section.kind} {section.name}".strip() if header else "(section body)",
                    fragment=header is None)
        site.insert_at, site.indent = self.insert_point(section)
        site.facts["acls"] = {name: [a.fetch for a in group] for name, group in acls.items()}
        site.facts["mode"] = self.mode(section)
        fe_headers = self.response_headers(section, "http-response")
        after = self.response_headers(section, "http-after-response")
        site.headers = fe_headers + after
        tunnel = section.find("timeout")
        if section.kind == "frontend":
            ignored = [ln for ln in tunnel if ln.args()[:1] == ["tunnel"]]
            if ignored:
                site.facts["ignored_tunnel_timeout"] = self.line_span(ignored[0])
        for line in section.lines:
            route = self.rule_route(line, acls, after)
            if route is not None:
                site.routes.append(route)
        for line in section.lines:
            if line.keyword == "use_backend" and line.args():
                site.routes.append(self.backend_route(line, line.args()[0], acls, fe_headers + after))
        default = section.find("default_backend")
        if default and default[-1].args():
            site.routes.append(self.backend_route(default[-1], default[-1].args()[0], acls, fe_headers + after))
        elif section.kind == "listen" and section.find("server"):
            site.routes.append(self.backend_route(None, section.name, acls, fe_headers + after, section))
        site.hosts = self.hosts(site.routes)
        return site

    def mode(self, section: Section) -> str:
        """`http` or `tcp` (HAProxy's default is tcp; docs snippets assume http)."""
        for sec in (section, section.defaults):
            if sec is not None and sec.find("mode") and sec.find("mode")[-1].args():
                return sec.find("mode")[-1].args()[0]
        return "tcp" if section.header is not None else "http"

    def hosts(self, routes: list[Route]) -> list[str]:
        hosts: list[str] = []
        for route in routes:
            for h in route.facts.get("hosts") or ["*"]:
                if h not in hosts:
                    hosts.append(h)
        return hosts or ["*"]

    def listens(self, section: Section) -> list[Listen]:
        found: dict[tuple[int, bool], Listen] = {}
        for line in section.find("bind"):
            args = line.args()
            if not args:
                continue
            tls = "ssl" in args[1:] or args[0].startswith("quic")
            for part in args[0].split(","):
                ports = _ports_text(part)
                if ports and ports[0].isdecimal():
                    found.setdefault((int(ports[0]), tls), Listen(int(ports[0]), tls, self.line_span(line)))
        return list(found.values())

    def acls(self, section: Section) -> dict[str, list[Acl]]:
        found: dict[str, list[Acl]] = {}
        for line in section.find("acl"):
            words = line.args()
            if len(words) < 2:
                continue
            found.setdefault(words[0], []).append(self.acl(words[0], words[1:], self.line_span(line)))
        return found

    def acl(self, name: str, words: list[str], span: Span) -> Acl:
        fetch, rest = words[0], words[1:]
        ci, method, values = False, "", []
        i = 0
        while i < len(rest) and rest[i].startswith("-") and rest[i] in _MATCH_FLAGS:
            if rest[i] == "-i":
                ci = True
            if rest[i] == "-m" and i + 1 < len(rest):
                method = rest[i + 1]
            if rest[i] == "--":
                i += 1
                break
            i += 1 + _MATCH_FLAGS[rest[i]]
        values = rest[i:]
        return Acl(name, fetch.lower(), values, ci, method, span)

    # -- conditions --------------------------------------------------------------------

    def condition(self, words: list[str], acls: dict[str, list[Acl]], span: Span) -> tuple[PathMatch, dict]:
        """The path matcher and facts (hosts, unknown ACLs) of an `if`/`unless` condition."""
        facts: dict = {}
        if "if" in words:
            cond, unless = words[words.index("if") + 1:], False
        elif "unless" in words:
            cond, unless = words[words.index("unless") + 1:], True
        else:
            return PathMatch("any"), facts
        facts["condition"] = " ".join(cond)
        terms = self.terms(cond, acls)
        matcher = PathMatch("any")
        hosts: list[str] = []
        unknown = []
        for negated, group in terms:
            if group is None:
                unknown.append(negated)
                continue
            for acl in group:
                if HOST_FETCHES.match(acl.fetch) or acl.fetch in ("hdr(host)", "req.hdr(host)"):
                    if not negated:
                        hosts += [v.lower() for v in acl.values]
                elif acl.fetch in PATH_FETCHES or acl.fetch.startswith("path"):
                    matcher = self.path_matcher(group, negated != unless, span)
                    break
                else:
                    facts.setdefault("unmodelled", []).append(acl.fetch)
        if unknown:
            facts["unknown_acls"] = unknown
        if hosts:
            facts["hosts"] = list(dict.fromkeys(hosts))
        if any(w in ("||", "or") for w in cond):
            facts["or"] = True
        return matcher, facts

    def terms(self, cond: list[str], acls: dict[str, list[Acl]]) -> list[tuple]:
        """(negated, [Acl] or None) per ACL in the condition; anonymous `{ … }` ACLs too."""
        out: list[tuple] = []
        i = 0
        while i < len(cond):
            word = cond[i]
            negated = word.startswith("!")
            word = word[1:] if negated else word
            if word == "" and i + 1 < len(cond):
                i += 1
                word = cond[i]
            if word == "{":
                close = cond.index("}", i) if "}" in cond[i:] else len(cond)
                inner = cond[i + 1:close]
                if inner:
                    out.append((negated, [self.acl("", inner, Span(self.doc.path, 0, 0))]))
                i = close + 1
                continue
            if word in ("||", "or", "&&", "and"):
                i += 1
                continue
            group = acls.get(word)
            out.append((negated, group) if group is not None else (word, None))
            i += 1
        return out

    def path_matcher(self, group: list[Acl], negated: bool, span: Span) -> PathMatch:
        acl = group[0]
        kind = PATH_FETCHES.get(acl.fetch, "exact")
        if acl.method:
            kind = {"beg": "prefix", "str": "exact", "reg": "regex", "end": "end", "sub": "sub",
                    "dir": "prefix", "found": "any"}.get(acl.method, kind)
        values = [v for a in group for v in a.values]
        if kind == "end":
            kind, values = "regex", [re.escape(v) + "$" for v in values]
        elif kind == "sub":
            kind, values = "regex", [re.escape(v) for v in values]
        return PathMatch(kind, tuple(values), group[0].span, case_insensitive=any(a.ci for a in group),
                         negated=negated)

    # -- routes ------------------------------------------------------------------------

    def rule_route(self, line: Line, acls: dict, after: list[Header]) -> Route | None:
        """`http-request return|redirect|deny` → a route that answers before any backend."""
        args = line.args()
        if line.keyword != "http-request" or not args or args[0] not in ("return", "redirect", "deny", "tarpit"):
            return None
        span = self.line_span(line)
        matcher, facts = self.condition(args, acls, span)
        if facts.get("unmodelled"):
            # answered only under a condition rtclint does not evaluate (`unless { ssl_fc }`,
            # a method, a source address): not a route any path reliably takes
            matcher = PathMatch("none", (), matcher.span)
        route = Route(matcher, span, name=f"http-request {args[0]}", facts=facts)
        opts = _before_condition(args[1:])
        if args[0] == "return":
            route.respond, route.headers = self.returned(line, opts)
            route.headers += after
        elif args[0] == "redirect":
            target = opts[1] if len(opts) > 1 else ""
            code = _option(opts, "code")
            route.redirect = Redirect(target, int(code) if code.isdecimal() else 302, span)
        else:
            status = _option(opts, "deny_status") or "403"
            route.respond = Respond(int(status) if status.isdecimal() else 403, None)
        return route

    def returned(self, line: Line, opts: list[str]) -> tuple[Respond, list[Header]]:
        words = line.words[2:]
        resp = Respond(status=200, body=None)
        headers: list[Header] = []
        i = 0
        while i < len(opts):
            key = opts[i]
            word = words[i + 1] if i + 1 < len(words) else None
            if key == "status" and word is not None and word.value.isdecimal():
                resp.status = int(word.value)
            elif key == "content-type" and word is not None:
                resp.content_type = word.value
                resp.content_type_span = self.span(word.start, word.end)
            elif key in ("string", "lf-string") and word is not None:
                resp.body = word.value
                self.body_position(resp, word)
                resp.templated = word.templated or (key == "lf-string" and bool(re.search(r"%\[|%\{|%[A-Za-z]", word.value)))
            elif key in ("file", "lf-file", "errorfile") and word is not None:
                resp.from_file = word.value
            elif key == "hdr" and i + 2 < len(opts):
                name_w, value_w = words[i + 1], words[i + 2]
                headers.append(Header(name_w.value, value_w.value, self.span(name_w.start, value_w.end)))
                i += 3
                continue
            i += 1 if key == "default-errorfiles" else 2
        return resp, headers

    def body_position(self, resp: Respond, word: HWord) -> None:
        """Body span without the outer quotes; a map when escapes or glued quotes shift
        positions."""
        if not word.where:
            resp.body_span = self.span(word.start, word.start)
            return
        first, last = word.where[0], word.where[-1] + 1
        resp.body_span = self.span(first, last)
        if word.value != self.doc.text[first:last]:
            resp.body_map = list(word.where)

    def backend_route(self, line: Line | None, name: str, acls: dict, headers: list[Header],
                      backend: Section | None = None) -> Route:
        backend = backend or self.backends.get(name)
        span = self.line_span(line) if line else self.line_span(backend.header)
        args = line.args() if line else []
        matcher, facts = self.condition(args, acls, span) if line else (PathMatch("any"), {})
        label = f"{line.keyword} {name}" if line else f"listen {name}"
        route = Route(matcher, span, name=label, facts=facts, headers=list(headers))
        facts["use_backend_span"] = span
        if backend is None:
            facts["missing_backend"] = name
            return route
        facts["backend_insert_at"], facts["backend_indent"] = self.insert_point(backend)
        if backend.kind == "backend" and self.backend_return(route, backend):
            return route
        route.proxy = self.backend_proxy(backend)
        route.facts["servers"] = [self.server_upstream(ln) for ln in backend.find("server") if len(ln.words) >= 3]
        if backend.kind == "backend":
            route.headers = self.response_headers(backend, "http-response") + route.headers
        return route

    def backend_return(self, route: Route, backend: Section) -> bool:
        """A backend that answers by itself (`http-request return` without a condition),
        the usual way to serve a well-known from HAProxy: the route responds."""
        for line in backend.find("http-request"):
            args = line.args()
            if args[:1] == ["return"] and "if" not in args and "unless" not in args:
                after = self.response_headers(backend, "http-after-response")
                route.respond, headers = self.returned(line, _before_condition(args[1:]))
                route.headers = headers + after + [h for h in route.headers if h not in after]
                route.facts["answered_by_backend"] = backend.name
                return True
        return False

    def backend_proxy(self, backend: Section) -> Proxy:
        servers = [ln for ln in backend.find("server") if len(ln.words) >= 3]
        upstream = Upstream("", None)
        if servers:
            upstream = self.server_upstream(servers[0])
        proxy = Proxy(upstream=upstream, websocket=True, backend_name=backend.name,
                      backend_span=self.line_span(backend.header) if backend.header else None,
                      span=self.line_span(servers[0]) if servers else None)
        tunnel = self.timeout(backend, "tunnel")
        if tunnel is not None:
            proxy.tunnel_timeout = tunnel
        server_timeout = self.timeout(backend, "server")
        if server_timeout is not None:
            proxy.read_timeout = server_timeout
        self.strip(backend, proxy)
        return proxy

    def server_upstream(self, line: Line) -> Upstream:
        word = line.words[2]
        addr = word.value
        ssl = "ssl" in line.args(3)
        if addr.startswith("["):
            host, _, rest = addr[1:].partition("]")
            port_text = rest[1:]
        else:
            host, _, port_text = addr.rpartition(":") if ":" in addr else (addr, "", "")
        port = int(port_text) if port_text.isdecimal() else None
        port_span = None
        if port is not None:
            at = self.doc.text.rfind(port_text, word.start, word.end)
            port_span = self.span(at, at + len(port_text)) if at != -1 else None
        return Upstream(host.lower(), port, "https" if ssl else "http", None, self.span(word.start, word.end), port_span)

    def timeout(self, section: Section, which: str) -> float | None:
        for sec in (section, section.defaults):
            if sec is None:
                continue
            lines = [ln for ln in sec.find("timeout") if ln.args()[:1] == [which] and len(ln.args()) > 1]
            if lines:
                return parse_time(lines[-1].args()[1])
        return None

    def strip(self, backend: Section, proxy: Proxy) -> None:
        """`http-request set-path %[path,regsub(^/prefix/,/)]` or `replace-path
        ^/prefix(/.*) \\1`: like nginx, `strip_prefix` is the prefix replaced and
        `upstream.path` what replaces it."""
        for line in backend.find("http-request"):
            args = line.args()
            m = None
            if len(args) >= 2 and args[0] == "set-path":
                m = re.search(r"regsub\(\^(/[^,]*),(/?)\)", args[1])
            elif len(args) >= 3 and args[0] == "replace-path" and args[2] == "\\1":
                # HAProxy replaces the whole path when the regex matches anywhere in it, so
                # the unanchored form (Element Call's docs) strips the prefix too.
                m = re.match(r"\^?(/[^()\\^$*+?\[]*)\((/?)\.\*\)$", args[1])
            if m:
                proxy.strip_prefix = m.group(1)
                proxy.upstream.path = m.group(2) if args[0] == "set-path" else ""
                proxy.strip_span = self.line_span(line)

    def response_headers(self, section: Section, keyword: str) -> list[Header]:
        out = []
        for line in section.find(keyword):
            args = line.args()
            if len(args) >= 3 and args[0] in ("set-header", "add-header"):
                name_w, value_w = line.words[2], line.words[3]
                out.append(Header(name_w.value, value_w.value, self.span(line.words[0].start, value_w.end)))
        return out

    def insert_point(self, section: Section) -> tuple[int | None, str]:
        lines = section.lines
        indent = "    "
        if lines:
            lead = self.doc.text[lines[0].start:lines[0].words[0].start]
            indent = lead if lead.strip() == "" and lead else indent
            last = lines[-1]
            nl = self.doc.text.find("\n", last.end)
            return (nl + 1 if nl != -1 else len(self.doc.text)), indent
        if section.header is not None:
            nl = self.doc.text.find("\n", section.header.end)
            return (nl + 1 if nl != -1 else len(self.doc.text)), indent
        return None, indent


def _option(opts: list[str], key: str) -> str:
    """The value after `key` in an option list, or ''."""
    if key in opts[:-1]:
        return opts[opts.index(key) + 1]
    return ""


def read(doc: Document, tree) -> FileFacts:
    from rtclint.parsers.base import parse_error

    config = parse_config(doc)
    facts = FileFacts(doc.path)
    for err in config.errors:
        facts.diagnostics.append(parse_error(doc, err.offset, err.message))
    facts.sites = ModelBuilder(doc, config).sites()
    facts.subkind = "fragment" if any(s.kind == "" for s in config.sections) else "haproxy"
    return facts

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

from rtclint.document import Document
from rtclint.model.deployment import FileFacts
from rtclint.parsers.base import parse_error
from rtclint.parsers.haproxy_config import parse_config
from rtclint.parsers.haproxy_lexer import tokenize_line
from rtclint.parsers.haproxy_model import ModelBuilder

__all__ = ["parse_config", "read", "tokenize_line"]


def read(doc: Document, tree) -> FileFacts:
    config = parse_config(doc)
    facts = FileFacts(doc.path)
    for err in config.errors:
        facts.diagnostics.append(parse_error(doc, err.offset, err.message))
    facts.sites = ModelBuilder(doc, config).sites()
    facts.subkind = "fragment" if any(s.kind == "" for s in config.sections) else "haproxy"
    return facts

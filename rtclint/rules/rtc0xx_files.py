"""RTC0xx: reading files. These findings come from discovery and the parsers."""

from rtclint.diagnostics import Severity
from rtclint.rules.registry import rule


@rule("RTC001", "parse-error", Severity.ERROR, "manual", ("all",), reported_by_parsers=True)
def parse_error(ctx):
    """A file of a known kind does not parse.

    ## What it does
    Reports the first syntax error in a Caddyfile, nginx or HAProxy configuration, YAML
    or JSON file, at the line and column where the real server's parser would stop, with
    what it expected there.

    ## Why
    The server refuses to start (or to reload) with this file, so nothing in it takes
    effect. The rest of the tree is still checked.

    ## Example
    ```caddy
    example.com {
        respond /.well-known/matrix/client `{"m.homeserver": {}}`
    # the site block is never closed
    ```

    ## Fix
    Manual: correct the syntax at the reported position.
    """


@rule("RTC002", "unreadable-file", Severity.ERROR, "manual", ("all",), reported_by_parsers=True)
def unreadable_file(ctx):
    """A file that looks like configuration cannot be read as text.

    ## What it does
    Reports files that are not UTF-8 (with or without a byte-order mark) or UTF-16 with a
    byte-order mark, binary files with a config name, files over the size limit (5 MiB),
    broken symlinks, symlinks that leave the tree, and files without read permission.

    ## Why
    None of the servers rtclint models can read such a file either, or it is not the file
    you meant to commit. rtclint never crashes on it and goes on with the rest.

    ## Fix
    Manual: re-save the file as UTF-8, or exclude it in the configuration.
    """


@rule("RTC003", "include-not-found", Severity.WARNING, "manual", ("nginx", "caddy", "haproxy"),
      reported_by_parsers=True)
def include_not_found(ctx):
    """An `include`/`import` names a file or glob that matches nothing in the tree.

    ## What it does
    Resolves nginx `include`, Caddy `import` and HAProxy file references relative to the
    file (nginx: relative to the main configuration) and reports the ones that match
    no file.

    ## Why
    nginx and Caddy refuse to start when an include without a glob is missing; with a
    glob, the settings you expected silently do not apply.

    ## Example
    ```nginx
    include /etc/nginx/snippets/matrix-well-known.conf;
    ```

    ## Fix
    Manual: add the file to the tree, or fix the path.
    """


@rule("RTC010", "unused-suppression", Severity.WARNING, "safe", ("all",), reported_by_parsers=True)
def unused_suppression(ctx):
    """An `# rtclint: disable=…` comment that suppresses nothing.

    ## What it does
    Reports inline suppressions whose codes produced no finding on the lines they cover:
    a wrong code, a code that is not an rtclint rule, a problem that has since been fixed,
    or a comment that looks like a suppression but is malformed (so it never worked).
    Codes switched off for the run (`--select`, `--ignore`) are not judged.

    A suppression is a comment in any format with `#` comments (Caddyfile, nginx,
    HAProxy, YAML, `.env`):

    - `# rtclint: disable=RTC101,RTC106 -- reason` at the end of the flagged line, or on
      its own line just above it (several may be stacked above one line);
    - `# rtclint: disable-file=RTC901 -- reason` anywhere in a file, for the whole file.

    A finding inside a multi-line token (a JSON body in a Caddy backtick string or an
    nginx `return 200 '…'`, a YAML block scalar) belongs to the line where the token
    starts: put the comment above that directive. A `#` inside a quoted string is not a
    comment. `rtclint check --no-suppressions` ignores every suppression.

    ## Why
    Stale suppressions hide the next real problem on that line.

    ## Example
    ```caddy
    # rtclint: disable=RTC106 -- CORS is added by the CDN
    respond /.well-known/matrix/client `{}`
    ```

    ## Fix
    Safe: remove the comment, or only the unused codes from it.
    """

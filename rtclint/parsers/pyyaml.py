"""PyYAML for all of rtclint: `from rtclint.parsers.pyyaml import yaml`.

Importing it here rather than with a bare `import yaml` defers the regular expressions
PyYAML compiles at import to their first use (see rtclint/lazy_regex.py): ~10 ms of a
one-file run, for patterns rtclint's C-loader parsing mostly never runs."""

from rtclint.lazy_regex import import_yaml

yaml = import_yaml()

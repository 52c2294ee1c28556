"""Resolution: what a runtime makes of the files a parser read (Compose's interpolation,
merging and `extends`), kept apart from the readers so each stays small.

Modules here work on YAML nodes the parsers loaded (recognised by their `id`, so this
package imports no parser) and on plain dictionaries; they never import a parser."""

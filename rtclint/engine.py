"""The pipeline in one place: discover → parse → model → rules → (fix) → report.

`check()` is what the CLI, the fixer, the pre-commit hook and the tests call."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field

from rtclint.config import Config
from rtclint.diagnostics import Diagnostic
from rtclint.discover import Candidate, discover
from rtclint.document import Document
from rtclint.model import Deployment, FileFacts
from rtclint.model.partition import deployment_of, partition
from rtclint.model.secrets import scrub_diagnostics
from rtclint.model.stacks import link as link_services
from rtclint.model.static_files import link_static_well_knowns
from rtclint.model.traefik_link import link_entrypoints
from rtclint.reading import Loader, overlaid, read_files  # noqa: F401 - Loader and overlaid: the fixer and the editor use them through the engine
from rtclint.rules.root_cause import fold
from rtclint.rules.withheld import withhold

# suppress.MARKER: a tree without it in any file has no suppression to apply or report
SUPPRESSION_MARKER = "rtclint:"


@dataclass(slots=True)
class Result:
    """What a check found: every finding, the deployments it modelled, and the counts the summary prints."""

    deployment: Deployment
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    suppressed: int = 0  # findings hidden by `# rtclint: disable` comments (the summary says so)
    baselined: int = 0  # findings hidden by --baseline
    # the tree's deployments, each modelled and checked on its own (`deployment` is the
    # whole tree's facts, for the fixer, suppressions and secret masking)
    deployments: list[Deployment] = field(default_factory=list)
    names_by_path: dict[str, str] = field(default_factory=dict, repr=False)  # deployment_name's index
    # id(finding) → its deployment, for a finding in a file several deployments share (a
    # manifest of several namespaces, model/partition_views.py): the path cannot say
    names_by_finding: dict[int, str] = field(default_factory=dict, repr=False)

    def deployment_name(self, path: str, diag: Diagnostic | None = None) -> str | None:
        """The deployment a file (or, given, a finding) belongs to; None when the run found
        only one."""
        if len(self.deployments) < 2:
            return None
        if diag is not None and id(diag) in self.names_by_finding:
            return self.names_by_finding[id(diag)]
        if not self.names_by_path:  # once: asked for every finding of a big tree
            self.names_by_path.update((p, dep.name) for dep in self.deployments for p in dep.files)
        name = self.names_by_path.get(path)
        return name if name is not None else deployment_of(path, [dep.name for dep in self.deployments])

    @property
    def documents(self) -> dict[str, Document]:
        return self.deployment.documents


def check(paths: list[str], config: Config | None = None, *, use_cache: bool = False,
          jobs: int | None = None) -> Result:
    """Run the whole pipeline over `paths` and return every diagnostic, filtered by the
    configuration and sorted by file and position. `use_cache` reads and writes
    `.rtclint_cache/` (the CLI turns it on; library callers get fresh parses)."""
    config = config or Config()
    roots = list(paths or ["."])
    candidates = discover(roots, config.exclude)
    candidates = _apply_config_excludes(candidates, config)
    cache_dir = None
    if use_cache:  # imported only then: --no-cache and library runs skip it
        from rtclint.cache import Cache, cache_root

        cache_dir = Cache.at(cache_root(config.source)).directory
    facts_list, documents = read_files(candidates, roots, cache_dir, jobs)
    parts = model_deployments(facts_list, documents, config)
    whole = Deployment(documents=dict(documents))  # its targets: its parts' (absorb)
    whole._stacks_linked = True  # type: ignore[attr-defined]  # its parts are
    for part in parts:
        whole.absorb(part)
    result = Result(whole, files_checked=len(facts_list), deployments=parts)
    origins: dict[tuple, list[str]] = {}  # a shared file's findings → their deployments
    shared = _shared_paths(parts)
    rules_by_kinds: dict = {}  # the rules each set of fact kinds needs, chosen once a run
    for part in parts:  # one deployment's facts never hide or change another's findings
        found = _run_rules(part, config, rules_by_kinds)
        for diag in found if shared else ():
            if diag.span.path in shared:
                origins.setdefault((diag.code, diag.span, diag.message), []).append(part.name)
                origins.setdefault((diag.code, diag.span), []).append(part.name)
        result.diagnostics += found
    result.diagnostics = _post_process(result, config)
    if origins:
        _name_shared_findings(result, origins)
    return result


def _shared_paths(parts: list[Deployment]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for part in parts:
        for path in part.files:
            (shared if path in seen else seen).add(path)
    return shared


def _name_shared_findings(result: Result, origins: dict[tuple, list[str]]) -> None:
    """Each finding of a shared file named by the deployment that made it: the same finding
    from two deployments is one of each, in order (by its message; by code and place
    when the output's masking changed the message)."""
    taken: dict[tuple, int] = {}
    for diag in result.diagnostics:
        key = (diag.code, diag.span, diag.message)
        if key not in origins:
            key = (diag.code, diag.span)
        names = origins.get(key)
        if names:
            index = taken.get(key, 0)
            taken[key] = index + 1
            result.names_by_finding[id(diag)] = names[min(index, len(names) - 1)]


def model_deployments(facts_list: list[FileFacts], documents: dict[str, Document],
                      config: Config) -> list[Deployment]:
    """One linked Deployment per deployment of the tree (model/partition.py says how the
    tree is split); each knows the others as its peers."""
    parts = []
    for part in partition(facts_list):
        dep = Deployment(targets=dict(config.targets), documents=documents, name=part.root)
        for facts in part.files:
            dep.add(facts)
        link_services(dep)
        link_entrypoints(dep)
        link_static_well_knowns(dep)
        parts.append(dep)
    tree_facts: dict = {}
    for dep in parts:  # one shared list: a list per deployment would be quadratic
        dep.peers = parts
        dep.tree_facts = tree_facts
    return parts


def _apply_config_excludes(candidates: list[Candidate], config: Config) -> list[Candidate]:
    """A settings file's `exclude` patterns are relative to that file's directory (discover
    matches them relative to each walked root); files named explicitly stay, except in
    `--context` mode, where the pre-commit hook names them."""
    if not config.exclude or config.source is None:
        return candidates
    from rtclint.config_file import is_excluded

    force = config.report_on is not None
    return [c for c in candidates if (c.explicit and not force) or not is_excluded(c.abspath, config)]


def _post_process(result: Result, config: Config) -> list[Diagnostic]:
    """After the rules: inline suppressions (and RTC010 for unused ones), `--context`
    reporting, then the baseline."""
    found = list(result.diagnostics)
    files = result.deployment.files
    if any(doc.kind == "template" or getattr(files.get(path), "templated", False)
           for path, doc in result.documents.items()):
        from rtclint.parsers.template_render import opaque_findings, rendered_templates  # only then

        # a finding that rests on a template's placeholder is about an unknown value: dropped
        found = opaque_findings(found, rendered_templates(result.documents, files, result.deployment.services))
    opaque = len(found)
    if any(SUPPRESSION_MARKER in doc.text for doc in result.documents.values()):
        from rtclint import suppress  # only then: its records and patterns cost a one-file run ~2 ms

        found = suppress.apply(found, result.documents, config)
    result.suppressed = opaque - sum(1 for d in found if d.code != "RTC010")
    found = fold(found, result.documents)  # one finding per cause
    found = withhold(found, result.deployment)  # a fix is shown only if --fix would apply it
    found = [d for d in found if d.code != "RTC010" or not _ignored_for_file(d, config)]
    if config.report_on is not None:
        found = [d for d in found if _involves(d, result.documents, config.report_on)]
    if config.baseline:
        from rtclint import baseline  # only then: it loads hashlib (OpenSSL)

        before = len(found)
        found = baseline.filter_known(found, result.documents, config.baseline)
        result.baselined = before - len(found)
    found = scrub_diagnostics(found, result.deployment)  # no message may quote a secret
    return sorted(found, key=Diagnostic.sort_key)


def _involves(diag: Diagnostic, documents: dict[str, Document], report_on: list[str]) -> bool:
    """Whether a finding's location, or one of its related locations, is in a reported
    file or under a reported directory."""
    for span in (diag.span, *(r.span for r in diag.related)):
        doc = documents.get(span.path)
        where = doc.abspath if doc is not None else os.path.abspath(span.path)
        if any(where == p or where.startswith(p.rstrip(os.sep) + os.sep) for p in report_on):
            return True
    return False


def _run_rules(deployment: Deployment, config: Config, rules_by_kinds: dict | None = None) -> list[Diagnostic]:
    """The findings of one deployment. `rules_by_kinds`, shared by the run's deployments,
    keeps the enabled rules for each set of fact kinds: a tree of many small deployments
    asks for the same few sets."""
    from rtclint.rules.registry import RuleContext, rules_reading
    from rtclint.rules.scope import kinds_held

    rules_by_kinds = {} if rules_by_kinds is None else rules_by_kinds
    kinds = frozenset(kinds_held(deployment))
    rules = rules_by_kinds.get(kinds)
    if rules is None:
        rules = rules_by_kinds[kinds] = [r for r in rules_reading(kinds) if config.enabled(r.code)]
    found: list[Diagnostic] = []
    for facts in deployment.files.values():
        found += facts.diagnostics
    found += RuleContext(deployment, config).run(rules)
    kept = [d for d in found if config.enabled(d.code) and not _ignored_for_file(d, config)]
    return sorted(_dedupe(kept), key=Diagnostic.sort_key)


def _ignored_for_file(diag: Diagnostic, config: Config) -> bool:
    for pattern, codes in config.per_file_ignores.items():
        if _path_matches(diag.path, pattern, config) and any(diag.code.startswith(c) for c in codes):
            return True
    return False


def _path_matches(path: str, pattern: str, config: Config) -> bool:
    """A per-file-ignores glob matches the path as shown, the path relative to the
    settings file's directory, or (for a pattern without '/') the file name."""
    candidates = [path]
    if config.source is not None:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(config.root))
        candidates.append(rel.replace(os.sep, "/"))
    if "/" not in pattern:
        candidates.append(path.rsplit("/", 1)[-1])
    return any(fnmatch.fnmatch(c, pattern) for c in candidates)


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple] = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out

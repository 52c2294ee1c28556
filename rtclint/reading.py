"""Reading the tree: each candidate file loaded and decoded once (`Loader`, with the
fixer's and the editor's in-memory `overlaid` text), parsed into FileFacts by its kind's
parser — big trees split between this process and forked workers — or taken from the
parse cache. engine.py runs it first; the model and the rules see only what it returns."""

from __future__ import annotations

import contextlib
import os
import sys

from rtclint.discover import Candidate, display_path, kind_from_name
from rtclint.document import MAX_FILE_BYTES, DecodeError, Document, Span
from rtclint.model import FileFacts
from rtclint.parsers import PARSERS, parser_for
from rtclint.parsers.base import Tree
from rtclint.sniff import kind_from_content

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.cache import Cache


class Loader:
    """Reads and decodes each file once; parsers that follow includes share it."""

    # abspath -> bytes read instead of the file on disk, set only inside `overlaid()`: the
    # fixer re-checks its edited text in memory, so `--diff` and reverted fixes never
    # touch the disk. A class attribute, so forked parse workers inherit it.
    overlay: dict[str, bytes] = {}

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}  # abspath -> Document
        self.problems: dict[str, str] = {}  # abspath -> why it could not be read
        self.cwd = os.getcwd()  # what display paths are relative to, asked once a run

    def load(self, abspath: str, kind: str | None = None, path: str | None = None) -> Document | None:
        """The file's Document (decoded once), or None with the reason in `problems`.
        `path`: its display path, when the caller has it (a candidate's)."""
        if abspath in self.documents:
            doc = self.documents[abspath]
            if kind and doc.kind == "unknown":  # first loaded as another file's include
                doc.kind = kind
            return doc
        if abspath in self.problems:
            return None
        try:
            data = Loader.overlay.get(abspath)
            if data is None:
                data = read_bytes(abspath)
            kind = kind or kind_from_name(abspath) or "unknown"
            doc = Document.from_bytes(path or display_path(abspath, self.cwd), abspath, kind, data)
        except (OSError, DecodeError) as exc:
            self.problems[abspath] = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return None
        self.documents[abspath] = doc
        return doc


def read_bytes(abspath: str) -> bytes:
    """A file's bytes; DecodeError above MAX_FILE_BYTES. Through the descriptor (open, fstat,
    read): a third of what `open()` costs with its io objects and a stat of the path before."""
    fd = os.open(abspath, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # O_BINARY: Windows' CRLF untouched
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise DecodeError(f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        # Read to the end, not to the size fstat gave: a read may return less than asked, a
        # file may grow meanwhile, /proc's files have no size, and a device never ends (so
        # never past the limit). A byte more than the size is asked first: a regular file
        # then takes one read and one that finds its end.
        chunks, total = [], 0
        while chunk := os.read(fd, max(size + 1 - total, 1 << 16)):
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise DecodeError(f"file is over the {MAX_FILE_BYTES}-byte limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


@contextlib.contextmanager
def overlaid(overlay: dict[str, bytes]):
    """Within the block, `check()` reads these contents (abspath -> bytes) instead of
    the files on disk."""
    saved = Loader.overlay
    Loader.overlay = dict(overlay)
    try:
        yield
    finally:
        Loader.overlay = saved


# Below this many files a second process costs more than it saves: forking, pickling the
# child's FileFacts and unpickling them here (~0.6 + 0.4 ms per nginx file of the bench
# corpus, against ~2.5 ms to parse it).
PARALLEL_THRESHOLD = 150
# With fewer cores than this, every file is parsed in this process: on the 2-core bench
# machine a forked half-and-half read was no faster (median of 16 alternating runs on the
# bench's nginx set: 1.27 s against 1.22 s in one process).
MIN_PARALLEL_JOBS = 3


def read_files(candidates: list[Candidate], roots: list[str], cache_dir: str | None,
               jobs: int | None = None) -> tuple[list[FileFacts], dict[str, Document]]:
    """Parse every candidate (big trees split between this process and a pool of forked
    workers, one per further core), in discovery order."""
    jobs = jobs or os.cpu_count() or 1
    cache_spec = None
    if cache_dir:
        from rtclint.cache import run_contexts

        cache_spec = (cache_dir, run_contexts(roots, candidates))
    kinds = run_kinds(candidates)
    if jobs < MIN_PARALLEL_JOBS or len(candidates) < PARALLEL_THRESHOLD:
        return _read_chunk((candidates, roots, cache_spec, kinds))
    if cache_dir:
        from rtclint.cache import load_signing_key

        load_signing_key()  # once, before the fork: every process must sign with one key
    # one chunk per process (each chunk builds its own Tree, and parsers that look across
    # the tree set it up per Tree), dealt round-robin: discovery order clusters files by kind
    chunks = [(candidates[i::jobs], roots, cache_spec, kinds) for i in range(jobs)]
    facts_list: list[FileFacts] = []
    documents: dict[str, Document] = {}
    for chunk_facts, chunk_docs in map_chunks(_read_chunk_to_send, chunks):
        facts_list += chunk_facts
        documents.update(chunk_docs)
    order = {cand.path: i for i, cand in enumerate(candidates)}
    facts_list.sort(key=lambda f: order.get(f.path, len(order)))  # back to discovery order
    return facts_list, documents


def map_chunks(work, chunks: list) -> list:
    """[work(chunk) for chunk in chunks], chunks[1:] in a pool of forked workers while this
    process computes chunks[0] (it would otherwise sit idle). A worker that fails in any
    way (an exception, a crash, a signal, a result that does not pickle) costs only time:
    its chunk is redone here, so a parallel run never loses or changes a result.

    `fork` only (Linux): workers inherit the loaded modules, the signing key and
    `Loader.overlay` instead of importing and pickling them again; elsewhere (macOS
    forbids forking a process that may hold system locks; Windows cannot) every chunk
    runs here."""
    if len(chunks) < 2 or not sys.platform.startswith("linux"):
        return [work(chunk) for chunk in chunks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(len(chunks) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(work, chunk) for chunk in chunks[1:]]
        results = [work(chunks[0])]
        for future, chunk in zip(futures, chunks[1:]):
            try:
                results.append(future.result())
            except Exception:  # noqa: BLE001 - anything, BrokenProcessPool included: redo it
                results.append(work(chunk))
    return results


def run_kinds(candidates: list[Candidate]) -> dict[str, str]:
    """abspath -> kind of the run's readable files: what "the other checked files" are for
    a parser (a lone file given on the command line is checked on its own, not against
    whatever the working directory holds)."""
    return {c.abspath: c.kind for c in candidates if c.kind and c.problem is None}


def _read_chunk_to_send(job: tuple[list[Candidate], list[str], tuple | None, dict[str, str]]
                        ) -> tuple[list[FileFacts], dict[str, Document]]:
    """`_read_chunk`, keeping only the documents this chunk's facts point into (a parser
    may have loaded the whole tree, e.g. nginx looking for includers; every other chunk
    returns its own files): a child pickles them all back to the parent."""
    facts_list, documents = _read_chunk(job)
    wanted = {f.path for f in facts_list}
    for facts in facts_list:
        wanted.update(facts.includes)
        wanted.update(d.span.path for d in facts.diagnostics)
        wanted.update(r.span.path for d in facts.diagnostics for r in d.related)
    return facts_list, {path: doc for path, doc in documents.items() if path in wanted}


def _read_chunk(job: tuple[list[Candidate], list[str], tuple | None, dict[str, str]]
                ) -> tuple[list[FileFacts], dict[str, Document]]:
    candidates, roots, cache_spec, kinds = job
    loader = Loader()
    tree = Tree([p for p in roots if os.path.isdir(p)] or [os.getcwd()], loader.load, kinds, record=bool(cache_spec))
    cache = None
    if cache_spec:
        from rtclint.cache import Cache

        cache = Cache(*cache_spec)
    out = []
    for cand in candidates:
        facts = _read_one(cand, loader, tree, cache)
        if facts is not None:
            out.append(facts)
    return out, {doc.path: doc for doc in loader.documents.values()}


def _read_one(cand: Candidate, loader: Loader, tree: Tree, cache: Cache | None = None) -> FileFacts | None:
    if cand.problem is not None:
        return _unreadable(cand.path, cand.problem)
    doc = loader.load(cand.abspath, cand.kind, cand.path)
    if doc is None:
        return _unreadable(cand.path, loader.problems.get(cand.abspath, "cannot be read"))
    if cand.kind is None:
        doc.kind = kind_from_content(doc.text, os.path.basename(cand.abspath)) or "unknown"
    if doc.kind not in PARSERS:
        return None
    key = cache.key(doc.kind, doc.path, doc.encode()) if cache else ""
    cached = cache.get(key) if cache else None
    if cached is not None:  # the parser is not even imported (lark alone is ~70 ms)
        for included in cached.includes:  # their text is needed to show positions in them
            loader.load(os.path.abspath(included))
        return cached
    asked_before = len(tree.asked or ())
    facts = _parse(parser_for(doc.kind), doc, tree)
    if cache is not None:
        cache.put(key, facts, [os.path.abspath(p) for p in facts.includes], (tree.asked or [])[asked_before:])
    return facts


def _parse(parser, doc: Document, tree: Tree) -> FileFacts:
    try:
        return parser.read(doc, tree)
    except RecursionError:
        return _internal(doc, "nesting too deep to analyse")
    except Exception as exc:  # a parser bug must not hide the rest of the tree
        return _internal(doc, f"internal error in the {doc.kind} parser: {type(exc).__name__}: {exc}")


def _unreadable(path: str, why: str) -> FileFacts:
    from rtclint.rules.registry import make_diagnostic

    return FileFacts(path, diagnostics=[make_diagnostic("RTC002", Span(path, 0, 0), f"cannot read file: {why}")])


def _internal(doc: Document, message: str) -> FileFacts:
    from rtclint.parsers.base import parse_error

    return FileFacts(doc.path, diagnostics=[parse_error(doc, 0, message, end=0)])

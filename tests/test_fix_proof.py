"""Proof that fixes work, with the real things: every fixture case with a fix, and every
example tree, is fixed by `rtclint check --fix` in a temporary copy, then

1. the fixed tree is what the case expects, byte for byte, and a second `--fix` changes
   no byte; `check` afterwards offers no fix that `--fix` would apply;
2. every fixed proxy config passes its real validator (`caddy adapt`, `nginx -t`,
   `haproxy -c`) and every fixed homeserver.yaml loads with Synapse's own config loader;
3. the proxy that serves the client well-known is started on loopback (tests/servers.py:
   temporary ports, self-signed certificates) and the well-known is fetched with httpx
   for the server_name (Host header and SNI): 200, `application/json`,
   `Access-Control-Allow-Origin: *`, a JSON body;
4. matrix-js-sdk's own AutoDiscovery (tests/js/discover.mjs) accepts it and its first
   rtc_foci entry passes the SDK's `isLivekitTransportConfig`.

Fixture convention — a case under tests/fixtures/rules/<CODE>/<case>/ is a fix case when
it has a `fixed/` folder next to `tree/`:

    tree/           the broken input
    fixed/          the whole tree after `rtclint check --fix` (every file, byte-exact)
    expected.json   the usual must/must_not, plus optionally
                    "fix": {"unsafe": true,           # run with --unsafe-fixes
                            "serve": "example.com"}   # the server_name whose well-known
                                                      # the fixed proxy must serve; false:
                                                      # the tree serves none (default: the
                                                      # tree's server_name when a proxy
                                                      # serves it, else no serving proof)

New cases are proven automatically: nothing here names a rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, SHARED, run_rtclint, sample
from expectations import cases, load

import servers

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
EXAMPLES = os.path.join(ROOT, "examples")
NODE_DIR = os.path.join(ROOT, "tests", "js")
SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")
PROXY_KINDS = ("caddy", "nginx", "haproxy")

pytestmark = pytest.mark.servers


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def fix_cases() -> list[str]:
    return [c for c in cases(FIXTURES) if os.path.isdir(os.path.join(c, "fixed"))]


def broken_examples() -> list[str]:
    """Example trees where rtclint finds something (the clean ones prove nothing here)."""
    if not os.path.isdir(EXAMPLES):
        return []
    return sorted(os.path.join(EXAMPLES, d) for d in os.listdir(EXAMPLES)
                  if os.path.isdir(os.path.join(EXAMPLES, d)) and not d.endswith("-fixed"))


# -- helpers -----------------------------------------------------------------------------

def snapshot(tree: str) -> dict[str, bytes]:
    """Every file under `tree` (relative path -> bytes), caches excluded."""
    out = {}
    for dirpath, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in (".rtclint_cache", "__pycache__")]
        for name in files:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, tree)] = _read_bytes(path) if not os.path.islink(path) \
                else b"-> " + os.readlink(path).encode()
    return out


def run_fix(tree: str, unsafe: bool) -> subprocess.CompletedProcess:
    args = ["check", "--no-cache", "--fix", *(["--unsafe-fixes"] if unsafe else []), "."]
    proc = run_rtclint(args, cwd=tree)
    assert proc.returncode in (0, 1), f"rtclint --fix exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def model_of(tree: str):
    """rtclint's own reading of the fixed tree (kinds, sites, well-knowns, server_name)."""
    from rtclint.config import Config
    from rtclint.engine import check

    cwd = os.getcwd()
    os.chdir(tree)
    try:
        return check(["."], Config())
    finally:
        os.chdir(cwd)


def need(tool: str, path: str | None = None) -> None:
    if path is not None and not os.path.exists(path):
        pytest.skip(f"{tool} is not installed (run `make test-deps`)")
    if path is None and shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (run `make test-deps`)")


def _included(result) -> set[str]:
    return {os.path.relpath(os.path.abspath(inc)).replace(os.sep, "/")
            for facts in result.deployment.files.values() for inc in facts.includes}


# -- (2) validators --------------------------------------------------------------------------

# A doc snippet (a site body, a few HAProxy lines, nginx locations) is not a config the
# server accepts alone: it is validated inside the smallest wrapper that makes it one.
FRAGMENT_WRAPPERS = {
    "caddy": (":443 {\n", "\n}\n"),
    "haproxy": ("defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
                "frontend fragment\n    bind :80\n", "\n"),
    "nginx": ("server {\n    listen 80;\n", "\n}\n"),
}


def _wrapped_fragment(tree: str, path: str, kind: str) -> str:
    before, after = FRAGMENT_WRAPPERS[kind]
    full = os.path.join(tree, path)
    wrapped = os.path.join(os.path.dirname(full), ".fragment-" + os.path.basename(full))
    with open(full, encoding="utf-8-sig", errors="replace") as fh, open(wrapped, "w", encoding="utf-8") as out:
        out.write(before + fh.read() + after)
    return os.path.relpath(wrapped, tree)


def validate_file(tree: str, path: str, kind: str, subkind: str, workdir: str, fragment: bool = False) -> str | None:
    """The validator's complaint about one fixed file, or None when it accepts it."""
    if fragment and kind in FRAGMENT_WRAPPERS:
        path = _wrapped_fragment(tree, path, kind)
    full = os.path.join(tree, path)
    if kind == "caddy":
        need("caddy", servers.CADDY)
        verdict = servers.caddy_adapt(full)
    elif kind == "nginx":
        need("nginx")
        cert = servers.make_cert(os.path.join(workdir, "certs"), ["example.com"])
        main, _, _ = servers.nginx_scratch(full, os.path.join(workdir, "nginx-" + path.replace("/", "_")), cert)
        prefix = os.path.join(workdir, "nginx-prefix")
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        verdict = servers.nginx_test(main, prefix)
    elif kind == "haproxy":
        need("haproxy")
        cert = servers.make_cert(os.path.join(workdir, "certs"), ["example.com"])
        scratch_dir = os.path.join(workdir, "haproxy-" + path.replace("/", "_"))
        os.makedirs(scratch_dir, exist_ok=True)
        scratch, _, _ = servers.haproxy_scratch(full, scratch_dir, cert)
        verdict = servers.haproxy_check(scratch)
    elif kind == "yaml" and subkind == "synapse" and _has_server_name(full):
        need("Synapse", SYNAPSE_PY)
        return synapse_complaint(full, workdir)
    else:
        return None
    return None if verdict.ok else verdict.output


def _has_server_name(path: str) -> bool:
    import yaml

    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = yaml.safe_load(fh)
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "server_name" in data


_SYNAPSE: dict = {"proc": None}


@pytest.fixture(autouse=True, scope="module")
def _synapse_loader():
    """One Synapse config loader for the whole module (started on first use, stopped
    by PID at the end)."""
    yield
    proc = _SYNAPSE["proc"]
    if proc is not None and proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, 9)
            proc.wait(timeout=10)
    _SYNAPSE["proc"] = None


def synapse_complaint(path: str, workdir: str) -> str | None:
    scratch = os.path.join(workdir, "synapse")
    os.makedirs(scratch, exist_ok=True)
    proc = _SYNAPSE["proc"]
    if proc is None or proc.poll() is not None:
        proc = subprocess.Popen([SYNAPSE_PY, os.path.join(ROOT, "tests", "synapse_load.py"), "--serve"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        _SYNAPSE["proc"] = proc
    proc.stdin.write(json.dumps({"path": path, "scratch": scratch}) + "\n")
    proc.stdin.flush()
    answer = proc.stdout.readline()
    assert answer, "the Synapse config loader died"
    verdict = json.loads(answer)
    return None if verdict["ok"] else json.dumps(verdict)


def _materialize(files: dict[str, bytes], directory: str) -> str:
    if not os.path.isdir(directory):
        for rel, data in files.items():
            target = os.path.join(directory, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
    return directory


def _messages(output: str) -> set[str]:
    """A validator's complaints without paths, numbers (pids, times, line numbers shift
    when a fix inserts lines) and its banner lines."""
    import re

    out = set()
    for line in output.splitlines():
        if "NOTICE" in line or not line.strip():
            continue
        line = re.sub(r"/\S+", "", line)
        out.add(re.sub(r"\d+", "", line).strip())
    return out


def assert_validators_accept(tree: str, result, workdir: str, only: set[str] | None = None,
                             original: dict[str, bytes] | None = None) -> int:
    """Every fixed proxy config and homeserver.yaml (of those in `only`, the files the
    fix changed) passes its real validator; returns how many files were validated."""
    included = _included(result)
    if only is not None:  # an nginx file that is included is validated through its includer
        only = only | {_main_file(result, p) for p in only if p in included}
    complaints, validated = [], 0
    for path, doc in sorted(result.documents.items()):
        if only is not None and path not in only:
            continue
        if doc.kind in ("nginx",) and path in included:
            continue  # validated as part of the file that includes it
        facts = result.deployment.files.get(path)
        subkind = facts.subkind if facts else ""
        if doc.kind not in PROXY_KINDS and not (doc.kind == "yaml" and subkind == "synapse"):
            continue
        fragment = any(site.fragment for site in result.deployment.sites if site.span.path == path)
        complaint = validate_file(tree, path, doc.kind, subkind, workdir, fragment)
        validated += 1
        if complaint and original is not None and path in original:
            # This nginx is older than the file (e.g. `http2 on;` needs 1.25.1): the fix is
            # proven when it adds no complaint the unfixed file did not already get.
            before = validate_file(_materialize(original, os.path.join(workdir, "original")), path, doc.kind,
                                   subkind, os.path.join(workdir, "original-validate"), fragment)
            if before is not None and _messages(complaint) <= _messages(before):
                continue
        if complaint:
            complaints.append(f"{path} ({doc.kind}):\n{complaint}")
    assert not complaints, "the real validators reject the fixed files:\n" + "\n".join(complaints)
    return validated


# -- (3) and (4): serve it, fetch it, discover with the SDK --------------------------------

def serving_target(result, wanted):
    """(domain, proxy file, kind) for the client well-known the fixed tree serves to its
    server_name, or None when it serves none (`wanted` from expected.json)."""
    if wanted is False:
        return None
    served = [wk for wk in result.deployment.well_knowns("client") if wk.source == "proxy" and wk.site is not None]
    names = [str(n.value).lower() for n in result.deployment.server_names() if n.value]
    domains = [wanted] if wanted else names
    for domain in domains:
        for wk in served:
            if wk.site.serves_host(domain) and "*" not in domain:
                return domain, _main_file(result, wk.site.span.path), wk.site.kind
    if wanted:
        pytest.fail(f"the fixed tree serves no client well-known for {wanted}")
    # The server_name is not served (a manual finding remains, e.g. RTC105): prove at
    # least that the host which does serve it serves what a client accepts.
    for wk in served:
        for host in wk.site.hosts:
            if host and "*" not in host and host not in ("_", ""):
                return host, _main_file(result, wk.site.span.path), wk.site.kind
    return None


def _main_file(result, path: str) -> str:
    """The file to start: the one that includes `path`, if any (nginx conf.d files)."""
    for other, facts in result.deployment.files.items():
        if any(os.path.relpath(os.path.abspath(i)).replace(os.sep, "/") == path for i in facts.includes):
            return other
    return path


def fetch_well_known(port: int, domain: str):
    import httpx

    with httpx.Client(verify=False, timeout=10) as client:
        request = client.build_request("GET", f"https://127.0.0.1:{port}/.well-known/matrix/client",
                                       headers={"Host": domain, "Origin": "https://app.element.io"},
                                       extensions={"sni_hostname": domain})
        return client.send(request)


def sdk_discovery(domain: str, port: int) -> dict:
    need("node")
    need("matrix-js-sdk", os.path.join(NODE_DIR, "node_modules", "matrix-js-sdk"))
    arg = json.dumps({"domain": domain, "hosts": {domain: port}})
    proc = subprocess.run(["node", "discover.mjs", arg], cwd=NODE_DIR, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_served_and_discovered(tree: str, result, workdir: str, wanted) -> str | None:
    target = serving_target(result, wanted)
    if target is None:
        return None
    domain, path, kind = target
    need(kind, servers.CADDY if kind == "caddy" else None)
    hosts = sorted({h for s in result.deployment.sites for h in s.hosts if h and "*" not in h} | {domain})
    with servers.start_proxy(kind, os.path.join(tree, path), os.path.join(workdir, "run"), hosts) as running:
        port = running.ports.get(443)
        if port is None:  # no 443 listener: the deployment forwards 443 to its one TLS port
            assert len(running.tls_ports) == 1, f"{path}: no TLS listener for {domain}"
            port = running.ports[next(iter(running.tls_ports))]
        response = fetch_well_known(port, domain)
        assert response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
        assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json", response.headers
        assert response.headers.get("access-control-allow-origin") == "*", response.headers
        body = json.loads(response.text)
        assert isinstance(body, dict)
        found = sdk_discovery(domain, port)
    assert found["success"], found
    assert found["rtc_foci_is_array"], found["raw"]
    assert found["first_focus_is_livekit_transport"], found["rtc_foci"]
    if "m.homeserver" in found["raw"]:
        assert found["homeserver_state"] == "SUCCESS", found
    return domain


# -- the tests ---------------------------------------------------------------------------

def _copy(src: str, dst: str) -> str:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def fix_in_process(tree: str, unsafe: bool):
    """`--fix` through the library (the CLI itself is covered by test_fix_cli.py and by
    the fixed/ cases): one interpreter instead of one per run keeps the suite fast."""
    from rtclint.config import Config
    from rtclint.fix import fix_paths

    cwd = os.getcwd()
    os.chdir(tree)
    try:
        return fix_paths(["."], Config(), unsafe=unsafe)
    finally:
        os.chdir(cwd)


def still_fixable(result, unsafe: bool) -> list[str]:
    """Findings `--fix` would still apply (outside files that do not parse, which it
    never touches)."""
    wanted = {"safe", "unsafe"} if unsafe else {"safe"}
    unparsed = {d.path for d in result.diagnostics if d.code in ("RTC001", "RTC002")}
    return [f"{d.path}:{d.code} {d.message}" for d in result.diagnostics
            if d.fix is not None and d.fix.applicability.value in wanted
            and not any(e.span.path in unparsed for e in d.fix.edits)]


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in after if before.get(p) != after[p]}


# Fixed trees already proven in this run (many cases share a fixed tree): digest -> True.
_PROVEN: dict[str, bool] = {}


def _digest(files: dict[str, bytes]) -> str:
    import hashlib

    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path] + b"\0")
    return h.hexdigest()


def prove(work: str, before: dict[str, bytes], tmp_path, *, unsafe: bool, serve=None, strict: bool = False) -> None:
    """Steps 1-4 on a tree already fixed once (`before`: its files before fixing)."""
    fixed = snapshot(work)
    again = fix_in_process(work, unsafe)
    assert snapshot(work) == fixed, "a second --fix changed bytes"
    assert not again.fixed, "a second --fix still fixed something"
    result = model_of(work)
    assert still_fixable(result, unsafe) == []
    changed = changed_files(before, fixed)
    key = _digest(fixed)
    if key in _PROVEN:
        return
    assert_validators_accept(work, result, str(tmp_path / "validate"), only=changed, original=before)
    proxy_changed = any(result.documents[p].kind in PROXY_KINDS for p in changed if p in result.documents)
    if serve is not False and (strict or serve or proxy_changed):
        if strict:
            assert not well_known_findings(result), "the fixed tree still has well-known findings"
        if not well_known_findings(result):
            assert_served_and_discovered(work, result, str(tmp_path / "serve"), serve)
    _PROVEN[key] = True


# -- which cases make test proves (tests/conftest.py sample(); `make sweeps` the rest) ------

def _rule(case: str) -> str:
    return os.path.relpath(case, FIXTURES).split(os.sep)[0]


def _proxy_kinds(tree: str) -> tuple[str, ...]:
    """The real validators a tree's files meet, told from their names (cheap enough to
    run at collection): Caddyfile, nginx *.conf, haproxy*.cfg, homeserver*.yaml."""
    found = set()
    for _dirpath, _dirs, files in os.walk(tree):
        for name in (f.lower() for f in files):
            if "caddy" in name:
                found.add("caddy")
            elif "haproxy" in name or name.endswith(".cfg"):
                found.add("haproxy")
            elif name.endswith(".conf") or "nginx" in name:
                found.add("nginx")
            elif "homeserver" in name:
                found.add("synapse")
    return tuple(sorted(found))


def _fix_features(case: str) -> list:
    """Every rule's fix once, and every way of proving one (validators, unsafe, serving)."""
    options = load(os.path.join(case, "expected.json")).get("fix") or {}
    return [_rule(case), (_proxy_kinds(os.path.join(case, "tree")), bool(options.get("unsafe")), "serve" in options)]


@pytest.mark.parametrize("case", fix_cases(), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_fix_case_leaves_the_fixed_tree(case, tmp_path):
    """Every fix case, in every run: --fix leaves fixed/ byte for byte (in process; the
    command line and the real validators are the proof below)."""
    options = load(os.path.join(case, "expected.json")).get("fix") or {}
    work = _copy(os.path.join(case, "tree"), str(tmp_path / "tree"))
    fix_in_process(work, bool(options.get("unsafe")))
    got, want = snapshot(work), snapshot(os.path.join(case, "fixed"))
    assert sorted(got) == sorted(want), "files differ from fixed/"
    for path in sorted(want):
        assert got[path] == want[path], f"{path} after --fix:\n{got[path].decode(errors='replace')}"


@pytest.mark.parametrize("case", sample(fix_cases(), _fix_features), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_fix_case_is_proven(case, tmp_path):
    options = load(os.path.join(case, "expected.json")).get("fix") or {}
    unsafe = bool(options.get("unsafe"))
    work = _copy(os.path.join(case, "tree"), str(tmp_path / "tree"))
    before = snapshot(work)
    run_fix(work, unsafe)  # the real command line, once
    got, want = snapshot(work), snapshot(os.path.join(case, "fixed"))
    assert sorted(got) == sorted(want), "files differ from fixed/"
    for path in sorted(want):
        assert got[path] == want[path], f"{path} after --fix:\n{got[path].decode(errors='replace')}"
    prove(work, before, tmp_path, unsafe=unsafe, serve=options.get("serve"), strict="serve" in options)


_FIX_CASES = set(fix_cases())


def fix_and_prove(work: str, before: dict[str, bytes], tmp_path) -> None:
    """Fix `work` with --unsafe-fixes and prove the result; when nothing was applied,
    nothing applicable may have been offered and no byte may have changed."""
    outcome = fix_in_process(work, unsafe=True)
    if not outcome.fixed:
        assert still_fixable(outcome.result, unsafe=True) == [] and snapshot(work) == before
        return
    prove(work, before, tmp_path, unsafe=True)


@pytest.mark.parametrize("case", sample([c for c in cases(FIXTURES) if c not in _FIX_CASES],
                                        lambda c: [_rule(c), _proxy_kinds(os.path.join(c, "tree"))]),
                         ids=lambda p: os.path.relpath(p, FIXTURES))
def test_fixture_fixes_are_proven(case, tmp_path):
    """Every other fixture case whose tree is offered a fix: fixed with --unsafe-fixes,
    the result is proven the same way (there is no expected fixed/ tree to compare)."""
    work = _copy(os.path.join(case, "tree"), str(tmp_path / "tree"))
    before = snapshot(work)
    fix_and_prove(work, before, tmp_path)


# Findings that mean rtclint itself says the served well-known is not right yet (a manual
# fix remains): the serving proof then has nothing to prove.
WELL_KNOWN_CODES = {"RTC100", "RTC101", "RTC102", "RTC106", "RTC107", "RTC111"}


def well_known_findings(result) -> list:
    return [d for d in result.diagnostics if d.code in WELL_KNOWN_CODES]


CORPUS = os.path.join(SHARED, "corpus", "upstream")


@pytest.mark.parametrize("case", cases(CORPUS) if os.path.isdir(CORPUS) else [],
                         ids=lambda p: os.path.relpath(p, CORPUS))
def test_upstream_config_fixes_are_proven(case, tmp_path):
    """The example configs users copy from upstream docs: what `--fix` makes of them is
    accepted by the real servers (a copy is fixed; the corpus is read-only)."""
    work = _copy(case, str(tmp_path / "tree"))
    before = snapshot(work)
    fix_and_prove(work, before, tmp_path)


@pytest.mark.parametrize("example", broken_examples(), ids=os.path.basename)
def test_fixed_example_is_accepted_served_and_discovered(example, tmp_path):
    work = _copy(example, str(tmp_path / "tree"))
    before = snapshot(work)
    fix_in_process(work, unsafe=True)
    prove(work, before, tmp_path, unsafe=True, serve=None, strict=False)


def test_the_harness_fails_a_broken_well_known(tmp_path):
    """The proof is not vacuous: a Caddy well-known with a missing brace, served as is,
    fails the HTTP checks (Caddy serves invalid JSON as text/plain) and the SDK."""
    need("caddy", servers.CADDY)
    need("node")
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text('example.com {\n\theader Access-Control-Allow-Origin *\n'
                         '\trespond /.well-known/matrix/client `{"org.matrix.msc4143.rtc_foci":'
                         '[{"type":"livekit","livekit_service_url":"https://rtc.example.com"}]`\n}\n')
    with servers.start_proxy("caddy", str(caddyfile), str(tmp_path / "run"), ["example.com"]) as running:
        response = fetch_well_known(running.ports[443], "example.com")
        found = sdk_discovery("example.com", running.ports[443])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert not found["success"] and found["reason"] == "Invalid JSON"



BROKEN_CONFIGS = {
    "caddy": ("Caddyfile", "example.com {\n\trespond /x 200\n"),  # unclosed block
    "nginx": ("site.conf", "server {\n    listen 443 ssl\n    server_name example.com;\n}\n"),  # missing ;
    "haproxy": ("haproxy.cfg", "frontend fe\n    mode http\n    bind :80\n    http-request retrun status 200\n"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_CONFIGS))
def test_the_validators_reject_a_broken_config(kind, tmp_path):
    """The validators are not vacuous: each rejects a config its server would refuse."""
    name, text = BROKEN_CONFIGS[kind]
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / name).write_text(text)
    complaint = validate_file(str(tmp_path / "tree"), name, kind, "", str(tmp_path / "work"))
    assert complaint, f"{kind} accepted a broken config"


def test_synapse_loader_rejects_what_synapse_refuses(tmp_path):
    need("Synapse", SYNAPSE_PY)
    path = tmp_path / "homeserver.yaml"
    path.write_text("server_name: example.com\nmax_event_delay_duration: 0\n")
    complaint = synapse_complaint(str(path), str(tmp_path / "work"))
    assert complaint and "max_event_delay_duration" in complaint
    path.write_text("server_name: example.com\nmax_event_delay_duration: 24h\n")
    assert synapse_complaint(str(path), str(tmp_path / "work2")) is None


def test_the_sdk_rejects_rtc_foci_that_is_not_an_array(tmp_path):
    need("caddy", servers.CADDY)
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text('example.com {\n\theader Access-Control-Allow-Origin *\n'
                         '\trespond /.well-known/matrix/client `{"org.matrix.msc4143.rtc_foci":'
                         '{"type":"livekit","livekit_service_url":"https://rtc.example.com"}}`\n}\n')
    with servers.start_proxy("caddy", str(caddyfile), str(tmp_path / "run"), ["example.com"]) as running:
        found = sdk_discovery("example.com", running.ports[443])
    assert found["success"]  # valid JSON ...
    assert not found["rtc_foci_is_array"] and not found["first_focus_is_livekit_transport"]  # ... but no transport

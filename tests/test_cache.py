"""The parse cache (.rtclint_cache/): a repeated run re-parses nothing, a change re-parses
what it can affect, and an entry rtclint did not sign itself is never unpickled.

Every cached run is compared with a fresh (`use_cache=False`) run of the same tree: the
cache may only ever save time, never change a finding."""

import json
import os
import pickle
import subprocess
import sys

import pytest

from rtclint import cache as cache_mod
from rtclint import engine, reading

NGINX_CONF = """events {}
http {
    include conf.d/*.conf;
}
"""
SITE_CONF = """server {
    listen 443 ssl;
    server_name example.com;
    location = /.well-known/matrix/client {
        return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
    }
    location /_matrix { proxy_pass http://pool; }
}
"""
HOMESERVER = "server_name: example.com\nexperimental_features:\n  msc4143_enabled: true\n"


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    """A small tree (nginx with an include, a Synapse config) as the current directory,
    with a private signing key, and reading._parse counting the files it parses."""
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    (tmp_path / "conf.d" / "site.conf").write_text(SITE_CONF)
    (tmp_path / "homeserver.yaml").write_text(HOMESERVER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(cache_mod, "_SECRET", None)
    parsed: list[str] = []
    real = reading._parse

    def counting(parser, doc, tree_):
        parsed.append(doc.path)
        return real(parser, doc, tree_)

    monkeypatch.setattr(reading, "_parse", counting)
    return tmp_path, parsed


def findings(result):
    return sorted((d.code, d.span.path, d.span.start, d.span.end, d.message) for d in result.diagnostics)


def cached_run(parsed):
    """One cached run; returns (findings, the files it parsed) after checking that a fresh
    run finds exactly the same."""
    parsed.clear()
    result = engine.check(["."], use_cache=True, jobs=1)
    again = list(parsed)
    fresh = engine.check(["."], use_cache=False, jobs=1)
    assert findings(result) == findings(fresh)
    parsed.clear()
    return findings(result), again


def entries(root):
    found = []
    for dirpath, _, files in os.walk(root / ".rtclint_cache"):
        found += [os.path.join(dirpath, f) for f in files if f != ".gitignore"]
    return found


def test_second_run_parses_nothing(tree):
    root, parsed = tree
    first, parsed_first = cached_run(parsed)
    assert sorted(parsed_first) == ["conf.d/site.conf", "homeserver.yaml", "nginx.conf"]
    assert len(entries(root)) == 3
    second, parsed_second = cached_run(parsed)
    assert parsed_second == []
    assert second == first


def test_an_edited_file_is_parsed_again_and_only_it(tree):
    root, parsed = tree
    cached_run(parsed)
    (root / "homeserver.yaml").write_text(HOMESERVER.replace("true", "false"))
    _, again = cached_run(parsed)
    assert again == ["homeserver.yaml"]


def test_an_edited_include_reparses_the_file_that_includes_it(tree):
    root, parsed = tree
    before, _ = cached_run(parsed)
    (root / "conf.d" / "site.conf").write_text(SITE_CONF.replace("example.com;", "example.org;"))
    after, again = cached_run(parsed)
    assert "nginx.conf" in again and "conf.d/site.conf" in again
    assert after != before


def test_a_new_file_reparses_the_tree(tree):
    """A file that was not there may be what a parser looked for (an upstream block, a
    sibling values file): adding one invalidates every entry once."""
    root, parsed = tree
    cached_run(parsed)
    (root / "upstreams.conf").write_text("upstream pool { server 127.0.0.1:8008; }\n")
    _, again = cached_run(parsed)
    assert {"nginx.conf", "conf.d/site.conf", "homeserver.yaml", "upstreams.conf"} <= set(again)
    _, third = cached_run(parsed)
    assert third == []


def test_another_rtclint_version_does_not_reuse_entries(tree, monkeypatch):
    _, parsed = tree
    cached_run(parsed)
    monkeypatch.setattr(cache_mod, "__version__", "99.0.0")
    _, again = cached_run(parsed)
    assert sorted(again) == ["conf.d/site.conf", "homeserver.yaml", "nginx.conf"]


class _Planted:
    """Unpickling this creates a directory: proof that a payload was loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("signature", ["zeros", "other-key"])
def test_entries_not_signed_with_this_users_key_are_never_unpickled(tree, signature):
    """A repository can commit `.rtclint_cache/` with hostile pickles under the right
    names; its signatures cannot match this user's key, so nothing is ever loaded."""
    root, parsed = tree
    cached_run(parsed)
    marker = root / "unpickled"
    payload = pickle.dumps(_Planted(str(marker)))
    if signature == "zeros":
        sig = bytes(32)
    else:  # a valid signature, but made with someone else's key
        sig = cache_mod.blake2b(payload, key=b"k" * 32, digest_size=32).digest()
    for path in entries(root):
        with open(path, "wb") as fh:
            fh.write(sig + payload)
    _, again = cached_run(parsed)
    assert not marker.exists()
    assert sorted(again) == ["conf.d/site.conf", "homeserver.yaml", "nginx.conf"]


def test_a_cache_directory_planted_as_a_symlink_is_not_written_through(tree, tmp_path_factory):
    root, parsed = tree
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.symlink(elsewhere, root / ".rtclint_cache")
    cached_run(parsed)
    assert os.listdir(elsewhere) == []


def test_cache_root_is_the_git_work_tree_or_the_settings_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "deploy" / "nginx"
    sub.mkdir(parents=True)
    assert cache_mod.cache_root(None, str(sub)) == str(tmp_path)
    settings = tmp_path / "deploy" / ".rtclint.toml"
    assert cache_mod.cache_root(str(settings), str(sub)) == str(tmp_path / "deploy")
    outside = tmp_path / "x"
    outside.mkdir()
    os.rename(tmp_path / ".git", tmp_path / "not-git")
    assert cache_mod.cache_root(None, str(outside)) == str(outside)


def run_cli(args, cwd, home):
    env = dict(os.environ, XDG_CACHE_HOME=str(home), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--format", "json", "--exit-zero", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_no_cache_writes_nothing_and_the_default_writes_an_ignored_cache(tmp_path):
    (tmp_path / "homeserver.yaml").write_text(HOMESERVER)
    home = tmp_path / "home-cache"
    without = run_cli(["--no-cache", "."], tmp_path, home)
    assert not (tmp_path / ".rtclint_cache").exists()
    with_cache = run_cli(["."], tmp_path, home)
    assert with_cache == without
    assert (tmp_path / ".rtclint_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert entries(tmp_path)
    assert run_cli(["."], tmp_path, home) == without


def test_parallel_workers_share_the_cache(tree, monkeypatch):
    """The process pool reads and writes the same entries (the pool is forced here)."""
    root, parsed = tree
    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(reading, "MIN_PARALLEL_JOBS", 2)
    result = engine.check(["."], use_cache=True, jobs=2)
    assert len(entries(root)) == 3
    stamps = {p: os.stat(p).st_mtime_ns for p in entries(root)}
    again = engine.check(["."], use_cache=True, jobs=2)
    assert findings(again) == findings(result)
    assert {p: os.stat(p).st_mtime_ns for p in entries(root)} == stamps  # nothing rewritten


def test_gitignore_race_between_workers_loses_no_entry(tree, monkeypatch):
    """Two workers both see no .gitignore; the one that loses the O_EXCL race must still
    write its entry (this lost an entry now and then under the process pool)."""
    root, _ = tree
    real_lexists = os.path.lexists
    monkeypatch.setattr(cache_mod.os.path, "lexists",
                        lambda p: False if p.endswith(".gitignore") else real_lexists(p))
    engine.check(["."], use_cache=True)
    assert len(entries(root)) == 3


def test_changed_rtclint_code_reparses_everything(tree, monkeypatch):
    """Entries are pickled model objects: other code (a git install, a checkout) must not
    read them back, even when the version string is the same."""
    root, parsed = tree
    _, first = cached_run(parsed)
    _, second = cached_run(parsed)
    assert first and second == []
    monkeypatch.setattr(cache_mod, "_CODE", ["another build of rtclint"])
    _, third = cached_run(parsed)
    assert sorted(third) == sorted(first)


def test_the_code_fingerprint_follows_replaced_files(tmp_path):
    """pip and git replace files, which gives their directory a new mtime."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "a.py").write_text("x = 1\n")
    before = cache_mod.directories_fingerprint(str(package))
    assert cache_mod.directories_fingerprint(str(package)) == before
    os.utime(package / "sub", ns=(1, 1))  # what replacing a file in it does to the directory
    assert cache_mod.directories_fingerprint(str(package)) != before


def test_processes_creating_the_signing_key_at_once_all_use_the_winners_key(tmp_path, monkeypatch):
    """Parse workers forked before the key existed each created one; the losers signed
    their entries with a key nobody kept, and the next run re-parsed those files (this
    failed CI now and then as a rewritten entry in the pool test above)."""
    import multiprocessing

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(cache_mod, "_SECRET", None)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(6) as pool:
        keys = pool.map(_fresh_secret, range(24))
    assert len(set(keys)) == 1
    assert keys[0] == (tmp_path / "home-cache" / "rtclint" / "key").read_bytes()
    assert not [p for p in os.listdir(tmp_path / "home-cache" / "rtclint") if p != "key"]


def test_a_process_that_loses_the_key_race_reads_the_winners_key(tmp_path):
    path = str(tmp_path / "rtclint" / "key")
    first = cache_mod._create_key(path)
    assert cache_mod._create_key(path) == first  # it had found no key, then another wrote one


def _fresh_secret(_):
    import time

    cache_mod._SECRET = None
    time.sleep(0.01)  # let the pool start every worker before any creates the key
    return cache_mod._secret()


COMPOSE_LIVEKIT = """services:
  livekit:
    image: livekit/livekit-server:v1.8.4
    command: --config /etc/livekit.yaml
    volumes:
      - ./livekit.yaml:/etc/livekit.yaml:ro
      - ./keys:/etc/livekit-keys:ro
"""
LIVEKIT = "port: 7880\nkey_file: /etc/livekit-keys/keys.yaml\n"


def cached_run_of(path, parsed):
    """cached_run for one file given alone (the pre-commit hook's way): the tree around it
    is not checked, only looked at."""
    parsed.clear()
    result = engine.check([path], use_cache=True, jobs=1)
    again = list(parsed)
    fresh = engine.check([path], use_cache=False, jobs=1)
    assert findings(result) == findings(fresh)
    assert _links(result) == _links(fresh)
    parsed.clear()
    return again


def _links(result):
    """What the Compose reader linked for each service: its facts by name, and the key
    files it found by their path in the container."""
    return [(s.name, sorted(s.facts), sorted(s.facts.get("key_maps", {}))) for s in result.deployment.services]


def test_a_mounted_file_created_since_reparses_the_file_that_mounts_it(tree):
    root, parsed = tree
    (root / "docker-compose.yml").write_text(COMPOSE_LIVEKIT)
    assert cached_run_of("docker-compose.yml", parsed) == ["docker-compose.yml"]
    assert cached_run_of("docker-compose.yml", parsed) == []
    (root / "livekit.yaml").write_text(LIVEKIT)  # not checked itself: given alone, the Compose file is
    assert cached_run_of("docker-compose.yml", parsed) == ["docker-compose.yml"]
    assert cached_run_of("docker-compose.yml", parsed) == []


def test_a_file_added_to_a_bind_mounted_folder_reparses_the_file_that_mounts_it(tree):
    root, parsed = tree
    (root / "docker-compose.yml").write_text(COMPOSE_LIVEKIT)
    (root / "livekit.yaml").write_text(LIVEKIT)
    (root / "keys").mkdir()
    (root / "keys" / "README").write_text("keys go here\n")
    cached_run_of("docker-compose.yml", parsed)
    assert cached_run_of("docker-compose.yml", parsed) == []
    (root / "keys" / "keys.yaml").write_text("callkey: 4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e\n")
    assert cached_run_of("docker-compose.yml", parsed) == ["docker-compose.yml"]
    assert cached_run_of("docker-compose.yml", parsed) == []


SITE_WITH_SNIPPET = """server {
    listen 443 ssl;
    server_name example.com;
    include /etc/nginx/snippets/well-known.conf;
    location /_matrix { proxy_pass http://127.0.0.1:8008; }
}
"""


def test_a_folder_that_makes_the_tree_mirror_etc_nginx_reparses_the_site_that_includes_it(tree):
    """An `/etc/nginx/snippets/…` include is the host's file until the tree has a
    `snippets/` folder of its own; from then on a missing file there is RTC003. The
    cached parse of the site must see the folder appear."""
    root, parsed = tree
    (root / "sites-enabled").mkdir()
    site = os.path.join("sites-enabled", "matrix.conf")
    (root / site).write_text(SITE_WITH_SNIPPET)
    assert cached_run_of(site, parsed) == [site]
    assert cached_run_of(site, parsed) == []
    (root / "snippets").mkdir()
    (root / "snippets" / "README").write_text("snippets live here\n")
    assert cached_run_of(site, parsed) == [site]
    result = engine.check([site], use_cache=True, jobs=1)
    assert [d.code for d in result.diagnostics if d.code == "RTC003"] == ["RTC003"]
    assert cached_run_of(site, parsed) == []

"""Host firewalls (parsers/firewall_*.py, model/firewall.py): what each format admits, where
it is written, what is malformed — and the real tools as oracles: every nftables file rtclint
reads as valid, `nft -c -f` accepts, and every one it calls RTC001, nft refuses; likewise
`iptables-restore --test` for iptables-save and ufw rule files."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

from conftest import ROOT
from rtclint import engine
from rtclint.model.firewall import merged

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
FIREWALLS = os.path.join(FIXTURES, "firewalls")
SBIN = ("/usr/sbin", "/sbin")


def _check(paths):
    return engine.check([os.path.join(FIREWALLS, p) if not os.path.isabs(p) else p for p in paths])


def _firewalls(*paths):
    return merged(_check(paths).deployment.firewalls)


def _codes(result, path):
    return [d.code for d in result.diagnostics if d.span.path.endswith(os.path.basename(path))]


def _text(result, span):
    return result.documents[span.path].text[span.start:span.end]


# -- what each format admits -----------------------------------------------------------


@pytest.mark.parametrize("protocol, port, admitted", [
    ("tcp", 7881, True), ("udp", 3478, True), ("tcp", 3478, True),  # th dport: any transport
    ("udp", 50000, True), ("udp", 50100, True), ("udp", 50150, False), ("udp", 50200, True),
    ("tcp", 22, None),  # accepted only from 192.0.2.0/24: rtclint cannot tell
    ("tcp", 8080, False),  # reject
    ("tcp", 443, False),  # the policy
])
def test_nftables_commands(protocol, port, admitted):
    (fw,) = _firewalls("commands.nft")
    assert (fw.kind, fw.name, fw.policy) == ("nftables", "input", "drop")
    assert fw.admits(protocol, port) is admitted


def test_nftables_include_define_and_jump():
    result = _check(["with-include.nft"])
    (fw,) = merged(result.deployment.firewalls)
    assert fw.admits("udp", 55555) is True  # the set defined in the included file
    assert fw.admits("tcp", 7881) is None  # through a jump rtclint does not follow
    assert fw.admits("tcp", 443) is False
    assert _text(result, fw.span) == "policy drop"


def test_nftables_missing_include_makes_the_ruleset_unknown(tmp_path):
    path = tmp_path / "nftables.conf"
    path.write_text('include "./nowhere/*.nft"\ntable inet f {\n\tchain input {\n'
                    "\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n")
    result = engine.check([str(path)])
    assert "RTC003" in [d.code for d in result.diagnostics]
    assert result.deployment.firewalls == []


@pytest.mark.parametrize("protocol, port, admitted", [
    ("tcp", 7881, True), ("udp", 50000, None),  # jump to the user chain `media`
    ("udp", 40000, False), ("tcp", 8443, False),  # ! --dport 50000:60000 DROP; REJECT after a LOG
    ("tcp", 22, False),
])
def test_iptables_save(protocol, port, admitted):
    (fw,) = _firewalls("rules.v6")
    assert (fw.kind, fw.name, fw.policy) == ("iptables", "INPUT", "drop")
    assert fw.admits(protocol, port) is admitted


def test_ufw_files_of_one_folder_make_one_filter(tmp_path):
    (tmp_path / "etc" / "ufw").mkdir(parents=True)
    (tmp_path / "etc" / "default").mkdir()
    shutil.copy(os.path.join(FIREWALLS, "before.rules"), tmp_path / "etc" / "ufw")
    (tmp_path / "etc" / "ufw" / "user.rules").write_text(
        "*filter\n:ufw-user-input - [0:0]\n### tuple ### allow tcp 7881 0.0.0.0/0 any 0.0.0.0/0 in\n"
        "-A ufw-user-input -p tcp --dport 7881 -j ACCEPT\nCOMMIT\n")
    (tmp_path / "etc" / "default" / "ufw").write_text('DEFAULT_INPUT_POLICY="DROP"\n')
    (fw,) = merged(engine.check([str(tmp_path)]).deployment.firewalls)
    assert (fw.kind, fw.name, fw.policy) == ("ufw", "ufw-user-input", "drop")
    assert fw.admits("tcp", 7881) is True
    assert fw.admits("udp", 5353) is None  # only to a multicast address
    assert fw.admits("udp", 50000) is False
    (tmp_path / "etc" / "ufw" / "ufw.conf").write_text("ENABLED=no\n")
    assert engine.check([str(tmp_path)]).deployment.firewalls == []


def test_firewalld_default_zone(tmp_path):
    zones = tmp_path / "firewalld" / "zones"
    zones.mkdir(parents=True)
    zone = ('<?xml version="1.0"?>\n<zone>\n  <service name="ssh"/>\n  <service name="libvirt"/>\n'
            '  <port protocol="udp" port="50000-60000"/>\n</zone>\n')
    (zones / "public.xml").write_text(zone)
    (zones / "work.xml").write_text(zone.replace("<zone>", '<zone target="ACCEPT">'))
    result = engine.check([str(tmp_path)])
    (fw,) = result.deployment.firewalls  # only the default zone
    assert fw.name == "zone public" and fw.policy == "drop"
    assert fw.admits("udp", 55000) is True
    assert fw.admits("tcp", 22) is True
    assert fw.admits("tcp", 7881) is None  # behind a service defined outside the tree
    (tmp_path / "firewalld" / "firewalld.conf").write_text("DefaultZone=work\n")
    (fw,) = engine.check([str(tmp_path)]).deployment.firewalls
    assert fw.name == "zone work" and fw.admits("tcp", 7881) is None
    assert fw.policy == "accept"


def test_first_dropped_finds_the_gap_in_a_range():
    (fw,) = _firewalls("commands.nft")
    assert fw.first_dropped("udp", 50000, 50200) == (50101, False)
    assert fw.first_dropped("udp", 50000, 50100) == (None, False)


# -- malformed files: RTC001 at the place, never a traceback ---------------------------


@pytest.mark.parametrize("name, line", [
    ("unclosed-brace.nft", 1), ("unknown-command.nft", 6), ("unterminated-string.nft", 4),
    ("no-commit.rules.v4", 1), ("chain-before-table.rules.v4", 1), ("broken-zone.xml", 4),
])
def test_malformed_files_are_rtc001(name, line):
    path = os.path.join(FIREWALLS, name)
    if name.endswith(".v4") or name.endswith(".xml"):
        kind = "iptables" if name.endswith(".v4") else "firewalld"
        result = _check_as(path, kind)
    else:
        result = _check([name])
    found = [d for d in result.diagnostics if d.code == "RTC001"]
    assert found, [d.message for d in result.diagnostics]
    assert result.documents[found[0].span.path].line_col(found[0].span.start)[0] == line
    assert result.deployment.firewalls == []


def _check_as(path, kind):
    """Run a fixture under the name its tool gives it (the fixture's own name says what is wrong)."""
    import tempfile

    target = {"iptables": "rules.v4", "firewalld": os.path.join("zones", "public.xml")}[kind]
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, target)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(path, dest)
        return engine.check([tmp])


# -- the oracles ------------------------------------------------------------------------


def _tool(name):
    found = shutil.which(name) or next((os.path.join(d, name) for d in SBIN if os.path.exists(os.path.join(d, name))),
                                       None)
    if found is None:
        pytest.skip(f"{name} is not installed (make setup installs Debian's package)")
    return found


def _run(argv, cwd):
    """Run a checker in its own network namespace when we may (the host's rules untouched)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        argv = ["unshare", "--net", *argv]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)


def _files(patterns):
    out = set()
    for pattern in patterns:
        out.update(glob.glob(os.path.join(FIXTURES, "**", pattern), recursive=True))
    return sorted(out)


NFT_FILES = _files(["*.nft", "nftables.conf"])
IPT_FILES = _files(["rules.v4", "rules.v6", "*.rules", "*.rules.v4"])


@pytest.mark.parametrize("path", NFT_FILES, ids=lambda p: os.path.relpath(p, FIXTURES))
def test_nft_agrees(path):
    nft = _tool("nft")
    rtc001 = "RTC001" in _codes(engine.check([path]), path)
    folder = os.path.dirname(path)
    done = _run([nft, "-c", "-I", folder, "-f", path], cwd=folder)
    assert (done.returncode != 0) == rtc001, f"rtclint RTC001={rtc001}, nft said: {done.stderr}"


@pytest.mark.parametrize("path", IPT_FILES, ids=lambda p: os.path.relpath(p, FIXTURES))
def test_iptables_restore_agrees(path):
    six = path.endswith(".v6") or os.path.basename(path).startswith(("user6", "before6", "after6"))
    tool = _tool("ip6tables-restore" if six else "iptables-restore")
    result = _check_as(path, "iptables") if not os.path.basename(path).startswith(
        ("rules.", "user", "before", "after")) else engine.check([path])
    rtc001 = "RTC001" in [d.code for d in result.diagnostics]
    done = _run([tool, "--test", path], cwd=os.path.dirname(path))
    assert (done.returncode != 0) == rtc001, f"rtclint RTC001={rtc001}, {os.path.basename(tool)} said: {done.stderr}"


def test_the_oracles_see_both_verdicts():
    """The fixtures hold files each tool accepts and files it refuses."""
    assert any("unclosed" in p for p in NFT_FILES) and any(p.endswith("nftables.conf") for p in NFT_FILES)
    assert any("no-commit" in p for p in IPT_FILES) and any(p.endswith("rules.v4") for p in IPT_FILES)

"""The NixOS module system as rtclint reads it (parsers/nix_modules, nix_imports,
nix_flake): mkIf, mkMerge, mkDefault/mkForce/mkOverride across the files of a module
tree and the module lists of a flake, findings at the .nix line:column of the definition
that wins, an undecidable condition quiet.

Oracle: `nix-instantiate --eval --strict --json` on the same modules, with stand-ins for
nixpkgs' lib (not installed here): mkIf, mkMerge, mkOverride, mkDefault, mkForce,
mkOptionDefault, mkOrder, mkBefore, mkAfter, pushDownProperties, dischargeProperties,
filterOverrides, sortProperties and evalModules' `reverseList` of the module list written
as lib/modules.nix defines them; the option declarations are the stand-in part (an option
group wherever every definition is an attribute set, listOf concatenation, types.lines'
"\n" join for the options listed as lines, mergeEqualOption for the rest), and
conditions and references (`cfg.port`, `with cfg;`, `inherit (cfg) port;`, `${toString
…}`) read the fixed point `config` lazily as the module system does. A flake's module
lists are compared with its `outputs` evaluated with a nixosSystem that returns them."""

import json
import os
import shutil

import pytest

from conftest import ROOT
from test_nix import found
from test_nix_oracles import nix
from rtclint.document import Document
from rtclint.engine import check
from rtclint.parsers.nix_modules import ModuleTree
from rtclint.parsers.nix_syntax import parse

MODULES = os.path.join(ROOT, "tests", "fixtures", "nix", "modules")

CASES = {  # fixture tree -> (code, file, line, column) of every finding
    "good": [("RTC512", "matrix.nix", 24, 11)],
    "flake": [("RTC512", "matrix.nix", 24, 11)],
    # a mkForce in a third file beats web/default.nix's plain proxyPass
    "broken/jwt-prefix-forced": [("RTC201", "rtc-override.nix", 6, 17), ("RTC512", "matrix.nix", 24, 11)],
    # mkForce false on services.livekit.enable: lk-jwt-service's mkIf on it drops it too
    "broken/livekit-forced-off": [("RTC005", "configuration.nix", 1, 1), ("RTC512", "matrix.nix", 24, 11)],
    # the broken proxyPass sits behind `mkIf config.rtc.enable`, which is computed: quiet
    # (RTC005, information: no proxy rtclint could read)
    "quiet/undecided-condition": [("RTC005", "configuration.nix", 1, 1), ("RTC512", "matrix.nix", 24, 11)],
    "caddy-json": [("RTC004", "configuration.nix", 5, 3)],
    # the flake's module list bound by `let`: `inherit modules;`, `common ++ [ … ]`
    "flake-let": [("RTC512", "matrix.nix", 24, 11)],
    "broken/flake-let-jwt-prefix": [("RTC201", "rtc-override.nix", 6, 17), ("RTC512", "matrix.nix", 24, 11)],
    # `inherit modules;` names mkHost's argument, not the let-bound list: unknown, quiet
    "quiet/flake-let-shadowed": [],
    # hosts named `"${domain}"` / `"rtc.${config.networking.domain}"`, upstream addresses read
    # from the LiveKit / lk-jwt-service options (`${jwt.LIVEKIT_JWT_BIND}`, `${toString
    # sfu.port}`), the well-known's CORS header joined in by another module
    "refs": [("RTC512", "matrix.nix", 24, 11)],
    "broken/refs-jwt-prefix-kept": [("RTC201", "default.nix", 39, 38), ("RTC512", "matrix.nix", 24, 11)],
    # `${config.my.jwtBind}` / a host `"rtc.${config.my.domain}"`: options nothing sets, quiet
    "quiet/refs-option-unset": [("RTC512", "matrix.nix", 24, 11)],
    "quiet/refs-name-unset": [("RTC512", "matrix.nix", 24, 11)],
    # types.lines: the return without rtc_foci is found in the module that wrote it, before
    # or after the other module's lines
    "broken/lines-cors-first": [("RTC108", "default.nix", 23, 23), ("RTC512", "matrix.nix", 24, 11)],
    "broken/lines-well-known-without-foci": [("RTC108", "cors.nix", 10, 19), ("RTC512", "matrix.nix", 24, 11)],
}


def findings(tree: str) -> list[tuple[str, str, int, int]]:
    cwd = os.getcwd()
    os.chdir(os.path.join(MODULES, tree))
    try:
        result = check(["."])
    finally:
        os.chdir(cwd)
    out = []
    for d in result.diagnostics:
        doc = result.deployment.documents[d.span.path]
        out.append((d.code, os.path.basename(d.span.path), *doc.line_col(d.span.start)))
    return sorted(out)


@pytest.mark.parametrize("tree", sorted(CASES))
def test_module_trees_get_their_findings_at_the_defining_file(tree):
    assert findings(tree) == sorted(CASES[tree])


def test_a_module_tree_reads_as_the_single_file_it_was_split_from():
    single = os.path.join(ROOT, "tests", "fixtures", "nix", "good")
    assert [code for code, *_ in found(single)] == [code for code, *_ in findings("good")] == ["RTC512"]
    result = check([os.path.join(MODULES, "good")])
    facts = [f for f in result.deployment.files.values() if f.sites]
    assert len(facts) == 1  # the imported files are read through configuration.nix only
    [top] = facts
    assert len(top.synapse) == len(top.livekit) == len(top.services) == len(top.firewalls) == 1
    assert top.livekit[0].facts.get("webhook_urls") == ["http://127.0.0.1:8080/sfu_webhook"]  # mkIf on rtc.enable
    # two modules' allowedTCPPorts are one list, each port at its own file
    tcp = sorted((os.path.basename(r.span.path), r.ports) for r in top.firewalls[0].rules if r.protocol == "tcp")
    assert tcp == [("configuration.nix", ((22, 22),)), ("matrix.nix", ((80, 80),)), ("matrix.nix", ((443, 443),)),
                   ("matrix.nix", ((7881, 7881),))]


def merged(*modules: str):
    configs = []
    for index, text in enumerate(modules):
        doc = Document(path=f"m{index}.nix", abspath=f"/m{index}.nix", kind="nix", text=text)
        configs.append(parse(doc).root)
    root = ModuleTree(configs).config()
    return root.python() if root is not None else None


def test_priorities_conditions_and_merges():
    # lib/modules.nix merges the module list reversed: the later module's list comes first
    assert merged("{ a = 1; b = [ 1 ]; }", "{ a = 1; b = [ 2 ]; }") == {"a": 1, "b": [2, 1]}
    assert merged("{ lib, ... }: { a = lib.mkDefault 1; }", "{ a = 2; }") == {"a": 2}
    assert merged("{ lib, ... }: { a = lib.mkForce 1; }", "{ a = 2; }") == {"a": 1}
    assert merged("{ a = 1; }", "{ a = 2; }") == {"a": None}  # types.str would reject it: unknown
    assert merged("{ lib, ... }: { x = lib.mkIf false { a = 1; }; y = 1; }") == {"y": 1}
    assert merged("{ config, lib, ... }: { x = lib.mkIf config.flag { a = 1; }; }") == {"x": {"a": None}}
    assert merged("{ config, lib, ... }: { x = lib.mkIf config.flag { a = 1; }; }", "{ flag = true; }") == \
        {"x": {"a": 1}, "flag": True}
    assert merged("{ config, lib, ... }: let cfg = config.s; in { x = lib.mkIf (!cfg.on || false) 1; }",
                  "{ s.on = false; }") == {"x": 1, "s": {"on": False}}
    assert merged("{ config, lib, ... }: { a = lib.mkIf config.a 1; }") == {"a": None}  # depends on itself


def test_attrs_of_options_compare_priorities_between_whole_sets():
    # virtualHosts is attrsOf: mkForce { a } drops { b }; a submodule (one host) merges both
    assert merged('{ lib, ... }: { services.nginx.virtualHosts = lib.mkForce { a.root = "/a"; }; }',
                  '{ services.nginx.virtualHosts.b.root = "/b"; }') == \
        {"services": {"nginx": {"virtualHosts": {"a": {"root": "/a"}}}}}
    # a condition reads the option through the same merging
    assert merged('{ config, lib, ... }: { services.nginx.virtualHosts = lib.mkForce { a.x = true; };'
                  ' y = lib.mkIf config.services.nginx.virtualHosts.a.x 1; }',
                  '{ services.nginx.virtualHosts.a.x = false; }')["y"] == 1
    assert merged('{ lib, ... }: { services.nginx = lib.mkDefault { enable = true; b = 1; }; }',
                  '{ services.nginx.enable = false; }') == {"services": {"nginx": {"enable": False, "b": 1}}}


# -- the oracle --------------------------------------------------------------------------

STAND_INS = r"""
let
  # lib/modules.nix's properties, as it defines them
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  # lib/options.nix's declarations, reduced to what merging reads: the default
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: mkOption { default = false; };
  reverseList = xs: let l = builtins.length xs; in builtins.genList (n: builtins.elemAt xs (l - n - 1)) l;
  lib = { inherit mkIf mkMerge mkOverride mkOptionDefault mkDefault mkForce mkOrder mkBefore mkAfter mkOption
    mkEnableOption reverseList; };
  pushDownProperties = cfg:
    if cfg._type or "" == "merge" then builtins.concatMap pushDownProperties cfg.contents
    else if cfg._type or "" == "if" then map (builtins.mapAttrs (n: v: mkIf cfg.condition v)) (pushDownProperties cfg.content)
    else if cfg._type or "" == "override" then map (builtins.mapAttrs (n: v: mkOverride cfg.priority v)) (pushDownProperties cfg.content)
    else [ cfg ];
  dischargeProperties = def:
    if def._type or "" == "merge" then builtins.concatMap dischargeProperties def.contents
    else if def._type or "" == "if" then (if def.condition then dischargeProperties def.content else [ ])
    else [ def ];
  filterOverrides = defs:
    let
      getPrio = def: if def._type or "" == "override" then def.priority else 100;
      highestPrio = builtins.foldl' (prio: def: if getPrio def < prio then getPrio def else prio) 9999 defs;
      strip = def: if def._type or "" == "override" then def.content else def;
    in map strip (builtins.filter (def: getPrio def == highestPrio) defs);
  # sortProperties (builtins.sort is stable): by mkOrder's number, 1000 without one
  sortProperties = defs:
    let
      prio = def: if def._type or "" == "order" then def.priority else 1000;
      strip = def: if def._type or "" == "order" then def.content else def;
    in map strip (builtins.sort (a: b: prio a < prio b) defs);
  # the declarations' part: which options are types.lines (rtclint's nix_refs.LINES)
  linesOptions = [ [ "services" "nginx" "appendHttpConfig" ] [ "services" "caddy" "extraConfig" ]
    [ "services" "nginx" "virtualHosts" "*" "locations" "*" "extraConfig" ] ];
  isLines = loc: builtins.any (pat: builtins.length pat == builtins.length loc
    && builtins.all (i: builtins.elemAt pat i == "*" || builtins.elemAt pat i == builtins.elemAt loc i)
      (builtins.genList (i: i) (builtins.length loc))) linesOptions;
  # the stand-in for option declarations: an option group where every definition is an
  # attribute set (seen through its properties, as declarations give the structure
  # without evaluating a condition), else one option
  peel = v: if v._type or "" == "merge" then builtins.concatMap peel v.contents
    else if builtins.elem (v._type or "") [ "if" "override" ] then peel v.content else [ v ];
  isGroup = defs: builtins.all (v: builtins.isAttrs v && !(v ? _type)) (builtins.concatMap peel defs);
  mergeOption = loc: defs:
    let values = sortProperties (filterOverrides (builtins.concatMap dischargeProperties defs)); in
    if values == [ ] then null
    else if builtins.all builtins.isList values then builtins.concatLists values
    else if isLines loc && builtins.all builtins.isString values then builtins.concatStringsSep "\n" values
    else if builtins.all (v: v == builtins.head values) values then builtins.head values
    else "<conflict>";
  mergeGroup = loc: defs:
    let
      pushed = builtins.concatMap pushDownProperties defs;
      names = builtins.attrNames (builtins.foldl' (a: b: a // b) { } pushed);
      child = name: let d = map (c: c.${name}) (builtins.filter (c: c ? ${name}) pushed);
        in if isGroup d then mergeGroup (loc ++ [ name ]) d else mergeOption (loc ++ [ name ]) d;
    # null: nothing defines it (left out by the test; filtering here would make the
    # structure depend on conditions, which declarations never do)
    in builtins.listToAttrs (map (name: { inherit name; value = child name; }) names);
  # unifyModuleSyntax's split: `config` when the module has `config` or `options`; and
  # evalOptionValue's `mkOptionDefault opt.default` for each option declared (the cases
  # give every option a default)
  defaultsOf = o: if o._type or "" == "option" then mkOptionDefault o.default else builtins.mapAttrs (n: defaultsOf) o;
  unify = m: if m ? config || m ? options then mkMerge [ (m.config or { }) (defaultsOf (m.options or { })) ] else m;
  # evalModules: `mergeModules prefix (reverseList collected)`
  evalTiny = modules: let
      config = mergeGroup [ ] (lib.reverseList
        (map (m: unify (if builtins.isFunction m then m { inherit config lib; } else m)) modules));
    in config;
in
"""

ORACLE_CASES = [
    # references (nix_refs): let-bound cfg, config.<path>, inherit (…), with, toString in strings
    ['{ config, ... }: let cfg = config.s; in { t.port = cfg.port; t.url = "http://127.0.0.1:${toString cfg.port}/"; }',
     "{ s.port = 7880; }"],
    ['let port = 7880; host = "h"; in { t = "http://${host}:${toString port}"; u = port; }'],
    ['{ config, ... }: { t = { inherit (config.s) port host; }; u = config.t.port; }', '{ s = { port = 1; host = "h"; }; }'],
    ['{ config, lib, ... }: let cfg = config.s; in with lib; { t = with cfg; { p = port; u = "${host}:${toString port}"; }; }',
     '{ s = { port = 7880; host = "h"; }; }'],
    ["{ config, ... }: { a = config.b; b = config.c; c = 3; }"],
    # a lexical name beats `with`; Nix's global `toString` is never taken from a `with`
    ["{ config, ... }: let port = 1; in with config.s; { a = port; }", "{ s.port = 2; }"],
    ["{ config, ... }: with config.s; let x = y; y = 2; in { a = x; }", "{ s.y = 5; }"],
    ['{ config, ... }: with config.s; { a = "${toString port}"; }', "{ s = { port = 1; toString = 2; }; }"],
    ['{ config, ... }: let s = { p = 1; c = config.svc; }; in with config.services;'
     ' { a = s.p; b = s.c.port; d = livekit.settings.port; }', "{ svc.port = 2; services.livekit.settings.port = 7880; }"],
    ["{ config, lib, ... }: { a = config.b; b = lib.mkDefault 1; l = [ config.c ]; }", "{ b = 2; c = 3; }"],
    ['{ config, ... }: let cfg = config.s; url = "http://${cfg.host}"; in { t = "${url}/x";'
     " i = ''\n  listen ${toString cfg.port};\n    x\n''; }", '{ s = { port = 8448; host = "m"; }; }'],
    # toString and builtins.toJSON, of literals and of references
    ["{ a = \"${builtins.toJSON { b = 1; a = [ \"x\" true null ]; \"m.server\" = \"h:443\"; }}\";"
     " b = toString 5; c = toString true; d = \"[${toString false}${toString null}]\";"
     " e = builtins.toJSON { q = \"a\\\"b\\\\c\\nd\\t é\\u0001\"; }; }"],
    ['{ config, ... }: let cfg = config.s; in { w = "return 200 \'${builtins.toJSON {'
     ' "m.homeserver".base_url = "https://${cfg.host}"; }}\';"; p = toString cfg.port; j = builtins.toJSON cfg; }',
     '{ s = { host = "m.example.org"; port = 8448; }; }'],
    # attribute names made of option references (the NixOS manual's Synapse example)
    ['{ config, ... }: let fqdn = "${config.networking.hostName}.${config.networking.domain}"; in {'
     ' networking.hostName = "m"; networking.domain = "example.org"; services.nginx.virtualHosts = {'
     ' "${config.networking.domain}".root = "/a"; ${fqdn}.locations."/".proxyPass = "http://[::1]:8008"; };'
     ' services.matrix-synapse.settings.server_name = config.networking.domain; }',
     '{ services.nginx.virtualHosts."example.org".locations."/x".proxyPass = "http://b"; }'],
    # a reference to a set merges with the option's other definitions
    ["{ config, ... }: { services.livekit.settings = config.my.lk; my.lk = { port = 7880; rtc.tcp_port = 7881; }; }",
     "{ services.livekit.settings.rtc.udp_port = 7882; }"],
    # mkBefore/mkAfter/mkOrder and types.lines
    ['{ lib, ... }: { services.nginx.appendHttpConfig = lib.mkAfter "c"; }', '{ services.nginx.appendHttpConfig = "a"; }',
     '{ lib, ... }: { services.nginx.appendHttpConfig = lib.mkBefore "b"; }'],
    ['{ services.caddy.extraConfig = "x"; }', '{ services.caddy.extraConfig = "y"; }', '{ services.caddy.extraConfig = "z"; }'],
    ['{ lib, ... }: { services.caddy.extraConfig = lib.mkForce (lib.mkOrder 2000 "late"); }',
     '{ lib, ... }: { services.caddy.extraConfig = lib.mkForce "f"; }', '{ services.caddy.extraConfig = "p"; }'],
    ['{ lib, ... }: { services.caddy.extraConfig = lib.mkMerge [ "a" (lib.mkBefore "b") "c" ]; }'],
    ["{ lib, ... }: { l = lib.mkAfter [ 1 ]; }", "{ l = [ 2 ]; }", "{ lib, ... }: { l = lib.mkBefore [ 3 ]; }"],
    ['{ s = "a"; }', '{ s = "b"; }'],
    ['{ config, lib, ... }: { services.nginx.virtualHosts.h.locations."/".extraConfig = lib.mkBefore'
     ' "proxy_pass http://127.0.0.1:${toString config.p};"; p = 8080; }',
     '{ services.nginx.virtualHosts.h.locations."/".extraConfig = "proxy_read_timeout 120s;"; }'],
    ["{ a = 1; l = [ 1 ]; }", "{ a = 1; l = [ 2 3 ]; }"],
    ["{ lib, ... }: { a = lib.mkDefault 1; b = lib.mkOptionDefault 1; }", "{ a = 2; b = lib.mkDefault 2; }"],
    ["{ lib, ... }: { a = lib.mkForce 1; }", "{ a = 2; }", "{ lib, ... }: { a = lib.mkOverride 10 3; }"],
    ["{ a = 1; }", "{ a = 2; }"],
    ["{ lib, ... }: { x = lib.mkIf false { a = 1; }; y = 1; }"],
    ["{ config, lib, ... }: { x = lib.mkIf config.flag { a = 1; }; }", "{ flag = true; }"],
    ["{ config, lib, ... }: { x = lib.mkIf config.flag { a = 1; }; }", "{ lib, ... }: { flag = lib.mkForce false; }",
     "{ flag = true; }"],
    ["{ config, lib, ... }: let cfg = config.s; in { x = lib.mkIf (!cfg.on || false) 1; }", "{ s.on = false; }"],
    ["{ config, lib, ... }: { config = lib.mkIf config.s.enable { s.port = 80; t = lib.mkMerge [ { a = 1; } "
     "(lib.mkIf (config.s.port == 80 || true) { b = 2; }) (lib.mkIf false { c = 3; }) ]; }; }",
     "{ s.enable = true; }"],
    ["{ lib, ... }: { s = lib.mkDefault { enable = true; b = 1; }; }", "{ s.enable = false; }"],
    ["{ lib, ... }: { s = lib.mkMerge [ { p = [ 1 ]; } (lib.mkIf true { p = [ 2 ]; }) ]; }",
     "{ lib, ... }: { s.p = lib.mkDefault [ 9 ]; }"],
    ["{ config, lib, ... }: { a = lib.mkIf (config.b && config.c) 1; d = lib.mkIf (config.b && !config.c) 2; }",
     "{ b = true; c = false; }"],
    ['{ config, lib, ... }: { a = lib.mkIf (config.host == "m") 1; b = lib.mkIf (config.host != "m") 2;'
     ' c = lib.mkIf (config.port == 8448) 3; }', '{ host = "m"; port = 8448; }'],
    ['{ config, lib, ... }: let cfg = config.my.matrix; in { options.my.matrix = {'
     ' enable = lib.mkEnableOption "matrix"; port = lib.mkOption { default = 8008; }; };'
     ' config = lib.mkIf cfg.enable { services.x.on = true; }; }', "{ my.matrix.port = 9000; }"],
    ['{ config, lib, ... }: let cfg = config.my.matrix; in { options.my.matrix.enable = lib.mkEnableOption "m";'
     ' config = lib.mkIf cfg.enable { services.x.on = true; }; }', "{ my.matrix.enable = true; }"],
]


def _drop_empty(value):
    """Options nothing defines are left out of both: absent for rtclint, `null` or `{}`
    for the stand-in (declarations would fill in their defaults)."""
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v != {} and v is not None}
    return value


def _unknown_as_conflict(value):
    """rtclint's unknown (None) where the stand-in says "<conflict>" (or leaves it out)."""
    if isinstance(value, dict):
        return {k: _unknown_as_conflict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_as_conflict(v) for v in value]
    return "<conflict>" if value is None else value


@pytest.mark.parametrize("modules", ORACLE_CASES, ids=[str(i) for i in range(len(ORACLE_CASES))])
def test_merging_is_the_module_systems(modules):
    expr = STAND_INS + "evalTiny [ " + " ".join(f"({m})" for m in modules) + " ]"
    proc = nix("--eval", "--strict", "--json", "--expr", expr)
    assert proc.returncode == 0, proc.stderr
    expected = _drop_empty(json.loads(proc.stdout))
    ours = merged(*modules)
    assert _drop_empty(_unknown_as_conflict(ours)) == expected, (modules, ours)


def test_nix_instantiate_is_there():
    assert shutil.which("nix-instantiate") is not None


def test_a_module_that_imports_an_inputs_module_is_still_read_as_a_module():
    text = '{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.sops ]; services.nginx.enable = true; }'
    assert merged(text) == {"services": {"nginx": {"enable": True}}}


def test_flake_parts_hosts_and_exported_modules_are_found():
    text = '''{
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    flake.nixosModules.matrix = { services.matrix-synapse.enable = true; };
    flake.nixosConfigurations.host = inputs.nixpkgs.lib.nixosSystem {
      modules = [ ./hardware.nix inputs.self.nixosModules.matrix ({ ... }: { networking.hostName = "h"; }) ];
    };
  };
}'''
    result = parse(Document(path="flake.nix", abspath="/flake.nix", kind="nix", text=text))
    assert result.root is None and list(result.exported) == ["matrix"]
    [host] = result.hosts
    assert [m.kind for m in host] == ["path", "attrs", "unknown"]
    assert host[1].python() == {"services": {"matrix-synapse": {"enable": True}}}  # self.nixosModules.matrix
    assert host[2].body.python() == {"networking": {"hostName": "h"}}  # a module written as a function


def test_options_a_module_declares_give_their_defaults():
    module = ('{ config, lib, ... }: let cfg = config.my.matrix; in {'
              ' options.my.matrix = { enable = lib.mkEnableOption "matrix";'
              ' port = lib.mkOption { type = lib.types.port; default = 8008; }; };'
              ' config = lib.mkIf cfg.enable { services.x.port = cfg.port; }; }')
    assert merged(module) == {"my": {"matrix": {"enable": False, "port": 8008}}}  # mkIf false: nothing
    # a reference is the option's merged value: its default, or the definition that beats it
    assert merged(module, "{ my.matrix.enable = true; }")["services"] == {"x": {"port": 8008}}
    both = merged(module, "{ my.matrix.enable = true; my.matrix.port = 9000; }")
    assert both["my"]["matrix"]["port"] == both["services"]["x"]["port"] == 9000


def test_the_parse_cache_sees_a_change_in_an_imported_module(tmp_path, monkeypatch):
    from rtclint import cache as cache_mod

    shutil.copytree(os.path.join(MODULES, "good"), tmp_path / "host")
    monkeypatch.chdir(tmp_path / "host")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(cache_mod, "_SECRET", None)

    def codes(use_cache: bool) -> list[str]:
        return sorted(d.code for d in check(["."], use_cache=use_cache, jobs=1).diagnostics)

    assert codes(True) == codes(True) == ["RTC512"]
    web = tmp_path / "host" / "web" / "default.nix"
    web.write_text(web.read_text().replace('proxyPass = "http://127.0.0.1:8080/";', 'proxyPass = "http://127.0.0.1:8080";'))
    assert codes(True) == codes(False) == ["RTC201", "RTC512"]


def test_references_rtclint_cannot_evaluate_stay_unknown():
    assert merged("{ config, ... }: { a = config.b; b = config.a; }") == {"a": None, "b": None}  # a cycle
    assert merged('{ config, ... }: { a = config.nothing; s = "${config.nothing}"; }') == {"a": None, "s": None}
    assert merged('{ config, pkgs, ... }: { a = config.b; b = pkgs.x; }') == {"a": None, "b": None}
    # `${…}` of an integer without toString is an error in Nix
    assert merged('{ config, ... }: { a = "${config.p}"; p = 1; }') == {"a": None, "p": 1}
    # the innermost `with` is one Nix computes: `port` may be in it
    assert merged("{ config, pkgs, ... }: with config.s; with pkgs; { a = port; }", "{ s.port = 1; }")["a"] is None
    # a module's argument is lexical: `with` never hides it (nor Nix's globals)
    assert merged("{ config, port ? 5, ... }: with config.s; { a = port; }", "{ s.port = 1; }")["a"] is None
    assert merged('{ config, ... }: with config.s; { a = "${toString port}"; }',
                  '{ s = { port = 1; toString = 2; }; }')["a"] == "1"
    # a `rec` set's names are lexical: never the `with`'s (rtclint does not follow them)
    assert merged("{ config, ... }: with config.s; rec { a = 1; b = a; }", "{ s.a = 5; }")["b"] is None
    # a `types.str` option (not `types.lines`) defined twice differently: Nix rejects it
    assert merged('{ lib, ... }: { services.nginx.virtualHosts.h.root = lib.mkBefore "/a"; }',
                  '{ services.nginx.virtualHosts.h.root = "/b"; }')["services"]["nginx"]["virtualHosts"]["h"] == \
        {"root": None}


def test_let_bound_properties_are_kept_for_the_merge():
    text = ('{ config, lib, ... }: let host = { root = lib.mkDefault "/a"; }; on = lib.mkIf config.flag { x = 1; };'
            ' in { v = host; w = on; flag = true; }')
    assert merged(text, '{ v.root = "/b"; }') == {"v": {"root": "/b"}, "w": {"x": 1}, "flag": True}


# -- a flake's module lists against Nix --------------------------------------------------

# the flake's outputs evaluated with a stand-in nixosSystem that returns its module list
# (each module as a path, or its type: 'lambda', 'set'); `self` is the outputs' fixed point
FLAKE_HOSTS = r"""
let
  flake = import {path};
  nixpkgs = {{ lib.nixosSystem = args: map (m: if builtins.isPath m then toString m else builtins.typeOf m)
    args.modules; }};
  outputs = flake.outputs {{ self = outputs; inherit nixpkgs; }};
in builtins.attrValues outputs.nixosConfigurations
"""


def _described(module, base: str) -> str:
    """rtclint's module list item as the stand-in describes it: its file, or its type
    (`import ./x.nix` is the function the fixtures' module files are)."""
    if module.kind == "path":
        return os.path.normpath(os.path.join(os.path.dirname(base), module.value))
    if module.kind == "attrs":
        return "set"
    return "lambda" if module.body is not None or isinstance(module.value, type(module)) else "?"


@pytest.mark.parametrize("tree", ["flake", "flake-let", "broken/flake-let-jwt-prefix", "quiet/flake-let-shadowed"])
def test_flake_module_lists_are_the_ones_nix_evaluates(tree):
    path = os.path.join(MODULES, tree, "flake.nix")
    proc = nix("--eval", "--strict", "--json", "--expr", FLAKE_HOSTS.format(path=path))
    assert proc.returncode == 0, proc.stderr
    expected = json.loads(proc.stdout)
    with open(path, encoding="utf-8") as fh:
        hosts = parse(Document(path=path, abspath=path, kind="nix", text=fh.read())).hosts
    assert len(hosts) == len(expected) == 1
    ours = [_described(m, path) for m in hosts[0]]
    if tree.startswith("quiet/"):  # the list is a function's argument: one module rtclint cannot see
        assert ours == ["?"] and len(expected[0]) == 2
    else:
        assert ours == expected[0]


def test_selections_follow_let_bound_sets_and_with_scopes():
    text = ('{ config, ... }: let s = { p = 1; c = config.svc; }; in with config.services;'
            ' { a = s.p; b = s.c.port; d = livekit.settings.port; e = s.missing; }')
    got = merged(text, "{ svc.port = 2; services.livekit.settings.port = 7880; }")
    assert (got["a"], got["b"], got["d"], got["e"]) == (1, 2, 7880, None)


def test_nix_never_takes_a_global_name_from_a_with():
    """nix_scope.GLOBALS against Nix: each is lexical (a `with` cannot hide it); the
    names rtclint takes from a `with` are not."""
    from rtclint.parsers.nix_scope import GLOBALS

    names = sorted(GLOBALS) + ["port", "mkIf", "lib", "getAttr", "concatStringsSep"]
    expr = "[ " + " ".join(f'(with {{ {n} = "from-with"; }}; {n} == "from-with")' for n in names) + " ]"
    proc = nix("--eval", "--strict", "--json", "--expr", expr)
    assert proc.returncode == 0, proc.stderr
    assert dict(zip(names, json.loads(proc.stdout))) == {n: n not in GLOBALS for n in names}


def test_a_name_that_needs_its_own_set_is_unknown_where_nix_recurses_forever():
    for modules, ours in ((['{ config, ... }: { ${config.a} = "x"; a = "b"; }'], {"a": "b"}),
                          (['{ config, ... }: { s.${config.s.a} = 1; s.a = "b"; }'], {"s": {"a": "b"}})):
        expr = STAND_INS + "evalTiny [ " + " ".join(f"({m})" for m in modules) + " ]"
        proc = nix("--eval", "--strict", "--json", "--expr", expr)
        assert proc.returncode != 0 and "infinite recursion" in proc.stderr, proc.stdout
        assert merged(*modules) == ours  # the pending name left out: the set is partial


FLAKE_LETS = '''{
  outputs = { self, nixpkgs, ... }:
    let
      port = 8448;
      domain = "example.org";
      host = { config, ... }: { networking.firewall.allowedTCPPorts = [ port ]; networking.domain = domain; };
    in {
      nixosModules.web = { services.nginx.virtualHosts.${domain}.root = "/srv"; };
      nixosConfigurations.h = nixpkgs.lib.nixosSystem {
        modules = [ host ({ ... }: { services.matrix-synapse.settings.server_name = "matrix.${domain}"; }) ];
      };
    };
}'''


def test_a_flakes_modules_read_its_let_bindings_as_nix_does(tmp_path):
    path = tmp_path / "flake.nix"
    path.write_text(FLAKE_LETS)
    # Nix's view: each module of the host called with stand-in arguments, and the export
    expr = (f"let outputs = (import {path}).outputs {{ self = outputs; nixpkgs.lib.nixosSystem = args: map"
            " (m: m { config = { }; }) args.modules; }; in [ outputs.nixosConfigurations.h outputs.nixosModules.web ]")
    proc = nix("--eval", "--strict", "--json", "--expr", expr)
    assert proc.returncode == 0, proc.stderr
    [modules, web] = json.loads(proc.stdout)
    result = parse(Document(path=str(path), abspath=str(path), kind="nix", text=FLAKE_LETS))
    [host] = result.hosts
    assert [m.body.python() for m in host] == modules
    assert result.exported["web"].python() == web

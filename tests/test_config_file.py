"""`[tool.rtclint]` in pyproject.toml and `.rtclint.toml`: discovery (nearest wins), every
key, and exit 2 with the key and the file named for anything invalid."""

import json

import pytest
from conftest import run_rtclint

from rtclint.config_file import ConfigError, find_config_file, load_config
from rtclint.diagnostics import Severity

BROKEN_YAML = "services:\n  a: [\n"  # RTC001 (error)
STALE_SUPPRESSION = "notes:\n  # rtclint: disable=RTC001 -- stale\n  a:\n    b: x\n"  # RTC010 (warning)


def codes_of(proc):
    assert proc.returncode in (0, 1), proc.stderr
    return [d["code"] for d in json.loads(proc.stdout)["diagnostics"]]


def check(cwd, *args):
    return run_rtclint(["check", "--format", "json", *args], cwd=cwd)


def test_pyproject_ignore_applies(tmp_path):
    (tmp_path / "compose.yaml").write_text(BROKEN_YAML)
    assert codes_of(check(tmp_path, ".")) == ["RTC001"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.rtclint]\nignore = ["RTC001"]\n')
    proc = check(tmp_path, ".")
    assert codes_of(proc) == [] and proc.returncode == 0


def test_rtclint_toml_beats_pyproject_in_the_same_directory(tmp_path):
    (tmp_path / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / "pyproject.toml").write_text('[tool.rtclint]\nignore = ["RTC001"]\n')
    (tmp_path / ".rtclint.toml").write_text('select = ["RTC0"]\n')
    assert find_config_file([str(tmp_path)]) == str(tmp_path / ".rtclint.toml")
    assert codes_of(check(tmp_path, ".")) == ["RTC001"]


def test_nearest_file_wins_and_pyproject_without_table_is_skipped(tmp_path):
    sub = tmp_path / "infra"
    sub.mkdir()
    (sub / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / ".rtclint.toml").write_text('ignore = ["RTC001"]\n')
    (sub / "pyproject.toml").write_text('[project]\nname = "infra"\n')  # no [tool.rtclint]: passed over
    assert codes_of(check(tmp_path, "infra")) == []
    (sub / ".rtclint.toml").write_text('fail-on = "error"\n')  # nearer: the parent's ignore no longer applies
    assert codes_of(check(tmp_path, "infra")) == ["RTC001"]


def test_fail_on_error_lets_warnings_pass(tmp_path):
    (tmp_path / "notes.yaml").write_text(STALE_SUPPRESSION)
    proc = check(tmp_path, ".")
    assert codes_of(proc) == ["RTC010"] and proc.returncode == 1
    (tmp_path / ".rtclint.toml").write_text('fail-on = "error"\n')
    proc = check(tmp_path, ".")
    assert codes_of(proc) == ["RTC010"] and proc.returncode == 0


def test_per_file_ignores_are_relative_to_the_config_file(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / ".rtclint.toml").write_text('[per-file-ignores]\n"legacy/*" = ["RTC0"]\n')
    assert codes_of(check(tmp_path, ".")) == ["RTC001"]
    proc = check(legacy, ".")  # run from inside: the glob still means <config dir>/legacy/*
    assert codes_of(proc) == []


def test_exclude_skips_files_under_the_config_directory(tmp_path):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / "pyproject.toml").write_text('[tool.rtclint]\nexclude = ["vendor/"]\n')
    proc = check(tmp_path, ".")
    assert codes_of(proc) == [] and json.loads(proc.stdout)["files_checked"] == 0


def test_explicit_config_option(tmp_path):
    (tmp_path / "compose.yaml").write_text(BROKEN_YAML)
    (tmp_path / "custom.toml").write_text('ignore = ["RTC001"]\n')
    assert codes_of(check(tmp_path, "--config", "custom.toml", ".")) == []
    missing = check(tmp_path, "--config", "nope.toml", ".")
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_targets_and_server_name_load(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.rtclint]\nserver-name = "example.com"\n\n[tool.rtclint.target]\nsynapse = "1.140"\nlivekit = "v1.9.1"\n')
    config = load_config([str(tmp_path)])
    assert config.server_name == "example.com"
    assert config.targets["synapse"] == "1.140" and config.targets["livekit"] == "v1.9.1"
    assert config.targets["element-call"]  # the others keep their defaults
    assert config.source == str(tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    "content, names",
    [
        ('[tool.rtclint]\nselct = ["RTC1"]\n', ["selct"]),
        ('[tool.rtclint]\nignore = ["RTC9999"]\n', ["RTC9999", "ignore"]),
        ('[tool.rtclint]\nfail-on = "fatal"\n', ["fail-on", "fatal"]),
        ('[tool.rtclint.target]\nsynapse = 1.10\n', ["target.synapse"]),
        ('[tool.rtclint.target]\nsynaps = "1.140"\n', ["target.synaps"]),
        ('[tool.rtclint.per-file-ignores]\n"a/*" = ["XYZ"]\n', ["XYZ", "per-file-ignores"]),
        ('[tool.rtclint]\nserver-name = 3\n', ["server-name"]),
        ("[tool.rtclint\nignore = 1\n", ["invalid TOML"]),
        ('[tool.rtclint.target]\nsynapse = "banana"\n', ["target.synapse", "banana", "e.g."]),
        ('[tool.rtclint]\nselect = ["RTC1", "NOPE1"]\n', ["NOPE1", "select"]),
        ('[tool.rtclint]\nextend-select = ["NOPE1"]\n', ["NOPE1", "extend-select"]),
        ('[tool.rtclint]\nexclude = ["legacy/[abc"]\n', ["exclude", "legacy/[abc", "never closed", "expected"]),
        ('[tool.rtclint]\nexclude = [""]\n', ["exclude", "is empty"]),
        ('[tool.rtclint.per-file-ignores]\n"a**/*.conf" = ["RTC1"]\n', ["per-file-ignores", "a**/*.conf", "**"]),
    ],
)
def test_invalid_settings_exit_2_naming_key_and_file(tmp_path, content, names):
    (tmp_path / "pyproject.toml").write_text(content)
    proc = check(tmp_path, ".")
    assert proc.returncode == 2, proc.stdout
    assert "pyproject.toml" in proc.stderr
    for name in names:
        assert name in proc.stderr
    with pytest.raises(ConfigError):
        load_config([str(tmp_path)])


def test_defaults_without_any_file(tmp_path):
    config = load_config([str(tmp_path / "nowhere-inside")])
    assert config.source is None and config.fail_on is Severity.WARNING


def test_ruff_s_precedence_in_one_directory(tmp_path):
    """`.rtclint.toml` beats `rtclint.toml`, which beats `pyproject.toml` (ruff: `.ruff.toml`
    > `ruff.toml` > `pyproject.toml`)."""
    (tmp_path / "pyproject.toml").write_text('[tool.rtclint]\nselect = ["RTC1"]\n')
    assert find_config_file([str(tmp_path)]) == str(tmp_path / "pyproject.toml")
    (tmp_path / "rtclint.toml").write_text('select = ["RTC2"]\n')
    assert find_config_file([str(tmp_path)]) == str(tmp_path / "rtclint.toml")
    assert load_config([str(tmp_path)]).select == ["RTC2"]
    (tmp_path / ".rtclint.toml").write_text('select = ["RTC3"]\n')
    assert find_config_file([str(tmp_path)]) == str(tmp_path / ".rtclint.toml")


def test_rtclint_toml_is_read_by_the_cli_and_the_closest_file_wins(tmp_path):
    (tmp_path / "rtclint.toml").write_text('ignore = ["RTC0"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "rtclint.toml").write_text('fail-on = "error"\n')
    proc = check(tmp_path, "-v", ".")
    assert proc.returncode in (0, 1) and str(tmp_path / "rtclint.toml") in proc.stderr
    inner = check(sub, "-v", ".")
    assert str(sub / "rtclint.toml") in inner.stderr
    (sub / "rtclint.toml").write_text('[target]\nlivekit = "banana"\n')
    bad = check(sub, ".")
    assert bad.returncode == 2 and "rtclint.toml" in bad.stderr and "target.livekit" in bad.stderr

"""Load a homeserver.yaml with Synapse's own config loader (run with .venv-synapse's
python). File-system paths in it (signing key, media store, log config, database, pid
file) point at the deployment's own disk, so they are redirected into a scratch
directory first; every other setting is read by Synapse exactly as written.

    python synapse_load.py homeserver.yaml SCRATCH_DIR  -> prints JSON, exit 0 if loaded
    python synapse_load.py --serve                      -> the same, one JSON line per request
"""
import json
import os
import sys

import yaml
from signedjson.key import generate_signing_key, write_signing_keys

from synapse.config._base import ConfigError
from synapse.config.homeserver import HomeServerConfig


def main(path, scratch):
    with open(path, encoding="utf-8-sig") as fh:
        settings = yaml.safe_load(fh) or {}
    # Settings Synapse refuses to start without, which fixture fragments leave out; a
    # neutral value only where the file says nothing (what it says is read as written).
    settings.setdefault("report_stats", False)
    key_path = os.path.join(scratch, "signing.key")
    with open(key_path, "w") as fh:
        write_signing_keys(fh, [generate_signing_key("a_test")])
    # Secrets kept in files on the deployment's disk (`*_path`: turn_shared_secret_path,
    # form_secret_path, ...): a placeholder file here.
    for key, value in list(settings.items()):
        if key.endswith("_path") and isinstance(value, str) and not os.path.exists(value):
            placeholder = os.path.join(scratch, key)
            with open(placeholder, "w") as fh:
                fh.write("placeholder-secret-for-the-config-loader\n")
            settings[key] = placeholder
    settings["signing_key_path"] = key_path
    settings.pop("log_config", None)
    settings["media_store_path"] = os.path.join(scratch, "media")
    settings["pid_file"] = os.path.join(scratch, "homeserver.pid")
    db = settings.get("database") or {}
    if db.get("name", "sqlite3") == "sqlite3":
        settings["database"] = {"name": "sqlite3", "args": {"database": os.path.join(scratch, "homeserver.db")}}
    for key in ("app_service_config_files",):
        settings.pop(key, None)
    scratch_yaml = os.path.join(scratch, "homeserver.yaml")
    with open(scratch_yaml, "w") as fh:
        yaml.safe_dump(settings, fh)
    try:
        config = HomeServerConfig.load_config("rtclint-proof", ["--config-path", scratch_yaml])
    except ConfigError as exc:
        print(json.dumps({"ok": False, "error": str(exc), "path": list(exc.path or [])}))
        return 1
    rtc = getattr(config, "matrix_rtc", None)
    print(json.dumps({
        "ok": True,
        "server_name": config.server.server_name,
        "msc4143_enabled": bool(getattr(config.experimental, "msc4143_enabled", False)),
        "transports": getattr(rtc, "transports", None),
        "max_event_delay_duration": str(getattr(config.server, "max_event_delay_duration", "")),
    }, default=str))
    return 0


def serve():
    """One request per stdin line (JSON: path, scratch), one JSON answer per stdout line:
    Synapse's imports take seconds, so the tests keep one loader running."""
    for line in sys.stdin:
        request = json.loads(line)
        try:
            main(request["path"], request["scratch"])
        except Exception as exc:  # a file Synapse cannot even read as YAML, etc.
            print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}", "path": []}))
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        sys.exit(main(sys.argv[1], sys.argv[2]))

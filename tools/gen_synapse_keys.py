#!/usr/bin/env python3
"""Generate rtclint/data/synapse_keys.json: the settings Synapse knows, for RTC507.

RTC507 flags call-looking keys Synapse silently ignores, so the list of keys Synapse
*does* read must come from Synapse itself, never from memory. Two sources, united:

1. the config schema `schema/synapse-config.schema.yaml` from the synapse repository
   (top-level `properties`, and `matrix_rtc` / transport item properties);
2. the installed `matrix-synapse` package's config readers (`synapse/config/*.py`):
   `config.get("key")` / `config["key"]` for top-level keys, `experimental.get("key")`
   for `experimental_features` (the schema does not describe that section), and the
   pydantic models in `matrixrtc.py` for `matrix_rtc` and its transports.

Usage (the synapse venv is made by tools/install-synapse.sh; the schema comes from a
checkout or `git show HEAD:schema/synapse-config.schema.yaml` of element-hq/synapse):

    .venv/bin/python tools/gen_synapse_keys.py \
        --schema /path/to/synapse-config.schema.yaml \
        --package .venv-synapse/lib/python3.11/site-packages/synapse
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import re

import yaml

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rtclint", "data",
                   "synapse_keys.json")
TOP_READ = re.compile(r"\bconfig(?:\.get\(\s*|\[\s*)\"([A-Za-z_][A-Za-z0-9_]*)\"")
EXPERIMENTAL_READ = re.compile(r"\bexperimental(?:\.get\(\s*|\[\s*)\"([A-Za-z_][A-Za-z0-9_]*)\"")


def schema_keys(path: str) -> dict[str, set[str]]:
    with open(path, encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)
    props = schema.get("properties", {})
    rtc = props.get("matrix_rtc", {}).get("properties", {})
    item = rtc.get("transports", {}).get("items", {}).get("properties", {})
    return {"top_level": set(props), "matrix_rtc": set(rtc), "transport": set(item)}


def model_fields(source: str, class_name: str) -> set[str]:
    """Annotated field names of a pydantic model class in a module's source."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
    return set()


def package_keys(package: str) -> dict[str, set[str]]:
    found = {"top_level": set(), "experimental_features": set(), "matrix_rtc": set(), "transport": set()}
    for path in sorted(glob.glob(os.path.join(package, "config", "*.py"))):
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        found["top_level"] |= set(TOP_READ.findall(source))
        found["experimental_features"] |= set(EXPERIMENTAL_READ.findall(source))
        if os.path.basename(path) == "matrixrtc.py":
            found["matrix_rtc"] |= model_fields(source, "MatrixRtcConfigModel")
            found["transport"] |= model_fields(source, "TransportConfigModel")
    return found


def package_version(package: str) -> str:
    with open(os.path.join(package, "__init__.py"), encoding="utf-8") as fh:
        match = re.search(r"^__version__\s*=\s*\"([^\"]+)\"", fh.read(), re.M)
    if match:
        return match.group(1)
    meta = glob.glob(os.path.join(os.path.dirname(package), "matrix_synapse-*.dist-info"))
    return os.path.basename(meta[0])[: -len(".dist-info")].split("-")[1] if meta else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True, help="synapse-config.schema.yaml")
    parser.add_argument("--package", required=True, help="the installed synapse package directory")
    parser.add_argument("--schema-version", default="", help="Synapse version of the schema checkout")
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    from_schema = schema_keys(args.schema)
    from_code = package_keys(args.package)
    data = {
        "generated_by": "tools/gen_synapse_keys.py",
        "synapse_package_version": package_version(args.package),
        "schema_version": args.schema_version,
        "top_level": sorted(from_schema["top_level"] | from_code["top_level"]),
        "experimental_features": sorted(from_code["experimental_features"]),
        "matrix_rtc": sorted(from_schema["matrix_rtc"] | from_code["matrix_rtc"]),
        "transport": sorted(from_schema["transport"] | from_code["transport"]),
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"{args.out}: {len(data['top_level'])} top-level keys, "
          f"{len(data['experimental_features'])} experimental_features keys")


if __name__ == "__main__":
    main()

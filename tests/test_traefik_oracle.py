"""The real Traefik decides: for every generated configuration it routes the client's
requests, and rtclint's model must name the same router's upstream and the same path.

Configurations are generated from a fixed seed (the matchers, operators, priorities and
stripPrefix middlewares people combine); `RTCLINT_TRAEFIK_VARIANTS` sets how many
(`make replay` runs more than the suite's sample)."""

import os
import random

import pytest
import yaml

from rtclint.config import Config
from rtclint.engine import check
from rtclint.model import answer as model
from tests.traefik_oracle import StandIn, Traefik

HOSTS = ["matrix.example.com", "example.com"]
PATHS = ["/livekit/jwt", "/livekit/sfu", "/rtc", "/.well-known/matrix", "/_matrix"]
REQUESTS = ["/livekit/jwt/sfu/get", "/livekit/jwt", "/livekit/jwtx", "/livekit/sfu/rtc", "/rtc", "/rtc/v1",
            "/.well-known/matrix/client", "/_matrix/client/versions", "/other"]
VARIANTS = int(os.environ.get("RTCLINT_TRAEFIK_VARIANTS", "12"))


def _matcher(rng):
    kind = rng.choice(["Host", "PathPrefix", "PathPrefix", "Path", "PathRegexp", "HostPath"])
    if kind == "Host":
        return f"Host(`{rng.choice(HOSTS)}`)"
    if kind == "HostPath":
        return f"Host(`{rng.choice(HOSTS)}`) && PathPrefix(`{rng.choice(PATHS)}`)"
    if kind == "PathRegexp":
        return rng.choice(["PathRegexp(`^/rtc(/v1)?$`)", "PathRegexp(`^/livekit/(jwt|sfu)`)"])
    return f"{kind}(`{rng.choice(PATHS)}`)"


def _rule(rng):
    shape = rng.randrange(5)
    if shape == 0:
        return _matcher(rng)
    if shape == 1:
        return f"{_matcher(rng)} && {_matcher(rng)}"
    if shape == 2:
        return f"{_matcher(rng)} || {_matcher(rng)}"
    if shape == 3:
        return f"Host(`{rng.choice(HOSTS)}`) && ({_matcher(rng)} || {_matcher(rng)})"
    return f"Host(`{rng.choice(HOSTS)}`) && !PathPrefix(`{rng.choice(PATHS)}`)"


def variant(seed: int) -> dict:
    rng = random.Random(seed)
    routers, middlewares, services = {}, {}, {}
    for i in range(rng.randint(2, 5)):
        name = f"r{i}"
        router = {"rule": _rule(rng), "service": f"s{i}", "entryPoints": ["web"]}
        if rng.random() < 0.25:
            router["priority"] = rng.randint(1, 200)
        if rng.random() < 0.4:
            middlewares[f"strip{i}"] = {"stripPrefix": {"prefixes": rng.sample(PATHS, rng.randint(1, 2))}}
            router["middlewares"] = [f"strip{i}"]
        routers[name] = router
        services[f"s{i}"] = {"loadBalancer": {"servers": [{"url": f"http://upstream{i}:8080"}]}}
    return {"http": {"routers": routers, "middlewares": middlewares, "services": services}}


def model_answer(result, host: str, path: str):
    """rtclint's answer model (rtclint.model.answer), in the terms the stand-ins report."""
    answer = model.answer([s for s in result.deployment.sites if s.kind == "traefik"],
                          model.Request("http", host, 80, "GET", path))
    if answer.kind == "unknown":
        return "unknown", answer.reason
    if answer.kind == "respond":
        return answer.status, None
    return 200, (answer.upstream.host, answer.upstream.path)


def _served(dynamic, stand_ins):
    """The same configuration with each service URL on its stand-in."""
    served = yaml.safe_load(yaml.safe_dump(dynamic))
    for name, svc in served["http"]["services"].items():
        svc["loadBalancer"]["servers"] = [{"url": f"http://127.0.0.1:{stand_ins[name].port}"}]
    if not served["http"]["middlewares"]:
        del served["http"]["middlewares"]
    return served


@pytest.mark.servers
@pytest.mark.parametrize("seed", range(VARIANTS))
def test_traefik_routes_as_the_model_says(seed, tmp_path):
    dynamic = variant(seed)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "dynamic.yml").write_text(yaml.safe_dump(dynamic))
    result = check([str(tree)], Config())
    assert not [d for d in result.diagnostics if d.code == "RTC001"]
    stand_ins = {name: StandIn(f"upstream{name[1:]}") for name in dynamic["http"]["services"]}
    run = tmp_path / "run"
    run.mkdir()
    traefik = Traefik(_served(dynamic, stand_ins), str(run))
    try:
        disagreements, unknown = [], []
        for host in HOSTS + ["other.example.org"]:
            for path in REQUESTS:
                status, body = traefik.get(host, path)
                real = (status, (body["upstream"], body["path"]) if body else None)
                model = model_answer(result, host, path)
                if model[0] == "unknown":
                    unknown.append(model[1])
                elif real != model:
                    disagreements.append(f"{host}{path}: traefik {real}, model {model}")
        assert not disagreements, yaml.safe_dump(dynamic) + "\n".join(disagreements)
    finally:
        traefik.stop()
        for s in stand_ins.values():
            s.close()

"""A seeded generator of Compose projects that use the features rtclint resolves
(interpolation in every form, .env, env_file forms, override files, extends, anchors and
merge keys, x- fields, profiles, long and range ports, bind and named volumes,
network_mode), for the differential test against `docker compose config`."""

import random

NAMES = ["HOST", "PORT", "TAG", "KEY", "SECRET", "EMPTY", "DIR", "MODE", "UNSET_A", "UNSET_B"]


def _env_file(rng: random.Random) -> dict[str, str]:
    """The project .env: some variables set, one empty, two never set anywhere."""
    env = {"HOST": "sfu.example.com", "PORT": str(rng.choice([7880, 8080, 7881])),
           "TAG": "v1.13." + str(rng.randint(0, 9)),
           "KEY": "callkey", "SECRET": "s3cr3t" + str(rng.randint(100, 999)), "EMPTY": "", "DIR": ".", "MODE": "host"}
    return {k: v for k, v in env.items() if rng.random() > 0.15}


def _reference(rng: random.Random, depth: int = 0) -> str:
    name = rng.choice(NAMES)
    form = rng.randrange(12)
    inner = _reference(rng, depth + 1) if depth < 2 and rng.random() < 0.3 else rng.choice(["d", "x-y", "", "a b"])
    return [f"${{{name}}}", f"${{{name}:-{inner}}}", f"${{{name}-{inner}}}", f"${{{name}:+{inner}}}",
            f"${{{name}+{inner}}}", f"${name}", f"${name}.tail", "$$literal", "plain", f"pre-${{{name}:-{inner}}}-post",
            f"${{{name}?must be set}}", "a $ b"][form]


def _value(rng: random.Random) -> str:
    return "".join(_reference(rng) for _ in range(rng.randint(1, 2)))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _environment(rng: random.Random, names: list[str]) -> list[str]:
    if rng.random() < 0.5:
        lines = ["    environment:"]
        for n in names:
            lines.append(f"      - {_quote(n + '=' + _value(rng))}" if rng.random() > 0.1 else f"      - {n}")
        return lines
    lines = ["    environment:"]
    for n in names:
        lines.append(f"      {n}: {_quote(_value(rng))}" if rng.random() > 0.1 else f"      {n}:")
    return lines


def _ports(rng: random.Random) -> list[str]:
    lines = ["    ports:"]
    for _ in range(rng.randint(1, 3)):
        form = rng.randrange(7)
        lo = rng.randint(1000, 9000)
        lines.append([f'      - "{lo}:{lo}"', f'      - "{lo}"', f'      - "127.0.0.1:{lo}:{lo + 1}/udp"',
                      f'      - "{lo}-{lo + 3}:{lo}-{lo + 3}/udp"', '      - "${PORT:-7880}:7880"',
                      f"      - target: {lo}\n        published: \"{lo + 10}\"\n        protocol: udp",
                      '      - "${PORT}:7881"'][form])
    return lines


def _volumes(rng: random.Random) -> list[str]:
    lines = ["    volumes:"]
    for i in range(rng.randint(1, 3)):
        form = rng.randrange(5)
        lines.append(["      - ./conf.yaml:/etc/conf.yaml:ro", f"      - data{i}:/data{i}",
                      '      - "${DIR:-.}/x:/x"', "      - type: bind\n        source: ./y\n        target: /y",
                      '      - "${UNSET_A}/z:/z"'][form])
    return lines


def _command(rng: random.Random) -> list[str]:
    form = rng.randrange(4)
    return [["    command: --config /etc/livekit.yaml --node-ip ${HOST:-127.0.0.1}"],
            ['    command: ["--bind", "0.0.0.0:${PORT:-7880}", "${KEY-k}"]'],
            ["    command: echo 'a b' \"${TAG}\""], []][form]


def _service(rng: random.Random, name: str, others: list[str], lines: list[str]) -> None:
    lines.append(f"  {name}:")
    if rng.random() < 0.3:
        lines.append("    <<: *common")
    if rng.random() < 0.15:
        lines.append("    profiles: [debug]")
    if rng.random() < 0.15:
        lines.append("    extends:\n      file: base/common.yaml\n      service: basesvc")
    elif others and rng.random() < 0.25:
        lines.append(f"    extends: {rng.choice(others)}" if rng.random() < 0.5 else
                     f"    extends:\n      service: {rng.choice(others)}")
    lines.append(f"    image: {_quote('livekit/livekit-server:' + _reference(rng))}")
    if rng.random() < 0.6:
        lines += _environment(rng, rng.sample(["LIVEKIT_KEYS", "LIVEKIT_URL", "A", "B", "C"], rng.randint(1, 4)))
    if rng.random() < 0.3:
        lines.append(rng.choice(["    env_file: app.env", "    env_file: [app.env, other.env]",
                                 "    env_file:\n      - path: missing.env\n        required: false\n      - app.env"]))
    if rng.random() < 0.6:
        lines += _ports(rng)
    if rng.random() < 0.5:
        lines += _volumes(rng)
    lines += _command(rng)
    if rng.random() < 0.3:
        mode = rng.choice(["host", "bridge", "${MODE:-bridge}", "none"] + [f"service:{o}" for o in others])
        lines.append(f"    network_mode: {_quote(mode)}")


def variant(seed: int) -> dict[str, str]:
    """{relative path: text} of one project: compose.yaml, .env and maybe more."""
    rng = random.Random(seed)
    lines = ["x-common: &common", "  environment:", '    FROM_ANCHOR: "1"', "  labels: [a=b]", "services:"]
    names: list[str] = []
    for i in range(rng.randint(1, 3)):
        _service(rng, f"s{i}", list(names), lines)
        names.append(f"s{i}")
    if rng.random() < 0.85:  # else Compose refuses the undeclared named volumes (if any)
        lines += ["volumes:", "  data0: {}", "  data1: {}", "  data2: {}"]
    files = {"compose.yaml": "\n".join(lines) + "\n",
             ".env": "".join(f"{k}={v}\n" for k, v in _env_file(rng).items()) + "DERIVED=${HOST}-x\n"}
    files["base/common.yaml"] = ("services:\n  basesvc:\n    image: base:${TAG:-1}\n    environment: [BASE=1, A=base]\n"
                                 "    ports: ['7000:7000']\n    volumes: ['./conf:/conf', 'data0:/data0']\n"
                                 "    command: [\"${HOST:-none}\"]\n")
    if rng.random() < 0.25:
        files["compose.yaml"] = "include:\n  - inc/more.yaml\n" + files["compose.yaml"]
        files["inc/more.yaml"] = ("services:\n  included:\n    image: inc\n    environment:\n      - I=${KEY:-none}\n"
                                  "    volumes: [./here:/here]\n    network_mode: host\n")
    if rng.random() < 0.2:
        files[".env"] += "COMPOSE_PROFILES=" + rng.choice(["debug", "other", "*", "other,debug"]) + "\n"
    if rng.random() < 0.2:  # a file set named in .env, as `docker compose` reads it without -f
        files[".env"] += "COMPOSE_FILE=compose.yaml:extra.yaml\n"
        files["extra.yaml"] = (f"services:\n  {rng.choice(names)}:\n    environment: ['EXTRA=${{KEY:-none}}']\n"
                               f"    ports: ['9999:9999']\n    command: extra\n")
    files["app.env"] = f"A=from-app\nB=${{KEY:-k}}\nC='${{KEY}}'\nLIVEKIT_URL=wss://{rng.choice(['a', 'b'])}\n"
    files["other.env"] = "B=from-other\nD=\"x ${DERIVED}\"\n"
    if rng.random() < 0.35:
        over = ["services:", f"  {rng.choice(names)}:"]
        over += _environment(rng, ["B", "OVER"]) if rng.random() < 0.7 else []
        over += _ports(rng) if rng.random() < 0.5 else []
        over += _volumes(rng) if rng.random() < 0.5 else []
        over += _command(rng)
        files["compose.override.yaml"] = "\n".join(over) + "\n"
    return files

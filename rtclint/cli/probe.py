"""`rtclint probe SERVER_NAME`: the probe's options handed to `rtclint.probe.main`."""

from __future__ import annotations

import sys

from rtclint.cli.output import use_colour


def run_probe(opts: dict) -> int:
    from rtclint.probe import main

    return main(opts["server_name"], fmt=opts["fmt"], access_token=opts["access_token"],
                livekit_url=opts["livekit_url"], origin=opts["origin"], insecure=opts["insecure"],
                cacert=opts["cacert"], resolves=opts["resolves"], connects=opts["connects"],
                colour=use_colour(opts["color"], sys.stdout))

"""Two deployments in the checked tree claim the same public host or server_name.

## What it does
rtclint splits a tree into deployments (folders with their own proxy or homeserver
config; docs/deployments.md says how) and checks each on its own. When two of them name the
same public host in a proxy site, or the same server_name, this says so once, at the
later deployment's claim, naming the other deployment and the hosts they share.

## Why
A staging copy beside production usually reuses its host names until someone edits
them; deployed as is, one answers for the other's users. Each is still checked on its
own: this finding only makes the overlap a choice rather than an accident.

## Example
```
prod/Caddyfile       matrix.example.com { … }
staging/Caddyfile    matrix.example.com { … }
```

## Fix
Manual: give the second deployment its own host names, or ignore this code when the
copy is meant to stand in for the other.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity

CODE = "RTC007"
NAME = "deployments-share-host"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("all",)


def check(ctx):
    dep = ctx.deployment
    if len(dep.peers) < 2:  # the tree's only deployment: nobody to share a host with
        return
    mine = dep.claimed_hosts()
    if not mine:
        return
    # Said once per deployment, naming the first (by name) of the others that claim the
    # same host: n copies of one deployment give n - 1 findings, not one per pair.
    shared_with: dict[str, list[str]] = {}
    firsts = {}
    for host in mine:
        claimers = dep.claims_by_host().get(host, ())
        if len(claimers) < 2:
            continue
        first = min(claimers, key=lambda p: p.name)
        if first is dep:
            continue  # the others name this one
        shared_with.setdefault(first.name, []).append(host)
        firsts[first.name] = first
    for name in sorted(shared_with):
        peer, shared = firsts[name], sorted(shared_with[name])
        theirs = peer.claimed_hosts()
        first = shared[0]
        hosts = ", ".join(shared)
        yield ctx.report(
            mine[first],
            f"deployment `{dep.name}` claims {hosts}, as deployment `{peer.name}` does; each is "
            f"checked on its own — if `{dep.name}` is a copy (staging, a test), give it its own host names",
            related=[Related(theirs[first], f"`{peer.name}` claims {first} here")],
        )

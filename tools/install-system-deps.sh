#!/usr/bin/env bash
# nginx and haproxy from Debian's packages, for the tests that run the real servers;
# nftables and iptables for the firewall parsers' oracles (`nft -c -f`, `iptables-restore --test`);
# nix-bin for the NixOS reader's (`nix-instantiate --parse` and `--eval` of literal values).
# chromium for the tests that open the HTML report (playwright drives it: it cannot download
# its own browser here) and render the Mermaid output (mermaid-cli's puppeteer).
set -euo pipefail
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v iptables-restore >/dev/null 2>&1 || [ -x /usr/sbin/iptables-restore ] || need+=(iptables)
browser=()
command -v chromium >/dev/null 2>&1 || browser+=(chromium)
if [ ${#need[@]} -gt 0 ] || [ ${#browser[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if [ ${#browser[@]} -gt 0 ]; then  # the browser alone, not the desktop it recommends
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null
  fi
fi
if ! command -v nix-instantiate >/dev/null 2>&1; then
  # only the evaluator: its recommended nix-setup-systemd would start a daemon
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nix-bin >/dev/null
fi
# Debian starts the packaged services; the tests run their own instances on loopback.
for svc in nginx haproxy; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
nginx -v 2>&1
# sed, not head: head exits early and SIGPIPE would fail this script under pipefail
haproxy -v 2>&1 | sed -n 1p
chromium --version 2>/dev/null | sed -n 1p  # its wrapper script complains on stderr as root

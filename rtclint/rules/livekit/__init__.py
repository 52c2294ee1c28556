"""RTC4xx — LiveKit SFU (livekit.yaml, LIVEKIT_KEYS/LIVEKIT_CONFIG, Compose ports).

Facts from livekit/livekit (pkg/config/config.go, cmd/server/main.go, pkg/service/wire.go)
and livekit/mediatransportutil (pkg/rtcconfig): `port` defaults to 7880, `rtc.tcp_port`
to 7881; with neither `rtc.udp_port` nor `rtc.port_range_start` set, the UDP range is
50000-60000 (`--dev`: the single port 7882); `LIVEKIT_CONFIG` wins over `--config`;
`LIVEKIT_KEYS` is YAML and must be exactly `key: secret` ("including the space"); no keys
at all is fatal except with `--dev` (then `devkey: secret`); secrets under 32 characters
log "secret is too short"; a webhook whose `api_key` has no secret fails the start when
webhook URLs are set; the node IP is autodetected unless `rtc.node_ip` is set, and
`use_external_ip` asks STUN for the public address.
"""

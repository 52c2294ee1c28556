"""RTC2xx — reverse proxy routing (nginx, Caddy, HAProxy, Kubernetes Ingress).

These rules follow a client's requests through the proxy model: `livekit_service_url`
+ `/get_token` must reach lk-jwt-service at `/get_token`, `LIVEKIT_URL` must reach
LiveKit's HTTP port as a websocket, and the server_name must answer federation for the
JWT service's OpenID check. Upstreams are recognised by `rtclint.rules.common.roles`; an
upstream whose role is unknown (Traefik, an ingress controller) is never blamed.
"""

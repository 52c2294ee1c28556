"""RTC3xx — lk-jwt-service (Compose environment, .env files, Kubernetes env).

Facts from lk-jwt-service's config.go/main.go (tags v0.1.0–v0.5.0 and main): it reads
LIVEKIT_URL, LIVEKIT_KEY/LIVEKIT_SECRET (or LIVEKIT_KEY_FROM_FILE/LIVEKIT_SECRET_FROM_FILE,
or LIVEKIT_KEY_FILE holding `key:secret`, all since v0.3.0), LIVEKIT_FULL_ACCESS_HOMESERVERS
(v0.3.0; mandatory since v0.5.0, which also dropped the LIVEKIT_LOCAL_HOMESERVERS fallback),
LIVEKIT_JWT_BIND (v0.4.0; with LIVEKIT_JWT_PORT set too it refuses to start; LIVEKIT_JWT_PORT
alone logs a deprecation), and LIVEKIT_INSECURE_SKIP_VERIFY_TLS, which acts only when it is
exactly `YES_I_KNOW_WHAT_I_AM_DOING`. v0.1 read LK_JWT_PORT, renamed LIVEKIT_JWT_PORT in v0.2.
"""

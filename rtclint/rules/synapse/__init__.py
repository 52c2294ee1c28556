"""RTC5xx — Synapse homeserver.yaml.

Facts (read from matrix-synapse 1.157.1 and 1.160–1.163.2, `synapse/config/`):
- `experimental.py`: `msc4143_enabled` serves the transports endpoint; `msc4222_enabled`,
  `msc4354_enabled` (sticky events, since 1.148); `msc3266_enabled` is no longer read
  (MSC3266 stable since 1.153); `msc4140_enabled` was never read — delayed events are on
  when `max_event_delay_duration` is set (server.py: `msc4140_enabled = bool(
  max_delayed_events_per_user and max_event_delay_duration)`), which must be positive.
- `matrixrtc.py`: up to 1.160 `matrix_rtc.transports` is a bare list (never validated);
  from 1.161 each entry needs a string `type`, and a `livekit` entry `url` or
  `livekit_service_url`, or Synapse refuses to start.
- `ratelimiting.py`: `rc_message` defaults to 0.2/s burst 10, `rc_delayed_event_mgmt` to
  1/s burst 5; Element's call docs need 0.5/30 and 1/20.
"""

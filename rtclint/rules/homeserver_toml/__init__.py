"""RTC7xx: homeservers configured in TOML (Continuwuity, conduwuit, Tuwunel)."""

"""rtclint: lint and fix the configuration of self-hosted Matrix calls (MatrixRTC + LiveKit)."""

__version__ = "0.2.0"

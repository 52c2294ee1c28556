"""RTC9xx — secrets. Secrets are compared and measured, never printed (`****` + length).
"""

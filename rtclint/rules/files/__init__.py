"""RTC0xx — reading files. These findings come from discovery, the parsers and the
suppression pass; the modules here are their documentation.
"""

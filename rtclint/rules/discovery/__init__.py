"""RTC1xx — discovery: the client well-known and the transports endpoint.

RTC100–103, 106, 107, 110 and 111 read the well-known bodies and the proxy routes that
serve them. Only bodies the proxy (or a static file) serves itself are checked: a
well-known that is reverse-proxied elsewhere has its body and headers upstream, outside
the tree.

RTC104, 105, 108 and 109 compare across files: which host and port the public URLs
name, where the server_name's well-known is served, and whether the well-known and
Synapse's transports endpoint advertise the same call backend. Everything is compared
per homeserver (server_name): a tree may hold several (Element Call's dev backend runs
two), and their backends legitimately differ.
"""

"""`answer_nginx.reads_host`: the routing rules ask a server that does not read the
request's host once for all the names it serves, so a server it calls host-blind must
answer every one of its hosts alike, and each construct that reads the host must make
it say so."""

from rtclint.model.answer import Request, answer_site
from rtclint.model.answer_nginx import reads_host
from rtclint.model.answer_requests import UNDER_BASE, HOMESERVER

from tests.test_answer_model import sites

HOSTS = ("a.example.com", "b.example.com")
PATHS = [path for _kind, _method, path, _headers in HOMESERVER] + [
    base + path for base in ("", "/livekit/jwt", "/livekit/sfu") for _kind, _method, path, _headers in UNDER_BASE] + [
    "/files/x", "/lua/x"]
METHODS = {path: method for _kind, method, path, _headers in HOMESERVER + UNDER_BASE}

BLIND = """
server {
  listen 443 ssl; server_name a.example.com b.example.com;
  add_header X-Site 1;
  location = /.well-known/matrix/client { default_type application/json; return 200 '{"a":1}'; }
  location ^~ /livekit/jwt/ { add_header Access-Control-Allow-Origin * always; proxy_pass http://lk-jwt:8080/; }
  location /livekit/sfu/ { proxy_pass http://livekit:7880/; proxy_set_header Upgrade $http_upgrade;
                           proxy_set_header Connection upgrade; }
  location ~ ^/_matrix { proxy_pass http://synapse:8008; }
  location /files/ { alias /srv/files/; }
  location /lua/ { content_by_lua_block { ngx.say("x") } }
}
"""

# each server reads the host in one way only, and answers one of PATHS differently per host
READERS = {
    "redirect": "return 301 https://$host$request_uri;",
    "relative redirect": "location /_matrix/ { return 302 /elsewhere; }",
    "if": "if ($host = a.example.com) { return 403; }",
    "rewrite": "location /livekit/jwt/ { rewrite ^/livekit/jwt/(.*)$ /$host/$1 redirect; }",
    "templated body": "location /livekit/jwt/ { return 200 '$host'; }",
    "header": "add_header X-Host $host; location / { proxy_pass http://synapse:8008; }",
    "location if": "location / { if ($host ~ ^a) { return 404; } proxy_pass http://synapse:8008; }",
}


def _request(host, path, headers=None):
    return Request("https", host, 443, METHODS.get(path.removeprefix("/livekit/jwt").removeprefix("/livekit/sfu"),
                                                   "GET"), path, headers or {})


def _fields(found):
    up = found.upstream
    return (found.kind, found.status, found.body, found.content_type, found.location, found.reason,
            [(h.name, h.value, h.always) for h in found.headers], found.route,
            None if up is None else (up.host, up.port, up.path, up.upgrade, up.choices))


def _answers(site, host):
    return [_fields(answer_site(site, _request(host, path))) for path in PATHS]


def test_a_host_blind_server_answers_each_of_its_hosts_alike(tmp_path):
    (site,) = sites(tmp_path, "nginx", "a.conf", BLIND)
    assert not reads_host(site)
    first, second = (_answers(site, host) for host in HOSTS)
    assert first == second
    kinds = {answer[0] for answer in first}
    assert kinds >= {"respond", "proxy", "unknown"}  # the comparison covered every kind of answer


def test_each_way_of_reading_the_host_is_seen(tmp_path):
    for name, body in READERS.items():
        text = f"server {{ listen 443 ssl; server_name {' '.join(HOSTS)}; {body} }}\n"
        (site,) = sites(tmp_path, "nginx", "r.conf", text)
        assert reads_host(site), name
        first, second = (_answers(site, host) for host in HOSTS)
        assert first != second, name  # the host does change an answer: sharing it would be wrong

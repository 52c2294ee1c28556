"""The answer model's fast paths give what their plain versions give: each is a shortcut
for the common case of a big tree (no unmodelled directive, one upstream server, a
location with one path), so each is compared here with the rule it shortcuts, on the
cases where the shortcut is not taken too."""

from rtclint.document import Span
from rtclint.model.answer_nginx import UNMODELLED, _unmodelled
from rtclint.model.answer_types import balanced
from rtclint.model.proxy import PathMatch, Route, Site, Upstream
from rtclint.model.routing import select_route


def _plain_unmodelled(names):
    for name in names:
        if name.startswith(UNMODELLED) and (name in UNMODELLED or "lua" in name or name.startswith("js_")):
            return name
    return None


def test_unmodelled_is_the_first_such_directive_in_order():
    cases = [
        [],
        ["listen", "server_name", "location"],
        ["listen", "content_by_lua_block", "set"],  # a Lua variant before a listed name
        ["set", "content_by_lua_block"],
        ["js_import", "js_set"],  # js_import is no njs handler; js_set is listed
        ["js_import", "location"],  # an njs module alone: nothing unmodelled
        ["setlua_x"],  # a prefix of a listed name and "lua": counted, as before
        ["lua_shared_dict", "location"],  # "lua" in a name no listed one begins
        ["proxy_pass", "js_content_x", "try_files"],
        ["add_header", "access_by_lua_file"],
        ["allowed", "deny"],  # begins like `allow` without being it
    ]
    for names in cases:
        assert _unmodelled(names) == _plain_unmodelled(names), names
    assert _unmodelled(["listen", "js_import", "content_by_lua_block"]) == "content_by_lua_block"
    assert _unmodelled(["js_import", "location"]) is None


def _route(upstreams):
    return Route(PathMatch("prefix", ("/",)), Span("a.conf", 0, 1), facts={"servers": upstreams})


def test_balanced_single_server():
    assert balanced(_route([Upstream("jwt", 8080)]), ("jwt", 8080)) == ()
    assert balanced(_route([Upstream("jwt", None)]), ("jwt", 80)) == ()  # the scheme's port
    assert balanced(_route([Upstream("", 8080)]), ("jwt", 8080)) == ()
    assert balanced(_route([Upstream("other", 8080)]), ("jwt", 8080)) == (("jwt", 8080), ("other", 8080))
    assert balanced(_route([Upstream("jwt", 8081)]), ("jwt", 8080)) == (("jwt", 8080), ("jwt", 8081))
    assert balanced(_route([Upstream("a", 1), Upstream("b", 2)]), ("a", 1)) == (("a", 1), ("b", 2))
    assert balanced(_route([]), ("a", 1)) == ()


def _loc(kind, *paths, parent=None, name="", **flags):
    return Route(PathMatch(kind, paths, **flags), Span("a.conf", 0, 1), name=name or f"{kind} {paths}",
                 parent=parent)


def _site(routes):
    return Site("nginx", ["a.example"], [], routes, Span("a.conf", 0, 1))


def test_nginx_location_search():
    pre = _loc("prefix", "/livekit/", name="pre")
    longer = _loc("prefix", "/livekit/jwt/", "/other/", name="longer")  # two paths: the generic way
    noregex = _loc("prefix_noregex", "/static/", name="noregex")
    regex1 = _loc("regex", "^/livekit/", name="re1")
    regex2 = _loc("regex", "^/", name="re2")
    exact = _loc("exact", "/livekit/jwt/x", name="exact")
    nested = _loc("regex", "sfu", parent=pre, name="nested")
    insensitive = _loc("prefix", "/CASE/", case_insensitive=True, name="ci")
    site = _site([pre, longer, noregex, regex1, regex2, exact, nested, insensitive])
    assert select_route(site, "/livekit/jwt/x").name == "exact"
    assert select_route(site, "/livekit/jwt/y").name == "re1"  # a regex beats the longest prefix
    assert select_route(site, "/livekit/sfu").name == "nested"  # nested in the longest prefix first
    assert select_route(site, "/static/a").name == "noregex"  # ^~ stops the regexes
    assert select_route(site, "/case/a").name == "re2"  # a prefix matched ignoring case; a regex still wins
    plain = _site([pre, longer, insensitive, _loc("regex", "^/nothing", name="re")])
    assert select_route(plain, "/livekit/jwt/y").name == "longer"  # the longest of two paths
    assert select_route(plain, "/other/y").name == "longer"
    assert select_route(plain, "/livekit/y").name == "pre"
    assert select_route(plain, "/Case/a").name == "ci"
    assert select_route(plain, "/elsewhere") is None
    server = Route(PathMatch("any"), Span("a.conf", 0, 1), name="server", facts={"server_level": True})
    assert select_route(_site([pre, server]), "/livekit/").name == "server"

"""Client/server well-known documents, wherever they are written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.document import Span
    from rtclint.model.proxy import Respond, Route, Site

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

CLIENT_PATH = "/.well-known/matrix/client"
SERVER_PATH = "/.well-known/matrix/server"
RTC_FOCI_KEY = "org.matrix.msc4143.rtc_foci"


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class JsonError:
    """Why a well-known body is not JSON, and where in the body the parser stopped."""

    message: str
    body_offset: int  # index into the body where the parser stopped


@dataclass(eq=False, repr=False)
class WellKnown:
    """One `/.well-known/matrix/{client,server}` body as a client would receive it.

    source: 'proxy' (a proxy route responds with it), 'static-file', 'configmap',
    'synapse' (extra_well_known_client_content), 'ess' (wellKnownDelegation.additional).
    `respond` maps body positions back to the source, for proxy-served bodies.
    """

    which: str  # 'client' or 'server'
    body: str
    span: Span
    source: str
    hosts: list[str] = field(default_factory=list)
    site: Site | None = None
    route: Route | None = None
    respond: Respond | None = None
    value: Any = None  # already-parsed structure (YAML-embedded documents)
    facts: dict = field(default_factory=dict)

    def source_offset(self, body_index: int) -> int:
        if self.respond is not None:
            offset = self.respond.source_offset(body_index)
            if offset is not None:
                return offset
        return self.span.start + min(body_index, self.span.end - self.span.start)

    def parse(self) -> tuple[Any, JsonError | None]:
        """The JSON value, or the first error with its position in the body. Decoded once
        per object (a dozen rules ask), so callers must not change the value."""
        if self.value is not None:
            return self.value, None
        decoded = self.__dict__.get("_decoded")
        if decoded is None:
            decoded = self.__dict__["_decoded"] = self._decode()
        return decoded

    def _decode(self) -> tuple[Any, JsonError | None]:
        try:
            return json.loads(self.body), None
        except json.JSONDecodeError as exc:
            return None, JsonError(exc.msg, exc.pos)
        except (ValueError, RecursionError) as exc:
            return None, JsonError(str(exc), 0)

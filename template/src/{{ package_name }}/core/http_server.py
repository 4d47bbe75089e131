"""The production server's HTTP protocol: uvicorn's h11 one, with a bound on the request head.

httptools, uvicorn's default parser, reads request headers of any size. h11 stops buffering an
incomplete head at `h11_max_incomplete_event_size`, but a head that arrives whole in one read
passes at any size: the connection below measures complete heads too, and both get 431.
"""

from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

TOO_LARGE = (
    b'{"code":"request_header_fields_too_large","detail":"The request headers are too large"}'
)


class BoundedHeadConnection(h11.Connection):
    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head_bytes)
        self.max_head_bytes = max_head_bytes
        self.head_too_large = False

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.head_too_large = exc.error_status_hint == 431
            raise
        if isinstance(event, h11.Request):
            size = len(event.method) + len(event.target) + 12  # the request line
            size += sum(len(name) + len(value) + 4 for name, value in event.headers)
            if size > self.max_head_bytes:
                self.head_too_large = True
                raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
        return event


class BoundedHeadersProtocol(H11Protocol):
    """Uvicorn answers every request that h11 refuses with 400; a request head (request line and
    headers) past `h11_max_incomplete_event_size` gets 431 (RFC 6585), in the API's error shape."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bounded = BoundedHeadConnection(self.config.h11_max_incomplete_event_size or 16_384)
        self.conn = self.bounded

    def send_400_response(self, msg: str) -> None:
        if not self.bounded.head_too_large:
            super().send_400_response(msg)
            return
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        reason = b"Request Header Fields Too Large"
        events = [h11.Response(status_code=431, headers=headers, reason=reason)]
        for event in [*events, h11.Data(data=TOO_LARGE), h11.EndOfMessage()]:
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()

"""The deadline of one HTTP attempt: a watchdog that shuts its sockets down when it passes.

Timeouts bound each socket operation; a body trickling in one byte at a time never hits
them. :class:`Watchdog` is the hard deadline: the connections of the current attempt
register themselves (:func:`adapter` builds a requests adapter whose connections do), and
when the deadline passes their sockets are shut down, which unblocks any read.
"""

from __future__ import annotations

import socket
import threading

_watched = threading.local()


def _register(conn: object) -> None:
    """Called by our connections when they are used: the current attempt's watchdog sees them."""
    conns = getattr(_watched, "conns", None)
    if conns is not None:
        conns.append(conn)


class Watchdog:
    """Shuts down the sockets of one attempt when its deadline passes (unblocks any read)."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._conns: list[object] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        _watched.conns = self._conns
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
        _watched.conns = None

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for conn in self._conns:
                sock = getattr(conn, "sock", None)
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


def adapter():
    """A requests adapter whose connections report themselves to the current watchdog."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        """Registers the connection with the watchdog before it connects or sends."""

        def connect(self) -> None:
            _register(self)
            super().connect()  # type: ignore[misc]

        def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            _register(self)
            return super().request(*args, **kwargs)  # type: ignore[misc]

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": WatchedHTTPPool,
                "https": WatchedHTTPSPool,
            }

    return WatchedAdapter(max_retries=0, pool_connections=4, pool_maxsize=4)

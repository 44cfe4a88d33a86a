#!/usr/bin/env python3
"""docker_cut_proxy.py LISTEN UPSTREAM CUT_FILE - a unix-socket pipe to a real
dockerd whose event streams a test can cut (e2e_docker_events.sh).

Every connection to LISTEN is piped, byte for byte, to the dockerd socket
UPSTREAM. A connection that has asked for GET /events (with or without a
/vX.Y prefix) is an event stream: while CUT_FILE exists, every event stream
is closed, and a new one is closed as soon as it asks, before dockerd sees
the request. Everything else (inspects, lists, /version) passes, so only the
stream is lost. Each cut is one line on stderr. Not a mock: dockerd answers
everything that gets through.
"""
import asyncio
import os
import re
import sys

EVENTS = re.compile(rb"(?m)^GET (/v[0-9.]+)?/events[? ]")


class Conn:
    def __init__(self, *writers):
        self.writers = writers
        self.events = False

    def close(self):
        for w in self.writers:
            w.close()


async def pipe(src, dst, conn, scan, cut_file):
    try:
        while True:
            data = await src.read(65536)
            if not data:
                break
            if scan and EVENTS.search(data):
                conn.events = True
                if os.path.exists(cut_file):
                    print("cut: an event stream refused", file=sys.stderr, flush=True)
                    break
            dst.write(data)
            await dst.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


async def main(listen, upstream, cut_file):
    conns = set()

    async def handle(cr, cw):
        try:
            ur, uw = await asyncio.open_unix_connection(upstream)
        except OSError:
            cw.close()
            return
        conn = Conn(cw, uw)
        conns.add(conn)
        try:
            await asyncio.gather(pipe(cr, uw, conn, True, cut_file),
                                 pipe(ur, cw, conn, False, cut_file))
        finally:
            conns.discard(conn)

    server = await asyncio.start_unix_server(handle, path=listen)
    print("listening on " + listen, file=sys.stderr, flush=True)
    async with server:
        while True:
            await asyncio.sleep(0.05)
            if os.path.exists(cut_file):
                for conn in [c for c in conns if c.events]:
                    print("cut: an open event stream closed", file=sys.stderr, flush=True)
                    conns.discard(conn)
                    conn.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: docker_cut_proxy.py LISTEN UPSTREAM CUT_FILE")
    asyncio.run(main(*sys.argv[1:4]))

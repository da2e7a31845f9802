"""Shared fixtures. Docker tests use the real engine that `make test`'s set-up made ready."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# Without an NVIDIA GPU, the LSA Triton kernels are checked in Triton's CPU interpreter, which
# triton fixes when it is first imported: decide before any test imports it.
if not Path("/dev/nvidiactl").exists():
    os.environ.setdefault("TRITON_INTERPRET", "1")

# A test run started in the background by a non-interactive shell (`make test &`, some CI
# runners) inherits SIGINT ignored, and so would every eval subprocess the tests interrupt with
# Ctrl-C: restore Python's default so those tests see what a user's terminal does.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def docker_engine():
    """A ready Docker engine (started privately if needed); fails loudly if impossible."""
    from longcat_evals.sandboxes import engine

    return engine.ensure_engine()


@pytest.fixture(scope="session")
def base_image(docker_engine) -> str:
    """The project's base image tag (built once, cached by recipe hash)."""
    from longcat_evals.sandboxes import images

    return images.ensure_base()


# ----------------------------------------------------------------------------- network reach

CONNECT = """
import socket, sys
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=4).close(); print(target, "open")
    except OSError as e:
        print(target, "blocked", type(e).__name__)
"""


class _Listener:
    """A TCP server on the host (0.0.0.0) that accepts and closes, in a thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


def _outside_peer(name: str) -> tuple[str, subprocess.Popen]:
    """A TCP server in a network namespace of its own, routed from the host (the 'outside')."""
    host_if, peer_if = f"{name}h", f"{name}p"
    cmds = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if],
        ["ip", "link", "set", peer_if, "netns", name],
        ["ip", "addr", "add", "10.231.7.1/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        ["ip", "netns", "exec", name, "ip", "addr", "add", "10.231.7.2/30", "dev", peer_if],
        ["ip", "netns", "exec", name, "ip", "link", "set", peer_if, "up"],
        ["ip", "netns", "exec", name, "ip", "route", "add", "default", "via", "10.231.7.1"],
    ]
    for cmd in cmds:
        subprocess.run(cmd, check=True, capture_output=True)
    server = subprocess.Popen(
        ["ip", "netns", "exec", name, "python3", "-c",
         "import socket\ns=socket.socket(); s.bind(('10.231.7.2', 8797)); s.listen()\n"
         "while True: s.accept()[0].close()"],
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("10.231.7.2", 8797), timeout=1).close()
            return "10.231.7.2:8797", server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the outside peer did not start")


def _egress_gateway() -> str:
    from longcat_evals.sandboxes import network

    out = subprocess.run(
        ["docker", "network", "inspect", network.EGRESS_NETWORK,
         "--format", "{{(index .IPAM.Config 0).Gateway}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def _host_address() -> str:
    """An address of this host outside Docker's bridges (its route to the internet)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect(("192.0.2.123", 9))  # no packet is sent for a UDP connect
    return probe.getsockname()[0]


@dataclass
class NetworkReach:
    """What a container's reach is probed against (see the `network_reach` fixture)."""

    peer: str
    """ip:port of a server outside this host (its own network namespace, routed from here)."""
    listener: _Listener
    """A server on this host on 0.0.0.0: open to containers unless the firewall rule holds."""
    gateway_ip: str
    host_targets: tuple[str, ...]
    """ip:port of the listener at the egress gateway, this host's own address and docker0."""

    @staticmethod
    def command(targets) -> str:
        """A shell command printing `TARGET open|blocked ...` for each ip:port."""
        return f"python3 -c '{CONNECT}' {' '.join(targets)}"

    @staticmethod
    def verdicts(output: str) -> dict[str, str]:
        return dict(line.rsplit(" ", 2)[:2] for line in output.splitlines() if " " in line)


@pytest.fixture
def network_reach(docker_engine):
    """An outside peer and a host listener, with the egress network and its rule ready."""
    from longcat_evals.sandboxes import network

    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and ip (a network namespace stands in for the outside)")
    listener = _Listener()
    name = f"lce{os.getpid() % 100000}"
    peer, server = _outside_peer(name)
    try:
        assert network.ensure_egress(), "the host firewall rule could not be installed"
        gateway = _egress_gateway()
        port = listener.port
        yield NetworkReach(
            peer=peer, listener=listener, gateway_ip=gateway,
            host_targets=(f"{gateway}:{port}", f"{_host_address()}:{port}", f"172.17.0.1:{port}"),
        )  # fmt: skip
    finally:
        listener.sock.close()
        server.kill()
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", f"{name}h"], capture_output=True)

"""Containment in real containers: capabilities, the shared pids budget, network reach."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from longcat_evals.sandboxes import cgroups, network
from longcat_evals.sandboxes.compose import RUNTIME_CAPABILITIES

pytestmark = [pytest.mark.docker]

TASKS = Path(__file__).parent / "sandbox_tasks.py"
CAPABILITY_BITS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "FOWNER": 3, "FSETID": 4, "KILL": 5,
                   "SETGID": 6, "SETUID": 7, "NET_BIND_SERVICE": 10, "NET_RAW": 13}  # fmt: skip


def _probe(tmp_path: Path, command: str, network_on: bool = False) -> str:
    [log] = inspect_eval(
        f"{TASKS}@probe",
        model="mockllm/model",
        task_args={"command": command, "network": network_on},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    sample = read_eval_log(log.location).samples[0]
    assert sample.error is None, sample.error
    return sample.scores["returncode_zero"].explanation


def test_capabilities_are_only_the_runtime_set(docker_engine, tmp_path):
    out = _probe(tmp_path, "grep CapEff /proc/self/status; mknod /tmp/n c 1 3 || echo no-mknod")
    expected = sum(1 << CAPABILITY_BITS[name] for name in RUNTIME_CAPABILITIES)
    cap_eff = int(out.split("CapEff:")[1].split()[0], 16)
    assert cap_eff == expected, out  # 0x4fb: NET_RAW, MKNOD, SYS_CHROOT ... are gone
    assert not cap_eff & (1 << CAPABILITY_BITS["NET_RAW"])
    assert "no-mknod" in out


def test_sandboxes_share_one_parent_cgroup_with_half_the_hosts_pids(docker_engine, tmp_path):
    if cgroups.pids_parent() is None:
        pytest.skip("no parent cgroup on this machine (needs root and the cgroupfs driver)")
    out = _probe(tmp_path, "cat /proc/self/cgroup")
    pids_line = next(
        line for line in out.splitlines() if ":pids:" in line or line.startswith("0::")
    )
    assert f"/{cgroups.PARENT}/" in pids_line, out
    limit = int((cgroups.parent_pids_dir() / "pids.max").read_text())
    assert limit == int(cgroups.host_pid_max() * cgroups.HOST_PIDS_SHARE)


def test_the_parent_limit_holds_over_a_containers_own_higher_limit(base_image):
    """The mechanism, on a parent of its own with a tiny budget (60) under a limit of 500."""
    if cgroups.pids_parent() is None:
        pytest.skip("no parent cgroup on this machine (needs root and the cgroupfs driver)")
    name = f"longcat-evals-test-{os.getpid()}"
    parent = cgroups.make_parent(name, 60)
    bomb = (
        "f(){ f | f & }; ( f ) & "
        "p=/sys/fs/cgroup/pids/pids.current; [[ -r $p ]] || p=/sys/fs/cgroup/pids.current; "
        "peak=0; end=$((SECONDS + 5)); "
        "while (( SECONDS < end )); do read n < $p; (( n > peak )) && peak=$n; done; echo $peak"
    )
    try:
        out = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", "--cgroup-parent", parent,
             "--pids-limit", "500", "--label", "org.longcat-evals.test=pids", base_image,
             "bash", "-c", bomb],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        peak = int(out.stdout.strip().splitlines()[-1])
        assert 30 < peak <= 60, out.stdout + out.stderr
    finally:
        for _ in range(20):  # the cgroup goes once its last process has been reaped
            try:
                for child in sorted(cgroups.parent_pids_dir(name).glob("*/"), reverse=True):
                    child.rmdir()
                cgroups.parent_pids_dir(name).rmdir()
                break
            except OSError:
                time.sleep(0.5)


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


def _gateway() -> str:
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


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None, reason="needs root and ip")
def test_network_on_reaches_the_outside_but_not_the_host_or_other_samples(
    docker_engine, base_image, tmp_path
):
    listener = _Listener()
    name = f"lce{os.getpid() % 100000}"
    peer, server = _outside_peer(name)
    other = f"lce-test-other-sample-{os.getpid()}"
    try:
        assert network.ensure_egress(), "the host firewall rule could not be installed"
        # Another sample's container on the same egress network, serving on 8796.
        subprocess.run(
            ["docker", "run", "--detach", "--rm", "--name", other, "--network",
             network.EGRESS_NETWORK, "--label", "org.longcat-evals.test=network", base_image,
             "python3", "-c", "import socket\ns=socket.socket(); s.bind(('0.0.0.0', 8796));"
             " s.listen()\nwhile True: s.accept()[0].close()"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        other_ip = subprocess.run(
            ["docker", "inspect", other, "--format",
             "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        gateway = f"{_gateway()}:{listener.port}"
        host = f"{_host_address()}:{listener.port}"
        docker0 = f"172.17.0.1:{listener.port}"
        targets = [gateway, host, docker0, f"{other_ip}:8796", peer]
        time.sleep(1)  # the other sample's server is listening
        command = f"python3 -c '{CONNECT}' {' '.join(targets)}"
        out = _probe(tmp_path, command, network_on=True)
        verdicts = dict(line.rsplit(" ", 2)[:2] for line in out.splitlines() if " " in line)
        assert verdicts[peer] == "open", out  # the outside
        for blocked in (gateway, host, docker0, f"{other_ip}:8796"):
            assert verdicts[blocked] == "blocked", out
        assert listener.accepted == 0
        # The same listener is reachable from the host itself: the block is the firewall's.
        socket.create_connection((_gateway(), listener.port), timeout=4).close()
        deadline = time.monotonic() + 5
        while listener.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # the accept runs in the listener's thread
        assert listener.accepted == 1
    finally:
        listener.sock.close()
        server.kill()
        subprocess.run(["docker", "rm", "--force", other], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", f"{name}h"], capture_output=True)


def test_samples_own_networks_have_no_host_address(docker_engine, tmp_path):
    """The per-sample network (services talking to each other) gives no way to the host."""
    from longcat_evals.sandboxes.compose import compose_config, prepare, service

    services = {"default": service("x", network=True),
                "db": service("y", network=True, keep_alive=False)}  # fmt: skip
    config = prepare(compose_config(services))
    project = config["networks"]["default"]
    assert project["internal"] is True
    assert project["driver_opts"][network.INHIBIT_IPV4] == "true"
    assert set(config["services"]["default"]["networks"]) == {"default", network.EGRESS_NETWORK}
    assert set(config["services"]["db"]["networks"]) == {"default"}  # side services: no egress


def test_docker_run_args_contain_like_a_compose_sample(base_image):
    from longcat_evals.sandboxes.compose import docker_run_args

    args = docker_run_args(base_image)
    out = subprocess.run(
        ["docker", "run", "--rm", *args, base_image, "bash", "-c",
         "grep CapEff /proc/self/status; cat /sys/class/net/*/operstate | wc -l"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split("CapEff:")[1].split()[0], 16) == sum(
        1 << CAPABILITY_BITS[name] for name in RUNTIME_CAPABILITIES
    )
    assert out.stdout.split()[-1] == "1"  # loopback only

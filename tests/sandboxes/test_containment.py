"""Containment in real containers: capabilities, the shared pids budget, network reach."""

from __future__ import annotations

import os
import socket
import subprocess
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


def test_network_on_reaches_the_outside_but_not_the_host_or_other_samples(
    network_reach, base_image, tmp_path
):
    reach = network_reach
    other = f"lce-test-other-sample-{os.getpid()}"
    try:
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
        targets = [*reach.host_targets, f"{other_ip}:8796", reach.peer]
        time.sleep(1)  # the other sample's server is listening
        out = _probe(tmp_path, reach.command(targets), network_on=True)
        verdicts = reach.verdicts(out)
        assert verdicts[reach.peer] == "open", out  # the outside
        for blocked in (*reach.host_targets, f"{other_ip}:8796"):
            assert verdicts[blocked] == "blocked", out
        assert reach.listener.accepted == 0
        # The same listener is reachable from the host itself: the block is the firewall's.
        socket.create_connection((reach.gateway_ip, reach.listener.port), timeout=4).close()
        deadline = time.monotonic() + 5
        while reach.listener.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # the accept runs in the listener's thread
        assert reach.listener.accepted == 1
    finally:
        subprocess.run(["docker", "rm", "--force", other], capture_output=True)


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

"""Inspect tasks used by the sandbox tests (real containers on the real engine)."""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Target, accuracy, scorer
from inspect_ai.solver import Generate, TaskState, chain, solver
from inspect_ai.util import sandbox

from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import (
    SandboxLimits,
    compose_config,
    docker_sandbox,
    sandbox_from_file,
    service,
    write_compose,
)
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY, prebuild, require_sandbox
from longcat_evals.sandboxes.state import state_dir

PEER_PORT = 8765
# A tiny TCP server in the peer container: accepts and answers "pong".
PEER_SERVER = (
    "import socket\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    f"s.bind(('0.0.0.0', {PEER_PORT})); s.listen()\n"
    "while True:\n"
    "    c,_=s.accept(); c.sendall(b'pong'); c.close()\n"
)
CONNECT = (
    "import socket,sys\n"
    "try:\n"
    f"    c=socket.create_connection(('peer', {PEER_PORT}), timeout=5); print(c.recv(4).decode())\n"
    "except OSError as e:\n"
    "    print('refused:', e); sys.exit(3)\n"
)


@solver
def run(command: str, timeout: int = 60):
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(["bash", "-c", command], timeout=timeout)
        state.metadata["returncode"] = result.returncode
        state.metadata["stdout"] = result.stdout
        return state

    return solve


@scorer(metrics=[accuracy()])
def returncode_zero():
    async def score(state: TaskState, target: Target) -> Score:
        ok = state.metadata.get("returncode") == 0
        return Score(value=1.0 if ok else 0.0, explanation=state.metadata.get("stdout", ""))

    return score


@task
def network_probe(network: bool = False) -> Task:
    """The default container tries a TCP connection to a peer service and lists interfaces."""
    base = images.ensure_base()
    default = service(base, network=network)
    peer = service(base, network=True, keep_alive=False)
    peer["command"] = ["python3", "-c", PEER_SERVER]
    spec = ("docker", str(write_compose(compose_config({"default": default, "peer": peer}))))
    command = f'cat /proc/net/dev; sleep 1; python3 -c "{CONNECT}"'
    return Task(
        dataset=[Sample(id="probe", input="probe", sandbox=spec)],
        solver=run(command),
        scorer=returncode_zero(),
    )


@task
def fork_bomb(pids: int = 64) -> Task:
    """One sample runs a fork bomb; the other does honest work. Both must finish."""
    base = images.ensure_base()
    spec = docker_sandbox(base, limits=SandboxLimits(pids=pids))
    # Only bash builtins once the bomb runs (no fork is possible at the limit): watch the
    # container's pids cgroup for 6 s, keep the peak, then kill the bomb's process group.
    bomb = (
        "set -m; f(){ f | f & }; ( f ) & bomb=$!; "
        "p=/sys/fs/cgroup/pids.current; [[ -r $p ]] || p=/sys/fs/cgroup/pids/pids.current; "
        "peak=0; end=$((SECONDS + 6)); "
        "while (( SECONDS < end )); do read n < $p; (( n > peak )) && peak=$n; done; "
        "kill -KILL -- -$bomb; echo peak=$peak"
    )
    return Task(
        dataset=[
            Sample(id="bomb", input="bomb", sandbox=spec, metadata={"command": bomb}),
            Sample(id="honest", input="work", sandbox=spec, metadata={"command": "echo fine"}),
        ],
        solver=per_sample_command(),
        scorer=returncode_zero(),
        fail_on_error=False,
    )


@solver
def per_sample_command(timeout: int = 60):
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(["bash", "-c", state.metadata["command"]], timeout=timeout)
        state.metadata["returncode"] = result.returncode
        state.metadata["stdout"] = result.stdout
        return state

    return solve


@task
def sleepy() -> Task:
    """A sample that sleeps in its container (to be interrupted by a test)."""
    spec = docker_sandbox(images.ensure_base())
    return Task(
        dataset=[Sample(id="sleep", input="sleep", sandbox=spec)],
        solver=run("sleep 300", timeout=400),
        scorer=returncode_zero(),
    )


BROKEN_DOCKERFILE = "FROM {base}\nRUN echo about-to-fail && exit 42\n"


@task
def broken_build() -> Task:
    """Two samples: one whose Dockerfile fails to build, one that works."""
    base = images.ensure_base()
    # A fixed folder under the state dir (rewritten each run) rather than a new temp dir per run.
    context = state_dir() / "test-broken-build"
    context.mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(BROKEN_DOCKERFILE.format(base=base))

    def build() -> str:
        return images.build_image(
            images.tag_for("test-broken", images.hash_inputs(context)), context, what="sample bad"
        )

    image, error = prebuild(build, fallback=lambda: base)
    return Task(
        dataset=[
            Sample(
                id="bad",
                input="x",
                sandbox=docker_sandbox(image),
                metadata={BUILD_ERROR_KEY: error},
            ),
            Sample(id="good", input="x", sandbox=docker_sandbox(base)),
        ],
        solver=chain(require_sandbox(), run("true")),
        scorer=returncode_zero(),
        fail_on_error=False,
    )


@task
def missing_compose() -> Task:
    """A task whose compose file does not exist (must fail with one line, no traceback)."""
    spec = sandbox_from_file("/nonexistent/compose.yaml", owner="task missing_compose")
    return Task(dataset=[Sample(input="x", sandbox=spec)], solver=run("true"))


@task
def bash_entrypoint() -> Task:
    """An image built like most SWE-bench Pro images: `ENTRYPOINT ["/bin/bash"]`.

    Without the entrypoint override the container would run `/bin/bash sleep infinity` and exit.
    """
    base = images.ensure_base()
    context = state_dir() / "test-contexts" / "bash-entrypoint"
    context.mkdir(parents=True, exist_ok=True)
    (context / "Dockerfile").write_text(f'FROM {base}\nENTRYPOINT ["/bin/bash"]\n')
    tag = images.build_image(
        f"longcat-evals/test-bash-entrypoint:{images.hash_inputs(context)[:12]}", context
    )
    return Task(
        dataset=[Sample(id="entrypoint", input="x", sandbox=docker_sandbox(tag))],
        solver=run("echo alive"),
        scorer=returncode_zero(),
    )


# Seconds the `slow` sample of `interruptible` sleeps; a retry sets it low to finish quickly.
SLOW_SEC_ENV = "LONGCAT_TEST_SLOW_SEC"


@task
def interruptible() -> Task:
    """Two quick samples and one slow one (the test interrupts while only the slow one runs)."""
    import os

    spec = docker_sandbox(images.ensure_base())
    slow = f"sleep {int(os.environ.get(SLOW_SEC_ENV, '300'))}"
    return Task(
        dataset=[
            Sample(id=name, input="x", sandbox=spec, metadata={"command": command})
            for name, command in (("quick1", "true"), ("quick2", "true"), ("slow", slow))
        ],
        solver=per_sample_command(timeout=400),
        scorer=returncode_zero(),
    )


@task
def probe(command: str, network: bool = False) -> Task:
    """One sample that runs COMMAND in a default sandbox; its stdout is the explanation."""
    spec = docker_sandbox(images.ensure_base(), network=network)
    return Task(
        dataset=[Sample(id="probe", input="probe", sandbox=spec)],
        solver=run(command, timeout=120),
        scorer=returncode_zero(),
    )

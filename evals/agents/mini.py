"""`mini`: a bash-only agent in the spirit of mini-swe-agent.

No tool calling: every reply must hold exactly one ```bash block, which runs in a fresh shell in
the sample's container (so `cd` and variables do not carry over; chain with &&). The output
(truncated in the middle when long) comes back as the next user message. The agent stops when a
command prints the completion marker as its first line, or at its step limit.
"""

from __future__ import annotations

import re

from inspect_ai.model import ChatMessageSystem, ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from longcat_evals.evals.agents.tools import DEFAULT_MAX_OUTPUT_CHARS, truncate

COMPLETE_MARKER = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
DEFAULT_STEP_LIMIT = 250
_BLOCK = re.compile(r"```(?:bash|sh)?[ \t]*\n(.*?)\n?```", re.DOTALL)

SYSTEM_PROMPT = """You work in a Linux container through a shell, one command per turn.

Every reply: first a short THOUGHT (your reasoning), then exactly ONE fenced ```bash block with
one command (join several with && or ||). Each command runs in a fresh bash process in {workdir}:
directory changes and variables do not persist, so repeat `cd` where needed. Commands are killed
after {timeout} s; do not start interactive programs (editors, pagers, REPLs). Edit files with
sed, heredocs or small scripts.

When the task is done, reply with this command alone, and nothing else after it:
```bash
echo {marker}
```"""

FORMAT_ERROR = (
    "Your reply must contain exactly ONE ```bash block (found {count}). Reply with a THOUGHT and "
    "one command, or `echo {marker}` when you are done."
)


def observation(returncode: int | str, output: str, max_chars: int) -> str:
    return (
        f"<returncode>{returncode}</returncode>\n<output>\n{truncate(output, max_chars)}</output>"
    )


async def run_command(command: str, timeout_sec: int, max_chars: int) -> tuple[str, bool]:
    """(observation text, whether the agent declared completion)."""
    try:
        result = await sandbox().exec(["bash", "-lc", command], timeout=timeout_sec)
    except TimeoutError:
        return (
            f"<returncode>timeout</returncode>\n<output>\nThe command ran past {timeout_sec} s "
            "and was killed. Run long work in the background or narrow it.\n</output>",
            False,
        )
    output = result.stdout + (f"\n{result.stderr}" if result.stderr else "")
    lines = result.stdout.lstrip().splitlines()
    done = bool(lines) and lines[0].strip() == COMPLETE_MARKER
    return observation(result.returncode, output, max_chars), done


@solver
def mini_agent(
    command_timeout_sec: int = 180,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    step_limit: int = DEFAULT_STEP_LIMIT,
    workdir: str = "the container's working directory",
) -> Solver:
    """A bash-only agent loop (mini-swe-agent style): one shell command per model turn.

    Args:
        command_timeout_sec: Wall-clock limit of one command.
        max_output_chars: Command output longer than this is truncated in the middle.
        step_limit: Model turns before the agent stops on its own.
        workdir: How the prompt names the directory commands run in.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        system = SYSTEM_PROMPT.format(
            workdir=workdir, timeout=command_timeout_sec, marker=COMPLETE_MARKER
        )
        state.messages.insert(0, ChatMessageSystem(content=system))
        for _ in range(step_limit):
            state = await generate(state, tool_calls="none")
            blocks = _BLOCK.findall(state.output.message.text)
            if len(blocks) != 1:
                text = FORMAT_ERROR.format(count=len(blocks), marker=COMPLETE_MARKER)
                state.messages.append(ChatMessageUser(content=text))
                continue
            text, done = await run_command(blocks[0], command_timeout_sec, max_output_chars)
            if done:
                break
            state.messages.append(ChatMessageUser(content=text))
        return state

    return solve

"""The oracle: reads the true answer out of the PROMPT with a parser per family (never the target).

It validates generation and scoring end to end: if a needle were missing, cut or ambiguous, the
parser would fail or disagree with the target and the oracle would score below 100.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter

from inspect_ai.model import ChatMessageAssistant, ModelOutput
from inspect_ai.solver import Generate, Solver, TaskState, solver

from longcat_evals.evals.long_context.mrcr import ORDINALS, REQUEST, _a

NEEDLE_Q = re.compile(r"special magic (number|uuid)s? for (.+?) mentioned in the provided text")


def niah_answer(prompt: str) -> str:
    question = prompt.rsplit("\n", 1)[-1]
    kind, keys = NEEDLE_Q.search(question).groups()
    values = []
    for key in re.split(r", | and ", keys):
        values += re.findall(
            rf"The special magic {kind} for {re.escape(key)} is: (\S+?)\.\n", prompt
        )
    return ", ".join(values)


def vt_answer(prompt: str) -> str:
    value = re.search(r"assigned the value (\d+)", prompt.rsplit("\n", 1)[-1])[1]
    links = dict(re.findall(r"^VAR ([A-Z]+) = (?:VAR )?([A-Z]+|\d+)$", prompt, re.MULTILINE))

    def resolve(name: str) -> str:
        while name in links:
            name = links[name]
        return name

    return ", ".join(n for n in links if resolve(n) == value)


def words_answer(prompt: str, variant: str) -> str:
    question = prompt.rsplit("\n", 1)[-1]
    top = int(re.search(r"What are the (\d+) most", question)[1])
    if variant == "cwe":
        words = re.findall(r"^\d+\. (\S+)$", prompt, re.MULTILINE)
    else:
        region = prompt[
            prompt.index("Coded text:\n") + len("Coded text:\n") : prompt.rindex("\n\n")
        ]
        words = region.split()
    return ", ".join(w for w, _ in Counter(words).most_common(top))


def mrcr_answer(prompt: str) -> str:
    question = prompt.rsplit("\n", 1)[-1]
    m = re.search(
        r"the (\w+) (.+?) about (\S+) that the assistant wrote.*the code (\S+) and", question
    )
    ordinal, fmt, topic, code = m.groups()
    context = prompt[: prompt.rindex("\n\n")] + "\n"
    request = REQUEST.format(fmt=_a(fmt), topic=topic)
    starts = [i.end() for i in re.finditer(re.escape(request), context)]
    start = starts[ORDINALS.index(ordinal)]
    end = context.find("\nUser: ", start)
    return code + context[start : end if end >= 0 else len(context)].rstrip("\n")


def function_answer(prompt: str) -> str:
    question = prompt.rsplit("\n", 1)[-1]
    examples = [
        tuple(map(int, e)) for e in re.findall(r"(-?\d+) for \((-?\d+), (-?\d+)\)", question)
    ]
    found = []
    for name, body in re.findall(r"^def (\w+)\(a, b\):\n((?:    .*\n)+)", prompt, re.MULTILINE):
        namespace: dict = {"__builtins__": {"max": max, "abs": abs}}
        try:
            exec(f"def f(a, b):\n{body}", namespace)  # our generated arithmetic, no builtins
            if all(namespace["f"](a, b) == out for out, a, b in examples):
                found.append(name)
        except Exception:  # noqa: BLE001 - the last, cut function of the haystack
            continue
    return ", ".join(found)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def trace_answer(prompt: str) -> str:
    asked = re.search(r"value of ([A-Z0-9_]+) defined in", prompt.rsplit("\n", 1)[-1])[1]
    exprs = dict(re.findall(r"^([A-Z][A-Z0-9_]*) = (.+)$", prompt, re.MULTILINE))

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return value(ast.parse(exprs[node.id], mode="eval").body)
        return _OPS[type(node.op)](value(node.left), value(node.right))

    return str(value(ast.parse(exprs[asked], mode="eval").body))


def oracle_text(prompt: str, family: str, variant: str) -> str:
    """The answer a perfect reader of PROMPT gives."""
    if family == "niah" or variant.startswith("niah_"):
        return niah_answer(prompt)
    if variant == "vt":
        return vt_answer(prompt)
    if variant in ("cwe", "fwe"):
        return words_answer(prompt, variant)
    if family == "mrcr":
        return mrcr_answer(prompt)
    return function_answer(prompt) if variant == "function" else trace_answer(prompt)


@solver
def long_context_oracle() -> Solver:
    """Answer from the prompt alone with the family's parser (no model call)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        try:
            answer = oracle_text(
                state.input_text, state.metadata["family"], state.metadata["variant"]
            )
        except (AttributeError, IndexError, KeyError, ValueError, TypeError):
            answer = ""  # nothing to find (the no-context control): the oracle scores 0 there
        state.output = ModelOutput.from_content(model="oracle", content=answer)
        state.messages.append(ChatMessageAssistant(content=answer, model="oracle"))
        return state

    return solve

"""The local model's prompts: our LongCat template against rendered strings written by hand from
the published LongCat-Flash-Thinking-2601 format, and a checkpoint's own template rendered by
transformers when the checkpoint ships one."""

from __future__ import annotations

import json

import pytest
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
)
from inspect_ai.tool import ToolCall, ToolInfo, ToolParams

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter.reference.chat_template import (
    load_checkpoint_template,
    render_chat,
)

ADD = ToolInfo(
    name="func_add",
    description="Calculate the sum of two numbers",
    parameters=ToolParams(
        properties={
            "x1": {"type": "number", "description": "The first addend"},
            "x2": {"type": "number", "description": "The second addend"},
        },
        required=["x1", "x2"],
    ),
)
WRITE = ToolInfo(
    name="write_file",
    description="Write a file",
    parameters=ToolParams(
        properties={"path": {"type": "string"}, "body": {"type": "string"}},
        required=["path", "body"],
    ),
)

# The declaration block for ADD, written out by hand.
ADD_DECLARED = (
    "<longcat_tool_declare>"
    "# Tools\nYou have access to the following tools:\n\n"
    "## Tool namespace: function\n\n"
    "### Tool name: func_add\n"
    "Description: Calculate the sum of two numbers\n"
    'InputSchema: {"type": "object", "properties": {"x1": {"type": "number", "description": '
    '"The first addend"}, "x2": {"type": "number", "description": "The second addend"}}, '
    '"required": ["x1", "x2"], "additionalProperties": false}\n\n'
    "**Note**: For each function call, return the function name and its arguments within "
    "<longcat_tool_call></longcat_tool_call> XML tags, one key/value pair per argument, as "
    "follows:\n"
    "<longcat_tool_call>{function-name}\n"
    "<longcat_arg_key>{arg-key-1}</longcat_arg_key>\n"
    "<longcat_arg_value>{arg-value-1}</longcat_arg_value>\n"
    "<longcat_arg_key>{arg-key-2}</longcat_arg_key>\n"
    "<longcat_arg_value>{arg-value-2}</longcat_arg_value>\n"
    "...\n</longcat_tool_call>\n"
    "When several functions are called, put each call in its own <longcat_tool_call> block, "
    "one after another.\n"
    "</longcat_tool_declare>"
)


def _assistant(text: str, reasoning: str | None = None, calls=None) -> ChatMessageAssistant:
    content = [ContentReasoning(reasoning=reasoning)] if reasoning else []
    return ChatMessageAssistant(content=[*content, ContentText(text=text)], tool_calls=calls)


def test_multi_turn_example_of_the_model_card():
    # The 2601 card's example: earlier reasoning dropped, /think_on on the current user turn
    messages = [
        ChatMessageSystem(content="You are a helpful assistant."),
        ChatMessageUser(content="Please tell me what is $$1 + 1$$ and $$2 \\times 2$$?"),
        _assistant(
            "The answers are 2 and 4.",
            reasoning="This question is straightforward: $$1 + 1 = 2$$ and $$2 \\times 2 = 4$$.",
        ),
        ChatMessageUser(content="Check again?"),
    ]
    assert render_chat(messages, [], thinking=True) == (
        "<longcat_system>You are a helpful assistant."
        "<longcat_user>Please tell me what is $$1 + 1$$ and $$2 \\times 2$$?"
        "<longcat_assistant>The answers are 2 and 4.</longcat_s>"
        "<longcat_user>Check again? /think_on <longcat_assistant><longcat_think>\n"
    )
    assert render_chat(messages, [], thinking=False).endswith(
        "<longcat_user>Check again? /think_off <longcat_assistant>"
    )


def test_tool_calling_example_of_the_model_card():
    # reasoning inside the current user turn is kept; the call is written in key/value form;
    # the tool result carries the tool's name
    messages = [
        ChatMessageSystem(content="You are a helpful assistant."),
        ChatMessageUser(content="Please tell me what is $$125679 + 234519$$?"),
        _assistant(
            "",
            reasoning="This calculation requires precision; I will use the func_add tool.",
            calls=[ToolCall(id="c1", function="func_add", arguments={"x1": 125679, "x2": 234519})],
        ),
        ChatMessageTool(content='{"ans": 360198}', tool_call_id="c1", function="func_add"),
    ]
    assert render_chat(messages, [ADD], thinking=True) == (
        ADD_DECLARED + "<longcat_system>You are a helpful assistant."
        "<longcat_user>Please tell me what is $$125679 + 234519$$? /think_on "
        "<longcat_assistant><longcat_think>\n"
        "This calculation requires precision; I will use the func_add tool.\n"
        "</longcat_think>\n"
        "<longcat_tool_call>func_add\n"
        "<longcat_arg_key>x1</longcat_arg_key>\n<longcat_arg_value>125679</longcat_arg_value>\n"
        "<longcat_arg_key>x2</longcat_arg_key>\n<longcat_arg_value>234519</longcat_arg_value>\n"
        "</longcat_tool_call></longcat_s>"
        "<longcat_observation><longcat_tool_response>func_add\n"
        '{"ans": 360198}</longcat_tool_response>'
        "<longcat_assistant><longcat_think>\n"
    )


def test_string_arguments_stay_verbatim_and_results_share_one_observation():
    body = '{"port": 8080}'  # a string that is also valid JSON: written as is, never re-encoded
    calls = [
        ToolCall(id="a", function="write_file", arguments={"path": "a.json", "body": body}),
        ToolCall(id="b", function="write_file", arguments={"path": "b.txt", "body": "3.14"}),
    ]
    messages = [
        ChatMessageUser(content="Write both."),
        _assistant("Writing.", calls=calls),
        ChatMessageTool(content="ok a", tool_call_id="a", function="write_file"),
        ChatMessageTool(content="ok b", tool_call_id="b", function="write_file"),
    ]
    text = render_chat(messages, [WRITE])
    assert text.split("</longcat_tool_declare>", 1)[1] == (
        "<longcat_user>Write both. /think_off <longcat_assistant>Writing."
        "<longcat_tool_call>write_file\n"
        "<longcat_arg_key>path</longcat_arg_key>\n<longcat_arg_value>a.json</longcat_arg_value>\n"
        '<longcat_arg_key>body</longcat_arg_key>\n<longcat_arg_value>{"port": 8080}'
        "</longcat_arg_value>\n</longcat_tool_call>"
        "<longcat_tool_call>write_file\n"
        "<longcat_arg_key>path</longcat_arg_key>\n<longcat_arg_value>b.txt</longcat_arg_value>\n"
        "<longcat_arg_key>body</longcat_arg_key>\n<longcat_arg_value>3.14</longcat_arg_value>\n"
        "</longcat_tool_call></longcat_s>"
        "<longcat_observation>"
        "<longcat_tool_response>write_file\nok a</longcat_tool_response>"
        "<longcat_tool_response>write_file\nok b</longcat_tool_response>"
        "<longcat_assistant>"
    )


def test_history_calls_parse_back_with_the_project_parser():
    from longcat_evals.model_adapter.tool_text import parse_assistant_text

    call = ToolCall(id="a", function="write_file", arguments={"path": "x", "body": "line\n2"})
    text = render_chat([ChatMessageUser(content="go"), _assistant("", calls=[call])], [WRITE])
    raw = text.split("<longcat_assistant>")[1].removesuffix("</longcat_s>")
    [parsed] = parse_assistant_text(raw).tool_calls
    assert (parsed.function, parsed.arguments) == ("write_file", {"path": "x", "body": "line\n2"})


# ----------------------------------------------------------------------------------------------
# A checkpoint's own template
# ----------------------------------------------------------------------------------------------

# Our own small template in the shape of LongCat's (reads tools, reasoning_content, tool_calls
# with dict arguments, tool names, enable_thinking and bos_token).
OWN_TEMPLATE = (
    "{{ bos_token }}{% if tools %}[tools:{% for t in tools %}{{ t.function.name }};{% endfor %}]"
    "{% endif %}{% for m in messages %}<{{ m.role }}>{% if m.reasoning_content %}"
    "(r:{{ m.reasoning_content }}){% endif %}{{ m.content }}{% for c in m.tool_calls or [] %}"
    "{call:{{ c.function.name }}={{ c.function.arguments.x1 }}}{% endfor %}"
    "{% if m.role == 'tool' %}@{{ m.name }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% if enable_thinking %}<longcat_think>{% endif %}"
    "{% endif %}"
)


def _messages():
    return [
        ChatMessageUser(content="add"),
        _assistant(
            "",
            reasoning="use it",
            calls=[ToolCall(id="c", function="func_add", arguments={"x1": 1})],
        ),
        ChatMessageTool(content="2", tool_call_id="c", function="func_add"),
    ]


def test_checkpoint_template_is_rendered_by_transformers(tmp_path):
    assert load_checkpoint_template(tmp_path) is None  # nothing shipped: our template
    config = {"bos_token": {"content": "<longcat_s>"}, "chat_template": OWN_TEMPLATE}
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    template = load_checkpoint_template(tmp_path)
    assert template.render(_messages(), [ADD], thinking=True) == (
        "<longcat_s>[tools:func_add;]<user>add<assistant>(r:use it){call:func_add=1}"
        "<tool>2@func_add<assistant><longcat_think>"
    )
    assert template.render(_messages(), [], thinking=False).endswith("@func_add<assistant>")
    # chat_template.jinja wins over tokenizer_config.json, as in transformers
    (tmp_path / "chat_template.jinja").write_text("J{{ messages | length }}")
    assert load_checkpoint_template(tmp_path).render(_messages(), [], False) == "J3"


def test_checkpoint_template_list_form_and_errors_are_one_line(tmp_path):
    named = [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": named}))
    assert load_checkpoint_template(tmp_path).render(_messages(), [], False) == "D"
    broken = "{{ raise_exception('tools need a system turn') }}"
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": broken}))
    with pytest.raises(UserFacingError, match="tools need a system turn") as e:
        load_checkpoint_template(tmp_path).render(_messages(), [], False)
    assert "\n" not in str(e.value)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": named[:1]}))
    with pytest.raises(UserFacingError, match="no 'default'"):
        load_checkpoint_template(tmp_path)

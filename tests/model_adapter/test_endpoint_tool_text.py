"""The raw-text parser on LongCat-format assistant text (both tool-call forms, thinking, errors)."""

from longcat_evals.model_adapter.tool_text import parse_assistant_text


def test_plain_text_passes_through():
    parsed = parse_assistant_text("  The answer is 4.\n")
    assert parsed.content == "The answer is 4."
    assert parsed.reasoning is None
    assert parsed.tool_calls == []


def test_think_and_json_call():
    text = (
        "<longcat_think>I should list files.</longcat_think>Let me look.\n"
        '<longcat_tool_call>{"name": "bash", "arguments": {"cmd": "ls -la"}}</longcat_tool_call>'
    )
    parsed = parse_assistant_text(text)
    assert parsed.reasoning == "I should list files."
    assert parsed.content == "Let me look."
    [call] = parsed.tool_calls
    assert (call.function, call.arguments, call.parse_error) == ("bash", {"cmd": "ls -la"}, None)


def test_kv_form_decodes_non_string_values():
    text = (
        "<longcat_tool_call>edit_file"
        "<longcat_arg_key>path</longcat_arg_key><longcat_arg_value>a.py</longcat_arg_value>\n"
        "<longcat_arg_key>line</longcat_arg_key><longcat_arg_value>12</longcat_arg_value>"
        "<longcat_arg_key>opts</longcat_arg_key>"
        '<longcat_arg_value>{"dry": true}</longcat_arg_value>'
        "<longcat_arg_key>text</longcat_arg_key><longcat_arg_value>x = 1\ny = 2</longcat_arg_value>"
        "</longcat_tool_call>"
    )
    [call] = parse_assistant_text(text).tool_calls
    assert call.function == "edit_file"
    expected = {"path": "a.py", "line": 12, "opts": {"dry": True}, "text": "x = 1\ny = 2"}
    assert call.arguments == expected
    assert call.parse_error is None


def test_two_calls_get_distinct_deterministic_ids():
    text = (
        '<longcat_tool_call>{"name": "a", "arguments": {}}</longcat_tool_call>'
        "<longcat_tool_call>b<longcat_arg_key>x</longcat_arg_key>"
        "<longcat_arg_value>1</longcat_arg_value></longcat_tool_call>"
    )
    first = parse_assistant_text(text).tool_calls
    again = parse_assistant_text(text).tool_calls
    assert [c.function for c in first] == ["a", "b"]
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == 2


def test_malformed_json_reports_parse_error():
    text = '<longcat_tool_call>{"name": "bash", "arguments": {"cmd": </longcat_tool_call>'
    [call] = parse_assistant_text(text).tool_calls
    assert call.function == "bash"
    assert call.arguments == {}
    assert call.parse_error and "malformed tool call" in call.parse_error


def test_arguments_not_object_is_an_error():
    text = '<longcat_tool_call>{"name": "bash", "arguments": [1, 2]}</longcat_tool_call>'
    [call] = parse_assistant_text(text).tool_calls
    assert "must be an object" in call.parse_error


def test_unclosed_call_is_reported():
    parsed = parse_assistant_text('ok <longcat_tool_call>{"name": "bash", "argu')
    assert parsed.content == "ok"
    [call] = parsed.tool_calls
    assert call.function == "bash"
    assert "not closed" in call.parse_error


def test_kv_form_with_garbage_is_reported():
    text = "<longcat_tool_call>bash<longcat_arg_key>cmd</longcat_arg_key>oops</longcat_tool_call>"
    [call] = parse_assistant_text(text).tool_calls
    assert call.function == "bash"
    assert "unparsed text" in call.parse_error


def test_lone_think_close_and_unclosed_think():
    assert parse_assistant_text("plan</longcat_think>done").reasoning == "plan"
    assert parse_assistant_text("plan</longcat_think>done").content == "done"
    parsed = parse_assistant_text("<longcat_think>still thinking")
    assert parsed.reasoning == "still thinking"
    assert parsed.content == ""


def test_string_arguments_are_decoded():
    text = '<longcat_tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</longcat_tool_call>'
    [call] = parse_assistant_text(text).tool_calls
    assert call.arguments == {"a": 1}

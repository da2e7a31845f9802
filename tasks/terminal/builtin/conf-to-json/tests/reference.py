"""The verifier's reference converter (kept out of the container until verification)."""

import json
import re
import sys

BOOLS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


def strip_comment(text: str) -> str:
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif ch in "#;" and not quoted and i > 0 and text[i - 1] in " \t":
            return text[:i]
    return text


def typed(raw: str):
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return raw[1:-1].replace('\\"', '"')
    if raw.lower() in BOOLS:
        return BOOLS[raw.lower()]
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    return raw


def convert(text: str) -> dict:
    raw: dict[str, dict[str, list[str]]] = {}
    section, last = "global", None
    for line in text.splitlines():
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        if line[0] in " \t" and last is not None:
            values = raw[section][last]
            values[-1] = f"{values[-1]} {strip_comment(line).strip()}"
            continue
        body = strip_comment(line).strip()
        if body.startswith("[") and body.endswith("]"):
            section, last = body[1:-1].strip(), None
            raw.setdefault(section, {})
            continue
        match = re.match(r"^([^=:]+?)\s*[=:]\s*(.*)$", body)
        if not match:
            continue
        key, value = match.group(1).strip(), match.group(2)
        raw.setdefault(section, {}).setdefault(key, []).append(value.strip())
        last = key
    return {
        s: {k: typed(v[0]) if len(v) == 1 else [typed(x) for x in v] for k, v in keys.items()}
        for s, keys in raw.items()
    }


if __name__ == "__main__":
    with open(sys.argv[2], "w") as handle:
        json.dump(convert(open(sys.argv[1]).read()), handle, indent=2)

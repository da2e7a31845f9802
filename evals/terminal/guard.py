"""Tamper-proof verification in the agent's own container (threat model: the family README).

Terminal-Bench verifies in the container the agent used, with whatever it left running: the
tests may query a service the agent started. Everything in that container runs as root with
the same capabilities, so a process the agent left behind could rewrite the reward, swap the
tests or trace the verifier. Here, before the tests run:

1. `freeze`: every process in the container is stopped (SIGSTOP) except PID 1, processes that
   hold a listening socket (services) and their descendants (a server's workers). A stopped
   process cannot write, trace or fork; a service keeps serving. Kept services whose command
   line or script names the verifier's paths are tampering.
2. `environment_changes`: the container's file-system changes since the image (`docker diff`,
   read on the host, so nothing in the container can hide them) are checked for what would
   subvert the tests without touching them: ld.so.preload, sitecustomize, pytest configuration
   at `/`, tools on PATH replaced or shadowed, `.pth` files; files among them that name the
   verifier's paths or fake a pytest summary are tampering, the rest is recorded.
3. `run`: `/logs`, `/logs/verifier` and `/tests` are made real, fresh directories (a planted
   symlink is removed and recorded); the tests are unpacked from a randomly named archive and
   their hashes checked against the host's; the script runs under `timeout`; its output, exit
   code and the reward files come back through the exec's own stdout (not through files a
   process could rewrite later), read the moment the script exits, framed by a random nonce.
   A process tracing any process during the run is recorded.

What a detected tampering does: the sample scores 0 with `metadata["tamper"]` saying why.
Suspicious but possibly honest changes go to `metadata["tamper_suspects"]` and leave the score.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from inspect_ai.util import sandbox

from longcat_evals.evals.terminal.transfer import tar_bytes
from longcat_evals.sandboxes.docker_cli import DockerError, docker, last_line

OUTPUT_LIMIT_BYTES = 2_000_000
# What a file or process that meddles with verification names (an honest one has no reason to).
VERIFIER_NAMES = r"/logs/verifier|reward\.txt|reward\.json|short test summary info|SWEBench results"

FREEZE_SCRIPT = r"""
me=$$
listen=" "; uids=" "
for f in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] || continue
  while read -r sl local rem st rest; do
    [ "$st" = "0A" ] || continue
    set -- $rest; listen="$listen$6 "; uids="$uids$4 "
  done < "$f"
done
for f in /proc/net/udp /proc/net/udp6; do
  [ -r "$f" ] || continue
  while read -r sl local rem st rest; do
    case "$local" in *:0000|local_address) continue;; esac
    set -- $rest; listen="$listen$6 "; uids="$uids$4 "
  done < "$f"
done
if [ -r /proc/net/unix ]; then
  while read -r num ref proto flags type st inode path; do
    [ "$flags" = "00010000" ] && listen="$listen$inode "
  done < /proc/net/unix
fi
ppid_of() { sed -n 's/^PPid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }
# Our own ancestors (a wrapper the exec runs us under) are never stopped.
anc=" "; q=$(ppid_of $me)
while [ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != 1 ]; do anc="$anc$q "; q=$(ppid_of "$q"); done
state_of() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
cmd_of() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | head -c 300; }
listens() {
  readable=0
  for fd in /proc/$1/fd/*; do
    l=$(readlink "$fd" 2>/dev/null) || continue
    readable=1
    case "$l" in "socket:["*"]") i=${l#socket:[}; i=${i%]}
      case "$listen" in *" $i "*) return 0;; esac;; esac
  done
  # Another uid's fds are closed to root without CAP_SYS_PTRACE: such a process counts as a
  # service when its uid owns a listening socket (a server run as its own user).
  if [ $readable = 0 ]; then
    u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    case "$uids" in *" $u "*) return 0;; esac
  fi
  return 1
}
listeners=" "
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  case "$anc" in *" $p "*) continue;; esac
  [ "$p" = 1 ] || [ "$p" = "$me" ] && continue
  listens "$p" && listeners="$listeners$p "
done
# mine: our own shell's descendants; kept: listeners and their descendants.
verdict_of() {
  q=$1
  while [ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != 1 ]; do
    [ "$q" = "$me" ] && { echo mine; return; }
    case "$listeners" in *" $q "*) echo kept; return;; esac
    q=$(ppid_of "$q")
  done
  echo other
}
frozen=" "
pass=0
while [ $pass -lt 50 ]; do
  pass=$((pass + 1)); new=0
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = 1 ] && continue
    case "$anc" in *" $p "*) continue;; esac
    case "$frozen" in *" $p "*) continue;; esac
    v=$(verdict_of "$p")
    case "$v" in
      mine) ;;
      kept) case "$kept" in *" $p "*) ;; *) kept="$kept$p "; echo "KEPT $p $(cmd_of "$p")";; esac;;
      *) s=$(state_of "$p"); [ "$s" = Z ] && continue
         kill -STOP "$p" 2>/dev/null || continue
         frozen="$frozen$p "; new=1; echo "FROZEN $p $(cmd_of "$p")";;
    esac
  done
  [ $new = 0 ] && break
done
for p in $kept; do
  hit=$(tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -E -m1 "$NAMES")
  if [ -z "$hit" ]; then
    for a in $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null); do
      [ -f "$a" ] && [ $(wc -c < "$a") -lt 2000000 ] && grep -a -q -E "$NAMES" "$a" 2>/dev/null \
        && { hit="$a"; break; }
    done
  fi
  [ -n "$hit" ] && echo "SUSPECT $p $hit"
done
echo DONE
"""
KEPT_INIT = 'kept=" "\n'


@dataclass
class Freeze:
    """What the freeze did: processes stopped, services kept, kept ones naming verifier paths."""

    frozen: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    suspects: list[str] = field(default_factory=list)
    kept_pids: set[str] = field(default_factory=set)


async def freeze() -> Freeze:
    """Stop every process but PID 1 and services (listening sockets) and their descendants."""
    script = f"NAMES={shlex.quote(VERIFIER_NAMES)}\n" + KEPT_INIT + FREEZE_SCRIPT
    result = await sandbox().exec(["sh", "-c", script], user="root", timeout=120)
    if "DONE" not in result.stdout:
        raise RuntimeError(f"freezing the agent's processes failed: {result.stderr[-300:]}")
    report = Freeze()
    for line in result.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        pid, _, what = rest.partition(" ")
        if kind == "FROZEN":
            report.frozen.append(f"{pid} {what.strip()}")
        elif kind == "KEPT":
            report.kept.append(f"{pid} {what.strip()}")
            report.kept_pids.add(pid)
        elif kind == "SUSPECT":
            report.suspects.append(
                f"a service left running names the verifier's paths: pid {pid} ({what.strip()})"
            )
    return report


# --- file-system changes since the image -------------------------------------------------

PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_SITE = re.compile(r"/(site|dist)-packages/")
_ALWAYS_TAMPER = re.compile(r"^/etc/ld\.so\.preload$|/(sitecustomize|usercustomize)\.py$")
_ROOT_PYTEST_CONFIG = re.compile(r"^/(conftest\.py|pytest\.ini)$")
# Project files at `/` configure pytest only with a pytest section (`uv init` in / is honest).
_ROOT_PROJECT_FILE = re.compile(r"^/(pyproject\.toml|setup\.cfg|tox\.ini)$")
PYTEST_SECTION = r"^\[(pytest|tool:pytest|tool\.pytest\.ini_options)\]"
# .pth code runs in every start of that interpreter; a virtualenv's own hook is honest.
_SYSTEM_PTH = re.compile(r"^/usr/(local/)?lib/python3[^/]*/(site|dist)-packages/[^/]+\.pth$")
_PYTEST_PACKAGE = re.compile(r"/(site|dist)-packages/(_pytest|pytest|pluggy)/")


@dataclass
class Changes:
    """File-system changes that bear on verification: tampering, and suspicious-but-maybe-honest."""

    tamper: list[str] = field(default_factory=list)
    suspects: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    root_projects: list[str] = field(default_factory=list)


def classify(diff: list[str]) -> Changes:
    """Sort `docker diff` lines (`A /path`, `C /path`, `D /path`) by what they could subvert."""
    changes = Changes()
    for line in diff:
        kind, _, path = line.strip().partition(" ")
        if kind not in ("A", "C", "D") or not path.startswith("/"):
            continue
        parent = path.rsplit("/", 1)[0]
        if path == "/usr/sbin/docker-init":  # Docker's own init (`init: true`)
            continue
        if path.startswith(("/tests", "/logs", "/proc", "/sys", "/dev", "/tmp/.longcat")):
            if path in ("/tests", "/logs", "/logs/verifier") and kind != "D":
                changes.suspects.append(f"planted before verification (replaced): {kind} {path}")
            continue
        if kind != "D" and _ALWAYS_TAMPER.search(path):
            changes.tamper.append(f"{'added' if kind == 'A' else 'changed'} {path}")
        elif kind != "D" and _ROOT_PYTEST_CONFIG.match(path):
            changes.tamper.append(f"pytest configuration planted at the root: {path}")
        elif kind != "D" and _ROOT_PROJECT_FILE.match(path):
            changes.root_projects.append(path)
        elif parent in PATH_DIRS and kind != "D":
            changes.scanned.append(path)
            if kind == "C":
                changes.suspects.append(f"tool on PATH replaced: {path}")
        elif _PYTEST_PACKAGE.search(path) and kind != "D":
            # Not searched: pytest's own files print the summary (an upgrade is honest).
            changes.suspects.append(f"test runner package changed: {path}")
        elif _SITE.search(path) and path.endswith(".pth") and kind != "D":
            changes.scanned.append(path)
            changes.suspects.append(f"interpreter start-up file: {path}")
    return changes


async def environment_changes() -> Changes:
    """The container's changes since its image, read by the engine on the host."""
    try:
        connection = await sandbox().connection()
    except (NotImplementedError, ConnectionError) as e:
        return Changes(suspects=[f"file-system changes not checked: {e}"])
    if connection.type != "docker" or not connection.container:
        return Changes(suspects=["file-system changes not checked: not a docker sandbox"])
    try:
        diff = await asyncio.to_thread(docker, "diff", connection.container, timeout=120)
    except DockerError as e:
        return Changes(suspects=[f"file-system changes not checked: {e}"])
    if diff.returncode != 0:
        reason = last_line(diff)[-200:]
        return Changes(suspects=[f"file-system changes not checked: docker diff: {reason}"])
    out = diff.stdout
    changes = classify(out.splitlines())
    # Added or replaced tools on PATH and .pth files that name the verifier's paths or fake a
    # pytest summary are tampering, whatever package they came from.
    for chunk in range(0, len(changes.scanned), 500):
        paths = " ".join(shlex.quote(p) for p in changes.scanned[chunk : chunk + 500])
        result = await sandbox().exec(
            ["sh", "-c", f"grep -l -a -E {shlex.quote(VERIFIER_NAMES)} {paths} 2>/dev/null"],
            user="root",
            timeout=120,
        )
        for path in result.stdout.splitlines():
            changes.tamper.append(f"names the verifier's paths or fakes test results: {path}")
    added = {line[2:].strip() for line in out.splitlines() if line.startswith("A ")}
    on_path = [p for p in changes.scanned if p in added and p.rsplit("/", 1)[0] in PATH_DIRS]
    changes.suspects.extend(await _shadowing(on_path[:500]))
    on_path_changed = [p for p in changes.scanned if p.rsplit("/", 1)[0] in PATH_DIRS]
    if changes.root_projects:
        files = " ".join(shlex.quote(p) for p in changes.root_projects)
        found = await sandbox().exec(
            ["sh", "-c", f"grep -l -E {shlex.quote(PYTEST_SECTION)} {files} 2>/dev/null"],
            user="root",
            timeout=60,
        )
        for path in found.stdout.splitlines():
            changes.tamper.append(f"pytest configuration planted at the root: {path}")
    system_pth = [p for p in changes.scanned if _SYSTEM_PTH.match(p)]
    for hook in await _unowned_pth_hooks(system_pth[:500]):
        changes.tamper.append(f"interpreter start-up code no package installed: {hook}")
    for runner in await _unowned_runners(on_path_changed):
        changes.tamper.append(f"interpreter or test runner on PATH replaced or shadowed: {runner}")
    return changes


SHADOW_SCRIPT = r"""
for f in "$@"; do
  d=${f%/*}; n=${f##*/}; later=0
  for p in $PATH_DIRS; do
    [ "$p" = "$d" ] && { later=1; continue; }
    [ $later = 1 ] && [ -e "$p/$n" ] && echo "$f shadows $p/$n"
  done
done
"""


# What the tests run through: replaced or shadowed by a file no package manager installed, it
# decides the verdict (a `python3` that always exits 0).
RUNNERS = re.compile(r"^(python[\d.]*|pytest|py\.test|bash|sh|dash|uv|uvx|node|env|timeout)$")
OWNER_SCRIPT = r"""
owner_of() {
  n=${1##*/}
  if command -v dpkg >/dev/null 2>&1 && pkg=$(dpkg -S "$1" 2>/dev/null | head -n1 | cut -d: -f1) \
     && [ -n "$pkg" ]; then
    if dpkg -V "$pkg" 2>/dev/null | grep -q " $1\$"; then echo dpkg-modified; else echo dpkg; fi
    return
  fi
  for r in /usr/lib/python3*/*-packages/*.dist-info/RECORD \
           /usr/local/lib/python3*/*-packages/*.dist-info/RECORD; do
    [ -f "$r" ] && grep -q -F "bin/$n," "$r" && { echo pip; return; }
  done
  echo none
}
for f in "$@"; do
  owner=$(owner_of "$f")
  # A link to another interpreter (python -> python3.11) is as good as what it points to;
  # a link to anything else (python3 -> true) is not.
  if [ "$owner" = none ] && [ -L "$f" ]; then
    t=$(readlink -f "$f")
    case "${t##*/}" in python*|pytest*|py.test|bash|sh|dash|uv|uvx|node*|env|timeout)
      [ "$t" != "$f" ] && owner=$(owner_of "$t");; esac
  fi
  echo "$owner $f"
done
"""


PTH_SCRIPT = r"""
for f in "$@"; do
  case "$f" in *.pth) ;; *) continue;; esac
  grep -q '^[[:space:]]*import[[:space:]]' "$f" 2>/dev/null || continue
  d=${f%/*}; n=${f##*/}; owned=no
  for r in "$d"/*.dist-info/RECORD; do
    [ -f "$r" ] && grep -q -F "$n," "$r" && { owned=yes; break; }
  done
  [ $owned = no ] && echo "$f"
done
"""


async def _unowned_pth_hooks(paths: list[str]) -> list[str]:
    """Of PATHS, `.pth` files with code (an `import` line) that no installed package lists."""
    pth = [p for p in paths if p.endswith(".pth")]
    if not pth:
        return []
    result = await sandbox().exec(["sh", "-c", PTH_SCRIPT, "pth", *pth], user="root", timeout=60)
    return [line for line in result.stdout.splitlines() if line]


async def _unowned_runners(paths: list[str]) -> list[str]:
    """Of PATHS (interpreters/runners added or replaced on PATH), those no package owns."""
    runners = [p for p in paths if RUNNERS.match(p.rsplit("/", 1)[-1])]
    if not runners:
        return []
    result = await sandbox().exec(
        ["sh", "-c", OWNER_SCRIPT, "owner", *runners], user="root", timeout=120
    )
    found = []
    for line in result.stdout.splitlines():
        owner, _, path = line.partition(" ")
        why = {"none": "no package installed it", "dpkg-modified": "differs from its package"}
        if owner in why:
            found.append(f"{path} ({why[owner]})")
    return found


async def _shadowing(added: list[str]) -> list[str]:
    """Tools added on PATH that shadow one of the same name later on PATH."""
    if not added:
        return []
    script = f"PATH_DIRS={shlex.quote(' '.join(PATH_DIRS))}\n" + SHADOW_SCRIPT
    result = await sandbox().exec(["sh", "-c", script, "shadow", *added], user="root", timeout=60)
    return [f"tool on PATH shadowed: {line}" for line in result.stdout.splitlines() if line]


# --- the verifier run ----------------------------------------------------------------------


@dataclass
class Run:
    """One run of the test script, as read back through the exec's own stdout."""

    exit_code: int | None
    output: str
    reward_txt: str | None
    reward_json: str | None
    timed_out: bool
    tamper: list[str] = field(default_factory=list)
    suspects: list[str] = field(default_factory=list)
    traced_by: list[str] = field(default_factory=list)


def _hashes(files: dict[str, Path]) -> dict[str, str]:
    """sha256 of every file the archive will hold, keyed as `sha256sum` in /tests prints it."""
    found = {}
    for name, path in files.items():
        path = Path(path)
        if path.is_file():
            items = [(name, path)]
        else:  # symlinks travel as links (tarfile's default) and `find -type f` skips them
            items = [
                (str(Path(name) / p.relative_to(path)), p)
                for p in sorted(path.rglob("*"))
                if p.is_file() and not p.is_symlink()
            ]
        for rel, item in items:
            found["./" + str(Path(rel))] = hashlib.sha256(item.read_bytes()).hexdigest()
    return found


def _parse_hashes(text: str) -> dict[str, str]:
    hashes = {}
    for line in text.splitlines():
        digest, _, name = line.partition(" ")
        if digest:
            hashes[name.strip().lstrip("*")] = digest
    return hashes


def run_script(nonce: str, archive: str, script: str, limit: int) -> str:
    """The shell run as root in the container (see the module doc, step 3)."""
    m = f"@@{nonce}"
    return f"""
m={m}
for tool in base64 tar sha256sum; do
  command -v $tool >/dev/null 2>&1 || {{ echo "$m MISSING $tool"; exit 3; }}
done
for d in /logs /logs/verifier /tests; do
  if [ -L "$d" ] || {{ [ -e "$d" ] && [ ! -d "$d" ]; }}; then
    echo "$m PLANTED $d $(readlink "$d")"; rm -f "$d"
  fi
done
rm -rf /tests /logs/verifier || echo "$m SETUP rm failed"
mkdir -p /logs/verifier /logs/agent /tests && chmod 777 /logs/verifier || echo "$m SETUP mkdir"
tar -xf {archive} -C /tests --no-same-owner && rm -f {archive} || echo "$m SETUP tar failed"
find /tests -name '*.sh' -exec chmod +x {{}} +
hashes() {{
  (cd /tests && find . -type f -exec sha256sum {{}} + 2>/dev/null) | base64 | tr -d '\\n'
}}
echo "$m PRE $(hashes)"
( while :; do
    for s in /proc/[0-9]*/status; do
      t=$(sed -n 's/^TracerPid:[[:space:]]*//p' "$s" 2>/dev/null)
      [ -n "$t" ] && [ "$t" != 0 ] || continue
      q=$t; who=outside  # a tracer that descends from this shell is the tests' own (strace)
      while [ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != 1 ]; do
        [ "$q" = $$ ] && {{ who=tests; break; }}
        q=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$q/status" 2>/dev/null)
      done
      s=${{s#/proc/}}; echo "$m TRACED ${{s%/status}} $t $who"
    done
    sleep 1
  done ) &
watcher=$!
if command -v timeout >/dev/null 2>&1; then run="timeout -k 5 {limit}"; else run=""; fi
start=$(date +%s)
out=$( {{ $run bash /tests/{shlex.quote(script)} < /dev/null 2>&1; echo "$m EXIT $?"; }} \\
      | tee /logs/verifier/test-stdout.txt | tail -c {OUTPUT_LIMIT_BYTES} | base64 | tr -d '\\n')
listed=""
for f in reward.txt reward.json; do
  [ -f "/logs/verifier/$f" ] || continue
  echo "$m FILE $f $(head -c {OUTPUT_LIMIT_BYTES} "/logs/verifier/$f" | base64 | tr -d '\\n')"
  listed="$listed $f"
done
echo "$m FILES$listed"
end=$(date +%s)
kill $watcher 2>/dev/null
echo "$m OUT $out"
echo "$m TIME $((end - start))"
echo "$m POST $(hashes)"
echo "$m END"
"""


async def run(
    files: dict[str, Path], script: str, workdir: str, env: dict[str, str], limit: int
) -> Run:
    """Copy FILES into a fresh /tests and run /tests/SCRIPT there under LIMIT seconds."""
    nonce = secrets.token_hex(16)
    archive = f"/tmp/.longcat-tests-{secrets.token_hex(16)}.tar"
    await sandbox().write_file(archive, tar_bytes(files))
    expected = _hashes(files)
    result = await sandbox().exec(
        ["sh", "-c", run_script(nonce, archive, script, limit)],
        cwd=workdir,
        env=env,
        user="root",
        timeout=limit + 120,
    )
    return parse_run(result.stdout, nonce, expected, limit)


def _b64(text: str) -> str:
    return base64.b64decode(text.strip() or b"").decode(errors="replace")


def parse_run(stdout: str, nonce: str, expected: dict[str, str], limit: int) -> Run:
    """Read the framed report of `run_script`; a marker seen twice is a forged report."""
    marker = f"@@{nonce} "
    seen: dict[str, list[str]] = {}
    traced: set[str] = set()
    files: dict[str, str] = {}
    planted = []
    for line in stdout.splitlines():
        if not line.startswith(marker):
            continue
        kind, _, rest = line[len(marker) :].partition(" ")
        if kind == "TRACED":
            traced.add(rest.strip())
        elif kind == "FILE":
            name, _, data = rest.partition(" ")
            seen.setdefault(f"FILE {name}", []).append(data)
            files[name] = _b64(data)
        elif kind == "PLANTED":
            planted.append(rest.strip())
        else:
            seen.setdefault(kind, []).append(rest)
    if "MISSING" in seen:
        raise RuntimeError(
            f"the task image lacks `{seen['MISSING'][0].strip()}`, which verification needs "
            "(coreutils or busybox provide it); add it to the image"
        )
    listed = (seen.get("FILES") or [""])[-1].split()
    unlisted = sorted(set(files) - set(listed))
    for name in unlisted:  # a FILE line this shell did not print
        seen.setdefault(f"FILE {name}", []).append("unlisted")
        files.pop(name)
    run = Run(None, "", files.get("reward.txt"), files.get("reward.json"), False)
    run.suspects += [f"planted before verification (replaced): {p}" for p in planted]
    forged = sorted(kind for kind, values in seen.items() if len(values) > 1)
    if forged:
        run.tamper.append(f"the verifier's report was written to by another process: {forged}")
    if "END" not in seen or "OUT" not in seen or "FILES" not in seen:
        run.tamper.append("the verifier's report is incomplete (the verifier was killed?)")
        return run
    text = _b64(seen["OUT"][-1])
    exit_marker = f"@@{nonce} EXIT "
    head, _, tail = text.rpartition(exit_marker)
    if _:
        run.output = head
        code = tail.strip().split()[0] if tail.strip() else ""
        run.exit_code = int(code) if code.lstrip("-").isdigit() else None
    else:
        run.output = text
    elapsed = int((seen.get("TIME") or ["0"])[-1].strip() or 0)
    run.timed_out = run.exit_code in (124, 137, 143, None) and elapsed >= limit
    if run.exit_code in (137, 143) and not run.timed_out:
        run.suspects.append(f"the test script was killed by a signal (exit code {run.exit_code})")
    pre = _parse_hashes(_b64(seen.get("PRE", [""])[-1]))
    post = _parse_hashes(_b64(seen.get("POST", [""])[-1]))
    bad_pre = sorted(k for k, v in expected.items() if pre.get(k) != v)
    if bad_pre:
        run.tamper.append(f"the tests differed from the task's before they ran: {bad_pre[:5]}")
    bad_post = sorted(k for k, v in expected.items() if post.get(k) != v)
    if bad_post and not bad_pre:
        run.suspects.append(f"test files changed while the tests ran: {bad_post[:5]}")
    run.traced_by = sorted(traced)
    return run

#!/usr/bin/env python3
"""One command to set up and run Frontdesk, using only Python 3.11+ and pip.

    python3 dev.py demo     # venv + install + migrate + demo data + serve on :8000
    python3 dev.py test     # venv + install + lint + the whole test suite
    python3 dev.py mutants  # mutation testing of the rule modules (mutmut), score >= 95%
                            #   --changed: only the rule modules changed since the recorded run
                            #   --ratchet: below 95%, do not fall under the recorded score

The virtual environment lives in .venv; it is reused while pyproject.toml is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("Frontdesk needs Python 3.11 or newer")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".frontdesk-installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f".{extras}")
    stamp.write_text(digest)


def demo(args: list[str]) -> None:
    ensure_env("[test]")
    run(BIN / "frontdesk", "demo", *args)
    run(BIN / "frontdesk", "serve", *args)


def test(args: list[str]) -> None:
    ensure_env("[test]")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(PY, "-m", "pytest", *args)


# --- mutation testing (issue 11) ----------------------------------------------------------------
# The rule modules and their unit tests are [tool.mutmut] in pyproject.toml; mutmut runs in a
# scratch copy (.mutation/) so the work tree is never touched.  A module's score is killed /
# (mutants - equivalent); tests/mutation/equivalent.txt lists the equivalent mutants (one name
# per line, "# why" after it) and tests/mutation/baseline.json records, per module, the hash
# and score of the last full run, so `--changed` (CI) mutates only modules changed since.
MUTATION_SCORE = 0.95
MUTATION_DIR = ROOT / "tests" / "mutation"
# mutmut's exit codes (mutmut/stats.py) that count as a kill: a failing test, pytest's internal
# error, a timeout (the mutant made the rules loop) or a crash.
KILLED_CODES = {1, 3, 24, -24, 152, 255, 36, -11, -9, 37}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mutation_config() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]


def _equivalent() -> dict[str, str]:
    found: dict[str, str] = {}
    path = MUTATION_DIR / "equivalent.txt"
    for line in path.read_text("utf-8").splitlines() if path.exists() else ():
        name, _, why = line.partition("#")
        if name.strip():
            found[name.strip()] = why.strip()
    return found


def _module_of(mutant: str) -> str:
    # core.complaint_rules.x_transition__mutmut_3 -> core/complaint_rules.py
    head = mutant.split(".x", 1)[0] if ".x" in mutant else mutant.rsplit(".", 2)[0]
    return head.replace(".", "/") + ".py"


def _prose_only(mutated_source: Path) -> set[str]:
    """Mutants that only rewrite a sentence (a string literal with a space: an error message
    or a reason's text), not logic, codes or rule ids.  The issue's mutation model (comparison
    and boolean swaps, constants, flags, table edits) leaves them out; they are counted apart.
    """
    import ast
    import io
    import textwrap
    import tokenize

    text = mutated_source.read_text("utf-8")
    lines = text.splitlines()
    functions = {
        # The body only (the def line names the mutant); dedented for the tokenizer.
        node.name: textwrap.dedent("\n".join(lines[node.body[0].lineno - 1 : node.end_lineno]))
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name
    }

    def tokens(source: str, name: str) -> list[tuple[int, str]]:
        out = []
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                out.append((tok.type, tok.string))
        return out

    found: set[str] = set()
    for name, source in functions.items():
        if "__mutmut_" not in name or name.endswith("__mutmut_orig") or source is None:
            continue
        original = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        if original is None:
            continue
        try:
            mine, theirs = tokens(source, name), tokens(original, name)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            continue
        if len(mine) != len(theirs):
            continue
        changed = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
        if changed and all(a[0] == b[0] == tokenize.STRING and " " in b[1] for a, b in changed):
            found.add(name)
    return found


def run_mutants(args: list[str]) -> int:
    """Mutation-test the rule modules; returns the exit status (0: every score >= 95%)."""
    config = _mutation_config()
    modules = [a for a in args if not a.startswith("--")] or list(config["only_mutate"])
    unknown = sorted(set(modules) - set(config["only_mutate"]))
    if unknown:
        sys.exit(f"not a rule module of [tool.mutmut] only_mutate: {', '.join(unknown)}")
    baseline_path = MUTATION_DIR / "baseline.json"
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    if "--changed" in args:
        modules = [m for m in modules if baseline.get(m, {}).get("sha256") != _sha(ROOT / m)]
        if not modules:
            print("mutation testing: no rule module changed since the recorded run", flush=True)
            return 0
    started = time.monotonic()
    work = ROOT / ".mutation"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "example_line", "mutation")
    for name in config["source_paths"] + ["tests"]:
        shutil.copytree(ROOT / name, work / name, ignore=skip)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    head, _, _ = text.partition("[tool.mutmut]")
    table = dict(config, only_mutate=modules)
    lines = [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    (work / "pyproject.toml").write_text(head + "[tool.mutmut]\n" + "\n".join(lines) + "\n")
    children = str(max(1, min(4, os.cpu_count() or 1)))
    mutmut = [str(BIN / "mutmut"), "run", "--max-children", children]
    print("+ (in .mutation/)", " ".join(mutmut), "#", " ".join(modules), flush=True)
    subprocess.run(mutmut, cwd=work, check=False, stdout=subprocess.DEVNULL)
    equivalent = _equivalent()
    status = 0
    for module in modules:
        meta = work / "mutants" / (module + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        prefix = module[: -len(".py")].replace("/", ".") + "."
        prose = {prefix + n for n in _prose_only(work / "mutants" / module)} & set(codes)
        counted = {k: v for k, v in codes.items() if k not in equivalent and k not in prose}
        killed = sum(1 for v in counted.values() if v in KILLED_CODES)
        survivors = sorted(k for k, v in counted.items() if v not in KILLED_CODES)
        score = killed / len(counted) if counted else 0.0
        excluded = len(codes) - len(counted) - len(prose)
        prose_killed = sum(1 for k in prose if codes[k] in KILLED_CODES)
        print(
            f"{module}: {killed}/{len(counted)} mutants killed = {score:.1%} "
            f"({excluded} equivalent excluded; sentence-only mutants, counted apart: "
            f"{prose_killed}/{len(prose)} killed)",
            flush=True,
        )
        for name in survivors:
            print(f"  survived: {name}  (mutmut show {name}, in .mutation/)", flush=True)
        # --ratchet (CI): while a module's recorded score is below the goal, it must not fall
        # more than a point below that record (new rules come with their tests).
        recorded = baseline.get(module, {}).get("score")
        floor = MUTATION_SCORE
        if "--ratchet" in args and recorded is not None:
            floor = min(MUTATION_SCORE, recorded - 0.01)
        if score < floor:
            print(f"  {module} scores below {floor:.1%}", flush=True)
            status = 1
            continue  # a failing run is not recorded: the module stays "changed" until fixed
        baseline[module] = {
            "sha256": _sha(ROOT / module),
            "mutants": len(codes),
            "equivalent": excluded,
            "sentence_only": len(prose),
            "killed": killed,
            "score": round(score, 4),
        }
    print(f"mutation testing took {time.monotonic() - started:.0f} s", flush=True)
    # The record of this run (commit it): `--changed` skips a module while its hash matches.
    # Only passing runs are recorded, so a module that failed is mutated again on the next run.
    MUTATION_DIR.mkdir(parents=True, exist_ok=True)
    baseline_path.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n")
    if status:
        print(
            f"a rule module scores below {MUTATION_SCORE:.0%}: kill the survivors with tests "
            "that state the rule, or list a truly equivalent mutant in "
            "tests/mutation/equivalent.txt with why",
            flush=True,
        )
    return status


def mutants(args: list[str]) -> None:
    ensure_env("[test]")
    sys.exit(run_mutants(args))


def main() -> None:
    commands = {"demo": demo, "test": test, "mutants": mutants}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs the examples of a Markdown page, so that the docs cannot rot.

Three kinds of marked blocks:
  <!-- file: NAME -->      the next fenced block is written to NAME in a
                           scratch directory before the commands run;
  <!-- from: PATH#MARK --> the next fenced block must equal, line for line,
                           the text between the two `// [MARK]` lines of PATH
                           (relative to the source root);
  ```console               lines starting with `$ ` are commands (a trailing
                           backslash continues one), run with bash in the
                           scratch directory with the tools first on PATH and
                           $FULCRUM_SRC set; the lines after a command are
                           its expected output: each must occur, in order, in
                           what the command printed (stdout and stderr); a
                           line `...` matches anything. A command must exit 0
                           unless its expected output contains `error:`.
Prints `N passed, M failed` over the examples; exits 1 if any failed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!-- (file|from): (\S+) -->\s*$")


def blocks(lines):
    """Yields (marker, language, body lines, line number)."""
    marker = None
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if m:
            marker = (m.group(1), m.group(2))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if f:
            start = i
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            yield marker, f.group(1), body, start + 1
            marker = None
        elif lines[i].strip():
            marker = None
        i += 1


def run_console(body, env, cwd):
    """Returns a failure message or None."""
    commands = []
    for line in body:
        if line.startswith("$ "):
            commands.append([line[2:], []])
        elif commands and commands[-1][0].endswith("\\") and not commands[-1][1]:
            commands[-1][0] = commands[-1][0][:-1] + " " + line.strip()
        elif commands:
            commands[-1][1].append(line)
    for command, expected in commands:
        result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env,
                                capture_output=True, text=True)
        output = (result.stdout + result.stderr).splitlines()
        wants_error = any("error:" in e for e in expected)
        if result.returncode != 0 and not wants_error:
            return f"`{command}` exited {result.returncode}:\n" + "\n".join(output)
        at = 0
        for want in expected:
            want = want.strip()
            if not want or want == "...":
                continue
            while at < len(output) and want not in output[at]:
                at += 1
            if at == len(output):
                return (f"`{command}`: expected `{want}` (in order) in:\n" +
                        "\n".join(output))
            at += 1
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--bin", required=True, help="directory of the tools")
    parser.add_argument("--src", required=True, help="source root")
    args = parser.parse_args()
    lines = open(args.page, encoding="utf-8").read().splitlines()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ)
        env["PATH"] = os.path.abspath(args.bin) + os.pathsep + env["PATH"]
        env["FULCRUM_SRC"] = os.path.abspath(args.src)
        for marker, language, body, line in blocks(lines):
            where = f"{args.page}:{line}"
            problem = None
            if marker and marker[0] == "file":
                with open(os.path.join(scratch, marker[1]), "w") as f:
                    f.write("\n".join(body) + "\n")
                continue
            if marker and marker[0] == "from":
                path, _, mark = marker[1].partition("#")
                source = open(os.path.join(args.src, path)).read().splitlines()
                tag = f"// [{mark}]"
                ends = [i for i, l in enumerate(source) if l.strip() == tag]
                if len(ends) != 2:
                    problem = f"{path} has no pair of `{tag}` lines"
                elif source[ends[0] + 1:ends[1]] != body:
                    problem = f"the block differs from {path} ({tag})"
            elif language == "console":
                problem = run_console(body, env, scratch)
            else:
                continue
            if problem:
                print(f"{where}: FAILED: {problem}")
                failed += 1
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that every lowering pattern has a FileCheck test.

Lists the pattern classes registered by `patterns.add<...>` in the C++ files
of a lowering directory (template instantiations such as
`ReduceLowering<ReduceSumOp, Kind::Sum>` count separately) and fails when one
is not named by a `// Pattern: ClassName` comment in some `.mlir` test under
the test directory, unless an allowlist entry explains why. It also fails on
allowlist entries that are stale (no such pattern, or the pattern is tested
now) and on `// Pattern:` comments that name no registered pattern, so the
three lists stay in step.

Allowlist format: one `ClassName: reason` per line; `#` starts a comment.
Names are compared without whitespace.

Usage:
  check-pattern-coverage.py --lib lib/Conversion/ONNXToLinalg \
      --tests test/Conversion/ONNXToLinalg \
      --allowlist test/Conversion/ONNXToLinalg/untested-patterns.txt
"""

import argparse
import os
import re
import sys

ADD_RE = re.compile(r"\.add<")
PATTERN_COMMENT_RE = re.compile(r"//\s*Pattern:\s*(.+?)\s*$")


def canonical(name):
    return re.sub(r"\s+", "", name)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def template_arguments(text, start):
    """The top-level, comma-separated arguments of the `<...>` at `start`."""
    depth, current, args = 0, [], []
    for i in range(start, len(text)):
        c = text[i]
        if c == "<":
            depth += 1
            if depth == 1:
                continue
        elif c == ">":
            depth -= 1
            if depth == 0:
                args.append("".join(current))
                return args
        elif c == "," and depth == 1:
            args.append("".join(current))
            current = []
            continue
        current.append(c)
    raise ValueError("unbalanced '<' in patterns.add")


def files_under(directory, suffix):
    """(file name, text) of every file below `directory` ending in `suffix`."""
    for root, _, files in sorted(os.walk(directory)):
        for name in sorted(files):
            if name.endswith(suffix):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    yield name, f.read()


def registered_patterns(lib_dir):
    """{canonical name: 'file:line'} for every class in a patterns.add<>."""
    found = {}
    for name, text in files_under(lib_dir, ".cpp"):
        text = strip_comments(text)
        for m in ADD_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            for arg in template_arguments(text, m.end() - 1):
                found.setdefault(canonical(arg), f"{name}:{line}")
    return found


def tested_patterns(test_dir):
    """{canonical name: [file:line, ...]} of `// Pattern:` comments."""
    found = {}
    for name, text in files_under(test_dir, ".mlir"):
        for number, line in enumerate(text.splitlines(), 1):
            m = PATTERN_COMMENT_RE.search(line)
            if m:
                found.setdefault(canonical(m.group(1)), []).append(
                    f"{name}:{number}")
    return found


def allowlist(path):
    """{canonical name: reason}."""
    entries = {}
    if not path:
        return entries
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, reason = line.partition(": ")
            if not sep or not reason.strip():
                sys.exit(f"{path}:{number}: error: expected 'ClassName: reason'")
            entries[canonical(name)] = reason.strip()
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib", required=True,
                        help="directory of the lowering's .cpp files")
    parser.add_argument("--tests", required=True,
                        help="directory of its .mlir tests")
    parser.add_argument("--allowlist",
                        help="patterns that may stay untested, with reasons")
    args = parser.parse_args()

    registered = registered_patterns(args.lib)
    tested = tested_patterns(args.tests)
    allowed = allowlist(args.allowlist)
    if not registered:
        sys.exit(f"error: no patterns.add<...> found under {args.lib}")

    errors = []
    for name, where in sorted(registered.items()):
        if name not in tested and name not in allowed:
            errors.append(f"{name} ({where}) has no test: add a case with "
                          f"'// Pattern: {name}' above it")
        if name in tested and name in allowed:
            errors.append(f"{name} is tested ({', '.join(tested[name])}); "
                          f"remove it from the allowlist")
    for name in sorted(allowed):
        if name not in registered:
            errors.append(f"allowlist entry {name} names no registered "
                          f"pattern")
    for name, where in sorted(tested.items()):
        if name not in registered:
            errors.append(f"'// Pattern: {name}' ({', '.join(where)}) names "
                          f"no registered pattern")

    covered = sum(1 for n in registered if n in tested)
    print(f"{len(registered)} patterns: {covered} tested, "
          f"{sum(1 for n in registered if n in allowed)} allowlisted")
    for e in errors:
        print(f"error: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

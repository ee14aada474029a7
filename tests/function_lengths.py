#!/usr/bin/python3
"""Lists function bodies longer than a limit (default 80 lines) in C++ files:
a brace block opened outside any other function, class or namespace body
counts as a function. A body may be longer when the line before it has a
comment containing "long function:" that says why."""
import re
import sys


def long_functions(path, limit):
    lines = open(path, encoding="utf-8").read().split("\n")
    stack = []
    for i, line in enumerate(lines):
        code = re.sub(r'"([^"\\]|\\.)*"', '""', re.sub(r"//.*", "", line))
        for ch in code:
            if ch == "{":
                scope = re.match(r"\s*(namespace|extern)", line) or re.search(
                    r"\b(struct|class|enum|union)\b", line)
                stack.append(("scope" if scope else "block", i))
            elif ch == "}" and stack:
                kind, start = stack.pop()
                outermost = all(k == "scope" for k, _ in stack)
                excused = start > 0 and "long function:" in lines[start - 1]
                if kind == "block" and outermost and i - start + 1 > limit and not excused:
                    yield start + 1, i - start + 1


def main(paths, limit=80):
    found = 0
    for path in paths:
        for line, length in long_functions(path, limit):
            print(f"{path}:{line}: a function of {length} lines (limit {limit})")
            found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

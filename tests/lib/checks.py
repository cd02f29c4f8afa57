"""What the guest tests' Python checkers share: every check is printed as
"ok: ..." or "not ok: ...", and failed() says whether any failed."""

import re

_failures = 0


def fields(line):
    """The key=value pairs of a line of cwread's or a workload's output."""
    return dict(m.groups() for m in re.finditer(r"(\w+)=(\S*)", line))


def check(ok, what):
    """Prints the check's outcome and counts it if it failed."""
    global _failures
    print(("ok: " if ok else "not ok: ") + what)
    if not ok:
        _failures += 1
    return ok


def failed():
    return _failures > 0

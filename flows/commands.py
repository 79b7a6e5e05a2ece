"""The command a message tells the user to run, in the form they are using.

Under ``make`` (which exports ``MAKELEVEL`` to what it runs) a remedy names the target
and its variables; from the ``copydesk`` command line, the subcommand and its options.

>>> import os; os.environ.pop("MAKELEVEL", None) and None
>>> remedy("verify", lake="data/lake")
'copydesk verify --lake data/lake'
>>> os.environ["MAKELEVEL"] = "1"; remedy("verify", lake="data/lake")
'make verify LAKE=data/lake'
>>> del os.environ["MAKELEVEL"]
"""

from __future__ import annotations

import os
import shlex


def under_make() -> bool:
    return bool(os.environ.get("MAKELEVEL"))


def remedy(command: str, **options: object) -> str:
    """``make COMMAND VAR=value ...`` under make, ``copydesk COMMAND --var value ...`` otherwise."""
    if under_make():
        return " ".join([f"make {command}", *(f"{k.upper()}={shlex.quote(str(v))}" for k, v in options.items())])
    words = [f"copydesk {command}"]
    for key, value in options.items():
        words.append(f"--{key.replace('_', '-')} {shlex.quote(str(value))}")
    return " ".join(words)

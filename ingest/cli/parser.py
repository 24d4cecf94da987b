"""The command line's argparse in German: headings, the help option and usage errors.

argparse writes its own words in English ("usage:", "options", "the following arguments
are required"); the operators read German, so :class:`GermanParser` sets the headings and
translates argparse's usage errors before printing them as one ``jcw: Fehler:`` line.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

# argparse's error messages (Python 3.11) and their German form.
_ERRORS_DE = [
    (r"the following arguments are required: (.*)", r"diese Angaben fehlen: \1"),
    (r"unrecognized arguments: (.*)", r"unbekannte Angaben: \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"Angabe \1: \2 ist keine der möglichen Angaben (\3)",
    ),
    (r"argument (\S+): expected one argument", r"Angabe \1: ein Wert fehlt"),
    (r"argument (\S+): expected at least one argument", r"Angabe \1: mindestens ein Wert fehlt"),
    (r"argument (\S+): invalid \S+ value: (.*)", r"Angabe \1: ungültiger Wert \2"),
    (r"argument (\S+): not allowed with argument (\S+)", r"Angabe \1: nicht zusammen mit \2"),
    (r"argument (\S+): ignored explicit argument (.*)", r"Angabe \1: Wert \2 nicht erlaubt"),
    (r"ambiguous option: (\S+) could match (.*)", r"mehrdeutige Angabe \1: passt zu \2"),
]


def german_error(message: str) -> str:
    """argparse's ``message`` in German; unchanged if it is not one of argparse's own."""
    for pattern, german in _ERRORS_DE:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, german, message)
    return message


class GermanFormatter(argparse.RawDescriptionHelpFormatter):
    """Help text with "Aufruf:" instead of "usage:"; descriptions and examples as written."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[override]
        super().add_usage(usage, actions, groups, "Aufruf: " if prefix is None else prefix)


class GermanParser(argparse.ArgumentParser):
    """An ArgumentParser whose headings, help option and usage errors are German."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", GermanFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "Argumente"
        self._optionals.title = "Optionen"
        self.add_argument("-h", "--help", action="help", help="diese Hilfe zeigen und beenden")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"jcw: Fehler: {german_error(message)}", file=sys.stderr)
        raise SystemExit(2)

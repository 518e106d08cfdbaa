"""Command-line entry point: one sub-command per module in this package.

Each sub-command module defines ``add_arguments(parser)`` and ``run(args) -> int``;
they are imported only when chosen, so ``evaluate`` never loads the simulator.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS = {
    "evaluate": ("knowledge_tracing.cli.evaluate", "train and evaluate models side by side"),
    "simulate": ("knowledge_tracing.cli.simulate", "compare scheduling policies on simulated learners"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge_tracing")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command, (module_name, help_text) in COMMANDS.items():
        subparser = subparsers.add_parser(command, help=help_text)
        subparser.set_defaults(module_name=module_name)
    first_pass, _ = parser.parse_known_args(argv)
    module = importlib.import_module(first_pass.module_name)
    module.add_arguments(subparsers.choices[first_pass.command])
    args = parser.parse_args(argv)
    return module.run(args)

"""Command-line entry point: one sub-command per module in this package.

Each sub-command module defines ``add_arguments(parser)`` and ``run(args) -> int``;
they are imported only when chosen, so ``evaluate`` never loads the simulator.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "evaluate": ("knowledge_tracing.cli.evaluate", "train and evaluate models side by side"),
    "simulate": ("knowledge_tracing.cli.simulate", "compare scheduling policies on simulated learners"),
    "simulate-log": ("knowledge_tracing.cli.simulate_log", "write simulated learners' study log of a deck CSV"),
    "breakdown": ("knowledge_tracing.cli.breakdown", "score evaluate's saved predictions on slices of the rows"),
}


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    # The top-level parser has no options besides --help, so the first word is the command.
    chosen = next((argument for argument in arguments if not argument.startswith("-")), None)
    parser = argparse.ArgumentParser(prog="python -m knowledge_tracing")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command, (module_name, help_text) in COMMANDS.items():
        subparser = subparsers.add_parser(command, help=help_text)
        if command == chosen:
            importlib.import_module(module_name).add_arguments(subparser)
            subparser.set_defaults(module_name=module_name)
    args = parser.parse_args(arguments)
    return importlib.import_module(args.module_name).run(args)

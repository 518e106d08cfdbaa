"""``python -m knowledge_tracing <command> ...``: see ``knowledge_tracing.cli``."""

from knowledge_tracing.memory import restart_with_lean_allocator

restart_with_lean_allocator()

from knowledge_tracing.cli import main  # noqa: E402 (after the restart, so nothing is loaded twice)

raise SystemExit(main())

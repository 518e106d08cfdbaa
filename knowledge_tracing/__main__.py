"""``python -m knowledge_tracing <command> ...``: see ``knowledge_tracing.cli``."""

from knowledge_tracing.cli import main

raise SystemExit(main())

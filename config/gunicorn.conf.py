"""Gunicorn's settings for Mnemo's web processes: the configuration docs/operations.md measured under load.

One process per core (``WEB_WORKERS``, 2 by default: the answer path is CPU-bound
Python, and more processes than cores only add memory and context switches), four
threads each (``WEB_THREADS``) to overlap a request's PostgreSQL round trips and keep
idle keep-alive connections cheap, and the app preloaded in the master so that a killed
worker is replaced in well under a second instead of re-importing Django and PyTorch.
The bind address is given on the command line (docker-compose.yml, bench/_load_processes.py).
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
preload_app = True
keepalive = 30
timeout = 30
graceful_timeout = 5

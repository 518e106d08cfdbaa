# One image for the web process, the Celery workers and beat (docker-compose.yml).
FROM python:3.11-slim

# GLIBC_TUNABLES: large blocks on their own huge-page mappings, so CAKT training peaks
# at 1.2 GB instead of 2.2 GB (docs/cakt-speed.md).
ENV PYTHONDONTWRITEBYTECODE=1 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# pg_dump and pg_restore of the server's major version (docker-compose.yml's postgres:16) for
# manage.py backup/restore; Debian's own client is older, so PostgreSQL's apt repository.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The runtime's lock file (make lock): every package at its pinned version, each file checked
# against its hash; torch's CPU build from PyTorch's index.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes --no-deps --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock
COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

# The volumes mounted under var/ take these folders' owner when Docker first creates them.
RUN useradd --create-home mnemo && mkdir -p /app/var/media /app/var/backups && chown -R mnemo /app/var
USER mnemo
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

"""Data-migration tests: move the test database to a migration and back to the latest ones afterwards."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrate_to():
    """migrate(targets) -> the historical models at ``targets``; the test database is fully migrated again afterwards."""

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

"""The service's tables and how they change: Alembic migrations (``migrations/``), the schema
as it stood when they began (``baseline``) and ``schema.upgrade``, which brings any database,
new or made by the old ``create_schema``, to the latest revision."""

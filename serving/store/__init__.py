"""The store room: the service's own state in SQL and the one way rows are written to it.

- ``tables``: the ORM tables (API keys, scores, the audit log and its chain head, visits, web
  sessions) on one ``Base``, and the ``UTCDateTime`` type they share;
- ``engine``: ``make_engine`` for SQLite (the default) or PostgreSQL (several replicas);
- ``schema``: ``create_schema``, Alembic's ``upgrade head`` under a schema lock, adopting
  databases made before migrations; ``migrations/`` holds the revisions, ``baseline`` the
  frozen schema of revision 0001;
- ``records``: ``record``, ``insert_rows`` and ``write`` (group commit), all one ``insert``;
- ``audit_chain``: the audit log's hash chain, which every audit row joins;
- ``prepared``: statements compiled once per engine and run on the DBAPI cursor.

Nothing here imports the other rooms; ``serving.access`` and the domain build on it.
"""

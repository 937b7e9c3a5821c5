"""Who may do what: keys, browser sessions, the one role-and-region policy, and the audit of
every attempt. Today only ``policy`` lives here; the rooms ``serving/`` is moving to:

- ``access/``  keys (issue, look up, revoke), sessions (the staff pages' cookie), ``policy``
  (pure rules: role, key region, target region, action), ``audit.attempt(...)`` (a context that
  records granted and refused use alike, with the refusal's outcome and subject region)
- ``store/``   tables, repositories (one write path), Alembic migrations
- ``api/``     a router and its schemas per resource (scores, firms, regions, model, monitoring)
- ``web/``     pages that render what the domain services return; never import ``api/``

Directions: ``api`` and ``web`` use ``access``, the domain services and ``store``; ``access``
uses ``store``; ``store`` uses none of them. An import contract test keeps it so.
"""

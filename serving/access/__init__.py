"""Who may do what, and the record of every attempt.

- ``people``: staff accounts (create, disable, reset, sign in with lock-out);
- ``passwords``: argon2 hashing, at most a few checks at once;
- ``keys``: API keys (issue, look up once per request, revoke) and the request's key;
- ``sessions``: the staff pages' cookie, standing for a key;
- ``limits``: request budgets and lock-outs;
- ``policy``: every role-and-region rule, once, as pure functions of caller and target;
- ``audit``: ``attempt(...)`` (one audit row per use, granted or refused), exports and the
  chain check.

``access`` builds on ``store`` (and ``schemas`` for the audit outcome); the domain, the API and
the pages ask it. tests/test_architecture.py keeps the rooms' directions.
"""

"""Scoring service: registry model -> HTTP scores with grades, reasons and an audit trail.

Rooms, lowest first: ``store`` (tables, writes, migrations), ``schemas`` (request and response
bodies), ``access`` (keys, sessions, the access policy, the audit), ``domain`` (what the
service knows and decides), then ``api`` (routers) and ``web`` (pages), which never import each
other; ``app`` mounts both. tests/test_architecture.py holds the import contract.
"""

"""Scoring service: registry model -> HTTP scores with grades, reasons and an audit trail."""

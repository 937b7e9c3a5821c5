"""Shared vocabulary: settings, data contract, grade ladder, model bundle.

Imports nothing else from the repository.
"""

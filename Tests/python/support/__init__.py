"""Shared helpers for the Python test suites (servers.py, resp.py)."""

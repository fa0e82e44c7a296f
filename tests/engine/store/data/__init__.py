"""Fixtures of the store tests, and the scripts that made them."""

"""Mailroom's engine: models, store, executor, node types, scheduler and service layer.

It never imports streamlit.
"""

"""Shared helpers of the Streamlit pages: service access, formatting, safe rendering."""

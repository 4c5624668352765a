"""Confinement mechanisms for the child that runs student code (placeholder docstring)."""

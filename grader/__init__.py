"""Autograder for the backpropagation lesson (Week 2, Day 7)."""

__version__ = "0.1.0"

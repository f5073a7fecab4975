"""Visualizers for d2lmini blocks (filled in by the widgets issue)."""

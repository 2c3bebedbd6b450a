"""The Python API for notebooks and scripts: lessons (a scenario's run) and figures.

May import every package below the command line (tui for figures); never cli or web.
"""

"""Courses: chapters of built-in scenarios, narration pinned to steps, checkpoints, progress.

May import engine, scenario, timeline, session and base; never present, tui, io, api, cli or web.
"""

"""Courses: chapters of scenarios with narration pinned to steps, checkpoints, progress.

May import engine, scenario, timeline, session and base; never present, tui, io, codegen, api,
cli or web.
"""

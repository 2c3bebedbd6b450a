"""The debugger's stepping model, with no drawing: the session, predict mode's questions.

May import engine, scenario, timeline and base; never present, tui, io, api, cli or web.
"""

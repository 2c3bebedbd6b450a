"""The Textual user interface: widgets that draw a Scene, and the app that drives a Session.

May import engine, scenario, timeline, session, courses, present, io and base; never api, cli or
web.
"""

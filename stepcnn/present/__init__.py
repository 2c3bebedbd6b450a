"""What the screen shows, as data: scenes of panels, number formats, views, the status text.

May import engine, scenario, timeline, session and base; never tui, io, api, cli or web.
"""

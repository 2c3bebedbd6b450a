"""Files in and out: export and trace (contracts), matrix reports, templates, own samples.

May import engine, scenario, timeline, present and base; never session, tui, api, cli or web.
"""

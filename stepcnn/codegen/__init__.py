"""Generated code: standalone training scripts (``stepcnn code``) and graded exercises
(``stepcnn exercise`` / ``stepcnn verify``).

May import engine, scenario, timeline, io and base; never session, present, tui, api, cli or web.
"""

"""``stepcnn serve``: the debugger in web browsers, one app process per tab.

May import every package but cli.
"""

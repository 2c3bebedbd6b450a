"""``stepcnn serve [SCENARIO]``: the debugger in web browsers, every tab its own session."""

import argparse

from stepcnn.cli.options import (
    Parser,
    add_iterations,
    add_scenario,
    add_theme,
    host_name,
    load,
    memory_size,
    port_number,
    serve_token,
    session_count,
)


def parser() -> Parser:
    p = Parser(
        prog="stepcnn serve",
        description="Serve the debugger to web browsers: every tab is its own session. The "
        "address it prints carries a token (?token=…): only a browser that opened it gets "
        "sessions, and only under one of the server's own names (see docs/security.md).",
    )
    add_scenario(p, optional=True)
    add_iterations(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    token = p.add_mutually_exclusive_group()
    token.add_argument(
        "--token",
        type=serve_token,
        metavar="TOKEN",
        help="the token the address carries (default: a new random one each start)",
    )
    token.add_argument(
        "--no-token",
        action="store_true",
        help="no token: only with a --host of this machine (127.0.0.1, ::1, localhost)",
    )
    p.add_argument(
        "--allow-host",
        type=host_name,
        action="append",
        default=[],
        metavar="NAME",
        help="one more name the server answers to (the Host a browser sends), e.g. the "
        "machine's name in the classroom's network; repeatable",
    )
    p.add_argument(
        "--max-sessions",
        type=session_count,
        metavar="N",
        help="sessions at a time; a tab over it gets a page saying so (default: what the "
        "machine's free memory holds, at most 20)",
    )
    p.add_argument(
        "--session-memory",
        type=memory_size,
        default=2**30,
        metavar="SIZE",
        help="address space each session's process may use, e.g. 768M (default 1G)",
    )
    add_theme(p)
    p.add_argument(
        "--course",
        action="store_true",
        help="every tab takes the course (stepcnn learn), from chapter 1; progress is not kept",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.base.usage import UsageError
    from stepcnn.web.access import Access, is_loopback, new_token
    from stepcnn.web.serve import default_sessions, serve

    if args.no_token and not is_loopback(args.host):
        raise UsageError(
            "stepcnn serve: argument --no-token: only with a --host of this machine (127.0.0.1, "
            f"::1, localhost), not {args.host}: off this machine a token is required"
        )
    load(args.scenario, args.iterations, "stepcnn serve")  # reported before the server starts
    token = None if args.no_token else (args.token or new_token())
    access = Access.for_server(args.host, args.port, token, tuple(args.allow_host))
    try:
        return serve(
            args.scenario,
            host=args.host,
            port=args.port,
            iterations=args.iterations,
            theme=args.theme,
            course=args.course,
            access=access,
            max_sessions=args.max_sessions or default_sessions(),
            session_memory=args.session_memory,
        )
    except OSError as exc:  # the port is taken, the address is not this machine's, ...
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"stepcnn serve: cannot listen on {args.host}:{args.port}: {reason}"
        ) from None

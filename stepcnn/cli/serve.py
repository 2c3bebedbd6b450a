"""``stepcnn serve [SCENARIO]``: the debugger in web browsers, every tab its own session."""

import argparse

from stepcnn.cli.options import Parser, add_iterations, add_scenario, add_theme, load, port_number


def parser() -> Parser:
    p = Parser(
        prog="stepcnn serve",
        description="Serve the debugger to web browsers: every tab is its own session. "
        "Anyone who can reach the port can use it; the default host is this machine only.",
    )
    add_scenario(p, optional=True)
    add_iterations(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    add_theme(p)
    p.add_argument(
        "--course",
        action="store_true",
        help="every tab takes the course (stepcnn learn), from chapter 1; progress is not kept",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.base.usage import UsageError
    from stepcnn.web.serve import serve

    load(args.scenario, args.iterations, "stepcnn serve")  # reported before the server starts
    try:
        return serve(
            args.scenario,
            host=args.host,
            port=args.port,
            iterations=args.iterations,
            theme=args.theme,
            course=args.course,
        )
    except OSError as exc:  # the port is taken, the address is not this machine's, ...
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"stepcnn serve: cannot listen on {args.host}:{args.port}: {reason}"
        ) from None

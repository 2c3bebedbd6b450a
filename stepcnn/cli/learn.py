"""``stepcnn learn [COURSE]``: the course, in the debugger — or its chapters, with --list."""

import argparse
from pathlib import Path

from stepcnn.cli.options import Parser, add_theme, positive_int


def parser() -> Parser:
    p = Parser(
        prog="stepcnn learn",
        description="Take the course: chapters of built-in scenarios with narration pinned to "
        "their steps and checkpoints where you predict the value a step computes. Resumes "
        "where you stopped (progress in $XDG_STATE_HOME/stepcnn/progress.json).",
    )
    p.add_argument(
        "course",
        metavar="COURSE",
        nargs="?",
        help="a course .toml file, or the name of a built-in course (default: the built-in one)",
    )
    p.add_argument("--list", action="store_true", help="list the chapters, done or not, and exit")
    p.add_argument("--reset", action="store_true", help="forget the progress and start again")
    p.add_argument(
        "--chapter", type=positive_int, metavar="N", help="open chapter N (counted from 1)"
    )
    p.add_argument(
        "--exercise",
        type=Path,
        default=Path("my_cnn.py"),
        metavar="FILE",
        help="the file the write-it-yourself chapter writes (X) and grades (V); "
        "default: my_cnn.py (never overwritten)",
    )
    add_theme(p)
    return p


def run(args: argparse.Namespace) -> int:
    import sys

    from stepcnn.base.usage import UsageError
    from stepcnn.codegen.workshop import FileWorkshop
    from stepcnn.courses.loader import load_course
    from stepcnn.courses.progress import CourseProgress, ProgressStore
    from stepcnn.courses.walk import Walk
    from stepcnn.present.views import inline_names
    from stepcnn.session.session import Session
    from stepcnn.tui.app import run_app
    from stepcnn.tui.course_mode import CourseMode

    course = load_course(args.course, inline_names())  # a bad file: one line per problem
    if args.chapter is not None and args.chapter > len(course.chapters):
        raise UsageError(
            f"stepcnn learn: argument --chapter: {course.title} has "
            f"{len(course.chapters)} chapters, got {args.chapter}"
        )
    store = ProgressStore()
    mode = CourseMode(course, store, FileWorkshop(args.exercise))
    if args.reset:
        store.reset(course.name)
        mode.walk = Walk(course, CourseProgress())
    if store.warning:
        print(store.warning, file=sys.stderr)
    elif args.reset:
        print(f"stepcnn learn: progress of {course.title!r} cleared", file=sys.stderr)
    if args.list:
        for chapter in course.chapters:
            done = "done" if mode.walk.progress.is_done(chapter.number) else "not done"
            print(f"{chapter.number:>2}  {done:<8}  {chapter.title}")
        return 0
    number = args.chapter or mode.walk.chapter.number
    session = Session(course.chapters[number - 1].scenario)
    return run_app(
        session,
        course.chapters[number - 1].ref,
        theme=args.theme,
        course=mode,
        chapter=args.chapter,
    )

"""``stepcnn new NAME``: a commented template scenario, or one of the teacher's own samples."""

import argparse
from pathlib import Path

from stepcnn.cli.options import Parser, shape_of


def parser() -> Parser:
    p = Parser(
        prog="stepcnn new",
        description="Write a commented template scenario NAME.toml, or one whose samples are "
        "your pictures (--images), the rows of a CSV file (--csv) or numpy arrays (--npy).",
    )
    p.add_argument("name", metavar="NAME", help="file to write (NAME or NAME.toml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--images", nargs="+", type=Path, metavar="FILE", help="pictures (Pillow)")
    source.add_argument("--csv", type=Path, metavar="FILE", help="rows label,p0,p1,…")
    source.add_argument("--npy", type=Path, metavar="X.npy", help="samples N×C×H×W or N×H×W")
    p.add_argument("--labels", nargs="+", type=int, metavar="L", help="one class per picture")
    p.add_argument("--size", type=shape_of("HxW"), metavar="HxW", help="resize the pictures")
    p.add_argument("--shape", type=shape_of("CxHxW"), metavar="CxHxW", help="of a CSV row")
    p.add_argument("--labels-npy", type=Path, metavar="Y.npy", help="N integer labels")
    return p


def run(args: argparse.Namespace) -> int:
    from stepcnn.base.usage import UsageError
    from stepcnn.io.template import write_template

    if args.images is None and args.csv is None and args.npy is None:
        for option in ("labels", "size", "shape", "labels_npy"):
            if getattr(args, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise UsageError(f"stepcnn new: {flag} goes with --images, --csv or --npy")
        return write_template(args.name, force=args.force)
    return new_from_samples(args)


def new_from_samples(args: argparse.Namespace) -> int:
    """``stepcnn new NAME --images … | --csv … | --npy …`` (one line, exit 2 on bad input)."""
    from stepcnn.base.usage import UsageError
    from stepcnn.io.data_scenario import write_data_scenario
    from stepcnn.io.pictures import InputError, from_csv, from_images, from_npy

    def only(option: str, goes_with: str, given: bool) -> None:
        if not given:
            raise UsageError(f"stepcnn new: {option} goes with {goes_with}")

    only("--labels", "--images", args.labels is None or args.images is not None)
    only("--size", "--images", args.size is None or args.images is not None)
    only("--shape", "--csv", args.shape is None or args.csv is not None)
    only("--labels-npy", "--npy", args.labels_npy is None or args.npy is not None)
    try:
        if args.images is not None:
            if args.labels is None:
                raise UsageError("stepcnn new: --images needs --labels (one class per picture)")
            samples = from_images(args.images, args.labels, args.size)
        elif args.csv is not None:
            if args.shape is None:
                raise UsageError("stepcnn new: --csv needs --shape CxHxW (of one sample)")
            samples = from_csv(args.csv, args.shape)
        else:
            if args.labels_npy is None:
                raise UsageError("stepcnn new: --npy needs --labels-npy Y.npy")
            samples = from_npy(args.npy, args.labels_npy)
        return write_data_scenario(args.name, samples, force=args.force)
    except InputError as exc:
        raise UsageError(str(exc)) from None

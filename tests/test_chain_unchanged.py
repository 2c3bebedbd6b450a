"""A chain behaves exactly as before networks became graphs (issue 20).

The hashes are of ``stepcnn export`` and ``stepcnn trace --format jsonl`` (two iterations) as
main printed them before the graph work (commit c4fbf8a), generated then, not by this code. A
change of either contract on purpose changes them here too, in the same commit, saying why.
"""

import hashlib
import io

import pytest

from stepcnn.io.export import write_export
from stepcnn.io.trace import write_trace
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.training import TrainingRun

BEFORE = {
    ("tour", "export"): "6aa620a31eaa7a17e52ff1207a44be1175a984c1260fe40a364285f7a48a8879",
    ("tour", "trace"): "042ddfec157ddf1d7f726e2621e6f3cb370c1b4a9ce56625acdf016c6bf6fb59",
    ("two-conv", "export"): "74389942fa8afbe76c4e1645e0592a4c948cd03fe714d2d5fee50ad3f30ad166",
    ("two-conv", "trace"): "317c463fc6b92e63bc00bc7f8798b6b859e668d43de26d4e596d40e750b9dd36",
    ("lenet5", "export"): "9878c1a31800f130088660c130b2e43441e9e381c08105bed121406fdbabe22b",
    ("lenet5", "trace"): "5e7317a907ddac1aaa3de87b3d083e53cfa77fcdbf1715efa79c54807619dd4d",
}


@pytest.mark.parametrize(("name", "what"), list(BEFORE))
def test_a_chain_prints_the_bytes_it_printed_before(name: str, what: str) -> None:
    scenario = load_scenario(name)
    out = io.StringIO()
    if what == "export":
        write_export(TrainingRun(scenario, 2), out)
    else:
        write_trace(TrainingRun(scenario, 2), out, phase=None, fmt="jsonl")
    assert hashlib.sha256(out.getvalue().encode()).hexdigest() == BEFORE[(name, what)]

"""Static integrity flags: code that reaches for the grader is pointed out, nothing else."""
import json
import os
import textwrap
from pathlib import Path

import pytest

from grader import integrity, submission
from grader.submission import Cell
from tests.submissions import mutants

ROOT = Path(__file__).resolve().parent.parent
CORRECT = Path(__file__).with_name("submissions") / "correct"


def codes(code: str) -> list[str]:
    return [f["code"] for f in integrity.scan([Cell("backprop.py", textwrap.dedent(code))], SHIPPED)]


def _shipped():
    from grader import sandbox
    from grader.backprop import Backprop

    return list(sandbox.shipped(Backprop.probe_files))


SHIPPED = _shipped()


@pytest.mark.parametrize("code, flag", [
    ("import os\nos.write(3, b'{}')", "raw_fd_write"),
    ("import os as o\no.dup2(1, 2)", "raw_fd_write"),
    ("from os import fdopen\nfdopen(4, 'w')", "raw_fd_write"),
    ("f = open(5, 'wb')", "raw_fd_write"),
    ("import os\nw = getattr(os, 'write')", "raw_fd_write"),
    ("import sys\nfd = int(sys.argv[-1])", "argv_access"),
    ("from sys import argv", "argv_access"),
    ("cwd = open('/proc/self/status').read()", "proc_access"),
    ("import grader.backprop.objectives", "imports_grader"),
    ("from probes import PROBES", "imports_grader"),
    ("import importlib\nimportlib.import_module('wire')", "imports_grader"),
    ("import sys\nsys.modules['probes'].run = None", "module_table"),
    ("import gc\ngc.get_objects()", "frame_inspection"),
    ("import inspect", "frame_inspection"),
    ("import sys\nframe = sys._getframe(1)", "frame_inspection"),
    ("def f(tb):\n    return tb.tb_frame.f_back.f_globals", "frame_inspection"),
    ("import ctypes", "ctypes"),
    ("import signal\nsignal.signal(signal.SIGALRM, lambda *a: None)", "signal_handler"),
    ("import os\nif os.fork() == 0:\n    pass", "fork"),
    ("import os\nos.forkpty()", "fork"),
    ("import subprocess\nsubprocess.run(['ls'])", "subprocess"),
    ("import os\nos.system('ls')", "subprocess"),
    ("import os\nos.execv('/bin/sh', ['sh'])", "subprocess"),
    ("import os\nos.kill(os.getppid(), 9)", "process_kill"),
    ("import os\nos.kill(os.getppid(), 9)", "parent_process"),
    ("import os\nfor root, dirs, files in os.walk('..'):\n    pass", "reads_outside"),
    ("import glob\nglob.glob('/' + '*/' * 3 + 'backprop.py')", "reads_outside"),
    ("from pathlib import Path\nlist(Path('/home').rglob('*.py'))", "reads_outside"),
    ("exec(open('other.py').read())", "dynamic_code"),
], ids=lambda v: v if isinstance(v, str) and "\n" not in v and len(v) < 20 else None)
def test_each_reach_for_the_grader_is_flagged(code, flag):
    assert flag in codes(code)


@pytest.mark.parametrize("code", [
    "import numpy as np\nimport matplotlib.pyplot as plt\nnp.random.seed(0)\nprint('loss', 0.5)\nplt.show()",
    "import os\nos.makedirs('figures', exist_ok=True)\nopen(os.path.join('figures', 'x.txt'), 'w')",
    "import glob\nfiles = glob.glob('*.png')",
    "from pathlib import Path\nPath('/tmp/plot.png')",
    "import re\npattern = re.compile('a+')",
    "s = 'a /proc-ess of elimination'",
])
def test_ordinary_code_raises_no_flag(code):
    assert codes(code) == []


def test_a_flag_says_where_it_is_and_what_it_means():
    cells = [Cell("cell 1", "import numpy as np"), Cell("cell 2", "x = 1\nimport sys\nn = len(sys.argv)")]
    (flag,) = integrity.scan(cells)
    assert flag["where"] == {"cell": "cell 2", "line": 3}
    assert "sys.argv" in flag["message"] and "command line" in flag["message"]


def test_a_cell_that_does_not_parse_is_skipped_not_an_error():
    cells = [Cell("cell 1", "def broken(:\n    import ctypes"), Cell("cell 2", "import ctypes")]
    assert [f["where"]["cell"] for f in integrity.scan(cells)] == ["cell 2"]
    assert integrity.scan([Cell("backprop.py", "x = 1\0")]) == ()


def test_a_loop_of_the_same_trick_is_capped():
    code = "import os\n" + "".join(f"os.write(3, b'{i}')\n" for i in range(50))
    assert codes(code).count("raw_fd_write") == integrity.MAX_PER_CODE


@pytest.mark.parametrize("folder", [ROOT / "reference", ROOT / "student_template" / "backprop.py",
                                    *sorted(p for p in CORRECT.iterdir() if p.is_dir())],
                         ids=lambda p: p.name)
def test_correct_submissions_raise_no_flag(folder):
    assert integrity.scan(submission.load(folder).cells) == ()


@pytest.mark.parametrize("name", list(mutants.CORRECT))
def test_correct_variants_raise_no_flag(name):
    assert integrity.scan([Cell("backprop.py", mutants.source(mutants.CORRECT, name))]) == ()


def test_every_file_shipped_into_the_child_is_one_of_the_modules_the_flags_look_for(tmp_path):
    """The runner folder a real session writes, not a list kept beside it: a file added there is flagged."""
    from grader.backprop import Backprop
    from grader.confine import plan
    from grader.sandbox import Limits, session, streams

    child = session.Session([], "backprop", Backprop.probe_files, [], Limits(), streams.Output(1024), 1.0,
                            plan.current())
    child._prepare(str(tmp_path))
    names = sorted(os.listdir(tmp_path / "runner"))
    assert {"child.py", "probes.py", "evaluations.py", "wire.py"} <= set(names)
    for name in names:
        assert "imports_grader" in codes(f"import {name.removesuffix('.py')}"), name


def test_attributes_fetched_by_a_name_the_file_does_not_give_are_flagged_only_on_the_risky_modules():
    assert codes("import numpy as np\nf = getattr(np, input())") == []
    assert codes("class A:\n    x = 1\ngetattr(A(), 'x' + str(1))") == []
    assert codes("import os\np = getattr(os, 'pa' + 'th')") == []


def test_the_forgeries_of_the_hostile_corpus_are_flagged():
    def flagged(name):
        return {f["code"] for f in integrity.scan([Cell("backprop.py", mutants.source(mutants.HOSTILE, name))],
                                                  SHIPPED)}

    assert {"imports_grader", "raw_fd_write", "argv_access"} <= flagged("forge_channel_with_grader_math")
    assert {"imports_grader", "module_table"} <= flagged("patch_the_probes")
    assert {"proc_access", "reads_outside", "dynamic_code"} <= flagged("exec_the_reference")


def test_a_flag_changes_no_score(tmp_path):
    from tests.conftest import grade

    folder = tmp_path / "curious"
    folder.mkdir()
    text = (ROOT / "reference" / "backprop.py").read_text()
    (folder / "backprop.py").write_text(text + "\nimport inspect\n")
    result = grade(folder)
    assert result.score == 100
    assert [f["code"] for f in result.flags] == ["frame_inspection"]
    assert result.flags[0]["where"] == {"cell": "backprop.py", "line": len(text.splitlines()) + 2}


def _flagged_result():
    from grader.results import CheckResult, Feedback, Status, SubmissionResult

    check = CheckResult("sigmoid.values", "sigmoid", 4, 4, Status.PASSED, Feedback("fine"))
    flag = {"code": "argv_access", "message": "reads sys.argv, the grader's command line",
            "where": {"cell": "cell 3", "line": 2}}
    return SubmissionResult("sub/", "notebook", "0" * 64, (check,), flags=(flag,))


def test_every_report_shows_the_flags_and_says_they_do_not_count():
    from grader.report import github, gradescope, html_report, json_report, terminal

    result = _flagged_result()
    line = "argv_access (cell 3, line 2): reads sys.argv, the grader's command line"
    text = terminal.render(result)
    assert line in text and "do not change the score" in text
    assert text.index("Flags for review") < text.index("sigmoid.values")
    assert "argv\\_access (cell 3, line 2)" in github.summary(result)
    assert "do not change the score" in github.summary(result)
    assert line.replace("'", "&#x27;") in html_report.render(result)
    overview = json.loads(gradescope.render(result))["output"]
    assert line in overview and "do not change the score" in overview
    assert json.loads(json_report.render(result))["flags"][0]["code"] == "argv_access"


def test_reports_without_flags_have_no_flag_section():
    from dataclasses import replace

    from grader.report import terminal

    assert "Flags for review" not in terminal.render(replace(_flagged_result(), flags=()))


def test_expressions_nested_thousands_deep_are_not_fatal_and_hide_nothing():
    from grader import integrity
    from grader.submission import Cell

    deep_attribute = "x = a" + ".b" * 3000 + "\n"
    deep_sum = 'import os\nos.listdir("/" + ' + " + ".join(['"a"'] * 2000) + ")\n"
    flags = integrity.scan([Cell("backprop.py", deep_attribute), Cell("cell 2", deep_sum)])
    assert [(f["code"], f["where"]["cell"]) for f in flags] == [("unread", "cell 2")]  # a person reads it

"""Root cause first: an error is charged where it was raised, and "Fix first" names what explains the rest,
with what fixing it regains, at the top of every report."""
import re
import subprocess

import nbformat
import pytest

from grader.report import github, html_report, root_cause, terminal
from grader.results import Status
from grader.submission import cell_label
from tests.conftest import ROOT
from tests.submissions import mutants
from tests.test_check_cell import filled_template
from tests.test_reports_html import CHROMIUM

FAST = ROOT / "tests" / "fast_limits.toml"
CALLERS = ("network.train_step", "train.losses", "xor.trains", "spiral.trains", "hyperparameters.curves")
ROOT_CAUSES = mutants._load("root_causes.toml")


def by_name(result):
    return {c.name: c for c in result.checks}


@pytest.fixture(scope="module")
def raising_backward(tmp_path_factory, graded):
    """A filled-in template notebook whose backward raises on its second line of code."""
    nb = filled_template("print('done')")
    number, cell = next((i, c) for i, c in enumerate(c for c in nb.cells if c.cell_type == "code")
                        if "def backward" in c.source)
    anchor = "        m = X.shape[0]  # number of samples\n"
    cell.source = cell.source.replace(anchor, anchor + "        raise ValueError('look here')\n")
    line = cell.source.splitlines().index("        raise ValueError('look here')") + 1
    path = tmp_path_factory.mktemp("raising") / "backprop.ipynb"
    nbformat.write(nb, path)
    return graded(path, FAST), cell_label(number + 1, cell.source), line


def test_an_error_raised_in_backward_is_backwards_with_its_cell_and_line(raising_backward):
    result, label, line = raising_backward
    backward = by_name(result)["network.backward"]
    assert backward.status is Status.ERROR
    assert backward.feedback.summary == (f"NeuralNetwork.backward raised ValueError: look here ({label}, line {line}, "
                                         "in backward)")
    fix = terminal.render(result).splitlines()[2:4]
    assert fix == ["Fix first:", f"  {backward.feedback.summary}"]


def test_what_calls_a_raising_backward_is_blocked_by_it(raising_backward):
    result, label, _ = raising_backward
    checks = by_name(result)
    assert {n: (checks[n].status, checks[n].blocked_by) for n in CALLERS} == {
        n: (Status.BLOCKED, "NeuralNetwork.backward") for n in CALLERS}
    assert label in checks["network.train_step"].feedback.summary


def test_a_transposed_dw2_that_makes_update_weights_raise_is_backwards_fault(graded, bug):
    result = graded(bug("dW2_transposed"))
    checks = by_name(result)
    assert {n: checks[n].blocked_by for n in CALLERS} == {n: "NeuralNetwork.backward" for n in CALLERS}
    assert checks["network.update_weights"].status is Status.PASSED
    fix = terminal.render(result).splitlines()
    assert fix[3].startswith("  NeuralNetwork.backward: dW2 has the wrong shape"), fix[:8]
    assert "train_step raised" not in "\n".join(fix[:8])


def test_an_interface_bug_its_callers_match_says_to_change_them_together(graded, bug):
    text = terminal.render(graded(bug("derivative_of_activation_used_consistently")))
    assert "fixing it regains 4 points, in sigmoid_derivative.values" in text
    assert ("NeuralNetwork.backward, manual_backprop call it as written and pass: change sigmoid_derivative and "
            "the calls to it together") in text


def test_fix_first_does_not_repeat_the_methods_name(graded, bug):
    result = graded(bug("missing_1_over_m"))
    title = root_cause.causes(result)[0].title
    assert title.startswith("NeuralNetwork.backward: ") and "backward: backward" not in title


@pytest.mark.parametrize("name", sorted(mutants.BUGS))
def test_what_fix_first_says_fixing_regains_is_what_fixing_that_bug_regains(graded, bug, name):
    """Each case is the reference with one bug: fixing it gives the reference's score."""
    result, fixed = graded(bug(name)), graded(ROOT / "reference")
    assert root_cause.causes(result)[0].lost == pytest.approx(fixed.score - result.score), terminal.render(result)


@pytest.mark.parametrize("name", sorted(n for n in ROOT_CAUSES if n != "endless_exploration"))
def test_a_problems_stated_cost_is_what_fixing_it_regains(graded, tmp_path_factory, name):
    result = graded(mutants.write(ROOT_CAUSES, name, tmp_path_factory.mktemp(name)), FAST)
    fixed = graded(ROOT / "reference", FAST)
    assert root_cause.causes(result)[0].lost == pytest.approx(fixed.score - result.score), terminal.render(result)


def test_fix_first_opens_the_github_summary_above_the_table(graded, bug):
    text = github.summary(graded(bug("dW2_transposed")))
    assert text.index("**Fix first:** NeuralNetwork.backward") < text.index("| | Check |")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_fix_first_is_in_report_htmls_first_screen_above_the_table(graded, bug, tmp_path):
    page = tmp_path / "report.html"
    script = ("<script>window.addEventListener('load', () => { const top = s => "
              "Math.round(document.querySelector(s).getBoundingClientRect().top); const out = "
              "document.createElement('pre'); out.id = 'tops'; out.textContent = [top('#fix-first'), top('table'), "
              "innerHeight].join(','); document.body.appendChild(out); });</script>")
    page.write_text(html_report.render(graded(bug("dW2_transposed"))).replace("</body>", script + "</body>"))
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,800", "--virtual-time-budget=5000",
               "--dump-dom", page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    tops = re.search(r'<pre id="tops">(\d+),(\d+),(\d+)</pre>', dom)
    assert tops, f"nothing measured in the dumped DOM: {dom[:500]!r}"
    fix, table, screen = map(int, tops.groups())
    assert fix < table and fix < screen <= 800, (fix, table, screen)  # the window, less its frame
    assert "Fix first" in dom[:dom.index("<table")]


def test_sigma_prime_at_a1_alone_names_a1_alone(graded, bug):
    title = root_cause.causes(graded(bug("hidden_derivative_at_activation")))[0].title
    assert "sigmoid_derivative(a1) where sigmoid_derivative(z1) belongs" in title and "a1, a2" not in title

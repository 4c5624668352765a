"""spiral.data accepts both readings of the hint and judges geometry and noise apart."""
import pytest

from grader.results import Status
from tests.conftest import ROOT
from tests.submissions import mutants

FAST = ROOT / "tests" / "fast_limits.toml"
CASES = {  # edits of the reference's make_spiral_data
    "unshifted_radius": [("    r1 = theta / (2 * np.pi)\n", "    r1 = r0  # the hint read literally\n")],
    "radius_over_pi": [("    r0 = theta / (2 * np.pi)\n", "    r0 = theta / np.pi\n"),
                       ("    r1 = theta / (2 * np.pi)\n", "    r1 = theta / np.pi\n")],
    "noise_hard_coded": [(f"* noise{end}", f"* 0.2{end}") for end in (",\n", "])\n")] * 2,
}


@pytest.fixture(scope="module")
def spiral(tmp_path_factory, graded):
    out = tmp_path_factory.mktemp("spirals")

    def grade(name):
        text = mutants.source({"reference": {}}, "reference")
        for old, new in CASES[name]:  # an edit listed twice (once per class) replaces one occurrence each
            assert old in text, old
            text = text.replace(old, new, 1)
        (out / name).mkdir()
        (out / name / "backprop.py").write_text(text)
        return next(c for c in graded(out / name, FAST).checks if c.name == "spiral.data")
    return grade


def test_class_1_with_class_0s_radius_is_the_other_reading_and_passes(spiral):
    check = spiral("unshifted_radius")
    assert check.status is Status.PASSED, check.feedback.text()


def test_a_geometry_mistake_costs_geometry_and_never_reads_as_noise(spiral):
    check = spiral("radius_over_pi")
    assert check.score == pytest.approx(0.6 * check.max_score)
    text = check.feedback.text()
    assert "not the lesson's spiral" in text
    assert "scatter" not in text and "standard deviation" not in text, text


def test_noise_that_ignores_the_argument_costs_noise_and_not_geometry(spiral):
    check = spiral("noise_hard_coded")
    assert check.score == pytest.approx(0.8 * check.max_score)
    text = check.feedback.text()
    assert "with noise=0 the points still scatter" in text and "not the lesson's spiral" not in text, text

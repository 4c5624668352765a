"""A grade is a promise: the same submission gets the same score, to the point."""
from grader import engine
from grader.backprop import Backprop


def test_twenty_runs_give_identical_scores_per_check(bug):
    assignment = Backprop()
    path = bug("hidden_derivative_missing")
    runs = {tuple((c.name, c.score) for c in engine.grade(path, assignment).checks) for _ in range(20)}
    assert len(runs) == 1
    scores = dict(next(iter(runs)))
    assert 0 < sum(scores.values()) < 100

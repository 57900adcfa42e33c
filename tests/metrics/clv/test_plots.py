"""CLV plots: holdout comparison and the P(alive) map (the `plot` extra, matplotlib)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError, MissingDependencyError
from crmkit.metrics.clv import (
    BgBbFit,
    BgNbdFit,
    HoldoutEvaluation,
    ParetoNbdFit,
    plot_holdout,
    plot_probability_alive,
)

PAPER = BgNbdFit.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
EVALUATION = HoldoutEvaluation(
    frequency=np.array([0, 1, 2, 3]),
    n_customers=np.array([10, 5, 3, 2]),
    actual=np.array([0.2, 0.8, 1.5, 3.0]),
    predicted=np.array([0.25, 0.7, 1.6, 2.5]),
    predicted_by_customer=np.zeros(20),
    total_actual=15.0,
    total_predicted=14.0,
    mae=0.5,
    duration=26.285714285714285,
)
"""A hand-made evaluation: four groups, the last one '3+'."""


@pytest.fixture
def pyplot() -> Iterator[Any]:
    """matplotlib's pyplot on the Agg backend; every figure is closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


class TestPlotHoldout:
    def test_labels_and_lines(self, pyplot: Any) -> None:
        """Two lines (actual, predicted) over the groups '0', '1', '2', '3+', labelled axes."""
        ax = plot_holdout(EVALUATION)
        actual, predicted = ax.get_lines()

        assert "Purchases in the calibration window" == ax.get_xlabel()
        assert "Mean purchases in the next 26.2857 periods" == ax.get_ylabel()
        assert ["actual", "predicted"] == [text.get_text() for text in ax.get_legend().get_texts()]
        assert [0.2, 0.8, 1.5, 3.0] == list(actual.get_ydata())
        assert [0.25, 0.7, 1.6, 2.5] == list(predicted.get_ydata())
        assert ["0", "1", "2", "3+"] == [tick.get_text() for tick in ax.get_xticklabels()]

    def test_draws_on_given_axes(self, pyplot: Any) -> None:
        """With ax given, that Axes is drawn on and returned."""
        _, given = pyplot.subplots()

        assert given is plot_holdout(EVALUATION, ax=given)
        assert 2 == len(given.get_lines())

    def test_wrong_types(self, pyplot: Any) -> None:
        """Only a HoldoutEvaluation is plotted; ax must be an Axes."""
        refused(plot_holdout, {"evaluation": PAPER}, InvalidTypeError, "'evaluation'")
        refused(plot_holdout, {"evaluation": EVALUATION, "ax": "left"}, InvalidTypeError, "'ax'")


class TestPlotProbabilityAlive:
    def test_labels_and_image(self, pyplot: Any) -> None:
        """Frequencies 0..20 by 101 recencies in [0, T], values in [0, 1], with a colour bar."""
        ax = plot_probability_alive(PAPER, T=39)
        (image,) = ax.get_images()
        alive = np.asarray(image.get_array())

        assert "Repeat purchases (frequency)" == ax.get_ylabel()
        assert "Recency (periods; T = 39)" == ax.get_xlabel()
        assert (21, 101) == alive.shape
        assert ((alive >= 0) & (alive <= 1)).all()
        assert (0.0, 39.0, -0.5, 20.5) == tuple(image.get_extent())
        assert 2 == len(ax.figure.axes)

    def test_values_by_hand(self, pyplot: Any) -> None:
        """BG/NBD: P(alive) = 1 without repeat purchases (row 0); at recency = T it is
        1 / (1 + a / (b + x - 1)), for x = 3: (2.426 + 2) / (0.793 + 2.426 + 2) = 4.426 / 5.219."""
        ax = plot_probability_alive(PAPER, T=39, max_frequency=5)
        alive = np.asarray(ax.get_images()[0].get_array())

        assert (6, 101) == alive.shape
        assert (1.0 == alive[0]).all()
        assert pytest.approx(4.426 / 5.219) == alive[3, -1]
        assert alive[3, 0] < alive[3, 50] < alive[3, -1]

    def test_pareto_on_given_axes(self, pyplot: Any) -> None:
        """A Pareto/NBD fit works too, drawn on the Axes given."""
        fit = ParetoNbdFit.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        _, given = pyplot.subplots()

        assert given is plot_probability_alive(fit, T=20.5, max_frequency=3, ax=given)
        assert "Recency (periods; T = 20.5)" == given.get_xlabel()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"fit": BgBbFit.from_params(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)},
                InvalidTypeError,
                "'fit'",
            ),
            ({"T": 0}, InvalidInputError, "'T'"),
            ({"T": -1.0}, InvalidInputError, "'T'"),
            ({"max_frequency": 0}, InvalidInputError, "'max_frequency'"),
            ({"ax": 3}, InvalidTypeError, "'ax'"),
        ],
    )
    def test_bad_input_refused(
        self, pyplot: Any, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Discrete-time fits, non-positive T, a top frequency below 1 and a non-Axes are
        refused naming the argument."""
        refused(plot_probability_alive, {"fit": PAPER, "T": 39, **kwargs}, error, match)


class TestMissingMatplotlib:
    @pytest.mark.parametrize(
        "draw",
        [
            lambda: plot_holdout(EVALUATION),
            lambda: plot_probability_alive(PAPER, T=39),
        ],
    )
    def test_missing_dependency_error(self, monkeypatch: pytest.MonkeyPatch, draw: Any) -> None:
        """Without matplotlib a new figure cannot be made: MissingDependencyError naming the
        package and the extra to install."""
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)

        with pytest.raises(MissingDependencyError, match=r"pip install 'crmkit\[plot\]'") as info:
            draw()
        assert "matplotlib" == info.value.package
        assert isinstance(info.value, ImportError)

"""A categorical naive Bayes lead scorer, in the manner of Odoo's predictive lead scoring."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import as_tuple
from crmkit._frames import Backend
from crmkit.funnel._features import (
    UNSEEN_CHOICES,
    Unseen,
    category_keys,
    feature_columns,
    is_missing,
    refuse_unseen,
)
from crmkit.lifecycle import StateMachine

__all__ = ["NaiveBayesScorer", "fit_naive_bayes_scorer"]

FloatArray = NDArray[np.float64]

PROBABILITY_FLOOR = 1e-4
"""Predictions are clamped to [0.0001, 0.9999]: a frequency table never makes a deal certain."""


@frozen(kw_only=True, repr=False)
class NaiveBayesScorer:
    """Won and lost counts per feature value, and the win probability they imply.

    Build it with [`fit_naive_bayes_scorer`][crmkit.funnel.fit_naive_bayes_scorer];
    it is plain data (counts), so it round-trips through `crmkit.io` JSON and
    can be updated by refitting on more closed leads.

    Attributes:
        features: The features scored, in order.
        levels: Per feature, the values kept (seen at least `min_count` times).
        won_counts: Per feature and value, closed leads that were won.
        lost_counts: Per feature and value, closed leads that were lost.
        n_won: Won leads in training.
        n_lost: Lost leads in training.
        smoothing: Added to every count, so an unobserved combination is unlikely, not impossible.
        min_count: Values seen fewer times in training were dropped (scored as unseen).
        stages: The pipeline's open stages, in order, when fitted with stages (else empty).
        stage_won: Per stage, won leads that reached it (all won leads).
        stage_lost: Per stage, lost leads that reached it (lost there or later).

    Examples:
        >>> from crmkit.funnel import fit_naive_bayes_scorer
        >>> scorer = fit_naive_bayes_scorer({"source": ["web", "web", "fair", "fair"]},
        ...                                 [1, 0, 0, 0], min_count=1)
        >>> scorer
        NaiveBayesScorer(features=('source',), n_won=1, n_lost=3, stages=())
    """

    features: tuple[str, ...] = field(converter=as_tuple)
    levels: tuple[tuple[str, ...], ...] = field()
    won_counts: tuple[tuple[int, ...], ...] = field()
    lost_counts: tuple[tuple[int, ...], ...] = field()
    n_won: int = field()
    n_lost: int = field()
    smoothing: float = field()
    min_count: int = field(default=1)
    stages: tuple[str, ...] = field(default=())
    stage_won: tuple[int, ...] = field(default=())
    stage_lost: tuple[int, ...] = field(default=())

    def __attrs_post_init__(self) -> None:
        # Checked here too: a scorer read back from JSON must be as sound as a fitted one.
        v.check_int("n_won", self.n_won, low=1)
        v.check_int("n_lost", self.n_lost, low=1)
        v.check_float("smoothing", self.smoothing, low=0.0, low_open=True)
        v.check_int("min_count", self.min_count, low=1)
        size = len(self.features)
        if not (len(self.levels) == len(self.won_counts) == len(self.lost_counts) == size):
            v.fail("levels", f"one entry per feature ({size})", self.levels)
        for name, levels, won, lost in zip(
            self.features, self.levels, self.won_counts, self.lost_counts, strict=True
        ):
            if not (len(levels) == len(won) == len(lost)) or len(set(levels)) != len(levels):
                v.fail(f"levels[{name!r}]", "distinct values with one count each", levels)
        if not (len(self.stages) == len(self.stage_won) == len(self.stage_lost)):
            v.fail("stage_won", f"one count per stage ({len(self.stages)})", self.stage_won)
        self._check_counts()

    def _check_counts(self) -> None:
        """Counts are whole, not negative, and never more than the leads they count."""
        tables = [
            *(
                (f"won_counts[{name!r}]", won, self.n_won)
                for name, won in zip(self.features, self.won_counts, strict=True)
            ),
            *(
                (f"lost_counts[{name!r}]", lost, self.n_lost)
                for name, lost in zip(self.features, self.lost_counts, strict=True)
            ),
            ("stage_won", self.stage_won, self.n_won),
            ("stage_lost", self.stage_lost, self.n_lost),
        ]
        for argument, counts, most in tables:
            for count in counts:
                v.check_int(argument, count, low=0, high=most)
        for argument, counts, most in tables[: 2 * len(self.features)]:
            if sum(counts) > most:
                v.fail(argument, f"counts summing to at most {most}", counts)

    def __repr__(self) -> str:
        return (
            f"NaiveBayesScorer(features={self.features}, n_won={self.n_won}, "
            f"n_lost={self.n_lost}, stages={self.stages})"
        )

    def predict_proba(
        self, features: Any, *, stage: ArrayLike | None = None, unseen: Unseen = "ignore"
    ) -> FloatArray:
        """Win probability of each lead, clamped to [0.0001, 0.9999].

        A missing value (None, NaN, "") says nothing and is skipped, as is,
        with `unseen="ignore"`, a value the scorer never saw (or saw fewer
        than `min_count` times); `unseen="error"` refuses such values instead.

        Args:
            features: The scorer's features, one value per lead (mapping or frame).
            stage: Each lead's current open stage; required when the scorer
                was fitted with stages, refused otherwise.
            unseen: "ignore" or "error".

        Raises:
            InvalidInputError: If a feature is missing, lengths differ, a
                stage is not an open stage of the fitted pipeline, or (with
                `unseen="error"`) a value was not seen in training.

        Examples:
            >>> from crmkit.funnel import fit_naive_bayes_scorer
            >>> scorer = fit_naive_bayes_scorer({"source": ["web", "web", "fair", "fair"]},
            ...                                 [1, 0, 0, 0], smoothing=0.1, min_count=1)
            >>> # odds 1:3 times (1.1 / 1.2) / (1.1 / 3.2) = 8:9
            >>> scorer.predict_proba({"source": ["web", "radio"]}).round(4).tolist()
            [0.4706, 0.25]
        """
        choice = v.check_choice("unseen", unseen, UNSEEN_CHOICES)
        columns = feature_columns(features, self.features)
        log_odds = np.full(_length(columns), math.log(self.n_won / self.n_lost))
        for index, name in enumerate(self.features):
            log_odds += self._feature_log_ratio(index, columns[name], strict=choice == "error")
        if self.stages:
            if stage is None:
                v.fail("stage", "each lead's open stage (the scorer was fitted with stages)", None)
            log_odds += self._stage_log_ratio()[self._stage_positions(stage, log_odds.size)]
        elif stage is not None:
            v.fail("stage", "None (the scorer was fitted without stages)", v.described("stages"))
        return np.clip(expit(log_odds), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """The frequency table: `feature, value, won, lost, log_likelihood_ratio`.

        The log-likelihood ratio is what a value adds to a lead's log-odds of
        winning: positive values speak for winning. Stages, when fitted, are
        listed under the feature name `stage`.

        Examples:
            >>> from crmkit.funnel import fit_naive_bayes_scorer
            >>> scorer = fit_naive_bayes_scorer({"source": ["web", "web", "fair", "fair"]},
            ...                                 [1, 0, 0, 0], min_count=1)
            >>> scorer.to_frame()[["value", "won", "lost"]].values.tolist()
            [['fair', 0, 2], ['web', 1, 1]]
        """
        names = [
            name for name, levels in zip(self.features, self.levels, strict=True) for _ in levels
        ]
        ratios = [self._log_ratios(i) for i in range(len(self.features))]
        columns = {
            "feature": np.array([*names, *("stage" for _ in self.stages)], dtype=np.str_),
            "value": np.array(
                [*(x for lv in self.levels for x in lv), *self.stages], dtype=np.str_
            ),
            "won": np.array([*(c for row in self.won_counts for c in row), *self.stage_won]),
            "lost": np.array([*(c for row in self.lost_counts for c in row), *self.stage_lost]),
            "log_likelihood_ratio": np.concatenate(
                [*ratios, self._stage_log_ratio() if self.stages else np.empty(0)]
            ),
        }
        return _frames.frame_from_columns(columns, backend=backend)

    def _log_ratios(self, index: int) -> FloatArray:
        won = np.asarray(self.won_counts[index], dtype=np.float64) + self.smoothing
        lost = np.asarray(self.lost_counts[index], dtype=np.float64) + self.smoothing
        ratio: FloatArray = np.log(won / won.sum()) - np.log(lost / lost.sum())
        return ratio

    def _feature_log_ratio(self, index: int, values: NDArray[Any], *, strict: bool) -> FloatArray:
        name = self.features[index]
        keys = category_keys(name, values)
        levels = np.asarray(self.levels[index], dtype=np.str_)
        ratios = self._log_ratios(index)
        order = np.argsort(levels)
        levels, ratios = levels[order], ratios[order]
        place = np.searchsorted(levels, keys)
        known = np.zeros(keys.size, dtype=bool)
        inside = place < levels.size
        known[inside] = levels[place[inside]] == keys[inside]
        missing = is_missing(values)
        if strict:
            refuse_unseen(name, keys, ~known & ~missing)
        # Unseen and missing values point at an appended neutral entry (no evidence).
        place[~known | missing] = levels.size
        return np.append(ratios, 0.0)[place]

    def _stage_log_ratio(self) -> FloatArray:
        alpha = self.smoothing
        won = (np.asarray(self.stage_won) + alpha) / (self.n_won + alpha)
        lost = (np.asarray(self.stage_lost) + alpha) / (self.n_lost + alpha)
        ratio: FloatArray = np.log(won) - np.log(lost)
        return ratio

    def _stage_positions(self, stage: ArrayLike, n: int) -> NDArray[np.int64]:
        names = v.one_dimensional("stage", stage)
        v.same_length(features=np.empty(n), stage=names)
        return _columns.positions("stage", names, self.stages, "open stages of the pipeline")


def fit_naive_bayes_scorer(
    features: Any,
    won: ArrayLike,
    *,
    stage: ArrayLike | None = None,
    pipeline: StateMachine | None = None,
    smoothing: float = 0.1,
    min_count: int = 5,
) -> NaiveBayesScorer:
    """Count won and lost closed leads per feature value: a categorical naive Bayes.

    The win probability of a lead is proportional to P(won) times, for each
    feature, P(its value | won), against the same for lost (Bayes' theorem
    with features taken as independent given the outcome). Following the
    documented behaviour of Odoo's predictive lead scoring: *smoothing* is
    added to every count (0.1, so a value never seen with a won lead is
    unlikely rather than impossible), unset values (None, NaN, "") are
    skipped, and predictions are clamped to [0.0001, 0.9999]. Values seen
    fewer than *min_count* times are dropped, so a rare value cannot swing a
    score on the strength of one or two leads.

    With *stage*, the stage each closed lead was in when it closed becomes a
    feature, expanded along the pipeline: a won lead passed every stage, so
    it counts as won at each; a lost lead counts as lost at the stage where
    it was lost and at every earlier one. A lead's current stage then says
    how many lost leads got as far as it has.

    Args:
        features: Categorical features of closed leads (text, whole numbers
            or flags), a mapping from name to array or a frame. Bin
            continuous features first.
        won: Outcome per lead: True / 1 won, False / 0 lost.
        stage: Per lead, the open stage it was in when it closed (for won
            leads any stage, including won, is accepted).
        pipeline: The pipeline whose open stages order *stage*; required with it.
        smoothing: Added to every count (> 0).
        min_count: Fewest leads a value needs to be scored (>= 1).

    Raises:
        InvalidInputError: If lengths differ, there are no leads, an outcome
            is not 0 / 1, all leads share one outcome, a lost lead's stage
            is not an open stage, or *stage* comes without *pipeline*.
        InvalidTypeError: If a feature is a float column (bin it) or dates.

    References:
        Odoo S.A., "Assign leads with predictive lead scoring", Odoo CRM
        documentation (behaviour described, not code reused).

    Examples:
        >>> from crmkit.funnel import fit_naive_bayes_scorer
        >>> from crmkit.lifecycle import SALES_PIPELINE
        >>> scorer = fit_naive_bayes_scorer(
        ...     {"source": ["web", "web", "fair", "fair", "web", "fair"]},
        ...     [1, 1, 0, 0, 0, 1],
        ...     stage=["won", "won", "initial_contact", "proposal", "initial_contact", "won"],
        ...     pipeline=SALES_PIPELINE, min_count=1)
        >>> scorer.stage_lost    # lost leads that reached each open stage
        (3, 1, 1, 0)
        >>> p = scorer.predict_proba({"source": ["web", "web"]},
        ...                          stage=["initial_contact", "negotiation"])
        >>> bool(p[1] > p[0])    # further along, fewer lost leads got there
        True
    """
    columns = feature_columns(features)
    outcome = v.outcome_array("won", won)
    v.same_length(features=next(iter(columns.values())), won=outcome)
    n_won = int(outcome.sum())
    if n_won in (0, outcome.size):
        v.fail("won", "both won and lost leads", v.described(f"{outcome.size} leads, all alike"))
    alpha = v.check_float("smoothing", smoothing, low=0.0, low_open=True)
    fewest = v.check_int("min_count", min_count, low=1)
    tables = [_count_values(name, values, outcome, fewest) for name, values in columns.items()]
    stages, stage_won, stage_lost = _stage_counts(stage, pipeline, outcome)
    return NaiveBayesScorer(
        features=tuple(columns.keys()),
        levels=tuple(table[0] for table in tables),
        won_counts=tuple(table[1] for table in tables),
        lost_counts=tuple(table[2] for table in tables),
        n_won=n_won,
        n_lost=int(outcome.size - n_won),
        smoothing=alpha,
        min_count=fewest,
        stages=stages,
        stage_won=stage_won,
        stage_lost=stage_lost,
    )


def _count_values(
    name: str, values: NDArray[Any], outcome: NDArray[np.int64], fewest: int
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    keys = category_keys(name, values)
    present = ~is_missing(values)
    levels, codes = np.unique(keys[present], return_inverse=True)
    won = np.bincount(codes, weights=outcome[present], minlength=levels.size).astype(np.int64)
    total = np.bincount(codes, minlength=levels.size)
    kept = total >= fewest
    return (
        tuple(levels[kept].tolist()),
        tuple(won[kept].tolist()),
        tuple((total - won)[kept].tolist()),
    )


def _stage_counts(
    stage: ArrayLike | None, pipeline: StateMachine | None, outcome: NDArray[np.int64]
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    if stage is None:
        if pipeline is not None:
            v.fail("stage", "given with 'pipeline' (the stage each lead closed in)", None)
        return (), (), ()
    if not isinstance(pipeline, StateMachine):
        v.fail_type("pipeline", "a StateMachine ordering the stages", pipeline)
    names = v.one_dimensional("stage", stage)
    v.same_length(won=outcome, stage=names)
    open_stages = tuple(s for s in pipeline.stages if s not in pipeline.terminal)
    lost = outcome == 0
    elsewhere = lost & ~np.isin(names, open_stages)
    if elsewhere.any():
        allowed = f"for a lost lead, the open stage it was lost in ({', '.join(open_stages)})"
        v.fail_rows("stage", allowed, names, elsewhere)
    reached = _columns.positions("stage", names[lost], open_stages, "open stages")
    # A lost lead reached every stage up to the one it was lost in.
    lost_at = np.bincount(reached, minlength=len(open_stages))
    stage_lost = np.cumsum(lost_at[::-1])[::-1]
    n_won = int(outcome.sum())
    return open_stages, (n_won,) * len(open_stages), tuple(stage_lost.tolist())


def _length(columns: dict[str, NDArray[Any]]) -> int:
    return int(next(iter(columns.values())).size)

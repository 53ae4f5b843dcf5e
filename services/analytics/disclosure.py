"""Disclosure control: which counts may be published, and the attack that checks them.

Pure computation (no database, no Flask): ``releases`` hands in the coded reports of a window
of quarters and the cells already published, and stores what comes back. The method, and why
it is our own rather than tau-ARGUS, is in docs/adr/0010-disclosure-control.md. In short:

* every published number is a *cell*: the count of reports in some quarters that fall in a
  scope (a node of system > organisation > setting > staff group) and a category;
* primary suppression: a count of 1 to k-1 is published as ``[c]``; others are rounded to the
  nearest ``rounding`` (5); a zero stays 0; a scope is broken down only if its published total
  is at least 2k;
* secondary suppression: the attacker below (:func:`attack`) solves two linear programmes per
  ``[c]`` cell, the lowest and highest count that everything published allows (rounded
  figures as intervals); while any interval is narrower than k, a related shown cell is
  suppressed too and the attack runs again.

The attack works on *families* of cells that share their unknowns: the hierarchy's totals;
each single-answer question with the totals; each code of a multi-answer question with the
totals; and the combinations of protected characteristics at system and organisation level.
The unknowns of a family are the counts of its *atoms* (every possible combination of the
dimensions it involves), merged where no published cell tells them apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from scipy import sparse

from portal_common import taxonomy

SHOWN, ZERO, SUPPRESSED = "shown", "zero", "suppressed"
NOT_GIVEN = "not_given"
HIERARCHY = ("organisation", "setting", "staff_group")
SINGLE = ("experience", "internationally_recruited", "impact", "raised_formally")
MULTI = ("characteristics", "sources", "themes")
# The nine protected characteristics of the Equality Act 2010: the intersections are theirs.
PROTECTED = tuple(
    c.code for c in taxonomy.CHARACTERISTICS if c.code not in ("not_sure", "other", taxonomy.PREFER_NOT_TO_SAY)
)
PAIRS, COMBINATIONS, TOTAL, OTHER, NONE = (
    "characteristic_pairs",
    "characteristic_combinations",
    "total",
    "other",
    "none",
)
METHOD = "own LP-audited suppression v2"


# A new release published with no figures because any figure would narrow an earlier [c]
# (Window.build); at most 64 characters, like the column that keeps it.
NO_FIGURES_METHOD = f"{METHOD}; no figures (overlaps earlier)"


def describe_method(withheld: Sequence[str]) -> str:
    """The release's method (at most 64 characters), naming any organisation whose breakdown
    was withheld because it could not be protected (it is then shown as a total only)."""
    if not withheld:
        return METHOD
    named = f"{METHOD}; {','.join(withheld)} shown as a total only"
    if len(named) <= 64:
        return named
    return f"{METHOD}; {len(withheld)} organisations as totals only"


# Scopes broken down: the whole system and each organisation. Below that only the totals by
# setting and staff group are published (no view offers a deeper filter).
BREAKDOWN_DEPTH = 1
# Intersections of characteristics are published for the whole system only: per organisation
# they are mostly [c], and the attack on them grows with organisations x 2^9 combinations.
INTERSECTION_DEPTH = 0


@dataclass(frozen=True)
class Rule:
    """k: the smallest count shown (never below 8); rounding: the base counts are rounded to."""

    k: int = 10
    rounding: int = 5

    def __post_init__(self) -> None:
        if self.k < 8:
            raise ValueError("The threshold k may not be set below 8.")
        if self.rounding < 1:
            raise ValueError("Rounding must be to a whole number of at least 1.")

    @property
    def floor(self) -> int:
        """A group is broken down only if its published total is at least this."""
        return 2 * self.k

    def round(self, count: int) -> int:
        return int(math.floor(count / self.rounding + 0.5)) * self.rounding

    def interval(self, status: str, value: int | None) -> tuple[float, float]:
        """What the published figure tells anyone about the true count."""
        if status == ZERO:
            return (0.0, 0.0)
        if status == SUPPRESSED:
            return (1.0, math.inf)
        assert value is not None
        half = (self.rounding - 1) // 2 if self.rounding % 2 else self.rounding / 2
        return (max(float(self.k), value - half), value + half)


# -- cells ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellKey:
    release: str  # e.g. "quarter:2026-3" or "rolling_year:2026-3"
    scope: tuple[str, ...]  # () system, (org,), (org, setting), (org, setting, group)
    table: str
    category: str

    @property
    def scope_text(self) -> str:
        return "/".join(self.scope)


@dataclass
class Cell:
    key: CellKey
    quarters: frozenset[int]
    count: int | None = None  # the true count (None for cells read back from storage)
    status: str = SHOWN
    value: int | None = None
    fixed: bool = False  # already published: may not change

    def publish(self, rule: Rule) -> None:
        assert self.count is not None
        if self.count == 0:
            self.status, self.value = ZERO, 0
        elif self.count < rule.k:
            self.status, self.value = SUPPRESSED, None
        else:
            self.status, self.value = SHOWN, rule.round(self.count)

    def suppress(self) -> None:
        self.status, self.value = SUPPRESSED, None


def family_of(key: CellKey) -> tuple[str, ...]:
    """Which family of unknowns a cell belongs to (see the module docstring)."""
    if key.table == TOTAL or key.table in HIERARCHY:
        return ("hierarchy",)
    if key.table in SINGLE:
        return ("single", key.table)
    if key.table in MULTI:
        return ("has", key.table, key.category)
    if key.table in (PAIRS, COMBINATIONS):
        return ("combinations",)
    raise ValueError(f"unknown table {key.table}")


# -- the facts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One report as the release sees it: its quarter index and coded answers."""

    quarter: int
    organisation: str
    setting: str
    staff_group: str
    single: Mapping[str, str] = field(default_factory=dict)
    multi: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_answers(cls, quarter: int, answers: Mapping[str, Any]) -> Fact:
        return cls(
            quarter=quarter,
            organisation=answers.get("organisation") or NOT_GIVEN,
            setting=answers.get("setting") or NOT_GIVEN,
            staff_group=answers.get("staff_group") or NOT_GIVEN,
            single={name: answers.get(name) or NOT_GIVEN for name in SINGLE},
            multi={name: frozenset(answers.get(name) or ()) for name in MULTI},
        )

    def path(self) -> tuple[str, str, str]:
        return (self.organisation, self.setting, self.staff_group)


def domains(organisation_codes: Iterable[str]) -> dict[str, list[str]]:
    """Every value each dimension can take, as an attacker knows them (the form's lists)."""
    questions = {q.name: q for q in taxonomy.QUESTIONS}
    found: dict[str, list[str]] = {
        "organisation": sorted({*organisation_codes, taxonomy.PREFER_NOT_TO_SAY, NOT_GIVEN}),
    }
    for name in ("setting", "staff_group", *SINGLE):
        choices = questions[name].choices
        assert choices is not None
        found[name] = [*taxonomy.codes(choices), NOT_GIVEN]
    for name in MULTI:
        if name == "themes":
            found[name] = [t.code for t in taxonomy.THEMES]
        else:
            choices = questions[name].choices
            assert choices is not None
            found[name] = taxonomy.codes(choices)
    return found


# -- the attack --------------------------------------------------------------------------


class Family:
    """The unknowns shared by one family of cells and the linear programme over them."""

    def __init__(self, name: tuple[str, ...], quarters: Sequence[int], dims: Mapping[str, list[str]]):
        self.name = name
        kind = name[0]
        axes: list[tuple[str, list[Any]]] = [("quarter", list(quarters))]
        if kind == "combinations":
            if INTERSECTION_DEPTH:
                axes.append(("organisation", dims["organisation"]))
            axes.append(("pattern", list(range(1 << len(PROTECTED)))))
        elif kind == "hierarchy":
            axes += [(h, dims[h]) for h in HIERARCHY]
        else:
            # Questions are broken down by system and organisation only, so their unknowns need
            # no setting or staff group: they meet the hierarchy through the organisations' totals.
            axes.append(("organisation", dims["organisation"]))
            if kind == "single":
                axes.append((name[1], dims[name[1]]))
            elif kind == "has":
                axes.append(("has", [False, True]))
        self.axes = axes
        grids = np.meshgrid(*[np.arange(len(values)) for _, values in axes], indexing="ij")
        self.atoms = {axis: grid.ravel() for (axis, _), grid in zip(axes, grids, strict=True)}
        self.index = {axis: {v: i for i, v in enumerate(values)} for axis, values in axes}
        self.size = grids[0].size

    def mask(self, cell: Cell, listed_combinations: frozenset[int]) -> np.ndarray:
        key, atoms, index = cell.key, self.atoms, self.index
        wanted_quarters = [index["quarter"][q] for q in cell.quarters if q in index["quarter"]]
        mask = np.isin(atoms["quarter"], wanted_quarters)
        for axis, value in zip(HIERARCHY, key.scope, strict=False):
            mask &= atoms[axis] == index[axis].get(value, -1) if axis in atoms else True
        if key.table in HIERARCHY:
            mask &= atoms[key.table] == index[key.table].get(key.category, -1)
        elif key.table in SINGLE:
            mask &= atoms[key.table] == index[key.table].get(key.category, -1)
        elif key.table in MULTI:
            if "has" in atoms:
                mask &= atoms["has"] == 1
            else:  # a protected characteristic's count, inside the combinations family
                bit = PROTECTED.index(key.category)
                mask &= (atoms["pattern"] >> bit) & 1 == 1
        elif key.table == PAIRS:
            bits = sum(1 << PROTECTED.index(code) for code in key.category.split("+"))
            mask &= (atoms["pattern"] & bits) == bits
        elif key.table == COMBINATIONS:
            if key.category == OTHER:
                mask &= ~np.isin(atoms["pattern"], sorted(listed_combinations))
            else:
                mask &= atoms["pattern"] == combination_bits(key.category)
        return mask


def combination_bits(category: str) -> int:
    if category == NONE:
        return 0
    return sum(1 << PROTECTED.index(code) for code in category.split("+"))


def combination_name(bits: int) -> str:
    codes = [code for i, code in enumerate(PROTECTED) if bits >> i & 1]
    return "+".join(codes) if codes else NONE


@dataclass
class Exposure:
    cell: Cell
    low: float
    high: float
    binding: list[Cell] = field(default_factory=list)  # published cells that pin the bounds

    @property
    def width(self) -> float:
        return self.high - self.low


class Programme:
    """The linear programme of one family: atoms merged into classes, one row per cell."""

    def __init__(self, family: Family, cells: Sequence[Cell], rule: Rule):
        self.family, self.cells, self.rule = family, list(cells), rule
        # "other" is every combination its own table does not list
        listed: dict[tuple[str, tuple[str, ...]], set[int]] = {}
        for c in cells:
            if c.key.table == COMBINATIONS and c.key.category != OTHER:
                listed.setdefault((c.key.release, c.key.scope), set()).add(combination_bits(c.key.category))
        rng = np.random.default_rng(20261122)
        weights = rng.integers(1, 2**62, size=(len(self.cells), 2), dtype=np.int64)
        signature = np.zeros((family.size, 2), dtype=np.int64)
        masks = []
        for i, cell in enumerate(self.cells):
            mask = family.mask(cell, frozenset(listed.get((cell.key.release, cell.key.scope), ())))
            masks.append(np.flatnonzero(mask))
            signature[mask] = signature[mask] * 31 + weights[i]  # wraps: a hash, not a sum
        keep = np.zeros(family.size, dtype=bool)
        for found in masks:
            keep[found] = True
        _, classes = np.unique(signature, axis=0, return_inverse=True)
        classes = classes.ravel()
        rows, cols = [], []
        for i, found in enumerate(masks):
            unique = np.unique(classes[found])
            rows.extend([i] * len(unique))
            cols.extend(unique.tolist())
        n_classes = int(classes.max()) + 1 if family.size else 0
        self.matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.cells), n_classes))
        self.empty = [len(found) == 0 for found in masks]
        self.solves = 0  # linear programmes solved (for the benchmark)
        self.solver: highspy.Highs | None = None
        self.forget()

    def forget(self) -> None:
        """Drop the feasible points seen so far (a figure was shown: some may no longer fit)."""
        n_rows = self.matrix.shape[0]
        self.seen_low = np.full(n_rows, np.inf)
        self.seen_high = np.full(n_rows, -np.inf)

    def _see(self, row_values: Sequence[float]) -> None:
        values = np.asarray(row_values, dtype=float)
        self.seen_low = np.minimum(self.seen_low, values)
        self.seen_high = np.maximum(self.seen_high, values)

    def attack(self, targets: Iterable[int] | None = None) -> list[Exposure]:
        """The interval each suppressed cell (or each of ``targets``) is known to lie in.

        Exact where it matters: for a cell found narrower than k, ``low`` and ``high`` are the
        lowest and highest value of its sum that every published figure allows (one linear
        programme each way) and ``binding`` the figures that pin them. For a cell found safe
        the interval may be an inner one: every solve yields a point that fits every published
        figure, so the values of *all* cells at the points seen so far lie inside their true
        intervals; once a cell's values at two such points differ by at least k it is proven
        safe without a programme of its own. Suppressing a figure only widens what fits, so
        the points stay valid until :meth:`forget` (a figure shown again).
        """
        rule, matrix = self.rule, self.matrix
        n_rows, n_cols = matrix.shape
        chosen = (
            list(targets) if targets is not None else [i for i, c in enumerate(self.cells) if c.status == SUPPRESSED]
        )
        if not chosen:
            return []
        inf = highspy.kHighsInf
        lows, highs = [], []
        for cell in self.cells:
            low, high = rule.interval(cell.status, cell.value)
            lows.append(low)
            highs.append(high if math.isfinite(high) else inf)
        if self.solver is None:
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = n_cols, n_rows
            lp.col_cost_ = np.zeros(n_cols)
            lp.col_lower_ = np.zeros(n_cols)
            lp.col_upper_ = np.full(n_cols, inf)
            lp.row_lower_ = np.array(lows, dtype=float)
            lp.row_upper_ = np.array(highs, dtype=float)
            lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
            lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
            lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
            lp.a_matrix_.value_ = matrix.data.astype(float)
            self.solver = highspy.Highs()
            self.solver.setOptionValue("output_flag", False)
            self.solver.setOptionValue("presolve", "off")
            self.solver.setOptionValue("solver", "simplex")
            # Primal simplex: between solves only the objective changes (or a bound widens), so
            # the last basis is still feasible and a few pivots reach the next optimum. Five
            # times fewer iterations than dual simplex on the hierarchy's programmes.
            self.solver.setOptionValue("simplex_strategy", 4)
            self.solver.passModel(lp)
        else:  # a later round: the same rows and columns, figures since suppressed
            self.solver.changeRowsBounds(  # type: ignore[attr-defined]  # missing from highspy's stubs
                n_rows, np.arange(n_rows, dtype=np.int32), np.array(lows, dtype=float), np.array(highs, dtype=float)
            )
        solver = self.solver
        everything = np.arange(n_cols, dtype=np.int32)
        enough = rule.k - 1e-6

        def solve(objective: np.ndarray, sense: Any) -> float | None:
            """The optimum (None if unbounded); the point found joins the points seen."""
            solver.changeColsCost(n_cols, everything, objective)
            solver.changeObjectiveSense(sense)
            solver.run()
            self.solves += 1
            status = solver.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                self._see(solver.getSolution().row_value)
                return float(solver.getInfo().objective_function_value)
            if status == highspy.HighsModelStatus.kInfeasible:
                raise ValueError(f"the published figures of {self.family.name} are inconsistent")
            return None  # unbounded: nothing published caps this objective from above

        def binding() -> set[int]:
            duals = np.asarray(solver.getSolution().row_dual)
            return set(np.flatnonzero(np.abs(duals) > 1e-9).tolist())

        # Two solves for every cell at once: all of them as low, then as high, as they can be
        # together. Most cells are proven safe by these two points with the ones seen before.
        open_rows = [i for i in chosen if self.seen_high[i] - self.seen_low[i] < enough]
        if len(open_rows) > 2:
            together = np.asarray(matrix[open_rows].sum(axis=0)).ravel()
            solve(together, highspy.ObjSense.kMinimize)
            solve(together, highspy.ObjSense.kMaximize)
        found = []
        for i in chosen:
            cell = self.cells[i]
            if self.seen_high[i] - self.seen_low[i] >= enough:
                found.append(Exposure(cell, float(self.seen_low[i]), float(self.seen_high[i])))
                continue
            row = np.zeros(n_cols)
            row[matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]] = matrix.data[
                matrix.indptr[i] : matrix.indptr[i + 1]
            ]
            most = solve(row, highspy.ObjSense.kMaximize)
            pins = binding() if most is not None else set()
            high = math.inf if most is None else most
            if high - self.seen_low[i] >= enough:
                found.append(Exposure(cell, float(self.seen_low[i]), high))
                continue
            least = solve(row, highspy.ObjSense.kMinimize)
            low = 0.0 if least is None else least
            pins |= binding()
            found.append(Exposure(cell, low, high, [self.cells[j] for j in sorted(pins)]))
        return found


# -- secondary suppression -----------------------------------------------------------------


def _parent(scope: tuple[str, ...]) -> tuple[str, ...] | None:
    return scope[:-1] if scope else None


def _candidates(exposure: Exposure, cells: Sequence[Cell]) -> list[Cell]:
    """Shown, changeable cells whose figures pin ``exposure`` (the programme's binding
    constraints), else cells that share a sum with it, nearest relations first."""
    exposed = exposure.cell
    key = exposed.key
    open_cells = [c for c in cells if c.status == SHOWN and not c.fixed and c is not exposed]
    binding = {id(c) for c in exposure.binding}
    tiers: list[Callable[[Cell], bool]] = [
        lambda c: id(c) in binding and c.key.release == key.release,
        lambda c: id(c) in binding,
        # another category of the same table (they add up to the scope's total)
        lambda c: c.key.release == key.release and c.key.scope == key.scope and c.key.table == key.table,
        # the same category in the scope above, below or beside
        lambda c: (
            c.key.release == key.release
            and c.key.table == key.table
            and c.key.category == key.category
            and (
                _parent(c.key.scope) == key.scope
                or _parent(key.scope) == c.key.scope
                or (bool(key.scope) and _parent(c.key.scope) == _parent(key.scope))
            )
        ),
        # the same cell in the other release of the window (a quarter inside its rolling year)
        lambda c: c.key.scope == key.scope and c.key.table == key.table and c.key.category == key.category,
        # the totals of this scope's children
        lambda c: c.key.release == key.release and c.key.table in HIERARCHY and _parent(c.key.scope) == key.scope,
        lambda c: c.key.release == key.release,
        lambda c: True,
    ]
    # A cell already shown in an overlapping published release is a poor complement: hidden now,
    # it is pinned by that release's figure give or take the change since.
    shown_before = {(c.key.scope, c.key.table, c.key.category) for c in cells if c.fixed and c.status == SHOWN}
    for tier in tiers:
        found = [c for c in open_cells if tier(c) and c.key.table != TOTAL]
        if found:
            # the smallest first (loses least information)
            return sorted(
                found,
                key=lambda c: (
                    (c.key.scope, c.key.table, c.key.category) in shown_before,
                    c.count or 0,
                    c.key.scope_text,
                    c.key.category,
                ),
            )
    return []


class Unprotectable(RuntimeError):
    """Even suppressing every changeable cell leaves a [c] narrower than k."""

    def __init__(self, message: str, exposure: Exposure | None = None):
        super().__init__(message)
        self.exposure = exposure


def protect(cells: Sequence[Cell], family: Family, rule: Rule, *, shared: Sequence[Cell] = ()) -> int:
    """Suppress further cells of ``cells`` until no [c] in the family can be narrowed below k.

    ``shared`` are cells of other families that constrain this one (totals, a characteristic's
    count). They may be suppressed here too: hiding a figure only widens every interval, so no
    family already protected can be undone by it. Cells marked ``fixed`` never change.
    Returns the number of cells suppressed on top of the primary suppression.
    """
    own = list(cells)
    added = 0
    # Suppressing a cell only removes information, so a [c] found safe stays safe: each round
    # attacks only the cells still exposed, and any cell suppressed since.
    safe: set[int] = set()
    # The cells (and so the programme's rows and columns) stay the same; only statuses change.
    programme = Programme(family, [*shared, *own], rule)
    offset = len(shared)
    while True:
        targets = [offset + i for i, c in enumerate(own) if c.status == SUPPRESSED and id(c) not in safe]
        results = programme.attack(targets)
        exposed = [e for e in results if e.width < rule.k - 1e-6]
        safe |= {id(e.cell) for e in results if e.width >= rule.k - 1e-6}
        if not exposed:
            return added
        progressed = False
        touched: set[tuple[str, tuple[str, ...], str]] = set()
        for exposure in sorted(exposed, key=lambda e: e.width):
            key = exposure.cell.key
            if (key.release, key.scope, key.table) in touched:
                continue
            options = _candidates(exposure, [*shared, *own])  # suppressing more only widens others
            if options:
                chosen = options[0]
                chosen.suppress()
                touched |= {
                    (key.release, key.scope, key.table),
                    (chosen.key.release, chosen.key.scope, chosen.key.table),
                }
                added += 1
                progressed = True
        if not progressed:
            # Nothing left to hide beside a complementary cell (count >= k) that cannot itself be
            # protected: show it after all, for good, and let its primary find another partner.
            for exposure in exposed:
                cell = exposure.cell
                if not cell.fixed and cell.count is not None and cell.count >= rule.k:
                    cell.publish(rule)
                    cell.fixed = True
                    safe.clear()  # showing a figure adds information: check every [c] again
                    programme.forget()
                    progressed = True
                    break
        if not progressed:
            worst = exposed[0]
            pinned = ", ".join(
                f"{c.key.release} {c.key.scope_text}/{c.key.table}/{c.key.category}={c.status}:{c.value}"
                + (" (fixed)" if c.fixed else "")
                for c in worst.binding
            )
            raise Unprotectable(
                f"{family.name}: cannot protect {worst.cell.key} ({worst.low:g} to {worst.high:g}; pinned by {pinned})",
                worst,
            )


# -- the plan: which cells a window of releases publishes -----------------------------------


@dataclass(frozen=True)
class ReleaseSpec:
    name: str  # "quarter:<q>" or "rolling_year:<q>"
    quarters: frozenset[int]
    fixed: bool  # already published (its cells are read back, never changed)


def scope_children(scope: tuple[str, ...]) -> str | None:
    return HIERARCHY[len(scope)] if len(scope) < len(HIERARCHY) else None


def hierarchy_tables(scope: tuple[str, ...]) -> tuple[str, ...]:
    """The breakdowns by hierarchy level a scope publishes: its children, and the levels below."""
    return HIERARCHY[len(scope) :]


class Columns:
    """The facts of a window as arrays, so that a table's counts are one numpy call.

    Each hierarchy level and single-answer question is an array of indexes into its values;
    each multi-answer question a true/false matrix (fact x code); the protected
    characteristics also as one combination bit pattern per fact."""

    def __init__(self, facts: Sequence[Fact]):
        n = len(facts)
        self.size = n
        self.quarter = np.fromiter((f.quarter for f in facts), dtype=np.int64, count=n)
        self.values: dict[str, tuple[list[str], np.ndarray]] = {}
        for name in HIERARCHY:
            self.values[name] = self._indexed([getattr(f, name) for f in facts])
        for name in SINGLE:
            self.values[name] = self._indexed([f.single[name] for f in facts])
        self.flags: dict[str, tuple[list[str], np.ndarray]] = {}
        for name in MULTI:
            always = set(PROTECTED) if name == "characteristics" else set()
            codes = sorted({code for f in facts for code in f.multi[name]} | always)
            where = {code: i for i, code in enumerate(codes)}
            matrix = np.zeros((n, len(codes)), dtype=np.bool_)
            for row, f in enumerate(facts):
                for code in f.multi[name]:
                    matrix[row, where[code]] = True
            self.flags[name] = (codes, matrix)
        codes, matrix = self.flags["characteristics"]
        protected = matrix[:, [codes.index(code) for code in PROTECTED]]
        self.protected = protected
        self.bits = protected.astype(np.int64) @ (1 << np.arange(len(PROTECTED), dtype=np.int64))

    @staticmethod
    def _indexed(values: list[str]) -> tuple[list[str], np.ndarray]:
        vocabulary = sorted(set(values))
        where = {value: i for i, value in enumerate(vocabulary)}
        return vocabulary, np.fromiter((where[v] for v in values), dtype=np.int64, count=len(values))

    def in_quarters(self, quarters: frozenset[int]) -> np.ndarray:
        return np.isin(self.quarter, sorted(quarters))

    def having(self, rows: np.ndarray, name: str, value: str) -> np.ndarray:
        vocabulary, index = self.values[name]
        if value not in vocabulary:
            return np.zeros_like(rows)
        return rows & (index == vocabulary.index(value))

    def tally(self, rows: np.ndarray, table: str) -> dict[str, int]:
        """Every category's count in ``table`` among the facts in ``rows``."""
        if table == TOTAL:
            return {"": int(rows.sum())}
        if table in self.values:
            vocabulary, index = self.values[table]
            counts = np.bincount(index[rows], minlength=len(vocabulary))
            return {v: int(c) for v, c in zip(vocabulary, counts, strict=True)}
        if table in self.flags:
            codes, matrix = self.flags[table]
            return {code: int(c) for code, c in zip(codes, matrix[rows].sum(axis=0), strict=True)}
        if table == PAIRS:
            chosen = self.protected[rows].astype(np.int64)
            both = chosen.T @ chosen
            return {
                f"{a}+{b}": int(both[i, j])
                for (i, a), (j, b) in itertools.combinations(list(enumerate(PROTECTED)), 2)
            }
        if table == COMBINATIONS:
            patterns, counts = np.unique(self.bits[rows], return_counts=True)
            return {combination_name(int(p)): int(c) for p, c in zip(patterns, counts, strict=True)}
        raise KeyError(table)


class Window:
    """The releases whose numbers an attacker can combine, and the cells each publishes.

    Built level by level: whether a scope is broken down depends on its *published* total, so
    the hierarchy is protected from the top down before any breakdown is added.
    """

    def __init__(
        self,
        releases: Sequence[ReleaseSpec],
        facts: Sequence[Fact],
        dims: Mapping[str, list[str]],
        rule: Rule,
        published: Mapping[CellKey, tuple[str, int | None]] | None = None,
    ):
        self.releases, self.facts, self.dims, self.rule = list(releases), list(facts), dims, rule
        self.all_releases = list(releases)
        # New releases published with no figures at all (see :meth:`build`).
        self.blanked: set[str] = set()
        self.published = dict(published or {})
        self.quarters = sorted({q for r in releases for q in r.quarters})
        self.cells: dict[CellKey, Cell] = {}
        self.columns = Columns(self.facts)
        # Which facts each (release, scope) holds, and how many fall in each category of a
        # table: they depend on the facts alone, so they outlive a rebuild of the window.
        self._rows: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._tallies: dict[tuple[str, tuple[str, ...], str], dict[str, int]] = {}
        self.added = 0
        # (release, organisation scope) breakdowns left out because they could not be protected
        # (see :meth:`build`); each is recorded in the release's method.
        self.withheld: set[tuple[str, tuple[str, ...]]] = set()

    # building cells

    def _scoped(self, release: ReleaseSpec, scope: tuple[str, ...]) -> np.ndarray:
        """Which facts fall in the release's quarters and within ``scope`` (a true/false mask)."""
        key = (release.name, scope)
        if key not in self._rows:
            if scope:  # within scope[:-1] already: only the last level is left to test
                above = self._scoped(release, scope[:-1])
                self._rows[key] = self.columns.having(above, HIERARCHY[len(scope) - 1], scope[-1])
            else:
                self._rows[key] = self.columns.in_quarters(release.quarters)
        return self._rows[key]

    def _tally(self, release: ReleaseSpec, scope: tuple[str, ...], table: str) -> dict[str, int]:
        key = (release.name, scope, table)
        if key not in self._tallies:
            self._tallies[key] = self.columns.tally(self._scoped(release, scope), table)
        return self._tallies[key]

    def _cell(
        self, release: ReleaseSpec, scope: tuple[str, ...], table: str, category: str, count: int | None = None
    ) -> Cell:
        """The cell for ``category`` of ``table``, counted from the facts unless ``count`` is given."""
        key = CellKey(release.name, scope, table, category)
        if key in self.cells:
            return self.cells[key]
        if count is None:
            count = self._tally(release, scope, table).get(category, 0)
        cell = Cell(key, release.quarters, count=count)
        if release.fixed:
            status, value = self.published.get(key, (None, None))
            if status is None:  # the published release did not have this cell
                return cell
            cell.status, cell.value, cell.fixed = status, value, True
        else:
            cell.publish(self.rule)
        self.cells[key] = cell
        return cell

    def broken_down(self, release: ReleaseSpec, scope: tuple[str, ...]) -> bool:
        if not scope:
            total = self.cells.get(CellKey(release.name, (), TOTAL, ""))
        else:
            total = self.cells.get(CellKey(release.name, scope[:-1], HIERARCHY[len(scope) - 1], scope[-1]))
        return bool(total and total.status == SHOWN and (total.value or 0) >= self.rule.floor)

    def scopes(self, release: ReleaseSpec) -> list[tuple[str, ...]]:
        """Scopes broken down in a release, top down."""
        found: list[tuple[str, ...]] = [()] if self.broken_down(release, ()) else []
        frontier = list(found)
        while frontier:
            nxt: list[tuple[str, ...]] = []
            for scope in frontier:
                level = scope_children(scope)
                if level is None:
                    continue
                if len(scope) >= BREAKDOWN_DEPTH:
                    continue
                for value in self.dims[level]:
                    child = (*scope, value)
                    if (release.name, child) in self.withheld:
                        continue
                    if CellKey(release.name, scope, level, value) in self.cells and self.broken_down(release, child):
                        nxt.append(child)
            found += nxt
            frontier = nxt
        return found

    def build(self) -> None:
        """Choose every cell's status. When a [c] of a new release cannot be protected because
        figures it may not change pin it (typically a rolling year that differs from the one
        published a quarter earlier by a handful of reports, pinned by the organisations'
        totals), the organisation breakdown it sits in is withheld from that release and the
        window is built again from the start. Withholding only removes figures, and there are
        finitely many breakdowns, so this ends; the release then shows that organisation's
        total in the system tables only.

        When no such breakdown is involved (system figures pinned by system totals: the new
        rolling year's total minus the new quarter's narrows an earlier quarter's total), the
        new release holding the pinning figures, the rolling year first, is published with no
        figures at all, and the window is built again. Publishing nothing new is always safe
        (everything already published was protected together), so this ends too."""
        while True:
            self.releases = [r for r in self.all_releases if r.name not in self.blanked]
            self.cells, self.added = {}, 0  # scoped facts and tallies depend on the facts only: kept
            try:
                self._build()
                return
            except Unprotectable as error:
                scope = self._withholdable(error.exposure)
                if scope is not None:
                    self.withheld.add(scope)
                    continue
                blank = self._blankable(error.exposure)
                if blank is None:
                    raise
                self.blanked.add(blank)

    def _blankable(self, exposure: Exposure | None) -> str | None:
        """The new release to publish without figures: one holding the exposed cell or a
        figure pinning it, a rolling year before a quarter."""
        new = [r.name for r in self.releases if not r.fixed]
        if exposure is not None:
            involved = {c.key.release for c in [exposure.cell, *exposure.binding]}
            new = [name for name in new if name in involved] or new
        new.sort(key=lambda name: (not name.startswith("rolling_year"), name))
        return new[0] if new else None

    def _withholdable(self, exposure: Exposure | None) -> tuple[str, tuple[str, ...]] | None:
        """The new release's organisation breakdown holding the exposed cell, else holding a
        figure that pins it."""
        if exposure is None:
            return None
        new = {r.name for r in self.releases if not r.fixed}
        for cell in [exposure.cell, *exposure.binding]:
            if cell.key.release in new and cell.key.scope:
                return (cell.key.release, cell.key.scope[:1])
        return None

    def withheld_from(self, release: str) -> list[str]:
        return sorted("/".join(scope) for name, scope in self.withheld if name == release)

    def method(self, release: str) -> str:
        """What the release's ``method`` records: the suppression, and what was left out."""
        if release in self.blanked:
            return NO_FIGURES_METHOD
        return describe_method(self.withheld_from(release))

    def _build(self) -> None:
        hierarchy = Family(("hierarchy",), self.quarters, self.dims)
        for release in self.releases:
            self._cell(release, (), TOTAL, "")
        # the hierarchy, one level at a time
        for depth in range(BREAKDOWN_DEPTH + 1):
            for release in self.releases:
                for scope in self.scopes(release):
                    if len(scope) != depth:
                        continue
                    for level in hierarchy_tables(scope):
                        for value in self.dims[level]:
                            self._cell(release, scope, level, value)
            self.added += protect(self._family_cells(("hierarchy",)), hierarchy, self.rule)
            for cell in self._family_cells(("hierarchy",)):
                if cell.key.table == scope_children(cell.key.scope) and len(cell.key.scope) < BREAKDOWN_DEPTH:
                    cell.fixed = True  # a deeper level may not undo the breakdowns chosen above it
        # every scope's own total, as the same figure its parent shows
        for release in self.releases:
            for scope in self.scopes(release):
                if scope:
                    parent = self.cells[CellKey(release.name, scope[:-1], HIERARCHY[len(scope) - 1], scope[-1])]
                    key = CellKey(release.name, scope, TOTAL, "")
                    self.cells.setdefault(
                        key, Cell(key, release.quarters, parent.count, parent.status, parent.value, True)
                    )
        totals = [c for c in self._family_cells(("hierarchy",)) if c.key.table in (TOTAL, "organisation")]
        # single-answer questions
        for name in SINGLE:
            for release in self.releases:
                for scope in self.scopes(release):
                    for value in self.dims[name]:
                        self._cell(release, scope, name, value)
            family = Family(("single", name), self.quarters, self.dims)
            self.added += protect(self._family_cells(("single", name)), family, self.rule, shared=totals)
        # multi-answer questions, one code at a time
        for name in MULTI:
            for code in self.dims[name]:
                for release in self.releases:
                    for scope in self.scopes(release):
                        self._cell(release, scope, name, code)
                family = Family(("has", name, code), self.quarters, self.dims)
                self.added += protect(self._family_cells(("has", name, code)), family, self.rule, shared=totals)
        self._combinations(totals)

    def _combinations(self, totals: Sequence[Cell]) -> None:
        shared = [c for c in totals if len(c.key.scope) == 0 and c.key.table == TOTAL]
        counts = [
            c
            for c in self.cells.values()
            if c.key.table == "characteristics"
            and c.key.category in PROTECTED
            and len(c.key.scope) <= INTERSECTION_DEPTH
        ]
        own: list[Cell] = []
        for release in self.releases:
            for scope in [s for s in self.scopes(release) if len(s) <= INTERSECTION_DEPTH]:
                for a, b in itertools.combinations(PROTECTED, 2):
                    own.append(self._cell(release, scope, PAIRS, f"{a}+{b}"))
                own += self._combination_cells(release, scope)
        if not own:
            return
        family = Family(("combinations",), self.quarters, self.dims)
        before = {id(c) for c in counts if c.status == SUPPRESSED}
        self.added += protect(own, family, self.rule, shared=[*shared, *counts])
        # A characteristic's count hidden here is a new [c] in its own family: protect it there.
        for code in sorted({c.key.category for c in counts if c.status == SUPPRESSED and id(c) not in before}):
            name = ("has", "characteristics", code)
            self.added += protect(
                self._family_cells(name), Family(name, self.quarters, self.dims), self.rule, shared=totals
            )

    def _combination_cells(self, release: ReleaseSpec, scope: tuple[str, ...]) -> list[Cell]:
        """Each combination reaching k on its own, the rest folded into "other"."""
        tally = self._tally(release, scope, COMBINATIONS)
        if release.fixed:
            listed = {
                k.category
                for k in self.published
                if k.release == release.name and k.scope == scope and k.table == COMBINATIONS
            }
        else:
            listed = {name for name, n in tally.items() if n >= self.rule.k} | {OTHER}
        named = [c for c in listed if c != OTHER]
        other = self._tally(release, scope, TOTAL)[""] - sum(tally.get(c, 0) for c in named)
        return [
            self._cell(release, scope, COMBINATIONS, c, count=other if c == OTHER else None) for c in sorted(listed)
        ]

    def _family_cells(self, name: tuple[str, ...]) -> list[Cell]:
        return [c for c in self.cells.values() if family_of(c.key) == name]

    def release_cells(self, release: str) -> list[Cell]:
        return [c for c in self.cells.values() if c.key.release == release]


def audit(
    cells: Sequence[Cell], quarters: Sequence[int], dims: Mapping[str, list[str]], rule: Rule
) -> tuple[int, list[Exposure]]:
    """Attack published cells (statuses and rounded values only): how many ``[c]`` cells were
    attacked, and every one whose interval is narrower than k."""
    families: dict[tuple[str, ...], list[Cell]] = {}
    for cell in cells:
        families.setdefault(family_of(cell.key), []).append(cell)
    totals = [c for c in families.get(("hierarchy",), []) if c.key.table in (TOTAL, "organisation")]
    attacked, narrow = 0, []
    for name, members in families.items():
        if name == ("hierarchy",):
            shared: list[Cell] = []
        elif name == ("combinations",):
            shared = [c for c in totals if len(c.key.scope) == 0 and c.key.table == TOTAL]
            shared += [
                c
                for c in cells
                if c.key.table == "characteristics"
                and c.key.category in PROTECTED
                and len(c.key.scope) <= INTERSECTION_DEPTH
            ]
        else:
            shared = totals
        programme = Programme(Family(name, quarters, dims), [*shared, *members], rule)
        targets = [len(shared) + i for i, c in enumerate(members) if c.status == SUPPRESSED]
        attacked += len(targets)
        narrow += [e for e in programme.attack(targets) if e.width < rule.k - 1e-6]
    return attacked, narrow

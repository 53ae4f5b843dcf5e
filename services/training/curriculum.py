"""The 5 Ds hub's content: modules and scenarios kept as versioned YAML files, checked on load.

Content lives in ``content/`` beside this file, one file per module or scenario, so trainers
can propose a change as a reviewed edit to a text file. Every file is validated against the
JSON Schema for its kind (``content/schemas``) and then against the rules a schema cannot
express: a knowledge-check question has exactly one right answer; a scenario's steps are all
reachable from its start, every link names a step, no path loops, so every path reaches one
of at least two endings. The app refuses to start on content that breaks any of them, and the
suite runs the same checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

CONTENT_DIR = Path(__file__).with_name("content")
KINDS = ("module", "scenario", "support")


@dataclass(frozen=True)
class DTag:
    code: str
    label: str
    summary: str


# What a choice in a scenario can be tagged with: one of the 5 Ds, doing nothing, or unsafe.
D_TAGS: tuple[DTag, ...] = (
    DTag("distract", "Distract", "Interrupt the moment without naming the behaviour."),
    DTag("delegate", "Delegate", "Get someone with more authority or the right role to act."),
    DTag("document", "Document", "Keep a factual record, once someone is already helping."),
    DTag("delay", "Delay", "Check in with the person targeted afterwards."),
    DTag("direct", "Direct", "Name the behaviour, briefly and calmly, when it is safe."),
    DTag("do_nothing", "Did nothing", "Let the moment pass without acting."),
    DTag("unsafe", "Unsafe", "A response that puts someone at risk or makes things worse."),
)
TAG_BY_CODE: dict[str, DTag] = {t.code: t for t in D_TAGS}
FIVE_DS: tuple[str, ...] = tuple(t.code for t in D_TAGS[:5])


class ContentError(ValueError):
    """The content directory holds something the hub cannot safely show."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("training content is not valid:\n  " + "\n  ".join(problems))


# -- the shapes pages use ---------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    title: str
    body: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    heading: str
    body: tuple[str, ...]
    points: tuple[str, ...]
    example: Example | None


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Check:
    pass_mark: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Module:
    id: str
    version: int
    order: int
    title: str
    d: str | None
    summary: str
    minutes: int
    content_warning: str | None
    sections: tuple[Section, ...]
    safety: tuple[str, ...]
    check: Check


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    d: str
    feedback: str
    next: str

    @property
    def tag(self) -> DTag:
        return TAG_BY_CODE[self.d]


@dataclass(frozen=True)
class Step:
    id: str
    body: tuple[str, ...]
    question: str | None = None
    choices: tuple[Choice, ...] = ()
    outcome: str | None = None  # an ending: supportive, partial or harmful
    ending_title: str | None = None

    @property
    def is_ending(self) -> bool:
        return self.outcome is not None

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Scenario:
    id: str
    version: int
    order: int
    title: str
    setting: str
    summary: str
    content_warning: str
    start: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def decisions(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.is_ending)

    @property
    def endings(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.is_ending)


@dataclass(frozen=True)
class Place:
    name: str
    text: str


@dataclass(frozen=True)
class Support:
    version: int
    title: str
    intro: str
    places: tuple[Place, ...]
    urgent: str


@dataclass(frozen=True)
class Curriculum:
    modules: tuple[Module, ...]
    scenarios: tuple[Scenario, ...]
    support: Support

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)


# -- checks a schema cannot express -------------------------------------------------------------


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    doubled = []
    for value in values:
        if value in seen and value not in doubled:
            doubled.append(value)
        seen.add(value)
    return doubled


def module_problems(data: Mapping[str, Any]) -> list[str]:
    """Knowledge-check consistency: unique ids, exactly one right answer, a reachable pass mark."""
    problems = []
    questions = data["check"]["questions"]
    for qid in _duplicates(q["id"] for q in questions):
        problems.append(f"question id {qid!r} is used twice")
    for question in questions:
        for oid in _duplicates(o["id"] for o in question["options"]):
            problems.append(f"question {question['id']!r}: option id {oid!r} is used twice")
        right = [o["id"] for o in question["options"] if o["correct"]]
        if len(right) != 1:
            problems.append(f"question {question['id']!r} has {len(right)} right answers; it needs exactly one")
    if data["check"]["pass_mark"] > len(questions):
        problems.append(f"pass mark {data['check']['pass_mark']} is more than the {len(questions)} questions")
    return problems


def scenario_problems(data: Mapping[str, Any]) -> list[str]:
    """The graph: links resolve, every step is reachable, no loops, every path ends, two endings."""
    problems = []
    steps = data["steps"]
    for sid in _duplicates(s["id"] for s in steps):
        problems.append(f"step id {sid!r} is used twice")
    by_id = {s["id"]: s for s in steps}
    if data["start"] not in by_id:
        return [*problems, f"start step {data['start']!r} does not exist"]
    endings = [s["id"] for s in steps if "ending" in s]
    if len(endings) < 2:
        problems.append(f"has {len(endings)} ending(s); a scenario needs at least two")
    links: dict[str, list[str]] = {}
    for step in steps:
        links[step["id"]] = []
        for cid in _duplicates(c["id"] for c in step.get("choices", ())):
            problems.append(f"step {step['id']!r}: choice id {cid!r} is used twice")
        for choice in step.get("choices", ()):
            if choice["next"] not in by_id:
                problems.append(
                    f"step {step['id']!r}: choice {choice['id']!r} leads to missing step {choice['next']!r}"
                )
            else:
                links[step["id"]].append(choice["next"])
    # Every step reachable from the start.
    reached, frontier = {data["start"]}, [data["start"]]
    while frontier:
        for target in links[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for step in steps:
        if step["id"] not in reached:
            problems.append(f"step {step['id']!r} cannot be reached from the start")
    # No loops: then, as every decision has choices, every path from the start reaches an ending.
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in links[node]:
            if state.get(target) == "open":
                loop = [*path[path.index(target) :], target] if target in path else [node, target]
                problems.append("steps loop and a path never ends: " + " -> ".join(loop))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    visit(data["start"], [data["start"]])
    return problems


# -- loading -----------------------------------------------------------------------------------


@cache
def _validator(kind: str) -> Draft202012Validator:
    schema = json.loads((CONTENT_DIR / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _closest(error: ValidationError) -> list[ValidationError]:
    """For a step that fits neither a decision nor an ending, the errors of the kind it comes
    closest to (fewest errors), so the message says what is wrong rather than "not valid"."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    nearest = min(branches.values(), key=len)
    return [leaf for sub in nearest for leaf in _closest(sub)]


def schema_problems(kind: str, data: Any) -> list[str]:
    """What in ``data`` breaks the JSON Schema for ``kind``, each with where it is."""
    problems = []
    for error in sorted(_validator(kind).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for leaf in _closest(error):
            where = "/".join(str(p) for p in leaf.absolute_path) or "(top level)"
            problems.append(f"{where}: {leaf.message[:300]}")
    return problems


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values)


def _module(data: Mapping[str, Any]) -> Module:
    return Module(
        id=data["id"],
        version=data["version"],
        order=data["order"],
        title=data["title"],
        d=data.get("d"),
        summary=data["summary"].strip(),
        minutes=data["minutes"],
        content_warning=(data.get("content_warning") or "").strip() or None,
        sections=tuple(
            Section(
                heading=s["heading"],
                body=_texts(s["body"]),
                points=_texts(s.get("points", ())),
                example=Example(s["example"]["title"], _texts(s["example"]["body"])) if "example" in s else None,
            )
            for s in data["sections"]
        ),
        safety=_texts(data.get("safety", ())),
        check=Check(
            pass_mark=data["check"]["pass_mark"],
            questions=tuple(
                Question(
                    id=q["id"],
                    prompt=q["prompt"].strip(),
                    options=tuple(
                        Option(o["id"], o["text"].strip(), o["correct"], o["feedback"].strip()) for o in q["options"]
                    ),
                )
                for q in data["check"]["questions"]
            ),
        ),
    )


def _scenario(data: Mapping[str, Any]) -> Scenario:
    steps = []
    for s in data["steps"]:
        if "ending" in s:
            steps.append(
                Step(
                    id=s["id"],
                    body=_texts(s["body"]),
                    outcome=s["ending"]["outcome"],
                    ending_title=s["ending"]["title"],
                )
            )
        else:
            steps.append(
                Step(
                    id=s["id"],
                    body=_texts(s["body"]),
                    question=s["question"],
                    choices=tuple(
                        Choice(c["id"], c["text"].strip(), c["d"], c["feedback"].strip(), c["next"])
                        for c in s["choices"]
                    ),
                )
            )
    return Scenario(
        id=data["id"],
        version=data["version"],
        order=data["order"],
        title=data["title"],
        setting=data["setting"],
        summary=data["summary"].strip(),
        content_warning=data["content_warning"].strip(),
        start=data["start"],
        steps=tuple(steps),
    )


def _read(path: Path, kind: str, problems: list[str], root: Path) -> dict[str, Any] | None:
    name = path.relative_to(root).as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: not readable YAML ({type(exc).__name__})")
        return None
    found = schema_problems(kind, data)
    if not found:
        if kind == "module":
            found = module_problems(data)
        elif kind == "scenario":
            found = scenario_problems(data)
        if kind != "support" and data["id"] != path.stem:
            found.append(f"id {data['id']!r} differs from the file's name")
    problems.extend(f"{name}: {p}" for p in found)
    return None if found else data


def load_curriculum(root: Path = CONTENT_DIR) -> Curriculum:
    """Every module and scenario under ``root``, validated; ContentError lists every problem."""
    problems: list[str] = []
    modules = [_read(p, "module", problems, root) for p in sorted((root / "modules").glob("*.yaml"))]
    scenarios = [_read(p, "scenario", problems, root) for p in sorted((root / "scenarios").glob("*.yaml"))]
    support = _read(root / "support.yaml", "support", problems, root) if (root / "support.yaml").exists() else None
    if support is None and not any("support.yaml" in p for p in problems):
        problems.append("support.yaml: missing (the signposting block every content warning points to)")
    good_modules = [m for m in modules if m is not None]
    good_scenarios = [s for s in scenarios if s is not None]
    for kind, items in (("module", good_modules), ("scenario", good_scenarios)):
        for order in _duplicates(str(i["order"]) for i in items):
            problems.append(f"two {kind}s share order {order}")
    taught = {m.get("d") for m in good_modules}
    for d in FIVE_DS:
        if d not in taught:
            problems.append(f"no module teaches {TAG_BY_CODE[d].label}")
    if not any(m.get("d") is None for m in good_modules):
        problems.append("no introduction module (a module without a d)")
    if problems:
        raise ContentError(problems)
    assert support is not None
    return Curriculum(
        modules=tuple(sorted((_module(m) for m in good_modules), key=lambda m: m.order)),
        scenarios=tuple(sorted((_scenario(s) for s in good_scenarios), key=lambda s: s.order)),
        support=Support(
            version=support["version"],
            title=support["title"],
            intro=support["intro"].strip(),
            places=tuple(Place(p["name"], p["text"].strip()) for p in support["places"]),
            urgent=support["urgent"].strip(),
        ),
    )

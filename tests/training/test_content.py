"""The hub's content files: each valid against its kind's JSON Schema, every scenario graph sound,
every knowledge check consistent, and each rule shown to catch the mistake it exists for."""

from __future__ import annotations

import copy
import shutil

import pytest
import yaml

from services.training.curriculum import (
    CONTENT_DIR,
    FIVE_DS,
    TAG_BY_CODE,
    ContentError,
    load_curriculum,
    module_problems,
    scenario_problems,
    schema_problems,
)

CONTENT = load_curriculum()
ALLOWED_TAGS = {"distract", "delegate", "document", "delay", "direct", "do_nothing", "unsafe"}


def _yaml(kind: str, name: str) -> dict:
    return yaml.safe_load((CONTENT_DIR / f"{kind}s" / f"{name}.yaml").read_text(encoding="utf-8"))


def _all(kind: str) -> list[tuple[str, dict]]:
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted((CONTENT_DIR / f"{kind}s").glob("*.yaml"))]


@pytest.mark.parametrize(("name", "data"), _all("module"), ids=lambda v: v if isinstance(v, str) else "")
def test_each_module_file_is_valid_and_its_check_consistent(name, data):
    assert schema_problems("module", data) == []
    assert module_problems(data) == []
    assert isinstance(data["version"], int) and data["id"] == name
    for question in data["check"]["questions"]:
        assert sum(o["correct"] for o in question["options"]) == 1, question["id"]
        assert all(o["feedback"].strip() for o in question["options"])


@pytest.mark.parametrize(("name", "data"), _all("scenario"), ids=lambda v: v if isinstance(v, str) else "")
def test_each_scenario_file_is_valid_and_its_graph_sound(name, data):
    assert schema_problems("scenario", data) == []
    assert scenario_problems(data) == []
    assert isinstance(data["version"], int) and data["id"] == name and data["content_warning"].strip()


def _paths(scenario) -> list[list[str]]:
    """Every path from the start, followed choice by choice (the graphs are small)."""
    done, stack = [], [[scenario.start]]
    while stack:
        path = stack.pop()
        assert len(path) <= len(scenario.steps), f"{scenario.id}: a path repeats a step: {path}"
        step = scenario.step(path[-1])
        assert step is not None, f"{scenario.id}: {path[-2]} leads to a missing step {path[-1]}"
        if step.is_ending:
            done.append(path)
        else:
            assert step.choices, f"{scenario.id}: {step.id} is a dead end"
            stack.extend([*path, c.next] for c in step.choices)
    return done


@pytest.mark.parametrize("scenario", CONTENT.scenarios, ids=lambda s: s.id)
def test_every_step_is_reachable_and_every_path_reaches_an_ending(scenario):
    paths = _paths(scenario)
    visited = {step for path in paths for step in path}
    assert visited == {s.id for s in scenario.steps}, "every step lies on some path from the start"
    assert len({path[-1] for path in paths}) >= 2, "at least two endings are reached"
    for step in scenario.decisions:
        for choice in step.choices:
            assert choice.d in ALLOWED_TAGS and choice.feedback.strip() and choice.text.strip()


def test_the_curriculum_covers_the_programme():
    assert CONTENT.modules[0].id == "introduction" and CONTENT.modules[0].d is None
    assert {m.d for m in CONTENT.modules[1:]} == set(FIVE_DS)
    assert len(CONTENT.scenarios) >= 8
    used = {c.d for s in CONTENT.scenarios for step in s.decisions for c in step.choices}
    assert used == ALLOWED_TAGS, "scenarios between them offer every D, doing nothing and an unsafe choice"
    names = " ".join(p.name for p in CONTENT.support.places)
    for place in ("Freedom to Speak Up", "HR", "union", "Employee assistance", "NHS 111, option 2"):
        assert place in names
    intro = " ".join(" ".join(s.body) for s in CONTENT.modules[0].sections)
    for topic in ("barriers", "safety", "consent", "yourself"):
        assert topic in intro.lower() or topic in " ".join(s.heading.lower() for s in CONTENT.modules[0].sections)
    # Document's and Direct's safety rules, as the programme states them.
    assert any("only once someone is helping" in r for r in CONTENT.module("document").safety)
    assert any("without the consent" in r for r in CONTENT.module("document").safety)
    assert any("only when it is safe" in r for r in CONTENT.module("direct").safety)
    assert all(TAG_BY_CODE[d].label for d in ALLOWED_TAGS)


def test_the_reception_scenario_branches_for_a_patient_who_may_lack_capacity():
    scenario = CONTENT.scenario("reception-abuse")
    paths = _paths(scenario)
    assert any("closer-look" in p for p in paths) and any("manager-arrives" in p for p in paths)
    assert "dementia" in " ".join(scenario.step("closer-look").body)


# -- each rule catches what it is for ------------------------------------------------------------


def _scenario() -> dict:
    return copy.deepcopy(_yaml("scenario", "british-doctor"))


def _step(data: dict, step_id: str) -> dict:
    return next(s for s in data["steps"] if s["id"] == step_id)


def test_a_step_nobody_can_reach_is_reported():
    data = _scenario()
    # side-room is reached only from the first step's Distract choice: send that choice elsewhere.
    _step(data, "request")["choices"][1]["next"] = "grudging"
    assert scenario_problems(data) == ["step 'side-room' cannot be reached from the start"]


def test_a_link_to_a_missing_step_is_reported():
    data = _scenario()
    _step(data, "grudging")["choices"][0]["next"] = "no-such-step"
    problems = scenario_problems(data)
    assert "step 'grudging': choice 'check-in' leads to missing step 'no-such-step'" in problems


def test_a_loop_is_reported_because_its_path_never_ends():
    data = _scenario()
    _step(data, "check-in")["choices"][0]["next"] = "request"
    problems = scenario_problems(data)
    assert any(p.startswith("steps loop and a path never ends:") and "request" in p for p in problems)


def test_a_scenario_needs_two_endings():
    data = _scenario()
    endings = [s["id"] for s in data["steps"] if "ending" in s]
    keep = endings[0]
    data["steps"] = [s for s in data["steps"] if "ending" not in s or s["id"] == keep]
    for step in data["steps"]:
        for choice in step.get("choices", ()):
            if choice["next"] in endings:
                choice["next"] = keep
    assert scenario_problems(data) == ["has 1 ending(s); a scenario needs at least two"]


def test_a_choice_without_a_known_tag_or_feedback_fails_the_schema():
    data = _scenario()
    del _step(data, "request")["choices"][0]["feedback"]
    _step(data, "request")["choices"][1]["d"] = "shout"
    untagged = _scenario()
    del _step(untagged, "request")["choices"][0]["d"]
    assert any("'feedback' is a required property" in p for p in schema_problems("scenario", data))
    assert schema_problems("scenario", data) and schema_problems("scenario", untagged)
    assert schema_problems("scenario", _scenario()) == []


def test_a_knowledge_check_with_two_right_answers_or_an_unreachable_pass_mark_is_reported():
    data = copy.deepcopy(_yaml("module", "delay"))
    for option in data["check"]["questions"][0]["options"]:
        option["correct"] = True
    data["check"]["pass_mark"] = 4
    assert module_problems(data) == [
        "question 'what-to-say' has 2 right answers; it needs exactly one",
        "pass mark 4 is more than the 3 questions",
    ]


def test_the_loader_refuses_a_directory_with_a_broken_file_and_names_it(tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    root = tmp_path / "content"
    broken = _scenario()
    _step(broken, "grudging")["choices"][0]["next"] = "nowhere"
    (root / "scenarios" / "british-doctor.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    (root / "modules" / "delay.yaml").write_text("kind: module\nid: delay\n", encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_curriculum(root)
    problems = refused.value.problems
    assert any(p.startswith("scenarios/british-doctor.yaml: step 'grudging'") for p in problems)
    assert any(p.startswith("modules/delay.yaml: (top level): 'version' is a required property") for p in problems)
    assert "no module teaches Delay" in problems


# -- the confidence measure ------------------------------------------------------------------------

from services.training.measures import INSTRUMENT_FILE, instrument_problems, load_instrument  # noqa: E402


def _instrument_yaml() -> dict:
    return yaml.safe_load((CONTENT_DIR / INSTRUMENT_FILE).read_text(encoding="utf-8"))


def test_the_confidence_measure_is_valid_and_covers_every_d():
    data = _instrument_yaml()
    assert schema_problems("confidence", data) == []
    assert instrument_problems(data) == []
    found = load_instrument()
    assert isinstance(found.version, int)
    for d in FIVE_DS:
        assert 1 <= len(found.items_for(d)) <= 3, d
    assert [p.value for p in found.scale] == [1, 2, 3, 4, 5]
    assert {o.id for o in found.acted_options} == {"yes", "no", "not_sure"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"].__setitem__(slice(None), [i for i in d["items"] if i["d"] != "delay"]),
         "Delay has 0 items; each D needs one to three"),
        (lambda d: d["items"].append(dict(d["items"][0])), "item id 'distract-interrupt' is used twice"),
        (lambda d: d["scale"].pop(2), "are not consecutive whole numbers"),
        (lambda d: d["follow_up"]["options"].__setitem__(2, {"id": "yes", "text": "Again"}),
         "must offer yes, no and not_sure once each"),
    ],
)
def test_each_confidence_rule_catches_its_mistake(change, expected):
    data = copy.deepcopy(_instrument_yaml())
    change(data)
    assert schema_problems("confidence", data) == []
    assert any(expected in p for p in instrument_problems(data)), instrument_problems(data)


def test_the_confidence_schema_refuses_an_item_for_something_that_is_not_a_d():
    data = copy.deepcopy(_instrument_yaml())
    data["items"][0]["d"] = "do_nothing"
    data["items"][1].pop("text")
    problems = schema_problems("confidence", data)
    assert any(p.startswith("items/0/d:") for p in problems)
    assert any(p.startswith("items/1:") and "'text' is a required property" in p for p in problems)


def test_the_app_refuses_to_start_on_a_broken_confidence_measure(tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content" / INSTRUMENT_FILE
    data = _instrument_yaml()
    data["scale"] = data["scale"][:1]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_instrument(tmp_path / "content")
    assert any(p.startswith("measures/confidence.yaml: scale:") for p in raised.value.problems)
    path.unlink()
    with pytest.raises(ContentError, match="missing"):
        load_instrument(tmp_path / "content")

"""The resource library: a trainer adds links and PDFs (refused when they are not what they claim),
learners search and filter it without JavaScript, downloads are served safely, changes are audited."""

from __future__ import annotations

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import stream_encode_multipart

from portal_common.db import unit_of_work
from services.training.models import AuditEntry, Resource
from services.training.resources import MAX_BYTES

from ..signin.conftest import csrf_token, sign_in

TRAINER = {"name": "Tam Trainer", "email": "tam.trainer@example.nhs.uk", "roles": ["trainer"]}
LEARNER = {"name": "Lou Learner", "email": "lou.learner@example.nhs.uk"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _rows(app, model):
    with unit_of_work(app.extensions["portal"]["sessions"]) as db:
        rows = list(db.scalars(select(model)))
        for row in rows:
            db.expunge(row)
        return rows


def _post_closed(client, path: str, data: dict):
    """A multipart POST encoded in memory (werkzeug's test client would leave a large body's
    temporary file open)."""
    fields = MultiDict()
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            fields.add(name, FileStorage(item[0], filename=item[1]) if isinstance(item, tuple) else item)
    stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    response = client.open(path, method="POST", input_stream=stream, content_length=length,
                           content_type=f"multipart/form-data; boundary={boundary}")
    response.get_data()
    return response


def _form(token: str, **values):
    base = {"csrf_token": token, "title": "Speaking up on the ward", "summary": "How to raise a concern safely.",
            "kind": "guide", "source": "link", "url": "https://www.example.nhs.uk/speaking-up",
            "audiences": ["all_staff"]}
    base.update(values)
    return base


def test_trainers_curate_and_learners_search_the_library(rp_factory, provider):
    app = rp_factory("training")
    trainer = app.test_client()
    sign_in(provider, trainer, "res-trainer", TRAINER)
    form = _text(trainer.get("/resources/new"))
    token = csrf_token(form)
    assert 'enctype="multipart/form-data"' in form and "<legend" in form

    # Everything missing or wrong: each reason named, what was typed kept, nothing saved.
    bad = trainer.post("/resources/new", data=_form(token, title="", summary="", kind="", source="link",
                                                    url="http://insecure.example.org/page", audiences=[]))
    text = _text(bad)
    assert bad.status_code == 400 and "There is a problem" in text
    for message in ("Enter a title", "Enter a short summary", "Select the type of resource",
                    "Enter an address that starts with https://", "Select who it is for"):
        assert message in text
    assert 'value="http://insecure.example.org/page"' in text
    for url in ("javascript:alert(1)", "https://user:pw@example.org/", "https://localhost/x", "ftp://example.org/a"):
        refused = trainer.post("/resources/new", data=_form(token, url=url))
        assert refused.status_code == 400 and "https://" in _text(refused), url
    assert _rows(app, Resource) == []

    # A file that is not a PDF by name, by content, or is too large.
    cases = [
        ((io.BytesIO(PDF), "guide.docx"), "The file must be a PDF (its name ends in .pdf)"),
        ((io.BytesIO(b"<html><script>alert(1)</script>"), "fake.pdf"), "The file is not a PDF"),
        ((io.BytesIO(PDF + b"0" * MAX_BYTES), "huge.pdf"), "The file must be 10 MB or smaller"),
    ]
    for upload, message in cases:
        refused = _post_closed(trainer, "/resources/new", _form(token, source="file", title="Poster", file=upload))
        text = _text(refused)
        assert refused.status_code == 400 and message in text and 'value="Poster"' in text, message
    # (A body far over the limit gets a 413 page saying nothing was saved; not exercised here
    # because werkzeug leaves the part-parsed upload's temporary file open when it refuses one.)
    no_file = trainer.post("/resources/new", data=_form(token, source="file"), content_type="multipart/form-data")
    assert no_file.status_code == 400 and "Choose a PDF file to upload" in _text(no_file)
    assert _rows(app, Resource) == []

    added = trainer.post("/resources/new", data=_form(token, ds=["delegate", "direct"], themes=["care_refused"],
                                                      audiences=["all_staff", "managers"]))
    assert added.status_code == 303 and added.headers["Location"] == "/resources?done=added"
    poster = trainer.post(
        "/resources/new",
        data=_form(token, title="The 5 Ds poster", summary="A poster for staff rooms.", kind="poster",
                   source="file", file=(io.BytesIO(PDF), "five ds <poster>.pdf"), ds=["distract"],
                   audiences=["all_staff"]),
        content_type="multipart/form-data",
    )
    assert poster.status_code == 303
    trainer.post("/resources/new", data=_form(token, title="Leading an inclusive team", kind="reading",
                                              summary="Reading for managers about acting on what staff raise.",
                                              url="https://www.example.org/inclusive-teams",
                                              audiences=["managers", "leaders"], themes=["leadership_inaction"]))
    rows = {r.title: r for r in _rows(app, Resource)}
    assert rows["The 5 Ds poster"].file_name == "five ds _poster_.pdf" and rows["The 5 Ds poster"].file_size == len(PDF)
    assert rows["Speaking up on the ward"].ds == ["delegate", "direct"] and rows["Speaking up on the ward"].url

    # Any learner searches: by words, by type, D, theme and audience, as plain GET forms.
    learner = app.test_client()
    sign_in(provider, learner, "res-learner", LEARNER)
    everything = _text(learner.get("/resources"))
    assert 'method="get"' in everything and ">3 resources<" in everything and "Add a resource" not in everything
    assert "Change<" not in everything

    def titles(query: str) -> list[str]:
        page = _text(learner.get("/resources?" + query))
        return sorted(re.findall(r'<h3 class="nhsuk-card__heading nhsuk-heading-s">\s*<a href="[^"]+"[^>]*>([^<]+)</a>',
                                 page))

    assert titles("q=POSTER") == ["The 5 Ds poster"]
    assert titles("q=staff+raise") == ["Leading an inclusive team"]
    assert titles("kind=reading") == ["Leading an inclusive team"]
    assert titles("d=direct") == ["Speaking up on the ward"]
    assert titles("theme=care_refused") == ["Speaking up on the ward"]
    assert titles("audience=managers") == ["Leading an inclusive team", "Speaking up on the ward"]
    assert titles("audience=managers&q=ward") == ["Speaking up on the ward"]
    assert titles("q=nothing+like+this") == []
    assert "Nothing matches" in _text(learner.get("/resources?q=nothing+like+this"))
    assert titles("kind=not-a-kind") == sorted(rows)  # an unknown filter is ignored, not an error
    assert 'value="ward"' in _text(learner.get("/resources?q=ward"))  # the search box keeps the words

    # The PDF comes down as a download that a browser will not sniff or render in the portal.
    file_id = rows["The 5 Ds poster"].id
    download = learner.get(f"/resources/{file_id}/file")
    assert download.status_code == 200 and download.data == PDF and download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="five ds _poster_.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert learner.get(f"/resources/{rows['Speaking up on the ward'].id}/file").status_code == 404
    assert learner.get("/resources/new").status_code == 403
    assert learner.get(f"/resources/{file_id}/edit").status_code == 403
    assert learner.post(f"/resources/{file_id}/delete", data={"csrf_token": csrf_token(everything)}).status_code == 403

    # Change: a bad edit keeps the typed values; leaving the file empty keeps the PDF.
    edit_form = _text(trainer.get(f"/resources/{file_id}/edit"))
    assert 'value="The 5 Ds poster"' in edit_form and "Leave empty to keep five ds _poster_.pdf" in edit_form
    bad_edit = trainer.post(f"/resources/{file_id}/edit", data=_form(token, title="Renamed poster", summary="",
                                                                     source="file", kind="poster"),
                            content_type="multipart/form-data")
    assert bad_edit.status_code == 400 and 'value="Renamed poster"' in _text(bad_edit)
    saved = trainer.post(f"/resources/{file_id}/edit", data=_form(token, title="Renamed poster", source="file",
                                                                  kind="poster", summary="Now for every ward."),
                         content_type="multipart/form-data")
    assert saved.status_code == 303
    assert learner.get(f"/resources/{file_id}/file").data == PDF
    # Switching it to a link drops the file.
    trainer.post(f"/resources/{file_id}/edit", data=_form(token, title="Renamed poster", kind="poster",
                                                          url="https://www.example.org/poster"))
    assert learner.get(f"/resources/{file_id}/file").status_code == 404

    # Delete: a confirmation page, then gone.
    confirm = _text(trainer.get(f"/resources/{file_id}/delete"))
    assert "Delete \"Renamed poster\"?" in confirm
    gone = trainer.post(f"/resources/{file_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and len(_rows(app, Resource)) == 2
    assert trainer.get(f"/resources/{file_id}/edit").status_code == 404

    audit = [(e.action, e.target, e.actor) for e in _rows(app, AuditEntry)]
    assert ("resource_changed", f"resource {file_id}", "tam.trainer@example.nhs.uk") in audit
    assert ("resource_deleted", f"resource {file_id}", "tam.trainer@example.nhs.uk") in audit
    assert sum(1 for a in audit if a[0] == "resource_added") == 3

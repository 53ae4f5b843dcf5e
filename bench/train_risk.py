"""Train the residual-risk scorer and write services/redactor/data/risk_model.json.

    .venv/bin/python bench/train_risk.py   # or: make train-risk

Data: synthetic reports only (bench/make_risk_training.py), never the evaluation sets.
A training set draws its names from one half of each shipped name list (part 0); a
calibration set from the other half (part 1), with another seed. Both are redacted with
the default profile, and every visible candidate token is labelled by whether it lies in a
gold PERSON, EMAIL, PHONE, ADDRESS, ID or URL span (a leak); a report leaks if any does.

Stage 1, token model: L2-regularised logistic regression over the binary features of
risk.candidates. Stage 2, report model: logistic regression over risk.doc_features, fitted
on training reports with out-of-fold token logits (two folds), so stage 2 never sees
stage 1's fit to its own tokens. The threshold is the highest score that still flags
TARGET_CATCH of the leaky calibration reports. Reproducible: fixed seeds, deterministic
optimiser (Newton's method in numpy; scipy is not a dependency), sorted feature names.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "libs")]

from services.redactor.pipeline import load_redactor, risk  # noqa: E402

CORE = {"PERSON", "EMAIL", "PHONE", "ADDRESS", "ID", "URL"}
TARGET_CATCH = 0.93
L2_TOKEN, L2_DOC = 1.0, 0.1
VAR = ROOT / "var"
SETS = {"train": (0, 11, 8000), "calib": (1, 12, 4000)}


def generate(name: str) -> list[dict]:
    part, seed, n = SETS[name]
    path = VAR / f"risk_{name}.jsonl"
    subprocess.run(
        [
            sys.executable,
            "make_risk_training.py",
            "--part",
            str(part),
            "--seed",
            str(seed),
            "--n",
            str(n),
            "--out",
            str(path),
        ],
        cwd=ROOT / "bench",
        check=True,
    )
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def featurise(redactor, docs: list[dict]) -> list[dict]:
    """Per report: candidate features, token labels, entities, text, whether it leaks."""
    out = []
    texts = [d["text"] for d in docs]
    for i in range(0, len(texts), 256):
        parsed = redactor._parse(texts[i : i + 256], 64)
        for gold, doc in zip(docs[i : i + 256], parsed, strict=True):
            text = gold["text"]
            ents = redactor._entities(doc)
            core = [(s["start"], s["end"]) for s in gold["spans"] if s["label"] in CORE]
            cands = risk.candidates(doc, ents, redactor.vocab, text)
            other = [(s["start"], s["end"]) for s in gold["spans"] if s["label"] not in CORE]
            # A visible token in a non-core gold span (a ward, a town, a date) is neither a
            # leak nor clean: it is left out of the token model's training.
            keep = [not any(a < e and s < b for a, b in other) for _, _, s, e in cands]
            cands = [c for c, k in zip(cands, keep, strict=True) if k]
            labels = [any(a < e and s < b for a, b in core) for _, _, s, e in cands]
            leak = False
            for a, b in core:
                for tok in doc.char_span(a, b, alignment_mode="expand") or []:
                    if tok.is_punct or tok.is_space:
                        continue
                    if not any(e.start <= tok.idx and tok.idx + len(tok.text) <= e.end for e in ents):
                        leak = True
            out.append({"feats": [c[0] for c in cands], "labels": labels, "ents": ents, "text": text, "leak": leak})
    return out


def fit_logreg(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Weights (last one the bias) minimising total log-loss + l2 * |w|^2 (bias unpenalised),
    by Newton's method (iteratively reweighted least squares): exact and deterministic."""
    n, d = X.shape
    Xb = np.hstack([X, np.ones((n, 1))])
    pen = np.full(d + 1, 2.0 * l2)
    pen[-1] = 1e-6
    w = np.zeros(d + 1)
    for _ in range(50):
        z = Xb @ w
        p = 1.0 / (1.0 + np.exp(-z))
        grad = Xb.T @ (p - y) + pen * w
        hess = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def token_matrix(rows: list[dict], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    index = {f: j for j, f in enumerate(names)}
    feats = [f for r in rows for f in r["feats"]]
    X = np.zeros((len(feats), len(names)))
    for i, fs in enumerate(feats):
        for f in fs:
            if f in index:
                X[i, index[f]] = 1.0
    y = np.array([lab for r in rows for lab in r["labels"]], dtype=float)
    return X, y


def token_model(rows: list[dict], names: list[str]) -> risk.RiskModel:
    X, y = token_matrix(rows, names)
    w = fit_logreg(X, y, L2_TOKEN)
    return risk.RiskModel(dict(zip(names, map(float, w[:-1]), strict=True)), float(w[-1]), {}, 0.0, 0.5)


def doc_matrix(rows: list[dict], model: risk.RiskModel, keys: list[str]) -> np.ndarray:
    out = []
    for r in rows:
        df = risk.doc_features([model.token_logit(f) for f in r["feats"]], r["ents"], r["text"])
        out.append([df[k] for k in keys])
    return np.array(out)


def main() -> None:
    redactor = load_redactor()
    train = featurise(redactor, generate("train"))
    calib = featurise(redactor, generate("calib"))
    names = sorted({f for r in train for fs in r["feats"] for f in fs})
    # Stage 2 is fitted on out-of-fold token logits.
    keys = sorted(risk.doc_features([], [], "").keys())
    folds = [train[0::2], train[1::2]]
    Xd_parts, yd_parts = [], []
    for k in (0, 1):
        m = token_model(folds[1 - k], names)
        Xd_parts.append(doc_matrix(folds[k], m, keys))
        yd_parts.append([float(r["leak"]) for r in folds[k]])
    Xd, yd = np.vstack(Xd_parts), np.concatenate(yd_parts)
    wd = fit_logreg(Xd, yd, L2_DOC)
    tok = token_model(train, names)
    model = risk.RiskModel(
        tok.token_weights, tok.token_bias, dict(zip(keys, map(float, wd[:-1]), strict=True)), float(wd[-1]), 0.5
    )
    # Calibrate the threshold on the other half of the name lists.
    scores, leaks = [], []
    for r in calib:
        df = risk.doc_features([model.token_logit(f) for f in r["feats"]], r["ents"], r["text"])
        z = model.doc_bias + sum(model.doc_weights[k] * v for k, v in df.items())
        scores.append(round(1 / (1 + np.exp(-z)), 3))
        leaks.append(r["leak"])
    s, lk = np.array(scores), np.array(leaks)
    leaky = np.sort(s[lk])[::-1]
    threshold = float(leaky[int(np.ceil(TARGET_CATCH * len(leaky))) - 1])
    caught = float((s[lk] >= threshold).mean())
    flagged = float((s >= threshold).mean())
    clean_flagged = float((s[~lk] >= threshold).mean())
    payload = {
        "_about": "Residual-risk scorer weights: written by bench/train_risk.py (make train-risk) from synthetic "
        "reports (bench/make_risk_training.py); never trained or calibrated on the evaluation sets.",
        "_calibration": {
            "reports": len(calib),
            "leaky": int(lk.sum()),
            "target_catch": TARGET_CATCH,
            "caught": round(caught, 3),
            "flagged": round(flagged, 3),
            "clean_flagged": round(clean_flagged, 3),
        },
        "threshold": threshold,
        "token_bias": round(model.token_bias, 4),
        "token_weights": {k: round(v, 4) for k, v in sorted(model.token_weights.items()) if abs(v) >= 1e-4},
        "doc_bias": round(model.doc_bias, 4),
        "doc_weights": {k: round(v, 4) for k, v in model.doc_weights.items()},
    }
    risk.MODEL_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(
        f"train {len(train)} reports ({sum(r['leak'] for r in train)} leaky), "
        f"{sum(len(r['labels']) for r in train)} candidate tokens, {len(names)} features; "
        f"calibration {len(calib)} reports ({int(lk.sum())} leaky): threshold {threshold:.3f} catches "
        f"{caught:.3f} of leaky reports, flags {flagged:.3f} of all and {clean_flagged:.3f} of clean ones"
    )
    print(f"wrote {risk.MODEL_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

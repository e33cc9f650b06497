#!/usr/bin/python3
"""Evaluates a hetmerge torch export (``hetmerge export --to torch``) with PyTorch on an image folder.

Usage: /usr/bin/python3 evaluate_export.py EXPORT_DIR --data DIR/test [--json] [--threads 2]

Loads the export with hetmerge_torch.load_export, reads DIR/test/<class>/*.png for every class named in any
task of export.json (preprocessed as export.json "preprocessing" says: resized to "size", ImageNet-style
mean/std), and reports
  * per task: accuracy of the argmax over that task's logits, on the images of that task's classes;
  * joint: accuracy of the argmax over all tasks' logits concatenated, on all those images (a prediction
    counts when the predicted class name is the image's class name).
Prints a Markdown table, or with --json one JSON object.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository's python/ folder
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import torch  # noqa: E402

from hetmerge_torch import (IMAGENET_MEAN, IMAGENET_STD, load_export, load_image_folder,  # noqa: E402
                            read_export_json)


def main():
    ap = argparse.ArgumentParser(description="Evaluate a hetmerge torch export on an image folder.")
    ap.add_argument("export_dir")
    ap.add_argument("--data", required=True, help="image folder with one sub-folder per class")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    def fail(msg):
        sys.exit(f"evaluate_export.py: error: {msg}")

    for f in ("export.json", "model.safetensors", "heads.safetensors"):
        if not os.path.isfile(os.path.join(a.export_dir, f)):
            fail(f"{os.path.join(a.export_dir, f)}: no such file")
    try:
        spec = read_export_json(a.export_dir)
        trunk, heads = load_export(a.export_dir)
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        fail(f"cannot load {a.export_dir}: {' '.join(str(e).split())}")
    if any(not classes for _, classes, _ in heads):
        fail(f"{a.export_dir}/export.json: every task needs its class names")
    pre = spec.get("preprocessing", {})
    names = []  # every class of any task, first appearance order
    for _, classes, _ in heads:
        names += [c for c in classes if c not in names]
    try:
        x, y = load_image_folder(a.data, names, size=pre.get("size"), mean=pre.get("mean", IMAGENET_MEAN),
                                 std=pre.get("std", IMAGENET_STD))
    except FileNotFoundError as e:
        fail(str(e))

    with torch.no_grad():
        logits = [[] for _ in heads]
        for i in range(0, len(x), a.batch):
            f = trunk(x[i:i + a.batch])
            for t, (_, _, lin) in enumerate(heads):
                logits[t].append(lin(f))
        logits = [torch.cat(l) for l in logits]

    rows = []
    for t, (task, classes, _) in enumerate(heads):
        sel = torch.tensor([names[int(v)] in classes for v in y])
        target = torch.tensor([classes.index(names[int(v)]) for v in y[sel]], dtype=torch.int64)
        pred = logits[t][sel].argmax(1)
        n = int(sel.sum())
        rows.append({"task": task, "classes": classes, "images": n,
                     "accuracy": float((pred == target).float().mean()) if n else None})
    joint_names = [c for _, classes, _ in heads for c in classes]
    pred = torch.cat(logits, 1).argmax(1)
    joint = float(sum(joint_names[int(p)] == names[int(v)] for p, v in zip(pred, y)) / len(y))
    result = {"export": a.export_dir, "data": a.data, "tasks": rows,
              "joint": {"classes": len(joint_names), "images": len(y), "accuracy": joint}}
    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(f"| task | classes | images | accuracy |")
    print(f"|---|---|---:|---:|")
    for r in rows:
        acc = "n/a" if r["accuracy"] is None else f"{100 * r['accuracy']:.2f}%"
        print(f"| {r['task']} | {', '.join(r['classes'])} | {r['images']} | {acc} |")
    print(f"| joint | all {len(joint_names)} | {len(y)} | {100 * joint:.2f}% |")


if __name__ == "__main__":
    main()

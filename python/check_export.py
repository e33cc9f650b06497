#!/usr/bin/python3
"""Checks a hetmerge torch export against hetmerge's own logits.

Usage: /usr/bin/python3 python/check_export.py EXPORT_DIR IO_FILE [--tol 1e-4]

EXPORT_DIR: export.json + model.safetensors + heads.safetensors (``hetmerge export --to torch``).
IO_FILE:    a safetensors file with ``input`` (F32 images B x C x H x W, or I64 token ids B x T) and
            ``outputs.{i}``, hetmerge's logits (B x k_i) for task i.

Loads the export with PyTorch (hetmerge_torch.load_export), runs ``input`` through every task and prints one
line per task: ``task i: max abs diff D (scale S)``, S = max|PyTorch logits|.  Exit status 0 when every
D <= tol * max(1, S); 1 when one is not (or the task counts / shapes differ); 2 for a missing file, or an
export or IO file that cannot be loaded (tensor names, shapes or dtypes that do not fit, bad JSON, ...).
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository's python/ folder
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def fail(msg, code=2):
    print(f"check_export: error: {msg}", file=sys.stderr)
    sys.exit(code)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare a hetmerge torch export with hetmerge's logits.")
    ap.add_argument("export_dir")
    ap.add_argument("io_file")
    ap.add_argument("--tol", type=float, default=1e-4, help="relative tolerance (default 1e-4)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    a = ap.parse_args(argv)

    for p in [os.path.join(a.export_dir, f) for f in ("export.json", "model.safetensors", "heads.safetensors")] \
            + [a.io_file]:
        if not os.path.isfile(p):
            fail(f"{p}: no such file")

    import torch
    torch.set_num_threads(a.threads)
    from hetmerge_torch import load_export, load_safetensors, run_export

    try:
        trunk, heads = load_export(a.export_dir)
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        fail(f"cannot load the export {a.export_dir}: {' '.join(str(e).split())}")
    try:
        io, _ = load_safetensors(a.io_file)
    except (ValueError, OSError) as e:
        fail(' '.join(str(e).split()))
    if "input" not in io:
        fail(f"{a.io_file}: has no tensor named input")
    outs = sorted((k for k in io if k.startswith("outputs.")), key=lambda k: (len(k), k))
    if len(outs) != len(heads) or any(f"outputs.{i}" not in io for i in range(len(heads))):
        fail(f"{a.io_file} holds {', '.join(outs) or 'no outputs.*'}; the export has {len(heads)} task(s) "
             f"(expected outputs.0 .. outputs.{len(heads) - 1})", 1)
    x = io["input"]
    x = x.long() if x.dtype in (torch.int32, torch.int64) else x.float()
    try:
        refs = run_export(trunk, heads, x)
    except (RuntimeError, ValueError) as e:
        fail(f"PyTorch cannot run input {tuple(x.shape)} through the export: {' '.join(str(e).split())}", 1)
    ok = True
    for i, ref in enumerate(refs):
        got = io[f"outputs.{i}"].double()
        ref = ref.double()
        if got.shape != ref.shape:
            print(f"task {i}: shape {tuple(got.shape)} but PyTorch gives {tuple(ref.shape)}")
            ok = False
            continue
        d = float((got - ref).abs().max()) if ref.numel() else 0.0
        s = float(ref.abs().max()) if ref.numel() else 0.0
        if d != d:  # NaN
            d = float("inf")
        good = d <= a.tol * max(1.0, s)
        ok &= good
        print(f"task {i}: max abs diff {d:.3g} (scale {s:.3g}){'' if good else '  FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

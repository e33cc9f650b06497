#!/usr/bin/python3
"""Writes PyTorch reference fixtures for hetmerge's importer tests.

Usage: /usr/bin/python3 python/make_fixtures.py OUTDIR [--cases name,name,...] [--threads N]

For every case (deterministic: torch.manual_seed and a seeded generator per case):
  OUTDIR/<case>.safetensors       the module's state dict (every floating tensor perturbed, see perturb())
  OUTDIR/<case>.io.safetensors    "input"  (F32 B x C x H x W images, or I64 B x T token ids; B = 4)
                                  "output" (F32 B x classes logits of the module in eval mode, torch.no_grad())
  OUTDIR/<case>.config.json       text cases only: the TextClassifier config
and OUTDIR/cases.json: [{"case", "family", "input": [C,H,W] | [T], "classes", "config": file | null,
                         "torch": <the export.json "torch" object>, "head": <head module name>}, ...]
and OUTDIR/tokenizer.json: a Hugging Face tokenizers WordLevel file for the text cases' ids 0..49.

Every reference is checked against a second computation that avoids torch's fused eval "fast path"
(text: hetmerge_torch.reference_slow_path in float64; others: the same module with autograd on), and the
logits' std must lie in [0.05, 50] with no NaN.

Note: the two VGG cases are large (torchvision's VGG classifier is 512*7*7 -> 4096 -> 4096 -> k whatever the
input size), about 530 MB each; leave them out with --cases if that matters.
"""

import argparse
import json
import math
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository's python/ folder
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from hetmerge_torch import (TextClassifier, build_torchvision, reference_slow_path,  # noqa: E402
                            save_safetensors, text_config)

B = 4
VGG11_CFG = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
TEXT_VOCAB = 50
TEXT_T = 16


def _text(norm_first, activation, layers=2, classes=3):
    return text_config(dict(vocab_size=TEXT_VOCAB, d_model=32, nhead=4, num_layers=layers, dim_feedforward=64,
                            max_length=TEXT_T, norm_first=norm_first, activation=activation, layer_norm_eps=1e-5,
                            pad_id=0, num_classes=classes))


# name -> (family, torch spec, head module, input shape without batch)
CASES = {
    "resnet18": ("torchvision-resnet",
                 {"class": "ResNet", "block": "BasicBlock", "layers": [2, 2, 2, 2], "width_per_group": 64,
                  "num_classes": 10}, "fc", [3, 64, 64]),
    "resnet50": ("torchvision-resnet",
                 {"class": "ResNet", "block": "Bottleneck", "layers": [3, 4, 6, 3], "width_per_group": 64,
                  "num_classes": 7}, "fc", [3, 64, 64]),
    "resnet_basic_1211_w": ("torchvision-resnet",
                            {"class": "ResNet", "block": "BasicBlock", "layers": [1, 2, 1, 1],
                             "width_per_group": 64, "num_classes": 5}, "fc", [3, 32, 32]),
    "vgg11_bn": ("torchvision-vgg", {"class": "VGG", "cfg": VGG11_CFG, "batch_norm": True, "num_classes": 6},
                 "classifier.6", [3, 32, 32]),
    "vgg11": ("torchvision-vgg", {"class": "VGG", "cfg": VGG11_CFG, "batch_norm": False, "num_classes": 4},
              "classifier.6", [3, 32, 32]),
    "vit_small": ("torchvision-vit",
                  {"class": "VisionTransformer", "image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 4,
                   "hidden_dim": 64, "mlp_dim": 128, "num_classes": 5}, "heads.head", [3, 32, 32]),
    "text_post": ("torch-text-encoder", {"class": "TextClassifier", "config": _text(False, "relu")}, "head",
                  [TEXT_T]),
    "text_pre": ("torch-text-encoder", {"class": "TextClassifier", "config": _text(True, "gelu")}, "head",
                 [TEXT_T]),
    # A deeper pre-norm encoder with another head: the partner of text_pre in depth-merge tests.
    "text_pre3": ("torch-text-encoder", {"class": "TextClassifier", "config": _text(True, "gelu", 3, 2)}, "head",
                  [TEXT_T]),
    # A deeper post-norm encoder: post-norm layers have no exact identity, so depth merging must refuse it.
    "text_post3": ("torch-text-encoder", {"class": "TextClassifier", "config": _text(False, "relu", 3, 2)}, "head",
                   [TEXT_T]),
}


def _owner(model: nn.Module, key: str):
    """(module owning state-dict entry key, local name)."""
    mod_name, _, local = key.rpartition(".")
    return (model.get_submodule(mod_name) if mod_name else model), local


def perturb(model: nn.Module, g: torch.Generator, stats: bool) -> None:
    """Replaces floating state-dict tensors with seeded values, so that zero/one inits are exercised.

    stats=False: every floating tensor except BatchNorm running stats; stats=True: only those (called after
    calibrate_bn(), so the perturbed stats stay close to the activations they normalise).

    BatchNorm: weight 1+N(0,0.1), bias N(0,0.1), running_mean m + N(0,0.1)*sqrt(v), running_var v*U(0.5,1.5)
    where m, v are the stats calibrate_bn() measured (num_batches_tracked untouched; calibrate_bn leaves it
    at 1).  Random stats alone (N(0,0.1) means, U(0.5,1.5) variances) let the activations of a deep ResNet
    grow block after block (ResNet-50's logits reach std ~1000), measured ones keep them O(1).
    LayerNorm: weight 1+N(0,0.1), bias N(0,0.1).  Other biases (incl.
    attention in_proj_bias): N(0,0.1).  class_token / pos_embedding / pos_embed: N(0,0.02).  Other weights
    (conv, linear, embedding, in_proj_weight): w + N(0, s/2) with s = std(w), or 1/sqrt(fan_in) when w is
    constant (torchvision's ViT head starts at zero; torch 1.13's TransformerEncoder starts with identical
    layers, which the noise also breaks).
    """
    sd = model.state_dict()
    new = {}
    for key, t in sd.items():
        if not t.is_floating_point():
            new[key] = t  # e.g. BatchNorm's num_batches_tracked, kept as PyTorch has it
            continue
        mod, local = _owner(model, key)
        shape = t.shape
        if stats != (local in ("running_mean", "running_var")):
            new[key] = t
            continue

        def n(std):
            return torch.randn(shape, generator=g) * std

        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            if local == "weight":
                v = 1 + n(0.1)
            elif local == "running_var":
                v = t * (0.5 + torch.rand(shape, generator=g))
            elif local == "running_mean":
                v = t + n(0.1) * sd[key[:-len("mean")] + "var"].sqrt()
            else:  # bias
                v = n(0.1)
        elif isinstance(mod, nn.LayerNorm):
            v = 1 + n(0.1) if local == "weight" else n(0.1)
        elif local in ("class_token", "pos_embedding", "pos_embed"):
            v = n(0.02)
        elif local.endswith("bias"):
            v = n(0.1)
        else:
            s = float(t.std()) if t.numel() > 1 else 0.0
            if not s > 0:
                fan_in = t[0].numel() if t.dim() > 1 else t.numel()
                s = 1 / math.sqrt(fan_in)
            v = t + n(s / 2)
        new[key] = v.to(t.dtype)
    model.load_state_dict(new, strict=True)


def calibrate_bn(model: nn.Module, in_shape, g: torch.Generator, batch: int = 32) -> None:
    """Sets every BatchNorm's running stats to the batch stats of random N(0,1) inputs (one train-mode pass)."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: after one batch, exactly that batch's stats
    model.train()
    with torch.no_grad():
        model(torch.randn([batch] + list(in_shape), generator=g))
    for m in bns:
        m.momentum = 0.1
    model.eval()


def text_ids(g: torch.Generator) -> torch.Tensor:
    lengths = [1, 7, 12, 16]  # one row with 1 real token, one with 16
    ids = torch.zeros(B, TEXT_T, dtype=torch.int64)
    for r, n in enumerate(lengths):
        ids[r, :n] = torch.randint(2, TEXT_VOCAB, (n,), generator=g)
    return ids


def make_case(name: str, seed: int, outdir: str) -> dict:
    family, spec, head, in_shape = CASES[name]
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = build_torchvision(spec)
    perturb(model, g, stats=False)
    calibrate_bn(model, in_shape, g)
    perturb(model, g, stats=True)
    model.eval()
    x = text_ids(g) if spec["class"] == "TextClassifier" else torch.randn([B] + in_shape, generator=g)
    with torch.no_grad():
        y = model(x).float()
    # second computation, off torch's fused eval fast path
    if isinstance(model, TextClassifier):
        ref = reference_slow_path(model, x)
    else:
        with torch.enable_grad():  # parameters require grad -> MultiheadAttention skips its fast path
            ref = model(x).detach().double()
    diff = float((y.double() - ref).abs().max())
    scale = max(1.0, float(ref.abs().max()))
    if not diff <= 1e-4 * scale:
        raise SystemExit(f"{name}: PyTorch's two computations disagree by {diff:.3g} (scale {scale:.3g})")
    std = float(y.std())
    if torch.isnan(y).any() or not 0.05 <= std <= 50:
        raise SystemExit(f"{name}: logits std {std:.3g} outside [0.05, 50] (or NaN)")
    save_safetensors(os.path.join(outdir, f"{name}.safetensors"), model.state_dict())
    save_safetensors(os.path.join(outdir, f"{name}.io.safetensors"), {"input": x, "output": y})
    config = None
    if spec["class"] == "TextClassifier":
        config = f"{name}.config.json"
        with open(os.path.join(outdir, config), "w", encoding="utf-8") as f:
            json.dump(spec["config"], f, indent=2)
            f.write("\n")
    return {"case": name, "family": family, "input": in_shape, "classes": int(y.shape[1]), "config": config,
            "torch": spec, "head": head, "_std": std, "_diff": diff}


def tokenizer_json() -> dict:
    vocab = {"[PAD]": 0, "[UNK]": 1}
    for i in range(2, TEXT_VOCAB):
        vocab[f"w{i}"] = i
    special = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for i, c in ((0, "[PAD]"), (1, "[UNK]"))]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--cases", help="comma-separated subset of: " + ",".join(CASES))
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    names = list(CASES) if not a.cases else [c.strip() for c in a.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    os.makedirs(a.outdir, exist_ok=True)
    entries = []
    t0 = time.time()
    for i, name in enumerate(CASES):
        if name not in names:
            continue
        t = time.time()
        e = make_case(name, 1000 + i, a.outdir)  # seed depends on the case, not on which cases are chosen
        if not a.quiet:
            print(f"{name}: logits std {e['_std']:.3g}, fast/slow path diff {e['_diff']:.2g}, "
                  f"{time.time() - t:.1f} s", flush=True)
        entries.append({k: v for k, v in e.items() if not k.startswith("_")})
    with open(os.path.join(a.outdir, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2)
        f.write("\n")
    with open(os.path.join(a.outdir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(), f, indent=2)
        f.write("\n")
    if not a.quiet:
        print(f"wrote {len(entries)} cases to {a.outdir} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()

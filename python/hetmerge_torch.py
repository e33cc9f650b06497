"""PyTorch side of hetmerge: safetensors I/O, the text classifier, and loading hetmerge's torch exports.

Importable from the repository's ``python/`` folder::

    sys.path.insert(0, "<repo>/python")
    from hetmerge_torch import save_safetensors, load_safetensors, TextClassifier, build_torchvision, load_export

Written against torch 1.13 / torchvision 0.14 (Debian's python3-torch / python3-torchvision); uses nothing
beyond torch, torchvision and the standard library (no ``safetensors`` package).

torch 1.13 notes (the things that could make PyTorch's numbers differ from a plain re-implementation):

* ``nn.TransformerEncoderLayer`` and ``nn.MultiheadAttention`` take a fused "fast path"
  (``torch._transformer_encoder_layer_fwd`` / ``torch._native_multi_head_attention``) when the module is in
  eval mode and autograd is off (``torch.no_grad()``) or no parameter requires grad.  It computes the same
  math as the regular path (post- and pre-norm, ReLU and exact erf-GELU, key padding mask); measured
  difference on the fixtures is below 1e-6.  ``make_fixtures.py`` still checks every text reference against
  the regular path in float64 (:func:`reference_slow_path`) so a fast-path bug cannot slip into the fixtures.
* ``nn.TransformerEncoder`` would also turn a padded batch into a nested tensor (``enable_nested_tensor``),
  which zeroes the encoder output at padded positions.  :class:`TextClassifier` builds the encoder with
  ``enable_nested_tensor=False`` (the kwarg exists in 1.13); padded positions are excluded by the masked mean
  anyway, so the logits would not change, but the features at padded positions stay the regular-path ones.
* ``activation="gelu"`` is the exact (erf) GELU, not the tanh approximation.
* torchvision's ``VisionTransformer`` uses ``LayerNorm(eps=1e-6)`` (every ``ln_1``, ``ln_2`` and the final
  ``encoder.ln``), whereas ``TextClassifier`` defaults to ``layer_norm_eps=1e-5`` like ``nn.LayerNorm``.
* torch 1.13's ``TransformerEncoder`` deep-copies its layer, so all layers start with identical weights.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn

# ----------------------------------------------------------------------------------------------------------
# safetensors
# ----------------------------------------------------------------------------------------------------------

_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}
_SIZES = {"F64": 8, "F32": 4, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (or a tensor this module cannot write)."""


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.numpy().tobytes()  # row-major, native (= little-endian, checked by the callers) byte order


def save_safetensors(path, tensors: Dict[str, torch.Tensor],
                     metadata: Optional[Dict[str, str]] = {"format": "pt"}) -> None:  # noqa: B006 (read-only)
    """Writes ``tensors`` as a safetensors file (written to ``path + '.tmp'``, then renamed into place).

    Tensors are detached, moved to cpu and made contiguous; their data follows in sorted name order without
    gaps.  The JSON header is padded with spaces to a multiple of 8 bytes.  ``metadata`` (str -> str) goes
    into ``__metadata__``; pass None for no ``__metadata__`` entry.
    """
    if sys.byteorder != "little":
        raise SafetensorsError("save_safetensors needs a little-endian machine")
    header: Dict[str, object] = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorsError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    chunks: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not isinstance(t, torch.Tensor):
            raise SafetensorsError(f"{name}: not a tensor ({type(t).__name__})")
        if name == "__metadata__":
            raise SafetensorsError("a tensor cannot be named __metadata__")
        if t.dtype not in _NAMES:
            raise SafetensorsError(f"{name}: unsupported dtype {t.dtype} (supported: F32 F64 I64 I32 U8 BOOL)")
        data = _tensor_bytes(t)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    tmp = str(path) + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def load_safetensors(path) -> Tuple[Dict[str, torch.Tensor], Optional[Dict[str, str]]]:
    """Reads a safetensors file: returns ``(tensors, metadata)``.

    ``tensors`` maps names to (writable, cpu, contiguous) tensors, in the order of their data in the file;
    ``metadata`` is the ``__metadata__`` object, or None when the file has none.  Raises
    :class:`SafetensorsError` (with the file name) for a malformed file and FileNotFoundError if it is missing.
    """
    if sys.byteorder != "little":
        raise SafetensorsError("load_safetensors needs a little-endian machine")
    with open(path, "rb") as f:
        raw = f.read()

    def bad(msg):
        return SafetensorsError(f"{path}: not a valid safetensors file ({msg})")

    if len(raw) < 8:
        raise bad("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise bad(f"header length {n} exceeds the file size {len(raw)}")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad(f"header is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")
    data = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not isinstance(metadata, dict):
        raise bad("__metadata__ is not an object")
    entries = []
    for name, e in header.items():
        if not isinstance(e, dict) or not {"dtype", "shape", "data_offsets"} <= set(e):
            raise bad(f"{name}: entry needs dtype, shape and data_offsets")
        dt = e["dtype"]
        if dt not in _DTYPES:
            raise bad(f"{name}: unsupported dtype {dt!r} (supported: {' '.join(_DTYPES)})")
        shape = e["shape"]
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise bad(f"{name}: bad shape {shape!r}")
        off = e["data_offsets"]
        if not (isinstance(off, list) and len(off) == 2 and all(isinstance(o, int) for o in off)
                and 0 <= off[0] <= off[1] <= len(data)):
            raise bad(f"{name}: bad data_offsets {off!r} (data section is {len(data)} bytes)")
        numel = 1
        for s in shape:
            numel *= s
        if off[1] - off[0] != numel * _SIZES[dt]:
            raise bad(f"{name}: {off[1] - off[0]} bytes for shape {shape} of {dt}")
        entries.append((off[0], off[1], name, dt, shape))
    entries.sort()
    pos = 0
    for b, e, name, _, _ in entries:
        if b != pos:
            raise bad(f"{name}: data starts at {b}, expected {pos} (gap or overlap)")
        pos = e
    if pos != len(data):
        raise bad(f"{len(data) - pos} trailing bytes after the last tensor")
    out: Dict[str, torch.Tensor] = {}
    for b, e, name, dt, shape in entries:
        buf = bytearray(data[b:e])
        if dt == "BOOL":
            t = torch.frombuffer(buf, dtype=torch.uint8) if buf else torch.empty(0, dtype=torch.uint8)
            if bool((t > 1).any()):
                raise bad(f"{name}: BOOL byte other than 0 or 1")
            t = t.to(torch.bool)
        else:
            t = torch.frombuffer(buf, dtype=_DTYPES[dt]) if buf else torch.empty(0, dtype=_DTYPES[dt])
        out[name] = t.reshape(shape)
    return out, metadata


# ----------------------------------------------------------------------------------------------------------
# Text classifier
# ----------------------------------------------------------------------------------------------------------

TEXT_DEFAULTS = {"layer_norm_eps": 1e-5, "pad_id": 0}
TEXT_REQUIRED = ["vocab_size", "d_model", "nhead", "num_layers", "dim_feedforward", "max_length", "norm_first",
                 "activation", "num_classes"]


def text_config(config: dict) -> dict:
    """The config with every key filled in (defaults: layer_norm_eps 1e-5, pad_id 0, final_norm = norm_first)."""
    missing = [k for k in TEXT_REQUIRED if k not in config]
    if missing:
        raise ValueError(f"TextClassifier config lacks {', '.join(missing)}")
    c = dict(TEXT_DEFAULTS)
    c.update(config)
    c.setdefault("final_norm", bool(c["norm_first"]))
    if c["activation"] not in ("relu", "gelu"):
        raise ValueError(f"TextClassifier activation must be relu or gelu, not {c['activation']!r}")
    return c


class TextClassifier(nn.Module):
    """Token embedding + learned positions + ``nn.TransformerEncoder`` + masked mean pooling + linear head.

    State dict names: ``embed.weight``, ``pos_embed``, ``encoder.layers.{i}.self_attn.in_proj_weight`` …
    ``encoder.layers.{i}.norm2.bias``, ``encoder.norm.weight``/``bias`` (only with final_norm),
    ``head.weight``, ``head.bias``.
    """

    def __init__(self, config: dict):
        super().__init__()
        c = text_config(config)
        self.config = c
        self.pad_id = int(c["pad_id"])
        self.max_length = int(c["max_length"])
        d, eps = int(c["d_model"]), float(c["layer_norm_eps"])
        self.embed = nn.Embedding(int(c["vocab_size"]), d, padding_idx=self.pad_id)
        self.pos_embed = nn.Parameter(torch.zeros(self.max_length, d))
        layer = nn.TransformerEncoderLayer(d, int(c["nhead"]), int(c["dim_feedforward"]), dropout=0.0,
                                           activation=c["activation"], layer_norm_eps=eps, batch_first=True,
                                           norm_first=bool(c["norm_first"]))
        # enable_nested_tensor=False: see the module docstring (no nested-tensor conversion of padded batches)
        self.encoder = nn.TransformerEncoder(layer, int(c["num_layers"]),
                                             norm=nn.LayerNorm(d, eps=eps) if c["final_norm"] else None,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d, int(c["num_classes"]))

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.dim() != 2:
            raise ValueError(f"TextClassifier expects B x T token ids, got shape {tuple(ids.shape)}")
        T = ids.shape[1]
        if T > self.max_length:
            raise ValueError(f"sequence length {T} exceeds max_length {self.max_length}")
        mask = ids == self.pad_id
        x = self.embed(ids) + self.pos_embed[:T]
        x = self.encoder(x, src_key_padding_mask=mask)
        keep = (~mask).unsqueeze(-1).float()
        return (x * keep).sum(1) / keep.sum(1).clamp(min=1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids))


def reference_slow_path(model: TextClassifier, ids: torch.Tensor) -> torch.Tensor:
    """The TextClassifier's logits computed in float64 through the regular (non-fast) path.

    Written out with plain tensor ops from the module's weights, so that neither torch's fused encoder kernel
    nor nested tensors are involved; used to cross-check the fixtures.  Returns float64 logits.
    """
    import torch.nn.functional as F
    c = model.config
    ids = ids.long()
    B, T = ids.shape
    mask = ids == model.pad_id
    dd = lambda t: t.detach().double()  # noqa: E731
    x = dd(model.embed.weight)[ids] + dd(model.pos_embed)[:T]
    H = int(c["nhead"])
    d = int(c["d_model"])
    hd = d // H
    eps = float(c["layer_norm_eps"])
    act = F.relu if c["activation"] == "relu" else F.gelu

    def ln(v, m):
        return F.layer_norm(v, (d,), dd(m.weight), dd(m.bias), eps)

    def attn(v, layer):
        a = layer.self_attn
        qkv = v @ dd(a.in_proj_weight).t() + dd(a.in_proj_bias)
        q, k, w = qkv.split(d, dim=-1)
        q = q.view(B, T, H, hd).transpose(1, 2)
        k = k.view(B, T, H, hd).transpose(1, 2)
        w = w.view(B, T, H, hd).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) / (hd ** 0.5)
        s = s.masked_fill(mask[:, None, None, :], float("-inf"))
        o = (s.softmax(-1) @ w).transpose(1, 2).reshape(B, T, d)
        return o @ dd(a.out_proj.weight).t() + dd(a.out_proj.bias)

    def ff(v, layer):
        return act(v @ dd(layer.linear1.weight).t() + dd(layer.linear1.bias)) @ dd(layer.linear2.weight).t() \
            + dd(layer.linear2.bias)

    for layer in model.encoder.layers:
        if layer.norm_first:
            x = x + attn(ln(x, layer.norm1), layer)
            x = x + ff(ln(x, layer.norm2), layer)
        else:
            x = ln(x + attn(x, layer), layer.norm1)
            x = ln(x + ff(x, layer), layer.norm2)
    if model.encoder.norm is not None:
        x = ln(x, model.encoder.norm)
    keep = (~mask).unsqueeze(-1).double()
    f = (x * keep).sum(1) / keep.sum(1).clamp(min=1)
    return f @ dd(model.head.weight).t() + dd(model.head.bias)


# ----------------------------------------------------------------------------------------------------------
# torchvision models and hetmerge exports
# ----------------------------------------------------------------------------------------------------------

EXPORT_FORMAT = "hetmerge-torch-export/1"


def build_torchvision(spec: dict) -> nn.Module:
    """Builds the (randomly initialised) module an export.json ``"torch"`` object describes.

    ``{"class": "ResNet", "block": "BasicBlock"|"Bottleneck", "layers": [...], "width_per_group": 64,
    "num_classes": k}``, ``{"class": "VGG", "cfg": [64, "M", ...], "batch_norm": bool, "num_classes": k}``,
    ``{"class": "VisionTransformer", "image_size", "patch_size", "num_layers", "num_heads", "hidden_dim",
    "mlp_dim", "num_classes"}`` or ``{"class": "TextClassifier", "config": {...}}``.
    """
    cls = spec.get("class")
    if cls == "ResNet":
        from torchvision.models import resnet
        blocks = {"BasicBlock": resnet.BasicBlock, "Bottleneck": resnet.Bottleneck}
        if spec.get("block") not in blocks:
            raise ValueError(f"ResNet block must be BasicBlock or Bottleneck, not {spec.get('block')!r}")
        return resnet.ResNet(blocks[spec["block"]], list(spec["layers"]), num_classes=int(spec["num_classes"]),
                             width_per_group=int(spec.get("width_per_group", 64)))
    if cls == "VGG":
        from torchvision.models import vgg
        cfg = [c if c == "M" else int(c) for c in spec["cfg"]]
        return vgg.VGG(vgg.make_layers(cfg, batch_norm=bool(spec.get("batch_norm", False))),
                       num_classes=int(spec["num_classes"]))
    if cls == "VisionTransformer":
        from torchvision.models.vision_transformer import VisionTransformer
        return VisionTransformer(int(spec["image_size"]), int(spec["patch_size"]), int(spec["num_layers"]),
                                 int(spec["num_heads"]), int(spec["hidden_dim"]), int(spec["mlp_dim"]),
                                 num_classes=int(spec["num_classes"]))
    if cls == "TextClassifier":
        return TextClassifier(spec["config"])
    raise ValueError(f"unknown torch class {cls!r} (ResNet, VGG, VisionTransformer, TextClassifier)")


def _set_submodule(root: nn.Module, dotted: str, new: nn.Module) -> None:
    parts = dotted.split(".")
    parent = root
    for p in parts[:-1]:
        parent = getattr(parent, p)
    if not hasattr(parent, parts[-1]) or not isinstance(getattr(parent, parts[-1]), nn.Module):
        raise ValueError(f"the model has no module {dotted!r}")
    setattr(parent, parts[-1], new)


def read_export_json(export_dir) -> dict:
    p = os.path.join(export_dir, "export.json")
    with open(p, encoding="utf-8") as f:
        spec = json.load(f)
    if spec.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{p}: format is {spec.get('format')!r}, expected {EXPORT_FORMAT!r}")
    for k in ("torch", "head", "tasks"):
        if k not in spec:
            raise ValueError(f"{p}: lacks {k!r}")
    return spec


def load_export(export_dir) -> Tuple[nn.Module, List[Tuple[str, List[str], nn.Linear]]]:
    """Loads a hetmerge torch export: returns ``(trunk, heads)``.

    ``trunk`` is the export.json ``"torch"`` module with model.safetensors loaded (strict), in eval mode, with
    its head module (export.json ``"head"``) replaced by ``nn.Identity()``; ``heads`` is a list of
    ``(task name, class names, nn.Linear)``, one per task, from heads.safetensors (``heads.{i}.weight`` /
    ``heads.{i}.bias``).  All logits: ``f = trunk(x); [lin(f) for _, _, lin in heads]``.
    """
    spec = read_export_json(export_dir)
    model = build_torchvision(spec["torch"])
    sd, _ = load_safetensors(os.path.join(export_dir, "model.safetensors"))
    # Stricter than load_state_dict(strict=True), which in torch 1.13 accepts a state dict without BatchNorm's
    # num_batches_tracked (it fills in 0 when the dict carries no _metadata version) and silently casts F64 to
    # F32: an export must hold exactly the names, shapes and dtypes PyTorch's own state_dict() has.
    expected = model.state_dict()
    problems = [f"missing {k}" for k in expected if k not in sd]
    problems += [f"unexpected {k}" for k in sd if k not in expected]
    problems += [f"{k}: {sd[k].dtype} {tuple(sd[k].shape)}, PyTorch has {v.dtype} {tuple(v.shape)}"
                 for k, v in expected.items() if k in sd and (sd[k].dtype != v.dtype or sd[k].shape != v.shape)]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"{export_dir}/model.safetensors does not fit {spec['torch'].get('class')}: "
                         + "; ".join(problems[:5]) + more)
    model.load_state_dict(sd, strict=True)
    model.eval()
    _set_submodule(model, spec["head"], nn.Identity())
    hs, _ = load_safetensors(os.path.join(export_dir, "heads.safetensors"))
    heads = []
    for i, task in enumerate(spec["tasks"]):
        w, b = hs.get(f"heads.{i}.weight"), hs.get(f"heads.{i}.bias")
        if w is None or b is None:
            raise ValueError(f"{export_dir}/heads.safetensors lacks heads.{i}.weight or heads.{i}.bias")
        classes = list(task.get("classes", []))
        if w.dim() != 2 or b.shape != (w.shape[0],) or (classes and w.shape[0] != len(classes)):
            raise ValueError(f"heads.{i}: weight {tuple(w.shape)} / bias {tuple(b.shape)} do not fit "
                             f"{len(classes)} classes")
        lin = nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(w.float())
            lin.bias.copy_(b.float())
        lin.eval()
        heads.append((task.get("name", f"task {i}"), classes, lin))
    extra = sorted(k for k in hs if not any(k == f"heads.{i}.{p}" for i in range(len(heads)) for p in ("weight", "bias")))
    if extra:
        raise ValueError(f"{export_dir}/heads.safetensors has tensors for no task: {', '.join(extra[:5])}")
    return model, heads


def run_export(trunk: nn.Module, heads, x: torch.Tensor) -> List[torch.Tensor]:
    """Every task's logits for the batch ``x`` (no grad)."""
    with torch.no_grad():
        f = trunk(x)
        return [lin(f) for _, _, lin in heads]


# ----------------------------------------------------------------------------------------------------------
# Image folders (the torchvision example)
# ----------------------------------------------------------------------------------------------------------

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".ppm")


def load_image_folder(root, classes: List[str], size: Optional[int] = None, mean=IMAGENET_MEAN,
                      std=IMAGENET_STD) -> Tuple[torch.Tensor, torch.Tensor]:
    """Reads ``root/<class>/*.png`` for the given classes (label = position in ``classes``), in sorted file order.

    Returns ``(x, y)``: x float32 N x 3 x H x W, RGB scaled to [0, 1] then normalised with mean/std; y int64
    labels.  Images are resized (bilinear) to size x size when size is given and they differ.
    """
    from PIL import Image
    xs, ys = [], []
    for label, c in enumerate(classes):
        d = os.path.join(root, c)
        if not os.path.isdir(d):
            raise FileNotFoundError(f"{d}: no such class folder")
        files = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_SUFFIXES))
        if not files:
            raise FileNotFoundError(f"{d}: no images")
        for f in files:
            with Image.open(os.path.join(d, f)) as im:
                im = im.convert("RGB")
                if size is not None and im.size != (size, size):
                    im = im.resize((size, size), Image.BILINEAR)
                w, h = im.size
                xs.append(torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(h, w, 3))
            ys.append(label)
    x = torch.stack(xs).permute(0, 3, 1, 2).float().div_(255)
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - m) / s, torch.tensor(ys, dtype=torch.int64)

#!/usr/bin/python3
"""Writes a Fashion-MNIST subset as an ImageFolder tree of 32x32 RGB PNGs.

Usage: /usr/bin/python3 make_data.py OUTDIR [--train-per-class 1200] [--test-per-class 300] [--source DIR]

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,
labels-idx1}-ubyte.gz) and writes OUTDIR/train/<class>/NNNNN.png and OUTDIR/test/<class>/NNNNN.png: the first
N images of each class in file order, the 28x28 grey image zero-padded by 2 on each side and replicated to 3
channels.  NNNNN is the image's index in its idx file.  Each split is written to a temporary folder and renamed
into place, so an interrupted run leaves no half-written split behind; an existing split is left alone.
"""

import argparse
import gzip
import os
import shutil
import struct
import sys

CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle_boot"]
SOURCE = "/usr/share/datasets/fashion-mnist"


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = struct.unpack(">I", data[:4])[0]
    if got != magic:
        raise SystemExit(f"{path}: not an idx file (magic {got:#x}, expected {magic:#x})")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def write_split(src, split, prefix, per_class, out, Image):
    final = os.path.join(out, split)
    if os.path.isdir(final):
        print(f"{final}: exists, skipped")
        return
    (n, rows, cols), pixels = read_idx(os.path.join(src, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    (nl,), labels = read_idx(os.path.join(src, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    if n != nl or (rows, cols) != (28, 28):
        raise SystemExit(f"{src}: {prefix} images ({n} of {rows}x{cols}) and labels ({nl}) do not match")
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for c in CLASSES:
        os.makedirs(os.path.join(tmp, c))
    count = [0] * len(CLASSES)
    size = rows * cols
    for i in range(n):
        y = labels[i]
        if count[y] >= per_class:
            if min(count) >= per_class:
                break
            continue
        img = Image.new("L", (32, 32), 0)
        img.paste(Image.frombytes("L", (28, 28), pixels[i * size:(i + 1) * size]), (2, 2))
        img.convert("RGB").save(os.path.join(tmp, CLASSES[y], f"{i:05d}.png"))
        count[y] += 1
    short = [f"{CLASSES[k]} ({count[k]})" for k in range(len(CLASSES)) if count[k] < per_class]
    if short:
        raise SystemExit(f"{prefix}: fewer than {per_class} images for {', '.join(short)}")
    os.replace(tmp, final)
    print(f"{final}: {sum(count)} images, {per_class} per class")


def main():
    ap = argparse.ArgumentParser(description="Fashion-MNIST subset -> ImageFolder tree of 32x32 RGB PNGs")
    ap.add_argument("outdir")
    ap.add_argument("--train-per-class", type=int, default=1200)
    ap.add_argument("--test-per-class", type=int, default=300)
    ap.add_argument("--source", default=SOURCE, help=f"folder of the idx .gz files (default {SOURCE})")
    a = ap.parse_args()
    try:
        from PIL import Image
    except ImportError:
        sys.exit("make_data.py: error: needs PIL (Debian: apt-get install python3-pil)")
    for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
              "t10k-labels-idx1-ubyte.gz"):
        if not os.path.isfile(os.path.join(a.source, f)):
            sys.exit(f"make_data.py: error: {os.path.join(a.source, f)} is missing "
                     "(Debian: apt-get install dataset-fashion-mnist)")
    os.makedirs(a.outdir, exist_ok=True)
    write_split(a.source, "train", "train", a.train_per_class, a.outdir, Image)
    write_split(a.source, "test", "t10k", a.test_per_class, a.outdir, Image)


if __name__ == "__main__":
    main()

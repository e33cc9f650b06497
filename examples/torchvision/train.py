#!/usr/bin/python3
"""Trains a torchvision ResNet on some Fashion-MNIST classes and saves its state dict as safetensors.

Usage: /usr/bin/python3 train.py --arch resnet18|resnet34 --classes T-shirt_top,Trouser,... --data DIR/train
                                 --epochs 2 --seed S --out FILE.safetensors [--threads 2]

torchvision's resnet18/resnet34(num_classes=len(classes)), random init (no download); images from
DIR/train/<class>/*.png (label i = i-th name of --classes), scaled to [0, 1] and normalised with the ImageNet
mean/std; SGD (lr 0.05, momentum 0.9, weight decay 5e-4), cosine schedule per step, batch 128.  Prints the
accuracy on the same classes of DIR/test (the folder next to --data) at the end and writes the state dict
with safetensors metadata {"format": "pt"}.
"""

import argparse
import math
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository's python/ folder
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402

from hetmerge_torch import load_image_folder, save_safetensors  # noqa: E402


def accuracy(model, x, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    return correct / max(1, len(x))


def main():
    ap = argparse.ArgumentParser(description="Train a torchvision ResNet on Fashion-MNIST classes.")
    ap.add_argument("--arch", choices=["resnet18", "resnet34"], required=True)
    ap.add_argument("--classes", required=True, help="comma-separated class folder names (label order)")
    ap.add_argument("--data", required=True, help="the train folder (DIR/train); DIR/test is used for testing")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="state dict output (.safetensors)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    a = ap.parse_args()
    classes = [c.strip() for c in a.classes.split(",") if c.strip()]
    if len(classes) < 2 or len(set(classes)) != len(classes):
        ap.error("--classes needs at least two distinct names")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    t0 = time.time()
    try:
        x, y = load_image_folder(a.data, classes)
    except FileNotFoundError as e:
        sys.exit(f"train.py: error: {e}")
    test_dir = os.path.join(os.path.dirname(os.path.normpath(a.data)), "test")
    xt = yt = None
    if os.path.isdir(test_dir):
        xt, yt = load_image_folder(test_dir, classes)
    print(f"{len(x)} training images of {len(classes)} classes ({x.shape[2]}x{x.shape[3]})"
          + (f", {len(xt)} test images" if xt is not None else "") + f"; loaded in {time.time() - t0:.1f} s",
          flush=True)

    model = getattr(torchvision.models, a.arch)(weights=None, num_classes=len(classes))
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = math.ceil(len(x) / a.batch)
    total = a.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
    g = torch.Generator().manual_seed(a.seed)
    for epoch in range(a.epochs):
        model.train()
        t = time.time()
        perm = torch.randperm(len(x), generator=g)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(x), a.batch):
            idx = perm[i:i + a.batch]
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == y[idx]).sum())
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss_sum / len(x):.4f}, train accuracy {correct / len(x):.4f}, "
              f"{time.time() - t:.0f} s", flush=True)
    if xt is not None:
        print(f"test accuracy ({', '.join(classes)}): {accuracy(model, xt, yt):.4f}")
    else:
        print(f"no test folder {test_dir}; skipped the test accuracy")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    save_safetensors(a.out, model.state_dict(), {"format": "pt"})
    print(f"wrote {a.out} ({a.arch}, {len(classes)} classes) in {time.time() - t0:.0f} s total")


if __name__ == "__main__":
    main()

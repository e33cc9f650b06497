"""Training throughput of plain PyTorch on hetmerge's CIFAR-style ResNet, for ``hetmerge bench train --vs-torch``.

The network is the one hetmerge's zoo builds for ``--arch resnet --head linear`` (stem 3×3 conv + BN + ReLU;
3 stages of basic blocks, 16·w / 32·w / 64·w channels, a 1×1 conv + BN shortcut where the shape changes;
global average pool; linear head), on a fixed random batch of 1×28×28 inputs and 5 classes; SGD with momentum
0.9, weight decay 5e-4, learning rate 0.05 — what ``hetmerge bench train`` runs.  Prints one JSON line:
``{"images_per_second": …, "threads": …, "torch": "…"}`` (best of ``--rounds`` rounds of ``--steps`` steps,
after 3 warm-up steps).

Usage: python3 bench_train.py --depth 20 --width 2 --batch 128 --steps 30 --rounds 1 --threads 2
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self, depth, width, classes):
        super().__init__()
        n = (depth - 2) // 6
        widths = [max(1, int(c * width + 0.5)) for c in (16, 32, 64)]  # Java Math.round: half up
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for s, w in enumerate(widths):
            for k in range(n):
                blocks.append(Block(cin, w, 2 if s > 0 and k == 0 else 1))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--width", type=float, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    model = ResNet(a.depth, a.width, 5)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 5, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    best = 0.0
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        best = max(best, a.steps * a.batch / (time.perf_counter() - t0))
    print(json.dumps({"images_per_second": best, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()

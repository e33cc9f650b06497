package org.hetmerge.bench;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** The same CIFAR ResNet built from DJL's own Blocks: the baseline the graph IR is measured against. */
final class DjlResnet {
    private DjlResnet() {}

    static Block build(int depth, double width, int classes) {
        int n = (depth - 2) / 6;
        int[] w = {(int) Math.round(16 * width), (int) Math.round(32 * width), (int) Math.round(64 * width)};
        SequentialBlock net = new SequentialBlock();
        net.add(conv(w[0], 3, 1, 1)).add(BatchNorm.builder().build()).add(Activation.reluBlock());
        int in = w[0];
        for (int s = 0; s < 3; s++) {
            for (int k = 0; k < n; k++) {
                int stride = (s > 0 && k == 0) ? 2 : 1;
                net.add(block(in, w[s], stride));
                in = w[s];
            }
        }
        net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(classes).build());
        return net;
    }

    static Block conv(int out, int k, int stride, int pad) {
        return Conv2d.builder().setFilters(out).setKernelShape(new Shape(k, k)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad)).optBias(false).build();
    }

    static Block block(int in, int out, int stride) {
        SequentialBlock branch = new SequentialBlock()
                .add(conv(out, 3, stride, 1)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                .add(conv(out, 3, 1, 1)).add(BatchNorm.builder().build());
        Block shortcut = (stride != 1 || in != out)
                ? new SequentialBlock().add(conv(out, 1, stride, 0)).add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new SequentialBlock()
                .add(new ParallelBlock(list -> new NDList(NDArrays.add(list.get(0).singletonOrThrow(), list.get(1).singletonOrThrow())),
                        List.of(branch, shortcut)))
                .add(Activation.reluBlock());
    }
}

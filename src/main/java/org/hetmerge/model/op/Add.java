package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;

/** Residual join: element-wise sum of two or more inputs of the same shape. */
public record Add() implements Op {
    public String type() {
        return "add";
    }

    public int[] outShape(List<int[]> s) {
        Shapes.require(s.size() >= 2, "add needs at least two inputs, got %d", s.size());
        for (int[] x : s) {
            Shapes.require(Arrays.equals(x, s.get(0)), "add inputs differ in shape: %s vs %s", s.get(0), x);
        }
        return s.get(0);
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray sum = x.get(0).add(x.get(1));
        for (int i = 2; i < x.size(); i++) sum = sum.add(x.get(i));
        return sum;
    }

    public SpaceRole spaceRole() {
        return SpaceRole.JOIN;
    }
}

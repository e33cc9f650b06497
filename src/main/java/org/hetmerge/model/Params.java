package org.hetmerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.Rng;

/**
 * The tensors of a model, by stable name ("stage2.block1.conv1.weight"). Owns a native memory scope:
 * closing it frees every tensor.
 */
public final class Params implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    public Params(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    public NDManager manager() {
        return manager;
    }

    public NDArray get(String name) {
        NDArray a = tensors.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter named '" + name + "'");
        return a;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** Takes ownership of {@code a}: it is attached to this store's scope and named. */
    public void put(String name, NDArray a) {
        a.attach(manager);
        a.setName(name);
        NDArray old = tensors.put(name, a);
        if (old != null && old != a) old.close();
    }

    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public NDList toNDList() {
        NDList list = new NDList();
        tensors.forEach((k, v) -> {
            v.setName(k);
            list.add(v);
        });
        return list;
    }

    /** A deep copy in a new scope under {@code parent}. */
    public Params copy(NDManager parent) {
        Params p = new Params(parent);
        tensors.forEach((k, v) -> p.put(k, v.duplicate()));
        return p;
    }

    /** Seeded initialization: Kaiming-normal weights, zero biases, unit norms; same seed → same bits. */
    public static Params initialize(Graph graph, long seed, NDManager parent) {
        Params p = new Params(parent);
        SplittableRandom rng = new SplittableRandom(Rng.derive(seed, "init"));
        for (Node n : graph.nodes()) {
            for (ParamDef d : n.op().params(graph.inputShapesOf(n))) {
                String name = n.name() + "." + d.suffix();
                float[] v = new float[(int) d.size()];
                switch (d.kind()) {
                    case WEIGHT -> {
                        long fanIn = d.size() / d.shape()[0];
                        double std = Math.sqrt(2.0 / fanIn);
                        for (int i = 0; i < v.length; i++) v[i] = (float) (std * Rng.gaussian(rng));
                    }
                    case EMBEDDING -> {
                        for (int i = 0; i < v.length; i++) v[i] = (float) (0.02 * Rng.gaussian(rng));
                    }
                    case GAMMA, RUNNING_VAR -> java.util.Arrays.fill(v, 1f);
                    case BIAS, BETA, RUNNING_MEAN -> { }
                    case CONSTANT -> {
                        if (n.op() instanceof CosineHead h) v = h.classVectors();
                        else throw new IllegalStateException("no initializer for constant " + name);
                    }
                }
                NDArray a = p.manager.create(v, new Shape(toLong(d.shape())));
                p.put(name, a);
            }
        }
        return p;
    }

    static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) l[i] = s[i];
        return l;
    }

    @Override
    public void close() {
        tensors.clear();
        manager.close();
    }
}

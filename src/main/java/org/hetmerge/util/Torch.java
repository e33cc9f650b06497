package org.hetmerge.util;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/** The DJL PyTorch engine, native library taken from the pytorch-native-cpu jar (never downloaded). */
public final class Torch {
    private Torch() {}

    public static final String DJL_VERSION = "0.36.0";
    public static final String PYTORCH_VERSION = "2.7.1";

    private static volatile Engine engine;

    public static synchronized Engine engine() {
        if (engine == null) {
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
            try {
                engine = Engine.getEngine("PyTorch");
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                throw new IllegalStateException("cannot start the PyTorch engine (native library from ai.djl.pytorch:pytorch-native-cpu): " + e.getMessage(), e);
            }
        }
        return engine;
    }

    public static NDManager newManager() {
        return engine().newBaseManager();
    }

    /** Seeds libtorch's generator (dropout); everything else uses Java RNGs seeded explicitly. */
    public static void seed(long seed) {
        engine().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }

    /**
     * Writes {@code values} into {@code target} in place (same shape, float32). Through an indexed
     * copy: DJL's set(Buffer) makes libtorch print a deprecation warning ("AutoNonVariableTypeMode")
     * on every merge.
     */
    public static void overwrite(ai.djl.ndarray.NDArray target, float[] values) {
        try (ai.djl.ndarray.NDArray v = target.getManager().create(values, target.getShape())) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), v);
        }
    }
}

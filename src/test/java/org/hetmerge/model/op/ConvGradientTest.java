package org.hetmerge.model.op;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Outputs and training gradients of {@link Conv2d} against float64, which libtorch computes without
 * oneDNN. On an AVX-512 machine (AMD Zen 5) libtorch 2.7's float32 input gradient was wrong or NaN
 * for output channels that are not a multiple of 16 (AVX2: of 8), and the forward pass of a 3×3
 * convolution was wrong or NaN for more than 16 input channels that are not a multiple of 16 (17,
 * 20, 24, 40); these cases failed before {@link Conv2d#convolve} padded such convolutions.
 */
class ConvGradientTest {
    @ParameterizedTest(name = "in {0}, out {1}, kernel {2}, stride {3}")
    @CsvSource({"1,8,3,1", "8,8,3,1", "8,4,3,1", "16,12,3,1", "8,24,3,1", "1,8,3,2", "8,16,3,2", "8,12,1,2", "16,40,3,1", "16,16,3,1", "20,20,3,1", "24,16,3,2", "40,40,3,1", "17,8,3,1", "20,32,1,1", "48,20,3,1", "16,16,1,2", "32,64,1,2", "16,48,3,1", "64,64,3,1", "8,16,1,2"})
    void float32OutputsAndGradientsMatchFloat64(int in, int out, int kernel, int stride) {
        Conv2d conv = new Conv2d(in, out, kernel, stride, kernel / 2, true);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            for (int rep = 0; rep < 3; rep++) {
                NDArray x = m.randomNormal(new Shape(64, in, 20, 20));
                NDArray w = m.randomNormal(new Shape(out, in, kernel, kernel));
                NDArray b = m.randomNormal(new Shape(out));
                int size = (20 + 2 * (kernel / 2) - kernel) / stride + 1;
                NDArray r = m.randomNormal(new Shape(64, out, size, size));
                for (boolean training : new boolean[] {false, true}) {
                    NDArray y = conv.convolve(x, w, b, training).toType(DataType.FLOAT64, false);
                    NDArray y64 = conv.convolve(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), b.toType(DataType.FLOAT64, true), training);
                    double err = y.sub(y64).abs().max().getDouble() / y64.abs().max().getDouble();
                    assertThat(err).as("relative error of the output (training: %s)", training).isLessThan(1e-4);
                }
                // The BN reset's pass: channels-last without training, on either input order.
                NDArray y64 = conv.convolve(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), b.toType(DataType.FLOAT64, true), false);
                for (NDArray input : new NDArray[] {x, channelsLast(x)}) {
                    NDArray y = conv.convolve(input, w, b, false, true).toType(DataType.FLOAT64, false);
                    double err = y.sub(y64).abs().max().getDouble() / y64.abs().max().getDouble();
                    assertThat(err).as("relative error of the channels-last output (input %s)", input == x ? "contiguous" : "channels-last").isLessThan(1e-4);
                }
                // Training runs channels-last from the first convolution on: its inputs arrive in either order.
                for (NDArray input : new NDArray[] {x, channelsLast(x)}) {
                    NDArray[] single = gradients(conv, input, w, b, r, DataType.FLOAT32);
                    NDArray[] dbl = gradients(conv, x, w, b, r, DataType.FLOAT64);
                    String[] names = {"input", "weight", "bias"};
                    for (int i = 0; i < 3; i++) {
                        double scale = dbl[i].abs().max().getDouble();
                        double err = single[i].toType(DataType.FLOAT64, false).sub(dbl[i]).abs().max().getDouble();
                        assertThat(err / scale).as("relative error of the %s gradient (input %s)", names[i], input == x ? "contiguous" : "channels-last").isLessThan(1e-4);
                    }
                }
            }
        }
    }

    /** x (B, C, H, W) with channels-last strides, as the activations of a channels-last convolution are. */
    static NDArray channelsLast(NDArray x) {
        return Conv2d.channelsLast(x);
    }

    /** Gradients of Σ r · conv(x) with respect to input, weight and bias, in the given precision. */
    private static NDArray[] gradients(Conv2d conv, NDArray x0, NDArray w0, NDArray b0, NDArray r0, DataType type) {
        // Fresh leaves each call (toType to the same type may hand back the tensor itself, whose gradient would accumulate).
        NDArray x = x0.toType(type, false).duplicate(), w = w0.toType(type, false).duplicate(), b = b0.toType(type, false).duplicate(), r = r0.toType(type, false);
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(conv.convolve(x, w, b, true).mul(r).sum());
            return new NDArray[] {x.getGradient().toType(DataType.FLOAT64, true), w.getGradient().toType(DataType.FLOAT64, true), b.getGradient().toType(DataType.FLOAT64, true)};
        }
    }
}

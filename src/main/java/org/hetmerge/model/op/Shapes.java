package org.hetmerge.model.op;

import java.util.Arrays;

/** Shape checks with messages that name what was expected and what was found. */
public final class Shapes {
    private Shapes() {}

    public static void require(boolean ok, String fmt, Object... args) {
        if (!ok) {
            Object[] a = Arrays.stream(args).map(o -> o instanceof int[] s ? Op.shapeString(s) : o).toArray();
            throw new IllegalArgumentException(String.format(fmt, a));
        }
    }

    static int[] pool(int[] x, int k, int s, int p, String name) {
        require(x.length == 3, "%s expects C×H×W, got %s", name, x);
        return new int[] {x[0], (x[1] + 2 * p - k) / s + 1, (x[2] + 2 * p - k) / s + 1};
    }
}

package org.hetmerge.util;

import java.util.SplittableRandom;

/** Deterministic random numbers: only specified JDK primitives, so results never change across JDKs. */
public final class Rng {
    private Rng() {}

    /** Box–Muller on {@link SplittableRandom#nextDouble()} (whose output is specified). */
    public static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A Fisher–Yates permutation of 0..n-1. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Derives an independent seed for a named purpose from a base seed. */
    public static long derive(long seed, String purpose) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < purpose.length(); i++) h = (h ^ purpose.charAt(i)) * 0x100000001B3L;
        return new SplittableRandom(h).nextLong();
    }
}

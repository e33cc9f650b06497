package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.List;
import org.hetmerge.util.UserException;

/**
 * Attention-aware matching (METHOD.md §2): heads are matched as units before the dims inside them.
 * Each layer gets ONE head pairing, scored on both its query/key and its value/output space and used
 * for both (a merged head's attention pattern must weigh that same head's values). Then the dims of
 * each group of paired heads are matched per space by the ordinary matcher with r = head dim, so
 * merged dims never mix two heads.
 */
public final class HeadMatching {
    private HeadMatching() {}

    /** The merges of a layer's two spaces. */
    public record Result(SpaceMerge queryKey, SpaceMerge valueOutput, int[][] pairing) {}

    /**
     * @param widths each model's width (heads × headDim), the same for both spaces
     * @return merges of both spaces; merged heads = the largest head count among the models
     */
    public static Result match(Matcher matcher, String qkSpace, double[][] qkCorr, String voSpace, double[][] voCorr, int[] widths, int headDim) {
        int k = widths.length;
        int[] heads = new int[k];
        for (int i = 0; i < k; i++) {
            if (widths[i] % headDim != 0) throw new UserException("space " + qkSpace + ": width " + widths[i] + " is not a multiple of the head dim " + headDim);
            heads[i] = widths[i] / headDim;
        }
        int[] offset = SpaceMerge.offsets(widths);
        int ref = 0;
        for (int i = 1; i < k; i++) if (heads[i] > heads[ref]) ref = i;
        // pairing[i][a]: the head of model i merged into merged head a (−1: none).
        int[][] pairing = new int[k][heads[ref]];
        for (int a = 0; a < heads[ref]; a++) pairing[ref][a] = a;
        for (int j = 0; j < k; j++) {
            if (j == ref) continue;
            java.util.Arrays.fill(pairing[j], -1);
            double[][] score = new double[heads[j]][heads[ref]];
            for (int b = 0; b < heads[j]; b++) {
                for (int a = 0; a < heads[ref]; a++) {
                    score[b][a] = blockScore(qkCorr, offset[j] + b * headDim, offset[ref] + a * headDim, headDim)
                            + blockScore(voCorr, offset[j] + b * headDim, offset[ref] + a * headDim, headDim);
                }
            }
            int[] assign = LinearAssignment.maximize(score); // rows: model j's heads (≤ the reference's)
            for (int b = 0; b < assign.length; b++) pairing[j][assign[b]] = b;
        }
        SpaceMerge qk = dims(matcher, qkSpace, qkCorr, widths, headDim, pairing, offset);
        SpaceMerge vo = dims(matcher, voSpace, voCorr, widths, headDim, pairing, offset);
        return new Result(qk, vo, pairing);
    }

    /** How well two heads' dims correspond: the best one-to-one matching of their correlations. */
    static double blockScore(double[][] corr, int rowStart, int colStart, int d) {
        double[][] s = new double[d][d];
        for (int x = 0; x < d; x++) for (int y = 0; y < d; y++) s[x][y] = corr[rowStart + x][colStart + y];
        int[] a = LinearAssignment.maximize(s);
        double sum = 0;
        for (int x = 0; x < d; x++) sum += s[x][a[x]];
        return sum;
    }

    static SpaceMerge dims(Matcher matcher, String space, double[][] corr, int[] widths, int d, int[][] pairing, int[] offset) {
        int k = widths.length;
        List<int[]> groups = new ArrayList<>();
        for (int a = 0; a < pairing[0].length; a++) {
            // The features of this merged head: d dims from each model that has a head here.
            List<Integer> models = new ArrayList<>();
            for (int i = 0; i < k; i++) if (pairing[i][a] >= 0) models.add(i);
            int[] global = new int[models.size() * d];
            for (int m = 0; m < models.size(); m++) {
                int i = models.get(m);
                for (int x = 0; x < d; x++) global[m * d + x] = offset[i] + pairing[i][a] * d + x;
            }
            if (models.size() == 1) {
                for (int f : global) groups.add(new int[] {f});
                continue;
            }
            double[][] sub = new double[global.length][global.length];
            for (int x = 0; x < global.length; x++) for (int y = 0; y < global.length; y++) sub[x][y] = corr[global[x]][global[y]];
            int[] subWidths = new int[models.size()];
            java.util.Arrays.fill(subWidths, d);
            SpaceMerge local = matcher.match(space, sub, subWidths, d);
            for (int[] g : local.groups()) {
                int[] mapped = new int[g.length];
                for (int x = 0; x < g.length; x++) mapped[x] = global[g[x]];
                groups.add(mapped);
            }
        }
        return SpaceMerge.fromGroups(space, widths, groups);
    }
}

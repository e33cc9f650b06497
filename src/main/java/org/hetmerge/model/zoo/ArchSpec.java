package org.hetmerge.model.zoo;

import java.util.List;

/**
 * A zoo recipe: enough to rebuild the graph (model.json also stores the full graph).
 *
 * @param arch "mlp", "resnet" or "vgg"
 * @param depth mlp: hidden layers; resnet: 6n+2; vgg: 11, 13 or 16 (preset)
 * @param width resnet/vgg: channel multiplier; mlp: units per hidden layer
 * @param widths mlp only: explicit width per hidden layer (overrides depth/width); empty otherwise
 * @param head "embedding" (METHOD.md §8, default) or "linear"
 * @param embedDim embedding head dimension
 * @param headScale cosine logit scale
 * @param transformer vit/text only: heads, patch, MLP ratio, sequence length, vocabulary, pooling
 */
public record ArchSpec(String arch, int depth, double width, List<Integer> widths, String head, int embedDim, float headScale, Transformer transformer) {
    public ArchSpec {
        widths = widths == null ? List.of() : List.copyOf(widths);
        if (head == null) head = "embedding";
    }

    public ArchSpec(String arch, int depth, double width, List<Integer> widths, String head, int embedDim, float headScale) {
        this(arch, depth, width, widths, head, embedDim, headScale, null);
    }

    /**
     * @param heads attention heads per layer (the head dim is width / heads)
     * @param patch vit: patch size in pixels
     * @param mlpRatio hidden width of each layer's MLP as a multiple of the width
     * @param maxLength text: tokens per sequence (padded or cut)
     * @param vocab text: vocabulary cap (most frequent training words)
     * @param pool "mean" (over real tokens) or "cls" (a class token)
     */
    public record Transformer(int heads, int patch, double mlpRatio, int maxLength, int vocab, String pool) {}

    public static ArchSpec of(String arch, int depth, double width) {
        return new ArchSpec(arch, depth, width, List.of(), "embedding", 64, 16f);
    }

    public String label() {
        return switch (arch) {
            case "mlp" -> "mlp-" + (widths.isEmpty() ? depth + "x" + (int) width : widths.toString().replace(" ", ""));
            case "vit", "text" -> arch + "-" + depth + "x" + fmt(width) + "h" + (transformer == null ? "?" : transformer.heads());
            default -> arch + "-" + depth + "x" + fmt(width);
        };
    }

    static String fmt(double w) {
        return w == Math.rint(w) ? Integer.toString((int) w) : Double.toString(w);
    }
}

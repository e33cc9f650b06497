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
 */
public record ArchSpec(String arch, int depth, double width, List<Integer> widths, String head, int embedDim, float headScale) {
    public ArchSpec {
        widths = widths == null ? List.of() : List.copyOf(widths);
        if (head == null) head = "embedding";
    }

    public static ArchSpec of(String arch, int depth, double width) {
        return new ArchSpec(arch, depth, width, List.of(), "embedding", 64, 16f);
    }

    public String label() {
        return switch (arch) {
            case "mlp" -> "mlp-" + (widths.isEmpty() ? depth + "x" + (int) width : widths.toString().replace(" ", ""));
            default -> arch + "-" + depth + "x" + fmt(width);
        };
    }

    static String fmt(double w) {
        return w == Math.rint(w) ? Integer.toString((int) w) : Double.toString(w);
    }
}

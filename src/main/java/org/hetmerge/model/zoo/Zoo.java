package org.hetmerge.model.zoo;

import java.util.ArrayList;
import java.util.List;
import org.hetmerge.model.Task;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Node;
import org.hetmerge.model.Unit;
import org.hetmerge.model.op.Add;
import org.hetmerge.model.op.Attention;
import org.hetmerge.model.op.ClassToken;
import org.hetmerge.model.op.Embedding;
import org.hetmerge.model.op.Gelu;
import org.hetmerge.model.op.LayerNorm;
import org.hetmerge.model.op.PadMask;
import org.hetmerge.model.op.PositionalEmbedding;
import org.hetmerge.model.op.ToTokens;
import org.hetmerge.model.op.TokenPool;
import org.hetmerge.model.op.BatchNorm;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.Flatten;
import org.hetmerge.model.op.GlobalAvgPool;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.MaxPool;
import org.hetmerge.model.op.Relu;
import org.hetmerge.util.Rng;
import org.hetmerge.util.UserException;

/** Builds the graphs of the model zoo. Parameter names are stable: they are the checkpoint format. */
public final class Zoo {
    private Zoo() {}

    public static final List<String> ARCHITECTURES = List.of("mlp", "resnet", "vgg", "vit", "text");

    /** VGG presets: conv widths per stage at width multiplier 1 (max-pool between stages). */
    static final int[][] VGG11 = {{64}, {128}, {256, 256}, {512, 512}, {512, 512}};
    static final int[][] VGG13 = {{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}};
    static final int[][] VGG16 = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};

    public static Graph build(ArchSpec spec, int[] inputShape, Task task) {
        Builder b = new Builder(inputShape);
        String last = switch (spec.arch()) {
            case "mlp" -> mlp(b, spec, inputShape);
            case "resnet" -> resnet(b, spec, inputShape);
            case "vgg" -> vgg(b, spec, inputShape);
            case "vit" -> vit(b, spec, inputShape);
            case "text" -> text(b, spec, inputShape);
            default -> throw new UserException("unknown architecture '" + spec.arch() + "' (known: " + String.join(", ", ARCHITECTURES) + ")");
        };
        String out = head(b, spec, last, task);
        return new Graph(inputShape, b.nodes, List.of(out), b.units);
    }

    /** The head: a projection to the embedding + fixed cosine scores, or a plain linear classifier. */
    static String head(Builder b, ArchSpec spec, String last, Task task) {
        int features = b.channels(last);
        List<String> names = new ArrayList<>();
        String out;
        switch (spec.head()) {
            case "embedding" -> {
                if (spec.embedDim() < 2 || spec.embedDim() > MAX_UNITS) throw new UserException("--embed-dim must be 2 to " + MAX_UNITS + ", got " + spec.embedDim());
                // A NaN or zero scale trains to NaN weights; caught here, before training, with the flag named.
                if (!(spec.headScale() > 0) || Float.isInfinite(spec.headScale())) throw new UserException("--head-scale must be a finite number > 0, got " + spec.headScale());
                b.add(names, "head.proj", new Linear(features, spec.embedDim(), true), last);
                long seed = classVectorSeed(task.dataset(), spec.embedDim());
                out = b.add(names, "head.cos", new CosineHead(spec.embedDim(), task.datasetClasses(), spec.headScale(), seed), "head.proj");
            }
            case "linear" -> out = b.add(names, "head.fc", new Linear(features, task.classes().size(), true), last);
            default -> throw new UserException("unknown head '" + spec.head() + "' (known: embedding, linear)");
        }
        b.units.add(new Unit("head", "head", Unit.Kind.FIXED, names, out));
        return out;
    }

    /** Every model of a dataset shares its class vectors: the seed depends only on dataset and dim. */
    public static long classVectorSeed(String dataset, int dim) {
        return Rng.derive(0x5EED, "class-vectors:" + dataset + ":" + dim);
    }

    static final int MAX_UNITS = 1 << 20;

    static String mlp(Builder b, ArchSpec spec, int[] in) {
        List<Integer> widths = spec.widths();
        if (widths.isEmpty()) {
            if (spec.depth() < 1) throw new UserException("mlp needs --depth ≥ 1, got " + spec.depth());
            // An mlp's width is its unit count: 1.5 units would silently become 2 (or 1.4 one unit).
            if (spec.width() != Math.rint(spec.width()) || spec.width() < 1 || spec.width() > MAX_UNITS) {
                throw new UserException("mlp --width is the units per hidden layer, a whole number from 1 to " + MAX_UNITS + "; got " + fmt(spec.width()));
            }
            int w = (int) Math.min(spec.width(), Integer.MAX_VALUE);
            widths = java.util.Collections.nCopies(spec.depth(), w);
        }
        for (int w : widths) {
            // A layer of more than 2^20 units would overflow its weight count long before memory runs out.
            if (w < 1 || w > MAX_UNITS) throw new UserException("mlp hidden widths must be 1 to " + MAX_UNITS + " units; got " + w);
        }
        String x = in.length > 1 ? b.add(null, "flatten", new Flatten(), Graph.INPUT) : Graph.INPUT;
        for (int i = 0; i < widths.size(); i++) {
            String p = "hidden.layer" + (i + 1);
            List<String> names = new ArrayList<>();
            b.add(names, p + ".fc", new Linear(b.channels(x), widths.get(i), true), x);
            b.add(names, p + ".bn", new BatchNorm(widths.get(i)), p + ".fc");
            x = b.add(names, p + ".relu", new Relu(), p + ".bn");
            b.units.add(new Unit(p, "hidden", Unit.Kind.PLAIN, names, x));
        }
        return x;
    }

    static String resnet(Builder b, ArchSpec spec, int[] in) {
        int depth = spec.depth();
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new UserException("resnet depth must be 6n+2 with n ≥ 1 (8, 14, 20, 26, 32, 44, 56, …), got " + depth);
        }
        Shapes3.requireImage(in, "resnet");
        int n = (depth - 2) / 6;
        int[] widths = {scaled(16, spec.width()), scaled(32, spec.width()), scaled(64, spec.width())};
        List<String> stem = new ArrayList<>();
        b.add(stem, "stem.conv", new Conv2d(in[0], widths[0], 3, 1, 1, false), Graph.INPUT);
        b.add(stem, "stem.bn", new BatchNorm(widths[0]), "stem.conv");
        String x = b.add(stem, "stem.relu", new Relu(), "stem.bn");
        b.units.add(new Unit("stem", "stem", Unit.Kind.FIXED, stem, x));
        for (int s = 0; s < 3; s++) {
            for (int k = 0; k < n; k++) {
                int stride = (s > 0 && k == 0) ? 2 : 1;
                x = basicBlock(b, "stage" + (s + 1), "block" + (k + 1), x, widths[s], stride);
            }
        }
        return b.add(null, "pool", new GlobalAvgPool(), x);
    }

    static String basicBlock(Builder b, String stage, String block, String x, int out, int stride) {
        String p = stage + "." + block;
        int in = b.channels(x);
        List<String> names = new ArrayList<>();
        b.add(names, p + ".conv1", new Conv2d(in, out, 3, stride, 1, false), x);
        b.add(names, p + ".bn1", new BatchNorm(out), p + ".conv1");
        b.add(names, p + ".relu1", new Relu(), p + ".bn1");
        b.add(names, p + ".conv2", new Conv2d(out, out, 3, 1, 1, false), p + ".relu1");
        b.add(names, p + ".bn2", new BatchNorm(out), p + ".conv2");
        String shortcut = x;
        if (stride != 1 || in != out) {
            b.add(names, p + ".shortcut.conv", new Conv2d(in, out, 1, stride, 0, false), x);
            shortcut = b.add(names, p + ".shortcut.bn", new BatchNorm(out), p + ".shortcut.conv");
        }
        b.add(names, p + ".add", new Add(), p + ".bn2", shortcut);
        String y = b.add(names, p + ".relu", new Relu(), p + ".add");
        b.units.add(new Unit(p, stage, Unit.Kind.RESIDUAL, names, y));
        return y;
    }

    static ArchSpec.Transformer transformer(ArchSpec spec, int width) {
        ArchSpec.Transformer t = spec.transformer();
        if (t == null) throw new UserException(spec.arch() + " needs transformer settings (--heads …)");
        if (width < 1 || spec.width() != width) throw new UserException("--width of a " + spec.arch() + " is its model dimension, a whole number ≥ 1; got " + spec.width());
        if (t.heads() < 1 || width % t.heads() != 0) {
            throw new UserException("--heads " + t.heads() + " does not divide the width " + width + " (head dim = width / heads)");
        }
        if (!(t.mlpRatio() > 0)) throw new UserException("--mlp-ratio must be > 0, got " + t.mlpRatio());
        if (spec.depth() < 1) throw new UserException("--depth (encoder layers) must be ≥ 1, got " + spec.depth());
        return t;
    }

    /** Vision transformer: patch embedding (conv, stride = patch) → tokens → pre-norm encoder → pool. */
    static String vit(Builder b, ArchSpec spec, int[] in) {
        Shapes3.requireImage(in, "vit");
        int d = (int) spec.width();
        ArchSpec.Transformer t = transformer(spec, d);
        int p = t.patch();
        if (p < 1 || in[1] % p != 0 || in[2] % p != 0) throw new UserException("--patch " + p + " must divide the image size " + in[1] + "×" + in[2]);
        List<String> embed = new ArrayList<>();
        b.add(embed, "embed.patch", new Conv2d(in[0], d, p, p, 0, true), Graph.INPUT);
        String x = b.add(embed, "embed.tokens", new ToTokens(), "embed.patch");
        if (t.pool().equals("cls")) x = b.add(embed, "embed.cls", new ClassToken(d), x);
        x = b.add(embed, "embed.pos", new PositionalEmbedding(b.shapes.get(x)[0], d), x);
        b.units.add(new Unit("embed", "embed", Unit.Kind.FIXED, embed, x));
        return encoder(b, spec, t, d, x, null);
    }

    /** Text encoder: token + positional embedding → pre-norm encoder (padding masked) → pool. */
    static String text(Builder b, ArchSpec spec, int[] in) {
        if (in.length != 1) throw new UserException("text needs token-sequence input {T}, got " + in.length + "-d input (use --dataset wordnet)");
        int d = (int) spec.width();
        ArchSpec.Transformer t = transformer(spec, d);
        if (t.vocab() < 1) throw new UserException("text needs a vocabulary size");
        List<String> embed = new ArrayList<>();
        String mask = b.add(embed, "embed.mask", new PadMask(0 /* the padding id of hetmerge's word vocabularies */), Graph.INPUT);
        String x = b.add(embed, "embed.tokens", new Embedding(t.vocab(), d), Graph.INPUT);
        if (t.pool().equals("cls")) throw new UserException("text models pool by mean over real tokens (--pool mean)");
        x = b.add(embed, "embed.pos", new PositionalEmbedding(in[0], d), x);
        b.units.add(new Unit("embed", "embed", Unit.Kind.FIXED, embed, x));
        return encoder(b, spec, t, d, x, mask);
    }

    /** Pre-norm encoder layers (LN → attention → add, LN → MLP(GELU) → add), final LN, pooling. */
    static String encoder(Builder b, ArchSpec spec, ArchSpec.Transformer t, int d, String x, String mask) {
        int hidden = Math.max(1, (int) Math.round(d * t.mlpRatio()));
        for (int l = 1; l <= spec.depth(); l++) {
            String p = "encoder.layer" + l;
            List<String> names = new ArrayList<>();
            b.add(names, p + ".ln1", new LayerNorm(d), x);
            b.add(names, p + ".attn.q", new Linear(d, d, true), p + ".ln1");
            b.add(names, p + ".attn.k", new Linear(d, d, true), p + ".ln1");
            b.add(names, p + ".attn.v", new Linear(d, d, true), p + ".ln1");
            Attention att = new Attention(t.heads(), d / t.heads());
            if (mask == null) b.add(names, p + ".attn", att, p + ".attn.q", p + ".attn.k", p + ".attn.v");
            else b.add(names, p + ".attn", att, p + ".attn.q", p + ".attn.k", p + ".attn.v", mask);
            b.add(names, p + ".attn.o", new Linear(d, d, true), p + ".attn");
            b.add(names, p + ".add1", new Add(), x, p + ".attn.o");
            b.add(names, p + ".ln2", new LayerNorm(d), p + ".add1");
            b.add(names, p + ".mlp.fc1", new Linear(d, hidden, true), p + ".ln2");
            b.add(names, p + ".mlp.gelu", new Gelu(), p + ".mlp.fc1");
            b.add(names, p + ".mlp.fc2", new Linear(hidden, d, true), p + ".mlp.gelu");
            x = b.add(names, p + ".add2", new Add(), p + ".add1", p + ".mlp.fc2");
            b.units.add(new Unit(p, "encoder", Unit.Kind.RESIDUAL, names, x));
        }
        List<String> fin = new ArrayList<>();
        String y = b.add(fin, "encoder.ln", new LayerNorm(d), x);
        TokenPool pool = new TokenPool(t.pool());
        y = mask == null || t.pool().equals("cls") ? b.add(fin, "pool", pool, y) : b.add(fin, "pool", pool, y, mask);
        b.units.add(new Unit("final", "final", Unit.Kind.FIXED, fin, y));
        return y;
    }

    static String vgg(Builder b, ArchSpec spec, int[] in) {
        int[][] cfg = switch (spec.depth()) {
            case 11 -> VGG11;
            case 13 -> VGG13;
            case 16 -> VGG16;
            default -> throw new UserException("vgg depth must be 11, 13 or 16, got " + spec.depth());
        };
        Shapes3.requireImage(in, "vgg");
        String x = Graph.INPUT;
        int size = Math.min(in[1], in[2]);
        for (int s = 0; s < cfg.length; s++) {
            String stage = "stage" + (s + 1);
            for (int l = 0; l < cfg[s].length; l++) {
                String p = stage + ".layer" + (l + 1);
                int out = scaled(cfg[s][l], spec.width());
                List<String> names = new ArrayList<>();
                b.add(names, p + ".conv", new Conv2d(b.channels(x), out, 3, 1, 1, false), x);
                b.add(names, p + ".bn", new BatchNorm(out), p + ".conv");
                x = b.add(names, p + ".relu", new Relu(), p + ".bn");
                b.units.add(new Unit(p, stage, Unit.Kind.PLAIN, names, x));
            }
            // Small inputs (28×28) cannot take five halvings: pool only while the map stays ≥ 2×2.
            if (s < cfg.length - 1 && size >= 4) {
                x = b.add(null, stage + ".pool", new MaxPool(2, 2, 0), x);
                size /= 2;
            }
        }
        return b.add(null, "pool", new GlobalAvgPool(), x);
    }

    static int scaled(int base, double w) {
        // Past 2^20 channels a layer's weight count overflows long before memory runs out.
        if (!(w > 0) || base * w > MAX_UNITS) throw new UserException("--width must be > 0 and at most " + fmt((double) MAX_UNITS / base) + " here (" + base + " × width channels ≤ " + MAX_UNITS + "), got " + fmt(w));
        return Math.max(1, (int) Math.round(base * w));
    }

    /** A number as the user would have typed it: 1e12, not 1.0E12. */
    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v).replace("E", "e");
    }

    /** Accumulates nodes and units while tracking shapes. */
    static final class Builder {
        final List<Node> nodes = new ArrayList<>();
        final List<Unit> units = new ArrayList<>();
        final java.util.Map<String, int[]> shapes = new java.util.HashMap<>();

        Builder(int[] input) {
            shapes.put(Graph.INPUT, input);
        }

        String add(List<String> unitNodes, String name, org.hetmerge.model.op.Op op, String... inputs) {
            nodes.add(Node.of(name, op, inputs));
            List<int[]> in = new ArrayList<>();
            for (String i : inputs) in.add(shapes.get(i));
            shapes.put(name, op.outShape(in));
            if (unitNodes != null) unitNodes.add(name);
            return name;
        }

        int channels(String node) {
            int[] s = shapes.get(node);
            return s.length == 3 ? s[0] : s[s.length - 1];
        }
    }

    static final class Shapes3 {
        static void requireImage(int[] in, String arch) {
            if (in.length != 3) throw new UserException(arch + " needs image input C×H×W, got " + in.length + "-d input");
        }
    }
}

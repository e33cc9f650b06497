package org.hetmerge.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.hetmerge.util.UserException;

/**
 * torchvision's ImageFolder layout: {@code DIR/<class>/<image>.png|jpg|jpeg}, classes sorted by
 * name. Each image is resized (shorter side to the model's size, bilinear) and centre-cropped to
 * size × size, converted to the model's channels (grey ↔ RGB), and normalized as the model says.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** What the model expects. */
    public record Spec(int channels, int size, float[] mean, float[] std) {}

    public record Loaded(List<String> classes, FolderImages images) {}

    public static Loaded load(Path dir, Spec spec) {
        if (!Files.isDirectory(dir)) throw new UserException("--data " + dir + ": no such directory");
        List<Path> classDirs = list(dir, Files::isDirectory);
        if (classDirs.isEmpty()) throw new UserException(dir + " has no class folders (ImageFolder layout: " + dir + "/<class>/<image>.png)");
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path c : classDirs) {
            List<Path> imgs = list(c, p -> Files.isRegularFile(p) && isImage(p));
            if (imgs.isEmpty()) throw new UserException(c + ": class folder '" + c.getFileName() + "' holds no PNG or JPEG images");
            for (Path p : imgs) {
                files.add(p);
                labels.add(classes.size());
            }
            classes.add(c.getFileName().toString());
        }
        int per = spec.channels() * spec.size() * spec.size();
        long total = (long) per * files.size();
        if (total > Integer.MAX_VALUE - 8) throw new UserException(dir + ": " + files.size() + " images of " + per + " values do not fit in memory at once; use a smaller folder");
        byte[] px = new byte[(int) total];
        for (int i = 0; i < files.size(); i++) decode(files.get(i), spec, px, i * per);
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Loaded(classes, new FolderImages(files.size(), spec.channels(), spec.size(), px, y, spec.mean(), spec.std()));
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(keep).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UserException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** 64 megapixels (a 256 MB decoded image): far above any photo a dataset holds, far below the heap. */
    static final long MAX_PIXELS = 64L << 20;

    static void decode(Path file, Spec spec, byte[] out, int offset) {
        BufferedImage img;
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            var readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new UserException(file + ": not a readable PNG or JPEG image (corrupt or truncated?)");
            javax.imageio.ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // The header's size is checked before decoding: a 30000 × 30000 PNG of a few kilobytes filled the heap.
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new UserException(file + ": image is " + reader.getWidth(0) + " × " + reader.getHeight(0) + " pixels; at most " + MAX_PIXELS + " pixels are read");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (UserException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            img = null;
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) throw new UserException(file + ": not a readable PNG or JPEG image (corrupt or truncated?)");
        BufferedImage sq = resizeCrop(img, spec.size());
        int s = spec.size(), plane = s * s;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                int rgb = sq.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
                int p = y * s + x;
                if (spec.channels() == 3) {
                    out[offset + p] = (byte) r;
                    out[offset + plane + p] = (byte) g;
                    out[offset + 2 * plane + p] = (byte) b;
                } else if (spec.channels() == 1) {
                    out[offset + p] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    throw new UserException("image models with " + spec.channels() + " input channels cannot read " + file + " (1 or 3 channels)");
                }
            }
        }
    }

    /** Shorter side to {@code size} (bilinear), then the centre size × size; same-size images are untouched. */
    static BufferedImage resizeCrop(BufferedImage img, int size) {
        int w = img.getWidth(), h = img.getHeight();
        if (w == size && h == size) return img;
        double scale = (double) size / Math.min(w, h);
        int nw = Math.max(size, (int) Math.round(w * scale)), nh = Math.max(size, (int) Math.round(h * scale));
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, -(nw - size) / 2, -(nh - size) / 2, nw, nh, null);
        g.dispose();
        return out;
    }
}

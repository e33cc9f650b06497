package org.hetmerge.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.hetmerge.util.UserException;

/** Reads Fashion-MNIST from its IDX .gz files (Debian's dataset-fashion-mnist). */
public final class FashionMnist {
    private FashionMnist() {}

    public static final String NAME = "fashion-mnist";
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final DatasetInfo INFO = new DatasetInfo(NAME, new int[] {1, 28, 28}, CLASS_NAMES);
    /** Per-pixel normalization of the training set (mean and std of x/255). */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";

    /** Finds the directory: --data-dir, then $HETMERGE_DATA (or its fashion-mnist/), then the Debian path. */
    public static Path locate(Path dataDir) {
        List<Path> candidates = new ArrayList<>();
        if (dataDir != null) {
            candidates.add(dataDir);
            candidates.add(dataDir.resolve(NAME));
        } else {
            String env = System.getenv("HETMERGE_DATA");
            if (env != null && !env.isBlank() && !Files.isDirectory(Path.of(env))) {
                throw new UserException("HETMERGE_DATA is " + env + ", which is not a directory (unset it to use " + DEFAULT_DIR + ")");
            }
            if (env != null && !env.isBlank()) {
                candidates.add(Path.of(env));
                candidates.add(Path.of(env).resolve(NAME));
            } else {
                // HETMERGE_DATA, when set, is where the data is: no silent fall-back to the default place.
                candidates.add(DEFAULT_DIR);
            }
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve(TRAIN_IMAGES))) return p;
        }
        // The default place, empty: a fresh machine. Install the Debian package when this machine lets us.
        if (dataDir == null && (System.getenv("HETMERGE_DATA") == null || System.getenv("HETMERGE_DATA").isBlank())
                && org.hetmerge.util.DebianPackage.install("dataset-fashion-mnist", "Fashion-MNIST") && Files.isRegularFile(DEFAULT_DIR.resolve(TRAIN_IMAGES))) {
            return DEFAULT_DIR;
        }
        throw new UserException("Fashion-MNIST not found (looked for " + TRAIN_IMAGES + " in "
                + String.join(", ", candidates.stream().map(Path::toString).toList())
                + "): install it with 'apt-get install dataset-fashion-mnist', or point --data-dir or HETMERGE_DATA to a directory holding the four IDX .gz files");
    }

    public static ImageData load(Path dir, boolean train) {
        String prefix = train ? "train" : "t10k";
        Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        try {
            Idx img = Idx.read(images);
            Idx lab = Idx.read(labels);
            if (img.dims.length != 3) throw new UserException(images + ": expected a 3-d IDX file (N×28×28), found " + img.dims.length + "-d");
            if (lab.dims.length != 1) throw new UserException(labels + ": expected a 1-d IDX file, found " + lab.dims.length + "-d");
            if (img.dims[0] != lab.dims[0]) {
                throw new UserException(images + " has " + img.dims[0] + " images but " + labels + " has " + lab.dims[0] + " labels");
            }
            int[] y = new int[lab.dims[0]];
            for (int i = 0; i < y.length; i++) {
                y[i] = lab.data[i] & 0xFF;
                if (y[i] >= CLASS_NAMES.size()) throw new UserException(labels + ": label " + y[i] + " at index " + i + " is out of range 0-9");
            }
            return new ImageData(img.dims[0], 1, img.dims[1], img.dims[2], img.data, y);
        } catch (IOException e) {
            throw new UserException("cannot read Fashion-MNIST from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One IDX file: unsigned-byte payload with its dimensions. */
    public record Idx(int[] dims, byte[] data) {
        public static Idx read(Path file) throws IOException {
            boolean gz = file.toString().endsWith(".gz");
            try (InputStream raw = Files.newInputStream(file)) {
                InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
                return read(in, file.toString());
            } catch (java.util.zip.ZipException | EOFException e) {
                // The gzip layer's own words ("Corrupt GZIP trailer") explain nothing without the file.
                throw new UserException(file + ": damaged " + (gz ? "gzip " : "") + "file (" + e.getMessage() + "); reinstall it (apt-get install --reinstall dataset-fashion-mnist)");
            }
        }

        public static Idx read(InputStream stream, String name) throws IOException {
            DataInputStream in = new DataInputStream(stream);
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new UserException(name + ": empty file, not an IDX file");
            }
            if ((magic >>> 16) != 0 || ((magic >> 8) & 0xFF) != 0x08) {
                throw new UserException(String.format("%s: not an unsigned-byte IDX file (magic 0x%08x)", name, magic));
            }
            int nd = magic & 0xFF;
            if (nd < 1 || nd > 4) throw new UserException(name + ": IDX file with " + nd + " dimensions is not supported");
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) throw new UserException(name + ": negative dimension " + dims[i]);
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE) throw new UserException(name + ": too large (" + total + " bytes)");
            byte[] data = new byte[(int) total];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new UserException(name + ": truncated: expected " + total + " data bytes");
            }
            // Reading to the end also makes gzip check its CRC: a damaged payload must not pass as data.
            if (in.read() != -1) throw new UserException(name + ": bytes after the " + total + " data bytes the header announces");
            return new Idx(dims, data);
        }
    }
}

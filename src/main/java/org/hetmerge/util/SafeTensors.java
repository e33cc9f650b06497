package org.hetmerge.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file (8-byte little-endian header length, JSON header, raw little-endian tensors),
 * checked strictly before any tensor is read: a header that lies about lengths, offsets or dtypes
 * is an error naming the file and the tensor, never a crash or a silent misread. Tensor bytes are
 * handed to DJL ({@link NDManager#create(java.nio.Buffer, Shape, DataType)}) straight from a
 * memory map, so a ViT-B checkpoint is not copied through Java arrays.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Headers above this are not checkpoints but corrupt or hostile files. */
    static final long MAX_HEADER = 100L << 20;

    /** One tensor's entry in the header. */
    public record Entry(String name, DataType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            // Exact: [2^32, 2^32] wrapped to 0 elements and passed as an empty tensor's shape.
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    /** The validated header: tensors in file order and the free-form metadata. */
    public record Header(Path file, List<Entry> entries, Map<String, String> metadata, long dataStart) {
        public Entry entry(String name) {
            for (Entry e : entries) if (e.name().equals(name)) return e;
            return null;
        }

        public Map<String, Entry> byName() {
            Map<String, Entry> m = new LinkedHashMap<>();
            for (Entry e : entries) m.put(e.name(), e);
            return m;
        }
    }

    static DataType dtype(String code) {
        return switch (code) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "F16" -> DataType.FLOAT16;
            case "BF16" -> DataType.BFLOAT16;
            case "I64" -> DataType.INT64;
            case "I32" -> DataType.INT32;
            case "I8" -> DataType.INT8;
            case "U8" -> DataType.UINT8;
            case "BOOL" -> DataType.BOOLEAN;
            default -> null;
        };
    }

    static String code(DataType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case INT8 -> "I8";
            case UINT8 -> "U8";
            case BOOLEAN -> "BOOL";
            default -> throw new IllegalArgumentException("no safetensors dtype for " + t);
        };
    }

    /** A whole JSON number (a string "0" or 1.5 is refused, not read leniently). */
    private static long integer(com.google.gson.JsonElement v, String where, String field) {
        String bad = JsonTypes.typeError(v, long.class, "");
        // A whole number beyond 64 bits is named as such ("expected whole numbers" read as if it were a fraction).
        if (bad != null) throw new UserException(where + ": " + field + " holds " + v + (bad.contains(" from ") ? ", beyond the 64-bit integers the format allows" : ", expected whole numbers"));
        return v.getAsLong();
    }

    /** Reads and checks the header only. */
    public static Header header(Path file) {
        InputFiles.requireRegular(file, "");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Reads and checks the header of an open file ({@code file} names it in messages). */
    static Header header(Path file, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) throw new UserException(file + ": not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > MAX_HEADER || n > size - 8) {
                throw new UserException(file + ": safetensors header length " + Long.toUnsignedString(n) + " is impossible (file has " + size
                        + " bytes; expected 1 to " + Math.min(MAX_HEADER, size - 8) + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            // Strict UTF-8: a bad byte in a tensor name became U+FFFD and the tensor was then "missing".
            return parse(file, InputFiles.decodeUtf8(hb.array(), file + ": safetensors header"), 8 + n, size - 8 - n);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    static Header parse(Path file, String json, long dataStart, long dataLength) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json.trim());
            if (!e.isJsonObject()) throw new UserException(file + ": safetensors header is not a JSON object");
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new UserException(file + ": safetensors header is not valid JSON");
        }
        String dup = JsonFiles.duplicateKey(json);
        // JSON keeps the last of two equal keys; a header listing a tensor twice is ambiguous.
        if (dup != null) throw new UserException(file + ": safetensors header lists '" + dup + "' twice");
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> kv : o.entrySet()) {
            String name = kv.getKey();
            if (name.equals("__metadata__")) {
                if (!kv.getValue().isJsonObject()) throw new UserException(file + ": __metadata__ must be an object of strings");
                for (Map.Entry<String, JsonElement> m : kv.getValue().getAsJsonObject().entrySet()) {
                    if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
                        throw new UserException(file + ": __metadata__ '" + m.getKey() + "' is " + m.getValue() + ", expected a string (the format allows only strings there)");
                    }
                    meta.put(m.getKey(), m.getValue().getAsString());
                }
                continue;
            }
            entries.add(entry(file, name, kv.getValue(), dataLength));
        }
        checkLayout(file, entries, dataLength);
        return new Header(file, List.copyOf(entries), Collections.unmodifiableMap(meta), dataStart);
    }

    private static Entry entry(Path file, String name, JsonElement v, long dataLength) {
        String where = file + ": tensor '" + name + "'";
        if (!v.isJsonObject()) throw new UserException(where + ": header entry is not an object");
        JsonObject t = v.getAsJsonObject();
        if (!t.has("dtype") || !t.has("shape") || !t.has("data_offsets")) throw new UserException(where + ": header entry needs dtype, shape and data_offsets");
        DataType dt;
        long[] shape;
        long begin, end;
        try {
            dt = dtype(t.get("dtype").getAsString());
            if (dt == null) throw new UserException(where + ": unsupported dtype '" + t.get("dtype").getAsString() + "' (expected F32, F64, F16, BF16, I64, I32, I8, U8 or BOOL)");
            var sh = t.getAsJsonArray("shape");
            shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = integer(sh.get(i), where, "shape");
                if (shape[i] < 0) throw new UserException(where + ": negative dimension in shape " + sh);
            }
            var off = t.getAsJsonArray("data_offsets");
            if (off.size() != 2) throw new UserException(where + ": data_offsets must be [begin, end], found " + off);
            begin = integer(off.get(0), where, "data_offsets");
            end = integer(off.get(1), where, "data_offsets");
        } catch (IllegalStateException | NumberFormatException | ClassCastException | UnsupportedOperationException e) {
            throw new UserException(where + ": malformed header entry " + t);
        }
        Entry e = new Entry(name, dt, shape, begin, end);
        if (end < begin && begin >= 0) throw new UserException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        if (begin < 0 || end > dataLength) {
            throw new UserException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the " + dataLength + " data bytes of the file");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(e.elements(), (long) dt.getNumOfBytes());
        } catch (ArithmeticException x) {
            throw new UserException(where + ": shape " + e.shapeString() + " is absurdly large");
        }
        if (bytes != end - begin) {
            throw new UserException(where + ": shape " + e.shapeString() + " of " + dt + " needs " + bytes + " bytes but data_offsets span " + (end - begin));
        }
        return e;
    }

    /** Tensors may not overlap; every data byte belongs to one tensor (as the format requires). */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> a.begin() != b.begin() ? Long.compare(a.begin(), b.begin()) : Long.compare(a.end(), b.end()));
        long pos = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.end() == e.begin()) continue; // empty tensors take no bytes
            if (e.begin() < pos) {
                throw new UserException(file + ": tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '" + e.name() + "' ["
                        + e.begin() + ", " + e.end() + ") overlap");
            }
            if (e.begin() > pos) throw new UserException(file + ": " + (e.begin() - pos) + " data bytes before tensor '" + e.name() + "' belong to no tensor");
            pos = e.end();
            prev = e;
        }
        if (pos != dataLength) throw new UserException(file + ": " + (dataLength - pos) + " trailing data bytes belong to no tensor");
    }

    /** Every tensor of the file, by name, created in {@code manager} (float16/bfloat16 become float32). */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        InputFiles.requireRegular(file, "");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch, manager);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * Every tensor of an open file. Reading header and tensors through one channel means one file:
     * a file replaced (renamed over) meanwhile cannot mix the old header with the new data.
     */
    public static Map<String, NDArray> read(Path file, FileChannel ch, NDManager manager) {
        Header h = header(file, ch);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (Entry e : h.entries()) {
                long len = e.end() - e.begin();
                MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart() + e.begin(), len);
                buf.order(ByteOrder.LITTLE_ENDIAN);
                NDArray a;
                if (e.dtype() == DataType.BFLOAT16) {
                    // libtorch aborts the process (SIGABRT) when DJL creates a bfloat16 tensor from a
                    // buffer; bfloat16 is the upper half of a float32, so widen it here instead.
                    float[] f = new float[(int) (len / 2)];
                    for (int i = 0; i < f.length; i++) f[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                    a = manager.create(f, new Shape(e.shape()));
                } else {
                    a = manager.create(buf, new Shape(e.shape()), e.dtype());
                    if (e.dtype() == DataType.FLOAT16) a = a.toType(DataType.FLOAT32, false);
                }
                a.setName(e.name());
                out.put(e.name(), a);
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return out;
    }

    /**
     * Writes tensors in the given order with metadata (e.g. {"format": "pt"}, what PyTorch's
     * safetensors loader expects). The header is padded with spaces to a multiple of 8 bytes.
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        JsonObject h = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject m = new JsonObject();
            metadata.forEach(m::addProperty);
            h.add("__metadata__", m);
        }
        long off = 0;
        List<byte[]> data = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            byte[] bytes = bytes(a);
            JsonObject t = new JsonObject();
            t.addProperty("dtype", code(a.getDataType()));
            var shape = new com.google.gson.JsonArray();
            for (long d : a.getShape().getShape()) shape.add(d);
            t.add("shape", shape);
            var offs = new com.google.gson.JsonArray();
            offs.add(off);
            offs.add(off + bytes.length);
            t.add("data_offsets", offs);
            h.add(e.getKey(), t);
            data.add(bytes);
            off += bytes.length;
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        byte[] hp = Arrays.copyOf(header, padded);
        Arrays.fill(hp, header.length, padded, (byte) ' ');
        try (OutputStream os = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            os.write(len.array());
            os.write(hp);
            for (byte[] b : data) os.write(b);
        }
    }

    private static byte[] bytes(NDArray a) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}

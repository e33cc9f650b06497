package org.hetmerge.util;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hetmerge.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    /** bfloat16 (PyTorch checkpoints often are) crashed the JVM in libtorch (SIGABRT); it is widened to float32 exactly. */
    @Test
    void bfloat16TensorsAreReadAsTheirFloat32Values() throws Exception {
        short[] bits = {0x3F80, (short) 0xC000, 0x3F00, 0x4049}; // 1, −2, 0.5, 3.140625
        String header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (short s : bits) b.putShort(s);
        Path f = tmp.resolve("bf16.safetensors");
        Files.write(f, b.array());
        try (NDManager m = TestSupport.manager()) {
            var t = SafeTensors.read(f, m).get("w");
            assertThat(t.getShape().getShape()).containsExactly(2, 2);
            assertThat(t.toFloatArray()).containsExactly(1f, -2f, 0.5f, 3.140625f);
        }
    }

    /** A header naming one tensor twice is ambiguous (JSON keeps the last): refused, naming it. */
    @Test
    void aTensorListedTwiceIsRefused() throws Exception {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).putFloat(1f).putFloat(2f);
        Path f = tmp.resolve("dup.safetensors");
        Files.write(f, b.array());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeTensors.header(f)).isInstanceOf(UserException.class)
                .hasMessage(f + ": safetensors header lists 'w' twice");
    }

    /** Offsets as strings were read leniently; a shape of 2^32 × 2^32 wrapped to 0 bytes; a Latin-1 byte in a name made the tensor "missing". */
    @Test
    void lenientNumbersOverflowingShapesAndNonUtf8NamesAreRefused() throws Exception {
        String[][] cases = {{"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}", "data_offsets holds \"0\", expected whole numbers"},
                {"{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", "is absurdly large"},
                {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}", "data_offsets holds 99999999999999999999999, beyond the 64-bit integers the format allows"},
                {"{\"__metadata__\":{\"format\":7},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "__metadata__ 'format' is 7, expected a string"}};
        int k = 0;
        for (String[] c : cases) {
            ByteBuffer b = ByteBuffer.allocate(8 + c[0].length() + 4).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(c[0].length()).put(c[0].getBytes(StandardCharsets.US_ASCII)).putFloat(1f);
            Path f = tmp.resolve("c" + k++ + ".safetensors");
            Files.write(f, b.array());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeTensors.header(f)).as(c[0]).isInstanceOf(UserException.class).hasMessageContaining(c[1]);
        }
        byte[] header = "{\"w?\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.US_ASCII);
        header[3] = (byte) 0xe9;
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).putFloat(1f);
        Path f = tmp.resolve("latin.safetensors");
        Files.write(f, b.array());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeTensors.header(f)).isInstanceOf(UserException.class)
                .hasMessage(f + ": safetensors header: not UTF-8 text (invalid byte 0xe9 at byte offset 3)");
    }

    /** Reversed offsets are said to be reversed (they were called "outside the data bytes", which they were not). */
    @Test
    void reversedOffsetsAreNamedAsSuch() throws Exception {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + header.length() + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).putFloat(1f);
        Path f = tmp.resolve("rev.safetensors");
        Files.write(f, b.array());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeTensors.header(f)).isInstanceOf(UserException.class)
                .hasMessageEndingWith("data_offsets [4, 0] end before they begin");
    }
}

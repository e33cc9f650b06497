package org.hetmerge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hetmerge.cli.CliTest.assertOneLineError;
import static org.hetmerge.cli.CliTest.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.hetmerge.TestSupport;
import org.hetmerge.util.SafeTensors;
import org.hetmerge.interop.TorchFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import/export/eval --data as a user meets them: good files work, bad ones give one line, exit 2, nothing written. */
class ImportCliTest {
    @TempDir
    Path tmp;

    static final String SMALL = "resnet_basic_1211_w"; // torchvision ResNet(BasicBlock, [1, 2, 1, 1]), 5 classes, 32×32

    Path fixture(String name) {
        return TorchFixtures.dir().resolve(name);
    }

    /** A copy of the small ResNet checkpoint with {@code edit} applied to its tensors. */
    Path edited(String file, Consumer<Map<String, NDArray>> edit) throws IOException {
        Path out = tmp.resolve(file);
        try (NDManager m = TestSupport.manager()) {
            Map<String, NDArray> t = new LinkedHashMap<>(SafeTensors.read(fixture(SMALL + ".safetensors"), m));
            edit.accept(t);
            SafeTensors.write(out, t, Map.of("format", "pt"));
        }
        return out;
    }

    CliTest.Run importing(Path ckpt, String... more) {
        String[] base = {"import", "--family", "torchvision-resnet", ckpt.toString(), "--input-size", "32", "--out", tmp.resolve("model").toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    void assertError(CliTest.Run r, String... fragments) {
        assertOneLineError(r, 2, fragments);
        assertThat(tmp.resolve("model")).doesNotExist();
    }

    @Test
    void importsWithClassNamesAndPreprocessing() throws Exception {
        CliTest.Run r = importing(fixture(SMALL + ".safetensors"), "--classes", "a,b,c,d,e", "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25");
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject j = JsonParser.parseString(Files.readString(tmp.resolve("model/model.json"))).getAsJsonObject();
        assertThat(j.getAsJsonArray("tasks").get(0).getAsJsonObject().getAsJsonArray("classNames").toString()).isEqualTo("[\"a\",\"b\",\"c\",\"d\",\"e\"]");
        assertThat(j.getAsJsonObject("preprocessing").get("size").getAsInt()).isEqualTo(32);
        assertThat(j.getAsJsonObject("preprocessing").getAsJsonArray("std").get(0).getAsDouble()).isEqualTo(0.25);
        assertThat(j.getAsJsonObject("import").get("family").getAsString()).isEqualTo("torchvision-resnet");
        // Units: stem, five blocks in four stages, head.
        assertThat(j.getAsJsonObject("graph").getAsJsonArray("units").size()).isEqualTo(7);
    }

    @Test
    void aVitHeadCountThatIsNotGivenIsSaidNotSilentlyAssumed() throws Exception {
        CliTest.Run r = CliTest.run("import", "--family", "torchvision-vit", fixture("vit_small.safetensors").toString(), "--out", tmp.resolve("vit").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("num_heads = 1 assumed", "--config");
        CliTest.Run given = CliTest.run("import", "--family", "torchvision-vit", fixture("vit_small.safetensors").toString(),
                "--config", Files.writeString(tmp.resolve("h.json"), "{\"num_heads\": 4}").toString(), "--out", tmp.resolve("vit4").toString());
        assertThat(given.code()).as(given.err()).isZero();
        assertThat(given.err()).doesNotContain("assumed");
    }

    @Test
    void forceNeverReplacesAnInputAForeignDirectoryOrTheWorkingDirectory() throws Exception {
        Path ckpt = Files.copy(fixture(SMALL + ".safetensors"), Files.createDirectories(tmp.resolve("ckpts")).resolve("r.safetensors"));
        String[] base = {"import", "--family", "torchvision-resnet", ckpt.toString(), "--force", "--out"};
        java.util.function.Function<String, CliTest.Run> to = out -> CliTest.run(java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.stream.Stream.of(out)).toArray(String[]::new));
        assertOneLineError(to.apply(ckpt.toString()), 2, "is the input", "not replaced");
        assertOneLineError(to.apply(tmp.resolve("ckpts").toString()), 2, "a directory holding the input", "not replaced");
        assertThat(ckpt).exists();
        Path mine = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(mine.resolve("notes.txt"), "keep");
        assertOneLineError(to.apply(mine.toString()), 2, "did not write", "not replaced");
        assertThat(mine.resolve("notes.txt")).hasContent("keep");
        assertOneLineError(to.apply("."), 2, "not replaced");
        assertError(importing(ckpt, "--mean", "NaN,0,0"), "--mean value NaN");
        assertError(run("import", "--family", "torchvision-resnet", ckpt.toString(), "--input-size", "99999", "--out", tmp.resolve("model").toString()), "--input-size must be 1 to 8192");
    }

    @Test
    void unknownFamilyAndPickles() throws Exception {
        assertError(run("import", "--family", "timm-resnet", fixture(SMALL + ".safetensors").toString(), "--out", tmp.resolve("model").toString()),
                "unknown family 'timm-resnet'", "torchvision-resnet");
        // Judged by content, not by name: torch.save's zip (or a legacy pickle) is refused whatever it is called ...
        Path pt = Files.write(tmp.resolve("m.safetensors"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
        assertError(importing(pt), "m.safetensors is a torch.save file (zip or pickle)", ".safetensors");
        Path legacy = Files.write(tmp.resolve("old.pth"), new byte[] {(byte) 0x80, 2, 'c', 'x', 'y', 'z', 0, 0, 0, 0});
        assertError(importing(legacy), "old.pth is a torch.save file");
        // ... and a safetensors file named .pt imports.
        assertError(importing(tmp), tmp + " is a directory, expected a file");
        // The input size has one range whether it comes from --input-size or --config.
        Path big = Files.writeString(tmp.resolve("big.json"), "{\"size\": 1000000}");
        assertError(run("import", "--family", "torchvision-resnet", fixture(SMALL + ".safetensors").toString(), "--config", big.toString(), "--out", tmp.resolve("model").toString()), "--config: 'size' is 1000000, expected a whole number from 1 to 8192");
        Path named = Files.copy(fixture(SMALL + ".safetensors"), tmp.resolve("renamed.pt"));
        assertThat(importing(named).code()).isZero();
    }

    @Test
    void missingExtraAndMisshapenTensorsAreNamed() throws Exception {
        assertError(importing(edited("missing.safetensors", t -> t.remove("layer2.0.bn1.running_var"))), "missing.safetensors", "'layer2.0.bn1.running_var' is missing");
        assertError(importing(edited("extra.safetensors", t -> t.put("layer9.weight", t.get("fc.bias")))), "extra.safetensors", "unexpected tensor", "layer9.weight");
        assertError(importing(edited("shape.safetensors", t -> t.put("layer1.0.bn1.running_mean", t.get("fc.bias")))),
                "shape.safetensors", "layer1.0.bn1.running_mean", "[5]", "[64]");
        assertError(importing(edited("nan.safetensors", t -> t.put("layer3.0.conv1.weight", t.get("layer3.0.conv1.weight").mul(Float.NaN)))),
                "nan.safetensors", "'layer3.0.conv1.weight'", "non-finite");
        assertError(importing(fixture(SMALL + ".safetensors"), "--classes", "a,b"), "--classes names 2 classes", "5 outputs");
    }

    /** A file with a hand-written header over {@code data} bytes. */
    Path raw(String name, long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void lyingSafetensorsHeadersAreRejected() throws Exception {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertError(importing(raw("huge.safetensors", 1L << 40, ok, 8)), "huge.safetensors", "header length", "impossible");
        String past = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertError(importing(raw("past.safetensors", past.length(), past, 8)), "past.safetensors", "'a'", "outside the 8 data bytes");
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertError(importing(raw("overlap.safetensors", overlap.length(), overlap, 12)), "overlap.safetensors", "'a'", "'b'", "overlap");
        String lies = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertError(importing(raw("size.safetensors", lies.length(), lies, 8)), "size.safetensors", "'a'", "needs 12 bytes", "span 8");
        assertError(importing(raw("json.safetensors", 5, "{nope", 0)), "json.safetensors", "not valid JSON");
        assertError(importing(raw("dtype.safetensors", ok.replace("F32", "Q7").length(), ok.replace("F32", "Q7"), 8)), "dtype.safetensors", "unsupported dtype 'Q7'");
    }

    static void png(Path p, int seed) throws IOException {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
    }

    Path importedSmall() {
        Path model = tmp.resolve("small");
        CliTest.Run r = CliTest.run("import", "--family", "torchvision-resnet", fixture(SMALL + ".safetensors").toString(), "--input-size", "32",
                "--classes", "cat,dog,owl,fox,elk", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return model;
    }

    @Test
    void evalOnAnImageFolderScoresTheClassesItHasAndReportsTheRest() throws Exception {
        Path model = importedSmall();
        Path data = tmp.resolve("photos");
        for (int i = 0; i < 3; i++) {
            png(data.resolve("cat/" + i + ".png"), i);
            png(data.resolve("dog/" + i + ".png"), 10 + i);
            png(data.resolve("zebra/" + i + ".png"), 20 + i);
        }
        CliTest.Run r = CliTest.run("eval", model.toString(), "--data", data.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject j = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertThat(j.get("samples").getAsInt()).isEqualTo(6); // zebra is no class of the model
        assertThat(r.err()).contains("owl", "fox", "elk", "not evaluated").contains("zebra");
    }

    @Test
    void badImageFoldersAndTsvFilesAreOneLine() throws Exception {
        Path model = importedSmall();
        Path corrupt = tmp.resolve("corrupt");
        png(corrupt.resolve("cat/0.png"), 1);
        Files.write(corrupt.resolve("cat/1.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", corrupt.toString()), 2, "1.png", "not a readable PNG or JPEG");
        // A decompression bomb (72 megapixels in a few kilobytes) is refused from its header, with the file named.
        Path bomb = tmp.resolve("bomb");
        png(bomb.resolve("cat/0.png"), 1);
        ImageIO.write(new java.awt.image.BufferedImage(9000, 8000, java.awt.image.BufferedImage.TYPE_BYTE_BINARY), "png", bomb.resolve("cat/1.png").toFile());
        assertThat(Files.size(bomb.resolve("cat/1.png"))).isLessThan(200_000);
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", bomb.toString()), 2, "1.png: image is 9000 × 8000 pixels; at most 67108864 pixels are read");
        Path empty = tmp.resolve("empty");
        png(empty.resolve("cat/0.png"), 1);
        Files.createDirectories(empty.resolve("dog"));
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", empty.toString()), 2, "dog", "holds no PNG or JPEG");
        Path none = Files.createDirectories(tmp.resolve("none"));
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", none.toString()), 2, "none", "no class folders");
        assertOneLineError(CliTest.run("eval", model.toString()), 2, "--data PATH");
        // The wrong kind of data, and each option named as given.
        Path tsv = Files.writeString(tmp.resolve("t.tsv"), "cat\tw1\n");
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", tsv.toString()), 2, "--data " + tsv + " is a file: image models read an ImageFolder directory");
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", corrupt.toString(), "--eval-data", tmp.resolve("nowhere").toString()),
                2, "--eval-data " + tmp.resolve("nowhere") + ": no such directory");
        assertOneLineError(CliTest.run("eval", model.toString(), "--eval-data", corrupt.toString()), 2, "--eval-data " + corrupt + " needs --data too");
        // A train/ split without val/ or test/ was read as one class named 'train'.
        Path trainOnly = tmp.resolve("trainonly");
        png(trainOnly.resolve("train/cat/0.png"), 1);
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", trainOnly.toString()), 2,
                "--data " + trainOnly + " has a train/ folder but no val/ or test/ beside it: give the evaluation images with --eval-data");
        // A FIFO as data is named for what it is (it said "no such directory").
        Path fifo = tmp.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", fifo.toString()), 2, "--data " + fifo + " is not a directory (a FIFO, device or socket?)");
        // --calib beyond brought data names where the samples come from (it said "10% of the training split").
        Path good = tmp.resolve("good");
        for (int i = 0; i < 3; i++) png(good.resolve("cat/" + i + ".png"), i);
        Path twin = tmp.resolve("twin");
        Files.createDirectories(twin);
        try (var files = Files.list(model)) {
            for (Path f : files.toList()) Files.copy(f, twin.resolve(f.getFileName()));
        }
        assertOneLineError(CliTest.run("merge", model.toString(), twin.toString(), "--data", good.toString(), "--calib", "100000", "--out", tmp.resolve("m").toString()),
                2, "--calib 100000 needs 50000 samples of task 1 but only 3 exist in the calibration data given with --data");
    }

    @Test
    void textEncoderImportsWithItsTokenizerAndReadsTsv() throws Exception {
        Path model = tmp.resolve("text");
        CliTest.Run r = CliTest.run("import", "--family", "torch-text-encoder", fixture("text_pre.safetensors").toString(),
                "--config", fixture("text_pre.config.json").toString(), "--tokenizer", fixture("tokenizer.json").toString(),
                "--classes", "pos,neg,mixed", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(model.resolve("tokenizer.json")).exists();
        Path tsv = Files.writeString(tmp.resolve("d.tsv"), "pos\tw2 w3 w4\nneg\tW5 w6\nmixed\tw7 unknownword w8\n\npos\tw9\n");
        CliTest.Run e = CliTest.run("eval", model.toString(), "--data", tsv.toString(), "--json");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(JsonParser.parseString(e.out().strip()).getAsJsonObject().get("samples").getAsInt()).isEqualTo(4);
        Path bad = Files.writeString(tmp.resolve("bad.tsv"), "pos\tw2 w3\nno tab here\n");
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", bad.toString()), 2, "bad.tsv:2", "label<TAB>text");
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", tmp.toString()), 2, "--data " + tmp + " is a directory: text models read a TSV file");
        assertOneLineError(CliTest.run("eval", model.toString(), "--data", tsv.toString(), "--eval-data", tmp.resolve("no.tsv").toString()), 2, "--eval-data " + tmp.resolve("no.tsv") + " does not exist (text data is a TSV file");
        Path notTok = Files.writeString(tmp.resolve("tok.json"), "{\"version\": \"1.0\"}");
        assertOneLineError(CliTest.run("import", "--family", "torch-text-encoder", fixture("text_pre.safetensors").toString(),
                "--config", fixture("text_pre.config.json").toString(), "--tokenizer", notTok.toString(), "--out", tmp.resolve("t2").toString()), 2, "tok.json", "tokenizer");
        assertThat(tmp.resolve("t2")).doesNotExist();
        Path typo = Files.writeString(tmp.resolve("typo.json"), "{\"nheads\": 4, \"max_length\": 16}");
        assertOneLineError(CliTest.run("import", "--family", "torch-text-encoder", fixture("text_pre.safetensors").toString(),
                "--config", typo.toString(), "--tokenizer", fixture("tokenizer.json").toString(), "--out", tmp.resolve("t4").toString()), 2,
                "--config: 'nheads' is not a setting of family torch-text-encoder");
        assertOneLineError(CliTest.run("import", "--family", "torch-text-encoder", fixture("text_pre.safetensors").toString(),
                "--tokenizer", fixture("tokenizer.json").toString(), "--out", tmp.resolve("t3").toString()), 2, "needs 'nhead' in --config");
        // Values of --config are checked as --config values (they were blamed on the checkpoint, "headDim = Infinity").
        String[][] values = {{"\"nhead\": 0", "--config: 'nhead' is 0, expected a whole number ≥ 1"}, {"\"nhead\": \"four\"", "--config: 'nhead' is \"four\", expected a whole number ≥ 1"},
                {"\"nhead\": 2, \"max_length\": -16", "--config: 'max_length' is -16, expected a whole number from 1 to 65536"},
                {"\"nhead\": 2, \"activation\": \"swish\"", "--config: 'activation' is \"swish\", expected one of relu, gelu"},
                {"\"nhead\": 2, \"layer_norm_eps\": 0", "--config: 'layer_norm_eps' is 0, expected a number > 0"},
                {"\"nhead\": 2, \"layer_norm_eps\": NaN", "not strict JSON"},
                // Values the state dict fixes are compared with it, not recorded unused.
                {"\"nhead\": 2, \"d_model\": 12345", "--config: 'd_model' is 12345 but " + fixture("text_pre.safetensors") + " has "},
                {"\"nhead\": 2, \"num_classes\": 9999", "--config: 'num_classes' is 9999 but "},
                // A shape the settings imply is blamed on them too, not only on "the other tensors".
                {"\"nhead\": 2, \"max_length\": 4", "implied by the checkpoint's other tensors and the settings nhead=2, max_length=4)"}};
        for (String[] v : values) {
            Path c = Files.writeString(tmp.resolve("cfg.json"), "{" + (v[0].contains("max_length") ? "" : "\"max_length\": 16, ") + v[0] + "}");
            assertOneLineError(CliTest.run("import", "--family", "torch-text-encoder", fixture("text_pre.safetensors").toString(), "--config", c.toString(),
                    "--tokenizer", fixture("tokenizer.json").toString(), "--out", tmp.resolve("t5").toString()), 2, v[1]);
            assertThat(tmp.resolve("t5")).doesNotExist();
        }
    }

    @Test
    void exportChecksTheRecordedSettingsLikeConfig() throws Exception {
        Path model = importedSmall();
        Path json = model.resolve("model.json");
        JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        j.getAsJsonObject("import").getAsJsonObject("settings").addProperty("size", -5);
        Files.writeString(json, j.toString());
        assertOneLineError(CliTest.run("export", model.toString(), "--out", tmp.resolve("x").toString()), 2,
                "import.settings: 'size' is -5, expected a whole number from 1 to 8192");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void exportOfAModelThatWasNotImportedSaysSo() throws Exception {
        Path model = importedSmall();
        CliTest.Run r = CliTest.run("export", model.toString(), "--to", "onnx", "--out", tmp.resolve("x").toString());
        assertOneLineError(r, 2, "--to 'onnx'");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}

package org.hetmerge.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reference models and outputs made by PyTorch itself (python/make_fixtures.py, run with Debian's
 * python3-torch, which .ci/run installs): made once per build directory and remade when the script
 * changes. A missing PyTorch fails the tests that need it, with the command to install it.
 */
public final class TorchFixtures {
    private TorchFixtures() {}

    public static final Path DIR = Path.of("target", "torch-fixtures");

    public static String python() {
        String p = System.getenv("HETMERGE_PYTHON");
        return p != null && !p.isBlank() ? p : "/usr/bin/python3";
    }

    public static synchronized Path dir() {
        Path script = Path.of("python", "make_fixtures.py");
        Path done = DIR.resolve("cases.json");
        try {
            FileTime scriptTime = Files.getLastModifiedTime(script);
            FileTime libTime = Files.getLastModifiedTime(Path.of("python", "hetmerge_torch.py"));
            if (Files.isRegularFile(done) && Files.getLastModifiedTime(done).compareTo(scriptTime) > 0 && Files.getLastModifiedTime(done).compareTo(libTime) > 0) return DIR;
            run(List.of(python(), script.toString(), DIR.toString()), 600);
            return DIR;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command; fails with its output when it does not exit 0. */
    public static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + " (PyTorch fixtures need Debian's python3-torch and python3-torchvision: apt-get install python3-torch python3-torchvision):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd.get(0) + " (" + e.getMessage() + "): install Debian's python3-torch and python3-torchvision", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public record Case(String name, String family, int[] input, int classes, String config) {}

    public static List<Case> cases() {
        try {
            JsonArray a = JsonParser.parseString(Files.readString(dir().resolve("cases.json"))).getAsJsonArray();
            List<Case> out = new ArrayList<>();
            for (JsonElement e : a) {
                JsonObject o = e.getAsJsonObject();
                JsonArray in = o.getAsJsonArray("input");
                int[] shape = new int[in.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = in.get(i).getAsInt();
                out.add(new Case(o.get("case").getAsString(), o.get("family").getAsString(), shape, o.get("classes").getAsInt(),
                        o.get("config").isJsonNull() ? null : o.get("config").getAsString()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

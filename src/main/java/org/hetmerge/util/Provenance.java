package org.hetmerge.util;

import com.google.gson.JsonObject;
import java.time.Instant;

/** Who made a file: versions, machine and command, recorded in every model.json and report. */
public final class Provenance {
    private Provenance() {}

    public static final String VERSION = "0.1.0";

    public static JsonObject now(String command) {
        JsonObject o = new JsonObject();
        o.addProperty("hetmerge", VERSION);
        o.addProperty("djl", Torch.DJL_VERSION);
        o.addProperty("pytorch", Torch.PYTORCH_VERSION);
        o.addProperty("java", System.getProperty("java.version"));
        o.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        o.addProperty("cores", Runtime.getRuntime().availableProcessors());
        o.addProperty("created", Instant.now().toString());
        if (command != null) o.addProperty("command", command);
        return o;
    }
}

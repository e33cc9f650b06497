package org.hetmerge.report;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** report.json files that `hetmerge report` reads: a wrong type or an impossible accuracy is one line naming the file and the field. */
class ReportSchemaTest {
    static final String GOOD = """
            {"method":"zip","joint":0.5,"task_avg":0.7,"params":10,"flops":20,"seconds":{"stats":1.5,"eval":2},
             "tasks":[{"classes":[0,1],"names":["a","b"],"accuracy":0.6},{"classes":[2,3],"accuracy":0.8}],
             "ensemble":{"joint":0.6,"task_avg":0.9,"params":20,"flops":40,"tasks":[{"classes":[0,1],"accuracy":0.9},{"classes":[2,3],"accuracy":0.9}]},
             "models":[{"name":"A","path":"a","joint":0.4,"task_avg":0.5,"params":10,"flops":20,"tasks":[{"classes":[0,1],"accuracy":0.9},{"classes":[2,3],"accuracy":0.1}]}],
             "notes":["n"],"align":null,"repair":"none"}""";
    static final Path FILE = Path.of("r/report.json");

    static JsonObject edited(Consumer<JsonObject> edit) {
        JsonObject o = JsonParser.parseString(GOOD).getAsJsonObject();
        edit.accept(o);
        return o;
    }

    @Test
    void aWellFormedReportAndADemoReportOfItPass() {
        assertThatCode(() -> ReportSchema.check(edited(o -> {}), FILE)).doesNotThrowAnyException();
        JsonObject demo = JsonParser.parseString("{\"pairs\":[{\"name\":\"p\",\"title\":\"P\",\"plots\":[],\"merges\":[" + GOOD + "]}]}").getAsJsonObject();
        assertThatCode(() -> ReportSchema.check(demo, FILE)).doesNotThrowAnyException();
    }

    @Test
    void wrongTypesAndImpossibleAccuraciesAreNamed() {
        Object[][] cases = {
                {(Consumer<JsonObject>) o -> o.addProperty("joint", -3.5), "r/report.json: joint is -3.5, expected an accuracy from 0 to 1"},
                {(Consumer<JsonObject>) o -> o.addProperty("models", "oops"), "r/report.json: models is \"oops\", expected an array"},
                {(Consumer<JsonObject>) o -> o.getAsJsonArray("models").get(0).getAsJsonObject().getAsJsonArray("tasks").get(1).getAsJsonObject().addProperty("accuracy", 1.5),
                        "r/report.json: models[0].tasks[1].accuracy is 1.5, expected an accuracy from 0 to 1"},
                {(Consumer<JsonObject>) o -> o.getAsJsonObject("seconds").addProperty("stats", "x"), "r/report.json: seconds.stats is \"x\", expected a number"},
                {(Consumer<JsonObject>) o -> o.remove("ensemble"), "r/report.json: ensemble is missing"},
                {(Consumer<JsonObject>) o -> o.getAsJsonObject("ensemble").getAsJsonArray("tasks").remove(0), "r/report.json: ensemble.tasks has 1 entries for 2 tasks"},
                {(Consumer<JsonObject>) o -> o.addProperty("params", 1.5), "r/report.json: params is 1.5, expected an integer"},
                {(Consumer<JsonObject>) o -> o.addProperty("params", -5), "r/report.json: params is -5 (a count), expected a number ≥ 0"},
                {(Consumer<JsonObject>) o -> o.getAsJsonArray("models").get(0).getAsJsonObject().remove("joint"), "r/report.json: models[0].joint is missing"},
                {(Consumer<JsonObject>) o -> o.getAsJsonArray("models").get(0).getAsJsonObject().getAsJsonArray("tasks").remove(0), "r/report.json: models[0].tasks has 1 entries for 2 tasks"},
                {(Consumer<JsonObject>) o -> o.getAsJsonArray("tasks").set(0, com.google.gson.JsonNull.INSTANCE), "r/report.json: tasks[0] is null, expected an object"},
                {(Consumer<JsonObject>) o -> o.getAsJsonObject("ensemble").getAsJsonArray("tasks").get(0).getAsJsonObject().remove("accuracy"), "r/report.json: ensemble.tasks[0].accuracy is missing"},
                {(Consumer<JsonObject>) o -> {
                    o.remove("method");
                    o.remove("models");
                }, "r/report.json is not a hetmerge report (it has neither 'pairs' nor 'method' and 'models')"}};
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked") Consumer<JsonObject> edit = (Consumer<JsonObject>) c[0];
            assertThatThrownBy(() -> ReportSchema.check(edited(edit), FILE)).as((String) c[1]).isInstanceOf(UserException.class).hasMessage((String) c[1]);
        }
        JsonObject demo = JsonParser.parseString("{\"pairs\":[{\"name\":\"p\",\"title\":\"P\",\"merges\":[7]}]}").getAsJsonObject();
        assertThatThrownBy(() -> ReportSchema.check(demo, FILE)).hasMessage("r/report.json: pairs[0].merges[0] is 7, expected an object");
        // Plot paths are copied and embedded: one leaving the report's directory would copy or leak any file (third audit).
        for (String plot : new String[] {"../escape.png", "/etc/hostname", "a/../../b.png", "notes.txt"}) {
            JsonObject p = JsonParser.parseString("{\"pairs\":[{\"name\":\"p\",\"title\":\"P\",\"plots\":[\"" + plot + "\"],\"merges\":[" + GOOD + "]}]}").getAsJsonObject();
            assertThatThrownBy(() -> ReportSchema.check(p, FILE)).as(plot).hasMessage("r/report.json: pairs[0].plots[0] is \"" + plot + "\", expected a .png file name inside the report's directory");
        }
        JsonObject empty = JsonParser.parseString("{\"pairs\":[{\"name\":\"p\",\"title\":\"P\",\"merges\":[]}]}").getAsJsonObject();
        assertThatThrownBy(() -> ReportSchema.check(empty, FILE)).hasMessage("r/report.json: pairs[0].merges is empty");
        JsonObject nulls = JsonParser.parseString("{\"pairs\":[null]}").getAsJsonObject();
        assertThatThrownBy(() -> ReportSchema.check(nulls, FILE)).hasMessage("r/report.json: pairs[0] is null, expected an object");
        JsonObject noName = JsonParser.parseString("{\"pairs\":[{\"name\":null,\"title\":\"P\",\"merges\":[]}]}").getAsJsonObject();
        assertThatThrownBy(() -> ReportSchema.check(noName, FILE)).hasMessage("r/report.json: pairs[0].name is missing");
    }
}

package org.hetmerge.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.hetmerge.bench.TrainBench;
import org.hetmerge.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. 'train': training throughput of the graph IR vs the same network in DJL Blocks.",
        footer = {"", "Examples:", "  hetmerge bench train", "  hetmerge bench train --depth 20 --width 1 --steps 40 --rounds 3"})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "WHAT", description = "train", defaultValue = "train")
    String what;

    @Option(names = "--depth", defaultValue = "20") int depth;
    @Option(names = "--width", defaultValue = "1") double width;
    @Option(names = "--batch-size", defaultValue = "128") int batch;
    @Option(names = "--steps", defaultValue = "30", description = "Measured steps per round (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--rounds", defaultValue = "3", description = "Alternating IR/DJL rounds (default ${DEFAULT-VALUE}).") int rounds;
    @Option(names = "--json") boolean json;
    @Mixin CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        if (!what.equals("train")) throw new org.hetmerge.util.UserException("unknown benchmark '" + what + "' (known: train)");
        TrainBench.Result r = TrainBench.run(depth, width, batch, steps, rounds);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("irImagesPerSecond", r.ir());
            o.addProperty("djlImagesPerSecond", r.djl());
            o.addProperty("ratio", r.ir() / r.djl());
            System.out.println(o);
        } else {
            System.out.printf("resnet-%d x%s, batch %d, %d rounds of %d steps (best round each):%n", depth, width, batch, rounds, steps);
            System.out.printf("  hetmerge graph IR  %8.1f img/s%n", r.ir());
            System.out.printf("  DJL Blocks         %8.1f img/s%n", r.djl());
            System.out.printf("  ratio IR / DJL     %8.3f%n", r.ir() / r.djl());
        }
        return 0;
    }
}

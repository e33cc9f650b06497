package org.hetmerge.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.hetmerge.eval.Barrier;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart), readable at 800 px: title, axis labels, legend. */
public final class Plots {
    private Plots() {}

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd)};

    /** Test loss against λ, one line per method. */
    public static void barrier(List<Barrier.Curve> curves, Path png) throws IOException {
        XYChart c = new XYChartBuilder().width(800).height(560).title("Loss along the merge path (λ = 1: model A, λ = 0: model B)")
                .xAxisTitle("λ (weight of model A)").yAxisTitle("test loss (cross-entropy)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideN);
        int i = 0;
        for (Barrier.Curve cv : curves) {
            XYSeries s = c.addSeries(String.format("%s (barrier %.3f)", cv.method(), cv.barrier()), cv.lambdas(), cv.loss());
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineColor(PALETTE[i % PALETTE.length]);
            s.setMarkerColor(PALETTE[i % PALETTE.length]);
            s.setLineStyle(new BasicStroke(2.5f));
            i++;
        }
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Joint and task-average accuracy per row of a pair's table (grouped bars, in %). */
    public static void accuracyBars(String title, List<String> rows, double[] joint, double[] taskAvg, Path png) throws IOException {
        org.knowm.xchart.CategoryChart c = new org.knowm.xchart.CategoryChartBuilder().width(800).height(520).title(title)
                .xAxisTitle("model / method").yAxisTitle("accuracy (%)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(100.0);
        c.getStyler().setXAxisLabelRotation(20);
        c.getStyler().setLabelsVisible(false);
        c.getStyler().setSeriesColors(new Color[] {PALETTE[0], PALETTE[2]});
        c.addSeries("joint", rows, toList(joint, 100));
        c.addSeries("task avg", rows, toList(taskAvg, 100));
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Histogram of the correlations of matched cross-model feature pairs, one series per method. */
    public static void correlationHistogram(String title, java.util.Map<String, double[]> byMethod, Path png) throws IOException {
        int bins = 20;
        List<String> labels = new java.util.ArrayList<>();
        for (int b = 0; b < bins; b++) labels.add(String.format(java.util.Locale.ROOT, "%.2f", -1 + (b + 0.5) * 2.0 / bins));
        org.knowm.xchart.CategoryChart c = new org.knowm.xchart.CategoryChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("correlation of a matched pair (bin centre)").yAxisTitle("share of matched pairs (%)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setOverlapped(true);
        c.getStyler().setXAxisLabelRotation(45);
        c.getStyler().setSeriesColors(new Color[] {new Color(31, 119, 180, 150), new Color(214, 39, 40, 150), new Color(44, 160, 44, 150)});
        for (var e : byMethod.entrySet()) {
            double[] h = new double[bins];
            for (double v : e.getValue()) h[Math.min(bins - 1, Math.max(0, (int) Math.floor((v + 1) / 2 * bins)))]++;
            double n = Math.max(1, e.getValue().length);
            double mean = java.util.Arrays.stream(e.getValue()).average().orElse(0);
            List<Double> ys = new java.util.ArrayList<>();
            for (double x : h) ys.add(100 * x / n);
            c.addSeries(String.format(java.util.Locale.ROOT, "%s (%d pairs, mean %.2f)", e.getKey(), e.getValue().length, mean), labels, ys);
        }
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Accuracy against the partial-zipping stop point (shared trunk up to x, branches after), with the ensemble for reference. */
    public static void partialZip(String title, List<String> stops, double[] joint, double[] taskAvg, double ensembleJoint, Path png) throws IOException {
        org.knowm.xchart.CategoryChart c = new org.knowm.xchart.CategoryChartBuilder().width(800).height(520).title(title)
                .xAxisTitle("shared trunk ends after (stop point)").yAxisTitle("accuracy (%)").build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
        c.getStyler().setOverlapped(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setSeriesColors(new Color[] {PALETTE[0], PALETTE[2], Color.GRAY});
        c.addSeries("joint", stops, toList(joint, 100)).setLineStyle(new BasicStroke(2.5f));
        c.addSeries("task avg", stops, toList(taskAvg, 100)).setLineStyle(new BasicStroke(2.5f));
        double[] e = new double[stops.size()];
        java.util.Arrays.fill(e, ensembleJoint);
        c.addSeries("ensemble joint", stops, toList(e, 100)).setMarker(SeriesMarkers.NONE)
                .setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Accuracy vs parameters of every configuration a budget search tried (stop point × width):
     * test joint accuracy, the label-free proxy that chose among them, the Pareto frontier of joint
     * accuracy, and the ensemble as a reference point.
     */
    public static void frontier(String title, org.hetmerge.eval.BudgetSearch.Result r, long ensembleParams, double ensembleJoint, Path png) throws IOException {
        XYChart c = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle("parameters of the merged model").yAxisTitle("%").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        c.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setXAxisDecimalPattern("#,###");
        List<org.hetmerge.eval.BudgetSearch.Candidate> scored = r.tried().stream().filter(org.hetmerge.eval.BudgetSearch.Candidate::fits).toList();
        List<Double> params = scored.stream().map(x -> (double) x.params()).toList();
        XYSeries joint = c.addSeries("test joint accuracy", params, scored.stream().map(x -> 100 * x.test().joint()).toList());
        joint.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        joint.setMarkerColor(PALETTE[0]);
        XYSeries proxy = c.addSeries("agreement with the task models (label-free, chooses)", params, scored.stream().map(x -> 100 * x.proxy()).toList());
        proxy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        proxy.setMarker(SeriesMarkers.DIAMOND);
        proxy.setMarkerColor(PALETTE[3]);
        // Pareto frontier: configurations no cheaper one beats on joint accuracy.
        List<org.hetmerge.eval.BudgetSearch.Candidate> byParams = new java.util.ArrayList<>(scored);
        byParams.sort(java.util.Comparator.comparingLong(org.hetmerge.eval.BudgetSearch.Candidate::params));
        List<Double> fx = new java.util.ArrayList<>(), fy = new java.util.ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (var x : byParams) {
            if (x.test().joint() > best) {
                best = x.test().joint();
                fx.add((double) x.params());
                fy.add(100 * best);
            }
        }
        XYSeries f = c.addSeries("frontier (joint)", fx, fy);
        f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        f.setMarker(SeriesMarkers.NONE);
        f.setLineColor(PALETTE[0]);
        XYSeries e = c.addSeries("ensemble (both models)", List.of((double) ensembleParams), List.of(100 * ensembleJoint));
        e.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        e.setMarker(SeriesMarkers.SQUARE);
        e.setMarkerColor(Color.GRAY);
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static List<Double> toList(double[] v, double k) {
        List<Double> l = new java.util.ArrayList<>();
        for (double x : v) l.add(x * k);
        return l;
    }

    static void style(org.knowm.xchart.style.AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setPlotGridLinesVisible(true);
    }
}

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

    static void style(org.knowm.xchart.style.AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setPlotGridLinesVisible(true);
    }
}

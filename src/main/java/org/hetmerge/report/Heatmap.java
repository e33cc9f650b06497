package org.hetmerge.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A CKA heat map (deep units × shallow units) with the chosen segmentation paths drawn on it.
 * Drawn with Java2D: XChart's heat map cannot overlay a path, and this plot needs one.
 */
public final class Heatmap {
    private Heatmap() {}

    static final Color[] PATH_COLORS = {new Color(220, 30, 30), new Color(20, 90, 230), new Color(20, 160, 60), new Color(130, 60, 170)};

    public static void write(double[][] values, String title, String xLabel, String yLabel, Map<String, int[]> paths, Path out) throws IOException {
        int m = values.length, n = values[0].length;
        int width = 800, height = 800;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int left = 90, top = 70, right = 150, bottom = 90;
        int pw = width - left - right, ph = height - top - bottom;
        double cw = pw / (double) n, ch = ph / (double) m;
        double lo = 0, hi = 1;
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 14), big = new Font(Font.SANS_SERIF, Font.BOLD, 18);
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                g.setColor(color((values[j][i] - lo) / (hi - lo)));
                int x0 = left + (int) Math.round(i * cw), y0 = top + (int) Math.round(j * ch);
                g.fillRect(x0, y0, (int) Math.round((i + 1) * cw) - (int) Math.round(i * cw), (int) Math.round((j + 1) * ch) - (int) Math.round(j * ch));
                if (m * n <= 120) {
                    g.setFont(small);
                    g.setColor(values[j][i] > 0.6 ? Color.BLACK : Color.WHITE);
                    String s = String.format("%.2f", values[j][i]);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(s, (float) (left + (i + 0.5) * cw - fm.stringWidth(s) / 2.0), (float) (top + (j + 0.3) * ch + fm.getAscent() / 2.0 - 2));
                }
            }
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, pw, ph);
        // paths: one marker per shallow unit at its deep position
        int k = 0;
        int legendY = top + 10;
        for (Map.Entry<String, int[]> e : paths.entrySet()) {
            Color c = PATH_COLORS[k % PATH_COLORS.length];
            double offset = (k - (paths.size() - 1) / 2.0) * Math.min(cw, ch) * 0.12;
            g.setColor(c);
            g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, k % 2 == 1 ? new float[] {10f, 6f} : null, 0f));
            int[] p = e.getValue();
            for (int i = 0; i < p.length; i++) {
                double x = left + (i + 0.5) * cw + offset, y = top + (p[i] + 0.5) * ch + offset;
                g.fillOval((int) x - 7, (int) y - 7, 14, 14);
                if (i > 0) {
                    double px = left + (i - 0.5) * cw + offset, py = top + (p[i - 1] + 0.5) * ch + offset;
                    g.drawLine((int) px, (int) py, (int) x, (int) y);
                }
            }
            g.setFont(small);
            g.fillOval(left + pw + 20, legendY, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), left + pw + 38, legendY + 12);
            legendY += 22;
            k++;
        }
        // colour bar
        int bx = left + pw + 25, by = top + 120, bh = ph - 140;
        for (int y = 0; y < bh; y++) {
            g.setColor(color(1 - y / (double) bh));
            g.fillRect(bx, by + y, 20, 1);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bx, by, 20, bh);
        g.setFont(small);
        g.drawString("1.0", bx + 26, by + 10);
        g.drawString("0.5", bx + 26, by + bh / 2 + 5);
        g.drawString("0.0", bx + 26, by + bh);
        g.drawString("CKA", bx - 2, by - 8);
        // ticks
        for (int i = 0; i < n; i++) centered(g, Integer.toString(i + 1), left + (i + 0.5) * cw, top + ph + 20);
        for (int j = 0; j < m; j++) {
            String s = Integer.toString(j + 1);
            g.drawString(s, left - 10 - g.getFontMetrics().stringWidth(s), (float) (top + (j + 0.5) * ch + 5));
        }
        g.setFont(big);
        centered(g, title, width / 2.0, 35);
        g.setFont(small);
        centered(g, xLabel, left + pw / 2.0, top + ph + 50);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        FontMetrics fm = r.getFontMetrics();
        r.drawString(yLabel, (float) (-(top + ph / 2.0) - fm.stringWidth(yLabel) / 2.0), 35f);
        r.dispose();
        g.dispose();
        ImageIO.write(img, "png", out.toFile());
    }

    private static void centered(Graphics2D g, String s, double x, double y) {
        g.drawString(s, (float) (x - g.getFontMetrics().stringWidth(s) / 2.0), (float) y);
    }

    /** Viridis-like colour ramp. */
    static Color color(double t) {
        t = Math.max(0, Math.min(1, t));
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double pos = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) pos);
        double f = pos - i;
        return new Color((int) (stops[i][0] + f * (stops[i + 1][0] - stops[i][0])), (int) (stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                (int) (stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    }

    public static Map<String, int[]> paths(List<String> names, List<int[]> positions) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), positions.get(i));
        return m;
    }
}

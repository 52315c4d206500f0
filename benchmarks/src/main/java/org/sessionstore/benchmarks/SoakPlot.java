package org.sessionstore.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * Draws the samples of {@code SoakRun} (itests) as a PNG, one panel a series, with the bundle
 * updates (grey) and the Redis restarts (red) marked, and prints whether each series stayed flat
 * after the warm-up (its first sixth): the mean of the last third against the mean of the first
 * third after the warm-up, and the range after the warm-up.
 *
 * <pre>java -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.SoakPlot \
 *     itests/target/soak/soak.csv docs/images/soak.png</pre>
 */
public final class SoakPlot {

    private static final String[] SERIES = {"heap_mb", "threads", "fds", "redis_clients", "redis_keys", "near_entries"};
    private static final String[] TITLES = {"heap after full GC (MB)", "JVM threads", "file descriptors",
        "Redis connections", "Redis keys", "near cache entries"};

    private SoakPlot() {
    }

    public static void main(String[] args) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        List<String> header = List.of(lines.get(0).split(","));
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            rows.add(line.split(",", -1));
        }
        int w = 1200;
        int h = 720;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int warm = Math.max(1, rows.size() / 6);
        for (int s = 0; s < SERIES.length; s++) {
            int col = header.indexOf(SERIES[s]);
            double[] ys = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                ys[i] = Double.parseDouble(rows.get(i)[col]);
            }
            panel(g, 20 + (s % 3) * 390, 30 + (s / 3) * 345, 370, 300, TITLES[s], ys, rows, header.indexOf("events"));
            System.out.println(verdict(TITLES[s], ys, warm));
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("SoakRun: " + (rows.size() - 1) + " min; grey lines: bundle updates (U), red: Redis restarts (R);"
                + " a missing point: the sample failed (Redis down)", 20, 18);
        g.dispose();
        ImageIO.write(img, "png", new File(args[1]));
        System.out.println("wrote " + args[1]);
    }

    /** Mean of the last third against the first third after the warm-up, and the range after it (samples of -1 left out). */
    static String verdict(String title, double[] ys, int warm) {
        List<Double> after = new ArrayList<>();
        for (int i = warm; i < ys.length; i++) {
            if (ys[i] >= 0) {
                after.add(ys[i]);
            }
        }
        if (after.size() < 3) {
            return title + ": too few samples after the warm-up";
        }
        int third = after.size() / 3;
        double first = after.subList(0, third).stream().mapToDouble(d -> d).average().orElse(0);
        double last = after.subList(after.size() - third, after.size()).stream().mapToDouble(d -> d).average().orElse(0);
        double min = after.stream().mapToDouble(d -> d).min().orElse(0);
        double max = after.stream().mapToDouble(d -> d).max().orElse(0);
        return String.format("%-24s after warm-up: min %.0f, max %.0f; mean of first third %.1f, of last third %.1f (%s)",
                title, min, max, first, last, first == 0 ? "n/a" : String.format("%+.1f%%", (last - first) * 100 / first));
    }

    private static void panel(Graphics2D g, int x, int y, int w, int h, String title, double[] ys, List<String[]> rows,
            int eventsCol) {
        double max = 0;
        for (double v : ys) {
            max = Math.max(max, v);
        }
        max = max <= 0 ? 1 : max * 1.15;
        int n = Math.max(1, ys.length - 1);
        g.setColor(Color.BLACK);
        g.drawString(title, x, y + 12);
        int top = y + 20;
        int bottom = y + h - 20;
        int left = x + 50;
        int right = x + w;
        g.setColor(new Color(0xEEEEEE));
        g.fillRect(left, top, right - left, bottom - top);
        for (int i = 0; i < rows.size(); i++) {
            String ev = eventsCol >= 0 && eventsCol < rows.get(i).length ? rows.get(i)[eventsCol] : "";
            if (!ev.isBlank()) {
                int px = left + (int) ((double) Math.max(0, i - 0.5) / n * (right - left));
                g.setColor(ev.contains("R") ? new Color(0xE06060) : new Color(0xB0B0B0));
                g.drawLine(px, top, px, bottom);
            }
        }
        g.setColor(Color.DARK_GRAY);
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            int py = bottom - (int) (v / max * (bottom - top));
            g.drawString(v >= 1000 ? String.format("%.1fk", v / 1000) : String.format("%.0f", v), x, py + 4);
        }
        g.drawString("0", left, bottom + 14);
        g.drawString(n + " min", right - 40, bottom + 14);
        g.setColor(new Color(0x1F5FBF));
        g.setStroke(new BasicStroke(2f));
        int px0 = -1;
        int py0 = -1;
        for (int i = 0; i < ys.length; i++) {
            if (ys[i] < 0) {
                px0 = -1;
                continue;
            }
            int px = left + (int) ((double) i / n * (right - left));
            int py = bottom - (int) (ys[i] / max * (bottom - top));
            if (px0 >= 0) {
                g.drawLine(px0, py0, px, py);
            }
            g.fillOval(px - 2, py - 2, 4, 4);
            px0 = px;
            py0 = py;
        }
        g.setStroke(new BasicStroke(1f));
    }
}

package org.sessionstore.webconsole;

import java.util.List;
import java.util.Locale;

import org.sessionstore.api.StoreMetrics.Sample;

/** The page's two small charts, as inline SVG (no script, nothing fetched): calls per step and p99 latency. */
final class Chart {

    static final int WIDTH = 420;
    static final int HEIGHT = 110;

    private Chart() {
    }

    static String of(List<Sample> steps) {
        if (steps.isEmpty()) {
            return "<p>No figures yet: the chart shows 10-second steps once the first one ends.</p>";
        }
        double[] calls = new double[steps.size()];
        double[] p99 = new double[steps.size()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = steps.get(i).calls();
            double q = steps.get(i).p99Millis();
            p99[i] = Double.isNaN(q) ? 0 : Double.isInfinite(q) ? 10_000 : q;
        }
        long minutes = Math.max(1, Math.round(steps.size() / 6.0));
        return "<div class=\"ss-charts\">" + svg("calls per 10 s", calls, "", "#3366cc", "ss-chart-calls")
                + svg("p99 latency", p99, " ms", "#dc7633", "ss-chart-p99") + "<p>the last " + steps.size()
                + (steps.size() == 1 ? " step" : " steps") + " of 10 s (about " + minutes + " min)</p></div>";
    }

    private static String svg(String title, double[] v, String unit, String colour, String id) {
        double max = 0;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double top = max <= 0 ? 1 : max;
        StringBuilder points = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            double x = v.length == 1 ? WIDTH / 2.0 : 40 + i * (WIDTH - 50.0) / (v.length - 1);
            double y = HEIGHT - 15 - v[i] / top * (HEIGHT - 30);
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x, y, colour));
        }
        return "<svg id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + HEIGHT
                + "\" role=\"img\" aria-label=\"" + Html.text(title) + "\" style=\"margin-right:16px;border:1px solid #ccc\">"
                + "<text x=\"6\" y=\"13\" font-size=\"11\">" + Html.text(title) + " (max " + Html.text(format(max) + unit)
                + ")</text><line x1=\"40\" y1=\"" + (HEIGHT - 15) + "\" x2=\"" + (WIDTH - 10) + "\" y2=\"" + (HEIGHT - 15)
                + "\" stroke=\"#999\"/><polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\" points=\""
                + points.toString().strip() + "\"/>" + dots + "</svg>";
    }

    static String format(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? String.valueOf((long) x) : String.format(Locale.ROOT, "%.2f", x);
    }
}

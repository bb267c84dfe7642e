package io.tinykv.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * Small, dependency-free SVG charts for the HTML reports: line charts for time series and grouped
 * bar charts for comparisons. Output is a self-contained {@code <svg>} element.
 */
public final class SvgChart {

    /** One line of a line chart: (x, y) points in order of x. */
    public record Series(String name, List<double[]> points) {
        public Series {
            points = List.copyOf(points);
        }
    }

    /** Colour per series index; the same system keeps its colour across charts. */
    static final List<String> PALETTE = List.of("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b");

    private static final int WIDTH = 640;
    private static final int HEIGHT = 260;
    private static final int MARGIN_LEFT = 70;
    private static final int MARGIN_RIGHT = 20;
    private static final int MARGIN_TOP = 30;
    private static final int MARGIN_BOTTOM = 60;
    private static final int TARGET_TICKS = 5;

    private SvgChart() {}

    /** A line chart with one line per series and a legend. */
    public static String line(String title, String xLabel, String yLabel, List<Series> series) {
        double maxX = 0;
        double maxY = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                maxX = Math.max(maxX, p[0]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        double xStep = niceStep(maxX);
        double yStep = niceStep(maxY);
        double xTop = Math.max(xStep, Math.ceil(maxX / xStep) * xStep);
        double yTop = Math.max(yStep, Math.ceil(maxY / yStep) * yStep);
        StringBuilder svg = open(title);
        axes(svg, xLabel, yLabel);
        for (double y = 0; y <= yTop + yStep / 2; y += yStep) {
            double py = plotY(y, yTop);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                    MARGIN_LEFT,
                    py,
                    WIDTH - MARGIN_RIGHT,
                    py,
                    MARGIN_LEFT - 4,
                    py + 4,
                    format(y)));
        }
        for (double x = 0; x <= xTop + xStep / 2; x += xStep) {
            double px = plotX(x, xTop);
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    px,
                    HEIGHT - MARGIN_BOTTOM + 14,
                    format(x)));
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = PALETTE.get(i % PALETTE.size());
            if (!s.points().isEmpty()) {
                StringBuilder points = new StringBuilder();
                for (double[] p : s.points()) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", plotX(p[0], xTop), plotY(p[1], yTop)));
                }
                svg.append("<polyline class=\"series\" data-series=\"")
                        .append(Xml.escape(s.name()))
                        .append("\" fill=\"none\" stroke=\"")
                        .append(colour)
                        .append("\" stroke-width=\"2\" points=\"")
                        .append(points.toString().trim())
                        .append("\"/>\n");
            }
            legend(svg, i, s.name(), colour);
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * A grouped bar chart: one group per entry of {@code groups}, one bar per series within it.
     * {@code values[series][group]}; NaN draws no bar.
     */
    public static String bars(
            String title, String yLabel, List<String> groups, List<String> seriesNames, double[][] values) {
        double maxY = 0;
        for (double[] row : values) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    maxY = Math.max(maxY, v);
                }
            }
        }
        double yStep = niceStep(maxY);
        double yTop = Math.max(yStep, Math.ceil(maxY / yStep) * yStep);
        StringBuilder svg = open(title);
        axes(svg, "", yLabel);
        for (double y = 0; y <= yTop + yStep / 2; y += yStep) {
            double py = plotY(y, yTop);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                    MARGIN_LEFT,
                    py,
                    WIDTH - MARGIN_RIGHT,
                    py,
                    MARGIN_LEFT - 4,
                    py + 4,
                    format(y)));
        }
        double plotWidth = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
        double groupWidth = plotWidth / Math.max(1, groups.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, seriesNames.size());
        for (int g = 0; g < groups.size(); g++) {
            double groupLeft = MARGIN_LEFT + g * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < seriesNames.size(); s++) {
                double v = values[s][g];
                if (Double.isNaN(v)) {
                    continue;
                }
                double top = plotY(v, yTop);
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect class=\"bar\" data-series=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                                + "<title>%s %s: %s</title></rect>%n",
                        Xml.escape(seriesNames.get(s)),
                        groupLeft + s * barWidth,
                        top,
                        Math.max(1, barWidth - 2),
                        plotY(0, yTop) - top,
                        PALETTE.get(s % PALETTE.size()),
                        Xml.escape(groups.get(g)),
                        Xml.escape(seriesNames.get(s)),
                        format(v)));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    MARGIN_LEFT + (g + 0.5) * groupWidth,
                    HEIGHT - MARGIN_BOTTOM + 14,
                    Xml.escape(groups.get(g))));
        }
        for (int s = 0; s < seriesNames.size(); s++) {
            legend(svg, s, seriesNames.get(s), PALETTE.get(s % PALETTE.size()));
        }
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\" role=\"img\">%n<title>%s</title>%n"
                        + "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                WIDTH,
                HEIGHT,
                WIDTH,
                HEIGHT,
                Xml.escape(title),
                MARGIN_LEFT,
                Xml.escape(title)));
        return svg;
    }

    private static void axes(StringBuilder svg, String xLabel, String yLabel) {
        int bottom = HEIGHT - MARGIN_BOTTOM;
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                MARGIN_LEFT,
                MARGIN_TOP,
                MARGIN_LEFT,
                bottom,
                MARGIN_LEFT,
                bottom,
                WIDTH - MARGIN_RIGHT,
                bottom));
        if (!xLabel.isEmpty()) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>%n",
                    (MARGIN_LEFT + WIDTH - MARGIN_RIGHT) / 2,
                    bottom + 30,
                    Xml.escape(xLabel)));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>%n",
                (MARGIN_TOP + bottom) / 2,
                (MARGIN_TOP + bottom) / 2,
                Xml.escape(yLabel)));
    }

    private static void legend(StringBuilder svg, int index, String name, String colour) {
        int x = MARGIN_LEFT + index * 130;
        int y = HEIGHT - 12;
        svg.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                        + "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>%n",
                x,
                y - 10,
                colour,
                x + 16,
                y,
                Xml.escape(name)));
    }

    private static double plotX(double x, double xTop) {
        return MARGIN_LEFT + x / xTop * (WIDTH - MARGIN_LEFT - MARGIN_RIGHT);
    }

    private static double plotY(double y, double yTop) {
        return HEIGHT - MARGIN_BOTTOM - y / yTop * (HEIGHT - MARGIN_BOTTOM - MARGIN_TOP);
    }

    /** A 1, 2 or 5 times a power of ten that cuts [0, max] into about {@link #TARGET_TICKS} steps. */
    static double niceStep(double max) {
        if (!(max > 0) || Double.isInfinite(max)) {
            return 1;
        }
        double raw = max / TARGET_TICKS;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}

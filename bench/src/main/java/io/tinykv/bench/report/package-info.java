/**
 * The benchmark results as people read them: {@link io.tinykv.bench.report.RunReport} (one or more
 * runs) and {@link io.tinykv.bench.report.Comparison} (systems side by side, with the ratio {@code
 * primary / reference} for throughput and p99), each as a text table, JSON and an HTML page ({@link
 * io.tinykv.bench.report.HtmlPage}, charts by {@link io.tinykv.bench.report.SvgChart}). DESIGN.md §8,
 * performance.
 *
 * <p>Rules: reports render what the runs measured and compute only ratios and summaries from it. An
 * HTML page is self-contained — inline CSS and SVG, no scripts, nothing fetched — so it can be
 * mailed or opened offline; all text in it is escaped.
 */
package io.tinykv.bench.report;

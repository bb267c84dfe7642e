package io.tinykv.bench.report;

import java.util.List;

/**
 * A self-contained HTML page: inline CSS, inline SVG, no scripts and nothing fetched from anywhere,
 * so the file can be mailed or opened offline.
 */
public final class HtmlPage {

    private static final String STYLE = """
            body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #bbb; padding: 4px 10px; text-align: right; }
            th { background: #f0f0f0; }
            td:first-child, th:first-child { text-align: left; }
            .note { background: #fff8dc; border-left: 4px solid #e0b000; padding: 0.5em 1em; }
            .charts svg { margin: 0.5em 1em 0.5em 0; border: 1px solid #eee; }
            code { background: #f4f4f4; padding: 1px 4px; }
            """;

    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlPage(String title) {
        this.title = title;
        heading(1, title);
    }

    public HtmlPage heading(int level, String text) {
        body.append("<h")
                .append(level)
                .append('>')
                .append(Xml.escape(text))
                .append("</h")
                .append(level)
                .append(">\n");
        return this;
    }

    public HtmlPage paragraph(String text) {
        body.append("<p>").append(Xml.escape(text)).append("</p>\n");
        return this;
    }

    /** A highlighted paragraph for caveats the reader must not miss. */
    public HtmlPage note(String text) {
        body.append("<p class=\"note\">").append(Xml.escape(text)).append("</p>\n");
        return this;
    }

    public HtmlPage code(String text) {
        body.append("<p><code>").append(Xml.escape(text)).append("</code></p>\n");
        return this;
    }

    public HtmlPage table(List<String> headers, List<List<String>> rows) {
        body.append("<table>\n<tr>");
        headers.forEach(h -> body.append("<th>").append(Xml.escape(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> row : rows) {
            body.append("<tr>");
            row.forEach(cell -> body.append("<td>").append(Xml.escape(cell)).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Charts side by side; each element is an {@code <svg>} from {@link SvgChart}. */
    public HtmlPage charts(List<String> svgs) {
        body.append("<div class=\"charts\">\n");
        svgs.forEach(body::append);
        body.append("</div>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
                + Xml.escape(title) + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n"
                + body + "</body>\n</html>\n";
    }
}

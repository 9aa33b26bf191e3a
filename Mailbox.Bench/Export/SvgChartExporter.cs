using System.Globalization;
using System.Security;
using System.Text;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Mailbox.Bench.Export;

/// <summary>
/// Writes each summary as a self-contained SVG bar chart next to BenchmarkDotNet's markdown report
/// (<c>BenchmarkDotNet.Artifacts/results/&lt;Type&gt;-chart.svg</c>): one horizontal bar per benchmark, the mean time
/// per operation on a logarithmic axis (subjects differ by orders of magnitude), rows grouped by category and parameter
/// values, each group's baseline in its own colour. No script, no fonts, no external references.
/// </summary>
public sealed class SvgChartExporter : ExporterBase
{
    /// <summary>Width of the method-name column, in pixels.</summary>
    private const int LabelWidth = 290;

    /// <summary>Width of the plot area, in pixels.</summary>
    private const int PlotWidth = 560;

    /// <summary>Room to the right of the plot for the value printed after the longest bar.</summary>
    private const int RightMargin = 90;

    /// <summary>Height of one bar's row.</summary>
    private const int RowHeight = 20;

    /// <summary>Height of a group's heading row.</summary>
    private const int GroupHeight = 24;

    /// <summary>Space above the first group: title and legend.</summary>
    private const int Top = 56;

    /// <summary>Space below the last row: tick labels and the axis label.</summary>
    private const int Bottom = 52;

    /// <summary>Fill of a baseline's bar.</summary>
    private const string BaselineFill = "#e6550d";

    /// <summary>Fill of every other bar.</summary>
    private const string BarFill = "#3182bd";

    /// <summary>The file is <c>&lt;Type&gt;-chart.svg</c>.</summary>
    protected override string FileCaption => "chart";

    /// <inheritdoc/>
    protected override string FileExtension => "svg";

    /// <summary>Writes the chart of <paramref name="summary"/> to <paramref name="logger"/> (the file, when exporting).</summary>
    public override void ExportToLog(Summary summary, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(logger);
        logger.Write(Render(summary));
    }

    /// <summary>Builds the whole SVG document.</summary>
    private static string Render(Summary summary)
    {
        var groups = summary.Reports
            .GroupBy(report => GroupLabel(report.BenchmarkCase))
            .Select(group => (Label: group.Key, Reports: group.ToList()))
            .ToList();
        double[] means = [.. summary.Reports.Select(Mean).Where(mean => mean > 0)];
        // One decade below the fastest mean, so that every bar has a visible length.
        int minDecade = means.Length == 0 ? 0 : (int)Math.Floor(Math.Log10(means.Min())) - 1;
        int maxDecade = means.Length == 0 ? 1 : Math.Max(minDecade + 1, (int)Math.Ceiling(Math.Log10(means.Max())));
        int plotHeight = groups.Sum(group => GroupHeight + (group.Reports.Count * RowHeight));
        int width = LabelWidth + PlotWidth + RightMargin;
        int height = Top + plotHeight + Bottom;
        double X(double nanoseconds) => LabelWidth + (PlotWidth * (Math.Log10(nanoseconds) - minDecade) / (maxDecade - minDecade));

        var svg = new StringBuilder();
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(Title(summary))}</text>");
        Append(svg, $"<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"{BaselineFill}\"/><text x=\"27\" y=\"44\">baseline (Ratio = 1)</text>");
        Append(svg, $"<rect x=\"160\" y=\"34\" width=\"12\" height=\"12\" fill=\"{BarFill}\"/><text x=\"177\" y=\"44\">alternative</text>");

        // Decade grid lines and tick labels: the x axis.
        for (int decade = minDecade; decade <= maxDecade; decade++)
        {
            double x = X(Math.Pow(10, decade));
            Append(svg, $"<line x1=\"{F(x)}\" y1=\"{Top}\" x2=\"{F(x)}\" y2=\"{Top + plotHeight}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{F(x)}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{Duration(Math.Pow(10, decade))}</text>");
        }

        Append(svg, $"<text x=\"{LabelWidth + (PlotWidth / 2)}\" y=\"{height - 12}\" text-anchor=\"middle\">mean time per operation (log scale)</text>");
        Append(svg, $"<text transform=\"translate(14,{Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">method</text>");

        int y = Top;
        foreach (var (label, reports) in groups)
        {
            Append(svg, $"<text x=\"24\" y=\"{y + 17}\" font-weight=\"bold\">{Escape(label)}</text>");
            y += GroupHeight;
            foreach (BenchmarkReport report in reports)
            {
                BenchmarkCase benchmark = report.BenchmarkCase;
                double mean = Mean(report);
                Append(svg, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 14}\" text-anchor=\"end\">{Escape(benchmark.Descriptor.WorkloadMethodDisplayInfo)}</text>");
                if (mean > 0)
                {
                    double barWidth = Math.Max(1, X(mean) - LabelWidth);
                    string fill = benchmark.Descriptor.Baseline ? BaselineFill : BarFill;
                    Append(svg, $"<rect x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{F(barWidth)}\" height=\"{RowHeight - 6}\" fill=\"{fill}\"/>");
                    Append(svg, $"<text x=\"{F(LabelWidth + barWidth + 4)}\" y=\"{y + 14}\">{Duration(mean)}</text>");
                }
                else
                {
                    Append(svg, $"<text x=\"{LabelWidth + 4}\" y=\"{y + 14}\" fill=\"#c00\">no result (failed)</text>");
                }

                y += RowHeight;
            }
        }

        Append(svg, $"<line x1=\"{LabelWidth}\" y1=\"{Top}\" x2=\"{LabelWidth}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/>");
        Append(svg, $"<line x1=\"{LabelWidth}\" y1=\"{Top + plotHeight}\" x2=\"{LabelWidth + PlotWidth}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/>");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The mean time per operation in nanoseconds; 0 when the benchmark has no result.</summary>
    private static double Mean(BenchmarkReport report)
        => (report.ResultStatistics?.Mean ?? 0) / OperationsPerInvokeFromAttribute.OperationsPer(report.BenchmarkCase);

    /// <summary>A group's heading: its categories and parameter values, or "all" for a class with neither.</summary>
    private static string GroupLabel(BenchmarkCase benchmark)
    {
        string categories = string.Join(", ", benchmark.Descriptor.Categories);
        string parameters = benchmark.Parameters.DisplayInfo;
        string label = $"{categories} {parameters}".Trim();
        return label.Length == 0 ? "all" : label;
    }

    /// <summary>The benchmark class's name (the summary's title when several classes were joined).</summary>
    private static string Title(Summary summary)
    {
        var types = summary.BenchmarksCases.Select(benchmark => benchmark.Descriptor.Type).Distinct().ToList();
        return types.Count == 1 ? types[0].Name : summary.Title;
    }

    /// <summary>A duration in nanoseconds, in the largest unit that keeps it at 1 or more.</summary>
    private static string Duration(double nanoseconds) => nanoseconds switch
    {
        >= 1e9 => F3(nanoseconds / 1e9) + " s",
        >= 1e6 => F3(nanoseconds / 1e6) + " ms",
        >= 1e3 => F3(nanoseconds / 1e3) + " µs",
        _ => F3(nanoseconds) + " ns",
    };

    /// <summary>Three significant digits at most.</summary>
    private static string F3(double value) =>
        value.ToString(value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);

    /// <summary>A coordinate, invariant culture, one decimal.</summary>
    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>XML-escapes text (method names may hold generic brackets).</summary>
    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    /// <summary>Appends one element and a newline.</summary>
    private static void Append(StringBuilder svg, string element) => svg.Append(element).Append('\n');
}

using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Mailbox.Bench.Export;

/// <summary>
/// The mean time, or the allocated bytes, per operation for benchmarks whose operation count depends on a parameter
/// (<see cref="OperationsPerInvokeFromAttribute"/>): BenchmarkDotNet's Mean and Allocated divided by that count. For
/// every other benchmark it repeats BenchmarkDotNet's per-operation figure, so the column reads the same on every row.
/// Shown only in summaries that hold such a benchmark.
/// </summary>
public sealed class PerOperationColumn : IColumn
{
    /// <summary>Whether this column shows allocated bytes (else the mean time).</summary>
    private readonly bool _allocated;

    /// <summary>Creates the time column or the allocation column.</summary>
    private PerOperationColumn(bool allocated) => _allocated = allocated;

    /// <summary>Mean time per operation.</summary>
    public static IColumn Time { get; } = new PerOperationColumn(allocated: false);

    /// <summary>Allocated bytes per operation (needs the MemoryDiagnoser).</summary>
    public static IColumn Allocated { get; } = new PerOperationColumn(allocated: true);

    /// <inheritdoc/>
    public string Id => _allocated ? "AllocatedPerOp" : "MeanPerOp";

    /// <inheritdoc/>
    public string ColumnName => _allocated ? "Alloc/op" : "Mean/op";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => _allocated ? 1 : 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => _allocated
        ? "Allocated bytes per operation, where an invocation's operations are counted from a parameter ([OperationsPerInvokeFrom])"
        : "Mean time per operation, where an invocation's operations are counted from a parameter ([OperationsPerInvokeFrom])";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        CultureInfo culture = style?.CultureInfo ?? CultureInfo.InvariantCulture;
        BenchmarkReport? report = summary[benchmarkCase];
        long operations = OperationsPerInvokeFromAttribute.OperationsPer(benchmarkCase);
        if (_allocated)
        {
            long? bytes = report?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes is null ? "-" : FormatBytes((double)bytes.Value / operations, culture);
        }

        double? mean = report?.ResultStatistics?.Mean;
        return mean is null ? "-" : FormatTime(mean.Value / operations, culture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.BenchmarksCases.Any(benchmarkCase => Attribute.IsDefined(benchmarkCase.Descriptor.WorkloadMethod, typeof(OperationsPerInvokeFromAttribute)));
    }

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    /// <summary>Nanoseconds in the largest unit that keeps the number at 1 or more.</summary>
    private static string FormatTime(double nanoseconds, CultureInfo culture) => nanoseconds switch
    {
        < 1e3 => string.Format(culture, "{0:N2} ns", nanoseconds),
        < 1e6 => string.Format(culture, "{0:N2} μs", nanoseconds / 1e3),
        < 1e9 => string.Format(culture, "{0:N2} ms", nanoseconds / 1e6),
        _ => string.Format(culture, "{0:N2} s", nanoseconds / 1e9),
    };

    /// <summary>Bytes below 10 KB as they are, else in KB or MB (1,024-based, as BenchmarkDotNet's Allocated column).</summary>
    private static string FormatBytes(double bytes, CultureInfo culture) => bytes switch
    {
        < 10 * 1024 => string.Format(culture, "{0:N0} B", bytes),
        < 10 * 1024 * 1024 => string.Format(culture, "{0:N2} KB", bytes / 1024),
        _ => string.Format(culture, "{0:N2} MB", bytes / (1024 * 1024)),
    };
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using Mailbox.Bench.Export;

namespace Mailbox.Bench;

/// <summary>
/// The one configuration every benchmark class runs under: allocations per operation, thread-pool work items and lock
/// contentions per operation, the ratio to each class's baseline, per-operation columns where the operation count is a
/// parameter (<see cref="PerOperationColumn"/>), a GitHub markdown table for <c>benchmarks.md</c>, and
/// an SVG bar chart of each class beside it (<see cref="SvgChartExporter"/>).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>
    /// The short job behind <c>--quick</c>: one process, one warm-up and three measured iterations, each a single
    /// invocation of the benchmark (one invocation already performs a whole batch of operations).
    /// </summary>
    public static Job QuickJob { get; } = Job.Default
        .WithId("Quick")
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(3)
        .WithInvocationCount(1)
        .WithUnrollFactor(1);

    /// <summary>Builds the shared configuration, with <paramref name="job"/> added when given (else BenchmarkDotNet's default job).</summary>
    public BenchConfig(Job? job = null)
    {
        AddLogger(ConsoleLogger.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray());
        AddValidator(DefaultConfig.Instance.GetValidators().ToArray());
        AddExporter(MarkdownExporter.GitHub);
        AddExporter(new SvgChartExporter());
        AddColumn(BaselineRatioColumn.RatioMean);

        // Per-operation time and allocation for benchmarks whose operation count is a parameter (ManyLoopsBenchmarks);
        // shown only in the summaries of classes that have such benchmarks.
        AddColumn(PerOperationColumn.Time, PerOperationColumn.Allocated);
        AddDiagnoser(MemoryDiagnoser.Default);

        // Every benchmark here hands work from one thread to another; the work-item count shows which subjects hop
        // through the thread pool to do it (Akka's default dispatcher, the exclusive scheduler, wake-ups of a blocked
        // reader), and lock contentions show producers fighting over a queue.
        AddDiagnoser(ThreadingDiagnoser.Default);

        if (job is not null)
        {
            AddJob(job);
        }
    }
}

// Mailbox.Bench: Mailbox's LoopActor side by side with what a user would pick instead (a raw channel loop, Akka.NET,
// Nito's AsyncContext, ConcurrentExclusiveSchedulerPair, a PriorityQueue timer loop, System.Threading.Timer). Always run
// in Release. Classes: PostThroughput, RoundTrip, CoroutineSteps, Scaling (many loops), Timer, TimerHeapScaling, Stop,
// AkkaHosting (Mailbox.Akka's loop-hosted actor against a plain Akka actor, locally and over Akka.Remote on loopback),
// ManyLoops (loops in a LoopGroup against Akka.NET and Proto.Actor actors: spawn + stop, a storm, ping-pong).
// Every class's results land in BenchmarkDotNet.Artifacts/results/ as a GitHub markdown table (<Type>-report-github.md)
// and an SVG bar chart (<Type>-chart.svg, Export/SvgChartExporter.cs).
//
// Full run of one class (what benchmarks.md publishes):
//   dotnet run -c Release --project Mailbox.Bench -- --filter '*PostThroughput*'
// Every class, full job:
//   dotnet run -c Release --project Mailbox.Bench -- --filter '*'
// Quick run: every class under BenchConfig.QuickJob (1 launch, 1 warm-up and 3 measured iterations of one invocation
// each). Each invocation performs the same operation count as the full run, so every column is per operation and
// honest, only noisier (BenchmarkDotNet warns that iterations are under 100 ms: expected here). About 2 minutes on a
// 2-core machine, build included:
//   dotnet run -c Release --project Mailbox.Bench -- --quick
// Dry run, the CI smoke test: "--job dry" next to --quick swaps in BenchmarkDotNet's Job.Dry, which executes each
// benchmark once (numbers meaningless; it proves every subject builds, runs, finishes and counts right). About 1 minute,
// plus about 1 minute for ManyLoops' 20 cases (57 s measured on the 2-core machine while others were building):
//   dotnet run -c Release --project Mailbox.Bench -- --quick --job dry
// --quick selects every benchmark unless a --filter is given, and passes other BenchmarkDotNet options through. It runs
// ManyLoopsBenchmarks at Loops = 1 and 10,000 only (ManyLoopsBenchmarks.QuickFilter): its 100,000 cases would take minutes.
// Without --quick, "--job dry" (and every other option) is BenchmarkDotNet's own.
// The exit code is 1 when any benchmark failed (a crash, a subject that hung past CompletionCountdown's limit, a Mailbox
// StopReport or LoopGroupReport that disagrees with what was sent) or when --quick ran nothing, so CI notices.
// Many-loops probe (not BenchmarkDotNet): per subject, in a process of its own, 100,000 entities' memory, threads, idle
// CPU, and one timed spawn, storm and stop (ManyLoopsProbe.cs). 37 s measured on the 2-core machine under load:
//   dotnet run -c Release --project Mailbox.Bench -- --many-loops-probe [--entities N] [--subject mailbox|akka|proto]
// Channel floor (not BenchmarkDotNet): the platform's bounded channel (a grouped loop's lane until 2026-12-04) alone, made and kept 100,000 times, beside
// 100,000 grouped loops spawned and stopped, alternated in one process (ChannelFloor.cs):
//   dotnet run -c Release --no-build --project Mailbox.Bench -- --channel-floor [N]
// Post harness (not BenchmarkDotNet): Post and Post<TState> from one producer (or --producers N threads) against the
// raw channel loop, alternated in one process, medians of 5 rounds of 2,000,000 posts (PostHarness.cs); run it in
// several processes:
//   for i in $(seq 10); do dotnet run -c Release --no-build --project Mailbox.Bench -- --post-harness [--producers N] [--peers] [--grouped]; done
// Timer harness (not BenchmarkDotNet): random, in-order and cancelled timers against the bare PriorityQueue loop, per
// population (default 1k, 10k, 100k, 1M), alternated in one process, medians of 5 rounds, then Delay(Zero) steps
// against Yield steps (TimerHarness.cs):
//   dotnet run -c Release --no-build --project Mailbox.Bench -- --timer-harness [random|in-order|cancel|zero-delay ...] [N ...]
// Grouped timer harness (not BenchmarkDotNet): 1,000,000 random timers set by L loops of a one-thread group (default 1,
// 100, 10k, 100k), against the same timers in one loop's store and the bare PriorityQueue loop (GroupedTimerHarness.cs):
//   dotnet run -c Release --no-build --project Mailbox.Bench -- --grouped-timer-harness [L ...]

using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Mailbox.Bench;

if (args.Contains(PostHarness.Option))
{
    return PostHarness.Run([.. args.Where(arg => arg != PostHarness.Option)]);
}

if (args.Contains(TimerHarness.Option))
{
    return TimerHarness.Run([.. args.Where(arg => arg != TimerHarness.Option)]);
}

if (args.Contains(GroupedTimerHarness.Option))
{
    return GroupedTimerHarness.Run([.. args.Where(arg => arg != GroupedTimerHarness.Option)]);
}

if (args.Contains(ChannelFloor.Option))
{
    return ChannelFloor.Run([.. args.Where(arg => arg != ChannelFloor.Option)]);
}

if (args.Contains(ManyLoopsProbe.Option))
{
    return ManyLoopsProbe.Run([.. args.Where(arg => arg != ManyLoopsProbe.Option)]);
}

List<string> switcherArgs = [.. args];
bool quick = switcherArgs.Remove("--quick");
Job? job = null;
if (quick)
{
    job = RemoveDryJobOption(switcherArgs) ? Job.Dry : BenchConfig.QuickJob;
    if (!switcherArgs.Exists(arg => arg is "--filter" or "-f" || arg.StartsWith("--filter=", StringComparison.Ordinal)))
    {
        switcherArgs.AddRange(["--filter", "*"]);
    }
}

var config = new BenchConfig(job);
if (quick)
{
    config.AddFilter(ManyLoopsBenchmarks.QuickFilter);
}

Summary[] summaries = BenchmarkSwitcher
    .FromAssembly(typeof(BenchConfig).Assembly)
    .Run([.. switcherArgs], config)
    .ToArray();

bool failed = (quick && summaries.Length == 0)
    || summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success));
return failed ? 1 : 0;

// Removes "--job dry", "-j dry" or "--job=dry" (any case) from args; true when one was there.
static bool RemoveDryJobOption(List<string> args)
{
    for (int i = 0; i < args.Count; i++)
    {
        if (string.Equals(args[i], "--job=dry", StringComparison.OrdinalIgnoreCase))
        {
            args.RemoveAt(i);
            return true;
        }

        if (args[i] is "--job" or "-j" && i + 1 < args.Count && string.Equals(args[i + 1], "dry", StringComparison.OrdinalIgnoreCase))
        {
            args.RemoveRange(i, 2);
            return true;
        }
    }

    return false;
}

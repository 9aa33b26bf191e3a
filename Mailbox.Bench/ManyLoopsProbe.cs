using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Mailbox.Bench.ManyLoops;

namespace Mailbox.Bench;

/// <summary>
/// <c>--many-loops-probe</c>: what BenchmarkDotNet cannot measure about many entities — the memory they keep, the
/// threads they need, the CPU they burn while idle — beside one timed pass of each phase of
/// <see cref="ManyLoopsBenchmarks"/>. Each subject (Mailbox loops in a group of <see cref="Environment.ProcessorCount"/>
/// threads, Akka.NET actors, Proto.Actor actors) runs in a fresh process of its own, so one subject's threads, pools and
/// heap do not count against the next; the subjects run one after the other, never at once.
/// </summary>
/// <remarks>
/// Per subject: a warm-up pass over 1,000 entities (its own group or actor system, disposed again), then, over
/// <c>--entities</c> (default 100,000): spawn them all; one request/reply each (all in flight, then each awaited); a
/// forced full GC, whose retained managed bytes per entity (<see cref="GC.GetTotalMemory(bool)"/> after, minus before the
/// spawn, over the count, less the size of the storm tally every subject's entities carry; the population's own
/// reference arrays were allocated before) and resident bytes per entity (<see cref="Environment.WorkingSet"/>,
/// the same way; coarse, the GC keeps freed segments) are printed; the process's thread count; the CPU the process used
/// during one second with every entity idle (after half a second's settling), as a share of one core; one storm
/// (<see cref="EntityPopulation.StormMessagesPerEntity"/> messages to each entity round-robin from one thread, until all
/// ran); then the stop of them all (Mailbox: <see cref="LoopGroup.StopAsync"/>; Akka.NET and Proto.Actor: a poison pill
/// each, until every actor has stopped). Mailbox's <see cref="LoopGroupReport"/> must then say that its loops ran every
/// message sent (Executed + Discarded = sent, Discarded = 0 under Drain), or the probe fails. 37 s for the three
/// subjects measured on the 2-core machine while others were building, most of it the storms.
/// Usage: <c>dotnet run -c Release --project Mailbox.Bench -- --many-loops-probe [--entities N] [--subject mailbox|akka|proto]</c>.
/// </remarks>
public static class ManyLoopsProbe
{
    /// <summary>The command-line option that selects the probe.</summary>
    public const string Option = "--many-loops-probe";

    /// <summary>Entities per subject unless <c>--entities</c> says otherwise: the loop-groups issue's scale.</summary>
    private const int DefaultEntities = 100_000;

    /// <summary>Entities of the warm-up pass, which JIT-compiles every phase before the measured pass.</summary>
    private const int WarmUpEntities = 1_000;

    /// <summary>Marks a subject's own process, which prints its row only (the parent prints the header).</summary>
    private const string ChildOption = "--child";

    /// <summary>How long one subject's process may take before the probe gives up on it.</summary>
    private static readonly TimeSpan s_subjectTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the process is left alone after the round trip before the idle window opens.</summary>
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the entities are left idle while the process's CPU time is read.</summary>
    private static readonly TimeSpan s_idleWindow = TimeSpan.FromSeconds(1);

    /// <summary>The subjects, in the order they run.</summary>
    private static readonly string[] s_subjects = ["mailbox", "akka", "proto"];

    /// <summary>Runs the probe with the arguments that followed <see cref="Option"/>; returns the process exit code (1 when a subject failed).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int entities = DefaultEntities;
        string? subject = null;
        bool child = false;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--entities" when i + 1 < args.Count:
                    entities = int.Parse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "--subject" when i + 1 < args.Count && s_subjects.Contains(args[i + 1]):
                    subject = args[++i];
                    break;
                case ChildOption:
                    child = true;
                    break;
                default:
                    Console.Error.WriteLine($"{Option}: unknown argument '{args[i]}'; usage: {Option} [--entities N] [--subject {string.Join('|', s_subjects)}]");
                    return 2;
            }
        }

        if (!child)
        {
            PrintHeader(entities);
        }

        if (subject is not null)
        {
            return child ? ProbeSubject(subject, entities) : RunChild(subject, entities);
        }

        int exitCode = 0;
        foreach (string each in s_subjects)
        {
            exitCode = Math.Max(exitCode, RunChild(each, entities));
        }

        return exitCode;
    }

    /// <summary>Prints the environment line and the table's header.</summary>
    private static void PrintHeader(int entities)
    {
        Console.WriteLine($"Many-loops probe, {entities:N0} entities per subject, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores, {RuntimeInformationText()}; one fresh process per subject.");
        Console.WriteLine("| subject | spawn µs/entity | round trip µs/entity | managed B/entity | resident B/entity | threads | idle CPU % of a core | storm M msgs/s | stop µs/entity | report check |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    }

    /// <summary>The OS and runtime, for the header.</summary>
    private static string RuntimeInformationText()
        => $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";

    /// <summary>Runs <paramref name="subject"/> in a fresh process of this program and waits for it; its row goes straight to this console.</summary>
    private static int RunChild(string subject, int entities)
    {
        var start = new ProcessStartInfo { FileName = Environment.ProcessPath!, UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(start.FileName), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as "dotnet Mailbox.Bench.dll": the child needs the assembly's path too.
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }

        foreach (string arg in new[] { Option, "--subject", subject, "--entities", entities.ToString(CultureInfo.InvariantCulture), ChildOption })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the probe's process for {subject}.");
        if (!process.WaitForExit(s_subjectTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Console.WriteLine($"| {subject} | timed out after {s_subjectTimeout.TotalMinutes} min | | | | | | | | failed |");
            return 1;
        }

        return process.ExitCode;
    }

    /// <summary>Runs the warm-up and the measured pass of <paramref name="subject"/> in this process and prints its row.</summary>
    private static int ProbeSubject(string subject, int entities)
    {
        try
        {
            using (Subject warmUp = Subject.Create(subject, WarmUpEntities))
            {
                Measure(warmUp);
            }

            using Subject measured = Subject.Create(subject, entities);
            Console.WriteLine(Measure(measured).ToRow(subject));
            return 0;
        }
        catch (Exception exception) when (exception is NotImplementedException or InvalidOperationException or TimeoutException)
        {
            Console.WriteLine($"| {subject} | failed: {exception.GetType().Name} | | | | | | | | failed |");
            Console.Error.WriteLine($"{subject}: {exception}");
            return 1;
        }
    }

    /// <summary>One pass over <paramref name="subject"/>'s entities: every phase, timed and measured.</summary>
    private static Measurement Measure(Subject subject)
    {
        int count = subject.Population.Count;
        using Process self = Process.GetCurrentProcess();
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long residentBefore = Environment.WorkingSet;

        long start = Stopwatch.GetTimestamp();
        subject.Spawn();
        TimeSpan spawn = Stopwatch.GetElapsedTime(start);

        start = Stopwatch.GetTimestamp();
        subject.RoundTripAsync().GetAwaiter().GetResult();
        TimeSpan roundTrip = Stopwatch.GetElapsedTime(start);

        long managed = GC.GetTotalMemory(forceFullCollection: true) - managedBefore;
        long resident = Environment.WorkingSet - residentBefore;
        self.Refresh();
        int threads = self.Threads.Count;

        // Let the pool threads spin down and the GC finish its background work first: the window is about idle entities.
        Thread.Sleep(s_settle);
        self.Refresh();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        start = Stopwatch.GetTimestamp();
        Thread.Sleep(s_idleWindow);
        self.Refresh();
        double idleCpu = (self.TotalProcessorTime - cpuBefore) / Stopwatch.GetElapsedTime(start);

        start = Stopwatch.GetTimestamp();
        subject.Population.Storm();
        TimeSpan storm = Stopwatch.GetElapsedTime(start);

        start = Stopwatch.GetTimestamp();
        subject.Stop();
        TimeSpan stop = Stopwatch.GetElapsedTime(start);

        return new Measurement(
            SpawnMicroseconds: spawn.TotalMicroseconds / count,
            RoundTripMicroseconds: roundTrip.TotalMicroseconds / count,
            ManagedBytes: ((double)managed / count) - StormTally.SizeInBytes,
            ResidentBytes: (double)resident / count,
            Threads: threads,
            IdleCpuPercent: idleCpu * 100,
            StormMessagesPerSecond: subject.Population.StormMessagesSent / storm.TotalSeconds,
            StopMicroseconds: stop.TotalMicroseconds / count,
            Check: subject.Verify());
    }

    /// <summary>What one pass measured.</summary>
    private sealed record Measurement(
        double SpawnMicroseconds,
        double RoundTripMicroseconds,
        double ManagedBytes,
        double ResidentBytes,
        int Threads,
        double IdleCpuPercent,
        double StormMessagesPerSecond,
        double StopMicroseconds,
        string Check)
    {
        /// <summary>The table row of <paramref name="subject"/>.</summary>
        public string ToRow(string subject) => string.Create(
            CultureInfo.InvariantCulture,
            $"| {subject} | {SpawnMicroseconds:F2} | {RoundTripMicroseconds:F2} | {ManagedBytes:N0} | {ResidentBytes:N0} | {Threads} | {IdleCpuPercent:F1} | {StormMessagesPerSecond / 1e6:F2} | {StopMicroseconds:F2} | {Check} |");
    }

    /// <summary>One subject's population with its spawn, round trip, stop and report check, so <see cref="Measure"/> drives all three alike.</summary>
    private abstract class Subject : IDisposable
    {
        /// <summary>The entities.</summary>
        public abstract EntityPopulation Population { get; }

        /// <summary>Makes the subject called <paramref name="name"/> with <paramref name="entities"/> entities.</summary>
        public static Subject Create(string name, int entities) => name switch
        {
            "mailbox" => new MailboxSubject(entities),
            "akka" => new AkkaSubject(entities),
            _ => new ProtoSubject(entities),
        };

        /// <summary>Spawns every entity.</summary>
        public abstract void Spawn();

        /// <summary>One request/reply to each entity.</summary>
        public abstract Task RoundTripAsync();

        /// <summary>Stops every entity and waits until they have stopped.</summary>
        public abstract void Stop();

        /// <summary>Checks what the subject reports about the pass, after the timed phases; the text for the row.</summary>
        public abstract string Verify();

        /// <summary>Releases the population and its system.</summary>
        public void Dispose() => Population.Dispose();
    }

    /// <summary>Mailbox: the loops of a fresh group per pass, stopped by the group, whose report is checked.</summary>
    private sealed class MailboxSubject(int entities) : Subject
    {
        /// <summary>The loops.</summary>
        private readonly MailboxPopulation _population = new(entities);

        /// <summary>The group of this pass.</summary>
        private LoopGroup? _group;

        /// <summary>The group's report, once stopped.</summary>
        private LoopGroupReport? _report;

        /// <inheritdoc/>
        public override EntityPopulation Population => _population;

        /// <inheritdoc/>
        public override void Spawn()
        {
            _group = LoopGroup.Create("probe-many-loops", new LoopGroupOptions { ThreadCount = Environment.ProcessorCount });
            _population.Spawn(_group);
        }

        /// <inheritdoc/>
        public override Task RoundTripAsync() => _population.RoundTripAsync();

        /// <inheritdoc/>
        public override void Stop() => _report = _group!.StopAsync().GetAwaiter().GetResult();

        /// <inheritdoc/>
        public override string Verify()
        {
            LoopReports.Verify(_group!, _report!, _population.Count, _population.MessagesSent, "messages");
            return string.Create(CultureInfo.InvariantCulture, $"Executed {_report!.Executed:N0} + Discarded {_report.Discarded:N0} = {_population.MessagesSent:N0} sent, {_report.Loops:N0} loops");
        }
    }

    /// <summary>Akka.NET: the actors of the population's actor system.</summary>
    private sealed class AkkaSubject(int entities) : Subject
    {
        /// <summary>The actors.</summary>
        private readonly AkkaPopulation _population = new(entities);

        /// <inheritdoc/>
        public override EntityPopulation Population => _population;

        /// <inheritdoc/>
        public override void Spawn() => _population.Spawn();

        /// <inheritdoc/>
        public override Task RoundTripAsync() => _population.RoundTripAsync();

        /// <inheritdoc/>
        public override void Stop() => _population.Stop();

        /// <inheritdoc/>
        public override string Verify() => "- (every PostStop ran)";
    }

    /// <summary>Proto.Actor: the actors of the population's actor system.</summary>
    private sealed class ProtoSubject(int entities) : Subject
    {
        /// <summary>The actors.</summary>
        private readonly ProtoPopulation _population = new(entities);

        /// <inheritdoc/>
        public override EntityPopulation Population => _population;

        /// <inheritdoc/>
        public override void Spawn() => _population.Spawn();

        /// <inheritdoc/>
        public override Task RoundTripAsync() => _population.RoundTripAsync();

        /// <inheritdoc/>
        public override void Stop() => _population.Stop();

        /// <inheritdoc/>
        public override string Verify() => "- (every Stopped arrived)";
    }
}

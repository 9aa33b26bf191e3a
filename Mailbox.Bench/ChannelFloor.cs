using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Mailbox.Bench;

/// <summary>
/// <c>--channel-floor</c>: what the platform's bounded channel alone costs to make and keep, beside a whole grouped
/// loop's spawn and stop, alternated in one process. DESIGN.md gives every loop a <see cref="Channel{T}"/>; until
/// 2026-12-04 a grouped loop's was this one (bounded, capacity <see cref="int.MaxValue"/>, of 16-byte messages), and the
/// loop-groups issue asks for spawn + stop at ≤ 0.2× the best peer's. This measured how much of that budget such a
/// channel takes before any loop code runs; grouped loops now carry the library's own lane (<c>Lanes/LaneChannel.cs</c>),
/// and the whole-loop half of each round measures that.
/// </summary>
/// <remarks>
/// Each round: make <c>N</c> (default 100,000) such channels and keep them all (as 100,000 live loops keep theirs), then
/// drop them and collect; then spawn <c>N</c> loops into a fresh group of <see cref="Environment.ProcessorCount"/> threads
/// and stop the group (the probe's spawn and stop, without its round trip and storm). Before the channels are dropped,
/// a storm over them on one thread (<see cref="StormFloor"/>): the cost of the channel writes and reads alone that the
/// probe's storm of one producer over every loop cannot go below. Five rounds after one warm-up; per round µs per entity
/// and bytes allocated per entity; then min – median – max over the rounds.
/// Usage: <c>dotnet run -c Release --no-build --project Mailbox.Bench -- --channel-floor [N]</c>.
/// </remarks>
public static class ChannelFloor
{
    /// <summary>The command-line option that selects this measurement.</summary>
    public const string Option = "--channel-floor";

    private const int Rounds = 5;

    /// <summary>Messages to each channel in the bare-channel storm (the probe's storm sends 100).</summary>
    private const int StormRounds = 20;

    private static readonly BoundedChannelOptions s_options = new(int.MaxValue)
    {
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    };

    /// <summary>Runs the rounds; returns the process exit code (1 when a group's report is not exact).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int n = args.Count > 0 ? int.Parse(args[0], NumberStyles.None, CultureInfo.InvariantCulture) : 100_000;
        var channels = new Channel<Message>[n];
        var loops = new LoopActor[n];
        var channelTimes = new List<double>();
        var loopTimes = new List<double>();
        var writeTimes = new List<double>();
        var readTimes = new List<double>();
        Console.WriteLine($"Channel floor, {n:N0} entities, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown")}");
        for (int round = 0; round <= Rounds; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                channels[i] = Channel.CreateBounded<Message>(s_options);
            }

            double channelUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
            long channelBytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / n;
            var (writeNs, readNs) = StormFloor(channels);
            Array.Clear(channels);
            GC.Collect();

            before = GC.GetTotalAllocatedBytes(precise: true);
            start = Stopwatch.GetTimestamp();
            var group = LoopGroup.Create("floor");
            for (int i = 0; i < n; i++)
            {
                loops[i] = group.Spawn("loop");
            }

            var report = group.StopAsync().GetAwaiter().GetResult();
            double loopUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
            long loopBytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / n;
            Array.Clear(loops);
            GC.Collect();
            if (report.Executed != 0 || report.Discarded != 0)
            {
                Console.WriteLine($"the group's report is not exact: {report}");
                return 1;
            }

            string label = round == 0 ? "warm-up" : $"round {round}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: channel {channelUs:F2} µs {channelBytes} B | loop spawn + stop {loopUs:F2} µs {loopBytes} B | channel / loop {channelUs / loopUs:F2} | storm over the bare channels: write {writeNs:F0} ns, read {readNs:F0} ns a message"));
            if (round > 0)
            {
                channelTimes.Add(channelUs);
                loopTimes.Add(loopUs);
                writeTimes.Add(writeNs);
                readTimes.Add(readNs);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"channel {Spread(channelTimes)} µs per entity; loop spawn + stop {Spread(loopTimes)} µs per entity; bare-channel storm: write {Spread(writeTimes)} ns, read {Spread(readTimes)} ns a message"));
        return 0;
    }

    /// <summary>
    /// The storm's floor over the bare channels, on this one thread: <see cref="StormRounds"/> times, one message written
    /// into every channel in turn, then every channel read in turn. No other thread touches a line, no loop is scheduled:
    /// what a single producer cannot go below for one message to each of that many channels (the write), and what their
    /// readers cannot (the read). Returns ns per message for each.
    /// </summary>
    private static (double WriteNs, double ReadNs) StormFloor(Channel<Message>[] channels)
    {
        var message = new Message(s_options, null);
        double write = 0, read = 0;
        for (int round = 0; round < StormRounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (var channel in channels)
            {
                channel.Writer.TryWrite(message);
            }

            write += Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            start = Stopwatch.GetTimestamp();
            foreach (var channel in channels)
            {
                channel.Reader.TryRead(out _);
            }

            read += Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        }

        double messages = (double)StormRounds * channels.Length;
        return (write / messages, read / messages);
    }

    private static string Spread(List<double> values)
    {
        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{values[0]:F2} – {values[values.Count / 2]:F2} – {values[^1]:F2}");
    }

    /// <summary>The size of a loop's envelope: two references.</summary>
    private readonly record struct Message(object? Target, object? State);
}

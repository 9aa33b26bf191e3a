using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Mailbox.Bench.Baselines;

namespace Mailbox.Bench;

/// <summary>
/// One producer's post throughput, Mailbox against the raw channel loop, alternated in one process (issue 12's
/// side-by-side harness, kept so that its figures can be reproduced): each round posts <see cref="Posts"/> cached no-op
/// callbacks from the calling thread and ends when the consumer has run the last; the line printed is the median round
/// of each subject and their ratio. Run it in several processes — the figure that matters is the spread over processes.
/// </summary>
/// <remarks>
/// The consumer's count lives alone on its cache lines (<see cref="Tally"/>), and the producer reads nothing the
/// consumer writes: an earlier scratch version of this harness kept the count in the same closure object as the
/// delegate the producer loaded for every post, and whether the two shared a cache line depended on where that object
/// landed — a per-process mode of its own (benchmarks.md, "Where the time goes").
/// </remarks>
internal static class PostHarness
{
    /// <summary>The command-line switch.</summary>
    public const string Option = "--post-harness";

    /// <summary>Posts per round: long enough (tens of ms) to span many naps and park/wake cycles.</summary>
    private const int Posts = 2_000_000;

    /// <summary>Rounds per subject, alternated; the median is reported.</summary>
    private const int Rounds = 5;

    public static int Run()
    {
        var tally = new Tally();
        Action tick = tally.Tick;
        using var raw = new RawChannelLoop("harness-raw");
        var loop = LoopActor.Spawn("harness-mailbox");
        var rawPost = new Action<Action>(raw.Post);
        var mailboxPost = new Action<Action>(loop.Post);

        // Warm-up: every path JIT-compiled and the channels' segments grown before the measured rounds.
        Round(tally, rawPost, tick);
        Round(tally, mailboxPost, tick);
        RoundState(tally, loop);
        var rawRounds = new List<double>();
        var postRounds = new List<double>();
        var stateRounds = new List<double>();
        for (int r = 0; r < Rounds; r++)
        {
            rawRounds.Add(Round(tally, rawPost, tick));
            postRounds.Add(Round(tally, mailboxPost, tick));
            stateRounds.Add(RoundState(tally, loop));
        }

        var report = loop.StopAsync().GetAwaiter().GetResult();
        long posted = (2L + (2L * Rounds)) * Posts; // two warm-up rounds and two measured ones per round reach the loop
        if (report.Executed != posted || report.Discarded != 0)
        {
            Console.Error.WriteLine($"StopReport {report} disagrees with the {posted} posts sent");
            return 1;
        }

        double rawMs = Median(rawRounds), postMs = Median(postRounds), stateMs = Median(stateRounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw {Posts / rawMs / 1000:F1} M/s | Post {Posts / postMs / 1000:F1} M/s ({rawMs / postMs:F2}x raw) | Post<TState> {Posts / stateMs / 1000:F1} M/s ({rawMs / stateMs:F2}x raw)"));
        return 0;
    }

    private static double Round(Tally tally, Action<Action> post, Action tick)
    {
        tally.Reset(Posts);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Posts; i++)
        {
            post(tick);
        }

        tally.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double RoundState(Tally tally, LoopActor loop)
    {
        tally.Reset(Posts);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Posts; i++)
        {
            loop.Post(static t => t.Tick(), tally);
        }

        tally.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>The consumer's count, alone on its cache lines; the producer only reads it in <see cref="Reset"/> and <see cref="Wait"/>.</summary>
    private sealed class Tally
    {
        /// <summary>Set by the consumer when the last post of a round has run.</summary>
        private readonly ManualResetEventSlim _done = new();

        /// <summary>The consumer's hot fields, padded away from the object's header and references.</summary>
        private Hot _hot;

        public void Reset(long target)
        {
            _hot.Count = 0;
            _hot.Target = target;
            _done.Reset();
        }

        public void Tick()
        {
            if (++_hot.Count == _hot.Target)
            {
                _done.Set();
            }
        }

        public void Wait()
        {
            if (!_done.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the consumer did not run every post within 60 s");
            }
        }

        [StructLayout(LayoutKind.Explicit, Size = 192)]
        private struct Hot
        {
            [FieldOffset(64)]
            public long Count;

            [FieldOffset(72)]
            public long Target;
        }
    }
}

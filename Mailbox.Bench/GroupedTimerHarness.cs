using System.Diagnostics;
using System.Globalization;
using Mailbox.Bench.Baselines;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Bench;

/// <summary>
/// Issue 14's last question, measured: would one timer store per group thread, serving all its loops, beat a store per
/// loop? The same <see cref="Timers"/> random timers (delays uniform in (0, 100 ms), the timer harness's seed) are set by
/// L loops of a one-thread <see cref="LoopGroup"/>, each loop setting its share from its own turn with
/// <see cref="LoopActor.CallLater{TState}"/>, then the group's fake clock moves past the last and the round ends when
/// every timer has fired. With L = 1 the thread's timers are all in one store, which is what a shared store would be
/// at best (it would still have to run each timer inside its own loop's turn, which one loop never pays): so the L = 1
/// row bounds what a shared store could save over the L-loop rows. The bare <see cref="PriorityQueue{TElement, TPriority}"/>
/// loop runs the same timers in the same process as the scale. Each L has its own group and clock; the L's rounds are
/// alternated, medians of 5 (a warm-up round first, which also grows every loop's store and cell pool).
/// </summary>
internal static class GroupedTimerHarness
{
    /// <summary>The command-line switch.</summary>
    public const string Option = "--grouped-timer-harness";

    /// <summary>Timers per round, over all loops.</summary>
    private const int Timers = 1_000_000;

    /// <summary>Rounds per subject, alternated; the median is reported.</summary>
    private const int Rounds = 5;

    /// <summary>What each timer runs: counts itself.</summary>
    private static readonly Action<CompletionCountdown> s_signal = static countdown => countdown.Signal();

    /// <summary>What each loop runs to set its share: the timers from its slice of the delays, then a signal that it is done.</summary>
    private static readonly Action<Share> s_setShare = static share =>
    {
        var loop = LoopActor.Current!;
        foreach (long delay in share.Delays.AsSpan())
        {
            _ = loop.CallLater(TimeSpan.FromTicks(delay), s_signal, share.Fired);
        }

        share.Set.Signal();
    };

    public static int Run(string[] args)
    {
        int[] loopCounts = args.Length > 0 ? [.. args.Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1, 100, 10_000, 100_000];
        long[] delays = TimerHarness.Delays(Timers, sorted: false);
        using var fired = new CompletionCountdown();
        using var set = new CompletionCountdown();
        using var heap = new TimerHeapLoop("harness-grouped-timers-heap");
        Action signal = fired.Signal;
        var subjects = loopCounts.Select(count => new Subject(count, delays, fired, set)).ToArray();
        var heapRounds = new List<double>();
        for (int r = -1; r < Rounds; r++)
        {
            double heapMs = TimerHarness.HeapFire(heap, delays, signal, fired);
            if (r >= 0)
            {
                heapRounds.Add(heapMs);
            }

            foreach (var subject in subjects)
            {
                subject.Round(r >= 0);
            }
        }

        double heapMedian = TimerHarness.Median(heapRounds);
        double oneStore = subjects.FirstOrDefault(s => s.Loops == 1)?.Median ?? double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grouped timers {Timers:N0} random, one group thread | PriorityQueue loop {heapMedian * 1e6 / Timers,6:F1} ns"));
        int failures = 0;
        foreach (var subject in subjects)
        {
            double median = subject.Median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {subject.Loops,7:N0} loops x {Timers / subject.Loops,9:N0} | {median * 1e6 / Timers,6:F1} ns {subject.BytesPerTimer,5:F1} B | {heapMedian / median,5:F2}x the PriorityQueue loop | {median / oneStore,5:F2}x the one-store time"));
            failures += subject.Stop();
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>One loop's share of a round: its delays, the countdown its timers signal, the one it signals once they are set.</summary>
    private readonly record struct Share(ArraySegment<long> Delays, CompletionCountdown Fired, CompletionCountdown Set);

    /// <summary>L loops on one group thread, sharing one fake clock, and the medians of their rounds.</summary>
    private sealed class Subject
    {
        private readonly LoopGroup _group;
        private readonly FakeTimeProvider _clock = new();
        private readonly LoopActor[] _loops;
        private readonly Share[] _shares;
        private readonly CompletionCountdown _fired;
        private readonly CompletionCountdown _set;
        private readonly List<double> _rounds = [];
        private long _bytes;
        private long _posts;

        public Subject(int loops, long[] delays, CompletionCountdown fired, CompletionCountdown set)
        {
            if (delays.Length % loops != 0)
            {
                throw new ArgumentException($"{loops} loops do not divide {delays.Length} timers evenly.", nameof(loops));
            }

            _fired = fired;
            _set = set;
            _group = LoopGroup.Create($"harness-grouped-timers-{loops}", new LoopGroupOptions { ThreadCount = 1 });
            _loops = new LoopActor[loops];
            _shares = new Share[loops];
            int each = delays.Length / loops;
            for (int i = 0; i < loops; i++)
            {
                _loops[i] = _group.Spawn($"timers-{i}", new LoopOptions { TimeProvider = _clock });
                _shares[i] = new Share(new ArraySegment<long>(delays, i * each, each), fired, set);
            }
        }

        public int Loops => _loops.Length;

        public double Median => TimerHarness.Median(_rounds);

        public double BytesPerTimer => (double)_bytes / _rounds.Count / Timers;

        /// <summary>Every loop sets its share; once all are set, the clock moves past the last; ends when all have fired.</summary>
        public void Round(bool counted)
        {
            _fired.Reset(Timers);
            _set.Reset(_loops.Length);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < _loops.Length; i++)
            {
                _loops[i].Post(s_setShare, _shares[i]);
            }

            _set.Wait();
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            _fired.Wait();
            double ms = watch.Elapsed.TotalMilliseconds;
            long after = GC.GetTotalAllocatedBytes(precise: true);
            _posts += _loops.Length;
            if (counted)
            {
                _rounds.Add(ms);
                _bytes += after - before;
            }
        }

        /// <summary>Stops the group; 1 if its report disagrees with what was sent (every post run, no timer left).</summary>
        public int Stop()
        {
            var report = _group.StopAsync().GetAwaiter().GetResult();
            if (report.Executed != _posts || report.Discarded != 0 || report.CancelledTimers != 0)
            {
                Console.Error.WriteLine($"LoopGroupReport {report} disagrees with the {_posts} posts sent and no timer left");
                return 1;
            }

            return 0;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using Mailbox.Bench.Baselines;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Bench;

/// <summary>
/// Timers side by side, Mailbox against the bare <see cref="PriorityQueue{TElement, TPriority}"/> loop
/// (<see cref="TimerHeapLoop"/>), alternated in one process (issue 14's harness): for each population N, each round sets
/// N timers from a callback on the loop, moves the fake clock past the last and ends when the last has fired; one line per
/// case with the median round of each subject, the cost per timer, and the ratio of throughputs (above 1: Mailbox faster).
/// Run it in several processes — the figure that matters is the spread over processes.
/// </summary>
/// <remarks>
/// Cases: <c>random</c>, delays uniform in (0, 100 ms) from a fixed seed (the shape of timeouts across many connections);
/// <c>in-order</c>, the same delays sorted (the same timeout again and again); <c>cancel</c>, the random timers set and
/// then all cancelled on the loop, and the store's front peeked once (what a loop does before it arms its wake-up);
/// <c>zero-delay</c>, once after the populations, <c>Delay(TimeSpan.Zero)</c> steps against <c>Yield</c> steps (see <see cref="ZeroDelay"/>).
/// Both subjects run on clocks moved only by the harness, so what is measured is the store and the loop, not a wait.
/// Mailbox runs twice per round: <see cref="LoopActor.CallLater(TimeSpan, Action)"/> (a <see cref="TimerHandle"/> per
/// timer) and <see cref="LoopActor.CallLater{TState}"/> (a <see cref="TimerToken"/>, no allocation). Bytes per timer are the calling thread's and the loop threads' allocations over the Mailbox rounds
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/>) divided by the timers set.
/// </remarks>
internal static class TimerHarness
{
    /// <summary>The command-line switch.</summary>
    public const string Option = "--timer-harness";

    /// <summary>Rounds per subject, alternated; the median is reported.</summary>
    private const int Rounds = 5;

    /// <summary>What a <see cref="LoopActor.CallLater{TState}"/> timer runs: counts itself on the countdown, its state.</summary>
    private static readonly Action<CompletionCountdown> s_signal = static countdown => countdown.Signal();

    /// <summary>Steps per round of the <c>zero-delay</c> case.</summary>
    private const int ZeroDelaySteps = 1_000_000;

    /// <summary>The spread of the random delays: uniform in (0, 100 ms).</summary>
    private const long SpreadTicks = TimeSpan.TicksPerMillisecond * 100;

    public static int Run(string[] args)
    {
        string[] caseNames = ["random", "in-order", "cancel", "zero-delay"];
        string[] chosen = [.. args.Where(caseNames.Contains)];
        string[] numbers = [.. args.Where(a => !caseNames.Contains(a))];
        int[] sizes = numbers.Length > 0 ? [.. numbers.Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1_000, 10_000, 100_000, 1_000_000];
        using var countdown = new CompletionCountdown();
        Action signal = countdown.Signal;
        using var heap = new TimerHeapLoop("harness-timer-heap");
        var clock = new FakeTimeProvider();
        var loop = LoopActor.Spawn("harness-timers", new LoopOptions { TimeProvider = clock });
        long requests = 0;
        foreach (int n in sizes)
        {
            long[] random = Delays(n, sorted: false);
            long[] inOrder = Delays(n, sorted: true);
            var handles = new TimerHandle?[n];
            var tokens = new TimerToken[n];
            foreach (var (name, delays, cancel) in new[] { ("random", random, false), ("in-order", inOrder, false), ("cancel", random, true) })
            {
                if (chosen.Length > 0 && !chosen.Contains(name))
                {
                    continue;
                }

                var heapRounds = new List<double>();
                var handleRounds = new List<double>();
                var tokenRounds = new List<double>();
                long handleBytes = 0, tokenBytes = 0;
                for (int r = -1; r < Rounds; r++)
                {
                    // Round -1 warms all up: JIT, and the stores' arrays (and the token cells' pool) grown to the population.
                    double heapMs = cancel ? HeapCancel(heap, delays, signal, countdown) : HeapFire(heap, delays, signal, countdown);
                    long before = GC.GetTotalAllocatedBytes(precise: true);
                    double handleMs = cancel ? LoopCancel(loop, delays, handles, signal) : LoopFire(loop, clock, delays, signal, countdown, tokens: false);
                    long middle = GC.GetTotalAllocatedBytes(precise: true);
                    double tokenMs = cancel ? LoopCancelTokens(loop, delays, tokens, countdown) : LoopFire(loop, clock, delays, signal, countdown, tokens: true);
                    long after = GC.GetTotalAllocatedBytes(precise: true);
                    requests += 2;
                    if (r >= 0)
                    {
                        handleBytes += middle - before;
                        tokenBytes += after - middle;
                        heapRounds.Add(heapMs);
                        handleRounds.Add(handleMs);
                        tokenRounds.Add(tokenMs);
                    }
                }

                double heapMedian = Median(heapRounds), handleMedian = Median(handleRounds), tokenMedian = Median(tokenRounds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-8} {n,9:N0} | PriorityQueue loop {heapMedian * 1e6 / n,6:F1} ns | CallLater {handleMedian * 1e6 / n,6:F1} ns {(double)handleBytes / Rounds / n,3:F0} B {heapMedian / handleMedian,5:F2}x | CallLater<TState> {tokenMedian * 1e6 / n,6:F1} ns {(double)tokenBytes / Rounds / n,3:F0} B {heapMedian / tokenMedian,5:F2}x"));
            }
        }

        var report = loop.StopAsync().GetAwaiter().GetResult();
        if (report.Executed != requests || report.Discarded != 0 || report.CancelledTimers != 0)
        {
            Console.Error.WriteLine($"StopReport {report} disagrees with the {requests} requests sent and no timer left");
            return 1;
        }

        return chosen.Length == 0 || chosen.Contains("zero-delay") ? ZeroDelay() : 0;
    }

    /// <summary>
    /// The <c>zero-delay</c> case: one coroutine takes <see cref="ZeroDelaySteps"/> steps of <c>Delay(TimeSpan.Zero)</c>
    /// on the system clock (a step reads it: a timer's "now" is the provider's time at the call), alternated with as many
    /// <see cref="LoopActor.Yield"/> steps on the same loop — the step without a timer, the baseline of the same process.
    /// Two more figures split the step's cost: the same steps on a loop whose clock is frozen (a provider whose read costs
    /// a virtual call; what is left is the timer's own work), and a bare read of the system clock.
    /// </summary>
    private static int ZeroDelay()
    {
        var loop = LoopActor.Spawn("harness-zero-delay");
        var frozen = LoopActor.Spawn("harness-zero-delay-frozen", new LoopOptions { TimeProvider = new FrozenClock() });
        var delayRounds = new List<double>();
        var yieldRounds = new List<double>();
        var frozenRounds = new List<double>();
        var readRounds = new List<double>();
        for (int r = -1; r < Rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            loop.RunUntilComplete(ZeroDelayStepsAsync);
            double delayMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            loop.RunUntilComplete(static async () =>
            {
                for (int i = 0; i < ZeroDelaySteps; i++)
                {
                    await LoopActor.Yield();
                }
            });
            double yieldMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            frozen.RunUntilComplete(ZeroDelayStepsAsync);
            double frozenMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            long sink = 0;
            for (int i = 0; i < ZeroDelaySteps; i++)
            {
                sink += TimeProvider.System.GetUtcNow().UtcTicks;
            }

            double readMs = watch.Elapsed.TotalMilliseconds;
            GC.KeepAlive(sink);
            if (r >= 0)
            {
                delayRounds.Add(delayMs);
                yieldRounds.Add(yieldMs);
                frozenRounds.Add(frozenMs);
                readRounds.Add(readMs);
            }
        }

        double delayMedian = Median(delayRounds), yieldMedian = Median(yieldRounds), frozenMedian = Median(frozenRounds), readMedian = Median(readRounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"zero-delay {ZeroDelaySteps,9:N0} | Delay(Zero) {delayMedian * 1e6 / ZeroDelaySteps,6:F1} ns | Yield {yieldMedian * 1e6 / ZeroDelaySteps,6:F1} ns | {delayMedian / yieldMedian,5:F2}x a Yield step | on a frozen clock {frozenMedian * 1e6 / ZeroDelaySteps,6:F1} ns | a system clock read {readMedian * 1e6 / ZeroDelaySteps,5:F1} ns"));
        var frozenReport = frozen.StopAsync().GetAwaiter().GetResult();
        var report = loop.StopAsync().GetAwaiter().GetResult();
        if (report.Executed != 2 * (Rounds + 1) || report.Discarded != 0 || frozenReport.Executed != Rounds + 1)
        {
            Console.Error.WriteLine($"StopReport {report} disagrees with the {2 * (Rounds + 1)} coroutines run");
            return 1;
        }

        return 0;
    }

    /// <summary>The <c>zero-delay</c> case's coroutine, on whichever loop runs it.</summary>
    private static async Task ZeroDelayStepsAsync()
    {
        for (int i = 0; i < ZeroDelaySteps; i++)
        {
            await LoopActor.Delay(TimeSpan.Zero);
        }
    }

    /// <summary>A clock that never moves: every read is the same time, at the cost of a virtual call.</summary>
    private sealed class FrozenClock : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    internal static double HeapFire(TimerHeapLoop heap, long[] delays, Action signal, CompletionCountdown countdown)
    {
        countdown.Reset(delays.Length);
        var watch = Stopwatch.StartNew();
        heap.Post(() =>
        {
            foreach (long delay in delays)
            {
                heap.CallLater(delay, signal);
            }
        });
        heap.Advance(SpreadTicks);
        countdown.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double LoopFire(LoopActor loop, FakeTimeProvider clock, long[] delays, Action signal, CompletionCountdown countdown, bool tokens)
    {
        countdown.Reset(delays.Length);
        var watch = Stopwatch.StartNew();
        loop.RunUntilComplete(() =>
        {
            if (tokens)
            {
                foreach (long delay in delays)
                {
                    _ = loop.CallLater(TimeSpan.FromTicks(delay), s_signal, countdown);
                }
            }
            else
            {
                foreach (long delay in delays)
                {
                    _ = loop.CallLater(TimeSpan.FromTicks(delay), signal);
                }
            }

            return Task.CompletedTask;
        });
        clock.Advance(TimeSpan.FromTicks(SpreadTicks));
        countdown.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double HeapCancel(TimerHeapLoop heap, long[] delays, Action signal, CompletionCountdown countdown)
    {
        var flags = new TimerHeapLoop.CancelFlag[delays.Length];
        countdown.Reset(1);
        var watch = Stopwatch.StartNew();
        heap.Post(() =>
        {
            for (int i = 0; i < delays.Length; i++)
            {
                flags[i] = heap.CallLaterCancellable(delays[i], signal);
            }

            foreach (var flag in flags)
            {
                flag.Cancel();
            }

            if (heap.TryPeekDue(out _))
            {
                throw new InvalidOperationException("a cancelled timer was left live");
            }

            signal();
        });
        countdown.Wait();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double LoopCancel(LoopActor loop, long[] delays, TimerHandle?[] handles, Action signal)
    {
        var watch = Stopwatch.StartNew();
        loop.RunUntilComplete(() =>
        {
            for (int i = 0; i < delays.Length; i++)
            {
                handles[i] = loop.CallLater(TimeSpan.FromTicks(delays[i]), signal);
            }

            foreach (var handle in handles)
            {
                handle!.Cancel();
            }

            return Task.CompletedTask;
        });
        double ms = watch.Elapsed.TotalMilliseconds;
        Array.Clear(handles);
        return ms;
    }

    private static double LoopCancelTokens(LoopActor loop, long[] delays, TimerToken[] tokens, CompletionCountdown countdown)
    {
        var watch = Stopwatch.StartNew();
        loop.RunUntilComplete(() =>
        {
            for (int i = 0; i < delays.Length; i++)
            {
                tokens[i] = loop.CallLater(TimeSpan.FromTicks(delays[i]), s_signal, countdown);
            }

            foreach (var token in tokens)
            {
                token.Cancel();
            }

            return Task.CompletedTask;
        });
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Delays uniform in (0, <see cref="SpreadTicks"/>), from a seed fixed per population.</summary>
    internal static long[] Delays(int n, bool sorted)
    {
        var random = new Random(42 + n);
        var delays = new long[n];
        for (int i = 0; i < n; i++)
        {
            delays[i] = random.NextInt64(1, SpreadTicks);
        }

        if (sorted)
        {
            Array.Sort(delays);
        }

        return delays;
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

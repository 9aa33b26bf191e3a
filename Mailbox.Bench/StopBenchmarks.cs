using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Mailbox.Bench.Baselines;

namespace Mailbox.Bench;

/// <summary>
/// Stopping a loop, three cases side by side (one category each, each with <see cref="RawChannelLoop"/> as baseline):
/// <list type="bullet">
/// <item><b>Immediate</b>: a loop held by a blocking callback with <see cref="QueuedPosts"/> fire-and-forget posts queued
/// behind it ([IterationSetup]); the benchmark requests the stop, releases the hold, and waits until the thread is gone.
/// One operation = the whole stop (the queue's size is the point: a stop must not run or crawl through it).</item>
/// <item><b>Drain</b>: an idle, parked loop ([IterationSetup]); request → thread gone. One operation = the stop.</item>
/// <item><b>Lifecycle</b>: <see cref="Loops"/> loops spawned, then each stopped and waited for, in order. One operation =
/// one loop's spawn and stop; Allocated per operation is one loop's managed memory (its thread's stack is not in it).</item>
/// </list>
/// </summary>
/// <remarks>
/// The stops that need a fresh loop get it from [IterationSetup], which BenchmarkDotNet runs outside the measurement and
/// (this class setting no invocation count) before every single invocation. Mailbox's reports are checked in the
/// benchmark itself: a stop that ran or lost a queued message fails the run instead of printing a number.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class StopBenchmarks
{
    /// <summary>Posts queued behind the held callback in the Immediate case.</summary>
    private const int QueuedPosts = 1_000_000;

    /// <summary>Loops spawned and stopped per invocation in the Lifecycle case.</summary>
    private const int Loops = 1_000;

    /// <summary>How long [IterationSetup] lets a fresh loop's thread spin down and park, so the Drain case stops an idle loop.</summary>
    private static readonly TimeSpan s_parkPause = TimeSpan.FromMilliseconds(5);

    /// <summary>What is queued behind the hold; a stop must never run it.</summary>
    private static readonly Action s_queued = static () => { };

    /// <summary>The coroutine that proves a fresh Mailbox loop is up.</summary>
    private static readonly Func<Task> s_ready = static () => Task.CompletedTask;

    /// <summary>Set by the held callback once it runs on the loop thread.</summary>
    private readonly ManualResetEventSlim _held = new(initialState: false);

    /// <summary>Keeps the held callback blocked until the benchmark releases it.</summary>
    private readonly ManualResetEventSlim _release = new(initialState: false);

    /// <summary>The callback that holds the loop: says it runs, then blocks until released.</summary>
    private Action _hold = null!;

    /// <summary>The Mailbox subject of the Immediate and Drain cases, fresh per invocation.</summary>
    private LoopActor? _loop;

    /// <summary>The baseline subject of the Immediate and Drain cases, fresh per invocation.</summary>
    private RawChannelLoop? _rawLoop;

    /// <summary>The Mailbox loops of the Lifecycle case.</summary>
    private LoopActor[] _loops = [];

    /// <summary>The raw loops of the Lifecycle case.</summary>
    private RawChannelLoop[] _rawLoops = [];

    /// <summary>Binds the held callback.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _hold = Hold;
        _loops = new LoopActor[Loops];
        _rawLoops = new RawChannelLoop[Loops];
    }

    /// <summary>A Mailbox loop, held, with <see cref="QueuedPosts"/> posts behind the hold.</summary>
    [IterationSetup(Target = nameof(Mailbox_StopImmediate))]
    public void SetupMailboxImmediate()
    {
        _loop = LoopActor.Spawn("bench-stop-immediate");
        HoldThenQueue(_loop.Post);
    }

    /// <summary>A raw channel loop, held, with <see cref="QueuedPosts"/> posts behind the hold.</summary>
    [IterationSetup(Target = nameof(RawChannel_DiscardingStop))]
    public void SetupRawImmediate()
    {
        _rawLoop = new RawChannelLoop("bench-stop-immediate");
        HoldThenQueue(_rawLoop.Post);
    }

    /// <summary>An idle Mailbox loop: spawned, proven up by a round trip, then given time to park.</summary>
    [IterationSetup(Target = nameof(Mailbox_StopDrain_Idle))]
    public void SetupMailboxIdle()
    {
        _loop = LoopActor.Spawn("bench-stop-drain");
        _loop.RunUntilComplete(s_ready);
        Thread.Sleep(s_parkPause);
    }

    /// <summary>An idle raw channel loop: started, proven up by a callback that ran, then given time to block.</summary>
    [IterationSetup(Target = nameof(RawChannel_Dispose_Idle))]
    public void SetupRawIdle()
    {
        _rawLoop = new RawChannelLoop("bench-stop-drain");
        using var ran = new ManualResetEventSlim(initialState: false);
        _rawLoop.Post(ran.Set);
        ran.Wait();
        Thread.Sleep(s_parkPause);
    }

    /// <summary>Releases the wait handles.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _held.Dispose();
        _release.Dispose();
    }

    /// <summary>Baseline, Immediate: <see cref="RawChannelLoop.RequestDiscardingStop"/> (a flag and the writer completed), release, then <see cref="RawChannelLoop.JoinDiscarding"/>: the reader drains the queue with <c>TryRead</c> and exits.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Immediate")]
    public void RawChannel_DiscardingStop()
    {
        RawChannelLoop loop = _rawLoop!;
        loop.RequestDiscardingStop();
        _release.Set();
        long discarded = loop.JoinDiscarding();
        if (discarded != QueuedPosts)
        {
            throw new InvalidOperationException($"The raw loop discarded {discarded} of {QueuedPosts} queued posts.");
        }
    }

    /// <summary>Immediate: <c>StopAsync(StopMode.Immediate)</c>, release, then <see cref="LoopActor.Completion"/>; the report must say 1 executed (the hold) and every queued post discarded.</summary>
    [Benchmark]
    [BenchmarkCategory("Immediate")]
    public void Mailbox_StopImmediate()
    {
        LoopActor loop = _loop!;
        Task<StopReport> stop = loop.StopAsync(StopMode.Immediate);
        _release.Set();
        StopReport report = loop.Completion.GetAwaiter().GetResult();
        if (report.Executed != 1 || report.Discarded != QueuedPosts || !ReferenceEquals(report, stop.GetAwaiter().GetResult()))
        {
            throw new InvalidOperationException($"Mailbox's Immediate stop executed {report.Executed} (expected the hold only) and discarded {report.Discarded} of {QueuedPosts} queued posts.");
        }
    }

    /// <summary>Baseline, Drain: <see cref="RawChannelLoop.Dispose"/> of an idle loop (complete the writer, join the thread).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Drain")]
    public void RawChannel_Dispose_Idle() => _rawLoop!.Dispose();

    /// <summary>Drain: <c>StopAsync()</c> of an idle loop, waited for; the report must say 1 executed (the readiness round trip).</summary>
    [Benchmark]
    [BenchmarkCategory("Drain")]
    public void Mailbox_StopDrain_Idle()
    {
        StopReport report = _loop!.StopAsync().GetAwaiter().GetResult();
        if (report.Executed != 1 || report.Discarded != 0)
        {
            throw new InvalidOperationException($"Mailbox's Drain stop of an idle loop executed {report.Executed} and discarded {report.Discarded}; expected 1 and 0.");
        }
    }

    /// <summary>Baseline, Lifecycle: <see cref="Loops"/> <c>new RawChannelLoop</c>, then <see cref="RawChannelLoop.Dispose"/> of each.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Loops)]
    [BenchmarkCategory("Lifecycle")]
    public void RawChannel_New_Dispose()
    {
        RawChannelLoop[] loops = _rawLoops;
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = new RawChannelLoop("bench-lifecycle");
        }

        for (int i = 0; i < loops.Length; i++)
        {
            loops[i].Dispose();
            loops[i] = null!;
        }
    }

    /// <summary>Lifecycle: <see cref="Loops"/> <see cref="LoopActor.Spawn"/>, then <c>StopAsync()</c> of each, waited for; each report must be empty.</summary>
    [Benchmark(OperationsPerInvoke = Loops)]
    [BenchmarkCategory("Lifecycle")]
    public void Mailbox_Spawn_Stop()
    {
        LoopActor[] loops = _loops;
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = LoopActor.Spawn("bench-lifecycle");
        }

        for (int i = 0; i < loops.Length; i++)
        {
            StopReport report = loops[i].StopAsync().GetAwaiter().GetResult();
            if (report.Executed != 0 || report.Discarded != 0)
            {
                throw new InvalidOperationException($"Mailbox's stop of an unused loop executed {report.Executed} and discarded {report.Discarded}.");
            }

            loops[i] = null!;
        }
    }

    /// <summary>Posts the hold through <paramref name="post"/>, waits until it runs, then queues <see cref="QueuedPosts"/> posts behind it.</summary>
    private void HoldThenQueue(Action<Action> post)
    {
        _held.Reset();
        _release.Reset();
        post(_hold);
        _held.Wait();
        for (int i = 0; i < QueuedPosts; i++)
        {
            post(s_queued);
        }
    }

    /// <summary>The held callback, on the loop thread.</summary>
    private void Hold()
    {
        _held.Set();
        _release.Wait();
    }
}

using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Bench;

/// <summary>
/// How the timer heap scales: with <see cref="Pending"/> timers already pending a day out (scheduled in [GlobalSetup], in a
/// shuffled order, so that they sit in Mailbox's heap and not in its in-order run, which would take them in O(1)),
/// one invocation schedules <see cref="M"/> more timers due an hour out (so they sit at the top of the heap), cancels them
/// all, and lets the heap drop them. One operation = one timer scheduled and cancelled; its cost should stay flat as
/// <see cref="Pending"/> grows, or grow like log n (a binary heap's sift). Same subjects as <see cref="TimerBenchmarks"/>'
/// ScheduleCancel: the <see cref="TimerHeapLoop"/> baseline, Mailbox on a <see cref="FakeTimeProvider"/>, and real
/// <see cref="System.Threading.Timer"/>s (create + dispose, with <see cref="Pending"/> real timers pending too).
/// </summary>
/// <remarks>
/// Reading memory per pending timer off the Allocated column: one pending Mailbox timer holds its
/// <see cref="TimerHandle"/> (Allocated per operation of <see cref="Mailbox_CallLater_Cancel"/> at Pending = 1,000,000,
/// where the heap is neither grown nor purged: the handle and nothing else) plus one heap slot, a
/// (TimerEntry, TimerKey) pair of 24 B that is allocated only when the heap's array doubles (it never shrinks, so the
/// slot shows up in Allocated only in a run that grows the heap, and then with up to 2x slack). At Pending = 1,000 the
/// cancelled entries come to outnumber the live ones, so Mailbox purges (rebuilds) the heap during the cancels and
/// Allocated also carries the rebuilt arrays; at 100,000 and more they never do (a purge needs more dead entries than
/// half the heap). The baseline's Allocated is its <see cref="TimerHeapLoop.CancelFlag"/>
/// (24 B; its heap slot is 24 B); a real timer's is the Timer, its holder and its queue entry.
/// </remarks>
public class TimerHeapScalingBenchmarks
{
    /// <summary>Timers scheduled and cancelled per invocation.</summary>
    private const int M = 100_000;

    /// <summary>The pending timers are due this far out, plus one tick each (distinct due times).</summary>
    private const long PendingAfterTicks = TimeSpan.TicksPerDay;

    /// <summary>The M timers are due this far out, plus a spread over 10 ms: before every pending timer, and far enough that no real timer fires before it is disposed.</summary>
    private const long CancelAfterTicks = TimeSpan.TicksPerHour;

    /// <summary>The spread of the M timers' due times.</summary>
    private const long SpreadTicks = TimeSpan.TicksPerMillisecond * 10;

    /// <summary>The order in which the pending timers are scheduled: 0..<see cref="Pending"/>-1, shuffled with a fixed seed.</summary>
    private int[] _pendingOrder = [];

    /// <summary>The callback of every timer; none ever fires.</summary>
    private static readonly Action s_neverRuns = static () => throw new InvalidOperationException("A timer of the scaling benchmark fired.");

    /// <summary>The real timers' callback; none ever fires.</summary>
    private static readonly TimerCallback s_timerNeverRuns = static _ => throw new InvalidOperationException("A real timer of the scaling benchmark fired.");

    /// <summary>Wakes the benchmark thread once the baseline loop has done an invocation's work.</summary>
    private readonly CompletionCountdown _countdown = new();

    /// <summary>The baseline subject.</summary>
    private TimerHeapLoop? _heapLoop;

    /// <summary>The baseline's invocation, posted to it.</summary>
    private Action _heapScheduleCancel = null!;

    /// <summary>The baseline's flags of one invocation.</summary>
    private TimerHeapLoop.CancelFlag?[] _flags = [];

    /// <summary>Heap entries the baseline had after an invocation (must be <see cref="Pending"/>); written by its loop before it signals.</summary>
    private int _heapCount;

    /// <summary>The fake clock of <see cref="_loop"/>.</summary>
    private FakeTimeProvider? _clock;

    /// <summary>The Mailbox subject.</summary>
    private LoopActor? _loop;

    /// <summary>Mailbox's invocation, run on the loop.</summary>
    private Func<Task> _loopScheduleCancel = null!;

    /// <summary>Mailbox's handles of one invocation.</summary>
    private TimerHandle?[] _handles = [];

    /// <summary>Coroutine requests sent to the Mailbox loop, to check its <see cref="StopReport"/>.</summary>
    private long _loopRequests;

    /// <summary>The pending real timers.</summary>
    private Timer[] _pendingTimers = [];

    /// <summary>The real timers of one invocation.</summary>
    private Timer?[] _timers = [];

    /// <summary>Timers already pending, far in the future, while the M timers are scheduled and cancelled.</summary>
    [Params(
        1_000,      // a small heap: the M cancelled entries outnumber the pending ones, so a lazy heap purges often.
        100_000,    // as many pending as scheduled: the middle of the curve.
        1_000_000)] // a large heap (20 sift levels, tens of MB): log-n growth or cache misses would show here.
    public int Pending { get; set; }

    /// <summary>Starts the baseline loop with <see cref="Pending"/> timers.</summary>
    [GlobalSetup(Target = nameof(PriorityQueue_ScheduleCancel))]
    public void SetupPriorityQueue()
    {
        _heapLoop = new TimerHeapLoop("bench-timer-heap");
        _heapScheduleCancel = HeapScheduleCancel;
        _pendingOrder = ShuffledOrder(Pending);
        _flags = new TimerHeapLoop.CancelFlag?[M];
        _countdown.Reset(1);
        _heapLoop.Post(() =>
        {
            foreach (int i in _pendingOrder)
            {
                _heapLoop.CallLater(PendingAfterTicks + i, s_neverRuns);
            }

            _countdown.Signal();
        });
        _countdown.Wait();
    }

    /// <summary>Spawns the Mailbox loop on a fake clock with <see cref="Pending"/> timers.</summary>
    [GlobalSetup(Target = nameof(Mailbox_CallLater_Cancel))]
    public void SetupMailbox()
    {
        _clock = new FakeTimeProvider();
        _loop = LoopActor.Spawn("bench-timer-scaling", new LoopOptions { TimeProvider = _clock });
        _loopScheduleCancel = LoopScheduleCancel;
        _handles = new TimerHandle?[M];
        _pendingOrder = ShuffledOrder(Pending);
        _loopRequests++;
        _loop.RunUntilComplete(() =>
        {
            foreach (int i in _pendingOrder)
            {
                _ = _loop.CallLater(TimeSpan.FromTicks(PendingAfterTicks + i), s_neverRuns);
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Creates <see cref="Pending"/> real timers a day out.</summary>
    [GlobalSetup(Target = nameof(Timer_Create_Dispose))]
    public void SetupTimers()
    {
        _timers = new Timer?[M];
        _pendingTimers = new Timer[Pending];
        for (int i = 0; i < _pendingTimers.Length; i++)
        {
            _pendingTimers[i] = new Timer(s_timerNeverRuns, null, TimeSpan.FromTicks(PendingAfterTicks + i), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops whichever subject this process set up; for Mailbox, checks that its report counts every request and cancels exactly the pending timers.</summary>
    /// <exception cref="InvalidOperationException">The Mailbox loop's report disagrees.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _heapLoop?.Dispose();
        foreach (Timer timer in _pendingTimers)
        {
            timer.Dispose();
        }

        if (_loop is not null)
        {
            StopReport report = _loop.StopAsync().GetAwaiter().GetResult();
            if (report.Executed != _loopRequests || report.Discarded != 0 || report.CancelledTimers != Pending)
            {
                throw new InvalidOperationException($"Mailbox ran {report.Executed} of {_loopRequests} requests, discarded {report.Discarded}, and its stop cancelled {report.CancelledTimers} of {Pending} pending timers.");
            }
        }

        _countdown.Dispose();
    }

    /// <summary>Baseline: the heap loop schedules <see cref="M"/> cancellable callbacks, sets every flag, and peeks, which drops them.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = M)]
    public void PriorityQueue_ScheduleCancel()
    {
        _countdown.Reset(1);
        _heapLoop!.Post(_heapScheduleCancel);
        _countdown.Wait();
        if (_heapCount != Pending)
        {
            throw new InvalidOperationException($"The timer heap holds {_heapCount} entries; expected the {Pending} pending.");
        }
    }

    /// <summary><see cref="M"/> <see cref="LoopActor.CallLater"/> then <see cref="TimerHandle.Cancel"/> calls inside one <c>RunUntilComplete</c>, then <see cref="LoopActor.QueryPendingAsync"/>, whose peek drops the cancelled entries left at the top.</summary>
    [Benchmark(OperationsPerInvoke = M)]
    public void Mailbox_CallLater_Cancel()
    {
        _loopRequests++;
        _loop!.RunUntilComplete(_loopScheduleCancel);
        PendingWork pending = _loop.QueryPendingAsync().GetAwaiter().GetResult();
        if (pending.PendingTimers != Pending)
        {
            throw new InvalidOperationException($"Mailbox reports {pending.PendingTimers} pending timers; expected {Pending}.");
        }
    }

    /// <summary><see cref="M"/> <c>new Timer(callback, null, due, Infinite)</c> an hour out, then <see cref="Timer.Dispose()"/> of each.</summary>
    [Benchmark(OperationsPerInvoke = M)]
    public void Timer_Create_Dispose()
    {
        Timer?[] timers = _timers;
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new Timer(s_timerNeverRuns, null, TimeSpan.FromTicks(CancelAfterTicks + (i * SpreadTicks / M)), Timeout.InfiniteTimeSpan);
        }

        for (int i = 0; i < timers.Length; i++)
        {
            timers[i]!.Dispose();
            timers[i] = null;
        }
    }

    /// <summary>On the heap loop: one invocation's work.</summary>
    private void HeapScheduleCancel()
    {
        TimerHeapLoop loop = _heapLoop!;
        TimerHeapLoop.CancelFlag?[] flags = _flags;
        for (int i = 0; i < flags.Length; i++)
        {
            flags[i] = loop.CallLaterCancellable(CancelAfterTicks + (i * SpreadTicks / M), s_neverRuns);
        }

        for (int i = 0; i < flags.Length; i++)
        {
            flags[i]!.Cancel();
            flags[i] = null;
        }

        _ = loop.TryPeekDue(out _);
        _heapCount = loop.HeapCount;
        _countdown.Signal();
    }

    /// <summary>On the Mailbox loop: one invocation's work.</summary>
    private Task LoopScheduleCancel()
    {
        LoopActor loop = _loop!;
        TimerHandle?[] handles = _handles;
        for (int i = 0; i < handles.Length; i++)
        {
            handles[i] = loop.CallLater(TimeSpan.FromTicks(CancelAfterTicks + (i * SpreadTicks / M)), s_neverRuns);
        }

        for (int i = 0; i < handles.Length; i++)
        {
            if (!handles[i]!.Cancel())
            {
                throw new InvalidOperationException($"Cancelling timer {i} returned false before it could fire.");
            }

            handles[i] = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>0..<paramref name="count"/>-1 in an order fixed by a seeded shuffle.</summary>
    private static int[] ShuffledOrder(int count)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        new Random(20261125).Shuffle(order);
        return order;
    }
}

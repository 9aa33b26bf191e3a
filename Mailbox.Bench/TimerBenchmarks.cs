using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Mailbox.Bench.Baselines;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Bench;

/// <summary>
/// Timers, three operations side by side (one category each, each with its own baseline):
/// <list type="bullet">
/// <item><b>ScheduleFire</b>: on the loop thread, schedule <see cref="N"/> timers due over 0..10 ms of a fake clock, then
/// advance the clock past the last due time and wait until every callback ran (one operation = one timer scheduled and
/// fired). Scheduled in due order, as timers mostly are (the same timeout again and again).</item>
/// <item><b>ScheduleFireShuffled</b>: the same timers scheduled in a shuffled order, so that nearly every one goes through a
/// heap in both subjects (Mailbox keeps a timer out of its heap only when it is due at or after the last one set).</item>
/// <item>In both ScheduleFire categories a second baseline row, <c>..._Flagged</c>, schedules every timer with a cancel
/// flag (<see cref="TimerHeapLoop.CallLaterCancellable"/>) that the loop reads when the timer comes due: the least a
/// cancellable timer needs, and what Mailbox's <see cref="TimerHandle"/> is (it arbitrates a cancel from any thread
/// against the firing). It tells how much of a gap is the per-timer object that a firing must read.</item>
/// <item><b>ScheduleCancel</b>: on the loop thread, schedule <see cref="N"/> timers, cancel them all, and let the heap drop
/// them (one operation = one timer scheduled and cancelled).</item>
/// <item><b>DelayStep</b>: one coroutine resumes <see cref="DelaySteps"/> times after a zero delay (one operation = one
/// step).</item>
/// </list>
/// The baseline is <see cref="TimerHeapLoop"/>: a <see cref="PriorityQueue{TElement, TPriority}"/> on a dedicated thread
/// with a clock of its own that only a message moves, doing the same work with nothing on top. The other alternative is
/// <see cref="System.Threading.Timer"/>, one per timer, on real time. Mailbox's loops are spawned in [GlobalSetup] and
/// reused: ScheduleFire and ScheduleCancel on a <see cref="FakeTimeProvider"/>, DelayStep on the system clock (where a
/// zero delay resumes at the next turn, as an app would see it).
/// </summary>
/// <remarks>
/// Memory: Allocated per operation is what one scheduled timer allocates: Mailbox's <see cref="TimerHandle"/> alone, in
/// every category, and nothing for the <c>Mailbox_CallLaterState</c> rows (<see cref="LoopActor.CallLater{TState}"/>, whose
/// token stands for a pooled cell) (the timer queue's arrays grew in the first invocation and are reused: neither its run nor its heap
/// ever shrinks, and a purge of cancelled entries rebuilds both in place). The baseline allocates nothing per plain timer and a
/// <see cref="TimerHeapLoop.CancelFlag"/> per cancellable one; a real timer, its Timer, holder and queue entry.
/// <see cref="TimerHeapScalingBenchmarks"/> spells out how to read the memory per pending timer.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TimerBenchmarks
{
    /// <summary>Timers per invocation in ScheduleFire and ScheduleCancel.</summary>
    private const int N = 1_000_000;

    /// <summary>Zero-delay steps per invocation in DelayStep.</summary>
    private const int DelaySteps = 100_000;

    /// <summary>The timers of ScheduleFire are due over this span: timer i after <c>i * SpreadTicks / N</c> ticks.</summary>
    private const long SpreadTicks = TimeSpan.TicksPerMillisecond * 10;

    /// <summary>
    /// The timers of ScheduleCancel are due this far out, plus their spread: far enough that no real
    /// <see cref="System.Threading.Timer"/> fires before it is disposed (the fake clocks never reach it).
    /// </summary>
    private const long CancelAfterTicks = TimeSpan.TicksPerHour;

    /// <summary>The delays of ScheduleFire, in due order (for the flagged baseline; the plain subjects compute theirs inline).</summary>
    private static readonly long[] s_inOrderDelays = InOrderDelays();

    /// <summary>The delays of ScheduleFireShuffled: those of ScheduleFire, in an order fixed by a seeded shuffle.</summary>
    private static readonly long[] s_shuffledDelays = ShuffledDelays();

    /// <summary>The Mailbox DelayStep coroutine, cached.</summary>
    private static readonly Func<Task> s_delaySteps = DelayZeroSteps;

    /// <summary>What a <see cref="System.Threading.Timer"/> of ScheduleFire runs: counts itself on the countdown (its state).</summary>
    private static readonly TimerCallback s_timerSignal = static state => ((CompletionCountdown)state!).SignalFromAnyThread();

    /// <summary>What a <see cref="LoopActor.CallLater{TState}"/> timer runs: its state's <see cref="CompletionCountdown.Signal"/>.</summary>
    private static readonly Action<CompletionCountdown> s_countdownSignal = static countdown => countdown.Signal();

    /// <summary>Counts fired timers and wakes the benchmark thread after the last one.</summary>
    private readonly CompletionCountdown _countdown = new();

    /// <summary>The callback every loop-kept timer runs: the countdown's <see cref="CompletionCountdown.Signal"/>, bound once.</summary>
    private Action _signal = null!;

    /// <summary>The baseline subject.</summary>
    private TimerHeapLoop? _heapLoop;

    /// <summary>The baseline's ScheduleFire work, posted to it.</summary>
    private Action _heapScheduleTimers = null!;

    /// <summary>The baseline's ScheduleFire work with a cancel flag per timer, posted to it.</summary>
    private Action _heapScheduleFlagged = null!;

    /// <summary>The baseline's ScheduleFireShuffled work with a cancel flag per timer, posted to it.</summary>
    private Action _heapScheduleShuffledFlagged = null!;

    /// <summary>The baseline's ScheduleFireShuffled work, posted to it.</summary>
    private Action _heapScheduleShuffled = null!;

    /// <summary>The baseline's ScheduleCancel work, posted to it.</summary>
    private Action _heapScheduleCancel = null!;

    /// <summary>The baseline's first DelayStep step, posted to it.</summary>
    private Action _heapStartSteps = null!;

    /// <summary>The baseline's DelayStep step: re-queues itself as a due-now timer until all steps ran.</summary>
    private Action _heapStep = null!;

    /// <summary>Steps the baseline's DelayStep has run in this invocation. Baseline loop thread only.</summary>
    private int _heapStepsRun;

    /// <summary>The baseline's cancellation flags of one ScheduleCancel invocation.</summary>
    private TimerHeapLoop.CancelFlag?[] _flags = [];

    /// <summary>Heap entries the baseline had left after ScheduleCancel (must be 0); written by its loop before it signals.</summary>
    private int _heapLeft;

    /// <summary>The fake clock of <see cref="_loop"/>.</summary>
    private FakeTimeProvider? _clock;

    /// <summary>The Mailbox subject of ScheduleFire and ScheduleCancel, on <see cref="_clock"/>.</summary>
    private LoopActor? _loop;

    /// <summary>Mailbox's ScheduleFire work, run on the loop.</summary>
    private Func<Task> _loopScheduleTimers = null!;

    /// <summary>Mailbox's ScheduleFireShuffled work, run on the loop.</summary>
    private Func<Task> _loopScheduleShuffled = null!;

    /// <summary>Mailbox's ScheduleCancel work, run on the loop.</summary>
    private Func<Task> _loopScheduleCancel = null!;

    /// <summary>Mailbox's ScheduleFire work with <see cref="LoopActor.CallLater{TState}"/>, run on the loop.</summary>
    private Func<Task> _loopScheduleTokens = null!;

    /// <summary>Mailbox's ScheduleFireShuffled work with <see cref="LoopActor.CallLater{TState}"/>, run on the loop.</summary>
    private Func<Task> _loopScheduleShuffledTokens = null!;

    /// <summary>Mailbox's ScheduleCancel work with <see cref="LoopActor.CallLater{TState}"/>, run on the loop.</summary>
    private Func<Task> _loopScheduleCancelTokens = null!;

    /// <summary>Mailbox's tokens of one ScheduleCancel invocation.</summary>
    private TimerToken[] _tokens = [];

    /// <summary>Mailbox's handles of one ScheduleCancel invocation.</summary>
    private TimerHandle?[] _handles = [];

    /// <summary>The Mailbox subject of DelayStep, on the system clock.</summary>
    private LoopActor? _delayLoop;

    /// <summary>Coroutine requests sent to the Mailbox loops over the process's life, to check their <see cref="StopReport"/>s.</summary>
    private long _loopRequests;

    /// <summary>The real timers of one ScheduleFire or ScheduleCancel invocation (a timer nobody references may be collected before it fires).</summary>
    private Timer?[] _timers = [];

    /// <summary>The one real timer DelayStep re-arms for every step.</summary>
    private Timer? _stepTimer;

    /// <summary>The step the real timer completes next; written by the stepping coroutine before it arms the timer.</summary>
    private TaskCompletionSource? _step;

    /// <summary>Starts the baseline loop and binds its work.</summary>
    [GlobalSetup(Targets = [nameof(PriorityQueue_ScheduleFire), nameof(PriorityQueue_ScheduleFire_Flagged), nameof(PriorityQueue_ScheduleFire_Shuffled), nameof(PriorityQueue_ScheduleFire_Shuffled_Flagged), nameof(PriorityQueue_ScheduleCancel), nameof(PriorityQueue_DueNowStep)])]
    public void SetupPriorityQueue()
    {
        _signal = _countdown.Signal;
        _heapLoop = new TimerHeapLoop("bench-timer-heap");
        _heapScheduleTimers = HeapScheduleTimers;
        _heapScheduleShuffled = HeapScheduleShuffled;
        _heapScheduleFlagged = () => HeapScheduleFlagged(s_inOrderDelays);
        _heapScheduleShuffledFlagged = () => HeapScheduleFlagged(s_shuffledDelays);
        _heapScheduleCancel = HeapScheduleCancel;
        _heapStartSteps = HeapStartSteps;
        _heapStep = HeapStep;
        _flags = new TimerHeapLoop.CancelFlag?[N];
    }

    /// <summary>Spawns the Mailbox loop on a fake clock and binds its work.</summary>
    [GlobalSetup(Targets = [nameof(Mailbox_CallLater_Fire), nameof(Mailbox_CallLater_Fire_Shuffled), nameof(Mailbox_CallLater_Cancel), nameof(Mailbox_CallLaterState_Fire), nameof(Mailbox_CallLaterState_Fire_Shuffled), nameof(Mailbox_CallLaterState_Cancel)])]
    public void SetupMailbox()
    {
        _signal = _countdown.Signal;
        _clock = new FakeTimeProvider();
        _loop = LoopActor.Spawn("bench-timers", new LoopOptions { TimeProvider = _clock });
        _loopScheduleTimers = LoopScheduleTimers;
        _loopScheduleShuffled = LoopScheduleShuffled;
        _loopScheduleCancel = LoopScheduleCancel;
        _loopScheduleTokens = () => LoopScheduleTokens(s_inOrderDelays);
        _loopScheduleShuffledTokens = () => LoopScheduleTokens(s_shuffledDelays);
        _loopScheduleCancelTokens = LoopScheduleCancelTokens;
        _handles = new TimerHandle?[N];
        _tokens = new TimerToken[N];
    }

    /// <summary>Spawns the Mailbox loop of DelayStep, on the system clock.</summary>
    [GlobalSetup(Target = nameof(Mailbox_DelayZero))]
    public void SetupMailboxDelay() => _delayLoop = LoopActor.Spawn("bench-delay");

    /// <summary>Makes room for the real timers.</summary>
    [GlobalSetup(Targets = [nameof(Timer_Create_Fire), nameof(Timer_Create_Dispose)])]
    public void SetupTimers() => _timers = new Timer?[N];

    /// <summary>Creates the disarmed real timer of DelayStep.</summary>
    [GlobalSetup(Target = nameof(Timer_ChangeZero_Await))]
    public void SetupStepTimer() =>
        _stepTimer = new Timer(static state => ((TimerBenchmarks)state!).CompleteStep(), this, Timeout.Infinite, Timeout.Infinite);

    /// <summary>Disposes the fired real timers of one ScheduleFire invocation, outside the measurement.</summary>
    [IterationCleanup(Target = nameof(Timer_Create_Fire))]
    public void CleanupFiredTimers()
    {
        for (int i = 0; i < _timers.Length; i++)
        {
            _timers[i]?.Dispose();
            _timers[i] = null;
        }
    }

    /// <summary>Stops whichever subject this process set up; for Mailbox, checks that its reports count every request and no timer is left.</summary>
    /// <exception cref="InvalidOperationException">A Mailbox loop's report disagrees with the requests sent to it, or a timer was left pending.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _heapLoop?.Dispose();
        _stepTimer?.Dispose();
        long requests = 0;
        foreach (LoopActor? loop in new[] { _loop, _delayLoop })
        {
            if (loop is null)
            {
                continue;
            }

            StopReport report = loop.StopAsync().GetAwaiter().GetResult();
            requests += report.Executed;
            if (report.Discarded != 0 || report.CancelledTimers != 0)
            {
                throw new InvalidOperationException($"Mailbox discarded {report.Discarded} requests and cancelled {report.CancelledTimers} timers at its stop; expected none.");
            }
        }

        if (requests != _loopRequests)
        {
            throw new InvalidOperationException($"Mailbox ran {requests} of {_loopRequests} coroutine requests.");
        }

        _countdown.Dispose();
    }

    /// <summary>Baseline, ScheduleFire: the heap loop schedules <see cref="N"/> callbacks, its clock moves past the last, and it pops and runs them all.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFire")]
    public void PriorityQueue_ScheduleFire() => HeapScheduleAndFire(_heapScheduleTimers);

    /// <summary>ScheduleFire: <see cref="N"/> <see cref="LoopActor.CallLater"/> calls inside one <c>RunUntilComplete</c>, then <see cref="FakeTimeProvider.Advance"/> past the last due time.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFire")]
    public void Mailbox_CallLater_Fire() => LoopScheduleAndFire(_loopScheduleTimers);

    /// <summary>
    /// ScheduleFire: <see cref="N"/> <c>new Timer(callback, countdown, due, Infinite)</c> with real due times over 0..10 ms,
    /// then a wait until all fired. Its time includes up to 10 ms of real waiting for the last due times, spread over
    /// <see cref="N"/> (at most 10 ns per operation), and its callbacks run concurrently on pool threads (hence an
    /// interlocked count).
    /// </summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFire")]
    public void Timer_Create_Fire()
    {
        _countdown.Reset(N);
        Timer?[] timers = _timers;
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new Timer(s_timerSignal, _countdown, TimeSpan.FromTicks(i * SpreadTicks / N), Timeout.InfiniteTimeSpan);
        }

        _countdown.Wait();
    }

    /// <summary>ScheduleFire: the baseline again, with a cancel flag per timer that the loop reads when the timer comes due.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFire")]
    public void PriorityQueue_ScheduleFire_Flagged() => HeapScheduleAndFire(_heapScheduleFlagged);

    /// <summary>ScheduleFireShuffled: the shuffled baseline again, with a cancel flag per timer.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFireShuffled")]
    public void PriorityQueue_ScheduleFire_Shuffled_Flagged() => HeapScheduleAndFire(_heapScheduleShuffledFlagged);

    /// <summary>Baseline, ScheduleFireShuffled: as <see cref="PriorityQueue_ScheduleFire"/>, the delays in shuffled order.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFireShuffled")]
    public void PriorityQueue_ScheduleFire_Shuffled() => HeapScheduleAndFire(_heapScheduleShuffled);

    /// <summary>ScheduleFireShuffled: as <see cref="Mailbox_CallLater_Fire"/>, the delays in shuffled order.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFireShuffled")]
    public void Mailbox_CallLater_Fire_Shuffled() => LoopScheduleAndFire(_loopScheduleShuffled);

    /// <summary>ScheduleFire: as <see cref="Mailbox_CallLater_Fire"/> with <see cref="LoopActor.CallLater{TState}"/> (the countdown as state): a token per timer, no handle.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFire")]
    public void Mailbox_CallLaterState_Fire() => LoopScheduleAndFire(_loopScheduleTokens);

    /// <summary>ScheduleFireShuffled: as <see cref="Mailbox_CallLaterState_Fire"/>, the delays in shuffled order.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleFireShuffled")]
    public void Mailbox_CallLaterState_Fire_Shuffled() => LoopScheduleAndFire(_loopScheduleShuffledTokens);

    /// <summary>ScheduleCancel: as <see cref="Mailbox_CallLater_Cancel"/> with <see cref="LoopActor.CallLater{TState}"/> and <see cref="TimerToken.Cancel"/>.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleCancel")]
    public void Mailbox_CallLaterState_Cancel() => LoopScheduleAndCancel(_loopScheduleCancelTokens);

    /// <summary>Baseline, ScheduleCancel: the heap loop schedules <see cref="N"/> cancellable callbacks, sets every flag, and peeks, which drops them all.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleCancel")]
    public void PriorityQueue_ScheduleCancel()
    {
        _countdown.Reset(1);
        _heapLoop!.Post(_heapScheduleCancel);
        _countdown.Wait();
        if (_heapLeft != 0)
        {
            throw new InvalidOperationException($"The timer heap kept {_heapLeft} cancelled entries.");
        }
    }

    /// <summary>ScheduleCancel: <see cref="N"/> <see cref="LoopActor.CallLater"/> then <see cref="TimerHandle.Cancel"/> calls inside one <c>RunUntilComplete</c>, then <see cref="LoopActor.QueryPendingAsync"/>, whose peek drops what cancelled entries are left.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleCancel")]
    public void Mailbox_CallLater_Cancel() => LoopScheduleAndCancel(_loopScheduleCancel);

    /// <summary>ScheduleCancel: <see cref="N"/> <c>new Timer(callback, null, due, Infinite)</c> an hour out, then <see cref="Timer.Dispose()"/> of each.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    [BenchmarkCategory("ScheduleCancel")]
    public void Timer_Create_Dispose()
    {
        Timer?[] timers = _timers;
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new Timer(s_timerSignal, _countdown, TimeSpan.FromTicks(CancelAfterTicks + (i * SpreadTicks / N)), Timeout.InfiniteTimeSpan);
        }

        for (int i = 0; i < timers.Length; i++)
        {
            timers[i]!.Dispose();
            timers[i] = null;
        }
    }

    /// <summary>Baseline, DelayStep: a callback on the heap loop that re-queues itself as a due-now timer <see cref="DelaySteps"/> times.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = DelaySteps)]
    [BenchmarkCategory("DelayStep")]
    public void PriorityQueue_DueNowStep()
    {
        _countdown.Reset(DelaySteps);
        _heapLoop!.Post(_heapStartSteps);
        _countdown.Wait();
    }

    /// <summary>DelayStep: <c>await loop.RunAsync(async () => { for (...) await LoopActor.Delay(TimeSpan.Zero); })</c>.</summary>
    [Benchmark(OperationsPerInvoke = DelaySteps)]
    [BenchmarkCategory("DelayStep")]
    public Task Mailbox_DelayZero()
    {
        _loopRequests++;
        return _delayLoop!.RunAsync(s_delaySteps);
    }

    /// <summary>
    /// DelayStep: per step, a new <see cref="TaskCompletionSource"/>, <c>timer.Change(0, Infinite)</c> and an await of
    /// its task, which the timer's callback completes (<c>await Task.Delay(1)</c> would measure the 1 ms, not the step).
    /// </summary>
    [Benchmark(OperationsPerInvoke = DelaySteps)]
    [BenchmarkCategory("DelayStep")]
    public async Task Timer_ChangeZero_Await()
    {
        Timer timer = _stepTimer!;
        for (int i = 0; i < DelaySteps; i++)
        {
            var step = new TaskCompletionSource();
            Volatile.Write(ref _step, step);
            timer.Change(0, Timeout.Infinite);
            await step.Task.ConfigureAwait(false);
        }
    }

    /// <summary>The Mailbox DelayStep coroutine.</summary>
    private static async Task DelayZeroSteps()
    {
        for (int i = 0; i < DelaySteps; i++)
        {
            await LoopActor.Delay(TimeSpan.Zero);
        }
    }

    /// <summary>The real step timer's callback, on a pool thread.</summary>
    private void CompleteStep() => Volatile.Read(ref _step)!.SetResult();

    /// <summary>One ScheduleFire invocation on the heap loop: <paramref name="schedule"/> sets the timers, the clock moves past the last, and the loop runs them all.</summary>
    private void HeapScheduleAndFire(Action schedule)
    {
        _countdown.Reset(N);
        _heapLoop!.Post(schedule);
        _heapLoop.Advance(SpreadTicks);
        _countdown.Wait();
    }

    /// <summary>One ScheduleFire invocation on the Mailbox loop: <paramref name="schedule"/> sets the timers inside one <c>RunUntilComplete</c>, then the fake clock moves past the last.</summary>
    private void LoopScheduleAndFire(Func<Task> schedule)
    {
        _countdown.Reset(N);
        _loopRequests++;
        _loop!.RunUntilComplete(schedule);
        _clock!.Advance(TimeSpan.FromTicks(SpreadTicks));
        _countdown.Wait();
    }

    /// <summary>One ScheduleCancel invocation on the Mailbox loop: <paramref name="scheduleAndCancel"/> inside one <c>RunUntilComplete</c>, then a query that must find no timer left.</summary>
    private void LoopScheduleAndCancel(Func<Task> scheduleAndCancel)
    {
        _loopRequests++;
        _loop!.RunUntilComplete(scheduleAndCancel);
        PendingWork pending = _loop.QueryPendingAsync().GetAwaiter().GetResult();
        if (pending.PendingTimers != 0)
        {
            throw new InvalidOperationException($"Mailbox reports {pending.PendingTimers} pending timers after cancelling all.");
        }
    }

    /// <summary>On the heap loop: schedules the <see cref="N"/> timers of ScheduleFire.</summary>
    private void HeapScheduleTimers()
    {
        TimerHeapLoop loop = _heapLoop!;
        Action signal = _signal;
        for (int i = 0; i < N; i++)
        {
            loop.CallLater(i * SpreadTicks / N, signal);
        }
    }

    /// <summary>On the heap loop: schedules the <see cref="N"/> timers of ScheduleFireShuffled.</summary>
    private void HeapScheduleShuffled()
    {
        TimerHeapLoop loop = _heapLoop!;
        Action signal = _signal;
        foreach (long delay in s_shuffledDelays)
        {
            loop.CallLater(delay, signal);
        }
    }

    /// <summary>On the heap loop: schedules timers with <paramref name="delays"/>, each with a cancel flag (none is set).</summary>
    private void HeapScheduleFlagged(long[] delays)
    {
        TimerHeapLoop loop = _heapLoop!;
        Action signal = _signal;
        foreach (long delay in delays)
        {
            _ = loop.CallLaterCancellable(delay, signal);
        }
    }

    /// <summary>On the heap loop: schedules and cancels the <see cref="N"/> timers of ScheduleCancel, then peeks.</summary>
    private void HeapScheduleCancel()
    {
        TimerHeapLoop loop = _heapLoop!;
        TimerHeapLoop.CancelFlag?[] flags = _flags;
        Action signal = _signal;
        for (int i = 0; i < flags.Length; i++)
        {
            flags[i] = loop.CallLaterCancellable(CancelAfterTicks + (i * SpreadTicks / N), signal);
        }

        for (int i = 0; i < flags.Length; i++)
        {
            flags[i]!.Cancel();
            flags[i] = null;
        }

        _ = loop.TryPeekDue(out _);
        _heapLeft = loop.HeapCount;
        _countdown.Signal();
    }

    /// <summary>On the heap loop: the first DelayStep step.</summary>
    private void HeapStartSteps()
    {
        _heapStepsRun = 0;
        _heapLoop!.CallLater(0, _heapStep);
    }

    /// <summary>On the heap loop: one DelayStep step.</summary>
    private void HeapStep()
    {
        _countdown.Signal();
        if (++_heapStepsRun < DelaySteps)
        {
            _heapLoop!.CallLater(0, _heapStep);
        }
    }

    /// <summary>On the Mailbox loop: schedules the <see cref="N"/> timers of ScheduleFire.</summary>
    private Task LoopScheduleTimers()
    {
        LoopActor loop = _loop!;
        Action signal = _signal;
        for (int i = 0; i < N; i++)
        {
            _ = loop.CallLater(TimeSpan.FromTicks(i * SpreadTicks / N), signal);
        }

        return Task.CompletedTask;
    }

    /// <summary>On the Mailbox loop: schedules the <see cref="N"/> timers of ScheduleFireShuffled.</summary>
    private Task LoopScheduleShuffled()
    {
        LoopActor loop = _loop!;
        Action signal = _signal;
        foreach (long delay in s_shuffledDelays)
        {
            _ = loop.CallLater(TimeSpan.FromTicks(delay), signal);
        }

        return Task.CompletedTask;
    }

    /// <summary>The delays of ScheduleFire: timer i after <c>i * SpreadTicks / N</c> ticks.</summary>
    private static long[] InOrderDelays()
    {
        var delays = new long[N];
        for (int i = 0; i < N; i++)
        {
            delays[i] = i * SpreadTicks / N;
        }

        return delays;
    }

    /// <summary>The delays of ScheduleFire, shuffled with a fixed seed.</summary>
    private static long[] ShuffledDelays()
    {
        long[] delays = InOrderDelays();
        new Random(20261125).Shuffle(delays);
        return delays;
    }

    /// <summary>On the Mailbox loop: sets <see cref="N"/> state timers with <paramref name="delays"/>.</summary>
    private Task LoopScheduleTokens(long[] delays)
    {
        LoopActor loop = _loop!;
        CompletionCountdown countdown = _countdown;
        foreach (long delay in delays)
        {
            _ = loop.CallLater(TimeSpan.FromTicks(delay), s_countdownSignal, countdown);
        }

        return Task.CompletedTask;
    }

    /// <summary>On the Mailbox loop: schedules and cancels the <see cref="N"/> state timers of ScheduleCancel.</summary>
    private Task LoopScheduleCancelTokens()
    {
        LoopActor loop = _loop!;
        TimerToken[] tokens = _tokens;
        CompletionCountdown countdown = _countdown;
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = loop.CallLater(TimeSpan.FromTicks(CancelAfterTicks + (i * SpreadTicks / N)), s_countdownSignal, countdown);
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if (!tokens[i].Cancel())
            {
                throw new InvalidOperationException($"Cancelling state timer {i} returned false before it could fire.");
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>On the Mailbox loop: schedules and cancels the <see cref="N"/> timers of ScheduleCancel.</summary>
    private Task LoopScheduleCancel()
    {
        LoopActor loop = _loop!;
        TimerHandle?[] handles = _handles;
        Action signal = _signal;
        for (int i = 0; i < handles.Length; i++)
        {
            handles[i] = loop.CallLater(TimeSpan.FromTicks(CancelAfterTicks + (i * SpreadTicks / N)), signal);
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
}

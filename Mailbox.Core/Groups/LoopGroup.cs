namespace Mailbox;

/// <summary>
/// A small, fixed set of threads that many loops share: each loop spawned in the group is pinned to one of them for
/// life, as Netty binds many channels to one event loop. A grouped loop is a <see cref="LoopActor"/> like any other —
/// same API, options, events, metrics and <see cref="StopReport"/> — and its work runs on its one thread, one piece at a
/// time, interleaved with its siblings' turns (at most <see cref="LoopGroupOptions.TurnBudget"/> messages per turn).
/// </summary>
/// <remarks>
/// <para>A shared thread is shared fate: a callback that blocks holds up every loop of its thread (the slow-callback
/// event names the thread and how many loops it holds), and <see cref="LoopActor.RunUntilComplete(Func{Task})"/> from a
/// grouped loop onto a loop of another thread blocks every loop of the calling thread. Onto a loop of the same thread
/// (itself or a sibling) it would never return, so it throws <see cref="InvalidOperationException"/>.</para>
/// <para>Placement is round-robin over the threads, in spawn order.</para>
/// </remarks>
public sealed class LoopGroup : IAsyncDisposable
{
    /// <summary>The group's threads. Immutable.</summary>
    private readonly LoopThread[] _threads;

    /// <summary>Guards <see cref="_live"/>, <see cref="_stopping"/> and the report sums, so that a spawn and the group's stop never race.</summary>
    private readonly Lock _sync = new();

    /// <summary>Loops spawned and not finished (the group's stop stops each of them).</summary>
    private readonly HashSet<LoopActor> _live = new(ReferenceEqualityComparer.Instance);

    /// <summary>Completes once every thread has exited, with the report.</summary>
    private readonly TaskCompletionSource<LoopGroupReport> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The next thread in the round-robin.</summary>
    private int _next = -1;

    /// <summary>Whether the group's stop has begun (spawns are refused from then on).</summary>
    private bool _stopping;

    /// <summary>The group's stop, published by its first caller once every loop has been sent its stop.</summary>
    private Task<LoopGroupReport>? _stop;

    /// <summary>Loops the group ever spawned.</summary>
    private int _spawned;

    /// <summary>Report sums over every finished loop.</summary>
    private long _executed, _discarded;

    /// <summary>Report sums over every finished loop.</summary>
    private int _cancelledCoroutines, _cancelledTimers;

    /// <summary>Whether any finished loop's stop timed out.</summary>
    private bool _timedOut;

    private LoopGroup(string name, LoopGroupOptions options)
    {
        Name = name;
        _threads = new LoopThread[options.ThreadCount];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = LoopThread.CreateGrouped(name, i, options.IsBackground, options.TurnBudget);
        }

        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>The group's name; it names the threads (<c>Mailbox group 'name' #i</c>).</summary>
    public string Name { get; }

    /// <summary>How many threads the group's loops share.</summary>
    public int ThreadCount => _threads.Length;

    /// <summary>Loops spawned and not yet stopped.</summary>
    public int LoopCount
    {
        get
        {
            lock (_sync)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Completes, with the sums over every loop the group held, after every thread of the group has exited.</summary>
    public Task<LoopGroupReport> Completion => _completion.Task;

    /// <summary>Starts a group of <see cref="LoopGroupOptions.ThreadCount"/> threads.</summary>
    /// <param name="name">Names the group and its threads; need not be unique.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <returns>The running group.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LoopGroupOptions.ThreadCount"/> or <see cref="LoopGroupOptions.TurnBudget"/> is not positive.</exception>
    public static LoopGroup Create(string name, LoopGroupOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new LoopGroupOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ThreadCount, nameof(options) + "." + nameof(LoopGroupOptions.ThreadCount));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TurnBudget, nameof(options) + "." + nameof(LoopGroupOptions.TurnBudget));
        return new LoopGroup(name, options);
    }

    /// <summary>Spawns a loop pinned, for life, to the group's next thread in round-robin order.</summary>
    /// <param name="name">Names the loop in logs, events and metrics; need not be unique.</param>
    /// <param name="options">The loop's settings, as for <see cref="LoopActor.Spawn"/>; <see cref="LoopOptions.IsBackground"/> is the group's.</param>
    /// <returns>The running loop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A capacity or threshold in <paramref name="options"/> is not positive.</exception>
    /// <exception cref="LoopStoppedException">The group's stop has begun.</exception>
    public LoopActor Spawn(string name, LoopOptions? options = null)
    {
        options = LoopActor.ValidateSpawn(name, options);
        lock (_sync)
        {
            if (_stopping)
            {
                throw new LoopStoppedException($"Loop group '{Name}' is stopping: the spawn of loop '{name}' was refused.");
            }

            var thread = _threads[(int)((uint)++_next % (uint)_threads.Length)];
            var loop = LoopActor.SpawnOn(thread, this, name, options);
            _live.Add(loop);
            _spawned++;
            return loop;
        }
    }

    /// <summary>
    /// Stops the group: refuses new spawns, stops every loop with <paramref name="mode"/> and <paramref name="timeout"/>,
    /// then lets the threads exit. Idempotent: later calls return the first call's task.
    /// </summary>
    /// <param name="mode">The mode every loop is stopped with.</param>
    /// <param name="timeout">Each loop's stop timeout, on its own clock.</param>
    /// <returns>The sums over every loop the group held; it completes after every thread has exited.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>), or <paramref name="mode"/> is unknown.</exception>
    /// <remarks>
    /// A loop whose <see cref="LoopOptions.TimeProvider"/> fails to make or arm the timeout's timer is stopped without a
    /// timeout; one such exception (the first met: the loops are stopped in no set order) is thrown to this caller after
    /// every loop is stopping, and later calls return the stop's task.
    /// </remarks>
    public Task<LoopGroupReport> StopAsync(StopMode mode = StopMode.Drain, TimeSpan? timeout = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown StopMode.");
        }

        if (timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "A stop timeout must not be negative.");
        }

        bool first;
        LoopActor[] loops;
        lock (_sync)
        {
            first = !_stopping;
            _stopping = true;
            loops = first ? [.. _live] : [];
        }

        if (!first)
        {
            // The first caller publishes its task once it has sent the stop to every loop: within moments.
            SpinWait wait = default;
            Task<LoopGroupReport>? started;
            while ((started = Volatile.Read(ref _stop)) is null)
            {
                wait.SpinOnce();
            }

            return started;
        }

        // Every loop is Stopping before this returns, as one loop's StopAsync promises for itself: each stop only sends,
        // so this never blocks, not even on a loop of this group.
        var stops = new Task<StopReport>[loops.Length];
        Exception? armFailure = null;
        for (int i = 0; i < loops.Length; i++)
        {
            try
            {
                stops[i] = loops[i].StopAsync(mode, timeout);
            }
#pragma warning disable CA1031 // only a loop's TimeProvider can throw here (the arguments are checked): it is rethrown below
            catch (Exception e)
#pragma warning restore CA1031
            {
                // The loop's provider failed to make or arm the timeout's timer: that loop stops without a timeout, the
                // others as asked, and the caller hears about it once every loop is stopping.
                armFailure ??= e;
                stops[i] = loops[i].StopAsync(mode);
            }
        }

        var stop = FinishStopAsync(loops, stops);
        Volatile.Write(ref _stop, stop);
        if (armFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(armFailure);
        }

        return stop;
    }

    /// <summary>Stops the group with <see cref="StopMode.Drain"/> and waits for its threads to exit.</summary>
    /// <returns>A task that completes when the group has stopped.</returns>
    public ValueTask DisposeAsync() => new(StopAsync(StopMode.Drain));

    /// <summary>A loop's last act, on its thread: its sums join the group's and it leaves the live set.</summary>
    internal void OnLoopFinished(LoopActor loop, long executed, long discarded, int cancelledCoroutines, int cancelledTimers, bool timedOut)
    {
        lock (_sync)
        {
            _live.Remove(loop);
            _executed += executed;
            _discarded += discarded;
            _cancelledCoroutines += cancelledCoroutines;
            _cancelledTimers += cancelledTimers;
            _timedOut |= timedOut;
        }
    }

    private async Task<LoopGroupReport> FinishStopAsync(LoopActor[] loops, Task<StopReport>[] stops)
    {
        // A loop stuck in a callback completes its stop at its timeout but not its Completion, and the group's threads
        // exit only once every loop has finished. As for one loop, the stop then completes at the timeout with what is
        // known (TimedOut), and Completion still waits for the threads.
        await Task.WhenAll(stops).ConfigureAwait(false);
        var finishing = FinishAsync(loops);
        if (!finishing.IsCompleted && loops.Any(l => !l.Completion.IsCompleted && l.StopAsync().Result.TimedOut))
        {
            lock (_sync)
            {
                long executed = _executed, discarded = _discarded;
                int coroutines = _cancelledCoroutines, timers = _cancelledTimers;
                foreach (var loop in loops.Where(l => !l.Completion.IsCompleted))
                {
                    var stopped = loop.StopAsync().Result; // completed: awaited above
                    (executed, discarded) = (executed + stopped.Executed, discarded + stopped.Discarded);
                    (coroutines, timers) = (coroutines + stopped.CancelledCoroutines, timers + stopped.CancelledTimers);
                }

                return new LoopGroupReport(_spawned, executed, discarded, coroutines, timers, TimedOut: true);
            }
        }

        return await finishing.ConfigureAwait(false);
    }

    /// <summary>Waits for every loop to finish and every thread to exit, then completes <see cref="Completion"/>.</summary>
    private async Task<LoopGroupReport> FinishAsync(LoopActor[] loops)
    {
        foreach (var loop in loops)
        {
            await loop.Completion.ConfigureAwait(false);
        }

        foreach (var thread in _threads)
        {
            thread.ExitWhenEmpty();
        }

        foreach (var thread in _threads)
        {
            await thread.Exited.ConfigureAwait(false);
        }

        LoopGroupReport report;
        lock (_sync)
        {
            report = new LoopGroupReport(_spawned, _executed, _discarded, _cancelledCoroutines, _cancelledTimers, _timedOut);
        }

        _completion.TrySetResult(report);
        return report;
    }
}

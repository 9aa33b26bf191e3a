namespace Mailbox;

/// <summary>
/// One <see cref="TimeProvider"/> as seen by one <see cref="LoopThread"/>: a heap of the earliest due time of each loop of
/// the thread that uses this provider, and the one provider <see cref="ITimer"/> armed for the earliest of them.
/// </summary>
/// <remarks>
/// Owned by its thread; never locked. A loop registers its earliest due time only when it moves earlier
/// (<see cref="Register"/>), so the heap holds about one entry per loop with timers. Entries are not removed when they go
/// stale (a later timer, a loop that fired its timers on its own, a finished loop): an entry is live only while its
/// loop's <see cref="LoopActor.ClockDue"/> still equals the entry's due time, and a stale one is dropped when it reaches
/// the top. A finished loop clears <see cref="ClockEntry.Loop"/>, so the heap never keeps a stopped loop alive.
/// </remarks>
internal sealed class LoopClock : IDisposable
{
    /// <summary>Re-arms of the provider timer when the clock moved while it was armed (see <see cref="Arm"/>).</summary>
    private const int MaxRearms = 3;

    /// <summary>The thread this clock wakes.</summary>
    private readonly LoopThread _thread;

    /// <summary>Each registered loop's earliest due time, in ticks of <see cref="Provider"/>.</summary>
    private readonly PriorityQueue<ClockEntry, long> _due = new();

    /// <summary>The provider timer, created on first need.</summary>
    private ITimer? _timer;

    /// <summary>The due time <see cref="_timer"/> is armed for; <see cref="long.MaxValue"/> when disarmed.</summary>
    private long _armedDue = long.MaxValue;

    /// <summary>Set by the provider timer's callback (any thread); cleared by the thread when it takes what is due.</summary>
    private int _fired;

    public LoopClock(LoopThread thread, TimeProvider provider)
    {
        _thread = thread;
        Provider = provider;
    }

    /// <summary>The provider.</summary>
    public TimeProvider Provider { get; }

    /// <summary>Loops of the thread that use this provider and have not finished.</summary>
    public int Loops { get; set; }

    /// <summary>Whether no loop uses this clock any more.</summary>
    public bool IsUnused => Loops == 0;

    /// <summary>The provider's time, in ticks.</summary>
    public long Now() => Provider.GetUtcNow().UtcTicks;

    /// <summary>Records that <paramref name="entry"/>'s loop has a timer due at <paramref name="due"/>, earlier than it had registered.</summary>
    /// <returns>False if the provider's clock has already reached the earliest due time (the thread must fire its clocks).</returns>
    public bool Register(ClockEntry entry, long due)
    {
        _thread.AssertOwner();
        _due.Enqueue(entry, due);

        // Armed for a later time (or not at all): arm now, so a busy thread that never parks still wakes for it.
        return due >= _armedDue || Arm();
    }

    /// <summary>Moves every loop whose registered due time has passed to <paramref name="ready"/>, then arms for the next.</summary>
    public void TakeDue(Queue<LoopActor> ready)
    {
        _thread.AssertOwner();
        if (Interlocked.Exchange(ref _fired, 0) != 0)
        {
            _armedDue = long.MaxValue;
        }

        do
        {
            long now = Now();
            while (_due.TryPeek(out var entry, out long due) && due <= now)
            {
                _due.Dequeue();
                if (entry.Loop is { } loop && loop.ClockDue == due)
                {
                    loop.ClockDue = long.MaxValue;
                    if (loop.TryScheduleForTimers())
                    {
                        ready.Enqueue(loop);
                    }
                }
            }
        }
        while (!Arm()); // the clock moved past the next due time while we armed for it: take that one too
    }

    /// <summary>Arms the provider timer for the earliest live entry (idempotent); false if one is due already (the thread must not park).</summary>
    public bool Arm()
    {
        _thread.AssertOwner();
        long due = long.MaxValue;
        while (_due.TryPeek(out var entry, out long d))
        {
            if (entry.Loop is { } loop && loop.ClockDue == d)
            {
                due = d;
                break;
            }

            _due.Dequeue();
        }

        if (due == long.MaxValue)
        {
            if (_armedDue != long.MaxValue)
            {
                _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _armedDue = long.MaxValue;
            }

            return true;
        }

        long now = Now();
        if (due <= now)
        {
            return false;
        }

        if (due == _armedDue)
        {
            return true;
        }

        // A provider timer is armed relative to the provider's clock at Change. A clock that moved between our reading
        // and Change (a FakeTimeProvider.Advance from another thread, say) arms it late by that much — with a fake clock,
        // for ever. So read the clock again: if it passed the due time, don't park; if it moved, arm again from the new
        // reading. A fake clock moves only when advanced, so an unchanged reading proves the arming exact; a real clock
        // moves by microseconds between two readings, so a bounded number of re-arms keeps the error to those.
        for (int attempt = 0; ; attempt++)
        {
            // Far-off timers are armed in steps: a provider timer may not accept a due time of months.
            var dueIn = TimeSpan.FromTicks(Math.Min(due - now, TimeSpan.TicksPerDay * 7));
            _timer ??= Provider.CreateTimer(static s => ((LoopClock)s!).OnFired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
            _armedDue = due;
            long after = Now();
            if (after >= due)
            {
                return false;
            }

            if (after == now || attempt == MaxRearms)
            {
                return true;
            }

            now = after;
        }
    }

    /// <summary>
    /// After the provider threw while this clock fired or armed: schedules each registered loop, so that its own turn
    /// reads the clock and meets the failure itself if it lasts. Registrations and the arming stay as they were: an
    /// entry is taken as usual once the clock works again (the loop then has one turn more than it needed), and
    /// <see cref="_armedDue"/> is written only after an arming that did not throw.
    /// </summary>
    public void Release(Queue<LoopActor> ready)
    {
        _thread.AssertOwner();
        foreach (var (entry, due) in _due.UnorderedItems)
        {
            if (entry.Loop is { } loop && loop.ClockDue == due && loop.TryScheduleForTimers())
            {
                ready.Enqueue(loop);
            }
        }
    }

    /// <summary>Disposes the provider timer.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        _armedDue = long.MaxValue;
    }

    /// <summary>The provider timer's callback, on whatever thread the provider uses: only a flag and a wake-up.</summary>
    private void OnFired()
    {
        Interlocked.Exchange(ref _fired, 1);
        _thread.OnClockFired();
    }
}

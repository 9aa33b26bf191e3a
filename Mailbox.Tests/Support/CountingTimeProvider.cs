namespace Mailbox.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> that passes everything to an inner one (a FakeTimeProvider) and counts the
/// <see cref="ITimer"/>s created through it and not yet disposed (what a loop or a group has armed and still holds), and
/// the clock's reads.
/// </summary>
public sealed class CountingTimeProvider(TimeProvider inner) : ForwardingTimeProvider(inner)
{
    /// <summary>Timers created; written by whichever thread creates one.</summary>
    private int _created;

    /// <summary>Timers disposed; written by whichever thread disposes one.</summary>
    private int _disposed;

    /// <summary>Clock reads; written by whichever thread reads.</summary>
    private long _reads;

    /// <summary>Provider timers created so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Provider timers created and not yet disposed.</summary>
    public int Live => Volatile.Read(ref _created) - Volatile.Read(ref _disposed);

    /// <summary>Reads of the clock (<see cref="GetUtcNow"/>) so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _reads);
        return Inner.GetUtcNow();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Inner.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _created);
        return new CountedTimer(this, timer);
    }

    /// <summary>Counts its own disposal once, however often it is disposed.</summary>
    private sealed class CountedTimer(CountingTimeProvider owner, ITimer timer) : ITimer
    {
        /// <summary>1 once disposed.</summary>
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Increment(ref owner._disposed);
            }

            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

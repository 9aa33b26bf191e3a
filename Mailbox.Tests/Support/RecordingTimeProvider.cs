using System.Collections.Concurrent;

namespace Mailbox.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> that passes everything to an inner one (a FakeTimeProvider) and records the due time of
/// every <see cref="ITimer.Change"/> on the timers created through it (how a thread's clock arms its one provider timer),
/// and how many it made and how many were disposed.
/// </summary>
public sealed class RecordingTimeProvider(TimeProvider inner) : ForwardingTimeProvider(inner)
{
    private readonly ConcurrentQueue<TimeSpan> _changes = new();

    private int _created;

    private int _disposed;

    /// <summary>Timers made through this provider; any thread.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Calls to <see cref="ITimer.Dispose"/> on them; any thread.</summary>
    public int Disposed => Volatile.Read(ref _disposed);

    /// <summary>Called on the creating thread before each timer is made (a test holds a creator there).</summary>
    public Action? BeforeCreate { get; set; }

    /// <summary>The due time of each <see cref="ITimer.Change"/>, in call order.</summary>
    public IReadOnlyList<TimeSpan> Changes => [.. _changes];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        BeforeCreate?.Invoke();
        Interlocked.Increment(ref _created);
        return new WatchedTimer(Inner.CreateTimer(callback, state, dueTime, period), _changes.Enqueue, () => Interlocked.Increment(ref _disposed));
    }
}

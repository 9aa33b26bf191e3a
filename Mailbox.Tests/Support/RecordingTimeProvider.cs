using System.Collections.Concurrent;

namespace Mailbox.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> that passes everything to an inner one (a FakeTimeProvider) and records the due time of
/// every <see cref="ITimer.Change"/> on the timers created through it: how a thread's clock arms its one provider timer.
/// </summary>
public sealed class RecordingTimeProvider(TimeProvider inner) : ForwardingTimeProvider(inner)
{
    private readonly ConcurrentQueue<TimeSpan> _changes = new();

    /// <summary>The due time of each <see cref="ITimer.Change"/>, in call order.</summary>
    public IReadOnlyList<TimeSpan> Changes => [.. _changes];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new WatchedTimer(Inner.CreateTimer(callback, state, dueTime, period), _changes.Enqueue);
}

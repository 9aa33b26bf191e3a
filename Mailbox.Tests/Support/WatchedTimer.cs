namespace Mailbox.Tests.Support;

/// <summary>
/// A provider timer that passes everything to an inner one, telling <paramref name="beforeChange"/> each due time just
/// before it is set: what the test providers that watch or steer a thread's arming of its clock have in common.
/// </summary>
/// <param name="inner">The timer made by the inner provider.</param>
/// <param name="beforeChange">Called with the due time of every <see cref="ITimer.Change"/>, before it reaches <paramref name="inner"/>; what it throws, the change throws.</param>
public sealed class WatchedTimer(ITimer inner, Action<TimeSpan> beforeChange) : ITimer
{
    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        beforeChange(dueTime);
        return inner.Change(dueTime, period);
    }

    public void Dispose() => inner.Dispose();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

namespace Mailbox.Tests.Support;

/// <summary>
/// A provider timer that passes everything to an inner one, telling <paramref name="beforeChange"/> each due time just
/// before it is set: what the test providers that watch or steer a thread's arming of its clock have in common.
/// </summary>
/// <param name="inner">The timer made by the inner provider.</param>
/// <param name="beforeChange">Called with the due time of every <see cref="ITimer.Change"/>, before it reaches <paramref name="inner"/>; what it throws, the change throws.</param>
/// <param name="onDispose">Called at every <see cref="Dispose"/>, if given.</param>
public sealed class WatchedTimer(ITimer inner, Action<TimeSpan> beforeChange, Action? onDispose = null) : ITimer
{
    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        beforeChange(dueTime);
        return inner.Change(dueTime, period);
    }

    public void Dispose()
    {
        onDispose?.Invoke();
        inner.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        onDispose?.Invoke();
        return inner.DisposeAsync();
    }
}

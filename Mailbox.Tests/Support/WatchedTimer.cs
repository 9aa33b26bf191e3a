namespace Mailbox.Tests.Support;

/// <summary>
/// A provider timer that passes everything to an inner one, telling <paramref name="beforeChange"/> each due time just
/// before it is set: what the test providers that watch or steer a thread's arming of its clock have in common.
/// </summary>
/// <param name="inner">The timer made by the inner provider.</param>
/// <param name="beforeChange">Called with the due time of every <see cref="ITimer.Change"/>, before it reaches <paramref name="inner"/>; what it throws, the change throws.</param>
/// <param name="onDispose">Called at every <see cref="Dispose"/>, if given.</param>
/// <param name="afterChange">
/// Called with the due time of every <see cref="ITimer.Change"/> once <paramref name="inner"/> has taken it, if given: what
/// a test that waits for an arming must count, since a clock advanced between the count and the inner change would arm
/// the inner timer from the advanced time (late by the whole advance).
/// </param>
public sealed class WatchedTimer(ITimer inner, Action<TimeSpan> beforeChange, Action? onDispose = null, Action<TimeSpan>? afterChange = null) : ITimer
{
    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        beforeChange(dueTime);
        bool changed = inner.Change(dueTime, period);
        afterChange?.Invoke(dueTime);
        return changed;
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

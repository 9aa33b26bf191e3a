namespace Mailbox.Tests.Support;

/// <summary>
/// A <see cref="TimeProvider"/> that passes the clock to an inner one (a FakeTimeProvider): the base of the test
/// providers that watch or steer what a loop does with its clock, each overriding only what it watches.
/// </summary>
public abstract class ForwardingTimeProvider(TimeProvider inner) : TimeProvider
{
    /// <summary>The provider everything is passed to.</summary>
    protected TimeProvider Inner { get; } = inner;

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Inner.CreateTimer(callback, state, dueTime, period);
}

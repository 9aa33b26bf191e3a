using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>Bad timer input fails at the call and loses nothing already accepted; a due time in the past fires at the next turn.</summary>
public abstract class TimerBadInputTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    public static TheoryData<string> BadDelays => ["negative", "infinite", "beyond the clock"];

    public static TheoryData<string> BadPeriods => ["zero", "negative", "infinite", "beyond the clock"];

    [Theory]
    [MemberData(nameof(BadDelays))]
    public async Task CallLater_BadDelay_ThrowsArgumentOutOfRangeAndLosesNothing(string which)
    {
        var delay = Parse(which);
        await AssertRefusedKeepingAcceptedWorkAsync<ArgumentOutOfRangeException>(loop => loop.CallLater(delay, () => { }));
    }

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public async Task CallEvery_BadPeriod_ThrowsArgumentOutOfRangeAndLosesNothing(string which)
    {
        var period = Parse(which);
        await AssertRefusedKeepingAcceptedWorkAsync<ArgumentOutOfRangeException>(loop => loop.CallEvery(period, () => { }));
    }

    [Fact]
    public async Task CallLater_NullCallback_ThrowsArgumentNullAndLosesNothing() =>
        await AssertRefusedKeepingAcceptedWorkAsync<ArgumentNullException>(loop => loop.CallLater(OneSecond, null!));

    [Fact]
    public async Task CallAt_NullCallback_ThrowsArgumentNullAndLosesNothing() =>
        await AssertRefusedKeepingAcceptedWorkAsync<ArgumentNullException>(loop => loop.CallAt(DateTimeOffset.UnixEpoch, null!));

    [Fact]
    public async Task CallEvery_NullCallback_ThrowsArgumentNullAndLosesNothing() =>
        await AssertRefusedKeepingAcceptedWorkAsync<ArgumentNullException>(loop => loop.CallEvery(OneSecond, null!));

    [Fact]
    public async Task CallLater_BadInputOnTheLoopThread_ThrowsAtTheCallAndTheLoopGoesOn()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var kinds = await WithinAsync(loop.RunAsync(() =>
        {
            loop.CallLater(OneSecond, () => probe.Tell("kept"));
            var thrown = new List<Type?>
            {
                Catch(() => loop.CallLater(TimeSpan.FromTicks(-1), () => { })),
                Catch(() => loop.CallLater(Timeout.InfiniteTimeSpan, () => { })),
                Catch(() => loop.CallEvery(TimeSpan.Zero, () => { })),
                Catch(() => loop.CallEvery(Timeout.InfiniteTimeSpan, () => { })),
                Catch(() => loop.CallAt(fake.GetUtcNow(), null!)),
            };
            return Task.FromResult(thrown.ToArray());
        }));

        Assert.Equal(
            [typeof(ArgumentOutOfRangeException), typeof(ArgumentOutOfRangeException), typeof(ArgumentOutOfRangeException), typeof(ArgumentOutOfRangeException), typeof(ArgumentNullException)],
            kinds);
        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync("kept", Patience);
    }

    [Fact]
    public async Task CallAt_DueInThePastFromAForeignThread_FiresWithoutTheClockMoving()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var start = fake.GetUtcNow();
        var handle = loop.CallAt(start - TimeSpan.FromHours(1), () => probe.Tell(fake.GetUtcNow()));
        await probe.ExpectMsgAsync(start, Patience);
        Assert.True(handle.HasFired);
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
    }

    [Fact]
    public async Task CallAt_DueInThePastFromTheLoopThread_FiresAtTheNextTurnNotInline()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        await loop.RunAsync(() =>
        {
            loop.CallAt(fake.GetUtcNow() - OneSecond, () => probe.Tell("past timer fired"));
            loop.CallAt(DateTimeOffset.MinValue, () => probe.Tell("earliest timer fired"));
            probe.Tell("scheduling done");
            return Task.CompletedTask;
        });

        await probe.ExpectMsgAsync("scheduling done", Patience);
        await probe.ExpectMsgAsync("earliest timer fired", Patience); // due order, even in the past
        await probe.ExpectMsgAsync("past timer fired", Patience);
    }

    [Fact]
    public async Task CallLater_AfterStopAsync_ThrowsLoopStoppedAndAcceptedWorkStillRuns()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        loop.Post(() => probe.Tell("accepted before the stop"));
        var stop = loop.StopAsync();

        Assert.Throws<LoopStoppedException>(() => loop.CallLater(OneSecond, () => probe.Tell("after stop")));
        Assert.Throws<LoopStoppedException>(() => loop.CallAt(fake.GetUtcNow(), () => probe.Tell("after stop")));
        Assert.Throws<LoopStoppedException>(() => loop.CallEvery(OneSecond, () => probe.Tell("after stop")));

        await probe.ExpectMsgAsync("accepted before the stop", Patience);
        var report = await WithinAsync(stop);
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(0, report.CancelledTimers);

        // Still refused once the loop has stopped for good.
        Assert.Throws<LoopStoppedException>(() => loop.CallLater(TimeSpan.Zero, () => probe.Tell("after stop")));
        fake.Advance(OneSecond);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    /// <summary>Schedules a timer and a post, makes <paramref name="badCall"/> from this thread, and checks both still run.</summary>
    private async Task AssertRefusedKeepingAcceptedWorkAsync<TException>(Func<LoopActor, TimerHandle> badCall)
        where TException : Exception
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var kept = loop.CallLater(OneSecond, () => probe.Tell("timer kept"));
        loop.Post(() => probe.Tell("post kept"));

        Assert.Throws<TException>(() => badCall(loop));

        await probe.ExpectMsgAsync("post kept", Patience);
        var pending = await loop.QueryPendingAsync();
        Assert.Equal(1, pending.PendingTimers);
        Assert.Equal(fake.GetUtcNow() + OneSecond, pending.NextTimerDue);
        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync("timer kept", Patience);
        Assert.True(kept.HasFired);
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.CancelledTimers);
    }

    private static TimeSpan Parse(string which) => which switch
    {
        "zero" => TimeSpan.Zero,
        "negative" => TimeSpan.FromTicks(-1),
        "infinite" => Timeout.InfiniteTimeSpan,
        "beyond the clock" => TimeSpan.MaxValue,
        _ => throw new ArgumentOutOfRangeException(nameof(which), which, "unknown case"),
    };

    private static Type? Catch(Action call)
    {
        try
        {
            call();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.GetType();
        }
    }
}

/// <summary><see cref="TimerBadInputTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerBadInputTests_Dedicated(ITestOutputHelper output) : TimerBadInputTests(output);

/// <summary><see cref="TimerBadInputTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerBadInputTests_Grouped(ITestOutputHelper output) : TimerBadInputTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// The edges of a stop's timeout: infinite is no timeout at all, zero is a valid one, and the report a stuck loop's
/// stop completes with at the timeout counts what is known then, exactly.
/// </summary>
public abstract class StopTimeoutTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task StopAsync_InfiniteTimeout_IsNoTimeoutAndCompletesWithTheLoop()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        loop.Post(() => { });

        var stop = loop.StopAsync(StopMode.Drain, Timeout.InfiniteTimeSpan);

        Assert.Same(loop.Completion, stop); // no timer, no task of its own
        var report = await WithinAsync(stop);
        Assert.False(report.TimedOut);
        Assert.Equal(1, report.Executed);
    }

    [Fact]
    public async Task StopAsync_ATimedStopThatLosesTheRaceToAnother_ReturnsTheWinnersTask_AndDisposesTheTimerItMade()
    {
        // The timeout's timer is made before the race for the stop (a provider that throws must leave the loop as it
        // was). A timed stopper held inside the provider while another stop wins must return the winner's task and
        // not leave its unarmed timer behind.
        var clock = new RecordingTimeProvider(new FakeTimeProvider());
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        loop.Post(static () => { });
        var creating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        int held = 0;
        clock.BeforeCreate = () =>
        {
            if (Interlocked.Exchange(ref held, 1) == 0)
            {
                creating.SetResult();
                release.Wait(Patience);
            }
        };
        int created = clock.Created, disposed = clock.Disposed;
        var timed = OnDedicatedThread(() => loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(5)));
        await WithinAsync(creating.Task);

        var winner = loop.StopAsync(StopMode.Drain);
        release.Set();

        Assert.Same(winner, await WithinAsync(timed));
        Assert.Equal((created + 1, disposed + 1), (clock.Created, clock.Disposed));
        var report = await WithinAsync(winner);
        Assert.False(report.TimedOut);
        Assert.Equal(1, report.Executed);
    }

    [Fact]
    public async Task StopAsync_ZeroTimeout_IsAcceptedAndStopsTheLoop()
    {
        var clock = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            TimeProvider = clock,
            Observer = new ProbeObserver(probe, e => e is LoopStopping or LoopStopped),
        });

        var report = await WithinAsync(loop.StopAsync(StopMode.Drain, TimeSpan.Zero));

        // Whichever the loop takes first, the stop or its (already passed) timeout, the stop begins exactly once.
        await probe.ExpectMsgAsync<LoopStopping>(Patience);
        Assert.Equal(report, (await probe.ExpectMsgAsync<LoopStopped>(Patience)).Report);
        Assert.Equal(LoopState.Stopped, loop.State);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task StopAsync_TimeoutWhileACallbackIsStuck_ReportsTheModeAndAnExactSplitOfTheAccepted()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        using var gate = new Gate();
        var never = new TaskCompletionSource();
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async () => { probe.Tell("started"); await never.Task; });
        await probe.ExpectMsgAsync("started", Patience);
        loop.Post(() => { });
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });
        loop.Post(() => { });
        const int Accepted = 5;

        var stop = loop.StopAsync(StopMode.Immediate, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var early = await WithinAsync(stop);

        Assert.Equal(StopMode.Immediate, early.Mode);
        Assert.True(early.TimedOut);
        Assert.InRange(early.Executed, 2, 3); // the messages before the stuck one; the stuck one may count already
        Assert.Equal(Accepted, early.Executed + early.Discarded);
        Assert.Equal(1, early.CancelledCoroutines); // the live coroutine, which the loop has not reached yet
        Assert.False(loop.Completion.IsCompleted);

        gate.Open();
        var final = await WithinAsync(loop.Completion);
        Assert.Equal(StopMode.Immediate, final.Mode);
        Assert.Equal(3, final.Executed);
        Assert.Equal(2, final.Discarded);
        Assert.Equal(1, final.CancelledCoroutines);
        Assert.True(final.TimedOut);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        never.SetResult();
    }

    [Fact]
    public async Task StopAsync_TimeoutPassesAfterTheStopBegan_PublishesStoppingOnceThenStopped()
    {
        var clock = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            TimeProvider = clock,
            Observer = new ProbeObserver(probe, e => e is LoopStopping or LoopStopped),
        });
        var never = new TaskCompletionSource();
        var coroutine = loop.RunAsync(async () => { probe.Tell("started"); await never.Task; });
        await probe.ExpectMsgAsync("started", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        Assert.Equal(StopMode.Drain, (await probe.ExpectMsgAsync<LoopStopping>(Patience)).Mode);
        clock.Advance(TimeSpan.FromSeconds(1)); // the drain waits on the coroutine: the timeout ends it

        // The timeout's own pass over the stop must not begin it a second time.
        var stopped = await probe.ExpectMsgAsync<LoopStopped>(Patience);
        Assert.True(stopped.Report.TimedOut);
        await probe.ExpectMsgAsync(ProbeObserver.Completed, Patience);
        Assert.Equal(stopped.Report, await WithinAsync(stop));
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        never.SetResult();
    }

    [Fact]
    public async Task StopAsync_TimeoutWithACoroutineThatHonoursItsToken_LetsItEndCancelled()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            await Task.Delay(Timeout.Infinite, token); // ends at the cancel; its continuation is a step on the loop
        });
        await probe.ExpectMsgAsync("started", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var report = await WithinAsync(stop);

        // Not abandoned: the timeout ran the coroutine's last step, so its task ends as the coroutine did.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(coroutine));
        Assert.True(coroutine.IsCanceled);
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.CancelledCoroutines);
    }

    [Fact]
    public async Task StopAsync_BadArguments_ThrowWithAMessageThatSaysWhy()
    {
        await using var loop = Spawn();

        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = loop.StopAsync((StopMode)9); });
        var timeout = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = loop.StopAsync(StopMode.Drain, TimeSpan.FromTicks(-1)); });

        Assert.Contains("Unknown StopMode", mode.Message, StringComparison.Ordinal);
        Assert.Contains("must not be negative", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Running, loop.State);
    }

    [Fact]
    public async Task StopAsync_CoroutinesNeverStartedOrAbandoned_EndWithAMessageThatSaysWhich()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        using var gate = new Gate();
        var never = new TaskCompletionSource();
        var probe = CreateTestProbe();
        var abandoned = loop.RunAsync(async () => { probe.Tell("started"); await never.Task; });
        await probe.ExpectMsgAsync("started", Patience);
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var unstarted = loop.RunAsync(() => Task.FromResult(1));

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        gate.Open();
        await WithinAsync(loop.Completion);

        var notStarted = await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(unstarted));
        var gaveUp = await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(abandoned));
        Assert.Contains("before it started this coroutine", notStarted.Message, StringComparison.Ordinal);
        Assert.Contains("abandoned this coroutine at its stop timeout", gaveUp.Message, StringComparison.Ordinal);
        Assert.True((await WithinAsync(stop)).TimedOut);
        never.SetResult();
    }
}

/// <summary><see cref="StopTimeoutTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopTimeoutTests_Dedicated(ITestOutputHelper output) : StopTimeoutTests(output);

/// <summary><see cref="StopTimeoutTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopTimeoutTests_Grouped(ITestOutputHelper output) : StopTimeoutTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

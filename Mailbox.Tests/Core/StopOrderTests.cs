using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// A stop meets other control messages in a fixed order behind a held loop: a timeout that is on the lane before the stop,
/// a timeout that ends the loop while a step still waits, a timer its owner cancelled after the stop was sent.
/// </summary>
public abstract class StopOrderTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task StopAsync_ZeroTimeoutAheadOfTheStop_BeginsTheStopBeforeItEndsTheCoroutines()
    {
        var clock = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            TimeProvider = clock,
            Observer = new ProbeObserver(probe, e => e is LoopStopping),
        });
        var coroutine = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                probe.Tell("ended");
            }
        });
        await probe.ExpectMsgAsync("started", Patience);
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();

        // A zero timeout on the fake clock passes inside StopAsync, before the stop is sent: the held loop finds the
        // timeout's message ahead of the stop's, and the timeout must begin the stop itself.
        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.Zero);
        gate.Open();

        Assert.Equal(StopMode.Drain, (await probe.ExpectMsgAsync<LoopStopping>(Patience)).Mode);
        await probe.ExpectMsgAsync("ended", Patience);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(coroutine));
        var final = await WithinAsync(loop.Completion);
        Assert.True(final.TimedOut);
        Assert.Equal(1, final.CancelledCoroutines);
        Assert.True((await WithinAsync(stop)).TimedOut); // completed at the timeout, while the gate held the loop
        await probe.ExpectMsgAsync(ProbeObserver.Completed, Patience); // and no second LoopStopping before it
    }

    [Fact]
    public async Task StopAsync_TimeoutPassesWhileAStepOfACallbackWaits_EndsTheLoopWithoutRunningIt()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        using var gate = new Gate();
        bool stepRan = false;
        loop.Post(() =>
        {
            // A step of no coroutine (what an async void callback leaves behind), then the loop is held.
            SynchronizationContext.Current!.Post(_ => stepRan = true, null);
            gate.Hold();
        });
        await gate.EnteredAsync();

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        gate.Open();
        var report = await WithinAsync(loop.Completion);

        Assert.False(stepRan); // the timeout ends the loop at once: no live coroutine waits for it, so nothing more runs
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.Executed);
        Assert.True((await WithinAsync(stop)).TimedOut);
    }

    [Fact]
    public async Task StopAsyncDrain_TimerCancelledByItsOwnerAfterTheStopWasSent_IsNotCountedAndDelaysStillFire()
    {
        TimerHandle? handle = null;
        await DrainWithATimerItsOwnerCancelsAsync((loop, probe) =>
        {
            handle = loop.CallLater(TimeSpan.FromSeconds(10), () => probe.Tell("fired"));
            return handle.Cancel;
        });
        Assert.True(handle!.IsCancelled);
        Assert.False(handle.HasFired);
    }

    [Fact]
    public async Task StopAsyncDrain_TokenTimerCancelledByItsOwnerAfterTheStopWasSent_IsNotCountedAndDelaysStillFire()
    {
        TimerToken token = default;
        await DrainWithATimerItsOwnerCancelsAsync((loop, probe) =>
        {
            token = loop.CallLater(TimeSpan.FromSeconds(10), static p => p.Tell("fired"), probe);
            return () => token.Cancel();
        });
        Assert.False(token.Cancel()); // cancelled once, by its owner
    }

    /// <summary>
    /// A drain that waits on a coroutine's delay, and a timer set on the loop that its owner cancels from this thread
    /// after the stop was sent and before the held loop has seen the stop: the cancel's message follows the stop's. The
    /// stop's clean-up must leave the timer queue's count right, so the delay still fires and the drain ends.
    /// </summary>
    private async Task DrainWithATimerItsOwnerCancelsAsync(Func<LoopActor, TestProbe, Func<bool>> setTimer)
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async () =>
        {
            probe.Tell("waiting");
            await LoopActor.Delay(TimeSpan.FromSeconds(1));
            return "woke";
        });
        await probe.ExpectMsgAsync("waiting", Patience);
        using var gate = new Gate();
        Func<bool>? cancel = null;
        loop.Post(() =>
        {
            cancel = setTimer(loop, probe); // on the loop thread: straight into its timer queue
            gate.Hold();
        });
        await gate.EnteredAsync();

        var stop = loop.StopAsync(StopMode.Drain);
        Assert.True(cancel!()); // the owner wins: the stop has not reached the loop yet
        gate.Open();
        clock.Advance(TimeSpan.FromSeconds(1)); // the drain waits on the coroutine's delay, which a drain leaves alone

        Assert.Equal("woke", await WithinAsync(coroutine));
        var report = await WithinAsync(stop);
        Assert.Equal(0, report.CancelledTimers); // the owner cancelled it, not the stop
        await probe.ExpectNoMsgAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task StopAsync_TimeoutWhileACoroutineStepWaitsInTheInbox_RunsThatStepInsteadOfAbandoningIt()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        var resume = new TaskCompletionSource<int>();
        var coroutine = loop.RunAsync(async () =>
        {
            probe.Tell("started");
            return await resume.Task + 1;
        });
        await probe.ExpectMsgAsync("started", Patience);
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        resume.SetResult(41); // from this thread: the coroutine's next step waits in the loop's inbox, behind the gate

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        gate.Open();

        // The timeout gives cancelled coroutines their waiting steps first, those from other threads included.
        Assert.Equal(42, await WithinAsync(coroutine));
        var report = await WithinAsync(loop.Completion);
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.CancelledCoroutines); // cancelled at the timeout, then it ended on its own
        Assert.True((await WithinAsync(stop)).TimedOut);
    }

    [Fact]
    public async Task StopAsync_TimeoutCancelsACoroutineThatThenSetsADelay_TheDelayIsRefused()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                await LoopActor.Delay(TimeSpan.FromSeconds(1), CancellationToken.None); // clean-up on the loop's clock, after the timeout
            }
        });
        await probe.ExpectMsgAsync("started", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var report = await WithinAsync(stop);

        // The timeout abandons the data lane before it cancels: a delay set by the cancelled coroutine is refused at
        // once (not taken, cancelled and counted a moment later), so the coroutine ends with that refusal.
        var refused = await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        Assert.Contains("has cancelled its timers", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.CancelledTimers);
        Assert.Equal(1, report.CancelledCoroutines);
        Assert.True(report.TimedOut);
    }

    [Fact]
    public async Task StopAsync_TimeoutWithACoroutineThatYieldsForever_RunsItsStepBudgetThenAbandonsIt()
    {
        const int TimeoutStepBudget = 10_000; // LoopActor.TimeoutStepBudget: the steps a timeout lets cancelled coroutines run
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        int afterCancel = 0;
        var coroutine = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            while (true) // ignores its token: counts the steps it gets once the token is cancelled
            {
                if (token.IsCancellationRequested)
                {
                    afterCancel++;
                }

                await LoopActor.Yield();
            }
        });
        await probe.ExpectMsgAsync("started", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var report = await WithinAsync(loop.Completion);

        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        Assert.Equal(TimeoutStepBudget, afterCancel); // the timeout runs the budget, no more, and the loop ends
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.CancelledCoroutines);
        Assert.Equal(report, await WithinAsync(stop)); // equal, maybe not the same: the timeout may find a step running and report early
    }
}

/// <summary><see cref="StopOrderTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopOrderTests_Dedicated(ITestOutputHelper output) : StopOrderTests(output);

/// <summary><see cref="StopOrderTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopOrderTests_Grouped(ITestOutputHelper output) : StopOrderTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

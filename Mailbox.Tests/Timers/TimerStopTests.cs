using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>Stops and timers: Drain waits for a coroutine's own Delay and cancels the other timers; Immediate cancels both.</summary>
public abstract class TimerStopTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const string Stopping = "loop thread began the stop";

    [Fact]
    public async Task StopAsyncDrain_CoroutineMidDelay_WaitsForTheDelayAndCancelsOtherTimers()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake, Observer = new StoppingSignal(probe) });
        for (int i = 0; i < 3; i++)
        {
            int n = i;
            loop.Post(() => probe.Tell($"post {n}"));
        }

        var coroutine = loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(1));
            probe.Tell("armed");
            await delay;
            probe.Tell("coroutine done");
            return 42;
        });
        var later = loop.CallLater(TimeSpan.FromSeconds(10), () => probe.Tell("later fired"));
        var every = loop.CallEvery(TimeSpan.FromSeconds(1), () => probe.Tell("every fired"));
        for (int i = 0; i < 3; i++)
        {
            await probe.ExpectMsgAsync($"post {i}", Patience);
        }

        await probe.ExpectMsgAsync("armed", Patience);
        Assert.Equal(3, (await loop.QueryPendingAsync()).PendingTimers);

        var stop = loop.StopAsync(StopMode.Drain);
        await probe.ExpectMsgAsync(Stopping, Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(stop.IsCompleted, "Drain must wait for the coroutine that is inside its Delay");
        Assert.False(coroutine.IsCompleted);

        // The coroutine's Delay still fires; the CallEvery (due at the same time) was cancelled by the stop.
        fake.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("coroutine done", Patience);
        Assert.Equal(42, await WithinAsync(coroutine));
        var report = await WithinAsync(stop);

        Assert.Equal(StopMode.Drain, report.Mode);
        Assert.Equal(4, report.Executed); // 3 posts + 1 RunAsync
        Assert.Equal(loop.AcceptedMessages, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(0, report.CancelledCoroutines);
        Assert.Equal(2, report.CancelledTimers); // the CallLater and the CallEvery, not the Delay
        Assert.False(report.TimedOut);
        Assert.True(later.IsCancelled);
        Assert.False(later.HasFired);
        Assert.True(every.IsCancelled);
        Assert.False(every.HasFired);
        Assert.False(later.Cancel());
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task StopAsyncImmediate_CoroutineMidDelay_CancelsItsTaskAndTimersAndCountsMessages()
    {
        var (report, coroutine, later) = await StopImmediatelyWithACoroutineMidDelayAsync();

        Assert.True(coroutine.IsCanceled);
        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(2, report.Executed);  // the RunAsync and the gate
        Assert.Equal(2, report.Discarded); // the two queued posts
        Assert.Equal(2, report.CancelledTimers); // the coroutine's Delay and the CallLater
        Assert.False(report.TimedOut);
        Assert.True(later.IsCancelled);
        Assert.False(later.HasFired);
    }

    [Fact]
    public async Task StopAsyncImmediate_CoroutineMidDelay_CountsItAsACancelledCoroutine()
    {
        var (report, coroutine, _) = await StopImmediatelyWithACoroutineMidDelayAsync();

        Assert.True(coroutine.IsCanceled);
        Assert.Equal(1, report.CancelledCoroutines);
    }

    [Fact]
    public async Task StopAsyncDrain_TimeoutPassesWhileACoroutineIsMidDelay_CancelsItsTaskAndTheDelay()
    {
        var (report, coroutine) = await StopWithATimeoutWhileACoroutineIsMidDelayAsync();

        Assert.True(coroutine.IsCanceled);
        Assert.Equal(StopMode.Drain, report.Mode);
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(1, report.CancelledTimers); // the Delay
    }

    [Fact]
    public async Task StopAsyncDrain_TimeoutPassesWhileACoroutineIsMidDelay_CountsItAsACancelledCoroutine()
    {
        var (report, coroutine) = await StopWithATimeoutWhileACoroutineIsMidDelayAsync();

        Assert.True(coroutine.IsCanceled);
        Assert.Equal(1, report.CancelledCoroutines);
    }

    /// <summary>A coroutine inside a 10 s Delay; a Drain stop with a 1 s timeout on the loop's clock, which then passes.</summary>
    private async Task<(StopReport Report, Task Coroutine)> StopWithATimeoutWhileACoroutineIsMidDelayAsync()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake, Observer = new StoppingSignal(probe) });
        var coroutine = loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(10));
            probe.Tell("armed");
            await delay;
            probe.Tell("coroutine resumed normally");
        });
        await probe.ExpectMsgAsync("armed", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync(Stopping, Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(stop.IsCompleted, "Drain waits for the coroutine until the timeout");
        fake.Advance(TimeSpan.FromSeconds(1));
        var report = await WithinAsync(stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coroutine);
        await probe.ExpectNoMsgAsync(Quiet);
        return (report, coroutine);
    }

    /// <summary>
    /// A coroutine inside a 1 s Delay, a pending 10 s CallLater, the loop held by a gate with two posts queued behind it;
    /// then an Immediate stop. Checks what every variant shares and returns the rest.
    /// </summary>
    private async Task<(StopReport Report, Task Coroutine, TimerHandle Later)> StopImmediatelyWithACoroutineMidDelayAsync()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        using var gate = new Gate();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake, Observer = new StoppingSignal(probe) });
        var coroutine = loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(1));
            probe.Tell("armed");
            await delay;
            probe.Tell("coroutine resumed normally");
        });
        var later = loop.CallLater(TimeSpan.FromSeconds(10), () => probe.Tell("later fired"));
        await probe.ExpectMsgAsync("armed", Patience);
        Assert.Equal(2, (await loop.QueryPendingAsync()).PendingTimers);

        // Hold the loop so two posts are still queued when the stop arrives.
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => probe.Tell("queued 1 ran"));
        loop.Post(() => probe.Tell("queued 2 ran"));
        var stop = loop.StopAsync(StopMode.Immediate);
        gate.Open();

        await probe.ExpectMsgAsync(Stopping, Patience);
        var report = await WithinAsync(stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coroutine);
        Assert.Equal(loop.AcceptedMessages, report.Executed + report.Discarded);

        // Nothing that was cancelled or discarded runs later.
        fake.Advance(TimeSpan.FromSeconds(10));
        await probe.ExpectNoMsgAsync(Quiet);
        return (report, coroutine, later);
    }

    /// <summary>Tells the probe when the loop thread has taken its stop request (the <see cref="LoopStopping"/> event).</summary>
    private sealed class StoppingSignal(TestProbe probe) : IObserver<LoopEvent>
    {
        public void OnCompleted() { }

        public void OnError(Exception error) { }

        public void OnNext(LoopEvent value)
        {
            if (value is LoopStopping)
            {
                probe.Tell(Stopping);
            }
        }
    }
}

/// <summary><see cref="TimerStopTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerStopTests_Dedicated(ITestOutputHelper output) : TimerStopTests(output);

/// <summary><see cref="TimerStopTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerStopTests_Grouped(ITestOutputHelper output) : TimerStopTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

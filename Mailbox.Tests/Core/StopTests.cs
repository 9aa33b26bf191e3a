using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class StopTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Queued = 1_000_000;

    [Fact]
    public async Task StopAsyncImmediate_MillionQueuedBehindABlockedCallback_OvertakesAndRunsNoneOfThem()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        long ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var coroutines = new List<Task>();
        for (int i = 0; i < Queued; i++)
        {
            if (i % 100_000 == 0)
            {
                coroutines.Add(loop.RunAsync(() => Task.CompletedTask));
            }

            loop.Post(() => ran++);
        }

        var stop = loop.StopAsync(StopMode.Immediate);
        Assert.Equal(LoopState.Stopping, loop.State);
        Assert.False(stop.IsCompleted);
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.Equal(0, ran);
        Assert.Equal(1, report.Executed);
        Assert.Equal(Queued + coroutines.Count, report.Discarded);
        Assert.Equal(loop.AcceptedMessages, report.Executed + report.Discarded);
        foreach (var task in coroutines)
        {
            await Assert.ThrowsAsync<LoopStoppedException>(() => task);
        }
    }

    [Fact]
    public async Task StopAsyncDrain_MillionQueuedBehindABlockedCallback_RunsAllOfThem()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        long ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < Queued; i++)
        {
            loop.Post(() => ran++);
        }

        var stop = loop.StopAsync(StopMode.Drain);
        Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran++));
        gate.Open();
        var report = await WithinAsync(stop);
        Assert.Equal(Queued, ran);
        Assert.Equal(Queued + 1, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task StopAsync_CalledTwice_ReturnsTheSameReportAndCompletionFollowsTheThreadsExit()
    {
        var loop = Spawn();
        var thread = await loop.RunAsync(() => Task.FromResult(Thread.CurrentThread));
        var first = loop.StopAsync();
        var second = loop.StopAsync(StopMode.Immediate);
        Assert.Same(first, second);
        var report = await WithinAsync(first);
        Assert.Same(report, await loop.Completion);
        if (Kind == LoopKind.Dedicated)
        {
            Assert.False(thread.IsAlive);
        }
        else
        {
            // Grouped, Completion means the loop will never run again; its thread goes on serving the group (DESIGN, guarantee 5).
            Assert.True(thread.IsAlive);
        }

        Assert.Equal(LoopState.Stopped, loop.State);
        await loop.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_FromTheLoopThread_StartsTheStopAndReturns()
    {
        var loop = Spawn();
        var probe = CreateTestProbe();
        loop.Post(() =>
        {
            var stop = loop.StopAsync();
            probe.Tell(stop.IsCompleted);
        });
        await probe.ExpectMsgAsync(false, Patience);
        var report = await WithinAsync(loop.Completion);
        Assert.Equal(1, report.Executed);
    }

    [Fact]
    public async Task StopAsyncDrain_LiveCoroutine_RunsToCompletionBeforeTheLoopStops()
    {
        var loop = Spawn();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var coroutine = loop.RunAsync(async () => { await release.Task; return 5; });
        await AwaitAssertAsync(async () => Assert.Equal(1, (await loop.QueryPendingAsync()).LiveCoroutines), Patience);
        var stop = loop.StopAsync();
        Assert.False(stop.IsCompleted);
        release.SetResult();
        Assert.Equal(5, await WithinAsync(coroutine));
        var report = await WithinAsync(stop);
        Assert.Equal(0, report.CancelledCoroutines);
        Assert.False(report.TimedOut);
    }

    [Fact]
    public async Task StopAsyncImmediate_LiveCoroutine_IsCancelledThroughItsToken()
    {
        var loop = Spawn();
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async token =>
        {
            probe.Tell("started");
            await Task.Delay(Timeout.Infinite, token);
        });
        await probe.ExpectMsgAsync("started", Patience);
        var report = await WithinAsync(loop.StopAsync(StopMode.Immediate));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coroutine);
        Assert.True(coroutine.IsCanceled);
        Assert.Equal(1, report.CancelledCoroutines);
        Assert.Equal(1, report.Executed);
    }

    [Fact]
    public async Task StopAsync_StuckCallbackAndTimeout_CompletesAtTheTimeoutAndCompletionWaitsForTheThread()
    {
        var clock = new FakeTimeProvider();
        var loop = Spawn(new LoopOptions { TimeProvider = clock });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        loop.Post(() => { });
        await gate.EnteredAsync();
        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromMilliseconds(100));
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(stop.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var report = await WithinAsync(stop);
        Assert.True(report.TimedOut);
        Assert.False(loop.Completion.IsCompleted);
        gate.Open();
        var final = await WithinAsync(loop.Completion);
        Assert.True(final.TimedOut);
        Assert.Equal(1, final.Executed);
        Assert.Equal(1, final.Discarded);
    }

    [Fact]
    public async Task StopAsync_TimeoutWithACoroutineThatIgnoresCancellation_AbandonsIt()
    {
        var clock = new FakeTimeProvider();
        var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var never = new TaskCompletionSource();
        var probe = CreateTestProbe();
        var coroutine = loop.RunAsync(async () => { probe.Tell("started"); await never.Task; });
        await probe.ExpectMsgAsync("started", Patience);
        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        var report = await WithinAsync(stop);
        Assert.True(report.TimedOut);
        Assert.Equal(1, report.CancelledCoroutines);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        never.SetResult();
    }

    [Fact]
    public async Task DisposeAsync_StopsWithDrain()
    {
        var loop = Spawn();
        int ran = 0;
        loop.Post(() => ran++);
        await loop.DisposeAsync();
        var report = await loop.Completion;
        Assert.Equal(StopMode.Drain, report.Mode);
        Assert.Equal(1, ran);
    }
}

/// <summary><see cref="StopTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopTests_Dedicated(ITestOutputHelper output) : StopTests(output);

/// <summary><see cref="StopTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopTests_Grouped(ITestOutputHelper output) : StopTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

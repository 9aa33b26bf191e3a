using System.Runtime.CompilerServices;
using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Coroutines;

/// <summary>
/// The edges of a <c>RunAsync</c> request's life that the ordinary coroutine tests do not reach: a caller's cancellation
/// that meets the start, or a second live coroutine, or a callback on the coroutine's own token that throws; the task's
/// outcome for odd coroutines; and what a request leaves behind once the loop has discarded or abandoned it.
/// </summary>
public abstract class CoroutineRequestTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task CallerCancelsTheOlderOfTwoLiveCoroutines_OnlyItEnds_AndTheLiveCountStaysExact()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var holdSecond = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = loop.RunAsync(async token => { probe.Tell("first"); await Task.Delay(Timeout.Infinite, token); }, cts.Token);
        await probe.ExpectMsgAsync("first", Patience);
        var second = loop.RunAsync(async () => { probe.Tell("second"); await holdSecond.Task; });
        await probe.ExpectMsgAsync("second", Patience);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(first));

        // The cancellation reached a request that is in the live list, with the second as its neighbour there.
        Assert.Equal(1, (await WithinAsync(loop.QueryPendingAsync())).LiveCoroutines);
        holdSecond.SetResult();
        await WithinAsync(second);
        Assert.Equal(0, (await WithinAsync(loop.QueryPendingAsync())).LiveCoroutines);
    }

    [Fact]
    public async Task CallerCancelsWhileTheLoopStartsTheRequest_ItNeverStarts_EndsCancelled_AndQueuesNothing()
    {
        await using var loop = Spawn();
        var first = await HoldAsync(loop);
        using var cts = new CancellationTokenSource();
        bool started = false;
        var task = loop.RunAsync(() => { started = true; return Task.CompletedTask; }, cts.Token);
        using var second = await HoldLaterAsync(loop);

        // A token calls back the last registered first: this callback runs before the request's own, lets the loop
        // reach the request, and returns only once the loop is past it. So the loop starts the request while the token
        // reads cancelled and the request's callback has not run yet.
        cts.Token.Register(() =>
        {
            first.Open();
            Assert.True(second.EnteredAsync().Wait(Patience), "the loop did not get past the request");
        });
        await WithinAsync(Task.Run(cts.Cancel));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        Assert.True(task.IsCanceled);
        var query = loop.QueryPendingAsync();
        second.Open();
        var pending = await WithinAsync(query);
        Assert.Equal(0, pending.ReadySteps); // the request's own callback was unregistered, so it queued no step
        Assert.False(started);
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(3, report.Executed);
    }

    [Fact]
    public async Task CallerCancelsAQueuedRequest_ItsTaskEndsAtOnce_AndNoStepIsQueuedForIt()
    {
        await using var loop = Spawn();
        var gate = await HoldAsync(loop);
        using var cts = new CancellationTokenSource();
        var task = loop.RunAsync(() => Task.CompletedTask, cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        var query = loop.QueryPendingAsync();
        gate.Open();
        var pending = await WithinAsync(query);

        Assert.Equal(0, pending.ReadySteps);
        Assert.Equal(1, pending.QueuedMessages); // the request itself, which the loop will only count
    }

    [Fact]
    public async Task CallerCancels_ACallbackOnTheCoroutinesOwnTokenThrows_TheLoopReportsItAndTheCoroutineEnds()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var task = loop.RunAsync(async token =>
        {
            token.Register(() => throw new FormatException("own token's callback"));
            probe.Tell("registered");
            await Task.Delay(Timeout.Infinite, token);
        }, cts.Token);
        await probe.ExpectMsgAsync("registered", Patience);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        var fault = await ExpectFaultAsync<AggregateException>(loop);
        Assert.Equal("own token's callback", Assert.IsType<FormatException>(Assert.Single(fault.InnerExceptions)).Message);
    }

    [Fact]
    public async Task CoroutineReturnsANullTask_TheTaskFaultsWithInvalidOperation()
    {
        await using var loop = Spawn();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => WithinAsync(loop.RunAsync(() => null!)));
        Assert.Equal("The coroutine returned a null task.", e.Message);
    }

    [Fact]
    public async Task CoroutineCancelledByAnotherToken_TheTaskEndsCancelledWithThatToken()
    {
        await using var loop = Spawn();
        using var other = new CancellationTokenSource();
        await other.CancelAsync();

        var task = loop.RunAsync(async () =>
        {
            await LoopActor.Yield();
            other.Token.ThrowIfCancellationRequested();
        });

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(task));
        Assert.True(task.IsCanceled);
        Assert.Equal(other.Token, e.CancellationToken);
    }

    [Fact]
    public async Task YieldAwaiter_NullContinuation_ThrowsArgumentNullAndQueuesNothing()
    {
        await using var loop = Spawn();
        var thrown = await WithinAsync(loop.RunAsync(() =>
            Task.FromResult(Record.Exception(() => LoopActor.Yield().GetAwaiter().UnsafeOnCompleted(null!)))));

        Assert.Equal("continuation", Assert.IsType<ArgumentNullException>(thrown).ParamName);
        Assert.Equal(0, (await WithinAsync(loop.QueryPendingAsync())).ReadySteps);
    }

    [Fact]
    public async Task StopDiscardsAQueuedRequest_TheCallersTokenNoLongerHoldsIt()
    {
        using var cts = new CancellationTokenSource(); // a long-lived token, such as an application's shutdown token
        var (coroutine, task) = await DiscardOneRequestAsync(cts.Token);

        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(task));
        await this.AssertCollectedAsync(coroutine, "a discarded request is still reachable");
        GC.KeepAlive(cts);
    }

    [Fact]
    public async Task StopAbandonsALiveCoroutine_NeitherTheLoopNorTheCallersTokenHoldsIt()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var probe = CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var (coroutine, task) = StartStuckCoroutine(loop, probe, cts.Token);
        await probe.ExpectMsgAsync("started", Patience);

        var stop = loop.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await WithinAsync(stop)).TimedOut);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(task));

        await this.AssertCollectedAsync(coroutine, "an abandoned coroutine is still reachable");
        GC.KeepAlive(loop);
        GC.KeepAlive(cts);
    }

    /// <summary>Queues a second gate behind what is queued now; unlike <see cref="LoopTestKit.HoldAsync"/> it does not wait for the loop to enter it.</summary>
    private static Task<Gate> HoldLaterAsync(LoopActor loop)
    {
        var gate = new Gate();
        loop.Post(gate.Hold);
        return Task.FromResult(gate);
    }


    /// <summary>
    /// A loop of the test's kind that only this method holds (not the kit, which keeps its loops to the test's end), a
    /// request queued behind a held callback, and an Immediate stop that discards it. The loop's data lane still holds the
    /// discarded message, so the loop must be gone for the request to be collectable; the token is the caller's.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<(WeakReference Coroutine, Task Task)> DiscardOneRequestAsync(CancellationToken token)
    {
        var loop = Kind == LoopKind.Grouped ? Group.Spawn("discarding") : LoopActor.Spawn("discarding");
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var marker = new object();
        Func<Task> coroutine = () => { GC.KeepAlive(marker); return Task.CompletedTask; };
        var task = loop.RunAsync(coroutine, token);
        var stop = loop.StopAsync(StopMode.Immediate);
        gate.Open();
        Assert.Equal(1, (await WithinAsync(stop)).Discarded);
        return (new WeakReference(coroutine), task);
    }

    /// <summary>A coroutine, watched by <paramref name="token"/>, that waits on a task nobody else holds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Coroutine, Task Task) StartStuckCoroutine(LoopActor loop, global::Akka.TestKit.TestProbe probe, CancellationToken token)
    {
        var never = new TaskCompletionSource();
        Func<Task> coroutine = async () => { probe.Tell("started"); await never.Task; };
        return (new WeakReference(coroutine), loop.RunAsync(coroutine, token));
    }
}

/// <summary><see cref="CoroutineRequestTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class CoroutineRequestTests_Dedicated(ITestOutputHelper output) : CoroutineRequestTests(output);

/// <summary><see cref="CoroutineRequestTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class CoroutineRequestTests_Grouped(ITestOutputHelper output) : CoroutineRequestTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

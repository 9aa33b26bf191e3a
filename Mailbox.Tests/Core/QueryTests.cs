using System.Runtime.CompilerServices;
using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class QueryTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task QueryPendingAsync_BusyLoop_OvertakesQueuedMessagesWithAnExactSnapshot()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < 10; i++)
        {
            loop.Post(() => { });
        }

        var queued = loop.RunAsync(() => Task.CompletedTask);
        var query = loop.QueryPendingAsync();
        Assert.False(query.IsCompleted);
        gate.Open();
        var pending = await WithinAsync(query);
        Assert.Equal(11, pending.QueuedMessages);
        Assert.Equal(0, pending.LiveCoroutines);
        Assert.Equal(0, pending.PendingTimers);
        Assert.Null(pending.NextTimerDue);
        await WithinAsync(queued);
    }

    [Fact]
    public async Task QueryPendingAsync_TokenCancelledWhileTheLoopIsBusy_EndsAtOnce()
    {
        await using var loop = Spawn();
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        using var cts = new CancellationTokenSource();
        var query = loop.QueryPendingAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(query));
        gate.Open();
        Assert.Equal(1, await loop.RunAsync(() => Task.FromResult(1)));
    }

    [Fact]
    public async Task QueryPendingAsync_AnsweredUnderALongLivedToken_LeavesNothingRegisteredOnIt()
    {
        await using var loop = Spawn();
        using var shutdown = new CancellationTokenSource(); // lives on, as an application's shutdown token does
        var weak = await QueryAndForgetAsync(loop, shutdown.Token);
        await WithinAsync(loop.QueryPendingAsync()); // the control lane keeps its last batch until the next one: move it on
        await this.AssertCollectedAsync(weak, "the answered query is still registered on the caller's token");
        await shutdown.CancelAsync(); // and cancelling it now touches nothing of the query
        Assert.Equal(0, (await WithinAsync(loop.QueryPendingAsync())).QueuedMessages);
    }

    [Fact]
    public async Task QueryPendingAsync_LiveCoroutineAndReadySteps_AreCounted()
    {
        await using var loop = Spawn();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var coroutine = loop.RunAsync(() => release.Task);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await loop.QueryPendingAsync()).LiveCoroutines), Patience);
        release.SetResult();
        await WithinAsync(coroutine);
        Assert.Equal(0, (await loop.QueryPendingAsync()).LiveCoroutines);
    }

    /// <summary>Queries under <paramref name="token"/>, awaits the answer, and keeps only a weak reference to the query's task.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> QueryAndForgetAsync(LoopActor loop, CancellationToken token)
    {
        var query = loop.QueryPendingAsync(token);
        await query;
        return new WeakReference(query);
    }
}

/// <summary><see cref="QueryTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class QueryTests_Dedicated(ITestOutputHelper output) : QueryTests(output);

/// <summary><see cref="QueryTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class QueryTests_Grouped(ITestOutputHelper output) : QueryTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

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
}

/// <summary><see cref="QueryTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class QueryTests_Dedicated(ITestOutputHelper output) : QueryTests(output);

/// <summary><see cref="QueryTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class QueryTests_Grouped(ITestOutputHelper output) : QueryTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

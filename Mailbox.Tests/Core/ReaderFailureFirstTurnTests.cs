using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Tests.Core;

/// <summary>
/// A loop whose first turn fails (its logger throws at the start) while a query and two timers sent from another thread
/// wait on its control lane: the loop ends as an Immediate stop, the query is refused, the timers are cancelled and
/// counted, and its thread's other loop goes on. On a group of one thread, held by that other loop, so that everything is
/// on the lane before the failing turn.
/// </summary>
public sealed class ReaderFailureFirstTurnTests
{
    [Fact]
    public async Task FirstTurnThrows_QueryAndTimersSentBeforeIt_AreRefusedAndCountedCancelled()
    {
        // One thread, held by another loop: what is sent to the new loop waits on its control lane for its first turn.
        await using var group = LoopGroup.Create(nameof(ReaderFailureFirstTurnTests), new LoopGroupOptions { ThreadCount = 1 });
        var holder = group.Spawn("holder");
        using var gate = new Gate();
        holder.Post(gate.Hold);
        await gate.EnteredAsync();
        var clock = new FakeTimeProvider();
        var loop = group.Spawn("failing", new LoopOptions { TimeProvider = clock, LoggerFactory = new ThrowingLoggerFactory(ThrowingLoggerFactory.StartedEvent) });
        var query = loop.QueryPendingAsync();
        var handle = loop.CallLater(TimeSpan.FromSeconds(1), () => { });
        var token = loop.CallLater(TimeSpan.FromSeconds(1), static (int _) => { }, 0);
        Assert.Equal(LoopState.Running, loop.State);

        gate.Open();
        var report = await LoopTestKit.WithinAsync(loop.Completion);

        var refused = await Assert.ThrowsAsync<LoopStoppedException>(() => LoopTestKit.WithinAsync(query));
        Assert.Contains("the query was refused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(StopMode.Immediate, report.Mode);
        Assert.Equal(2, report.CancelledTimers); // the handle and the token, both still on the control lane
        Assert.True(handle.IsCancelled);
        Assert.False(token.Cancel()); // the stop cancelled it already
        Assert.Equal(0, report.Executed + report.Discarded);
        Assert.Equal(42, await LoopTestKit.WithinAsync(holder.RunAsync(() => Task.FromResult(42)))); // the thread serves on
    }
}

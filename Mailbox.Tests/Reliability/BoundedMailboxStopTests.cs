using System.Runtime.CompilerServices;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

/// <summary>
/// A full bounded mailbox meeting a stop, a cancel and an admission in a fixed order: the loop is held by a gate, the
/// room filled, senders left waiting, and then each event is made to happen before or after the others. Every send is
/// accounted for exactly: executed, discarded or refused, never two of them and never none.
/// </summary>
public abstract class BoundedMailboxStopTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Capacity = 2;

    /// <summary>Holds the loop in <paramref name="gate"/> and fills its mailbox with posts that count into <paramref name="ran"/>.</summary>
    private static async Task HoldAndFillAsync(LoopActor loop, Gate gate, StrongBox<int> ran)
    {
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < Capacity; i++)
        {
            loop.Post(() => ran.Value++);
        }
    }

    [Fact]
    public async Task StopAsyncDrain_SendersWaitingForRoom_EachFailsOnceAndTheQueuedStillRun()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        using var cts = new CancellationTokenSource();
        var ran = new StrongBox<int>();
        await HoldAndFillAsync(loop, gate, ran);
        var waiters = new[]
        {
            loop.PostAsync(() => ran.Value += 100).AsTask(),
            loop.PostAsync(() => ran.Value += 100, cts.Token).AsTask(),
            loop.RunAsync(() => Task.FromResult(ran.Value += 100)),
        };
        Assert.All(waiters, w => Assert.False(w.IsCompleted));

        var stop = loop.StopAsync();
        foreach (var waiter in waiters)
        {
            var refused = await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(waiter));
            Assert.Contains("the send was refused", refused.Message, StringComparison.Ordinal);
        }

        await cts.CancelAsync(); // too late: the stop already ended that wait
        Assert.True(waiters[1].IsFaulted);
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.Equal(Capacity, ran.Value); // the drain ran what was queued and admitted none of the failed waiters
        Assert.Equal(Capacity + 1, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(waiters.Length, loop.RefusedMessages);
        Assert.Equal(Capacity + 1, loop.AcceptedMessages);
    }

    [Fact]
    public async Task Post_AfterADrainedStopWithRoomFree_IsRefusedAndCountedOnce()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        var ran = new StrongBox<int>();
        await HoldAndFillAsync(loop, gate, ran);
        gate.Open();
        await WithinAsync(loop.StopAsync());

        // The room is empty again: each send takes a place, is refused by the closed gate, and gives the place back.
        for (int i = 0; i < Capacity + 1; i++)
        {
            Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran.Value++));
            Assert.False(loop.TryPost(() => ran.Value++));
            await Assert.ThrowsAsync<LoopStoppedException>(() => loop.PostAsync(() => ran.Value++).AsTask());
        }

        Assert.Equal(Capacity, ran.Value);
        Assert.Equal(3 * (Capacity + 1), loop.RefusedMessages);
        Assert.Equal(Capacity + 1, loop.AcceptedMessages);
    }

    [Fact]
    public async Task PostAsync_WaiterAdmittedThenItsTokenCancelled_StaysAcceptedAndRunsOnce()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        using var cts = new CancellationTokenSource();
        var ran = new StrongBox<int>();
        await HoldAndFillAsync(loop, gate, ran);
        var waiter = loop.PostAsync(() => ran.Value += 100, cts.Token).AsTask();
        Assert.False(waiter.IsCompleted);

        gate.Open();
        await WithinAsync(waiter); // admitted when the loop dequeued the first queued post
        await cts.CancelAsync();
        var report = await WithinAsync(loop.StopAsync());

        Assert.True(waiter.IsCompletedSuccessfully);
        Assert.Equal(Capacity + 100, ran.Value);
        Assert.Equal(Capacity + 2, report.Executed);
        Assert.Equal(0, loop.RefusedMessages);
    }

    [Fact]
    public async Task PostAsync_WaiterCancelledThenAStop_EndsCancelledAndIsNotCountedAsRefused()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        using var cts = new CancellationTokenSource();
        var ran = new StrongBox<int>();
        await HoldAndFillAsync(loop, gate, ran);
        var cancelled = loop.PostAsync(() => ran.Value += 100, cts.Token).AsTask();
        var failed = loop.PostAsync(() => ran.Value += 100).AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(cancelled));
        var stop = loop.StopAsync(StopMode.Immediate);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(failed));
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.True(cancelled.IsCanceled);
        Assert.Equal(0, ran.Value);
        Assert.Equal(1, report.Executed);
        Assert.Equal(Capacity, report.Discarded);
        Assert.Equal(1, loop.RefusedMessages); // the failed waiter; the cancelled one gave up on its own
    }

    [Fact]
    public async Task RunAsync_WaitingForRoomWhenAnImmediateStopComes_FaultsAndIsNeitherRunNorDiscarded()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        var ran = new StrongBox<int>();
        await HoldAndFillAsync(loop, gate, ran);
        var queued = loop.RunAsync(() => Task.FromResult(ran.Value += 10)); // over capacity: waits for room
        Assert.False(queued.IsCompleted);

        var stop = loop.StopAsync(StopMode.Immediate);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(queued));
        gate.Open();
        var report = await WithinAsync(stop);

        Assert.Equal(0, ran.Value);
        Assert.Equal(1, report.Executed);
        Assert.Equal(Capacity, report.Discarded);
        Assert.Equal(Capacity + 1, loop.AcceptedMessages);
        Assert.Equal(1, loop.RefusedMessages);
    }
}

/// <summary><see cref="BoundedMailboxStopTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class BoundedMailboxStopTests_Dedicated(ITestOutputHelper output) : BoundedMailboxStopTests(output);

/// <summary><see cref="BoundedMailboxStopTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class BoundedMailboxStopTests_Grouped(ITestOutputHelper output) : BoundedMailboxStopTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class BoundedMailboxTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int Capacity = 4;

    [Fact]
    public async Task PostAsync_WaitMode_BlockedProducersAreReleasedInOrderAsTheLoopDrains()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity, FullMode = MailboxFullMode.Wait });
        using var gate = new Gate();
        var order = new List<int>(); // loop-owned
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < Capacity; i++)
        {
            int n = i;
            await loop.PostAsync(() => order.Add(n)); // fills the mailbox; the running Hold does not count
        }

        var waiting = new List<Task>();
        for (int i = Capacity; i < Capacity + 20; i++)
        {
            int n = i;
            var sent = loop.PostAsync(() => order.Add(n)).AsTask();
            Assert.False(sent.IsCompleted, $"send {n} should wait for room");
            waiting.Add(sent);
        }

        gate.Open();
        await WithinAsync(Task.WhenAll(waiting));
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(Enumerable.Range(0, Capacity + 20), order);
        Assert.Equal(Capacity + 21, report.Executed);
        Assert.Equal(0, loop.RefusedMessages);
    }

    [Fact]
    public async Task PostAsync_WaitingSendCancelled_EndsCancelledAndLosesNothingElse()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = Capacity });
        using var gate = new Gate();
        var ran = new List<string>();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < Capacity; i++)
        {
            int n = i;
            loop.Post(() => ran.Add($"queued {n}"));
        }

        using var cts = new CancellationTokenSource();
        var before = loop.PostAsync(() => ran.Add("waiter before")).AsTask();
        var cancelled = loop.PostAsync(() => ran.Add("cancelled"), cts.Token).AsTask();
        var after = loop.PostAsync(() => ran.Add("waiter after")).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(cancelled));
        gate.Open();
        await WithinAsync(Task.WhenAll(before, after));
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(["queued 0", "queued 1", "queued 2", "queued 3", "waiter before", "waiter after"], ran);
        Assert.Equal(Capacity + 3, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task Post_WaitModeFull_ThrowsMailboxFullInsteadOfBlocking()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1, FullMode = MailboxFullMode.Wait });
        using var gate = new Gate();
        int ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => ran++);
        Assert.Throws<MailboxFullException>(() => loop.Post(() => ran++));
        Assert.False(loop.TryPost(() => ran++));
        gate.Open();
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(1, ran);
        Assert.Equal(2, report.Executed);
        Assert.Equal(2, loop.RefusedMessages);
    }

    [Fact]
    public async Task RejectMode_RefusesExactlyTheOverflow()
    {
        const int Sends = 50;
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            MailboxCapacity = Capacity,
            FullMode = MailboxFullMode.Reject,
            Observer = new ProbeObserver(probe, e => e is MailboxFull),
        });
        using var gate = new Gate();
        int ran = 0, refused = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        for (int i = 0; i < Sends; i++)
        {
            switch (i % 3)
            {
                case 0:
                    if (!loop.TryPost(() => ran++)) refused++;
                    break;
                case 1:
                    try { loop.Post(() => ran++); } catch (MailboxFullException) { refused++; }
                    break;
                default:
                    try { await loop.PostAsync(() => ran++); } catch (MailboxFullException) { refused++; }
                    break;
            }
        }

        Assert.Equal(Sends - Capacity, refused);
        gate.Open();
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(Capacity, ran);
        Assert.Equal(Capacity + 1, report.Executed);
        Assert.Equal(Sends - Capacity, loop.RefusedMessages);
        var full = await probe.ExpectMsgAsync<MailboxFull>(Patience);
        Assert.Equal(Capacity, full.Capacity);
    }

    [Fact]
    public async Task MailboxFull_IsNoticedOncePerEpisode_AndAgainAfterTheLoopTookTheNotice()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            MailboxCapacity = 2,
            FullMode = MailboxFullMode.Reject,
            Observer = new ProbeObserver(probe, e => e is MailboxFull),
        });
        int ran = 0;
        for (int episode = 1; episode <= 2; episode++)
        {
            using var gate = new Gate();
            loop.Post(gate.Hold);
            await gate.EnteredAsync();
            loop.Post(() => ran++);
            loop.Post(() => ran++);
            Assert.False(loop.TryPost(() => ran++)); // the notice is sent
            Assert.False(loop.TryPost(() => ran++)); // one already waits for the loop: no second
            gate.Open();
            await probe.ExpectMsgAsync<MailboxFull>(Patience);
            await AwaitAssertAsync(() => Assert.Equal(2 * episode, Volatile.Read(ref ran)), Patience);
            await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        }

        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(6, report.Executed); // two holds, four posts
        Assert.Equal(4, loop.RefusedMessages);
    }

    [Fact]
    public async Task ControlLane_FullMailbox_QueryAndStopStillGetThrough()
    {
        var loop = Spawn(new LoopOptions { MailboxCapacity = 1, FullMode = MailboxFullMode.Wait });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });
        var waiter = loop.PostAsync(() => { }).AsTask();
        var query = loop.QueryPendingAsync();
        var stop = loop.StopAsync(StopMode.Immediate);
        await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(waiter)); // never accepted: refused by the stop
        gate.Open();
        Assert.Equal(1, (await WithinAsync(query)).QueuedMessages);
        var report = await WithinAsync(stop);
        Assert.Equal(1, report.Executed);
        Assert.Equal(1, report.Discarded);
        Assert.Equal(1, loop.RefusedMessages);
    }

    [Fact]
    public async Task RunAsync_WaitModeFull_WaitsForRoomThenRuns()
    {
        await using var loop = Spawn(new LoopOptions { MailboxCapacity = 1 });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => { });
        var coroutine = loop.RunAsync(() => Task.FromResult(9));
        Assert.False(coroutine.IsCompleted);
        gate.Open();
        Assert.Equal(9, await WithinAsync(coroutine));
    }
}

/// <summary><see cref="BoundedMailboxTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class BoundedMailboxTests_Dedicated(ITestOutputHelper output) : BoundedMailboxTests(output);

/// <summary><see cref="BoundedMailboxTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class BoundedMailboxTests_Grouped(ITestOutputHelper output) : BoundedMailboxTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

namespace Mailbox.Tests.Lanes;

/// <summary>
/// The loops' lock-free data lane on its own, in both kinds: the parts of the <c>Channel&lt;T&gt;</c> contract it keeps
/// (order, peeking, a reader that waits), the ones it gives up on purpose (it is never completed, it does not count), and a
/// bounded stress of many writers against a reader that waits between batches, with exact accounting.
/// </summary>
public sealed class LaneChannelTests
{
    private static readonly Action<object?> s_noop = static _ => { };

    /// <summary>Both lanes: a dedicated loop's (over a <c>ConcurrentQueue</c>) and a grouped loop's (over a <see cref="LaneQueue"/> that starts at 8 slots).</summary>
    public static TheoryData<bool> Kinds => new() { false, true };

    private static Envelope Tagged(int tag) => new(s_noop, tag);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TryRead_AfterWrites_GivesThemBackInOrder_AcrossTheRingsTheyGrew(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(channel.Writer.TryWrite(Tagged(i)));
        }

        Assert.False(channel.Reader.CanCount); // the gate counts, not the lane
        Assert.True(channel.Reader.CanPeek);
        Assert.True(channel.Reader.TryPeek(out var front));
        Assert.Equal(0, front.State);
        for (int i = 0; i < 60; i++)
        {
            Assert.True(channel.Reader.TryRead(out var item));
            Assert.Equal(i, item.State);
        }

        for (int i = 60; i < 100; i++)
        {
            Assert.True(channel.Reader.TryRead(out var item));
            Assert.Equal(i, item.State);
        }

        Assert.False(channel.Reader.TryRead(out _));
        Assert.False(channel.Reader.TryPeek(out _));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task TryComplete_IsRefused_AndWritesGoOnBeingAccepted(bool grouped)
    {
        var channel = new LaneChannel(grouped);

        Assert.False(channel.Writer.TryComplete()); // acceptance is the send gate's: the lane is never completed
        Assert.False(channel.Writer.TryComplete(new InvalidOperationException("ignored")));

        Assert.True(channel.Writer.TryWrite(Tagged(1)));
        await channel.Writer.WriteAsync(Tagged(2));
        Assert.True(await channel.Writer.WaitToWriteAsync());
        Assert.False(channel.Reader.Completion.IsCompleted);
        Assert.True(channel.Reader.TryRead(out var first));
        Assert.True(channel.Reader.TryRead(out var second));
        Assert.Equal((1, 2), ((int)first.State!, (int)second.State!));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WriteCalls_WithACancelledToken_AreCancelledAndWriteNothing(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channel.Writer.WriteAsync(Tagged(1), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channel.Writer.WaitToWriteAsync(cancelled.Token));
        Assert.False(channel.Reader.TryRead(out _));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaitToReadAsync_AnItemWaiting_AnswersTrueAtOnce(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        channel.Writer.TryWrite(Tagged(1));

        var wait = channel.Reader.WaitToReadAsync();

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaitToReadAsync_Empty_WaitsUntilAnotherThreadWrites(bool grouped)
    {
        var channel = new LaneChannel(grouped);

        var wait = channel.Reader.WaitToReadAsync().AsTask();
        Assert.False(wait.IsCompleted);

        await Task.Run(() => channel.Writer.TryWrite(Tagged(7)));

        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(channel.Reader.TryRead(out var item));
        Assert.Equal(7, item.State);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaitToReadAsync_ASecondWaitWhileOneIsPending_LetsTheFirstLookAgain(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        var first = channel.Reader.WaitToReadAsync().AsTask();

        var second = channel.Reader.WaitToReadAsync().AsTask();

        // A single reader that waits twice has moved on from its first wait: that one answers true (look again) and
        // the second is the one a write completes.
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(second.IsCompleted);
        channel.Writer.TryWrite(Tagged(1));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaitToReadAsync_Cancelled_IsCancelledAndTheNextWaitStillSeesAWrite(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        using var cts = new CancellationTokenSource();
        var wait = channel.Reader.WaitToReadAsync(cts.Token).AsTask();
        Assert.False(wait.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
        var next = channel.Reader.WaitToReadAsync().AsTask();
        channel.Writer.TryWrite(Tagged(1));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(channel.Reader.TryRead(out var item)); // the cancelled wait took nothing
        Assert.Equal(1, item.State);
        Assert.False(channel.Reader.TryRead(out _));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaitToReadAsync_AlreadyCancelledToken_IsCancelledOnlyWhenNothingWaits(bool grouped)
    {
        var channel = new LaneChannel(grouped);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channel.Reader.WaitToReadAsync(cts.Token));
        channel.Writer.TryWrite(Tagged(1));
        Assert.True(await channel.Reader.WaitToReadAsync(cts.Token)); // an item waiting wins over the token, as in the platform's channels
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ManyWriters_AReaderThatWaitsWhenEmpty_ReceivesEveryItemOnceAndEachWritersInOrder(bool grouped)
    {
        const int Writers = 4, PerWriter = 50_000;
        var channel = new LaneChannel(grouped);
        var lastSeen = new int[Writers];
        Array.Fill(lastSeen, -1);
        long received = 0;

        // The reader drains, then waits: every time it runs dry it goes through the waiter handshake, so a write that
        // lands while the waiter is being published is the case under test. A lost wake-up hangs it (bounded below).
        var reader = Task.Run(async () =>
        {
            while (received < Writers * PerWriter)
            {
                while (channel.Reader.TryRead(out var item))
                {
                    int tag = (int)item.State!;
                    int writer = tag / PerWriter, index = tag % PerWriter;
                    Assert.Equal(lastSeen[writer] + 1, index);
                    lastSeen[writer] = index;
                    received++;
                }

                if (received < Writers * PerWriter)
                {
                    await channel.Reader.WaitToReadAsync();
                }
            }
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < PerWriter; i++)
            {
                channel.Writer.TryWrite(Tagged((w * PerWriter) + i));
                if (i % 1_000 == 0)
                {
                    Thread.Yield(); // let the reader run dry now and then
                }
            }
        })).ToArray();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        await reader.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Writers * PerWriter, received);
        Assert.All(lastSeen, last => Assert.Equal(PerWriter - 1, last));
        Assert.False(channel.Reader.TryRead(out _));
    }

    [Fact]
    public void AGroupedLane_IsTheSmallOne()
    {
        _ = new LaneChannel(grouped: true); // JIT and type loading out of the count
        _ = new LaneChannel(grouped: false);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var grouped = new LaneChannel(grouped: true);
        long groupedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        var dedicated = new LaneChannel(grouped: false);
        long dedicatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        // A grouped loop's lane starts at 8 slots (about 570 B); a dedicated loop's is a ConcurrentQueue, 32 slots (about
        // 1.2 KB). The bounded channel grouped loops had was 800 B: a hundred thousand loops carry the difference.
        Assert.InRange(groupedBytes, 1, 799);
        Assert.True(dedicatedBytes > groupedBytes + 300, $"dedicated {dedicatedBytes} B, grouped {groupedBytes} B");
        GC.KeepAlive(grouped);
        GC.KeepAlive(dedicated);
    }
}

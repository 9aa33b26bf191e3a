namespace Mailbox.Tests.Lanes;

/// <summary>
/// The lane's lock-free queue on its own: FIFO within a ring, across the rings it grows into, and across laps of a ring
/// it reuses; nothing allocated once a ring is big enough; and bounded stresses of many writers against the one reader,
/// with rings small enough that the writers freeze and switch rings thousands of times, and exact accounting.
/// </summary>
public sealed class LaneQueueTests
{
    private static readonly Action<object?> s_noop = static _ => { };

    private static Envelope Tagged(int tag) => new(s_noop, tag);

    [Fact]
    public void TryDequeue_Empty_IsFalse_AndSoIsPeek()
    {
        var queue = new LaneQueue(2);

        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
        Assert.False(queue.TryPeek(out _));
    }

    [Fact]
    public void Items_PastManyDoublings_ComeOutInOrder()
    {
        var queue = new LaneQueue(2);
        for (int i = 0; i < 10_000; i++) // 2 → 16,384 slots: 13 ring switches
        {
            queue.Enqueue(Tagged(i));
        }

        for (int i = 0; i < 10_000; i++)
        {
            Assert.False(queue.IsEmpty);
            Assert.True(queue.TryPeek(out var front));
            Assert.Equal(i, front.State);
            Assert.True(queue.TryDequeue(out var item));
            Assert.Equal(i, item.State);
        }

        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void WritesBetweenReads_ThatFillAndGrowTheRing_KeepTheirOrder()
    {
        // The reader is behind the writer by a varying amount: some writes land in a ring that still has the reader's
        // unread items, some fill it and move on to the next; the order must not care.
        var queue = new LaneQueue(4);
        int written = 0, read = 0;
        var random = new Random(17);
        for (int round = 0; round < 2_000; round++)
        {
            for (int w = random.Next(0, 12); w > 0; w--)
            {
                queue.Enqueue(Tagged(written++));
            }

            for (int r = random.Next(0, 12); r > 0 && queue.TryDequeue(out var item); r--)
            {
                Assert.Equal(read++, item.State);
            }
        }

        while (queue.TryDequeue(out var item))
        {
            Assert.Equal(read++, item.State);
        }

        Assert.Equal(written, read);
    }

    [Fact]
    public void AReaderThatKeepsUp_ReusesTheRing_AndAllocatesNothing()
    {
        var queue = new LaneQueue(8);
        var item = Tagged(1);
        for (int i = 0; i < 100; i++) // warm: JIT
        {
            queue.Enqueue(item);
            queue.TryDequeue(out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int lap = 0; lap < 10_000; lap++)
        {
            for (int i = 0; i < 8; i++)
            {
                queue.Enqueue(item);
            }

            for (int i = 0; i < 8; i++)
            {
                Assert.True(queue.TryDequeue(out _));
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AFullRing_IsFollowedByOneTwiceAsLong_NotMore()
    {
        var queue = new LaneQueue(2);
        queue.Enqueue(Tagged(0));
        queue.Enqueue(Tagged(1));

        long before = GC.GetAllocatedBytesForCurrentThread();
        queue.Enqueue(Tagged(2)); // the ring of 2 is full: a ring of 4 (96 B of slots) takes this one
        long grown = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(grown, 1, 2_048);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(queue.TryDequeue(out var item));
            Assert.Equal(i, item.State);
        }
    }

    [Fact]
    public void ADequeuedSlot_LetsGoOfItsItem()
    {
        var queue = new LaneQueue(2);
        var weak = Enqueued(queue);
        Assert.True(Dequeued(queue)); // in a frame of its own: the item it took is not this frame's to keep alive

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(weak.IsAlive); // the slot is reused a lap later; until then it must not keep the message's state alive
    }

    [Theory]
    [InlineData(2, 4, 100_000)]
    [InlineData(8, 2, 200_000)]
    [InlineData(32, 8, 25_000)]
    public async Task ManyWriters_OneReader_EveryItemOnce_EachWritersInOrder(int initialLength, int writers, int perWriter)
    {
        var queue = new LaneQueue(initialLength);
        var lastSeen = new int[writers];
        Array.Fill(lastSeen, -1);
        long total = (long)writers * perWriter;
        using var start = new Barrier(writers + 1);
        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int i = 0; i < perWriter; i++)
                {
                    queue.Enqueue(Tagged((w * perWriter) + i));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        var reader = Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                long read = 0;
                var spin = default(SpinWait);
                while (read < total)
                {
                    if (!queue.TryDequeue(out var item))
                    {
                        spin.SpinOnce(sleep1Threshold: -1); // a claim not yet published reads as empty for a moment
                        continue;
                    }

                    int tag = (int)item.State!;
                    int writer = tag / perWriter, index = tag % perWriter;
                    Assert.Equal(lastSeen[writer] + 1, index);
                    lastSeen[writer] = index;
                    read++;
                }

                return read;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Task.WhenAll(writerTasks).WaitAsync(TimeSpan.FromSeconds(60));
        long readCount = await reader.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(total, readCount);
        Assert.All(lastSeen, last => Assert.Equal(perWriter - 1, last));
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool Dequeued(LaneQueue queue) => queue.TryDequeue(out _);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference Enqueued(LaneQueue queue)
    {
        var state = new object();
        queue.Enqueue(new Envelope(s_noop, state));
        return new WeakReference(state);
    }
}
